package local_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/shopgraph/shopgraph/local"
	localddb "github.com/shopgraph/shopgraph/local/dynamodb"
)

func TestStartDynamoDB(t *testing.T) {
	ctx := context.Background()
	ddb, err := local.StartDynamoDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ddb.Endpoint, "http://127.0.0.1:") || ddb.DB == nil {
		t.Fatalf("endpoint %q, engine %v", ddb.Endpoint, ddb.DB)
	}
	client := dynamodb.NewFromConfig(ddb.AWSConfig(""), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(ddb.Endpoint) })
	_, err = client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("Tab"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable through the real SDK: %v", err)
	}
	var wg sync.WaitGroup
	for range 8 { // several connections, idle at Close
		wg.Go(func() {
			if _, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Tab")}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	start := time.Now()
	closeCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := ddb.Close(closeCtx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v: it should not wait for idle or unused connections", d)
	}
	if err := ddb.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(ddb.Endpoint, "http://"), time.Second); err == nil {
		t.Error("the port still accepts connections after Close")
	}
}

func TestStartDynamoDB_independent(t *testing.T) {
	ctx := context.Background()
	a, err := local.StartDynamoDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	b, err := local.StartDynamoDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	if a.Endpoint == b.Endpoint || a.DB == b.DB {
		t.Error("two servers share an endpoint or a handle")
	}
	// Only POSTs of the DynamoDB JSON API are served.
	res, err := http.Get(a.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET / = %d", res.StatusCode)
	}
}

func TestAWSConfig(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "from-env")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "from-env")
	t.Setenv("AWS_REGION", "eu-west-1")
	cfg := local.AWSConfig("")
	if cfg.Region != local.DefaultRegion {
		t.Errorf("region %q, want %q", cfg.Region, local.DefaultRegion)
	}
	if local.AWSConfig("ap-south-1").Region != "ap-south-1" {
		t.Error("region not used")
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "local" || creds.SecretAccessKey != "local" {
		t.Errorf("credentials %+v, %v; want the static local ones, not the environment's", creds, err)
	}
}

func TestClose_contextEnds(t *testing.T) {
	ctx := context.Background()
	ddb, err := local.StartDynamoDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if err := ddb.Close(done); err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Close with an ended context: %v", err)
	}
}

// countingTransport counts the HTTP requests a client sends per operation
// and can act after each response.
type countingTransport struct {
	base  http.RoundTripper
	after func(op string, n int) // called with the operation's count so far

	mu       sync.Mutex
	attempts map[string][]string // operation → amz-sdk-request header of each attempt
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	op := r.Header.Get("X-Amz-Target")
	op = op[strings.LastIndex(op, ".")+1:]
	res, err := c.base.RoundTrip(r)
	c.mu.Lock()
	if c.attempts == nil {
		c.attempts = map[string][]string{}
	}
	c.attempts[op] = append(c.attempts[op], r.Header.Get("Amz-Sdk-Request"))
	n := len(c.attempts[op])
	c.mu.Unlock()
	if c.after != nil {
		c.after(op, n)
	}
	return res, err
}

func (c *countingTransport) count(op string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.attempts[op]
}

// newClient builds an SDK client for ddb with cfg, fast retries and t's
// transport.
func newClient(ddb *local.EmbeddedDynamoDB, cfg aws.Config, t *countingTransport) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(ddb.Endpoint)
		o.HTTPClient = &http.Client{Transport: t}
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) { so.MaxBackoff = 5 * time.Millisecond })
	})
}

func startDynamoDB(t *testing.T, opts local.DynamoDBOptions) *local.EmbeddedDynamoDB {
	t.Helper()
	ddb, err := local.StartDynamoDBWith(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := ddb.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return ddb
}

func createTable(ctx context.Context, client *dynamodb.Client, name string) error {
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("s"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("s"), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	return err
}

func key(k, s string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"k": &types.AttributeValueMemberS{Value: k}, "s": &types.AttributeValueMemberS{Value: s}}
}

// TestEmbeddedDynamoDB_signedClient: the real SDK client signing with the
// server's credentials runs every kind of call, retries included.
func TestEmbeddedDynamoDB_signedClient(t *testing.T) {
	ctx := context.Background()
	ddb := startDynamoDB(t, local.DynamoDBOptions{})
	tr := &countingTransport{base: http.DefaultTransport}
	client := newClient(ddb, ddb.AWSConfig(""), tr)

	if err := createTable(ctx, client, "Tab"); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	if _, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Tab")}); err != nil {
		t.Fatalf("DescribeTable: %v", err)
	}
	item := key("a", "1")
	item["v"] = &types.AttributeValueMemberS{Value: "héllo, \"world\" / ünïcode"}
	if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Tab"), Item: item}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	if _, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("Tab"), Key: key("a", "2"),
		UpdateExpression:          aws.String("SET v = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: "two"}}}); err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	got, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("Tab"), Key: key("a", "1"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	if v, ok := got.Item["v"].(*types.AttributeValueMemberS); !ok || v.Value != "héllo, \"world\" / ünïcode" {
		t.Errorf("GetItem = %v", got.Item)
	}
	q, err := client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("Tab"), KeyConditionExpression: aws.String("k = :k"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": &types.AttributeValueMemberS{Value: "a"}}})
	if err != nil || len(q.Items) != 2 {
		t.Fatalf("Query: %v, %d items", err, len(q.Items))
	}

	// BatchGetItem fails once with a 500 (an injected internal error); the
	// SDK retries with a new signature, which must pass.
	defer ddb.DB.Faults().Add(localddb.Fault{Operation: "BatchGetItem", Table: "Tab", Error: "InternalServerError", Times: 1})()
	bg, err := client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"Tab": {Keys: []map[string]types.AttributeValue{key("a", "1"), key("a", "2")}}}})
	if err != nil {
		t.Fatalf("BatchGetItem: %v", err)
	}
	if n := len(bg.Responses["Tab"]); n != 2 {
		t.Errorf("BatchGetItem returned %d items, want 2", n)
	}
	if a := tr.count("BatchGetItem"); len(a) != 2 || !strings.HasPrefix(a[1], "attempt=2") {
		t.Errorf("BatchGetItem attempts %q, want a first attempt and one retry", a)
	}
	if _, err := client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("Tab"), Key: key("a", "1")}); err != nil {
		t.Fatalf("DeleteItem: %v", err)
	}
}

// apiErrorCode is err's smithy API error code, or "".
func apiErrorCode(err error) string {
	if ae, ok := errors.AsType[smithy.APIError](err); ok {
		return ae.ErrorCode()
	}
	return ""
}

// TestEmbeddedDynamoDB_refusesOtherCredentials: a wrong secret, another
// access key id or the dummy local credentials get DynamoDB's API errors,
// at once and without retries, and change nothing.
func TestEmbeddedDynamoDB_refusesOtherCredentials(t *testing.T) {
	ctx := context.Background()
	ddb := startDynamoDB(t, local.DynamoDBOptions{})
	wrongSecret := ddb.Credentials
	wrongSecret.SecretAccessKey = local.GenerateCredentials().SecretAccessKey
	otherKey := local.GenerateCredentials()
	otherKey.SecretAccessKey = ddb.Credentials.SecretAccessKey
	for _, c := range []struct {
		name  string
		cfg   aws.Config
		codes string
	}{
		{"wrong secret", local.AWSConfigFor("", wrongSecret), "InvalidSignatureException"},
		{"another access key id", local.AWSConfigFor("", otherKey), "UnrecognizedClientException"},
		{"dummy local credentials", local.AWSConfig(""), "UnrecognizedClientException"},
		{"with a session token", local.AWSConfigFor("", aws.Credentials{AccessKeyID: ddb.Credentials.AccessKeyID,
			SecretAccessKey: ddb.Credentials.SecretAccessKey, SessionToken: "token"}), "UnrecognizedClientException"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := &countingTransport{base: http.DefaultTransport}
			err := createTable(ctx, newClient(ddb, c.cfg, tr), "Tab")
			if code := apiErrorCode(err); code != c.codes {
				t.Fatalf("CreateTable: %v (code %q), want an API error %s", err, code, c.codes)
			}
			if n := len(tr.count("CreateTable")); n != 1 {
				t.Errorf("%d attempts, want 1: the error must not be retried", n)
			}
		})
	}
	good := newClient(ddb, ddb.AWSConfig(""), &countingTransport{base: http.DefaultTransport})
	_, err := good.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Tab")})
	if code := apiErrorCode(err); code != "ResourceNotFoundException" {
		t.Errorf("DescribeTable after refused CreateTables: %v, want ResourceNotFoundException", err)
	}
}

const createTableBody = `{"TableName":"Raw","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],` +
	`"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`

// rawRequest is a DynamoDB JSON-API POST of body for op, signed with creds
// at signedAt unless creds is zero.
func rawRequest(t *testing.T, ddb *local.EmbeddedDynamoDB, op, body string, creds aws.Credentials, signedAt time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ddb.Endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	if creds != (aws.Credentials{}) {
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "dynamodb", local.DefaultRegion, signedAt); err != nil {
			t.Fatal(err)
		}
	}
	return req
}

// send sends req and returns the status, the x-amzn-ErrorType header and
// the body.
func send(t *testing.T, req *http.Request) (int, string, string) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("X-Amzn-ErrorType"), strings.TrimSpace(string(b))
}

// TestEmbeddedDynamoDB_refusesForgedRequests: raw HTTP requests that are
// unsigned, malformed, replayed after 15 minutes, tampered with after
// signing or with unsigned headers get DynamoDB's answers and do nothing.
func TestEmbeddedDynamoDB_refusesForgedRequests(t *testing.T) {
	ddb := startDynamoDB(t, local.DynamoDBOptions{})
	creds := ddb.Credentials
	now := time.Now()
	const (
		mismatch = `{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}`
		missing  = `{"__type":"com.amazon.coral.service#MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}`
		unknown  = `{"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"The security token included in the request is invalid."}`
	)
	for _, c := range []struct {
		name     string
		req      func() *http.Request
		code     string
		body     string // exact, or a prefix of the message when it ends in "…"
		signedOK bool
	}{
		{name: "unsigned", req: func() *http.Request {
			return rawRequest(t, ddb, "CreateTable", createTableBody, aws.Credentials{}, now)
		},
			code: "MissingAuthenticationTokenException", body: missing},
		{name: "other scheme", req: func() *http.Request {
			r := rawRequest(t, ddb, "CreateTable", createTableBody, aws.Credentials{}, now)
			r.Header.Set("Authorization", "Bearer "+creds.SecretAccessKey)
			return r
		}, code: "MissingAuthenticationTokenException", body: missing},
		{name: "malformed", req: func() *http.Request {
			r := rawRequest(t, ddb, "CreateTable", createTableBody, aws.Credentials{}, now)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+creds.AccessKeyID)
			r.Header.Set("X-Amz-Date", now.UTC().Format("20060102T150405Z"))
			return r
		}, code: "IncompleteSignatureException", body: `{"__type":"com.amazon.coral.service#IncompleteSignatureException","message":"Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."}`},
		{name: "another access key id", req: func() *http.Request {
			return rawRequest(t, ddb, "CreateTable", createTableBody, aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: creds.SecretAccessKey}, now)
		}, code: "UnrecognizedClientException", body: unknown},
		{name: "replayed 20 minutes later", req: func() *http.Request {
			return rawRequest(t, ddb, "CreateTable", createTableBody, creds, now.Add(-20*time.Minute))
		}, code: "InvalidSignatureException", body: `{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"Signature expired: …`},
		{name: "dated 20 minutes ahead", req: func() *http.Request {
			return rawRequest(t, ddb, "CreateTable", createTableBody, creds, now.Add(20*time.Minute))
		}, code: "InvalidSignatureException", body: `{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"Signature not yet current: …`},
		{name: "body changed", req: func() *http.Request {
			r := rawRequest(t, ddb, "CreateTable", `{"TableName":"Other"}`, creds, now)
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(createTableBody)), int64(len(createTableBody))
			return r
		}, code: "InvalidSignatureException", body: mismatch},
		{name: "operation changed", req: func() *http.Request {
			r := rawRequest(t, ddb, "DescribeTable", createTableBody, creds, now)
			r.Header.Set("X-Amz-Target", "DynamoDB_20120810.CreateTable")
			return r
		}, code: "InvalidSignatureException", body: mismatch},
		{name: "operation not signed", req: func() *http.Request {
			r := rawRequest(t, ddb, "CreateTable", createTableBody, aws.Credentials{}, now)
			r.Header.Del("X-Amz-Target")
			sum := sha256.Sum256([]byte(createTableBody))
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "dynamodb", local.DefaultRegion, now); err != nil {
				t.Fatal(err)
			}
			r.Header.Set("X-Amz-Target", "DynamoDB_20120810.CreateTable")
			return r
		}, code: "InvalidSignatureException", body: `{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"There were headers present in the request which were not signed: x-amz-target"}`},
		{name: "wrong service", req: func() *http.Request {
			r := rawRequest(t, ddb, "CreateTable", createTableBody, aws.Credentials{}, now)
			sum := sha256.Sum256([]byte(createTableBody))
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "s3", local.DefaultRegion, now); err != nil {
				t.Fatal(err)
			}
			return r
		}, code: "InvalidSignatureException", body: `{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"Credential should be scoped to correct service: 'dynamodb'."}`},
		{name: "signed now", req: func() *http.Request { return rawRequest(t, ddb, "DescribeTable", `{"TableName":"Raw"}`, creds, now) },
			code: "ResourceNotFoundException", signedOK: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, errType, body := send(t, c.req())
			if status != http.StatusBadRequest || errType != c.code && !c.signedOK {
				t.Errorf("status %d, x-amzn-ErrorType %q, want 400 %s; body %s", status, errType, c.code, body)
			}
			if c.signedOK {
				if !strings.Contains(body, c.code) {
					t.Errorf("body %s, want the engine's %s", body, c.code)
				}
				return
			}
			if prefix, ok := strings.CutSuffix(c.body, "…"); ok && !strings.HasPrefix(body, prefix) || !ok && body != c.body {
				t.Errorf("body\n%s\nwant\n%s", body, c.body)
			}
		})
	}
	// None of them created the table.
	status, _, body := send(t, rawRequest(t, ddb, "DescribeTable", `{"TableName":"Raw"}`, creds, time.Now()))
	if status != http.StatusBadRequest || !strings.Contains(body, "ResourceNotFoundException") {
		t.Errorf("DescribeTable after forged CreateTables: %d %s", status, body)
	}
	// The same request, correctly signed now, is served.
	if status, _, body := send(t, rawRequest(t, ddb, "CreateTable", createTableBody, creds, time.Now())); status != http.StatusOK {
		t.Errorf("signed CreateTable: %d %s", status, body)
	}
}

// TestStartDynamoDB_credentialsPerStart: every start has its own
// credentials, which the other server does not accept.
func TestStartDynamoDB_credentialsPerStart(t *testing.T) {
	ctx := context.Background()
	a, err := local.StartDynamoDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	b, err := local.StartDynamoDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	for _, e := range []*local.EmbeddedDynamoDB{a, b} {
		c := e.Credentials
		if !strings.HasPrefix(c.AccessKeyID, "LOCAL") || len(c.AccessKeyID) != 20 || len(c.SecretAccessKey) != 40 || c.SessionToken != "" {
			t.Errorf("credentials %q / %d-character secret / token %q: want LOCAL… (20), 40 characters, no token", c.AccessKeyID, len(c.SecretAccessKey), c.SessionToken)
		}
	}
	if a.Credentials.AccessKeyID == b.Credentials.AccessKeyID || a.Credentials.SecretAccessKey == b.Credentials.SecretAccessKey {
		t.Fatal("two servers share credentials")
	}
	err = createTable(ctx, newClient(b, a.AWSConfig(""), &countingTransport{base: http.DefaultTransport}), "Tab")
	if code := apiErrorCode(err); code != "UnrecognizedClientException" {
		t.Errorf("a's credentials on b: %v, want UnrecognizedClientException", err)
	}
}

// TestStartDynamoDBWith: given credentials and a region are the ones
// required; incomplete credentials are refused.
func TestStartDynamoDBWith(t *testing.T) {
	ctx := context.Background()
	creds := aws.Credentials{AccessKeyID: "LOCALTESTKEY00000001", SecretAccessKey: "0123456789abcdef0123456789abcdef01234567"}
	ddb := startDynamoDB(t, local.DynamoDBOptions{Credentials: creds, Region: "eu-west-1"})
	if ddb.Credentials != creds {
		t.Errorf("Credentials = %+v, want the given ones", ddb.Credentials)
	}
	if r := ddb.AWSConfig("").Region; r != "eu-west-1" {
		t.Errorf("AWSConfig(\"\").Region = %q, want the server's", r)
	}
	if err := createTable(ctx, newClient(ddb, local.AWSConfigFor("eu-west-1", creds), &countingTransport{base: http.DefaultTransport}), "Tab"); err != nil {
		t.Fatalf("CreateTable with the given credentials: %v", err)
	}
	err := createTable(ctx, newClient(ddb, local.AWSConfigFor("us-east-1", creds), &countingTransport{base: http.DefaultTransport}), "U")
	if code := apiErrorCode(err); code != "InvalidSignatureException" || !strings.Contains(err.Error(), "region") {
		t.Errorf("another region: %v, want InvalidSignatureException about the region", err)
	}
	for _, bad := range []aws.Credentials{{AccessKeyID: "LOCALONLY"}, {SecretAccessKey: "secret"}, {AccessKeyID: "A/B", SecretAccessKey: "s"}} {
		if e, err := local.StartDynamoDBWith(ctx, local.DynamoDBOptions{Credentials: bad}); err == nil {
			_ = e.Close(ctx)
			t.Errorf("StartDynamoDBWith(%+v) started", bad)
		}
	}
}

func TestAWSConfigFor(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "from-env")
	t.Setenv("AWS_REGION", "eu-west-1")
	want := aws.Credentials{AccessKeyID: "AK", SecretAccessKey: "SK", SessionToken: "ST"}
	cfg := local.AWSConfigFor("", want)
	if cfg.Region != local.DefaultRegion || local.AWSConfigFor("ap-south-1", want).Region != "ap-south-1" {
		t.Errorf("region %q", cfg.Region)
	}
	got, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || got.AccessKeyID != "AK" || got.SecretAccessKey != "SK" || got.SessionToken != "ST" {
		t.Errorf("credentials %+v, %v", got, err)
	}
}
