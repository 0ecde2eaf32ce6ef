package shopgraph

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bounds of an admin's product input.
const (
	MaxProductName        = 200
	MaxProductBrand       = 100
	MaxProductCategory    = 100
	MaxProductSKU         = 64
	MaxProductDescription = 5000
	MaxProductImages      = 20
	MaxProductAttributes  = 50
	// MaxProductAttributesBytes bounds the attributes as JSON text, well
	// inside DynamoDB's 400 KB item.
	MaxProductAttributesBytes = 32 << 10
	// MaxProductPrice is the dearest accepted price, in minor units.
	MaxProductPrice = 1<<31 - 1 // GraphQL's Int is 32-bit
)

// StockWatcher is told when the stock of products changed (a reservation
// or a release), so that whatever depends on whether they are in stock
// (the search index's inStock) can follow. It never fails the change: it
// logs what it could not do.
type StockWatcher interface {
	StockChanged(ctx context.Context, keys []ProductKey)
}

// CatalogDesk is where admins change the catalog and where the search
// index is kept current: each product change is written to the catalog
// store first, then to this instance's index, then announced on the change
// bus so that every instance's index follows.
type CatalogDesk struct {
	Catalog   CatalogStore
	Inventory InventoryStore
	Writer    CatalogWriter
	Search    ProductSearch
	// Changes announces changes to every instance (nil: this one only).
	Changes CatalogChangeBus
	Logger  *slog.Logger
	Now     func() time.Time

	// stripes order, per product, a write to the catalog and the index
	// write that follows it against other writes and refreshes of that
	// product on this instance, so that an older version read or written
	// earlier never lands in the index after a newer one.
	stripes [64]sync.Mutex
}

// lock locks the stripes of keys (in stripe order, so two callers never
// wait on each other crosswise) and returns the unlock.
func (d *CatalogDesk) lock(keys []ProductKey) func() {
	var held []int
	for _, k := range keys {
		h := fnv.New32a()
		_, _ = h.Write([]byte(k.ProductID))
		held = append(held, int(h.Sum32()%uint32(len(d.stripes))))
	}
	slices.Sort(held)
	held = slices.Compact(held)
	for _, i := range held {
		d.stripes[i].Lock()
	}
	return func() {
		for _, i := range held {
			d.stripes[i].Unlock()
		}
	}
}

var _ StockWatcher = (*CatalogDesk)(nil)

func (d *CatalogDesk) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *CatalogDesk) log() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// CheckProduct validates an admin's product: the key, name and price are
// required; every text within its bound; the price in the store's
// Currency; image URLs absolute http(s). The reason is a BadRequest *Error.
func CheckProduct(p Product) error {
	bad := func(format string, args ...any) error { return Errorf(CodeBadRequest, format, args...) }
	if err := checkText("category", p.Category, 1, MaxProductCategory); err != nil {
		return err
	}
	if err := checkText("sku", p.ProductID, 1, MaxProductSKU); err != nil {
		return err
	}
	if strings.ContainsFunc(p.ProductID, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.'))
	}) {
		return bad("sku %q: only ASCII letters, digits, '-', '_' and '.' are allowed", p.ProductID)
	}
	if err := checkText("name", p.Name, 1, MaxProductName); err != nil {
		return err
	}
	if err := checkText("brand", p.Brand, 0, MaxProductBrand); err != nil {
		return err
	}
	if err := checkText("description", p.Description, 0, MaxProductDescription); err != nil {
		return err
	}
	if p.Price.Currency != Currency {
		return bad("price.currency must be %s (the store's currency), got %q", Currency, p.Price.Currency)
	}
	if p.Price.Amount < 0 || p.Price.Amount > MaxProductPrice {
		return bad("price.amount must be 0..%d (minor units), got %d", int64(MaxProductPrice), p.Price.Amount)
	}
	if len(p.Images) > MaxProductImages {
		return bad("at most %d images, got %d", MaxProductImages, len(p.Images))
	}
	for i, img := range p.Images {
		u, err := url.Parse(img)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(img) > 2048 {
			return bad("images[%d] must be an absolute http(s) URL of at most 2048 bytes", i)
		}
	}
	if len(p.Attributes) > MaxProductAttributes {
		return bad("at most %d attributes, got %d", MaxProductAttributes, len(p.Attributes))
	}
	for k := range p.Attributes {
		if err := checkText("attribute name", k, 1, 100); err != nil {
			return err
		}
	}
	if b, err := json.Marshal(p.Attributes); err != nil || len(b) > MaxProductAttributesBytes {
		return bad("attributes must be a JSON object of at most %d bytes", MaxProductAttributesBytes)
	}
	return nil
}

// checkText checks one text field: valid UTF-8, no control characters,
// not only white space when required, and min..max characters.
func checkText(what, s string, minLen, maxLen int) error {
	n := utf8.RuneCountInString(s)
	switch {
	case !utf8.ValidString(s):
		return Errorf(CodeBadRequest, "%s is not valid UTF-8", what)
	case minLen > 0 && strings.TrimSpace(s) == "":
		return Errorf(CodeBadRequest, "%s must not be empty", what)
	case n > maxLen:
		return Errorf(CodeBadRequest, "%s must be at most %d characters, got %d", what, maxLen, n)
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }):
		return Errorf(CodeBadRequest, "%s must not contain control characters", what)
	}
	return nil
}

// UpsertProduct creates or replaces a product (admin): it validates p,
// writes it to the catalog, indexes it here and announces the change. The
// product's times are the store's: CreatedAt is kept for a replaced
// product, and UpdatedAt is now. The catalog write is what counts: an
// index that could not follow is logged (the announcement retries it on
// every instance), not reported to the admin.
func (d *CatalogDesk) UpsertProduct(ctx context.Context, p Product) (Product, error) {
	if err := CheckProduct(p); err != nil {
		return Product{}, err
	}
	p.CreatedAt, p.UpdatedAt = time.Time{}, d.now().UTC()
	unlock := d.lock([]ProductKey{p.Key()})
	stored, _, err := d.Writer.PutProduct(ctx, p)
	if err != nil {
		unlock()
		return Product{}, err
	}
	d.indexChange(ctx, []ProductKey{stored.Key()}, []Product{stored})
	unlock()
	d.announce(ctx, []ProductKey{stored.Key()})
	return stored, nil
}

// DeleteProduct deletes a product (admin) from the catalog and the
// index, and announces the change. Its stock records stay.
func (d *CatalogDesk) DeleteProduct(ctx context.Context, key ProductKey) (Product, error) {
	unlock := d.lock([]ProductKey{key})
	p, err := d.Writer.DeleteProduct(ctx, key)
	if err != nil {
		unlock()
		return Product{}, err
	}
	d.indexChange(ctx, []ProductKey{key}, nil)
	unlock()
	d.announce(ctx, []ProductKey{key})
	return p, nil
}

// indexChange indexes the changed products here (products: the keys'
// current versions, those absent deleted); the caller holds their stripes.
func (d *CatalogDesk) indexChange(ctx context.Context, keys []ProductKey, products []Product) {
	if err := d.index(ctx, keys, products); err != nil {
		d.log().ErrorContext(ctx, "search index: could not follow a catalog change", "products", keyList(keys), "err", err)
	}
}

func (d *CatalogDesk) announce(ctx context.Context, keys []ProductKey) {
	if d.Changes == nil {
		return
	}
	for _, k := range keys {
		if err := d.Changes.Publish(context.WithoutCancel(ctx), CatalogChange{Key: k}); err != nil {
			d.log().WarnContext(ctx, "could not announce a catalog change to the other instances", "product", k.ProductID, "err", err)
		}
	}
}

// Refresh brings this instance's index up to date with the catalog for
// keys: the handler of announced changes. It reads the products and their
// stock again (one BatchGetItem each, at most 100 keys) and indexes them,
// or removes those that no longer exist.
func (d *CatalogDesk) Refresh(ctx context.Context, keys []ProductKey) error {
	defer d.lock(keys)()
	return d.refresh(ctx, keys)
}

// refresh is Refresh with the keys' stripes held.
func (d *CatalogDesk) refresh(ctx context.Context, keys []ProductKey) error {
	found, err := d.Catalog.GetProducts(ctx, keys)
	if err != nil {
		return fmt.Errorf("read products %s: %w", keyList(keys), err)
	}
	products := make([]Product, 0, len(found))
	for _, k := range keys {
		if p, ok := found[k]; ok {
			products = append(products, p)
		}
	}
	return d.index(ctx, keys, products)
}

// index upserts products (reading their stock) and deletes the keys
// absent from them.
func (d *CatalogDesk) index(ctx context.Context, keys []ProductKey, products []Product) error {
	present := make(map[ProductKey]bool, len(products))
	ids := make([]string, len(products))
	for i, p := range products {
		present[p.Key()] = true
		ids[i] = p.ProductID
	}
	for _, k := range keys {
		if !present[k] {
			if err := d.Search.Delete(ctx, k); err != nil {
				return fmt.Errorf("remove product %s from the index: %w", k.ProductID, err)
			}
		}
	}
	if len(products) == 0 {
		return nil
	}
	inv, err := d.stock(ctx, ids)
	if err != nil {
		return err
	}
	for i, p := range products {
		if err := d.Search.Upsert(ctx, p, inv[i].InStock()); err != nil {
			return fmt.Errorf("index product %s: %w", p.ProductID, err)
		}
	}
	return nil
}

func (d *CatalogDesk) stock(ctx context.Context, ids []string) ([]Inventory, error) {
	whs, err := d.Catalog.Warehouses(ctx)
	if err != nil {
		return nil, fmt.Errorf("list warehouses: %w", err)
	}
	codes := make([]string, len(whs))
	for i, w := range whs {
		codes[i] = w.Code
	}
	inv, err := d.Inventory.GetInventory(ctx, ids, codes)
	if err != nil {
		return nil, fmt.Errorf("read the stock of %d products: %w", len(ids), err)
	}
	return inv, nil
}

// StockChanged implements StockWatcher: it reads the products' stock (one
// BatchGetItem) and, for those whose being in stock is not what the index
// says, re-indexes them and announces the change. Failures are logged.
func (d *CatalogDesk) StockChanged(ctx context.Context, keys []ProductKey) {
	if err := d.followStock(ctx, keys, true); err != nil {
		d.log().WarnContext(ctx, "search index: could not follow a stock change", "products", keyList(keys), "err", err)
	}
}

// Follow is the handler of announced changes: Refresh, or for a stock
// change only the products whose being in stock the index has wrong.
func (d *CatalogDesk) Follow(ctx context.Context, c CatalogChange) error {
	if c.Stock {
		return d.followStock(ctx, []ProductKey{c.Key}, false)
	}
	return d.Refresh(ctx, []ProductKey{c.Key})
}

func (d *CatalogDesk) followStock(ctx context.Context, keys []ProductKey, announce bool) error {
	unlock := d.lock(keys)
	flipped, err := d.stockFlips(ctx, keys)
	if err == nil && len(flipped) > 0 {
		err = d.refresh(ctx, flipped)
	}
	unlock()
	if err == nil && announce {
		d.announce(ctx, flipped)
	}
	return err
}

// stockFlips returns the keys whose being in stock is not what the index
// says; the caller holds their stripes.
func (d *CatalogDesk) stockFlips(ctx context.Context, keys []ProductKey) ([]ProductKey, error) {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.ProductID
	}
	indexed, err := d.Search.StockFlags(ctx, ids)
	if err != nil {
		return nil, err
	}
	inv, err := d.stock(ctx, ids)
	if err != nil {
		return nil, err
	}
	var flipped []ProductKey
	for i, k := range keys {
		if was, ok := indexed[k.ProductID]; ok && was != inv[i].InStock() {
			flipped = append(flipped, k)
		}
	}
	return flipped, nil
}

// StockAnnouncer is the StockWatcher of a process without a search index
// (the tasks Lambda): it announces each product whose stock changed as a
// stock change, and every instance checks its own index.
type StockAnnouncer struct {
	Changes CatalogChangeBus
	Logger  *slog.Logger
}

// StockChanged implements StockWatcher.
func (s *StockAnnouncer) StockChanged(ctx context.Context, keys []ProductKey) {
	for _, k := range keys {
		if err := s.Changes.Publish(context.WithoutCancel(ctx), CatalogChange{Key: k, Stock: true}); err != nil && s.Logger != nil {
			s.Logger.WarnContext(ctx, "could not announce a stock change to the servers' search indexes", "product", k.ProductID, "err", err)
		}
	}
}

func keyList(keys []ProductKey) string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.Category + "/" + k.ProductID
	}
	return strings.Join(ids, ",")
}
