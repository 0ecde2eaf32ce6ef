package playground_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/internal/browsertest"
	"github.com/shopgraph/shopgraph/server/playground"
)

// TestHandler_Chromium loads the playground in headless Chromium against a
// GraphQL endpoint on the same loopback test server, runs a query through
// GraphiQL's execute button and reads the doc explorer (which needs the
// schema from introspection). Everything the page loads must come from the
// test server.
func TestHandler_Chromium(t *testing.T) {
	browsertest.Require(t)
	const query = `{ hello(name: "Ada") product(sku: "SKU-1") { name price } }`

	for _, tc := range []struct {
		name   string
		mount  string // where the playground is mounted
		typing bool   // type the query instead of passing ?query=
	}{
		{name: "root", mount: "/"},
		{name: "prefix/typed", mount: "/tools/playground/", typing: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.typing {
				t.Setenv("E2E_QUERY_INPUT", "type")
			}
			gql := newTestGraphQL()
			mux := http.NewServeMux()
			mux.Handle("/graphql", gql)
			mux.Handle(tc.mount, http.StripPrefix(strings.TrimSuffix(tc.mount, "/"), playground.Handler(playground.Options{
				Endpoint:     "/graphql",
				Title:        "shopgraph test",
				Headers:      map[string]string{"x-api-key": "da2-playground-test"},
				DefaultQuery: "{ hello }",
			})))
			srv := httptest.NewServer(mux)
			defer srv.Close()

			res := browsertest.RunPlayground(t, srv.URL+tc.mount, query)
			t.Logf("screenshot: %s", res.Screenshot)

			for _, want := range []string{`"hello": "Hello, Ada!"`, `"name": "Espresso machine"`, `"price": 24900`} {
				if !strings.Contains(res.ResultText, want) {
					t.Errorf("result pane lacks %s:\n%s", want, res.ResultText)
				}
			}
			for _, want := range []string{"Query", "The root of every query.", "Greets someone by name.", "product(sku: ID!): Product"} {
				if !strings.Contains(res.DocsText, want) {
					t.Errorf("doc explorer lacks %q:\n%s", want, res.DocsText)
				}
			}
			if len(res.Console) > 0 {
				t.Errorf("console errors or warnings:\n%s", strings.Join(res.Console, "\n"))
			}

			// Every request went to the test server: the page, its five
			// assets, introspection and the query.
			var assets, graphql int
			for _, u := range res.Requests {
				switch {
				case !strings.HasPrefix(u, srv.URL+"/"):
					t.Errorf("request to another server: %s", u)
				case strings.HasPrefix(u, srv.URL+tc.mount+"assets/"):
					assets++
				case u == srv.URL+"/graphql":
					graphql++
				}
			}
			if assets != 5 || graphql < 2 {
				t.Errorf("%d asset and %d GraphQL requests, want 5 and at least 2:\n%s", assets, graphql, strings.Join(res.Requests, "\n"))
			}

			// The prefilled headers pane is sent with the requests.
			seen := gql.requestHeaders()
			if len(seen) < 2 {
				t.Fatalf("the GraphQL endpoint saw %d requests", len(seen))
			}
			for i, h := range seen {
				if got := h.Get("X-Api-Key"); got != "da2-playground-test" {
					t.Errorf("GraphQL request %d: x-api-key %q", i, got)
				}
			}
		})
	}
}
