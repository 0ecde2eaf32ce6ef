package search_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/search"
)

const benchProducts = 5000

// benchIndex builds the 5,000-product index on disk, as the embedded default
// keeps it.
func benchIndex(b *testing.B) (*search.Index, *testCatalog) {
	cat := newCatalog(benchProducts)
	return MustBuild(b, filepath.Join(b.TempDir(), "search"), cat.items), cat
}

// BenchmarkSearch measures one Search (a page of 20 with facets) at 5,000
// products, by kind of query.
func BenchmarkSearch(b *testing.B) {
	ix, cat := benchIndex(b)
	ctx := context.Background()
	page1 := MustSearch(b, ix, shopgraph.SearchQuery{Text: "wireless earbuds"})
	cases := map[string]shopgraph.SearchQuery{
		"words":          {Text: "wireless earbuds"},
		"typo":           {Text: "heaphones"},
		"exact name":     {Text: cat.items[1234].Product.Name},
		"stop word":      {Text: "the"},
		"many hits":      {Text: "classic"},
		"filtered":       {Text: "wireless", Filter: shopgraph.SearchFilter{Category: "electronics", PriceMax: ptr(int64(20000)), InStock: ptr(true)}},
		"price sort":     {Text: "classic", Sort: shopgraph.SearchPriceAsc},
		"newest":         {Text: "classic", Sort: shopgraph.SearchNewest},
		"second page":    {Text: "wireless earbuds", NextToken: page1.NextToken},
		"limit 100":      {Text: "classic", Limit: 100},
		"long text":      {Text: "noise cancelling over-ear headphones with multipoint and fast charging for travel"},
		"no word at all": {Text: `"+:*`},
	}
	for name, q := range cases {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := ix.Search(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := ix.Search(ctx, cases["words"]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkSuggest measures one Suggest at 5,000 products.
func BenchmarkSuggest(b *testing.B) {
	ix, _ := benchIndex(b)
	ctx := context.Background()
	for _, prefix := range []string{"v", "voltix a", "head"} {
		b.Run(prefix, func(b *testing.B) {
			for b.Loop() {
				if _, err := ix.Suggest(ctx, prefix, 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBuild measures building the index of 5,000 products, in memory
// and on disk (each batch persisted).
func BenchmarkBuild(b *testing.B) {
	cat := newCatalog(benchProducts)
	for _, where := range []string{"memory", "disk"} {
		b.Run(where, func(b *testing.B) {
			for b.Loop() {
				dir := ""
				if where == "disk" {
					dir = filepath.Join(b.TempDir(), "search")
				}
				ix, err := search.Open(dir, search.Options{CursorSecret: []byte(secret)})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := ix.Build(context.Background(), search.Items(cat.items), search.BuildOptions{}); err != nil {
					b.Fatal(err)
				}
				if err := ix.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(benchProducts)*float64(b.N)/b.Elapsed().Seconds(), "products/s")
		})
	}
}

// BenchmarkReopen measures a restart with an unchanged index: Open of a
// persisted 5,000-product index and the Current check (the fingerprint of
// the catalog is computed too, as the composition root would).
func BenchmarkReopen(b *testing.B) {
	cat := newCatalog(benchProducts)
	dir := filepath.Join(b.TempDir(), "search")
	ix, err := search.Open(dir, search.Options{CursorSecret: []byte(secret)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := ix.Build(context.Background(), search.Items(cat.items), search.BuildOptions{}); err != nil {
		b.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ix, err := search.Open(dir, search.Options{CursorSecret: []byte(secret)})
		if err != nil {
			b.Fatal(err)
		}
		if !ix.Current(search.FingerprintOf(cat.items)) {
			b.Fatal("not current")
		}
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
