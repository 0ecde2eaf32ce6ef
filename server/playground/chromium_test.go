package playground_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
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
			var opts browsertest.Options
			if tc.typing {
				opts.Input = browsertest.InputType
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

			res := browsertest.RunPlaygroundWith(t, srv.URL+tc.mount, query, opts)
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

			// Every request went to the test server: the page, its six
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
			if assets != 6 || graphql < 2 {
				t.Errorf("%d asset and %d GraphQL requests, want 6 and at least 2:\n%s", assets, graphql, strings.Join(res.Requests, "\n"))
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

// wideQuery is shaped like the server's default playground query
// (server.defaultPlaygroundQuery, which this package cannot see): its
// longest line, 86 characters, is the one that has to fit.
const wideQuery = `# Welcome to shopgraph. Press the run button (or Ctrl-Enter).
query Catalog {
  categories { name productCount }
  products(category: "electronics", limit: 5) {
    items {
      id sku name brand
      price { amount currency }
      inventory { available inStock warehouses { warehouse { code name } available } }
    }
    nextToken
  }
}
`

// TestHandler_ChromiumLayout: the query editor is wide enough for the
// default query. At 1400x900 the doc explorer stays closed at start and the
// editor takes most of the width; in a 1920 px window the doc explorer opens
// at start and the editor still shows every line in full. (GraphiQL's own
// defaults give the editor about 460 px at 1400 px, clipping the lines behind
// a horizontal scrollbar.)
func TestHandler_ChromiumLayout(t *testing.T) {
	browsertest.Require(t)
	const longest = `      inventory { available inStock warehouses { warehouse { code name } available } }`
	if n := len(longest); n != 86 || !strings.Contains(wideQuery, "\n"+longest+"\n") {
		t.Fatalf("wideQuery's longest line changed (%d characters)", n)
	}
	for _, tc := range []struct {
		width, height int
		docs          bool // the doc explorer is open at start
	}{
		{width: 1400, height: 900},
		{width: 1920, height: 1080, docs: true},
	} {
		t.Run(fmt.Sprintf("%dx%d", tc.width, tc.height), func(t *testing.T) {
			mux := http.NewServeMux()
			mux.Handle("/graphql", newTestGraphQL())
			mux.Handle("/", playground.Handler(playground.Options{
				Title:        "shopgraph test",
				Headers:      map[string]string{"x-api-key": "da2-playground-test"},
				DefaultQuery: wideQuery,
			}))
			srv := httptest.NewServer(mux)
			defer srv.Close()

			res := browsertest.RunPlaygroundWith(t, srv.URL+"/", wideQuery, browsertest.Options{
				Width: tc.width, Height: tc.height, Input: browsertest.InputDefault,
			})
			l := res.Layout
			t.Logf("screenshot: %s; layout %+v", res.Screenshot, l)
			if l.Viewport.Width != tc.width || l.Viewport.Height != tc.height {
				t.Fatalf("the window is %dx%d", l.Viewport.Width, l.Viewport.Height)
			}
			if l.DocsOpen != tc.docs {
				t.Errorf("doc explorer open at start: %v, want %v (ready mark %q)", l.DocsOpen, tc.docs, l.Ready)
			}
			e := l.QueryEditor
			if e.LongestLine.Text != longest {
				t.Fatalf("the longest line measured is %q, want %q", e.LongestLine.Text, longest)
			}
			if ok, why := e.Fits(); !ok {
				t.Errorf("the default query's longest line is clipped: %s (editor column %.0f px, result %.0f px, docs %.0f px)",
					why, l.EditorColumn, l.ResultColumn, l.DocsWidth)
			}
			// The result stays usable beside it.
			if l.ResultColumn < 300 {
				t.Errorf("the result column is %.0f px wide, want at least 300", l.ResultColumn)
			}
		})
	}
}

// TestHandler_ChromiumSubscription runs a subscription in the playground over
// graphql-ws against the test endpoint's WebSocket transport: the result pane
// shows the events one after another, the headers editor's headers are the
// connection_init payload, and after the Authorization header is edited a
// re-run connects with the new credential.
func TestHandler_ChromiumSubscription(t *testing.T) {
	browsertest.Require(t)
	const subscription = `subscription { onOrderStatusChanged(orderId: "O-1", afterVersion: 10) { orderId status previousStatus version } }`
	gql := newTestGraphQL()
	mux := http.NewServeMux()
	mux.Handle("/graphql", gql)
	mux.Handle("/", playground.Handler(playground.Options{
		Endpoint: "/graphql",
		Title:    "shopgraph test",
		Headers:  map[string]string{"Authorization": "Bearer first-token"},
	}))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	last := fmt.Sprintf(`"version": %d`, 10+len(testStatuses))
	res := browsertest.RunSubscription(t, srv.URL+"/", subscription, []browsertest.SubscriptionRun{
		{Until: last},
		{Headers: browsertest.String(`{"Authorization": "Bearer second-token"}`), Until: last},
	})
	t.Logf("screenshot: %s; result pane texts per run: %q", res.Screenshot, res.Events)

	for run, events := range res.Events {
		// Each event replaces the last in the result pane. React may merge
		// two that arrive close together on a busy machine, so at least two
		// of the three must show, in order, ending with the last.
		next := 0
		for _, text := range events {
			var v struct {
				Data struct {
					OnOrderStatusChanged struct {
						OrderID        string  `json:"orderId"`
						Status         string  `json:"status"`
						PreviousStatus *string `json:"previousStatus"`
						Version        int     `json:"version"`
					}
				}
			}
			if err := json.Unmarshal([]byte(text), &v); err != nil {
				t.Errorf("run %d: result pane shows no JSON response (%v):\n%s", run+1, err, text)
				continue
			}
			e := v.Data.OnOrderStatusChanged
			i := e.Version - 11
			if i < next || i >= len(testStatuses) || e.OrderID != "O-1" || e.Status != testStatuses[i] {
				t.Errorf("run %d: unexpected event after %d: %s", run+1, next, text)
				continue
			}
			next = i + 1
		}
		if distinct := len(slices.Compact(slices.Clone(events))); distinct < 2 || next != len(testStatuses) {
			t.Errorf("run %d: the result pane showed %d distinct events, ending at tick %d of %d:\n%s",
				run+1, distinct, next, len(testStatuses), strings.Join(events, "\n"))
		}
	}
	if len(res.Console) > 0 {
		t.Errorf("console errors or warnings:\n%s", strings.Join(res.Console, "\n"))
	}

	// One WebSocket per credential, on the endpoint, with the headers
	// editor's headers as the connection_init payload.
	var sockets int
	for _, u := range res.Requests {
		if !strings.HasPrefix(u, srv.URL+"/") && !strings.HasPrefix(u, "ws"+strings.TrimPrefix(srv.URL, "http")+"/") {
			t.Errorf("request to another server: %s", u)
		}
		if u == "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql" {
			sockets++
		}
	}
	inits := gql.initPayloads()
	if sockets != 2 || len(inits) != 2 {
		t.Fatalf("%d WebSockets opened, %d connection_init payloads, want 2 each:\n%s\npayloads: %v",
			sockets, len(inits), strings.Join(res.Requests, "\n"), inits)
	}
	for i, want := range []string{"Bearer first-token", "Bearer second-token"} {
		if got := inits[i]["Authorization"]; got != want || len(inits[i]) != 1 {
			t.Errorf("connection_init payload %d: %v, want Authorization %q", i+1, inits[i], want)
		}
	}
}
