package search

import (
	"context"
	"os"
	"testing"

	"github.com/shopgraph/shopgraph"
)

// TestOpen_otherMappingVersion: an index persisted by another mapping
// version is discarded at Open (and then rebuilt by the caller), never
// served.
func TestOpen_otherMappingVersion(t *testing.T) {
	dir := t.TempDir()
	opts := Options{CursorSecret: []byte("0123456789abcdef")}
	ix, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	p := shopgraph.Product{Category: "books", ProductID: "BK-1", Name: "The Salt Atlas"}
	fp, err := ix.Build(context.Background(), Items([]Item{{Product: p, InStock: true}}), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	old := ix.cur.name
	if err := ix.cur.idx.SetInternal(versionInternal, []byte("shopgraph-search-v0")); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	ix, err = Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.Current(fp) || ix.Fingerprint() != (Fingerprint{}) {
		t.Error("an index of another mapping version is current")
	}
	if ix.cur.name == old {
		t.Error("the old generation is still in use")
	}
	if _, err := os.Stat(dir + "/" + old); !os.IsNotExist(err) {
		t.Errorf("the old generation is still on disk: %v", err)
	}
	page, err := ix.Search(context.Background(), shopgraph.SearchQuery{Text: "salt atlas"})
	if err != nil || page.Total != 0 {
		t.Errorf("discarded index answers: %+v, %v", page, err)
	}
}

// TestPriceBuckets_count: the schema's cost model counts on
// shopgraph.PriceBuckets ranges.
func TestPriceBuckets_count(t *testing.T) {
	if len(priceBuckets) != shopgraph.PriceBuckets {
		t.Fatalf("%d price buckets, shopgraph.PriceBuckets says %d", len(priceBuckets), shopgraph.PriceBuckets)
	}
}
