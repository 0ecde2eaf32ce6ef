// Package loaders holds the per-operation dataloaders that every parent→child
// edge of the GraphQL schema goes through, so that one GraphQL operation makes
// the fewest possible backend requests.
//
// Build a fresh *Loaders for every operation (and, on WebSockets, for every
// subscription event) with New, carry it in the context with NewContext, and
// read it in resolvers with FromContext. Loaders are never shared between
// operations: their caches are request-scoped.
//
// Batch contracts: one result per key, in key order; at most MaxBatch keys per
// batch (100, matching DynamoDB's BatchGetItem); the batch function runs with
// the context of the first Load in the batch window. Failed loads other than
// NotFound are not cached, so a retry within the same operation tries again.
package loaders

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/shopgraph/shopgraph"
)

// MaxBatch is the largest batch a loader hands to its store, the limit of one
// DynamoDB BatchGetItem.
const MaxBatch = 100

// DefaultWait is how long a loader collects keys before it dispatches a batch.
const DefaultWait = 2 * time.Millisecond

// Config tunes the loaders.
type Config struct {
	// Disabled turns batching and caching off: every Load becomes its own
	// backend request ("one request per field"). For benchmarks and
	// diagnosis only.
	Disabled bool
	// Wait is the batch window; 0 means DefaultWait.
	Wait time.Duration
}

// Stores are the ports the loaders read through.
type Stores struct {
	Catalog   shopgraph.CatalogStore
	Inventory shopgraph.InventoryStore
}

// Loaders is the set of loaders of one operation.
type Loaders struct {
	product   *dataloader.Loader[shopgraph.ProductKey, shopgraph.Product]
	inventory *dataloader.Loader[string, shopgraph.Inventory]
	// disabled: one request per Load, nothing cached (Config.Disabled).
	disabled bool
	// loadProduct and loadInventory are the loaders' batch functions, for
	// Products and PrefetchInventory.
	loadProduct   dataloader.BatchFunc[shopgraph.ProductKey, shopgraph.Product]
	loadInventory dataloader.BatchFunc[string, shopgraph.Inventory]
}

// New returns a fresh set of loaders for one operation.
func New(s Stores, cfg Config) *Loaders {
	prod, inv := productBatch(s.Catalog), inventoryBatch(s.Catalog, s.Inventory)
	return &Loaders{
		disabled:      cfg.Disabled,
		loadProduct:   prod,
		loadInventory: inv,
		product:       newLoader(cfg, prod),
		inventory:     newLoader(cfg, inv),
	}
}

func newLoader[K comparable, V any](cfg Config, fn dataloader.BatchFunc[K, V]) *dataloader.Loader[K, V] {
	wait := cfg.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	if cfg.Disabled {
		return dataloader.NewBatchedLoader(fn,
			dataloader.WithBatchCapacity[K, V](1),
			dataloader.WithCache[K, V](&dataloader.NoCache[K, V]{}),
			dataloader.WithWait[K, V](wait))
	}
	return dataloader.NewBatchedLoader(fn,
		dataloader.WithBatchCapacity[K, V](MaxBatch),
		dataloader.WithWait[K, V](wait))
}

// load runs one Load and drops a failed result from the cache unless the
// failure is permanent for this operation (NotFound), so that transient
// errors are not cached.
func load[K comparable, V any](ctx context.Context, l *dataloader.Loader[K, V], key K) (V, error) {
	v, err := l.Load(ctx, key)()
	if err != nil && !shopgraph.IsCode(err, shopgraph.CodeNotFound) {
		l.Clear(ctx, key)
	}
	return v, err
}

// Product loads a product by its full key. A missing product is a NotFound
// *shopgraph.Error.
func (l *Loaders) Product(ctx context.Context, key shopgraph.ProductKey) (shopgraph.Product, error) {
	return load(ctx, l.product, key)
}

// Products loads several products at once and returns those that exist: a
// missing product is simply absent from the map; any other failure is the
// error. Unlike Product it waits for no batch window: the keys
// (deduplicated) are fetched now, in one batch (one BatchGetItem per
// MaxBatch keys), and primed into the product cache, so the fields that
// later Load them cost nothing and, however the executor schedules them, a
// cart's products never straddle batch windows (as PrefetchInventory does
// for a listing's inventory). Products already cached are fetched again,
// fresh. With the loaders disabled, each product is its own request.
func (l *Loaders) Products(ctx context.Context, keys []shopgraph.ProductKey) (map[shopgraph.ProductKey]shopgraph.Product, error) {
	out := make(map[shopgraph.ProductKey]shopgraph.Product, len(keys))
	if l.disabled {
		for _, k := range keys {
			p, err := l.Product(ctx, k)
			if shopgraph.IsCode(err, shopgraph.CodeNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out[k] = p
		}
		return out, nil
	}
	seen := make(map[shopgraph.ProductKey]bool, len(keys))
	unique := make([]shopgraph.ProductKey, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			unique = append(unique, k)
		}
	}
	if len(unique) == 0 {
		return out, nil
	}
	for i, r := range l.loadProduct(ctx, unique) {
		switch {
		case r.Error == nil:
			l.product.Prime(ctx, unique[i], r.Data)
			out[unique[i]] = r.Data
		case shopgraph.IsCode(r.Error, shopgraph.CodeNotFound):
		default:
			return nil, r.Error
		}
	}
	return out, nil
}

// PrimeProducts seeds the product cache with products the operation already
// has (for example a listing page), so later loads of them cost nothing.
func (l *Loaders) PrimeProducts(ctx context.Context, products []shopgraph.Product) {
	for _, p := range products {
		l.product.Prime(ctx, p.Key(), p)
	}
}

// Inventory loads a product's stock across all warehouses.
func (l *Loaders) Inventory(ctx context.Context, productID string) (shopgraph.Inventory, error) {
	return load(ctx, l.inventory, productID)
}

// PrefetchInventory loads the stock of all these products (at most MaxBatch)
// in one batch now, without a batch window, and primes the inventory cache
// with what it found, so the fields that later Load them one by one cost
// nothing: a listing page's inventory fields would otherwise straddle batch
// windows under load. Failed loads are not primed (those fields load
// again). With the loaders disabled it does nothing: nothing is cached.
func (l *Loaders) PrefetchInventory(ctx context.Context, productIDs []string) {
	if l.disabled || len(productIDs) == 0 || len(productIDs) > MaxBatch {
		return
	}
	ids := slices.Clone(productIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for i, r := range l.loadInventory(ctx, ids) {
		if r.Error == nil {
			l.inventory.Prime(ctx, ids[i], r.Data)
		}
	}
}

func productBatch(store shopgraph.CatalogStore) dataloader.BatchFunc[shopgraph.ProductKey, shopgraph.Product] {
	return func(ctx context.Context, keys []shopgraph.ProductKey) []*dataloader.Result[shopgraph.Product] {
		found, err := store.GetProducts(ctx, keys)
		return results(keys, err, func(k shopgraph.ProductKey) (shopgraph.Product, error) {
			p, ok := found[k]
			if !ok {
				return p, shopgraph.Errorf(shopgraph.CodeNotFound, "product %s/%s not found", k.Category, k.ProductID)
			}
			return p, nil
		})
	}
}

func inventoryBatch(catalog shopgraph.CatalogStore, store shopgraph.InventoryStore) dataloader.BatchFunc[string, shopgraph.Inventory] {
	return func(ctx context.Context, ids []string) []*dataloader.Result[shopgraph.Inventory] {
		whs, err := catalog.Warehouses(ctx)
		if err != nil {
			return results[string, shopgraph.Inventory](ids, err, nil)
		}
		codes := make([]string, len(whs))
		byCode := make(map[string]shopgraph.Warehouse, len(whs))
		for i, w := range whs {
			codes[i] = w.Code
			byCode[w.Code] = w
		}
		inv, err := store.GetInventory(ctx, ids, codes)
		if err == nil && len(inv) != len(ids) {
			err = fmt.Errorf("inventory store returned %d results for %d products", len(inv), len(ids))
		}
		if err != nil {
			return results[string, shopgraph.Inventory](ids, err, nil)
		}
		out := make([]*dataloader.Result[shopgraph.Inventory], len(ids))
		for i := range ids {
			// Each stock level carries its warehouse, so that serving
			// WarehouseStock.warehouse is a field read, not a resolver run
			// per stock level.
			for j := range inv[i].Warehouses {
				inv[i].Warehouses[j].Site = byCode[inv[i].Warehouses[j].Warehouse]
			}
			out[i] = &dataloader.Result[shopgraph.Inventory]{Data: inv[i]}
		}
		return out
	}
}

// results builds one result per key, in key order: err for every key when
// the batch failed, otherwise what get returns for each key.
func results[K comparable, V any](keys []K, err error, get func(K) (V, error)) []*dataloader.Result[V] {
	out := make([]*dataloader.Result[V], len(keys))
	for i, k := range keys {
		if err != nil {
			out[i] = &dataloader.Result[V]{Error: err}
			continue
		}
		v, e := get(k)
		out[i] = &dataloader.Result[V]{Data: v, Error: e}
	}
	return out
}

type ctxKey struct{}

// NewContext returns a context carrying l.
func NewContext(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// FromContext returns the loaders carried by ctx. It panics when there are
// none: that is a wiring bug (the server builds loaders for every operation).
func FromContext(ctx context.Context) *Loaders {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		panic("loaders: no loaders in context; the server must install them per operation")
	}
	return l
}
