package dynamodb_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph/local/dynamodb"
)

// server is an embedded DynamoDB under test, reached through the SDK.
type server struct {
	db     *dynamodb.DB
	http   *httptest.Server
	client *sdk.Client
}

// newClient returns an SDK client for endpoint that does not retry.
func newClient(endpoint string) *sdk.Client {
	return sdk.New(sdk.Options{
		BaseEndpoint:     aws.String(endpoint),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: plainBody{&http.Transport{MaxIdleConnsPerHost: 64}}},
	})
}

// start opens a DB with opts (NoSync unless the test says otherwise) and
// serves it; both are closed at cleanup.
func start(tb testing.TB, opts dynamodb.Options) *server {
	tb.Helper()
	db, err := dynamodb.Open(opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	hs := httptest.NewServer(db)
	tb.Cleanup(func() {
		hs.Close()
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return &server{db: db, http: hs, client: newClient(hs.URL)}
}

func startTemp(tb testing.TB) *server {
	tb.Helper()
	return start(tb, dynamodb.Options{NoSync: true})
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
func ni(v int) types.AttributeValue   { return n(strconv.Itoa(v)) }

// createTable creates table name with a string pk and a number sk (rangeKey
// true), and a GSI "byG" on g (S) with sort key sk, projecting projection.
func createTable(tb testing.TB, c *sdk.Client, name string, rangeKey bool, projection types.ProjectionType) {
	tb.Helper()
	in := &sdk.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
		},
	}
	if rangeKey {
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange})
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN})
	}
	if projection != "" {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS})
		gsi := types.GlobalSecondaryIndex{
			IndexName:  aws.String("byG"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: projection},
		}
		if rangeKey {
			gsi.KeySchema = append(gsi.KeySchema, types.KeySchemaElement{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange})
		}
		if projection == types.ProjectionTypeInclude {
			gsi.Projection.NonKeyAttributes = []string{"a"}
		}
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{gsi}
	}
	if _, err := c.CreateTable(context.Background(), in); err != nil {
		tb.Fatalf("CreateTable %s: %v", name, err)
	}
}

func put(tb testing.TB, c *sdk.Client, table string, item map[string]types.AttributeValue) {
	tb.Helper()
	if _, err := c.PutItem(context.Background(), &sdk.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		tb.Fatalf("PutItem: %v", err)
	}
}

// raw sends one request to the handler directly and returns the recorder.
func raw(db http.Handler, op, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewBufferString(body))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	rec := httptest.NewRecorder()
	db.ServeHTTP(rec, req)
	return rec
}

// rawOK is raw that fails tb on a non-200 answer.
func rawOK(tb testing.TB, db http.Handler, op, body string) []byte {
	tb.Helper()
	rec := raw(db, op, body)
	if rec.Code != http.StatusOK {
		tb.Fatalf("%s: HTTP %d: %s", op, rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// item builds {pk, sk, ...} quickly.
func item(pk string, sk int, kv ...any) map[string]types.AttributeValue {
	it := map[string]types.AttributeValue{"pk": s(pk), "sk": ni(sk)}
	for i := 0; i+1 < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case string:
			it[kv[i].(string)] = s(v)
		case int:
			it[kv[i].(string)] = ni(v)
		case types.AttributeValue:
			it[kv[i].(string)] = v
		default:
			panic(fmt.Sprintf("item: unsupported %T", v))
		}
	}
	return it
}

// plainBody hands the transport the SDK's request body as a plain
// io.ReadCloser. Against a server that answers as fast as this one, the
// SDK's own body wrapper sometimes makes net/http's write loop close the
// connection while the response is read ("deserialization failed … use of
// closed network connection", aws/aws-sdk-go-v2#2737); wrapping the body
// avoids it.
type plainBody struct{ rt http.RoundTripper }

type readCloser struct{ io.ReadCloser }

func (p plainBody) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = readCloser{r.Body}
	}
	return p.rt.RoundTrip(r)
}
