package dynamo

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph"
)

var _ shopgraph.APIKeyStore = (*Store)(nil)

// Attribute names of ApiKeys items (besides the key, attrKeyID).
const attrRevokedAt = "revokedAt"

// apiKeyItem is an ApiKeys item. Times are RFC 3339 strings in UTC; an
// absent expiresAt or revokedAt means "never" or "not revoked". secretHash
// is binary (B): the SHA-256 of the secret, never the secret.
type apiKeyItem struct {
	KeyID      string   `dynamodbav:"keyId"`
	Partner    string   `dynamodbav:"partner"`
	Scopes     []string `dynamodbav:"scopes,omitempty"`
	RateLimit  int      `dynamodbav:"rateLimit"`
	SecretHash []byte   `dynamodbav:"secretHash"`
	CreatedAt  string   `dynamodbav:"createdAt"`
	ExpiresAt  string   `dynamodbav:"expiresAt,omitempty"`
	RevokedAt  string   `dynamodbav:"revokedAt,omitempty"`
}

// apiKeyKey returns the ApiKeys table key of a key id.
func apiKeyKey(id string) item {
	return item{attrKeyID: &types.AttributeValueMemberS{Value: id}}
}

// marshalAPIKey converts a key to its ApiKeys item. It returns a BadRequest
// *shopgraph.Error when the id cannot be a DynamoDB key or the hash is not
// a SHA-256 (a guard against storing a secret by mistake).
func marshalAPIKey(k shopgraph.APIKeyRecord) (item, error) {
	if !validPartitionKey(k.ID) {
		return nil, shopgraph.Errorf(shopgraph.CodeBadRequest, "API key id must be non-empty and at most %d bytes", maxPartitionKeyBytes)
	}
	if len(k.SecretHash) != sha256.Size {
		return nil, shopgraph.Errorf(shopgraph.CodeBadRequest, "API key %q: secret hash must be a SHA-256 (%d bytes), got %d bytes", k.ID, sha256.Size, len(k.SecretHash))
	}
	av, err := attributevalue.MarshalMap(apiKeyItem{
		KeyID:      k.ID,
		Partner:    k.Partner,
		Scopes:     k.Scopes,
		RateLimit:  k.RateLimit,
		SecretHash: k.SecretHash,
		CreatedAt:  formatTime(k.CreatedAt),
		ExpiresAt:  formatOptionalTime(k.ExpiresAt),
		RevokedAt:  formatOptionalTime(k.RevokedAt),
	})
	if err != nil {
		return nil, fmt.Errorf("marshal API key %s: %w", k.ID, err)
	}
	return av, nil
}

// unmarshalAPIKey converts an ApiKeys item to a key, times in UTC.
func unmarshalAPIKey(av item) (shopgraph.APIKeyRecord, error) {
	var it apiKeyItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return shopgraph.APIKeyRecord{}, fmt.Errorf("unmarshal API key item: %w", err)
	}
	if it.KeyID == "" {
		return shopgraph.APIKeyRecord{}, fmt.Errorf("unmarshal API key item: missing %s", attrKeyID)
	}
	created, err := parseTime(it.CreatedAt)
	if err != nil {
		return shopgraph.APIKeyRecord{}, fmt.Errorf("API key %s createdAt: %w", it.KeyID, err)
	}
	expires, err := parseOptionalTime(it.ExpiresAt)
	if err != nil {
		return shopgraph.APIKeyRecord{}, fmt.Errorf("API key %s expiresAt: %w", it.KeyID, err)
	}
	revoked, err := parseOptionalTime(it.RevokedAt)
	if err != nil {
		return shopgraph.APIKeyRecord{}, fmt.Errorf("API key %s revokedAt: %w", it.KeyID, err)
	}
	return shopgraph.APIKeyRecord{
		ID:         it.KeyID,
		Partner:    it.Partner,
		Scopes:     it.Scopes,
		RateLimit:  it.RateLimit,
		SecretHash: it.SecretHash,
		CreatedAt:  created,
		ExpiresAt:  expires,
		RevokedAt:  revoked,
	}, nil
}

func formatOptionalTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return formatTime(*t)
}

func parseOptionalTime(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := parseTime(s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func noAPIKey(id string) error {
	return shopgraph.Errorf(shopgraph.CodeNotFound, "no API key %q", id)
}

// CreateAPIKey stores a new key with one PutItem conditional on
// attribute_not_exists(keyId). It returns a Conflict *shopgraph.Error `API
// key "x" already exists` when the id is taken (the stored key is left as it
// was), and a BadRequest one when the id is empty or too long for a
// DynamoDB key or SecretHash is not 32 bytes (a SHA-256).
func (s *Store) CreateAPIKey(ctx context.Context, k shopgraph.APIKeyRecord) error {
	av, err := marshalAPIKey(k)
	if err != nil {
		return fmt.Errorf("create API key: %w", err)
	}
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                aws.String(s.tables.APIKeys),
		Item:                     av,
		ConditionExpression:      aws.String("attribute_not_exists(#k)"),
		ExpressionAttributeNames: map[string]string{"#k": attrKeyID},
	})
	if isConditionFailed(err) {
		return shopgraph.Errorf(shopgraph.CodeConflict, "API key %q already exists", k.ID)
	}
	if err != nil {
		return fmt.Errorf("create API key %s: put item in %s: %w", k.ID, s.tables.APIKeys, err)
	}
	return nil
}

// GetAPIKey reads a key with one strongly consistent GetItem, so a
// revocation is seen at once. It returns a NotFound *shopgraph.Error `no API
// key "x"` when there is none (an id that cannot be a DynamoDB key is not
// even asked for). The result is not cached: callers that need a cache keep
// their own.
func (s *Store) GetAPIKey(ctx context.Context, id string) (shopgraph.APIKeyRecord, error) {
	if !validPartitionKey(id) {
		return shopgraph.APIKeyRecord{}, noAPIKey(id)
	}
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.tables.APIKeys),
		Key:            apiKeyKey(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return shopgraph.APIKeyRecord{}, fmt.Errorf("get API key %s: get item from %s: %w", id, s.tables.APIKeys, err)
	}
	if len(out.Item) == 0 {
		return shopgraph.APIKeyRecord{}, noAPIKey(id)
	}
	k, err := unmarshalAPIKey(out.Item)
	if err != nil {
		return shopgraph.APIKeyRecord{}, fmt.Errorf("get API key %s: %w", id, err)
	}
	return k, nil
}

// ListAPIKeys returns every key, ordered by CreatedAt and then ID, with a
// paginated, strongly consistent Scan of the ApiKeys table (one request per
// MB of keys). It returns an empty, non-nil slice when there are none.
func (s *Store) ListAPIKeys(ctx context.Context) ([]shopgraph.APIKeyRecord, error) {
	out := []shopgraph.APIKeyRecord{}
	in := &dynamodb.ScanInput{TableName: aws.String(s.tables.APIKeys), ConsistentRead: aws.Bool(true)}
	err := scanAll(ctx, s.api, in, func(it item) error {
		k, err := unmarshalAPIKey(it)
		out = append(out, k)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	slices.SortFunc(out, func(a, b shopgraph.APIKeyRecord) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// RevokeAPIKey sets the key's revokedAt to at unless it is already set, with
// one UpdateItem (`SET revokedAt = if_not_exists(revokedAt, :now)`,
// conditional on attribute_exists(keyId), ReturnValues ALL_NEW), and returns
// the key as stored afterwards: revoking twice keeps the first time. It
// returns a NotFound *shopgraph.Error `no API key "x"` when there is no such
// key (and creates none).
func (s *Store) RevokeAPIKey(ctx context.Context, id string, at time.Time) (shopgraph.APIKeyRecord, error) {
	if !validPartitionKey(id) {
		return shopgraph.APIKeyRecord{}, noAPIKey(id)
	}
	out, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.tables.APIKeys),
		Key:                       apiKeyKey(id),
		UpdateExpression:          aws.String("SET #r = if_not_exists(#r, :now)"),
		ConditionExpression:       aws.String("attribute_exists(#k)"),
		ExpressionAttributeNames:  map[string]string{"#r": attrRevokedAt, "#k": attrKeyID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": &types.AttributeValueMemberS{Value: formatTime(at)}},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		return shopgraph.APIKeyRecord{}, noAPIKey(id)
	}
	if err != nil {
		return shopgraph.APIKeyRecord{}, fmt.Errorf("revoke API key %s: update item in %s: %w", id, s.tables.APIKeys, err)
	}
	k, err := unmarshalAPIKey(out.Attributes)
	if err != nil {
		return shopgraph.APIKeyRecord{}, fmt.Errorf("revoke API key %s: %w", id, err)
	}
	return k, nil
}
