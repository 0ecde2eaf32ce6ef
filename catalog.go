package shopgraph

import (
	"context"
	"time"
)

// Money is an amount in minor units (cents) of an ISO 4217 currency. It is
// never a float.
type Money struct {
	Amount   int64
	Currency string
}

// ProductKey is the full table key of a product: its category (partition key)
// and its product id (sort key, also the product's SKU).
type ProductKey struct {
	Category  string
	ProductID string
}

// Product is a catalog entry.
type Product struct {
	Category    string
	ProductID   string // the SKU
	Name        string
	Description string
	Brand       string
	Price       Money
	// Attributes are free-form product attributes (colour, size, weight…).
	// Values are JSON-compatible: string, float64, bool, []any, map[string]any.
	Attributes map[string]any
	Images     []string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Key returns the product's full table key.
func (p Product) Key() ProductKey { return ProductKey{Category: p.Category, ProductID: p.ProductID} }

// ProductPage is one page of a category listing. NextToken is empty on the
// last page; otherwise it is an opaque, tamper-evident token for the next page.
type ProductPage struct {
	Items     []Product
	NextToken string
}

// Category is a product category with the number of products in it.
type Category struct {
	Name         string
	ProductCount int
}

// Warehouse is a stock location.
type Warehouse struct {
	Code   string
	Name   string
	Region string
}

// StockLevel is the stock of one product in one warehouse.
type StockLevel struct {
	ProductID string
	Warehouse string // warehouse code
	// Site is the warehouse's details. The inventory loader fills it from
	// the warehouses it read the stock for (so it is always known there);
	// stores leave it zero.
	Site      Warehouse
	Available int
	Reserved  int
	Version   int64
}

// Inventory is a product's stock across all warehouses that hold a stock
// record for it. Warehouses is ordered by warehouse code.
type Inventory struct {
	ProductID  string
	Warehouses []StockLevel
}

// Available is the total number of units available across warehouses.
func (i Inventory) Available() int {
	n := 0
	for _, w := range i.Warehouses {
		n += w.Available
	}
	return n
}

// InStock reports whether at least one unit is available somewhere.
func (i Inventory) InStock() bool { return i.Available() > 0 }

// CatalogSnapshot is a whole catalog at once: what the demo catalog
// generator produces and what a store's Seed loads.
type CatalogSnapshot struct {
	Warehouses []Warehouse
	Categories []Category
	Products   []Product
	Stock      []StockLevel
}

// ListProductsInput selects one page of a category listing.
type ListProductsInput struct {
	Category  string
	Limit     int    // 1..MaxPageSize; callers validate
	NextToken string // "" for the first page
}

// Page size bounds for listings.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// CatalogStore reads products, categories and warehouses.
//
// All methods are safe for concurrent use. Errors are *Error values with a
// domain code where the cause is known (NotFound, BadRequest); anything else
// is an internal error.
type CatalogStore interface {
	// GetProducts fetches products by full key. The result holds only the
	// products that exist; a missing key is simply absent (not an error).
	// Duplicate keys are allowed and fetched once.
	GetProducts(ctx context.Context, keys []ProductKey) (map[ProductKey]Product, error)
	// ProductBySKU finds a product by its SKU (product id). It returns a
	// NotFound *Error when no product has that SKU.
	ProductBySKU(ctx context.Context, sku string) (Product, error)
	// ListProducts returns one page of a category, ordered by product id. A
	// forged, truncated or other-category NextToken is a BadRequest *Error.
	ListProducts(ctx context.Context, in ListProductsInput) (ProductPage, error)
	// Categories lists all categories with their product counts, by name.
	Categories(ctx context.Context) ([]Category, error)
	// Warehouses lists all warehouses, by code.
	Warehouses(ctx context.Context) ([]Warehouse, error)
}

// InventoryStore reads stock levels.
type InventoryStore interface {
	// GetInventory returns the stock of each product in each of the given
	// warehouses: one Inventory per product id, in the order given, with one
	// StockLevel per warehouse that has a record (ordered by warehouse code).
	// Duplicate product ids are allowed and fetched once.
	GetInventory(ctx context.Context, productIDs []string, warehouses []string) ([]Inventory, error)
}
