package shopgraph

import "context"

// CatalogWriter writes the catalog: the admin API's product mutations.
// Errors are *Error values with a domain code where the cause is known;
// anything else is internal.
type CatalogWriter interface {
	// PutProduct creates p, or replaces the product with p's key, keeping
	// the Categories table's product counts exact (a new product counts
	// one more in its category; the category is created when it has no
	// entry yet). It returns the product as stored and whether it was
	// new. A product whose SKU (product id) exists under another category
	// is a CodeConflict *Error: SKUs are unique across categories.
	PutProduct(ctx context.Context, p Product) (stored Product, created bool, err error)
	// DeleteProduct deletes the product with key, counting one less in
	// its category, and returns the product it deleted. A key with no
	// product is a CodeNotFound *Error.
	DeleteProduct(ctx context.Context, key ProductKey) (Product, error)
}

// CatalogScanner reads the whole catalog, for building the search index.
type CatalogScanner interface {
	// ScanProducts calls each for every product, in no particular order,
	// until each returns an error (which ScanProducts returns).
	ScanProducts(ctx context.Context, each func(Product) error) error
	// ScanStock calls each for every stock record (one product in one
	// warehouse; Site is left zero), in no particular order.
	ScanStock(ctx context.Context, each func(StockLevel) error) error
}

// CatalogChange says that a product's catalog entry or its stock changed
// (or that it was deleted). It carries only the key: whoever receives it
// reads the product and its stock again from the store, the source of
// truth, so changes can arrive late, twice or out of order without harm.
type CatalogChange struct {
	Key ProductKey `json:"key"`
	// Stock says that only the product's stock changed (a reservation or
	// a release): a receiver re-indexes it only if its being in stock is
	// not what its index says, which spares a read of the product.
	Stock bool `json:"stock,omitempty"`
}

// CatalogChangeBus tells every instance (this one included) of catalog
// changes, so that each keeps its own search index current: the in-process
// bus, or Redis pub/sub across instances.
type CatalogChangeBus interface {
	// Publish delivers c to every instance's handler. It does not wait
	// for the handlers.
	Publish(ctx context.Context, c CatalogChange) error
}

// ProductAdmin is the admin API's product mutations (a *CatalogDesk).
type ProductAdmin interface {
	// UpsertProduct validates and creates or replaces a product; the
	// search index follows.
	UpsertProduct(ctx context.Context, p Product) (Product, error)
	// DeleteProduct deletes a product and returns it; the search index
	// follows.
	DeleteProduct(ctx context.Context, key ProductKey) (Product, error)
}

var _ ProductAdmin = (*CatalogDesk)(nil)
