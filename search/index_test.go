package search_test

import (
	"context"
	"errors"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/search"
)

// names returns the names of the hits of text (first page of 100).
func names(tb testing.TB, ix *search.Index, text string) map[string]string {
	tb.Helper()
	page := MustSearch(tb, ix, shopgraph.SearchQuery{Text: text, Limit: 100})
	out := map[string]string{}
	for _, k := range page.Keys {
		out[k.ProductID] = k.Category
	}
	return out
}

func TestIndex_Upsert(t *testing.T) {
	ctx := context.Background()
	cat := newCatalog(300)
	ix := MustBuild(t, "", cat.items)
	items := slices.Clone(cat.items)

	// Rename a book whose title is its own (book descriptions do not
	// repeat the title): found by the new name, not by the old one.
	_, count := distinctNames(cat)
	at := slices.IndexFunc(items, func(it search.Item) bool {
		return it.Product.Category == "books" && count[lower(it.Product.Name)] == 1
	})
	if at < 0 {
		t.Fatal("no book with a title of its own")
	}
	it := items[at]
	old := it.Product.Name
	if got := names(t, ix, old); got[it.Product.ProductID] == "" {
		t.Fatalf("%q is not found by its name before the rename", old)
	}
	it.Product.Name = "Zephyrine Quasar Lantern"
	it.Product.UpdatedAt = it.Product.UpdatedAt.Add(time.Hour)
	if err := ix.Upsert(ctx, it.Product, it.InStock); err != nil {
		t.Fatal(err)
	}
	items[at] = it
	id := it.Product.ProductID
	if got := names(t, ix, "zephyrine quasar"); len(got) != 1 || got[id] != it.Product.Category {
		t.Errorf("new name finds %v, want only %s", got, id)
	}
	if got := names(t, ix, old); got[id] != "" {
		t.Errorf("the old name %q still finds %s", old, id)
	}
	if got, _ := ix.Suggest(ctx, old, 5); slices.Contains(got, old) {
		t.Errorf("the old name %q is still suggested", old)
	}
	if got, _ := ix.Suggest(ctx, "zephyr", 5); !slices.Equal(got, []string{"Zephyrine Quasar Lantern"}) {
		t.Errorf("suggest after rename: %q", got)
	}
	if f := ix.Fingerprint(); f != search.FingerprintOf(items) || f.Len() != 300 {
		t.Errorf("fingerprint after upsert %v, catalog's %v", f, search.FingerprintOf(items))
	}

	// Stock crossing zero changes the inStock filter.
	it.InStock = !it.InStock
	if err := ix.Upsert(ctx, it.Product, it.InStock); err != nil {
		t.Fatal(err)
	}
	items[at] = it
	p := MustSearch(t, ix, shopgraph.SearchQuery{Text: "zephyrine", Filter: shopgraph.SearchFilter{InStock: &it.InStock}})
	if p.Total != 1 {
		t.Errorf("inStock=%v after the stock change: %d hits", it.InStock, p.Total)
	}

	// A new product, and one moved to another category.
	np := it.Product
	np.ProductID, np.Name = "NEW-000001", "Brand New Gizmo"
	if err := ix.Upsert(ctx, np, true); err != nil {
		t.Fatal(err)
	}
	items = append(items, search.Item{Product: np, InStock: true})
	moved := np
	moved.Category = "toys"
	if err := ix.Upsert(ctx, moved, true); err != nil {
		t.Fatal(err)
	}
	items[len(items)-1].Product = moved
	if got := names(t, ix, "gizmo"); len(got) != 1 || got["NEW-000001"] != "toys" {
		t.Errorf("moved product: %v", got)
	}
	// Deleting it under its old key does nothing; under its key, removes it.
	if err := ix.Delete(ctx, np.Key()); err != nil {
		t.Fatal(err)
	}
	if got := names(t, ix, "gizmo"); len(got) != 1 {
		t.Errorf("delete under the old key removed the moved product: %v", got)
	}
	if err := ix.Delete(ctx, moved.Key()); err != nil {
		t.Fatal(err)
	}
	items = items[:len(items)-1]
	if got := names(t, ix, "gizmo"); len(got) != 0 {
		t.Errorf("deleted product still found: %v", got)
	}
	if got, _ := ix.Suggest(ctx, "brand new", 5); len(got) != 0 {
		t.Errorf("deleted product still suggested: %q", got)
	}

	// Delete an original product; deleting again, or an unknown one, is fine.
	del := items[7].Product
	if err := ix.Delete(ctx, del.Key()); err != nil {
		t.Fatal(err)
	}
	items = slices.Delete(items, 7, 8)
	if got := names(t, ix, del.Name); got[del.ProductID] != "" {
		t.Errorf("deleted %s still found by its name", del.ProductID)
	}
	for _, k := range []shopgraph.ProductKey{del.Key(), {Category: "books", ProductID: "NOPE"}} {
		if err := ix.Delete(ctx, k); err != nil {
			t.Errorf("delete %v: %v", k, err)
		}
	}
	if f := ix.Fingerprint(); f != search.FingerprintOf(items) {
		t.Errorf("fingerprint after the writes %v, catalog's %v", f, search.FingerprintOf(items))
	}
	if !ix.Current(search.FingerprintOf(items)) || ix.Current(search.FingerprintOf(cat.items)) {
		t.Error("Current does not follow the writes")
	}

	for name, err := range map[string]error{
		"upsert without id":       ix.Upsert(ctx, shopgraph.Product{Category: "books"}, true),
		"upsert without category": ix.Upsert(ctx, shopgraph.Product{ProductID: "X"}, true),
		"delete without id":       ix.Delete(ctx, shopgraph.ProductKey{Category: "books"}),
	} {
		if !shopgraph.IsCode(err, shopgraph.CodeBadRequest) {
			t.Errorf("%s: %v, want BadRequest", name, err)
		}
	}
}

func TestIndex_persistence(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "search")
	cat := newCatalog(1000)
	want := search.FingerprintOf(cat.items)

	ix, err := search.Open(dir, search.Options{CursorSecret: []byte(secret)})
	if err != nil {
		t.Fatal(err)
	}
	if ix.Current(want) || ix.Fingerprint() != (search.Fingerprint{}) {
		t.Fatal("a new index is current for a non-empty catalog")
	}
	fp, err := ix.Build(ctx, search.Items(cat.items), search.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fp != want || !ix.Current(want) {
		t.Fatalf("built fingerprint %v, catalog's %v", fp, want)
	}
	queries := []shopgraph.SearchQuery{
		{Text: "the", Limit: 50},
		{Text: "heaphones", Sort: shopgraph.SearchPriceAsc},
		{Text: "classic", Filter: shopgraph.SearchFilter{InStock: ptr(true)}, Sort: shopgraph.SearchNewest, Limit: 13},
	}
	var before []shopgraph.SearchPage
	for _, q := range queries {
		before = append(before, MustSearch(t, ix, q))
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := ix.Search(ctx, queries[0]); err == nil {
		t.Error("search after Close succeeded")
	}

	// Reopened: current for the same catalog, same answers, no build.
	start := time.Now()
	ix = MustOpen(t, dir)
	t.Logf("reopen with %d products: %v", len(cat.items), time.Since(start))
	if !ix.Current(want) {
		t.Fatalf("reopened index: fingerprint %v, catalog's %v", ix.Fingerprint(), want)
	}
	for i, q := range queries {
		got := MustSearch(t, ix, q)
		if !slices.Equal(got.Keys, before[i].Keys) || got.Total != before[i].Total || got.NextToken != before[i].NextToken {
			t.Errorf("%+v: other results after reopening", q)
		}
		// A token from before the restart still works.
		if before[i].NextToken != "" {
			q.NextToken = before[i].NextToken
			MustSearch(t, ix, q)
		}
	}

	// Writes persist with the fingerprint.
	items := slices.Clone(cat.items)
	items[3].Product.Name = "Persisted Renamed Thing"
	if err := ix.Upsert(ctx, items[3].Product, items[3].InStock); err != nil {
		t.Fatal(err)
	}
	if err := ix.Delete(ctx, items[4].Product.Key()); err != nil {
		t.Fatal(err)
	}
	items = slices.Delete(items, 4, 5)
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix = MustOpen(t, dir)
	if !ix.Current(search.FingerprintOf(items)) {
		t.Error("after writes and a restart the index is not current for the written catalog")
	}
	if got := names(t, ix, "persisted renamed"); len(got) != 1 {
		t.Errorf("renamed product after restart: %v", got)
	}

	// A rebuild switches generations and removes the old one.
	if _, err := ix.Build(ctx, search.Items(items[:100]), search.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var gens []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "index-") {
			gens = append(gens, e.Name())
		}
	}
	if len(gens) != 1 {
		t.Errorf("generations on disk after a rebuild: %v", gens)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix = MustOpen(t, dir)
	if !ix.Current(search.FingerprintOf(items[:100])) {
		t.Error("the rebuilt index is not current after a restart")
	}

	// A second process (here: a second Open) cannot use the directory.
	if _, err := search.Open(dir, search.Options{CursorSecret: []byte(secret)}); err == nil {
		t.Error("a second Open of an open directory succeeded")
	}
}

func TestIndex_Build(t *testing.T) {
	ctx := context.Background()
	cat := newCatalog(500)

	t.Run("progress", func(t *testing.T) {
		ix := MustOpen(t, "")
		var reports [][2]int
		fp, err := ix.Build(ctx, search.Items(cat.items), search.BuildOptions{
			Total: len(cat.items), BatchSize: 120,
			Progress: func(done, total int) { reports = append(reports, [2]int{done, total}) },
		})
		if err != nil {
			t.Fatal(err)
		}
		want := [][2]int{{120, 500}, {240, 500}, {360, 500}, {480, 500}, {500, 500}}
		if !slices.Equal(reports, want) {
			t.Errorf("progress %v, want %v", reports, want)
		}
		if fp != search.FingerprintOf(cat.items) {
			t.Error("Build's fingerprint is not the catalog's")
		}
		// Order does not matter to the fingerprint.
		rev := slices.Clone(cat.items)
		slices.Reverse(rev)
		if search.FingerprintOf(rev) != fp {
			t.Error("the fingerprint depends on the order")
		}
	})

	t.Run("failures keep the current content", func(t *testing.T) {
		dir := t.TempDir()
		ix := MustBuild(t, dir, cat.items[:50])
		fp := ix.Fingerprint()
		total := MustSearch(t, ix, shopgraph.SearchQuery{Text: "the"}).Total
		boom := errors.New("scan failed")
		failing := func(yield func(search.Item, error) bool) {
			for _, it := range cat.items[50:] {
				if !yield(it, nil) {
					return
				}
			}
			yield(search.Item{}, boom)
		}
		if _, err := ix.Build(ctx, failing, search.BuildOptions{BatchSize: 100}); !errors.Is(err, boom) {
			t.Errorf("build with a failing source: %v", err)
		}
		dup := append(slices.Clone(cat.items[:10]), cat.items[3])
		if _, err := ix.Build(ctx, search.Items(dup), search.BuildOptions{}); err == nil || !strings.Contains(err.Error(), "twice") {
			t.Errorf("build with a duplicate: %v", err)
		}
		bad := []search.Item{{Product: shopgraph.Product{ProductID: "X"}}}
		if _, err := ix.Build(ctx, search.Items(bad), search.BuildOptions{}); err == nil {
			t.Error("build with a product without category succeeded")
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := ix.Build(cctx, search.Items(cat.items), search.BuildOptions{BatchSize: 10}); !errors.Is(err, context.Canceled) {
			t.Errorf("build with a cancelled context: %v", err)
		}
		if ix.Fingerprint() != fp || MustSearch(t, ix, shopgraph.SearchQuery{Text: "the"}).Total != total {
			t.Error("a failed build changed the index")
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 2 { // CURRENT and one generation
			t.Errorf("left behind: %d entries", len(entries))
		}
	})

	t.Run("writes during a build are kept", func(t *testing.T) {
		ix := MustBuild(t, "", cat.items[:100])
		items := slices.Clone(cat.items)
		early, late := items[10], items[400]
		early.Product.Name, late.Product.Name = "Early Renamed Widget", "Late Renamed Widget"
		gone := items[200].Product.Key()
		source := func(yield func(search.Item, error) bool) {
			for i, it := range cat.items { // the catalog as read before the writes
				if i == 250 {
					// Writes land while the build runs: on the index being
					// served at once, and on the new one at the switch.
					for _, w := range []search.Item{early, late} {
						if err := ix.Upsert(ctx, w.Product, w.InStock); err != nil {
							t.Error(err)
						}
					}
					if err := ix.Delete(ctx, gone); err != nil {
						t.Error(err)
					}
					if got := names(t, ix, "early renamed widget"); len(got) != 1 {
						t.Errorf("during the build, the served index has %v", got)
					}
				}
				if !yield(it, nil) {
					return
				}
			}
		}
		fp, err := ix.Build(ctx, source, search.BuildOptions{BatchSize: 64})
		if err != nil {
			t.Fatal(err)
		}
		items[10], items[400] = early, late
		items = slices.Delete(items, 200, 201)
		if fp != search.FingerprintOf(items) || !ix.Current(fp) {
			t.Errorf("fingerprint %v, the written catalog's %v", fp, search.FingerprintOf(items))
		}
		for _, text := range []string{"early renamed widget", "late renamed widget"} {
			if got := names(t, ix, text); len(got) != 1 {
				t.Errorf("%q after the build: %v", text, got)
			}
		}
		if p := MustSearch(t, ix, shopgraph.SearchQuery{Text: cat.items[200].Product.Name, Limit: 100}); slices.Contains(ids(p.Keys), gone.ProductID) {
			t.Error("a product deleted during the build is back")
		}
	})

	t.Run("empty catalog", func(t *testing.T) {
		ix := MustBuild(t, t.TempDir(), cat.items[:20])
		fp, err := ix.Build(ctx, search.Items(nil), search.BuildOptions{})
		if err != nil || fp != (search.Fingerprint{}) {
			t.Fatalf("empty build: %v, %v", fp, err)
		}
		if p := MustSearch(t, ix, shopgraph.SearchQuery{Text: "the"}); p.Total != 0 || len(p.Facets.Categories) != 0 {
			t.Errorf("empty index: %+v", p)
		}
	})
}

// TestIndex_concurrency runs searches, suggestions, writes and a rebuild at
// once (for -race), and closes the index under them.
func TestIndex_concurrency(t *testing.T) {
	ctx := context.Background()
	cat := newCatalog(400)
	ix := MustBuild(t, t.TempDir(), cat.items)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 3 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := ix.Search(ctx, shopgraph.SearchQuery{Text: []string{"the", "wireless", "classic"}[(i+w)%3], Limit: 7}); err != nil {
					t.Error(err)
					return
				}
				if _, err := ix.Suggest(ctx, "vol", 5); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 40 {
			it := cat.items[i]
			it.Product.Name += " v2"
			if err := ix.Upsert(ctx, it.Product, !it.InStock); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var all iter.Seq2[search.Item, error] = search.Items(cat.items)
	if _, err := ix.Build(ctx, all, search.BuildOptions{BatchSize: 50}); err != nil {
		t.Error(err)
	}
	close(stop)
	wg.Wait()

	// Close while a build runs: the build stops, Close returns.
	slow := func(yield func(search.Item, error) bool) {
		for _, it := range cat.items {
			time.Sleep(100 * time.Microsecond)
			if !yield(it, nil) {
				return
			}
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := ix.Build(ctx, slow, search.BuildOptions{BatchSize: 10})
		done <- err
	}()
	time.Sleep(5 * time.Millisecond)
	if err := ix.Close(); err != nil {
		t.Error(err)
	}
	if err := <-done; err == nil {
		t.Error("a build survived Close")
	}
	if err := ix.Upsert(ctx, cat.items[0].Product, true); err == nil {
		t.Error("upsert after Close succeeded")
	}
}
