// Package dynamotest gives tests real DynamoDB endpoints to run the dynamo
// store against, reached through the application's own client code
// (dynamo.NewClient with the target's AWS configuration, real HTTP):
//
//   - Embedded: a fresh in-process embedded DynamoDB (local/dynamodb) per
//     call, on a temporary store, with its handle for fault injection.
//   - DynamoDBLocal: AWS's DynamoDB Local (a JVM installed by
//     `make test-deps`), one per test binary, started on first use, with a
//     unique table prefix per call. Test binaries that use it call Main from
//     TestMain so the JVM is stopped at exit.
//
// Both create the store's tables before returning. This is test support:
// production code never imports it.
package dynamotest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/local"
	localddb "github.com/shopgraph/shopgraph/local/dynamodb"
)

// Region is the region of every test client. DynamoDB Local keeps one
// database per access key and region, so all clients of one target must
// agree on it.
const Region = "us-east-1"

// CursorSecret is the nextToken signing key NewStore uses.
const CursorSecret = "dynamotest-cursor-secret-0123456789"

// Target is a DynamoDB endpoint with the store's tables created.
type Target struct {
	// Name is "embedded" or "dynamodb-local".
	Name string
	// Client reaches the endpoint with dynamo.NewClient (request counting
	// included).
	Client *dynamodb.Client
	// Faults injects failures into the embedded DynamoDB; nil for DynamoDB
	// Local.
	Faults *localddb.Faults
	// Tables are the target's table names (unique per call on DynamoDB
	// Local).
	Tables dynamo.Tables
	// Endpoint is the base URL of the server.
	Endpoint string
	// Close stops the embedded DynamoDB now, before the test's cleanup
	// (which then does nothing), to reopen its data directory; nil for
	// DynamoDB Local.
	Close func(context.Context) error
	// AWS is the client configuration the target accepts: the embedded
	// server's per-start credentials (it verifies SigV4), or dummy ones for
	// DynamoDB Local.
	AWS aws.Config

	// httpClient is the embedded DynamoDB's HTTPClient (nil for DynamoDB
	// Local).
	httpClient *http.Client
}

// ClientOptions are the SDK options every client of the target needs: for
// the embedded DynamoDB, its HTTPClient (the SDK's default client hits
// aws/aws-sdk-go-v2#2737 against it and retries, which breaks exact request
// counts); none for DynamoDB Local. Give them to app.DynamoDBConfig when
// an application runs on the target.
func (t Target) ClientOptions() []func(*dynamodb.Options) {
	if t.httpClient == nil {
		return nil
	}
	return []func(*dynamodb.Options){func(o *dynamodb.Options) { o.HTTPClient = t.httpClient }}
}

// NewClient builds another client for the target's endpoint (same region
// and credentials), with extra options such as a fast retryer.
func (t Target) NewClient(optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamo.NewClient(t.AWS, t.Endpoint, append(t.ClientOptions(), optFns...)...)
}

// Embedded starts a fresh in-process embedded DynamoDB on a temporary store
// (no fsync: a test's data need not survive a crash), creates the tables
// (prefix "test-") and registers the server's shutdown with tb.Cleanup.
func Embedded(tb testing.TB) Target {
	tb.Helper()
	return EmbeddedWith(tb, local.DynamoDBOptions{NoSync: true})
}

// EmbeddedWith is Embedded with options: a data directory, durable writes
// (NoSync false), as the embedded default runs.
func EmbeddedWith(tb testing.TB, opts local.DynamoDBOptions) Target {
	tb.Helper()
	ctx := context.Background()
	emb, err := local.StartDynamoDBWith(ctx, opts)
	if err != nil {
		tb.Fatalf("start the embedded DynamoDB: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := emb.Close(ctx); err != nil {
			tb.Errorf("stop the embedded DynamoDB: %v", err)
		}
	})
	hc := emb.HTTPClient()
	t := Target{
		Name:       "embedded",
		Client:     dynamo.NewClient(emb.AWSConfig(Region), emb.Endpoint, func(o *dynamodb.Options) { o.HTTPClient = hc }),
		httpClient: hc,
		AWS:        emb.AWSConfig(Region),
		Faults:     emb.DB.Faults(),
		Close:      emb.Close,
		Tables:     dynamo.TableNames("test-"),
		Endpoint:   emb.Endpoint,
	}
	createTables(tb, t)
	return t
}

// NewStore returns a dynamo.Store on the target's tables, signing cursors
// with CursorSecret and caching with the default TTL.
func NewStore(tb testing.TB, t Target) *dynamo.Store {
	tb.Helper()
	s, err := dynamo.New(t.Client, dynamo.Options{Tables: t.Tables, CursorSecret: []byte(CursorSecret)})
	if err != nil {
		tb.Fatalf("new store: %v", err)
	}
	return s
}

func createTables(tb testing.TB, t Target) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, _, err := dynamo.CreateTables(ctx, t.Client, t.Tables); err != nil {
		tb.Fatalf("create tables on %s: %v", t.Name, err)
	}
}

// Main runs the tests of a package that uses DynamoDBLocal and stops the
// JVM afterwards. Call it from TestMain: func TestMain(m *testing.M) {
// dynamotest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	if err := jvm.stop(); err != nil {
		fmt.Fprintf(os.Stderr, "dynamotest: stop DynamoDB Local: %v\n", err)
	}
	os.Exit(code)
}
