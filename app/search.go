package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"iter"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/events/redis"
	"github.com/shopgraph/shopgraph/search"
)

// SearchConfig configures the product search index.
type SearchConfig struct {
	// Dir is where the index is kept across restarts
	// (SHOPGRAPH_SEARCH_DIR); empty keeps it in memory (rebuilt at every
	// start).
	Dir string
}

// catalogScanner is what building the index reads (the dynamo store).
type catalogScanner interface {
	shopgraph.CatalogScanner
	shopgraph.CatalogWriter
}

// openSearch opens the index, brings it up to date with the catalog (a
// build, with progress logged, unless the index already holds exactly the
// catalog), and builds the catalog desk that keeps it current: product
// changes from the admin API and stock crossing zero here, and the changes
// of other instances through Redis when SHOPGRAPH_REDIS_URL is set.
func (a *App) openSearch(ctx, bg context.Context, cfg Config, store catalogScanner) error {
	log := cfg.Logger
	secret := cfg.CursorSecret
	if secret == nil {
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
	}
	ix, err := search.Open(cfg.Search.Dir, search.Options{CursorSecret: secret})
	if err != nil {
		return fmt.Errorf("open the search index in SHOPGRAPH_SEARCH_DIR %q: %w", cfg.Search.Dir, err)
	}
	a.Search = ix
	desk := &shopgraph.CatalogDesk{Catalog: a.Store, Inventory: a.Store, Writer: store, Search: ix, Logger: log, Now: cfg.Now}
	a.Catalogs = desk
	// Other instances' changes are followed from before the index is
	// checked against the catalog, so none falls in between.
	if cfg.Events.RedisURL != "" {
		var resyncing atomic.Bool
		resync := func() { // the changes made while Redis was away never arrive: check the whole index
			if !resyncing.CompareAndSwap(false, true) {
				return
			}
			go func() {
				defer resyncing.Store(false)
				if err := syncIndex(bg, ix, store, log); err != nil && bg.Err() == nil {
					log.Warn("search index: could not check the index against the catalog after Redis came back", "err", err)
				}
			}()
		}
		changes, err := redis.NewCatalogChanges(cfg.Events.RedisURL, func(ctx context.Context, c shopgraph.CatalogChange) {
			if err := desk.Follow(ctx, c); err != nil {
				log.Warn("search index: could not follow another instance's catalog change", "product", c.Key.ProductID, "err", err)
			}
		}, redis.CatalogOptions{Logger: log, OnResubscribed: resync})
		if err != nil {
			return err
		}
		a.catalogChanges, desk.Changes = changes, changes
		rctx, cancel := context.WithTimeout(ctx, redisReadyTimeout)
		defer cancel()
		if err := changes.Ready(rctx); err != nil {
			log.Warn("catalog changes: Redis is not reachable yet; other instances' changes reach this index once it is", "setting", redis.URLSetting, "error", err)
		}
	}
	return syncIndex(ctx, ix, store, log)
}

// syncIndex reads the whole catalog and rebuilds the index unless it holds
// exactly that catalog already.
func syncIndex(ctx context.Context, ix *search.Index, store shopgraph.CatalogScanner, log *slog.Logger) error {
	start := time.Now()
	items, err := catalogItems(ctx, store)
	if err != nil {
		return fmt.Errorf("read the catalog for the search index: %w", err)
	}
	fp := search.FingerprintOf(items)
	if ix.Current(fp) {
		log.Info("search index is up to date with the catalog", "products", len(items), "checked_in", time.Since(start).Round(time.Millisecond))
		return nil
	}
	log.Info("building the search index", "products", len(items), "was", ix.Fingerprint().Len())
	built := time.Now()
	last := time.Now()
	// The catalog is read again once the build has begun: the index's
	// writes from then on are replayed on the new index, so a change made
	// after the first read is in one or the other.
	fp, err = ix.Build(ctx, rescan(ctx, store), search.BuildOptions{Total: len(items), Progress: func(done, total int) {
		if done == total || time.Since(last) >= 2*time.Second {
			last = time.Now()
			log.Info("building the search index", "indexed", done, "of", total)
		}
	}})
	if err != nil {
		return err
	}
	log.Info("search index built", "products", fp.Len(), "took", time.Since(built).Round(time.Millisecond))
	return nil
}

// rescan reads the catalog when Build starts iterating.
func rescan(ctx context.Context, store shopgraph.CatalogScanner) iter.Seq2[search.Item, error] {
	return func(yield func(search.Item, error) bool) {
		items, err := catalogItems(ctx, store)
		if err != nil {
			yield(search.Item{}, err)
			return
		}
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}
}

// catalogItems is every product with whether it is in stock: one scan of
// Products and one of Inventory.
func catalogItems(ctx context.Context, store shopgraph.CatalogScanner) ([]search.Item, error) {
	available := map[string]int{}
	if err := store.ScanStock(ctx, func(l shopgraph.StockLevel) error {
		available[l.ProductID] += l.Available
		return nil
	}); err != nil {
		return nil, err
	}
	var items []search.Item
	err := store.ScanProducts(ctx, func(p shopgraph.Product) error {
		items = append(items, search.Item{Product: p, InStock: available[p.ProductID] > 0})
		return nil
	})
	return items, err
}
