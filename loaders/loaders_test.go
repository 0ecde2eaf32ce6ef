package loaders_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/loaders"
)

// fakeStore records every batch it is asked for. It stands in for the
// DynamoDB store, which has its own contract tests; here the loaders are
// under test.
type fakeStore struct {
	mu        sync.Mutex
	batches   [][]string
	fail      atomic.Int32 // fail this many more calls
	whCalls   atomic.Int32
	invalid   bool // return the wrong number of inventories
	warehouse []shopgraph.Warehouse
}

func (f *fakeStore) record(keys []string) error {
	f.mu.Lock()
	f.batches = append(f.batches, slices.Clone(keys))
	f.mu.Unlock()
	if f.fail.Add(-1) >= 0 {
		return errors.New("throttled")
	}
	return nil
}

func (f *fakeStore) GetProducts(_ context.Context, keys []shopgraph.ProductKey) (map[shopgraph.ProductKey]shopgraph.Product, error) {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ProductID
	}
	if err := f.record(ids); err != nil {
		return nil, err
	}
	out := map[shopgraph.ProductKey]shopgraph.Product{}
	for _, k := range keys {
		if k.ProductID != "missing" {
			out[k] = shopgraph.Product{Category: k.Category, ProductID: k.ProductID, Name: "name-" + k.ProductID}
		}
	}
	return out, nil
}

func (f *fakeStore) GetInventory(_ context.Context, ids []string, whs []string) ([]shopgraph.Inventory, error) {
	if err := f.record(ids); err != nil {
		return nil, err
	}
	if f.invalid {
		return nil, nil
	}
	out := make([]shopgraph.Inventory, len(ids))
	for i, id := range ids {
		out[i] = shopgraph.Inventory{ProductID: id}
		for _, w := range whs {
			out[i].Warehouses = append(out[i].Warehouses, shopgraph.StockLevel{ProductID: id, Warehouse: w, Available: 1})
		}
	}
	return out, nil
}

func (f *fakeStore) Warehouses(context.Context) ([]shopgraph.Warehouse, error) {
	f.whCalls.Add(1)
	return f.warehouse, nil
}

func (f *fakeStore) ProductBySKU(context.Context, string) (shopgraph.Product, error) {
	panic("not used")
}
func (f *fakeStore) ListProducts(context.Context, shopgraph.ListProductsInput) (shopgraph.ProductPage, error) {
	panic("not used")
}
func (f *fakeStore) Categories(context.Context) ([]shopgraph.Category, error) { panic("not used") }

func newFake() *fakeStore {
	return &fakeStore{warehouse: []shopgraph.Warehouse{{Code: "A"}, {Code: "B"}}}
}

func newLoaders(f *fakeStore, cfg loaders.Config) *loaders.Loaders {
	return loaders.New(loaders.Stores{Catalog: f, Inventory: f}, cfg)
}

// loadConcurrently loads n products (ids p0..p{n-1}, each twice) from n
// goroutines, the way gqlgen resolves list items.
func loadConcurrently(t *testing.T, l *loaders.Loaders, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Go(func() {
			id := fmt.Sprintf("p%d", i%n)
			p, err := l.Product(context.Background(), shopgraph.ProductKey{Category: "c", ProductID: id})
			if err != nil || p.ProductID != id {
				t.Errorf("Product(%s) = %v, %v", id, p.ProductID, err)
			}
		})
	}
	wg.Wait()
}

func TestLoaders_Product_batchesUpToCapacity(t *testing.T) {
	f := newFake()
	// A generous window keeps the batch count deterministic on a loaded machine.
	loadConcurrently(t, newLoaders(f, loaders.Config{Wait: 200 * time.Millisecond}), 250)
	total, seen := 0, map[string]bool{}
	for _, b := range f.batches {
		if len(b) > loaders.MaxBatch {
			t.Errorf("batch of %d keys exceeds %d", len(b), loaders.MaxBatch)
		}
		for _, k := range b {
			if seen[k] {
				t.Errorf("key %s requested twice", k)
			}
			seen[k] = true
		}
		total += len(b)
	}
	if total != 250 || len(f.batches) != 3 {
		t.Errorf("got %d batches with %d keys, want 3 batches with 250 keys", len(f.batches), total)
	}
}

func TestLoaders_Disabled_oneRequestPerLoad(t *testing.T) {
	f := newFake()
	loadConcurrently(t, newLoaders(f, loaders.Config{Disabled: true}), 20)
	if len(f.batches) != 40 {
		t.Errorf("got %d requests, want 40 (one per load, no cache)", len(f.batches))
	}
}

func TestLoaders_Product_notFoundIsCached(t *testing.T) {
	f := newFake()
	l := newLoaders(f, loaders.Config{})
	key := shopgraph.ProductKey{Category: "c", ProductID: "missing"}
	for range 2 {
		_, err := l.Product(context.Background(), key)
		if !shopgraph.IsCode(err, shopgraph.CodeNotFound) {
			t.Fatalf("err = %v, want NotFound", err)
		}
	}
	if len(f.batches) != 1 {
		t.Errorf("got %d requests, want 1 (NotFound is cached)", len(f.batches))
	}
}

func TestLoaders_Product_transientErrorNotCached(t *testing.T) {
	f := newFake()
	f.fail.Store(1)
	l := newLoaders(f, loaders.Config{})
	key := shopgraph.ProductKey{Category: "c", ProductID: "p1"}
	if _, err := l.Product(context.Background(), key); err == nil || shopgraph.CodeOf(err) != shopgraph.CodeInternal {
		t.Fatalf("first load err = %v, want internal error", err)
	}
	p, err := l.Product(context.Background(), key)
	if err != nil || p.ProductID != "p1" {
		t.Fatalf("retry = %v, %v; want the product", p, err)
	}
	if len(f.batches) != 2 {
		t.Errorf("got %d requests, want 2", len(f.batches))
	}
}

func TestLoaders_Inventory_keyOrderAndWarehouses(t *testing.T) {
	f := newFake()
	l := newLoaders(f, loaders.Config{Wait: 200 * time.Millisecond})
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			id := fmt.Sprintf("p%d", i)
			inv, err := l.Inventory(context.Background(), id)
			if err != nil || inv.ProductID != id || len(inv.Warehouses) != 2 || inv.Available() != 2 {
				t.Errorf("Inventory(%s) = %+v, %v", id, inv, err)
			}
		})
	}
	wg.Wait()
	if len(f.batches) != 1 {
		t.Errorf("got %d inventory requests, want 1", len(f.batches))
	}
}

func TestLoaders_Inventory_wrongResultCountIsAnError(t *testing.T) {
	f := newFake()
	f.invalid = true
	_, err := newLoaders(f, loaders.Config{}).Inventory(context.Background(), "p1")
	if err == nil {
		t.Fatal("want an error when the store breaks the one-result-per-key contract")
	}
}

// TestLoaders_Inventory_stockCarriesItsWarehouse: each stock level comes
// with its warehouse's details, read once per batch (so the GraphQL field
// WarehouseStock.warehouse is a plain field, not a resolver per stock level).
func TestLoaders_Inventory_stockCarriesItsWarehouse(t *testing.T) {
	for _, cfg := range []loaders.Config{{}, {Disabled: true}} {
		f := newFake()
		f.warehouse = []shopgraph.Warehouse{{Code: "A", Name: "Alpha", Region: "eu"}, {Code: "B", Name: "Beta", Region: "us"}}
		inv, err := newLoaders(f, cfg).Inventory(context.Background(), "p1")
		if err != nil || len(inv.Warehouses) != 2 {
			t.Fatalf("Inventory(p1) = %+v, %v", inv, err)
		}
		for i, want := range f.warehouse {
			if got := inv.Warehouses[i]; got.Warehouse != want.Code || got.Site != want {
				t.Errorf("loaders %+v: stock level %d = %+v, want warehouse %+v", cfg, i, got, want)
			}
		}
	}
}

func TestLoaders_PrimeProducts(t *testing.T) {
	f := newFake()
	l := newLoaders(f, loaders.Config{})
	l.PrimeProducts(context.Background(), []shopgraph.Product{{Category: "c", ProductID: "p9", Name: "primed"}})
	p, err := l.Product(context.Background(), shopgraph.ProductKey{Category: "c", ProductID: "p9"})
	if err != nil || p.Name != "primed" || len(f.batches) != 0 {
		t.Fatalf("got %v, %v after %d requests; want the primed product and no request", p, err, len(f.batches))
	}
}

func TestFromContext(t *testing.T) {
	l := newLoaders(newFake(), loaders.Config{})
	if loaders.FromContext(loaders.NewContext(context.Background(), l)) != l {
		t.Fatal("FromContext did not return the loaders from NewContext")
	}
}

// TestLoaders_PrefetchInventory: a prefetch is one batch, made at once (no
// window), and later loads of those products cost nothing; a failed
// prefetch is not cached; with the loaders disabled it does nothing.
func TestLoaders_PrefetchInventory(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	l := newLoaders(f, loaders.Config{Wait: time.Hour}) // a Load alone would wait an hour
	l.PrefetchInventory(ctx, []string{"p2", "p1", "p2"})
	if len(f.batches) != 1 || !slices.Equal(f.batches[0], []string{"p1", "p2"}) {
		t.Fatalf("prefetch batches = %v, want one of p1, p2", f.batches)
	}
	for _, id := range []string{"p1", "p2"} {
		if inv, err := l.Inventory(ctx, id); err != nil || inv.ProductID != id {
			t.Errorf("Inventory(%s) after the prefetch = %+v, %v", id, inv, err)
		}
	}
	if len(f.batches) != 1 {
		t.Errorf("loads after the prefetch made %d more batches", len(f.batches)-1)
	}

	f = newFake()
	f.fail.Store(1)
	l = newLoaders(f, loaders.Config{Wait: time.Millisecond})
	l.PrefetchInventory(ctx, []string{"p1"})
	if inv, err := l.Inventory(ctx, "p1"); err != nil || inv.ProductID != "p1" || len(f.batches) != 2 {
		t.Errorf("after a failed prefetch: %+v, %v, %d batches (want the load to try again)", inv, err, len(f.batches))
	}

	f = newFake()
	newLoaders(f, loaders.Config{Disabled: true}).PrefetchInventory(ctx, []string{"p1"})
	if len(f.batches) != 0 {
		t.Errorf("disabled loaders prefetched: %v", f.batches)
	}
}

// TestLoaders_Products: several products are one batch, made at once (no
// window), deduplicated; missing products are absent, not errors; later
// loads of them cost nothing; a failure is the error and is not cached;
// with the loaders disabled, each product is its own request.
func TestLoaders_Products(t *testing.T) {
	ctx := context.Background()
	key := func(id string) shopgraph.ProductKey { return shopgraph.ProductKey{Category: "c", ProductID: id} }
	f := newFake()
	l := newLoaders(f, loaders.Config{Wait: time.Hour}) // a Load alone would wait an hour
	got, err := l.Products(ctx, []shopgraph.ProductKey{key("p2"), key("missing"), key("p1"), key("p2")})
	if err != nil || len(got) != 2 || got[key("p1")].Name != "name-p1" || got[key("p2")].Name != "name-p2" {
		t.Fatalf("Products = %v, %v; want p1 and p2", got, err)
	}
	if len(f.batches) != 1 || !slices.Equal(f.batches[0], []string{"p2", "missing", "p1"}) {
		t.Fatalf("batches = %v, want one of p2, missing, p1", f.batches)
	}
	for _, id := range []string{"p1", "p2"} {
		if p, err := l.Product(ctx, key(id)); err != nil || p.ProductID != id {
			t.Errorf("Product(%s) after Products = %+v, %v", id, p, err)
		}
	}
	if len(f.batches) != 1 {
		t.Errorf("loads after Products made %d more batches", len(f.batches)-1)
	}
	if got, err := l.Products(ctx, nil); err != nil || len(got) != 0 || len(f.batches) != 1 {
		t.Errorf("Products of no keys = %v, %v after %d batches; want nothing and no request", got, err, len(f.batches))
	}

	f = newFake()
	f.fail.Store(1)
	l = newLoaders(f, loaders.Config{Wait: time.Millisecond})
	if _, err := l.Products(ctx, []shopgraph.ProductKey{key("p1")}); shopgraph.CodeOf(err) != shopgraph.CodeInternal {
		t.Fatalf("Products with a failing store: %v, want the internal error", err)
	}
	if p, err := l.Product(ctx, key("p1")); err != nil || p.ProductID != "p1" || len(f.batches) != 2 {
		t.Errorf("after a failed Products: %+v, %v, %d batches (want the load to try again)", p, err, len(f.batches))
	}

	f = newFake()
	got, err = newLoaders(f, loaders.Config{Disabled: true}).Products(ctx, []shopgraph.ProductKey{key("p1"), key("missing"), key("p2")})
	if err != nil || len(got) != 2 || len(f.batches) != 3 {
		t.Errorf("disabled loaders: Products = %v, %v in %d requests; want p1 and p2 in 3", got, err, len(f.batches))
	}
}
