package dynamo

import (
	"context"
	"crypto/sha256"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph"
)

// pagedScan serves a Scan of the ApiKeys table in fixed pages, as DynamoDB
// does past 1 MB, and records the requests.
type pagedScan struct {
	API
	pages [][]item
	reqs  []*dynamodb.ScanInput
	fail  error
}

func (p *pagedScan) Scan(_ context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	p.reqs = append(p.reqs, in)
	if p.fail != nil {
		return nil, p.fail
	}
	i := 0
	if in.ExclusiveStartKey != nil {
		i = len(in.ExclusiveStartKey[attrKeyID].(*types.AttributeValueMemberS).Value) // "p", "pp", …: the next page's index
	}
	out := &dynamodb.ScanOutput{Items: p.pages[i]}
	if i+1 < len(p.pages) {
		out.LastEvaluatedKey = apiKeyKey(strings.Repeat("p", i+1))
	}
	return out, nil
}

func TestListAPIKeys_followsPagesAndSorts(t *testing.T) {
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	h := sha256.Sum256([]byte("s"))
	key := func(id string, created time.Duration) item {
		it, err := marshalAPIKey(shopgraph.APIKeyRecord{ID: id, Partner: "p", Scopes: []string{"catalog:read"}, SecretHash: h[:], CreatedAt: base.Add(created)})
		if err != nil {
			t.Fatal(err)
		}
		return it
	}
	api := &pagedScan{pages: [][]item{
		{key("k3", 3*time.Second), key("k9", time.Second)},
		{}, // an empty page that still has a LastEvaluatedKey
		{key("k1", 3*time.Second), key("k0", 0)},
	}}
	s, err := New(api, Options{Tables: TableNames("t-"), CursorSecret: []byte("0123456789abcdef0123")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ListAPIKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(got))
	for i, k := range got {
		ids[i] = k.ID
	}
	if want := []string{"k0", "k9", "k1", "k3"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ListAPIKeys over 3 pages = %v, want %v (by createdAt, then id)", ids, want)
	}
	if len(api.reqs) != 3 {
		t.Fatalf("%d Scan requests, want 3", len(api.reqs))
	}
	for i, in := range api.reqs {
		if aws.ToString(in.TableName) != "t-ApiKeys" || !aws.ToBool(in.ConsistentRead) {
			t.Errorf("Scan #%d: table %q, ConsistentRead %v; want t-ApiKeys, strongly consistent", i+1, aws.ToString(in.TableName), aws.ToBool(in.ConsistentRead))
		}
	}

	api = &pagedScan{fail: errors.New("boom")}
	s, _ = New(api, Options{Tables: TableNames("t-"), CursorSecret: []byte("0123456789abcdef0123")})
	if got, err := s.ListAPIKeys(context.Background()); err == nil || got != nil || !strings.Contains(err.Error(), "list API keys") || shopgraph.CodeOf(err) != shopgraph.CodeInternal {
		t.Errorf("ListAPIKeys on a failing Scan = %v, %v; want an internal error naming the operation", got, err)
	}
}

func TestAPIKeyItem_roundTrip(t *testing.T) {
	h := sha256.Sum256([]byte("s"))
	exp := time.Date(2030, 2, 3, 4, 5, 6, 7, time.FixedZone("X", -7*3600))
	k := shopgraph.APIKeyRecord{ID: "k", Partner: "p", Scopes: []string{"b", "a"}, RateLimit: 9, SecretHash: h[:], CreatedAt: exp.Add(-time.Hour), ExpiresAt: &exp}
	it, err := marshalAPIKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := it[attrRevokedAt]; ok {
		t.Error("a key never revoked has a revokedAt attribute")
	}
	got, err := unmarshalAPIKey(it)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(k.CreatedAt) || !got.ExpiresAt.Equal(exp) || got.CreatedAt.Location() != time.UTC || got.RevokedAt != nil {
		t.Errorf("times: %+v", got)
	}
	got.CreatedAt, got.ExpiresAt = k.CreatedAt, k.ExpiresAt
	if !reflect.DeepEqual(got, k) {
		t.Errorf("round trip = %#v, want %#v", got, k)
	}
	if _, err := unmarshalAPIKey(item{"partner": &types.AttributeValueMemberS{Value: "p"}}); err == nil {
		t.Error("an item without keyId unmarshalled")
	}
	if _, err := unmarshalAPIKey(item{attrKeyID: &types.AttributeValueMemberS{Value: "k"}, "createdAt": &types.AttributeValueMemberS{Value: "yesterday"}}); err == nil {
		t.Error("an item with a bad createdAt unmarshalled")
	}
}
