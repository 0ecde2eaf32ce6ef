package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/testenv"
	"github.com/shopgraph/shopgraph/local"
	"github.com/shopgraph/shopgraph/local/userpool"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer = testenv.LogBuffer

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestRun_help(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, env(), &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if !strings.Contains(out.String(), s.env) {
			t.Errorf("help does not list %s", s.env)
		}
	}
	for _, cmd := range []string{"serve", "tables create", "seed", "schema", "token", "apikey create|list|revoke"} {
		if !strings.Contains(out.String(), "shopgraph "+cmd) {
			t.Errorf("help does not describe %q", cmd)
		}
	}
}

func TestRun_usageErrors(t *testing.T) {
	for _, args := range [][]string{nil, {"frobnicate"}, {"serve", "--nope"}, {"tables"}, {"schema", "extra"}} {
		err := run(context.Background(), args, env(), &bytes.Buffer{}, &bytes.Buffer{})
		if !errors.As(err, new(usageError)) {
			t.Errorf("run(%q) = %v, want a usage error", args, err)
		}
	}
}

func TestRun_configErrorsNameTheSetting(t *testing.T) {
	for _, c := range []struct{ key, value string }{
		{"SHOPGRAPH_MAX_DEPTH", "deep"},
		{"SHOPGRAPH_MAX_BODY_BYTES", "-1"},
		{"SHOPGRAPH_SEED_PRODUCTS", "0"},
		{"SHOPGRAPH_CACHE_TTL", "soon"},
		{"SHOPGRAPH_DEBUG_EXTENSIONS", "maybe"},
		{"SHOPGRAPH_MODE", "cloud"},
		{"SHOPGRAPH_LOG_LEVEL", "loud"},
	} {
		err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, env(c.key, c.value), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.key) || !strings.Contains(err.Error(), c.value) {
			t.Errorf("%s=%s: err = %v, want one naming the setting and value", c.key, c.value, err)
		}
	}
}

func TestRun_schemaAppSync(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"schema", "--appsync"}, env(), &out, &out); err != nil {
		t.Fatal(err)
	}
	sdl := out.String()
	for _, want := range []string{"type Query", "type Product", "productBySku(sku: String!): Product", "AWSDateTime!"} {
		if !strings.Contains(sdl, want) {
			t.Errorf("AppSync SDL lacks %q", want)
		}
	}
	if !strings.Contains(sdl, "@aws_api_key") {
		t.Error("AppSync SDL lost the @aws_api_key directives")
	}
	for _, bad := range []string{"scalar AWS", "directive @aws_", "shopgraph_scopes"} {
		if strings.Contains(sdl, bad) {
			t.Errorf("AppSync SDL must not declare AppSync's own %q", bad)
		}
	}
}

// startServe runs `shopgraph serve` (with extra flags) on a free port and
// returns its base URL and a stop function that shuts it down and returns
// run's error.
func startServe(t *testing.T, getenv func(string) string, flags ...string) (string, func() error, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	args := append([]string{"serve", "--addr", "127.0.0.1:0"}, flags...)
	go func() { done <- run(ctx, args, getenv, logs, logs) }()
	ready := regexp.MustCompile(`"shopgraph ready" graphql=(https?://[0-9.:]+)/graphql`)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := ready.FindStringSubmatch(logs.String()); m != nil {
			return m[1], func() error { cancel(); return <-done }, logs
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited early: %v\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve not ready after 60s:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// query runs q with the given credential header (name, value).
func query(t *testing.T, base, q string, header ...string) map[string]any {
	t.Helper()
	if len(header) == 0 {
		header = []string{"x-api-key", auth.DevAPIKey}
	}
	status, body := post(t, base, q, header[0], header[1])
	var out struct {
		Data   map[string]any
		Errors []any
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || len(out.Errors) > 0 || status != 200 {
		t.Fatalf("query %q: status %d, errors %v, decode %v", q, status, out.Errors, err)
	}
	return out.Data
}

// TestRun_serveEmbedded: `shopgraph serve` with no AWS settings starts the
// embedded DynamoDB, seeds it, serves GraphQL and the playground, logs what
// it did, and shuts down cleanly.
func TestRun_serveEmbedded(t *testing.T) {
	state := t.TempDir()
	e := env("SHOPGRAPH_SEED_PRODUCTS", "300", "SHOPGRAPH_STATE_DIR", state)
	base, stop, logs := startServe(t, e)
	data := query(t, base, `{ categories { name productCount } warehouses { code } }`)
	total := 0
	for _, c := range data["categories"].([]any) {
		total += int(c.(map[string]any)["productCount"].(float64))
	}
	if total != 300 || len(data["warehouses"].([]any)) != 4 {
		t.Errorf("embedded catalog has %d products and %d warehouses, want 300 and 4", total, len(data["warehouses"].([]any)))
	}
	res, err := http.Get(base + "/")
	if err != nil || res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("playground: %v %v", res, err)
	}

	// `shopgraph token`, run with the same settings, prints a token the
	// running server accepts, for each kind of token.
	for _, use := range []string{"id", "access"} {
		var tok bytes.Buffer
		if err := run(context.Background(), []string{"token", "--user", "bob", "--use", use}, e, &tok, &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		query(t, base, `{ categories { name } }`, "Authorization", strings.TrimSpace(tok.String()))
	}
	// No credential: 401 with the header Amplify needs.
	res, err = http.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ categories { name } }"}`))
	if err != nil || res.StatusCode != http.StatusUnauthorized || res.Header.Get("x-amzn-ErrorType") != "UnauthorizedException" {
		t.Errorf("anonymous request: %v %v", res, err)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve returned %v after shutdown", err)
	}
	for _, want := range []string{"embedded default", "seeded catalog", "products=300", "playground=" + base + "/", "startup=", "partner_api_key=" + auth.DevAPIKey, "shut down cleanly"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
}

// TestRun_againstEndpoint: the operator path — tables create (twice), seed,
// and serve against a DynamoDB endpoint, with the settings it requires.
func TestRun_againstEndpoint(t *testing.T) {
	ctx := context.Background()
	// Loopback endpoints get dummy "local" credentials (as DynamoDB Local
	// accepts any), so this embedded server is started with those.
	ddb, err := local.StartDynamoDBWith(ctx, local.DynamoDBOptions{Credentials: aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ddb.Close(ctx) })
	// A stand-in for a Cognito user pool: tokens from a dev issuer with the
	// pool's issuer URL, its JWKS served on loopback.
	const pool = "us-east-1_TestPool1"
	mux := http.NewServeMux()
	jwks := httptest.NewServer(mux)
	defer jwks.Close()
	poolIssuer, err := userpool.OpenIssuer(userpool.IssuerOptions{Dir: t.TempDir(),
		Issuer: "https://cognito-idp.us-east-1.amazonaws.com/" + pool})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/jwks.json", poolIssuer.JWKSHandler())
	token, err := poolIssuer.Mint(userpool.DevUsers()[0], shopgraph.TokenUseAccess, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e := env("SHOPGRAPH_DYNAMODB_ENDPOINT", ddb.Endpoint, "SHOPGRAPH_TABLE_PREFIX", "t1-")

	err = run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, e, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "SHOPGRAPH_CURSOR_SECRET") {
		t.Fatalf("serve without a cursor secret: %v, want an error naming SHOPGRAPH_CURSOR_SECRET", err)
	}
	e = env("SHOPGRAPH_DYNAMODB_ENDPOINT", ddb.Endpoint, "SHOPGRAPH_TABLE_PREFIX", "t1-", "SHOPGRAPH_CURSOR_SECRET", "0123456789abcdef0123",
		"SHOPGRAPH_COGNITO_USER_POOL_ID", pool, "SHOPGRAPH_COGNITO_JWKS_URL", jwks.URL+"/jwks.json", "SHOPGRAPH_STATE_DIR", t.TempDir())
	err = run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, e, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "shopgraph tables create") {
		t.Fatalf("serve before tables exist: %v, want advice to run tables create", err)
	}

	for i, want := range []string{"created", "exists"} {
		var out bytes.Buffer
		if err := run(ctx, []string{"tables", "create"}, e, &out, &out); err != nil {
			t.Fatalf("tables create #%d: %v", i+1, err)
		}
		if strings.Count(out.String(), want) != 7 {
			t.Errorf("tables create #%d output:\n%s\nwant 7 tables %q", i+1, out.String(), want)
		}
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"seed", "--products", "120"}, e, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "seeded 120 products") {
		t.Errorf("seed output: %s", out.String())
	}
	// Partner keys in the configured store: no cursor secret needed, the
	// admin API's validation, and the server accepts the key.
	if _, err := apikey(t, env("SHOPGRAPH_DYNAMODB_ENDPOINT", ddb.Endpoint, "SHOPGRAPH_TABLE_PREFIX", "t1-"),
		"create", "--partner", "acme", "--scopes", "orders:write"); !errors.As(err, new(invalidInput)) || !strings.Contains(err.Error(), `unknown scope "orders:write"`) {
		t.Errorf("create with an unknown scope: %v", err)
	}
	var created struct{ Key string }
	out.Reset()
	if err := run(ctx, []string{"apikey", "create", "--partner", "acme", "--scopes", "inventory:read", "--json"},
		env("SHOPGRAPH_DYNAMODB_ENDPOINT", ddb.Endpoint, "SHOPGRAPH_TABLE_PREFIX", "t1-"), &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &created); err != nil {
		t.Fatal(err)
	}
	base, stop, _ := startServe(t, e)
	data := query(t, base, `{ warehouses { code } }`, "Authorization", token)
	if len(data["warehouses"].([]any)) != 4 {
		t.Errorf("warehouses = %v", data["warehouses"])
	}
	data = query(t, base, `{ warehouses { code } }`, "x-api-key", created.Key)
	if len(data["warehouses"].([]any)) != 4 {
		t.Errorf("warehouses with the created key = %v", data["warehouses"])
	}
	// Production defaults: no playground, no introspection.
	if res, err := http.Get(base + "/"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("playground in aws mode: %v %v, want 404", res, err)
	}
	if _, body := post(t, base, `{ __schema { queryType { name } } }`, "Authorization", token); !strings.Contains(body, `"errors"`) || strings.Contains(body, `"queryType"`) {
		t.Errorf("introspection in aws mode answered: %s", body)
	}
	if _, err := os.Stat(filepath.Join(e("SHOPGRAPH_STATE_DIR"), serverStateFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a server on a configured DynamoDB wrote %s: %v", serverStateFile, err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestRun_tablesWithoutConfiguredDynamoDB(t *testing.T) {
	err := run(context.Background(), []string{"tables", "create"}, env(), &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "SHOPGRAPH_DYNAMODB_ENDPOINT") {
		t.Errorf("err = %v, want advice naming SHOPGRAPH_DYNAMODB_ENDPOINT", err)
	}
}

// TestREADME_documentsEverySetting keeps the README's configuration table in
// step with the settings the program reads.
func TestREADME_documentsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if !strings.Contains(string(readme), "| `"+s.env+"` |") {
			t.Errorf("README.md's configuration table lacks %s", s.env)
		}
	}
}

// post sends q with one credential header and returns the status and the
// raw body.
func post(t *testing.T, base, q, name, value string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(name, value)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
