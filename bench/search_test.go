package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/local"
	"github.com/shopgraph/shopgraph/search"
	"github.com/shopgraph/shopgraph/seed"
)

// searchSizes are the catalog sizes of BenchmarkSearchFigures: 5,000 only
// when each benchmark runs once (`make test`), 5,000 and 50,000 under
// `make bench`.
func searchSizes() []int {
	if smoke() {
		return []int{5000}
	}
	return []int{5000, 50000}
}

// searchClients are the load driver's concurrent clients.
var searchClients = []int{1, 16}

// The log messages of app.New's index step (app/search.go).
const (
	logIndexCurrent  = "search index is up to date with the catalog"
	logIndexBuilding = "building the search index"
	logIndexBuilt    = "search index built"
)

// searchGraphQL is the search page the load driver asks for: a page of 20
// with every facet.
const searchGraphQL = `query Search($q: String!, $filter: SearchFilter, $sort: SearchSort, $next: String) {
  search(query: $q, filter: $filter, sort: $sort, limit: 20, nextToken: $next) {
    items { id name price { amount } }
    total
    facets { categories { value count } brands { value count } priceRanges { min max count } }
    nextToken
  }
}`

const suggestGraphQL = `query Suggest($prefix: String!) { suggest(prefix: $prefix, limit: 10) }`

// logTap records the application's log records (to check what app.New's
// index step did) and echoes the index build's progress to stderr when
// echo is set.
type logTap struct {
	mu   sync.Mutex
	recs []slog.Record
	echo string // prefix of the echoed lines; "" echoes nothing
}

func (t *logTap) Enabled(context.Context, slog.Level) bool { return true }
func (t *logTap) WithAttrs([]slog.Attr) slog.Handler       { return t }
func (t *logTap) WithGroup(string) slog.Handler            { return t }

func (t *logTap) Handle(_ context.Context, r slog.Record) error {
	if r.Message != logIndexCurrent && r.Message != logIndexBuilding && r.Message != logIndexBuilt {
		return nil // only the index step's records are kept
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.recs = append(t.recs, r.Clone())
	if t.echo != "" && r.Message != logIndexCurrent {
		var sb strings.Builder
		r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&sb, " %s=%v", a.Key, a.Value); return true })
		fmt.Fprintf(os.Stderr, "%s: %s%s\n", t.echo, r.Message, sb.String())
	}
	return nil
}

func (t *logTap) reset() {
	t.mu.Lock()
	t.recs = nil
	t.mu.Unlock()
}

// find returns the records with message msg.
func (t *logTap) find(msg string) []slog.Record {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []slog.Record
	for _, r := range t.recs {
		if r.Message == msg {
			out = append(out, r)
		}
	}
	return out
}

func logAttr(r slog.Record, key string) slog.Value {
	var v slog.Value
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value
			return false
		}
		return true
	})
	return v
}

// searchShop is one catalog size's durable embedded default: the seeded
// embedded DynamoDB's data directory and the persisted search index, which
// every app.New of the benchmark reopens (a restart).
type searchShop struct {
	size       int
	catalog    shopgraph.CatalogSnapshot
	items      []search.Item      // the catalog as the index sees it
	fp         search.Fingerprint // of items
	cfg        app.Config
	tap        *logTap
	ddb        *ddbCounter
	searchDir  string
	generation string // the index generation CURRENT names after the first start
	key        string // an API key with search:read and no reachable rate limit
	firstStart time.Duration
	firstBuild time.Duration // the build, as app.New logged it
}

// newSearchShop seeds size products into a durable embedded DynamoDB (no
// fsync while seeding), then starts the application once on it with an
// empty search directory, which builds the index, and stores an API key.
func newSearchShop(b *testing.B, size int) *searchShop {
	b.Helper()
	ctx := context.Background()
	root := b.TempDir()
	s := &searchShop{size: size, catalog: seed.Generate(seed.Options{Products: size}), tap: &logTap{},
		ddb: &ddbCounter{n: map[ddbKey]int{}}, searchDir: filepath.Join(root, "search")}
	verbose := size > 10000
	if verbose {
		s.tap.echo = fmt.Sprintf("search bench (%d products)", size)
	}
	available := map[string]int{}
	for _, l := range s.catalog.Stock {
		available[l.ProductID] += l.Available
	}
	for _, p := range s.catalog.Products {
		s.items = append(s.items, search.Item{Product: p, InStock: available[p.ProductID] > 0})
	}
	s.fp = search.FingerprintOf(s.items)

	ddbDir := filepath.Join(root, "dynamodb")
	target := dynamotest.EmbeddedWith(b, local.DynamoDBOptions{Dir: ddbDir, NoSync: true})
	t0, last := time.Now(), time.Now()
	err := dynamotest.NewStore(b, target).Seed(ctx, s.catalog, func(done, total int) {
		if verbose && time.Since(last) >= 5*time.Second {
			last = time.Now()
			fmt.Fprintf(os.Stderr, "search bench (%d products): seeding the embedded DynamoDB: %d of %d items\n", size, done, total)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	if verbose {
		fmt.Fprintf(os.Stderr, "search bench (%d products): seeded in %v\n", size, time.Since(t0).Round(time.Millisecond))
	}
	stopEmbedded(b, target)

	region := aws.Config{Region: dynamotest.Region}
	s.cfg = app.Config{
		// As `make run` keeps them: durable DynamoDB and Step Functions data
		// directories and a persisted index. Nothing is seeded: the tables
		// hold the catalog already.
		DynamoDB:      app.DynamoDBConfig{Embedded: true, DataDir: ddbDir, AWS: region, Tables: target.Tables, ClientOptions: []func(*dynamodb.Options){s.ddb.option}},
		StepFunctions: app.StepFunctionsConfig{Embedded: true, DataDir: filepath.Join(root, "stepfunctions"), AWS: region},
		Orders:        app.OrdersConfig{Payments: "simulated"},
		CursorSecret:  []byte(dynamotest.CursorSecret),
		Identity:      app.IdentityConfig{Dev: true, StateDir: root, PasswordIterations: 1000},
		Search:        app.SearchConfig{Dir: s.searchDir},
		Server:        loadersConfig(true),
		Throttle:      app.ThrottleConfig{UserRateLimit: 1 << 30},
		Logger:        slog.New(s.tap),
	}

	t0 = time.Now()
	a, err := app.New(ctx, s.cfg)
	s.firstStart = time.Since(t0)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = a.Close(context.Background()) }()
	built := s.tap.find(logIndexBuilt)
	if len(built) != 1 || len(s.tap.find(logIndexCurrent)) != 0 {
		b.Fatalf("first start with an empty search directory: want one build, got %d builds and %d up-to-date checks", len(built), len(s.tap.find(logIndexCurrent)))
	}
	s.firstBuild = logAttr(built[0], "took").Duration()
	// What app.New indexed from DynamoDB is exactly what the build
	// sub-benchmark indexes.
	if got := a.Search.Fingerprint(); got != s.fp {
		b.Fatalf("index built from DynamoDB has fingerprint %v, the seeded catalog %v", got, s.fp)
	}
	s.generation = s.currentGeneration(b)
	key, full, err := auth.IssueAPIKey("bench-search", []string{shopgraph.ScopeSearchRead}, 0, nil, time.Now().Add(-time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	key.RateLimit = 1 << 30 // above auth.MaxRateLimit: stored directly, as no admin could
	if err := a.Keys.EnsureAPIKey(ctx, key); err != nil {
		b.Fatal(err)
	}
	s.key = full
	return s
}

// currentGeneration is the index generation the search directory's CURRENT
// file names.
func (s *searchShop) currentGeneration(b *testing.B) string {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join(s.searchDir, "CURRENT"))
	if err != nil {
		b.Fatal(err)
	}
	return strings.TrimSpace(string(raw))
}

// restart runs app.New over the stored data and checks that it did not
// rebuild the index: "up to date" logged with every product, nothing
// built, the fingerprint and the generation unchanged. It returns the app,
// how long app.New took and the index check's own "checked_in".
func (s *searchShop) restart(b *testing.B) (*app.App, time.Duration, time.Duration) {
	b.Helper()
	s.tap.reset()
	t0 := time.Now()
	a, err := app.New(context.Background(), s.cfg)
	d := time.Since(t0)
	if err != nil {
		b.Fatal(err)
	}
	current := s.tap.find(logIndexCurrent)
	switch {
	case len(s.tap.find(logIndexBuilding)) != 0 || len(s.tap.find(logIndexBuilt)) != 0:
		b.Fatal("restart with an unchanged catalog rebuilt the search index")
	case len(current) != 1 || logAttr(current[0], "products").Int64() != int64(s.size):
		b.Fatalf("restart: want %q logged once with %d products, got %d", logIndexCurrent, s.size, len(current))
	case a.Search.Fingerprint() != s.fp:
		b.Fatalf("restart: index fingerprint %v, want %v", a.Search.Fingerprint(), s.fp)
	case s.currentGeneration(b) != s.generation:
		b.Fatalf("restart: index generation %s, want %s (rebuilt)", s.currentGeneration(b), s.generation)
	}
	return a, d, logAttr(current[0], "checked_in").Duration()
}

// buildFigures are the index build sub-benchmark's figures.
type buildFigures struct {
	took   time.Duration // per build
	perSec float64
}

// restartFigures are the restart sub-benchmarks' figures, per restart.
type restartFigures struct {
	restarts          int
	appNew, checkedIn time.Duration // app.New, and its index check as logged
	// the index step measured piece by piece
	scan, fingerprint, open, current time.Duration
}

func (f restartFigures) step() time.Duration { return f.scan + f.fingerprint + f.open + f.current }

// searchKind is one request of the load driver's mix.
type searchKind struct {
	name    string
	body    []byte
	suggest bool
	first   string // the name the first hit must have ("": any)
}

// searchLoad is one load run's figures.
type searchLoad struct {
	requests, searches int
	perSec             float64
	p50, p99           time.Duration
	cpu                time.Duration // this process's CPU per request
	batchGets, ddbReqs float64       // DynamoDB requests per search (BatchGetItem; any operation)
	suggestReqs        float64       // DynamoDB requests per suggest
	kinds              map[string][2]time.Duration
}

// searchSize is one catalog size's figures.
type searchSize struct {
	firstStart, firstBuild time.Duration
	build                  buildFigures
	restart                restartFigures
	kinds                  []string          // the mix's kinds, in order
	exact                  string            // the exact product name searched for
	probe                  map[string]string // DynamoDB requests of each kind alone, by operation
	load                   map[int]searchLoad
}

// BenchmarkSearchFigures: the figures of issue 19 at 5,000 and 50,000
// products (5,000 only under -benchtime 1x), on the embedded default kept
// as `make run` keeps it (durable DynamoDB data directory, persisted
// index):
//
//   - build: search.Index.Build of the seeded catalog into an on-disk index;
//   - restart: app.New over the stored data with the index unchanged (and
//     the index step alone: scan Products and Inventory, FingerprintOf,
//     search.Open, Current), each checked not to rebuild, next to the first
//     start with an empty search directory and the rebuild it avoids;
//   - load: the GraphQL search through the whole server over real TCP with
//     an API key (search:read), a mix of queries and suggest, from 1 and 16
//     clients: requests/s, p50/p99, and DynamoDB requests per search.
func BenchmarkSearchFigures(b *testing.B) {
	figs := map[int]*searchSize{}
	for _, size := range searchSizes() {
		figs[size] = runSearchSize(b, size)
	}
	printSearchFigures(figs)
}

func runSearchSize(b *testing.B, size int) *searchSize {
	ctx := context.Background()
	s := newSearchShop(b, size)
	f := &searchSize{firstStart: s.firstStart, firstBuild: s.firstBuild, load: map[int]searchLoad{}}
	prefix := fmt.Sprintf("products=%d/", size)

	b.Run(prefix+"build", func(b *testing.B) {
		var took time.Duration
		n := 0
		for b.Loop() {
			b.StopTimer()
			dir := filepath.Join(b.TempDir(), "search")
			ix, err := search.Open(dir, search.Options{CursorSecret: []byte(dynamotest.CursorSecret)})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			t0 := time.Now()
			fp, err := ix.Build(ctx, search.Items(s.items), search.BuildOptions{Total: size})
			took += time.Since(t0)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if fp != s.fp {
				b.Fatalf("built fingerprint %v, want %v", fp, s.fp)
			}
			if err := ix.Close(); err != nil {
				b.Fatal(err)
			}
			_ = os.RemoveAll(dir)
			n++
			b.StartTimer()
		}
		f.build = buildFigures{took: took / time.Duration(n), perSec: float64(size*n) / took.Seconds()}
		b.ReportMetric(float64(f.build.took.Microseconds())/1000, "ms/build")
		b.ReportMetric(f.build.perSec, "products/s")
	})

	b.Run(prefix+"restart", func(b *testing.B) {
		var total, checked time.Duration
		n := 0
		for b.Loop() {
			a, d, c := s.restart(b)
			b.StopTimer()
			total, checked = total+d, checked+c
			n++
			if err := a.Close(ctx); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		f.restart.restarts += n
		f.restart.appNew, f.restart.checkedIn = total/time.Duration(n), checked/time.Duration(n)
		b.ReportMetric(float64(f.restart.appNew.Microseconds())/1000, "ms/app.New")
		b.ReportMetric(float64(f.restart.checkedIn.Microseconds())/1000, "ms/index-check")
		b.ReportMetric(0, "rebuilds")
	})

	b.Run(prefix+"restart-index-step", func(b *testing.B) {
		// The index step of app.New by hand, on the same stored data: the
		// catalog read as app.catalogItems reads it (one parallel Scan of
		// Inventory, one of Products), the fingerprint, Open of the
		// persisted index and Current.
		d, err := app.OpenDynamoDB(ctx, s.cfg.DynamoDB)
		if err != nil {
			b.Fatal(err)
		}
		defer func() { _ = d.Close(context.Background()) }()
		store, err := d.Store(s.cfg.CursorSecret, 0, nil)
		if err != nil {
			b.Fatal(err)
		}
		var scan, fingerprint, open, current time.Duration
		n := 0
		for b.Loop() {
			t0 := time.Now()
			available := map[string]int{}
			if err := store.ScanStock(ctx, func(l shopgraph.StockLevel) error { available[l.ProductID] += l.Available; return nil }); err != nil {
				b.Fatal(err)
			}
			var items []search.Item
			if err := store.ScanProducts(ctx, func(p shopgraph.Product) error {
				items = append(items, search.Item{Product: p, InStock: available[p.ProductID] > 0})
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			fp := search.FingerprintOf(items)
			t2 := time.Now()
			ix, err := search.Open(s.searchDir, search.Options{CursorSecret: s.cfg.CursorSecret})
			if err != nil {
				b.Fatal(err)
			}
			t3 := time.Now()
			ok := ix.Current(fp)
			t4 := time.Now()
			b.StopTimer()
			scan, fingerprint, open, current = scan+t1.Sub(t0), fingerprint+t2.Sub(t1), open+t3.Sub(t2), current+t4.Sub(t3)
			n++
			if !ok || fp != s.fp || ix.Fingerprint() != s.fp || len(items) != size {
				b.Fatalf("index not current: catalog %v (%d products), index %v, seeded %v", fp, len(items), ix.Fingerprint(), s.fp)
			}
			if err := ix.Close(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if g := s.currentGeneration(b); g != s.generation {
			b.Fatalf("index generation %s, want %s", g, s.generation)
		}
		per := func(d time.Duration) time.Duration { return d / time.Duration(n) }
		f.restart.scan, f.restart.fingerprint, f.restart.open, f.restart.current = per(scan), per(fingerprint), per(open), per(current)
		b.ReportMetric(float64(f.restart.scan.Microseconds())/1000, "scan-ms")
		b.ReportMetric(float64(f.restart.fingerprint.Microseconds())/1000, "fingerprint-ms")
		b.ReportMetric(float64(f.restart.open.Microseconds())/1000, "open-ms")
		b.ReportMetric(float64(f.restart.step().Microseconds())/1000, "ms/index-step")
	})

	// The load runs on one more restart, kept open.
	a, _, _ := s.restart(b)
	defer func() { _ = a.Close(context.Background()) }()
	f.restart.restarts++
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16, MaxConnsPerHost: 16}}
	defer client.CloseIdleConnections()
	post := func(body []byte) ([]byte, error) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-api-key", s.key)
		res, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		out, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err == nil && (res.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`))) {
			err = fmt.Errorf("status %d: %.300s", res.StatusCode, out)
		}
		return out, err
	}
	kinds := searchMix(b, s, post)
	for _, k := range kinds {
		f.kinds = append(f.kinds, k.name)
		if k.first != "" {
			f.exact = k.first
		}
	}
	f.probe = probeSearchKinds(b, s, kinds, post)
	for _, clients := range searchClients {
		b.Run(fmt.Sprintf("%sload/clients=%d", prefix, clients), func(b *testing.B) {
			d := 5 * time.Second
			if smoke() {
				d = 300 * time.Millisecond
			}
			for b.Loop() {
				l := driveSearch(b, s, kinds, post, clients, d)
				f.load[clients] = l
				b.ReportMetric(l.perSec, "requests/s")
				b.ReportMetric(float64(l.p50.Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(l.p99.Microseconds())/1000, "p99-ms")
				b.ReportMetric(l.batchGets, "BatchGetItem/search")
			}
		})
	}
	return f
}

// searchMix is the load driver's requests: plain words, a typo, an exact
// product name, a filtered search, a price sort, a second page and a
// suggest. Each is checked to find something.
func searchMix(b *testing.B, s *searchShop, post func([]byte) ([]byte, error)) []searchKind {
	b.Helper()
	body := func(query string, vars map[string]any) []byte {
		raw, err := json.Marshal(map[string]any{"query": query, "variables": vars})
		if err != nil {
			b.Fatal(err)
		}
		return raw
	}
	var exact string
	for _, p := range s.catalog.Products[len(s.catalog.Products)/2:] {
		if strings.HasSuffix(p.Name, "Noise-Cancelling Headphones") {
			exact = p.Name
			break
		}
	}
	if exact == "" {
		b.Fatal("no headphones in the catalog's second half")
	}
	first, err := post(body(searchGraphQL, map[string]any{"q": "wireless earbuds"}))
	if err != nil {
		b.Fatal(err)
	}
	var page struct {
		Data struct{ Search struct{ NextToken string } }
	}
	if err := json.Unmarshal(first, &page); err != nil || page.Data.Search.NextToken == "" {
		b.Fatalf("first page of wireless earbuds has no nextToken: %v %.300s", err, first)
	}
	return []searchKind{
		{name: `words "wireless earbuds"`, body: body(searchGraphQL, map[string]any{"q": "wireless earbuds"})},
		{name: `typo "heaphones"`, body: body(searchGraphQL, map[string]any{"q": "heaphones"})},
		{name: "exact product name", body: body(searchGraphQL, map[string]any{"q": exact}), first: exact},
		{name: `"wireless", electronics, ≤ $200, in stock`, body: body(searchGraphQL, map[string]any{"q": "wireless",
			"filter": map[string]any{"category": "electronics", "priceMax": 20000, "inStock": true}})},
		{name: `"classic" by PRICE_ASC`, body: body(searchGraphQL, map[string]any{"q": "classic", "sort": "PRICE_ASC"})},
		{name: `"wireless earbuds" page 2 (nextToken)`, body: body(searchGraphQL, map[string]any{"q": "wireless earbuds", "next": page.Data.Search.NextToken})},
		{name: `suggest "head"`, body: body(suggestGraphQL, map[string]any{"prefix": "head"}), suggest: true},
	}
}

// probeSearchKinds sends each request alone and returns the DynamoDB
// requests it made during the operation, by operation. It checks that
// every search page found products (the exact name first) and that suggest
// completed something.
func probeSearchKinds(b *testing.B, s *searchShop, kinds []searchKind, post func([]byte) ([]byte, error)) map[string]string {
	b.Helper()
	out := map[string]string{}
	for _, k := range kinds {
		before, _ := s.ddb.snapshot()
		raw, err := post(k.body)
		if err != nil {
			b.Fatalf("%s: %v", k.name, err)
		}
		after, _ := s.ddb.snapshot()
		var resp struct {
			Data struct {
				Search struct {
					Items []struct{ Name string }
					Total int
				}
				Suggest []string
			}
		}
		if err := json.Unmarshal(raw, &resp); err != nil {
			b.Fatal(err)
		}
		switch {
		case k.suggest && len(resp.Data.Suggest) == 0,
			!k.suggest && len(resp.Data.Search.Items) == 0:
			b.Fatalf("%s found nothing: %.300s", k.name, raw)
		case k.first != "" && resp.Data.Search.Items[0].Name != k.first:
			b.Fatalf("%s %q: first hit is %q", k.name, k.first, resp.Data.Search.Items[0].Name)
		}
		var parts []string
		for key, n := range after {
			if d := n - before[key]; key.caller == "graphql" && d != 0 {
				parts = append(parts, fmt.Sprintf("%d %s", d, key.op))
			}
		}
		out[k.name] = strings.Join(parts, ", ")
		if out[k.name] == "" {
			out[k.name] = "none"
		}
	}
	return out
}

// driveSearch sends the mix from clients concurrent clients for d, each
// client cycling through the kinds from its own starting point, after a
// warm-up, and returns the figures. Every response must be 200 without
// errors.
func driveSearch(b *testing.B, s *searchShop, kinds []searchKind, post func([]byte) ([]byte, error), clients int, d time.Duration) searchLoad {
	b.Helper()
	for range 3 {
		for _, k := range kinds {
			if _, err := post(k.body); err != nil {
				b.Fatalf("%s: %v", k.name, err)
			}
		}
	}
	runtime.GC()
	all := &latencies{}
	byKind := make([]*latencies, len(kinds))
	for i := range byKind {
		byKind[i] = &latencies{}
	}
	var searches, suggests atomic.Int64
	var failed atomic.Value
	before, _ := s.ddb.snapshot()
	cpu0 := processCPU()
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := c; time.Now().Before(deadline); i++ {
				k := i % len(kinds)
				t0 := time.Now()
				if _, err := post(kinds[k].body); err != nil {
					failed.CompareAndSwap(nil, fmt.Sprintf("%s: %v", kinds[k].name, err))
					return
				}
				el := time.Since(t0)
				all.add(el)
				byKind[k].add(el)
				if kinds[k].suggest {
					suggests.Add(1)
				} else {
					searches.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f != nil {
		b.Fatalf("load run failed: %s", f)
	}
	cpu := processCPU() - cpu0
	after, _ := s.ddb.snapshot()
	var batchGets, graphql int
	for key, n := range after {
		if key.caller != "graphql" {
			continue
		}
		graphql += n - before[key]
		if key.op == "BatchGetItem" {
			batchGets += n - before[key]
		}
	}
	n := int(searches.Load() + suggests.Load())
	l := searchLoad{requests: n, searches: int(searches.Load()), perSec: float64(n) / elapsed.Seconds(),
		p50: all.quantile(0.5), p99: all.quantile(0.99), cpu: cpu / time.Duration(max(1, n)),
		batchGets: float64(batchGets) / float64(max(1, searches.Load())), ddbReqs: float64(graphql) / float64(max(1, searches.Load())),
		kinds: map[string][2]time.Duration{}}
	// Suggest reads the index only; any request it made would show as
	// more requests than BatchGetItems.
	l.suggestReqs = float64(graphql-batchGets) / float64(max(1, suggests.Load()))
	for i, k := range kinds {
		l.kinds[k.name] = [2]time.Duration{byKind[i].quantile(0.5), byKind[i].quantile(0.99)}
	}
	return l
}

func printSearchFigures(figs map[int]*searchSize) {
	sizes := searchSizes()
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	head := "\nSearch index: build, and restart with an unchanged index (embedded default: durable DynamoDB data dir, persisted index; 2 cores)\nfigure"
	for _, size := range sizes {
		head += fmt.Sprintf("\t%d products", size)
	}
	fmt.Fprintln(w, head)
	row := func(name string, v func(f *searchSize) string) {
		line := name
		for _, size := range sizes {
			line += "\t" + v(figs[size])
		}
		fmt.Fprintln(w, line)
	}
	row("Build (search.Index.Build on disk) ms", func(f *searchSize) string { return ms(f.build.took) })
	row("Build products/s", func(f *searchSize) string { return fmt.Sprintf("%.0f", f.build.perSec) })
	row("first start, empty index dir: app.New ms", func(f *searchSize) string { return ms(f.firstStart) })
	row("  of which the build (logged) ms", func(f *searchSize) string { return ms(f.firstBuild) })
	row("restart, unchanged index: app.New ms", func(f *searchSize) string { return ms(f.restart.appNew) })
	row("  of which scan+fingerprint+Current (logged checked_in) ms", func(f *searchSize) string { return ms(f.restart.checkedIn) })
	row("index step by hand: scan Products+Inventory ms", func(f *searchSize) string { return ms(f.restart.scan) })
	row("  FingerprintOf ms", func(f *searchSize) string { return ms(f.restart.fingerprint) })
	row("  search.Open ms", func(f *searchSize) string { return ms(f.restart.open) })
	row("  Current µs", func(f *searchSize) string { return fmt.Sprintf("%.1f", float64(f.restart.current.Nanoseconds())/1000) })
	row("  total ms", func(f *searchSize) string { return ms(f.restart.step()) })
	row("rebuild avoided (scan+fingerprint+Build) ÷ index step", func(f *searchSize) string {
		return fmt.Sprintf("%.1fx", float64(f.restart.scan+f.restart.fingerprint+f.build.took)/float64(f.restart.step()))
	})
	row("app.New first start ÷ restart", func(f *searchSize) string {
		return fmt.Sprintf("%.1fx", float64(f.firstStart)/float64(f.restart.appNew))
	})
	row("rebuilds on restart (up to date logged, fingerprint and generation unchanged)", func(f *searchSize) string {
		return fmt.Sprintf("0 of %d", f.restart.restarts)
	})
	w.Flush()

	w = tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nSearch under load: GraphQL search (page of 20: id name price, total, facets) and suggest, 7-request mix, API key (search:read), real TCP, whole server\nproducts\tclients\trequests/s\tp50 ms\tp99 ms\tCPU ms/request\tBatchGetItem/search\tDynamoDB requests/search\tDynamoDB requests/suggest\trequests")
	for _, size := range sizes {
		for _, c := range searchClients {
			l, ok := figs[size].load[c]
			if !ok {
				continue
			}
			fmt.Fprintf(w, "%d\t%d\t%.0f\t%s\t%s\t%s\t%.2f\t%.2f\t%.2f\t%d\n", size, c, l.perSec, ms(l.p50), ms(l.p99), ms(l.cpu), l.batchGets, l.ddbReqs, l.suggestReqs, l.requests)
		}
	}
	w.Flush()

	w = tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	head = "\nSearch under load by request: p50 / p99 ms\nrequest\tDynamoDB requests (alone)"
	for _, size := range sizes {
		for _, c := range searchClients {
			head += fmt.Sprintf("\t%d products, %d client(s)", size, c)
		}
	}
	fmt.Fprintln(w, head)
	first := figs[sizes[0]]
	for _, name := range first.kinds {
		line := name + "\t" + first.probe[name]
		for _, size := range sizes {
			for _, c := range searchClients {
				q := figs[size].load[c].kinds[name]
				line += fmt.Sprintf("\t%s / %s", ms(q[0]), ms(q[1]))
			}
		}
		fmt.Fprintln(w, line)
	}
	w.Flush()
	for _, size := range sizes {
		fmt.Printf("exact product name searched at %d products: %q\n", size, figs[size].exact)
	}
}
