// Package apptest builds a complete shopgraph HTTP handler over a real
// DynamoDB store (the embedded minidyn server or DynamoDB Local, reached by
// the real SDK over HTTP) with a seeded catalog, for GraphQL tests and
// benchmarks. It is test support: production code never imports it.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/dynamo/dynamotest"
	"github.com/shopgraph/shopgraph/seed"
	"github.com/shopgraph/shopgraph/server"
)

// TestLoaderWait is the loaders' batch window in tests (see New).
const TestLoaderWait = 25 * time.Millisecond

// Options configure New.
type Options struct {
	// Products to seed (default 200).
	Products int
	// Target is the DynamoDB to use; zero means a fresh minidyn server.
	Target *dynamotest.Target
	// Server is passed to server.New (stores and logger are filled in);
	// DebugExtensions is forced on so tests can read request counts.
	Server server.Config
	// RequestDelay, when positive, is slept before every DynamoDB request
	// (a test transport), to show how latency compounds per dependent level.
	RequestDelay time.Duration
	// Now fixes the resolvers' clock.
	Now func() time.Time
	// SkipSeed reuses a Target that an earlier New already seeded with the
	// same number of products.
	SkipSeed bool
}

// App is a running test application.
type App struct {
	Handler *server.Handler
	Store   *dynamo.Store
	Catalog seed.Catalog
	Target  dynamotest.Target
	// Issuer mints Cognito-shaped tokens the handler accepts; its key is in
	// IssuerDir.
	Issuer    *auth.DevIssuer
	IssuerDir string
	// Authenticator is the handler's authentication chain.
	Authenticator *auth.Authenticator
	// Codes holds the last code delivered to each username (sign-up
	// confirmation, password reset), as an email would.
	Codes *Codes
	// Keys manages the API keys the handler accepts, in the app's ApiKeys
	// table (DevPartnerKey to start).
	Keys *auth.KeyManager
	// Credential is sent as Authorization by Do; by default an ID token of
	// the customer alice.
	Credential string
}

// Codes records delivered codes.
type Codes struct {
	mu sync.Mutex
	m  map[string]string
}

// Last returns the last code delivered to username.
func (c *Codes) Last(username string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[username]
}

// PutKey stores a partner key (expired, revoked, rate-limited…) in the
// app's ApiKeys table, where the handler looks keys up.
func (a *App) PutKey(tb testing.TB, k auth.APIKey) {
	tb.Helper()
	if err := a.Keys.EnsureAPIKey(context.Background(), k); err != nil {
		tb.Fatal(err)
	}
}

// Token mints a token for one of auth.DevUsers (alice, bob, admin, wanda).
func (a *App) Token(tb testing.TB, username, use string) string {
	tb.Helper()
	for _, u := range auth.DevUsers() {
		if u.Username == username {
			tok, err := a.Issuer.Mint(u, use, time.Hour)
			if err != nil {
				tb.Fatal(err)
			}
			return tok
		}
	}
	tb.Fatalf("no dev user %q", username)
	return ""
}

// New seeds a catalog and builds the handler.
func New(tb testing.TB, opts Options) *App {
	tb.Helper()
	if opts.Products == 0 {
		opts.Products = 200
	}
	var target dynamotest.Target
	if opts.Target != nil {
		target = *opts.Target
	} else {
		target = dynamotest.Minidyn(tb)
	}
	store := dynamotest.NewStore(tb, target)
	cat := seed.Generate(seed.Options{Products: opts.Products})
	ctx := context.Background()
	// Catalog describes what is in the tables either way: generation is
	// deterministic.
	if !opts.SkipSeed {
		data := dynamo.SeedData{Warehouses: cat.Warehouses, Categories: cat.Categories, Products: cat.Products, Stock: cat.Stock}
		if err := store.Seed(ctx, data, nil); err != nil {
			tb.Fatalf("seed: %v", err)
		}
	}
	if opts.RequestDelay > 0 {
		delayed := target
		delayed.Client = dynamodb.New(target.Client.Options(), func(o *dynamodb.Options) {
			o.HTTPClient = delayClient{delay: opts.RequestDelay, next: o.HTTPClient}
		})
		store = dynamotest.NewStore(tb, delayed)
	}
	// Warm the warehouse and category caches, as `shopgraph serve` does.
	if _, err := store.Warehouses(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := store.Categories(ctx); err != nil {
		tb.Fatal(err)
	}
	cfg := opts.Server
	if cfg.Loaders.Wait == 0 {
		// A batch window wide enough that goroutines of one level always
		// land in one batch on a loaded 2-core machine under -race, so tests
		// can assert exact request counts. Production's default is 2 ms.
		cfg.Loaders.Wait = TestLoaderWait
	}
	cfg.Catalog, cfg.Inventory = store, store
	issuerDir := tb.TempDir()
	keys := &auth.KeyManager{Store: store, Now: opts.Now}
	if err := keys.EnsureAPIKey(ctx, auth.DevPartnerKey(time.Now())); err != nil {
		tb.Fatal(err)
	}
	issuer, authn := newAuth(tb, issuerDir, keys, opts.Now)
	cfg.Auth = authn
	keys.Revoked = authn.Forget
	cfg.APIKeys = keys
	users := auth.NewUserDirectory(auth.UserDirectoryOptions{Now: opts.Now, Iterations: 1000})
	if err := auth.SeedDevUsers(users, auth.DevPassword); err != nil {
		tb.Fatal(err)
	}
	codes := &Codes{m: map[string]string{}}
	cfg.Accounts = &auth.LocalAccounts{Users: users, Issuer: issuer, Deliver: func(user, _, code string) {
		codes.mu.Lock()
		defer codes.mu.Unlock()
		codes.m[user] = code
	}}
	cfg.DebugExtensions = true
	cfg.Now = opts.Now
	h, err := server.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	a := &App{Handler: h, Store: store, Catalog: cat, Target: target, Issuer: issuer, IssuerDir: issuerDir, Keys: keys, Authenticator: authn, Codes: codes}
	a.Credential = a.Token(tb, "alice", auth.TokenUseID)
	return a
}

// newAuth builds the real authentication chain: a dev issuer whose JWKS is
// served over loopback HTTP to a real Verifier, and keys looked up in the
// app's ApiKeys table.
func newAuth(tb testing.TB, dir string, keys *auth.KeyManager, now func() time.Time) (*auth.DevIssuer, *auth.Authenticator) {
	tb.Helper()
	mux := http.NewServeMux()
	jwks := httptest.NewServer(mux)
	tb.Cleanup(jwks.Close)
	issuer, err := auth.OpenDevIssuer(auth.DevIssuerOptions{Dir: dir, JWKSURL: jwks.URL + "/.well-known/jwks.json", Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	mux.Handle("/.well-known/jwks.json", issuer.JWKSHandler())
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	v, err := auth.NewVerifier(ctx, []auth.IssuerConfig{issuer.IssuerConfig()}, auth.VerifierOptions{Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	return issuer, auth.NewAuthenticator(auth.AuthenticatorOptions{
		Verifier: v, LookupKey: keys.Lookup, Limiter: auth.NewKeyLimiter(auth.KeyLimiterOptions{Now: now}), Now: now,
	})
}

type delayClient struct {
	delay time.Duration
	next  interface {
		Do(*http.Request) (*http.Response, error)
	}
}

func (d delayClient) Do(r *http.Request) (*http.Response, error) {
	t := time.NewTimer(d.delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	return d.next.Do(r)
}

// Response is a decoded GraphQL response in AppSync's shape.
type Response struct {
	Status     int
	Header     http.Header
	Data       map[string]any
	Errors     []Error
	Extensions struct {
		DynamoDB struct {
			Requests    int            `json:"requests"`
			ByOperation map[string]int `json:"byOperation"`
		} `json:"dynamodb"`
	}
	Raw []byte
}

// Error is one AppSync error.
type Error struct {
	Message   string `json:"message"`
	ErrorType string `json:"errorType"`
	ErrorInfo any    `json:"errorInfo"`
	Data      any    `json:"data"`
	Path      []any  `json:"path"`
}

// Do sends a POST /graphql with the given query and variables through the
// real handler.
func (a *App) Do(tb testing.TB, query string, vars map[string]any) Response {
	tb.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		tb.Fatal(err)
	}
	return a.DoRaw(tb, "application/json; charset=UTF-8", body)
}

// DoWith sends a POST /graphql with the given headers instead of the
// default credential (no headers: an anonymous request).
func (a *App) DoWith(tb testing.TB, headers map[string]string, query string, vars map[string]any) Response {
	tb.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		tb.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	return Decode(tb, rec.Result())
}

// DoRaw sends an arbitrary POST /graphql body.
func (a *App) DoRaw(tb testing.TB, contentType string, body []byte) Response {
	tb.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", a.Credential)
	return a.Serve(tb, req)
}

// Serve runs req through the handler and decodes the response.
func (a *App) Serve(tb testing.TB, req *http.Request) Response {
	tb.Helper()
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	return Decode(tb, rec.Result())
}

// Decode reads a GraphQL HTTP response.
func Decode(tb testing.TB, res *http.Response) Response {
	tb.Helper()
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	out := Response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if err := json.Unmarshal(raw, &out); err != nil {
		tb.Fatalf("response is not JSON (status %d): %v\n%s", res.StatusCode, err, raw)
	}
	return out
}
