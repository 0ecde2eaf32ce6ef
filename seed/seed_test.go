package seed_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/seed"
)

// fingerprint100 pins the generator's output for 100 products.
const fingerprint100 = "595420591b2b82b7" // changed with StockLevel.Site (a new zero field in %+v), not the generator

func TestGenerate_deterministic(t *testing.T) {
	for _, n := range []int{1, 60, 1000} {
		a, b := seed.Generate(seed.Options{Products: n}), seed.Generate(seed.Options{Products: n})
		if !reflect.DeepEqual(a, b) {
			t.Errorf("n=%d: two runs differ", n)
		}
	}
	// Product i does not depend on the catalog size.
	small, big := seed.Generate(seed.Options{Products: 50}), seed.Generate(seed.Options{Products: 500})
	if !reflect.DeepEqual(small.Products, big.Products[:50]) {
		t.Error("the first 50 products of a 500-product catalog differ from a 50-product catalog")
	}
	// Pin a fingerprint so an accidental change of the generator is noticed
	// (the embedded default and every test catalog change with it).
	sum := sha256.Sum256(fmt.Appendf(nil, "%+v", seed.Generate(seed.Options{Products: 100})))
	if got := hex.EncodeToString(sum[:8]); got != fingerprint100 {
		t.Errorf("the 100-product catalog's fingerprint is %s, was %s: update fingerprint100 if the change is intended", got, fingerprint100)
	}
}

func TestGenerate_defaultSize(t *testing.T) {
	c := seed.Generate(seed.Options{})
	if len(c.Products) != seed.DefaultProducts || len(c.Stock) != 4*seed.DefaultProducts {
		t.Errorf("default catalog has %d products and %d stock levels, want %d and %d",
			len(c.Products), len(c.Stock), seed.DefaultProducts, 4*seed.DefaultProducts)
	}
	if n := len(seed.Generate(seed.Options{Products: -3}).Products); n != 0 {
		t.Errorf("negative size generated %d products", n)
	}
}

func TestGenerate_counts(t *testing.T) {
	const n = 5000
	c := seed.Generate(seed.Options{Products: n})
	if len(c.Products) != n {
		t.Fatalf("%d products, want %d", len(c.Products), n)
	}
	if len(c.Warehouses) != 4 {
		t.Fatalf("%d warehouses, want 4", len(c.Warehouses))
	}
	if len(c.Categories) < 8 {
		t.Errorf("%d categories, want at least 8", len(c.Categories))
	}
	if !slices.IsSortedFunc(c.Categories, func(a, b shopgraph.Category) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("categories are not sorted by name")
	}
	if !slices.IsSortedFunc(c.Warehouses, func(a, b shopgraph.Warehouse) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("warehouses are not sorted by code")
	}
	counts := map[string]int{}
	for _, p := range c.Products {
		counts[p.Category]++
	}
	total := 0
	for _, cat := range c.Categories {
		if cat.ProductCount != counts[cat.Name] {
			t.Errorf("category %s: ProductCount %d, generated %d", cat.Name, cat.ProductCount, counts[cat.Name])
		}
		if cat.ProductCount < n/20 {
			t.Errorf("category %s has only %d of %d products", cat.Name, cat.ProductCount, n)
		}
		total += cat.ProductCount
	}
	if total != n {
		t.Errorf("category counts add up to %d, want %d", total, n)
	}
	if !reflect.DeepEqual(seed.CategoryNames(), names(c.Categories)) {
		t.Errorf("CategoryNames() = %v, want %v", seed.CategoryNames(), names(c.Categories))
	}
}

func TestGenerate_stock(t *testing.T) {
	for _, n := range []int{25, 60, 5000} {
		c := seed.Generate(seed.Options{Products: n})
		if len(c.Stock) != 4*n {
			t.Fatalf("n=%d: %d stock levels, want %d", n, len(c.Stock), 4*n)
		}
		codes := []string{c.Warehouses[0].Code, c.Warehouses[1].Code, c.Warehouses[2].Code, c.Warehouses[3].Code}
		out, someZero := 0, 0
		for i, p := range c.Products {
			levels := c.Stock[4*i : 4*i+4]
			total, zeros := 0, 0
			for j, l := range levels {
				if l.ProductID != p.ProductID || l.Warehouse != codes[j] {
					t.Fatalf("n=%d: stock[%d] is %s/%s, want %s/%s", n, 4*i+j, l.ProductID, l.Warehouse, p.ProductID, codes[j])
				}
				if l.Available < 0 || l.Reserved < 0 || l.Version < 1 {
					t.Errorf("n=%d: bad level %+v", n, l)
				}
				total += l.Available
				if l.Available == 0 {
					zeros++
				}
			}
			if total == 0 {
				out++
			} else if zeros > 0 {
				someZero++
			}
		}
		want := int(float64(n)*seed.OutOfStockShare + 0.5)
		if out != want {
			t.Errorf("n=%d: %d products out of stock, want %d (%.0f%%)", n, out, want, 100*seed.OutOfStockShare)
		}
		if n >= 1000 && someZero < n/10 {
			t.Errorf("n=%d: only %d in-stock products have an empty warehouse", n, someZero)
		}
	}
}

func TestGenerate_idsAndFields(t *testing.T) {
	c := seed.Generate(seed.Options{Products: 5000})
	safe := regexp.MustCompile(`^[A-Z]{2}-[0-9]{6}$`)
	seen := map[string]bool{}
	for _, p := range c.Products {
		if !safe.MatchString(p.ProductID) {
			t.Fatalf("product id %q is not of the form XX-000000", p.ProductID)
		}
		if url.PathEscape(p.ProductID) != p.ProductID {
			t.Fatalf("product id %q is not URL-safe", p.ProductID)
		}
		if seen[p.ProductID] {
			t.Fatalf("duplicate product id %q", p.ProductID)
		}
		seen[p.ProductID] = true
		if p.Name == "" || p.Description == "" || p.Brand == "" || p.Category == "" {
			t.Fatalf("product %s lacks a field: %+v", p.ProductID, p)
		}
		if p.Price.Amount <= 0 || p.Price.Currency != "USD" {
			t.Fatalf("product %s price %+v", p.ProductID, p.Price)
		}
		if len(p.Images) < 1 || len(p.Images) > 3 {
			t.Fatalf("product %s has %d images", p.ProductID, len(p.Images))
		}
		for _, img := range p.Images {
			u, err := url.Parse(img)
			if err != nil || u.Scheme != "https" || u.Host == "" {
				t.Fatalf("product %s image %q is not an absolute https URL", p.ProductID, img)
			}
		}
		if len(p.Attributes) == 0 {
			t.Fatalf("product %s has no attributes", p.ProductID)
		}
		for k, v := range p.Attributes {
			if !jsonShaped(v) {
				t.Fatalf("product %s attribute %s = %#v (%T) is not string/float64/bool/[]any", p.ProductID, k, v, v)
			}
		}
		if p.CreatedAt.Location().String() != "UTC" || p.CreatedAt.Nanosecond() != 0 || p.UpdatedAt.Nanosecond() != 0 {
			t.Fatalf("product %s timestamps %v %v not UTC seconds", p.ProductID, p.CreatedAt, p.UpdatedAt)
		}
		if p.UpdatedAt.Before(p.CreatedAt) {
			t.Fatalf("product %s updated before it was created", p.ProductID)
		}
	}
}

func jsonShaped(v any) bool {
	switch v := v.(type) {
	case string, float64, bool:
		return true
	case []any:
		for _, x := range v {
			if !jsonShaped(x) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, x := range v {
			if !jsonShaped(x) {
				return false
			}
		}
		return true
	}
	return false
}

func names(cs []shopgraph.Category) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}
