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
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

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
	cfg.DebugExtensions = true
	cfg.Now = opts.Now
	h, err := server.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return &App{Handler: h, Store: store, Catalog: cat, Target: target}
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

// DoRaw sends an arbitrary POST /graphql body.
func (a *App) DoRaw(tb testing.TB, contentType string, body []byte) Response {
	tb.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
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
