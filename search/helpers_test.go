package search_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/search"
	"github.com/shopgraph/shopgraph/seed"
)

const secret = "search-test-secret-0123456789"

// testCatalog is a generated catalog as the index sees it.
type testCatalog struct {
	items []search.Item
	byID  map[string]search.Item
}

func newCatalog(n int) *testCatalog {
	c := seed.Generate(seed.Options{Products: n})
	avail := map[string]int{}
	for _, s := range c.Stock {
		avail[s.ProductID] += s.Available
	}
	tc := &testCatalog{byID: map[string]search.Item{}}
	for _, p := range c.Products {
		it := search.Item{Product: p, InStock: avail[p.ProductID] > 0}
		tc.items = append(tc.items, it)
		tc.byID[p.ProductID] = it
	}
	return tc
}

// shared is the read-only index most tests query: 2,000 generated products,
// in memory, built once.
var shared struct {
	once sync.Once
	cat  *testCatalog
	ix   *search.Index
	err  error
}

const sharedSize = 2000

func sharedIndex(tb testing.TB) (*search.Index, *testCatalog) {
	tb.Helper()
	shared.once.Do(func() {
		shared.cat = newCatalog(sharedSize)
		shared.ix, shared.err = search.Open("", search.Options{CursorSecret: []byte(secret)})
		if shared.err == nil {
			_, shared.err = shared.ix.Build(context.Background(), search.Items(shared.cat.items), search.BuildOptions{})
		}
	})
	if shared.err != nil {
		tb.Fatal(shared.err)
	}
	return shared.ix, shared.cat
}

// MustOpen opens an index in dir ("" for memory), closed at the end of the test.
func MustOpen(tb testing.TB, dir string) *search.Index {
	tb.Helper()
	ix, err := search.Open(dir, search.Options{CursorSecret: []byte(secret)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ix.Close() })
	return ix
}

// MustBuild opens an index in dir and builds it from items.
func MustBuild(tb testing.TB, dir string, items []search.Item) *search.Index {
	tb.Helper()
	ix := MustOpen(tb, dir)
	if _, err := ix.Build(context.Background(), search.Items(items), search.BuildOptions{}); err != nil {
		tb.Fatal(err)
	}
	return ix
}

// MustSearch runs one search that must succeed.
func MustSearch(tb testing.TB, ix *search.Index, q shopgraph.SearchQuery) shopgraph.SearchPage {
	tb.Helper()
	page, err := ix.Search(context.Background(), q)
	if err != nil {
		tb.Fatalf("search %+v: %v", q, err)
	}
	return page
}

// searchAll pages through the whole result of q with the given page size,
// failing on a page that repeats an earlier key. It returns the keys in
// order and the pages.
func searchAll(tb testing.TB, ix *search.Index, q shopgraph.SearchQuery, limit int) ([]shopgraph.ProductKey, []shopgraph.SearchPage) {
	tb.Helper()
	q.Limit = limit
	var keys []shopgraph.ProductKey
	var pages []shopgraph.SearchPage
	seen := map[shopgraph.ProductKey]bool{}
	for {
		page := MustSearch(tb, ix, q)
		pages = append(pages, page)
		if len(page.Keys) > limit {
			tb.Fatalf("page of %d keys for limit %d", len(page.Keys), limit)
		}
		for _, k := range page.Keys {
			if seen[k] {
				tb.Fatalf("%+v: key %v on two pages", q, k)
			}
			seen[k] = true
		}
		keys = append(keys, page.Keys...)
		if page.NextToken == "" {
			return keys, pages
		}
		if len(page.Keys) != limit {
			tb.Fatalf("a page of %d keys (limit %d) has a nextToken", len(page.Keys), limit)
		}
		if len(pages) > 10000 {
			tb.Fatal("paging does not end")
		}
		q.NextToken = page.NextToken
	}
}

// lower is how the index compares names: case and runs of spaces ignored.
func lower(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// hasWord reports whether the product's indexed text (name, brand,
// description, string attributes) contains word as a word prefix,
// case-insensitively: a brute-force match for words whose stems and near
// misses occur nowhere else in the generated catalog.
func hasWord(it search.Item, word string) bool {
	p := it.Product
	texts := []string{p.Name, p.Brand, p.Description}
	for _, v := range p.Attributes {
		switch v := v.(type) {
		case string:
			texts = append(texts, v)
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok {
					texts = append(texts, s)
				}
			}
		}
	}
	for _, t := range texts {
		for _, w := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool {
			return !('a' <= r && r <= 'z' || '0' <= r && r <= '9')
		}) {
			if strings.HasPrefix(w, word) {
				return true
			}
		}
	}
	return false
}

// matches reports whether it passes filter f.
func matches(it search.Item, f shopgraph.SearchFilter) bool {
	p := it.Product
	return (f.Category == "" || p.Category == f.Category) &&
		(f.Brand == "" || p.Brand == f.Brand) &&
		(f.PriceMin == nil || p.Price.Amount >= *f.PriceMin) &&
		(f.PriceMax == nil || p.Price.Amount <= *f.PriceMax) &&
		(f.InStock == nil || it.InStock == *f.InStock)
}

// facetsOf computes a search's facets from the products themselves.
func facetsOf(cat *testCatalog, keys []shopgraph.ProductKey) shopgraph.SearchFacets {
	cats, brands := map[string]int{}, map[string]int{}
	buckets := []int64{2500, 5000, 10000, 25000, 50000}
	counts := make([]int, len(buckets)+1)
	for _, k := range keys {
		p := cat.byID[k.ProductID].Product
		cats[p.Category]++
		brands[p.Brand]++
		i, _ := slices.BinarySearch(buckets, p.Price.Amount+1) // [min, max)
		counts[i]++
	}
	list := func(m map[string]int) []shopgraph.FacetCount {
		out := []shopgraph.FacetCount{}
		for v, n := range m {
			out = append(out, shopgraph.FacetCount{Value: v, Count: n})
		}
		slices.SortFunc(out, func(a, b shopgraph.FacetCount) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Value, b.Value)
		})
		return out
	}
	f := shopgraph.SearchFacets{Categories: list(cats), Brands: list(brands), PriceRanges: []shopgraph.PriceRangeCount{}}
	for i, n := range counts {
		if n == 0 {
			continue
		}
		r := shopgraph.PriceRangeCount{Count: n}
		if i > 0 {
			r.Min = &buckets[i-1]
		}
		if i < len(buckets) {
			r.Max = &buckets[i]
		}
		f.PriceRanges = append(f.PriceRanges, r)
	}
	return f
}

func ptr[T any](v T) *T { return &v }

func ids(keys []shopgraph.ProductKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.ProductID
	}
	return out
}
