// Package seed generates shopgraph's demo catalog: warehouses, categories,
// products and stock levels that look like an online store's.
//
// Generation is deterministic: the same Options always give the same catalog
// (a fixed-seed PCG from math/rand/v2, no clock, no global state), so tests
// and benchmarks can seed a store and know exactly what is in it. Product i is
// the same whatever the catalog size; only which products are fully out of
// stock depends on the size (exactly OutOfStockShare of them, rounded).
//
// The package imports only the root package and the standard library; the
// composition root writes the catalog into a store (dynamo.Store.Seed).
package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/shopgraph/shopgraph"
)

// DefaultProducts is the catalog size when Options.Products is 0.
const DefaultProducts = 5000

// OutOfStockShare is the share of products that have no available unit in
// any warehouse.
const OutOfStockShare = 0.08

// ImageBaseURL is where generated product images are said to live:
// ImageBaseURL + "/<sku>/<n>.jpg".
const ImageBaseURL = "https://images.shopgraph.example"

// Currency is the currency of every generated price.
const Currency = "USD"

// Options configure Generate.
type Options struct {
	// Products is the number of products to generate; 0 means
	// DefaultProducts. Negative values generate none.
	Products int
}

// seedA is the fixed first PCG seed word; the second is the product index (or
// a per-purpose constant).
const seedA = 0x5eed_5409_9a4f_0001

// epochUnix is the earliest CreatedAt of a generated product
// (2024-01-02T09:00:00Z).
const epochUnix = 1704186000

// Generate returns the catalog for opts. It never fails and always returns
// the same catalog for the same opts.
//
// Warehouses are ordered by code and Categories by name. Products are in
// generation order (their SKUs count up across categories). Stock holds one
// StockLevel for every product in every warehouse, ordered by product (in
// Products order), then warehouse code.
func Generate(opts Options) shopgraph.CatalogSnapshot {
	n := opts.Products
	if n == 0 {
		n = DefaultProducts
	}
	n = max(n, 0)

	c := shopgraph.CatalogSnapshot{Warehouses: Warehouses()}
	c.Products = make([]shopgraph.Product, n)
	counts := make(map[string]int, len(categories))
	for i := range n {
		p := product(i)
		c.Products[i] = p
		counts[p.Category]++
	}
	for _, def := range categories { // categories is sorted by name
		c.Categories = append(c.Categories, shopgraph.Category{Name: def.name, ProductCount: counts[def.name]})
	}

	out := outOfStock(n)
	c.Stock = make([]shopgraph.StockLevel, 0, n*len(c.Warehouses))
	for i, p := range c.Products {
		c.Stock = append(c.Stock, stock(i, p.ProductID, c.Warehouses, out[i])...)
	}
	return c
}

// Warehouses returns the four warehouses every catalog has, by code.
func Warehouses() []shopgraph.Warehouse {
	return []shopgraph.Warehouse{
		{Code: "DFW1", Name: "Dallas-Fort Worth Fulfillment Center", Region: "us-east-2"},
		{Code: "FRA1", Name: "Frankfurt Fulfillment Center", Region: "eu-central-1"},
		{Code: "IAD1", Name: "Northern Virginia Fulfillment Center", Region: "us-east-1"},
		{Code: "SEA1", Name: "Seattle Fulfillment Center", Region: "us-west-2"},
	}
}

// CategoryNames returns the names of the generated categories, sorted.
func CategoryNames() []string {
	names := make([]string, len(categories))
	for i, c := range categories {
		names[i] = c.name
	}
	return names
}

// product generates product i (0-based) from its own PCG stream, so it does
// not depend on the catalog size.
func product(i int) shopgraph.Product {
	r := rand.New(rand.NewPCG(seedA, uint64(i)))
	def := pickCategory(r)
	sku := fmt.Sprintf("%s-%06d", def.prefix, i+1)
	k := def.kinds[r.IntN(len(def.kinds))]
	brand := def.brands[r.IntN(len(def.brands))]

	var name string
	if def.name == "books" {
		name = bookTitle(r)
	} else {
		name = brand + " " + pick(r, k.series) + " " + k.noun
	}
	dollars := k.minPrice + r.Int64N(k.maxPrice-k.minPrice+1)
	cents := [...]int64{99, 99, 99, 49, 95, 0}[r.IntN(6)]
	price := dollars*100 + cents
	if cents == 0 {
		price -= 1 // $x.99 instead of a round price
	}

	attrs := def.attributes(r, k)
	desc := describe(r, def, k, brand, attrs)

	images := make([]string, 1+r.IntN(3))
	for j := range images {
		images[j] = fmt.Sprintf("%s/%s/%d.jpg", ImageBaseURL, sku, j+1)
	}
	created := time.Unix(epochUnix, 0).UTC().Add(time.Duration(r.Int64N(500*24*3600)) * time.Second)
	updated := created
	if r.IntN(3) > 0 {
		updated = created.Add(time.Duration(1+r.Int64N(120*24*3600)) * time.Second)
	}
	return shopgraph.Product{
		Category:    def.name,
		ProductID:   sku,
		Name:        name,
		Description: desc,
		Brand:       brand,
		Price:       shopgraph.Money{Amount: price, Currency: Currency},
		Attributes:  attrs,
		Images:      images,
		CreatedAt:   created,
		UpdatedAt:   updated,
	}
}

func pickCategory(r *rand.Rand) *categoryDef {
	total := 0
	for i := range categories {
		total += categories[i].weight
	}
	x := r.IntN(total)
	for i := range categories {
		if x < categories[i].weight {
			return &categories[i]
		}
		x -= categories[i].weight
	}
	return &categories[len(categories)-1]
}

// outOfStock marks exactly round(n × OutOfStockShare) products, chosen by a
// seeded shuffle.
func outOfStock(n int) []bool {
	out := make([]bool, n)
	k := int(math.Round(float64(n) * OutOfStockShare))
	r := rand.New(rand.NewPCG(seedA, math.MaxUint64-uint64(n)))
	for _, i := range r.Perm(n)[:k] {
		out[i] = true
	}
	return out
}

// stock generates product i's level in each warehouse. An out-of-stock
// product has 0 available everywhere (some units may be reserved); any other
// has at least one unit somewhere and may have none in some warehouses.
func stock(i int, productID string, warehouses []shopgraph.Warehouse, out bool) []shopgraph.StockLevel {
	r := rand.New(rand.NewPCG(seedA^0xa11c, uint64(i)))
	levels := make([]shopgraph.StockLevel, len(warehouses))
	total := 0
	for j, w := range warehouses {
		l := shopgraph.StockLevel{ProductID: productID, Warehouse: w.Code, Version: 1 + r.Int64N(5)}
		switch {
		case out:
			l.Reserved = max(0, r.IntN(6)-3)
		case r.IntN(100) < 20: // none in this warehouse
		default:
			l.Available = 1 + r.IntN(240)
			l.Reserved = r.IntN(min(l.Available, 12) + 1)
		}
		total += l.Available
		levels[j] = l
	}
	if !out && total == 0 {
		levels[r.IntN(len(levels))].Available = 1 + r.IntN(40)
	}
	return levels
}

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// pickN returns n distinct elements of list in a random order, as []any
// (the shape product attributes use for lists).
func pickN(r *rand.Rand, list []string, n int) []any {
	out := make([]any, 0, n)
	for _, j := range r.Perm(len(list))[:min(n, len(list))] {
		out = append(out, list[j])
	}
	return out
}
