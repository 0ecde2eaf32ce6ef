package dynamo

import (
	"context"
	"fmt"

	"github.com/shopgraph/shopgraph"
)

// Seed writes c with BatchWriteItem puts, 25 items per request, a few
// requests at a time, retrying UnprocessedItems with backoff. It is
// idempotent: items are replaced whole, and an item given twice is written
// once (the last one wins). progress, when not nil, is called after every
// chunk of 25 is written (retries included), with the number of items written
// so far and the total, never concurrently. Seed invalidates the Categories
// and Warehouses caches, also when it fails part-way (earlier chunks stay
// written). Invalid data (an empty key, an attribute that cannot be
// marshalled) fails before anything is written.
func (s *Store) Seed(ctx context.Context, c shopgraph.CatalogSnapshot, progress func(done, total int)) error {
	defer s.invalidate()
	var reqs []writeRequest
	index := map[string]int{} // table + key → position in reqs
	add := func(table, key string, it item, err error) error {
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		k := table + "\x00" + key
		if i, dup := index[k]; dup {
			reqs[i].item = it
			return nil
		}
		index[k] = len(reqs)
		reqs = append(reqs, writeRequest{table: table, item: it})
		return nil
	}
	for _, w := range c.Warehouses {
		it, err := marshalWarehouse(w)
		if err := add(s.tables.Warehouses, w.Code, it, err); err != nil {
			return err
		}
	}
	for _, cat := range c.Categories {
		it, err := marshalCategory(cat)
		if err := add(s.tables.Categories, cat.Name, it, err); err != nil {
			return err
		}
	}
	for _, p := range c.Products {
		it, err := marshalProduct(p)
		if err := add(s.tables.Products, p.Category+"\x00"+p.ProductID, it, err); err != nil {
			return err
		}
	}
	for _, l := range c.Stock {
		it, err := marshalStock(l)
		if err := add(s.tables.Inventory, l.ProductID+"\x00"+l.Warehouse, it, err); err != nil {
			return err
		}
	}
	if err := batchWrite(ctx, s.api, s.backoff, reqs, progress); err != nil {
		return fmt.Errorf("seed %d items: %w", len(reqs), err)
	}
	return nil
}

// invalidate drops the cached categories and warehouses.
func (s *Store) invalidate() {
	s.categories.invalidate()
	s.warehouses.invalidate()
}
