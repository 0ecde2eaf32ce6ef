// Package bench holds shopgraph's benchmarks (`make bench`). Each benchmark
// measures side by side in one run and prints the ratios an issue asks for.
package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sort"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/loaders"
	"github.com/shopgraph/shopgraph/server"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// pageQuery is the catalog page: products with inventory and warehouses.
const pageQuery = `query Page($category: String!, $limit: Int) {
  products(category: $category, limit: $limit) {
    items {
      id sku name brand price { amount currency } images
      inventory { available inStock warehouses { available warehouse { code name region } } }
    }
    nextToken
  }
}`

// result is one sub-benchmark's final figures.
type result struct {
	nsPerOp  float64
	requests float64
}

// results collects sub-benchmark figures for the ratio tables.
type results struct {
	mu sync.Mutex
	m  map[string]result
}

func (r *results) set(name string, v result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]result{}
	}
	r.m[name] = v
}

func (r *results) get(name string) (result, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[name]
	return v, ok
}

// biggest returns the category with the most products.
func biggest(cats []shopgraph.Category) string {
	sort.Slice(cats, func(i, j int) bool { return cats[i].ProductCount > cats[j].ProductCount })
	return cats[0].Name
}

// runPage benchmarks the page query through the HTTP handler and records
// ns/op, allocs/op and DynamoDB requests/op under name.
func runPage(b *testing.B, a *apptest.App, limit int, name string, into *results) {
	body, _ := json.Marshal(map[string]any{"query": pageQuery, "variables": map[string]any{"category": biggest(a.Catalog.Categories), "limit": limit}})
	page := func() int {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", a.Credential)
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, req)
		var resp struct {
			Errors     []any
			Extensions struct {
				DynamoDB struct{ Requests int } `json:"dynamodb"`
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || len(resp.Errors) > 0 || rec.Code != 200 {
			b.Fatalf("bad response %d: %s", rec.Code, rec.Body)
		}
		return resp.Extensions.DynamoDB.Requests
	}
	// Warm up (connections, caches) and collect the seeding's garbage, so
	// the first sub-benchmark after a seed is not measured cold.
	for range 5 {
		page()
	}
	runtime.GC()
	var requests int
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		requests += page()
	}
	b.StopTimer()
	reqPerOp := float64(requests) / float64(b.N)
	b.ReportMetric(reqPerOp, "ddb-requests/op")
	// The whole process's CPU per page: server and, on the embedded
	// DynamoDB, the store too (DynamoDB Local's JVM is not counted).
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	into.set(name, result{
		nsPerOp:  float64(b.Elapsed().Nanoseconds()) / float64(b.N),
		requests: reqPerOp,
	})
}

func loadersConfig(on bool) server.Config {
	// The production batch window, not the tests' wider one.
	return server.Config{Loaders: loaders.Config{Disabled: !on, Wait: loaders.DefaultWait}}
}

func onOff(on bool) string {
	if on {
		return "loaders=on"
	}
	return "loaders=off"
}

// BenchmarkCatalogPage: the 50-product catalog page through the HTTP handler
// on the embedded DynamoDB and on DynamoDB Local, at 1,000 and 5,000
// seeded products, with loaders on and off. Prints the on/off ratios.
func BenchmarkCatalogPage(b *testing.B) {
	var res results
	type store struct {
		name   string
		target func(testing.TB) dynamotest.Target
	}
	stores := []store{{"embedded", dynamotest.Embedded}, {"dynamodb-local", dynamotest.DynamoDBLocal}}
	for _, st := range stores {
		for _, size := range []int{1000, 5000} {
			target := st.target(b)
			apptest.New(b, apptest.Options{Products: size, Target: &target}) // seeds
			for _, on := range []bool{true, false} {
				a := apptest.New(b, apptest.Options{Products: size, Target: &target, Server: loadersConfig(on), SkipSeed: true})
				name := fmt.Sprintf("store=%s/products=%d/%s", st.name, size, onOff(on))
				b.Run(name, func(b *testing.B) { runPage(b, a, 50, name, &res) })
			}
		}
	}
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nCatalog page (50 products + inventory + warehouses): loaders off ÷ on\nstore\tproducts\tns/op on\tns/op off\ttime ratio\trequests on\trequests off\trequest ratio")
	for _, st := range stores {
		for _, size := range []int{1000, 5000} {
			on, ok1 := res.get(fmt.Sprintf("store=%s/products=%d/loaders=on", st.name, size))
			off, ok2 := res.get(fmt.Sprintf("store=%s/products=%d/loaders=off", st.name, size))
			if ok1 && ok2 {
				fmt.Fprintf(w, "%s\t%d\t%.0f\t%.0f\t%.1fx\t%.0f\t%.0f\t%.1fx\n", st.name, size, on.nsPerOp, off.nsPerOp,
					off.nsPerOp/on.nsPerOp, on.requests, off.requests, off.requests/on.requests)
			}
		}
	}
	w.Flush()
}

// BenchmarkCatalogPageLatency: every DynamoDB request delayed by a fixed
// 5 ms (a test transport), against the same page undelayed. The difference
// is the latency the requests add: with loaders it is the dependent levels
// (1 Query, then the inventory batches in parallel) × 5 ms whatever the page
// size; without them there is one inventory request per product.
func BenchmarkCatalogPageLatency(b *testing.B) {
	const delay = 5 * time.Millisecond
	var res results
	target := dynamotest.Embedded(b)
	apptest.New(b, apptest.Options{Products: 1000, Target: &target}) // seeds
	sizes := []int{10, 25, 50}
	name := func(on bool, d time.Duration, size int) string {
		return fmt.Sprintf("%s/delay=%s/page=%d", onOff(on), d, size)
	}
	for _, on := range []bool{true, false} {
		for _, d := range []time.Duration{0, delay} {
			a := apptest.New(b, apptest.Options{Products: 1000, Target: &target, Server: loadersConfig(on), RequestDelay: d, SkipSeed: true})
			for _, size := range sizes {
				n := name(on, d, size)
				b.Run(n, func(b *testing.B) { runPage(b, a, size, n, &res) })
			}
		}
	}
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nCatalog page, 5 ms added before every DynamoDB request: latency added per page, in units of the delay\npage size\tloaders on: ms (added ÷ 5ms)\trequests\tloaders off: ms (added ÷ 5ms)\trequests")
	for _, size := range sizes {
		row := fmt.Sprintf("%d", size)
		for _, on := range []bool{true, false} {
			base, ok1 := res.get(name(on, 0, size))
			slow, ok2 := res.get(name(on, delay, size))
			if !ok1 || !ok2 {
				continue
			}
			row += fmt.Sprintf("\t%.1f (%.1f)\t%.0f", slow.nsPerOp/1e6, (slow.nsPerOp-base.nsPerOp)/float64(delay), slow.requests)
		}
		fmt.Fprintln(w, row)
	}
	w.Flush()
}

// BenchmarkAuthOverhead: the catalog query (a 20-product page) through the
// handler with an API key and with a Cognito JWT, and each credential's
// authentication step alone. Prints auth's share of a request and the ratio
// of each request to the same request without authentication.
func BenchmarkAuthOverhead(b *testing.B) {
	// A user rate limit (and, below, a key) that the benchmark cannot reach:
	// it measures authentication, not throttling.
	a := apptest.New(b, apptest.Options{Products: 1000, Server: loadersConfig(true),
		Throttle: app.ThrottleConfig{UserRateLimit: 1 << 30}})
	key, full, err := auth.IssueAPIKey("bench", shopgraph.Scopes(), 0, nil, time.Now().Add(-time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	key.RateLimit = 1 << 30 // above auth.MaxRateLimit: stored directly, as no admin could
	a.PutKey(b, key)
	creds := map[string][2]string{
		"api-key": {"x-api-key", full},
		"jwt":     {"Authorization", a.Token(b, "alice", shopgraph.TokenUseID)},
	}
	body, _ := json.Marshal(map[string]any{"query": pageQuery, "variables": map[string]any{"category": biggest(a.Catalog.Categories), "limit": 20}})
	authn := a.Authenticator
	var res results
	for _, name := range []string{"api-key", "jwt"} {
		h := creds[name]
		b.Run("request/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(h[0], h[1])
				rec := httptest.NewRecorder()
				a.Handler.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
			res.set("request/"+name, result{nsPerOp: float64(b.Elapsed().Nanoseconds()) / float64(b.N)})
		})
		b.Run("authenticate/"+name, func(b *testing.B) {
			b.ReportAllocs()
			req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			req.Header.Set(h[0], h[1])
			for b.Loop() {
				if id, err := authn.Authenticate(req.Context(), shopgraph.CredentialsFromHeaders(req.Header, nil)); err != nil || id == nil {
					b.Fatal(err)
				}
			}
			res.set("authenticate/"+name, result{nsPerOp: float64(b.Elapsed().Nanoseconds()) / float64(b.N)})
		})
	}
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nAuth overhead on the catalog query (20 products)\ncredential\trequest ns/op\tauthenticate ns/op\tshare\trequest ÷ request without auth")
	for _, name := range []string{"api-key", "jwt"} {
		r, ok1 := res.get("request/" + name)
		au, ok2 := res.get("authenticate/" + name)
		if ok1 && ok2 {
			fmt.Fprintf(w, "%s\t%.0f\t%.0f\t%.2f%%\t%.4fx\n", name, r.nsPerOp, au.nsPerOp, 100*au.nsPerOp/r.nsPerOp, r.nsPerOp/(r.nsPerOp-au.nsPerOp))
		}
	}
	w.Flush()
}
