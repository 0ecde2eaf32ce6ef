package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/internal/testenv"
	"github.com/shopgraph/shopgraph/local/userpool"
)

// TestNew_embedded builds the embedded default (in-process DynamoDB, seeded,
// dev identity) and serves a user's request through the handler alone: no
// HTTP server runs, so the verifier cannot have fetched the dev issuer's
// JWKS over HTTP; it was handed the key set.
func TestNew_embedded(t *testing.T) {
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{
		DynamoDB:     app.DynamoDBConfig{Embedded: true, Tables: dynamo.TableNames("t-")},
		SeedProducts: 30,
		Identity:     app.IdentityConfig{Dev: true, StateDir: t.TempDir(), PasswordIterations: 1000},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	if !a.DynamoDB.Embedded || a.Issuer == nil || a.Users == nil || len(a.Catalog.Products) != 30 {
		t.Fatalf("embedded app: %+v", a)
	}
	tok, err := a.Issuer.Mint(userpool.DevUsers()[0], shopgraph.TokenUseAccess, 0)
	if err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string][2]string{"user": {"Authorization", tok}, "dev partner key": {"x-api-key", "sgk_0000000000000000.Mt4a8N3JxvZGnqLATbNrLxg89DryYcCd0Y_232UTZxI"}} {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ categories { name productCount } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(h[0], h[1])
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"productCount"`) || strings.Contains(rec.Body.String(), `"errors"`) {
			t.Errorf("%s: %d %s", name, rec.Code, rec.Body)
		}
	}
	if err := a.DynamoDB.Ready(ctx); err != nil {
		t.Errorf("Ready: %v", err)
	}
}

// TestNew_configErrors: a misconfiguration names the setting.
func TestNew_configErrors(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		cfg  app.Config
		want string
	}{
		{"configured DynamoDB without a cursor secret", app.Config{DynamoDB: app.DynamoDBConfig{Endpoint: "http://127.0.0.1:1", Tables: dynamo.TableNames("t-")}}, "SHOPGRAPH_CURSOR_SECRET"},
		{"dev identity without a state dir", app.Config{DynamoDB: app.DynamoDBConfig{Embedded: true, Tables: dynamo.TableNames("t-")}, Identity: app.IdentityConfig{Dev: true}}, "SHOPGRAPH_STATE_DIR"},
		{"short cursor secret", app.Config{DynamoDB: app.DynamoDBConfig{Embedded: true, Tables: dynamo.TableNames("t-")}, CursorSecret: []byte("short")}, "SHOPGRAPH_CURSOR_SECRET"},
	} {
		a, err := app.New(ctx, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %s", c.name, err, c.want)
		}
		if a != nil {
			_ = a.Close(ctx)
		}
	}
}

// TestNew_embeddedSeedsOnce: the embedded default seeds its data directory
// once; a later start finds the catalog and does not seed again; a start
// that finds a catalog whose seeding never finished (no marker, as after a
// Ctrl-C during the first seed) starts over.
func TestNew_embeddedSeedsOnce(t *testing.T) {
	ctx := context.Background()
	data, state := t.TempDir(), t.TempDir()
	start := func() (*app.App, string) {
		t.Helper()
		logs := &testenv.LogBuffer{}
		a, err := app.New(ctx, app.Config{
			DynamoDB:     app.DynamoDBConfig{Embedded: true, DataDir: data, Tables: dynamo.TableNames("t-")},
			SeedProducts: 30,
			Identity:     app.IdentityConfig{Dev: true, StateDir: state, PasswordIterations: 1000},
			Logger:       slog.New(slog.NewTextHandler(logs, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Close(ctx); err != nil {
			t.Fatal(err)
		}
		return a, logs.String()
	}
	if a, logs := start(); len(a.Catalog.Products) != 30 || !strings.Contains(logs, "seeded catalog") {
		t.Fatalf("first start seeded %d products:\n%s", len(a.Catalog.Products), logs)
	}
	if a, logs := start(); len(a.Catalog.Products) != 0 || !strings.Contains(logs, "catalog already stored") {
		t.Errorf("second start seeded %d products:\n%s", len(a.Catalog.Products), logs)
	}
	if err := os.Remove(filepath.Join(data, "catalog-seeded")); err != nil {
		t.Fatal(err)
	}
	if a, logs := start(); len(a.Catalog.Products) != 30 || !strings.Contains(logs, "seeding did not finish last time") {
		t.Errorf("a start after an unfinished seeding seeded %d products:\n%s", len(a.Catalog.Products), logs)
	}
}
