package server_test

import (
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/internal/browsertest"
	"github.com/shopgraph/shopgraph/server"
)

// TestPlayground_Chromium: the real server's playground loads in headless
// Chromium, shows the schema docs, and runs a catalog query against the real
// handler over a seeded store, loading nothing from outside this machine.
func TestPlayground_Chromium(t *testing.T) {
	browsertest.Require(t)
	a := apptest.New(t, apptest.Options{Products: 100, Server: server.Config{
		Playground: true, PlaygroundHeaders: map[string]string{"x-api-key": auth.DevAPIKey},
	}})
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()

	sku := a.Catalog.Products[0].ProductID
	res := browsertest.RunPlayground(t, srv.URL+"/", `{ productBySku(sku: "`+sku+`") { sku name inventory { available } } warehouses { code } }`)
	for _, want := range []string{sku, a.Catalog.Products[0].Name, "SEA1", "available"} {
		if !strings.Contains(res.ResultText, want) {
			t.Errorf("result pane lacks %q:\n%s", want, res.ResultText)
		}
	}
	if !strings.Contains(res.DocsText, "Query") {
		t.Errorf("doc explorer does not show the Query type:\n%s", res.DocsText)
	}
	for _, r := range res.Requests {
		if !strings.HasPrefix(r, srv.URL) && !strings.HasPrefix(r, "data:") {
			t.Errorf("the page requested %s, which is not this server", r)
		}
	}
}

// TestPlayground_defaultQueryFits: in a 1,400 px window the playground's own
// default query (the README's "Try it") is shown whole, no line clipped
// behind a scrollbar, and it runs.
func TestPlayground_defaultQueryFits(t *testing.T) {
	browsertest.Require(t)
	a := apptest.New(t, apptest.Options{Products: 100, Server: server.Config{
		Playground: true, PlaygroundHeaders: map[string]string{"x-api-key": auth.DevAPIKey},
	}})
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	res := browsertest.RunPlaygroundWith(t, srv.URL+"/", server.DefaultPlaygroundQuery,
		browsertest.Options{Width: 1400, Height: 900, Input: browsertest.InputDefault})
	if ok, why := res.Layout.QueryEditor.Fits(); !ok {
		t.Errorf("the default query does not fit the editor at 1400 px: %s", why)
	}
	if !strings.Contains(res.ResultText, "productCount") || !strings.Contains(res.ResultText, "inStock") {
		t.Errorf("the default query's result:\n%s", res.ResultText)
	}
}

// TestREADME_showsTheDefaultQuery keeps the README's "Try it" block the
// playground's default query.
func TestREADME_showsTheDefaultQuery(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(server.DefaultPlaygroundQuery, "\n") // after the welcome comment
	if !strings.Contains(string(readme), "```graphql\n"+body+"```") {
		t.Errorf("README.md's Try it block is not the playground's default query:\n%s", body)
	}
}
