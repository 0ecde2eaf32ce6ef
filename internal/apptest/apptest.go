// Package apptest builds a complete shopgraph application for GraphQL tests
// and benchmarks through the composition root (app.New, as cmd/shopgraph
// does), over a real DynamoDB (the embedded DynamoDB or DynamoDB
// Local, reached by the real SDK over HTTP) with a seeded catalog, and the
// embedded default's identity (dev issuer, local user pool, dev partner
// key). It is test support: production code never imports it.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/local/userpool"
	"github.com/shopgraph/shopgraph/seed"
	"github.com/shopgraph/shopgraph/server"
)

// TestLoaderWait is the loaders' batch window in tests (see New).
const TestLoaderWait = 25 * time.Millisecond

// Options configure New.
type Options struct {
	// Products to seed (default 200).
	Products int
	// Target is the DynamoDB to use; zero means a fresh embedded DynamoDB
	// (temporary store).
	Target *dynamotest.Target
	// Server is app.Config.Server (the ports are filled in by app.New);
	// DebugExtensions is forced on so tests can read request counts.
	Server server.Config
	// RequestDelay, when positive, is slept before every DynamoDB request
	// (a test transport), to show how latency compounds per dependent level.
	RequestDelay time.Duration
	// Now fixes the application's clock.
	Now func() time.Time
	// SkipSeed reuses a Target that an earlier New already seeded with the
	// same number of products.
	SkipSeed bool
	// Throttle is app.Config.Throttle. Zero fields are generous here (1,000
	// requests/s per user, 1,000 account operations/min), not production's
	// defaults, because tests fire requests back to back; tests of the
	// throttles set their own.
	Throttle app.ThrottleConfig
	// Orders is app.Config.Orders (zero: the simulated warehouse off, the
	// reconciler at its defaults).
	Orders app.OrdersConfig
	// SFNClientOptions tune the application's Step Functions client (a
	// test transport that fails requests, say).
	SFNClientOptions []func(*sfn.Options)
	// Events is app.Config.Events (the SNS intake).
	Events app.EventsConfig
	// Search is app.Config.Search (zero: the index in memory).
	Search app.SearchConfig
	// Logger receives the application's logs (nil: Server.Logger).
	Logger *slog.Logger
}

// App is a running test application.
type App struct {
	*app.App
	// Catalog is what the tables hold (generation is deterministic, so it
	// is known with SkipSeed too).
	Catalog shopgraph.CatalogSnapshot
	Target  dynamotest.Target
	// IssuerDir holds the dev issuer's key.
	IssuerDir string
	// Codes holds the last code delivered to each username (sign-up
	// confirmation, password reset), as an email would.
	Codes *Codes
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

func (c *Codes) deliver(user, _, code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[user] = code
}

// PutKey stores a partner key (expired, revoked, rate-limited…) in the
// app's ApiKeys table, where the handler looks keys up.
func (a *App) PutKey(tb testing.TB, k auth.APIKey) {
	tb.Helper()
	if err := a.Keys.EnsureAPIKey(context.Background(), k); err != nil {
		tb.Fatal(err)
	}
}

// Token mints a token for one of userpool.DevUsers (alice, bob, admin,
// wanda).
func (a *App) Token(tb testing.TB, username, use string) string {
	tb.Helper()
	u, ok := userpool.DevUser(username)
	if !ok {
		tb.Fatalf("no dev user %q", username)
	}
	tok, err := a.Issuer.Mint(u, use, time.Hour)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// New builds the application with app.New on the target's tables, seeded
// with opts.Products products, and closes it when the test ends.
func New(tb testing.TB, opts Options) *App {
	tb.Helper()
	if opts.Products == 0 {
		opts.Products = 200
	}
	var target dynamotest.Target
	if opts.Target != nil {
		target = *opts.Target
	} else {
		target = dynamotest.Embedded(tb)
	}
	scfg := opts.Server
	if scfg.Loaders.Wait == 0 {
		// A batch window wide enough that goroutines of one level always
		// land in one batch on a loaded 2-core machine under -race, so tests
		// can assert exact request counts. Production's default is 2 ms.
		scfg.Loaders.Wait = TestLoaderWait
	}
	scfg.DebugExtensions = true
	codes := &Codes{m: map[string]string{}}
	issuerDir := tb.TempDir()
	cfg := app.Config{
		DynamoDB: app.DynamoDBConfig{
			Endpoint: target.Endpoint, AWS: target.AWS, Tables: target.Tables,
			ClientOptions: target.ClientOptions(),
		},
		StepFunctions: app.StepFunctionsConfig{Embedded: true, AWS: target.AWS, ClientOptions: opts.SFNClientOptions},
		Orders:        opts.Orders,
		Events:        opts.Events,
		Search:        opts.Search,
		CursorSecret:  []byte(dynamotest.CursorSecret),
		Identity: app.IdentityConfig{
			Dev: true, StateDir: issuerDir, PasswordIterations: 1000, DeliverCode: codes.deliver,
		},
		Server:   scfg,
		Throttle: opts.Throttle,
		Logger:   scfg.Logger,
		Now:      opts.Now,
	}
	if opts.Logger != nil {
		cfg.Logger = opts.Logger
	}
	if cfg.Throttle.UserRateLimit == 0 {
		cfg.Throttle.UserRateLimit = 1000
	}
	if cfg.Throttle.AccountPerUser == 0 {
		cfg.Throttle.AccountPerUser = 1000
	}
	if cfg.Throttle.AccountPerIP == 0 {
		cfg.Throttle.AccountPerIP = 1000
	}
	if !opts.SkipSeed {
		cfg.SeedProducts = opts.Products
	}
	if opts.RequestDelay > 0 {
		cfg.DynamoDB.ClientOptions = append(cfg.DynamoDB.ClientOptions, func(o *dynamodb.Options) {
			o.HTTPClient = delayClient{delay: opts.RequestDelay, next: o.HTTPClient}
		})
	}
	built, err := app.New(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = built.Close(context.Background()) })
	a := &App{
		App:       built,
		Catalog:   built.Catalog,
		Target:    target,
		IssuerDir: issuerDir,
		Codes:     codes,
	}
	if opts.SkipSeed { // the tables hold what an earlier New seeded
		a.Catalog = seed.Generate(seed.Options{Products: opts.Products})
	}
	a.Credential = a.Token(tb, "alice", shopgraph.TokenUseID)
	return a
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
