package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/shopgraph/shopgraph"
)

// invKey is one Inventory key.
type invKey struct{ productID, warehouse string }

// GetInventory fetches the stock of every product in every given warehouse
// with BatchGetItem (product × warehouse keys, deduplicated, 100 per request,
// requests in parallel, unprocessed keys retried like GetProducts). It
// returns one Inventory per input product id, in input order (duplicates
// included), each listing the levels that exist, ordered by warehouse code;
// a product or warehouse without a record contributes no level. With no
// warehouses, or no product ids, it makes no request.
func (s *Store) GetInventory(ctx context.Context, productIDs []string, warehouses []string) ([]shopgraph.Inventory, error) {
	whs := make([]string, 0, len(warehouses))
	for _, w := range warehouses {
		if validSortKey(w) {
			whs = append(whs, w)
		}
	}
	slices.Sort(whs)
	whs = slices.Compact(whs)

	keys := make([]invKey, 0, len(productIDs)*len(whs))
	for _, id := range productIDs {
		if !validPartitionKey(id) {
			continue
		}
		for _, w := range whs {
			keys = append(keys, invKey{id, w})
		}
	}
	items, err := batchGet(ctx, s.api, s.backoff, s.tables.Inventory, keys, func(k invKey) item {
		return inventoryKey(k.productID, k.warehouse)
	})
	if err != nil {
		return nil, fmt.Errorf("batch get inventory (%d products × %d warehouses): %w", len(productIDs), len(whs), err)
	}
	levels := make(map[string][]shopgraph.StockLevel, len(productIDs))
	for _, it := range items {
		l, err := unmarshalStock(it)
		if err != nil {
			return nil, fmt.Errorf("batch get inventory: %w", err)
		}
		levels[l.ProductID] = append(levels[l.ProductID], l)
	}
	out := make([]shopgraph.Inventory, len(productIDs))
	for i, id := range productIDs {
		ls := slices.Clone(levels[id])
		slices.SortFunc(ls, func(a, b shopgraph.StockLevel) int { return strings.Compare(a.Warehouse, b.Warehouse) })
		out[i] = shopgraph.Inventory{ProductID: id, Warehouses: ls}
	}
	return out, nil
}
