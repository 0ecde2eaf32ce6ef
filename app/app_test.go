package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/dynamo"
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
