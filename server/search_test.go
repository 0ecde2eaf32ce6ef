package server_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/events/redis"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/internal/redistest"
)

const searchQuery = `query S($q: String!, $f: SearchFilter, $s: SearchSort, $l: Int, $n: String) {
  search(query: $q, filter: $f, sort: $s, limit: $l, nextToken: $n) {
    total nextToken
    items { id sku name category brand price { amount currency } createdAt }
    facets { categories { value count } brands { value count } priceRanges { min max count } }
  }
}`

type searchItem struct {
	ID, Sku, Name, Category, Brand, CreatedAt string
	Price                                     money
}

type facetCount struct {
	Value string
	Count int
}

type searchView struct {
	Total     int
	NextToken *string
	Items     []searchItem
	Facets    struct {
		Categories, Brands []facetCount
		PriceRanges        []struct {
			Min, Max *int64
			Count    int
		}
	}
}

// search runs one search as the test app's default caller (alice).
func search(t *testing.T, a *apptest.App, vars map[string]any) searchView {
	t.Helper()
	r := a.Do(t, searchQuery, vars)
	wantNoErrors(t, r)
	return decodeField[searchView](t, r, "search")
}

func decodeField[T any](t *testing.T, r apptest.Response, field string) T {
	t.Helper()
	var v T
	raw, _ := json.Marshal(r.Data[field])
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v in %s", field, err, r.Raw)
	}
	return v
}

// searchAll walks every page of a search (limit per page) and returns the
// items in order, failing on a page that overlaps an earlier one.
func searchAll(t *testing.T, a *apptest.App, vars map[string]any, limit int) ([]searchItem, int) {
	t.Helper()
	vars = merged(vars, map[string]any{"l": limit})
	var all []searchItem
	seen := map[string]bool{}
	total := -1
	for page := 0; ; page++ {
		v := search(t, a, vars)
		if total >= 0 && v.Total != total {
			t.Fatalf("page %d: total %d, earlier pages said %d", page, v.Total, total)
		}
		total = v.Total
		for _, it := range v.Items {
			if seen[it.ID] {
				t.Fatalf("page %d repeats %s (%s)", page, it.Sku, it.Name)
			}
			seen[it.ID] = true
		}
		all = append(all, v.Items...)
		if v.NextToken == nil {
			break
		}
		if len(v.Items) != limit {
			t.Fatalf("page %d has %d items and a nextToken; want full pages before the last", page, len(v.Items))
		}
		vars = merged(vars, map[string]any{"n": *v.NextToken})
	}
	return all, total
}

func merged(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// TestSearch_relevance on the seeded catalog: an exact name ranks first, a
// typo still finds the product, every result matches the words.
func TestSearch_relevance(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 400})

	// Exact names first, whichever product.
	for _, i := range []int{0, 57, 213, 399} {
		p := a.Catalog.Products[i]
		v := search(t, a, map[string]any{"q": p.Name})
		if len(v.Items) == 0 || v.Items[0].Name != p.Name {
			t.Errorf("search %q: first result %+v, want the product of that name", p.Name, first(v.Items))
		}
	}

	// Typo tolerance: "heaphones" finds headphones, first.
	headphones := 0
	for _, p := range a.Catalog.Products {
		if strings.Contains(p.Name, "Headphones") {
			headphones++
		}
	}
	if headphones == 0 {
		t.Fatal("the seeded catalog has no headphones; pick another word")
	}
	v := search(t, a, map[string]any{"q": "heaphones", "l": 100})
	if v.Total < headphones || len(v.Items) == 0 || !strings.Contains(v.Items[0].Name, "Headphones") {
		t.Errorf(`search "heaphones": %d results, first %+v; want at least the %d headphones, one first`, v.Total, first(v.Items), headphones)
	}
	found := 0
	for _, it := range v.Items {
		if strings.Contains(it.Name, "Headphones") {
			found++
		}
	}
	if found != headphones {
		t.Errorf(`search "heaphones": %d of the %d headphones among the results`, found, headphones)
	}

	// Words a shopper types are words, not query syntax.
	for _, q := range []string{`"headphones`, `+headphones`, `name:headphones`, `headphones -x`, `head*`, `(headphones`, `headphones~`} {
		r := a.Do(t, searchQuery, map[string]any{"q": q})
		wantNoErrors(t, r)
	}
}

func first(items []searchItem) any {
	if len(items) == 0 {
		return "nothing"
	}
	return items[0]
}

// TestSearch_filtersSortsPages: each filter narrows to exactly what it
// says (its count is the facet's count of the unfiltered search), sorts are
// ordered, and walking the pages visits every match once.
func TestSearch_filtersSortsPages(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 300})
	const q = "set"
	all := search(t, a, map[string]any{"q": q})
	if all.Total < 20 || len(all.Facets.Categories) < 2 || len(all.Facets.Brands) < 2 {
		t.Fatalf("search %q: %d matches in %d categories, %d brands; want a broad query", q, all.Total, len(all.Facets.Categories), len(all.Facets.Brands))
	}

	for _, c := range all.Facets.Categories[:2] {
		items, total := searchAll(t, a, map[string]any{"q": q, "f": map[string]any{"category": c.Value}}, 25)
		if total != c.Count || len(items) != c.Count {
			t.Errorf("category %s: %d matches (%d walked), the facet said %d", c.Value, total, len(items), c.Count)
		}
		for _, it := range items {
			if it.Category != c.Value {
				t.Errorf("category %s filter returned %s of %s", c.Value, it.Sku, it.Category)
			}
		}
	}
	b := all.Facets.Brands[0]
	items, total := searchAll(t, a, map[string]any{"q": q, "f": map[string]any{"brand": b.Value}}, 25)
	if total != b.Count || len(items) != b.Count || slices.ContainsFunc(items, func(it searchItem) bool { return it.Brand != b.Value }) {
		t.Errorf("brand %s: %d matches, the facet said %d: %+v", b.Value, total, b.Count, items)
	}
	for _, r := range all.Facets.PriceRanges {
		f := map[string]any{}
		if r.Min != nil {
			f["priceMin"] = *r.Min
		}
		if r.Max != nil {
			f["priceMax"] = *r.Max - 1
		}
		items, total := searchAll(t, a, map[string]any{"q": q, "f": f}, 50)
		if total != r.Count {
			t.Errorf("price range %v..%v: %d matches, the facet said %d", r.Min, r.Max, total, r.Count)
		}
		for _, it := range items {
			if (r.Min != nil && it.Price.Amount < *r.Min) || (r.Max != nil && it.Price.Amount >= *r.Max) {
				t.Errorf("price range %v..%v returned %s at %d", r.Min, r.Max, it.Sku, it.Price.Amount)
			}
		}
	}

	// Sorts, over every page.
	for sort, ordered := range map[string]func(a, b searchItem) bool{
		"PRICE_ASC":  func(a, b searchItem) bool { return a.Price.Amount <= b.Price.Amount },
		"PRICE_DESC": func(a, b searchItem) bool { return a.Price.Amount >= b.Price.Amount },
		"NEWEST":     func(a, b searchItem) bool { return a.CreatedAt >= b.CreatedAt },
		"RELEVANCE":  func(a, b searchItem) bool { return true },
	} {
		items, total := searchAll(t, a, map[string]any{"q": q, "s": sort}, 7)
		if total != all.Total || len(items) != all.Total {
			t.Errorf("%s: %d walked of %d (unsorted total %d)", sort, len(items), total, all.Total)
		}
		for i := 1; i < len(items); i++ {
			if !ordered(items[i-1], items[i]) {
				t.Errorf("%s: %+v before %+v", sort, items[i-1], items[i])
				break
			}
		}
	}

	// In stock: every result has a unit; out of stock, none.
	p := a.Catalog.Products[3]
	setStock(t, a, p, 0)
	if err := a.Catalogs.Refresh(context.Background(), []shopgraph.ProductKey{p.Key()}); err != nil {
		t.Fatal(err)
	}
	const stockQuery = `query($q: String!, $f: SearchFilter) { search(query: $q, filter: $f, limit: 100) { total items { sku inventory { inStock } } } }`
	for _, in := range []bool{true, false} {
		r := a.Do(t, stockQuery, map[string]any{"q": p.Name, "f": map[string]any{"inStock": in}})
		wantNoErrors(t, r)
		var v struct {
			Total int
			Items []struct {
				Sku       string
				Inventory struct{ InStock bool }
			}
		}
		raw, _ := json.Marshal(r.Data["search"])
		_ = json.Unmarshal(raw, &v)
		hasP := false
		for _, it := range v.Items {
			hasP = hasP || it.Sku == p.ProductID
			if it.Inventory.InStock != in {
				t.Errorf("inStock %v returned %s, in stock: %v", in, it.Sku, it.Inventory.InStock)
			}
		}
		if hasP == in {
			t.Errorf("inStock %v: the product without stock listed: %v", in, hasP)
		}
	}
}

// TestSearch_facetsMatchTheTable: the facets of a search count the match
// set exactly as a Scan of the Products table does, and every product whose
// name holds the word is in the match set.
func TestSearch_facetsMatchTheTable(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 300})
	table := scanProducts(t, a)
	for _, q := range []string{"jacket", "organic", "wireless earbuds", "classic"} {
		items, total := searchAll(t, a, map[string]any{"q": q}, 100)
		v := search(t, a, map[string]any{"q": q, "l": 1})
		cats, brands, prices := map[string]int{}, map[string]int{}, make([]int, len(v.Facets.PriceRanges))
		for _, it := range items {
			p, ok := table[it.Sku]
			if !ok {
				t.Fatalf("%q: result %s is not in the table", q, it.Sku)
			}
			cats[p.Category]++
			brands[p.Brand]++
			for i, r := range v.Facets.PriceRanges {
				if (r.Min == nil || p.Price.Amount >= *r.Min) && (r.Max == nil || p.Price.Amount < *r.Max) {
					prices[i]++
				}
			}
		}
		if total != len(items) || total == 0 {
			t.Fatalf("%q: total %d, %d walked", q, total, len(items))
		}
		if got := facetMap(v.Facets.Categories); !equalCounts(got, cats) {
			t.Errorf("%q: category facet %v, the table says %v", q, got, cats)
		}
		if got := facetMap(v.Facets.Brands); !equalCounts(got, brands) {
			t.Errorf("%q: brand facet %v, the table says %v", q, got, brands)
		}
		sum := 0
		for i, r := range v.Facets.PriceRanges {
			sum += r.Count
			if r.Count != prices[i] {
				t.Errorf("%q: price range %v..%v counts %d, the table says %d", q, r.Min, r.Max, r.Count, prices[i])
			}
		}
		if sum != total {
			t.Errorf("%q: the price ranges count %d of %d matches", q, sum, total)
		}
		if !slices.IsSortedFunc(v.Facets.Categories, func(a, b facetCount) int { return cmp.Or(b.Count-a.Count, strings.Compare(a.Value, b.Value)) }) {
			t.Errorf("%q: categories not by count, then value: %v", q, v.Facets.Categories)
		}
		// Recall: every product whose name has the (only) word matches.
		if !strings.Contains(q, " ") {
			got := map[string]bool{}
			for _, it := range items {
				got[it.Sku] = true
			}
			for sku, p := range table {
				if strings.Contains(strings.ToLower(p.Name), q) && !got[sku] {
					t.Errorf("%q: %s (%s) is not found", q, sku, p.Name)
				}
			}
		}
	}
}

func facetMap(fs []facetCount) map[string]int {
	m := map[string]int{}
	for _, f := range fs {
		m[f.Value] = f.Count
	}
	return m
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// scanProducts reads the Products table with the SDK, by SKU.
func scanProducts(t *testing.T, a *apptest.App) map[string]shopgraph.Product {
	t.Helper()
	out := map[string]shopgraph.Product{}
	err := a.Store.ScanProducts(context.Background(), func(p shopgraph.Product) error {
		out[p.ProductID] = p
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The scan helper is the store's: cross-check the count with a raw
	// Scan, so the table is read independently of it at least once.
	n, err := a.DynamoDB.Client.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(a.Target.Tables.Products), Select: "COUNT"})
	if err != nil {
		t.Fatal(err)
	}
	if int(n.Count) != len(out) || n.LastEvaluatedKey != nil {
		t.Fatalf("the store scanned %d products, a raw Scan counts %d", len(out), n.Count)
	}
	return out
}

// TestSearch_requestCounts: a page is hydrated with one BatchGetItem (and
// one more for its inventory when selected); facets alone read nothing.
func TestSearch_requestCounts(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 300})
	v := search(t, a, map[string]any{"q": "set"})
	if len(v.Items) != 20 {
		t.Fatalf("want a full page, got %d", len(v.Items))
	}
	for _, c := range []struct {
		name, query string
		want        map[string]int
	}{
		{"items", `{ search(query: "set") { items { name price { amount } } } }`, map[string]int{"BatchGetItem": 1}},
		{"items with inventory", `{ search(query: "set") { items { name inventory { available warehouses { warehouse { code } } } } } }`, map[string]int{"BatchGetItem": 2}},
		{"facets only", `{ search(query: "set") { total facets { categories { value count } } } }`, map[string]int{}},
		{"suggest", `{ suggest(prefix: "clas") }`, map[string]int{}},
	} {
		r := a.Do(t, c.query, nil)
		wantNoErrors(t, r)
		got := r.Extensions.DynamoDB
		n := 0
		for _, v := range c.want {
			n += v
		}
		if got.Requests != n || !equalCounts(got.ByOperation, c.want) {
			t.Errorf("%s: dynamodb requests %+v, want %v", c.name, got, c.want)
		}
	}
}

// TestSearch_badInput: every invalid argument is a BadRequest that says
// what is wrong; nothing reaches the index as syntax.
func TestSearch_badInput(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 50})
	page := search(t, a, map[string]any{"q": "set", "l": 2})
	if page.NextToken == nil {
		t.Fatal("want a second page")
	}
	forged := []byte(*page.NextToken)
	forged[len(forged)/2] ^= 1
	for _, c := range []struct {
		name  string
		query string
		vars  map[string]any
		want  string
	}{
		{"empty query", searchQuery, map[string]any{"q": ""}, "search text"},
		{"blank query", searchQuery, map[string]any{"q": "   "}, "search text"},
		{"over-long query", searchQuery, map[string]any{"q": strings.Repeat("a", 201)}, "200"},
		{"price bounds crossed", searchQuery, map[string]any{"q": "x", "f": map[string]any{"priceMin": 500, "priceMax": 100}}, "priceMin"},
		{"negative price", searchQuery, map[string]any{"q": "x", "f": map[string]any{"priceMax": -1}}, "priceMax must not be negative"},
		{"limit 0", searchQuery, map[string]any{"q": "x", "l": 0}, "limit"},
		{"limit 101", searchQuery, map[string]any{"q": "x", "l": 101}, "limit"},
		{"forged nextToken", searchQuery, map[string]any{"q": "set", "l": 2, "n": string(forged)}, "nextToken"},
		{"garbage nextToken", searchQuery, map[string]any{"q": "set", "n": "not-a-token"}, "nextToken"},
		{"another query's nextToken", searchQuery, map[string]any{"q": "jacket", "l": 2, "n": *page.NextToken}, "nextToken"},
		{"another sort's nextToken", searchQuery, map[string]any{"q": "set", "l": 2, "s": "PRICE_ASC", "n": *page.NextToken}, "nextToken"},
		{"empty prefix", `{ suggest(prefix: "") }`, nil, "prefix"},
		{"suggest limit 21", `{ suggest(prefix: "cl", limit: 21) }`, nil, "limit"},
	} {
		r := a.Do(t, c.query, c.vars)
		if r.Status != 200 || len(r.Errors) != 1 || r.Errors[0].ErrorType != "BadRequest" || !strings.Contains(r.Errors[0].Message, c.want) {
			t.Errorf("%s: want one BadRequest mentioning %q, got %d %s", c.name, c.want, r.Status, r.Raw)
		}
	}
	// An unknown sort is the schema's to refuse.
	r := a.Do(t, searchQuery, map[string]any{"q": "x", "s": "CHEAPEST"})
	if len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, "CHEAPEST") {
		t.Errorf("unknown sort: %s", r.Raw)
	}
}

// TestSearch_suggest completes names case-insensitively, distinct, within
// the limit.
func TestSearch_suggest(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 300})
	p := a.Catalog.Products[10]
	prefix := strings.ToLower(p.Name[:len(p.Name)/2])
	r := a.Do(t, `query($p: String!) { suggest(prefix: $p, limit: 5) }`, map[string]any{"p": prefix})
	wantNoErrors(t, r)
	got := decodeField[[]string](t, r, "suggest")
	if len(got) == 0 || len(got) > 5 || !slices.Contains(got, p.Name) && len(got) < 5 {
		t.Errorf("suggest %q = %v, want %q among at most 5", prefix, got, p.Name)
	}
	seen := map[string]bool{}
	for _, s := range got {
		if seen[s] || !strings.Contains(strings.ToLower(s), strings.Fields(prefix)[0]) {
			t.Errorf("suggest %q = %v: repeated or unrelated %q", prefix, got, s)
		}
		seen[s] = true
	}
}

// TestSearch_scopes: an API key with search:read searches and reads its
// results' catalog fields, not their stock (inventory:read) and not the
// catalog's own queries (catalog:read); a key without it cannot search.
func TestSearch_scopes(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 50})
	searchOnly := apiKeyHeaders(t, a, shopgraph.ScopeSearchRead)
	r := a.DoWith(t, searchOnly, `{ search(query: "set", limit: 3) { total items { id name price { amount } } } }`, nil)
	wantNoErrors(t, r)
	if v := decodeField[searchView](t, r, "search"); len(v.Items) != 3 || v.Items[0].Name == "" {
		t.Errorf("search:read: %s", r.Raw)
	}
	for _, q := range []string{
		`{ search(query: "set", limit: 3) { items { inventory { available } } } }`,
		`{ categories { name } }`,
	} {
		r := a.DoWith(t, searchOnly, q, nil)
		if len(r.Errors) == 0 || r.Errors[0].ErrorType != "Unauthorized" {
			t.Errorf("search:read key, %s: want Unauthorized, got %s", q, r.Raw)
		}
	}
	catalogOnly := apiKeyHeaders(t, a, shopgraph.ScopeCatalogRead, shopgraph.ScopeInventoryRead)
	for _, q := range []string{`{ search(query: "set") { total } }`, `{ suggest(prefix: "cl") }`} {
		r := a.DoWith(t, catalogOnly, q, nil)
		if r.Data != nil || len(r.Errors) != 1 || r.Errors[0].ErrorType != "Unauthorized" {
			t.Errorf("key without search:read, %s: want Unauthorized, got %s", q, r.Raw)
		}
	}
}

const upsertProduct = `mutation($in: ProductInput!) { upsertProduct(input: $in) { id sku name category brand price { amount currency } createdAt } }`

func productInputVars(category, sku, name string, price int) map[string]any {
	return map[string]any{"in": map[string]any{
		"category": category, "sku": sku, "name": name, "brand": "Testbrand",
		"description": "A product made by a test.", "price": map[string]any{"amount": price, "currency": "USD"},
		"attributes": `{"colour":"teal","size":["S","M"]}`, "images": []string{"https://img.example.com/x.jpg"},
	}}
}

// searchSKUs is the SKUs a search finds, in order.
func searchSKUs(t *testing.T, a *apptest.App, q string) []string {
	t.Helper()
	var out []string
	for _, it := range search(t, a, map[string]any{"q": q, "l": 100}).Items {
		out = append(out, it.Sku)
	}
	return out
}

// TestCatalogAdmin_upsertAndDelete: an admin's product is in the catalog
// and found at once; renamed, it is found by its new name and not its old;
// deleted, it is gone from both. Category counts follow.
func TestCatalogAdmin_upsertAndDelete(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 40})
	admin := map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseID)}
	count := func(category string) int {
		for _, c := range must(a.Store.Categories(context.Background())) {
			if c.Name == category {
				return c.ProductCount
			}
		}
		return 0
	}

	r := a.DoWith(t, admin, upsertProduct, productInputVars("gadgets", "GD-000001", "Quokka Lantern", 1999))
	wantNoErrors(t, r)
	p := decodeField[searchItem](t, r, "upsertProduct")
	if p.Sku != "GD-000001" || p.Name != "Quokka Lantern" || p.Price.Amount != 1999 || p.CreatedAt == "" {
		t.Fatalf("upsertProduct = %s", r.Raw)
	}
	if got := searchSKUs(t, a, "quokka lantern"); len(got) == 0 || got[0] != "GD-000001" {
		t.Errorf("the new product is not found first by its name: %v", got)
	}
	if count("gadgets") != 1 {
		t.Errorf("category gadgets counts %d products, want 1", count("gadgets"))
	}
	got := a.Do(t, `query($id: ID!) { product(id: $id) { name attributes } }`, map[string]any{"id": p.ID})
	wantNoErrors(t, got)
	if !strings.Contains(string(got.Raw), "teal") {
		t.Errorf("product(id) = %s", got.Raw)
	}

	// Renamed: the new name finds it, the old one does not.
	r = a.DoWith(t, admin, upsertProduct, productInputVars("gadgets", "GD-000001", "Wombat Torch", 2499))
	wantNoErrors(t, r)
	if renamed := decodeField[searchItem](t, r, "upsertProduct"); renamed.CreatedAt != p.CreatedAt || renamed.ID != p.ID {
		t.Errorf("a replaced product keeps its id and creation time: %+v, was %+v", renamed, p)
	}
	if got := searchSKUs(t, a, "wombat torch"); len(got) == 0 || got[0] != "GD-000001" {
		t.Errorf("the renamed product is not found by its new name: %v", got)
	}
	if got := searchSKUs(t, a, "quokka"); slices.Contains(got, "GD-000001") {
		t.Errorf("the renamed product is still found by its old name: %v", got)
	}
	if count("gadgets") != 1 {
		t.Errorf("a replaced product changed its category's count to %d", count("gadgets"))
	}

	// A SKU of another category is a Conflict, and changes nothing.
	existing := a.Catalog.Products[0]
	r = a.DoWith(t, admin, upsertProduct, productInputVars("gadgets", existing.ProductID, "Dup", 100))
	if len(r.Errors) != 1 || r.Errors[0].ErrorType != "Conflict" || !strings.Contains(r.Errors[0].Message, existing.Category) {
		t.Errorf("a SKU of another category: want Conflict naming it, got %s", r.Raw)
	}

	// Deleted: gone from the catalog and the index.
	r = a.DoWith(t, admin, `mutation($id: ID!) { deleteProduct(id: $id) { sku name } }`, map[string]any{"id": p.ID})
	wantNoErrors(t, r)
	if d := decodeField[searchItem](t, r, "deleteProduct"); d.Name != "Wombat Torch" {
		t.Errorf("deleteProduct = %s", r.Raw)
	}
	if got := searchSKUs(t, a, "wombat torch"); slices.Contains(got, "GD-000001") {
		t.Errorf("a deleted product is still found: %v", got)
	}
	if count("gadgets") != 0 {
		t.Errorf("category gadgets counts %d after the delete", count("gadgets"))
	}
	r = a.DoWith(t, admin, `mutation($id: ID!) { deleteProduct(id: $id) { sku } }`, map[string]any{"id": p.ID})
	if len(r.Errors) != 1 || r.Errors[0].ErrorType != "NotFound" {
		t.Errorf("deleting twice: want NotFound, got %s", r.Raw)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestCatalogAdmin_badInput: each invalid product is a BadRequest naming
// the field, and nothing is written.
func TestCatalogAdmin_badInput(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 10})
	admin := map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseID)}
	edit := func(f func(in map[string]any)) map[string]any {
		v := productInputVars("gadgets", "GD-1", "Lamp", 100)
		f(v["in"].(map[string]any))
		return v
	}
	for _, c := range []struct {
		name string
		vars map[string]any
		want string
	}{
		{"empty name", edit(func(in map[string]any) { in["name"] = " " }), "name"},
		{"long name", edit(func(in map[string]any) { in["name"] = strings.Repeat("x", 201) }), "name"},
		{"empty category", edit(func(in map[string]any) { in["category"] = "" }), "category"},
		{"sku with a space", edit(func(in map[string]any) { in["sku"] = "GD 1" }), "sku"},
		{"negative price", edit(func(in map[string]any) { in["price"] = map[string]any{"amount": -1, "currency": "USD"} }), "price.amount"},
		{"other currency", edit(func(in map[string]any) { in["price"] = map[string]any{"amount": 1, "currency": "EUR"} }), "currency"},
		{"attributes not an object", edit(func(in map[string]any) { in["attributes"] = `[1,2]` }), "attributes"},
		{"control character", edit(func(in map[string]any) { in["description"] = "a\x00b" }), "description"},
		{"huge attributes", edit(func(in map[string]any) { in["attributes"] = `{"x":"` + strings.Repeat("y", 40<<10) + `"}` }), "attributes"},
	} {
		r := a.DoWith(t, admin, upsertProduct, c.vars)
		if len(r.Errors) != 1 || r.Errors[0].ErrorType != "BadRequest" || !strings.Contains(r.Errors[0].Message, c.want) {
			t.Errorf("%s: want BadRequest naming %q, got %s", c.name, c.want, r.Raw)
		}
	}
	if got := searchSKUs(t, a, "lamp"); slices.Contains(got, "GD-1") {
		t.Error("an invalid product was indexed")
	}
	if _, err := a.Store.ProductBySKU(context.Background(), "GD-1"); !shopgraph.IsCode(err, shopgraph.CodeNotFound) {
		t.Errorf("an invalid product was stored: %v", err)
	}
	r := a.DoWith(t, admin, `mutation { deleteProduct(id: "nonsense") { sku } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].ErrorType != "BadRequest" {
		t.Errorf("deleteProduct of a malformed id: %s", r.Raw)
	}
}

// TestAuthorizationMatrix_catalogMutations: only the admin group changes
// the catalog; every other caller gets Unauthorized on the field.
func TestAuthorizationMatrix_catalogMutations(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	p := a.Catalog.Products[0]
	mutations := map[string]string{
		"upsertProduct": `mutation { upsertProduct(input: {category: "x", sku: "X-1", name: "", price: {amount: 1, currency: "USD"}}) { id } }`,
		"deleteProduct": fmt.Sprintf(`mutation { deleteProduct(id: %q) { id } }`, shopgraph.ProductKey{Category: p.Category, ProductID: "none"}.PublicID()),
	}
	for _, c := range []struct {
		name    string
		headers map[string]string
		allowed bool
	}{
		{"dev partner key (every scope)", map[string]string{"x-api-key": auth.DevAPIKey}, false},
		{"API key with every read scope", apiKeyHeaders(t, a, shopgraph.Scopes()...), false},
		{"customer", map[string]string{"Authorization": a.Token(t, "alice", shopgraph.TokenUseID)}, false},
		{"warehouse staff", map[string]string{"Authorization": a.Token(t, "wanda", shopgraph.TokenUseID)}, false},
		{"admin", map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseAccess)}, true},
	} {
		for name, m := range mutations {
			r := a.DoWith(t, c.headers, m, nil)
			switch {
			case c.allowed: // let through to the mutation's own answer
				if len(r.Errors) != 1 || (r.Errors[0].ErrorType != "BadRequest" && r.Errors[0].ErrorType != "NotFound") {
					t.Errorf("%s, %s: want BadRequest or NotFound, got %s", c.name, name, r.Raw)
				}
			default:
				if r.Data != nil || len(r.Errors) != 1 || r.Errors[0].ErrorType != "Unauthorized" ||
					r.Errors[0].Message != "Not Authorized to access "+name+" on type Mutation" {
					t.Errorf("%s, %s: want Unauthorized, got %s", c.name, name, r.Raw)
				}
			}
		}
	}
}

// TestSearch_stockCrossingZero: an order that takes a product's last unit
// takes it out of the in-stock results; cancelling it puts it back.
func TestSearch_stockCrossingZero(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 30})
	alice := map[string]string{"Authorization": a.Token(t, "alice", shopgraph.TokenUseID)}
	p := a.Catalog.Products[5]
	setStock(t, a, p, 1)
	if err := a.Catalogs.Refresh(context.Background(), []shopgraph.ProductKey{p.Key()}); err != nil {
		t.Fatal(err)
	}
	inStock := func() bool {
		v := search(t, a, map[string]any{"q": p.Name, "f": map[string]any{"inStock": true}, "l": 100})
		return slices.ContainsFunc(v.Items, func(it searchItem) bool { return it.Sku == p.ProductID })
	}
	if !inStock() {
		t.Fatal("the product with one unit is not in the in-stock results")
	}
	o := orderOf(t, a.DoWith(t, alice, placeOrder, map[string]any{"in": orderInput("last-unit", p, 1)}), "placeOrder")
	awaitOrder(t, a, alice, o.ID, "CONFIRMED")
	if inStock() {
		t.Error("the product whose last unit was ordered is still in the in-stock results")
	}
	r := a.DoWith(t, alice, `mutation($id: ID!) { cancelOrder(orderId: $id) { status } }`, map[string]any{"id": o.ID})
	wantNoErrors(t, r)
	deadline := time.Now().Add(10 * time.Second)
	for !inStock() {
		if time.Now().After(deadline) {
			t.Fatal("the cancelled order's unit came back, but the product is not in the in-stock results")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSearch_acrossInstances: a product changed through instance A is
// found by its new name, and not by its old, on instance B (through Redis).
func TestSearch_acrossInstances(t *testing.T) {
	rs := redistest.Start(t)
	target := dynamotest.Embedded(t)
	events := app.EventsConfig{RedisURL: rs.URL}
	a := apptest.New(t, apptest.Options{Products: 30, Target: &target, Events: events})
	b := apptest.New(t, apptest.Options{Products: 30, Target: &target, SkipSeed: true, Events: events})
	admin := map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseID)}
	p := a.Catalog.Products[7]
	if got := searchSKUs(t, b, p.Name); len(got) == 0 || got[0] != p.ProductID {
		t.Fatalf("B does not find %q first: %v", p.Name, got)
	}
	wantNoErrors(t, a.DoWith(t, admin, upsertProduct, productInputVars(p.Category, p.ProductID, "Platypus Kettle", 4200)))
	if got := searchSKUs(t, a, "platypus kettle"); len(got) == 0 || got[0] != p.ProductID {
		t.Errorf("A does not find the renamed product at once: %v", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := searchSKUs(t, b, "platypus kettle")
		if len(got) > 0 && got[0] == p.ProductID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("B does not find the renamed product after 10 s: %v", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	oldWord := strings.Fields(p.Name)[len(strings.Fields(p.Name))-1]
	if got := searchSKUs(t, b, p.Name); slices.Contains(got, p.ProductID) && !strings.Contains(strings.ToLower("Platypus Kettle"), strings.ToLower(oldWord)) {
		t.Errorf("B still finds the product by its old name %q: %v", p.Name, got)
	}
}

// TestSearch_restartKeepsTheIndex: an index persisted beside the data is
// used as it is after a restart with an unchanged catalog, and rebuilt when
// the catalog changed while the server was down.
func TestSearch_restartKeepsTheIndex(t *testing.T) {
	target := dynamotest.Embedded(t)
	dir := t.TempDir()
	start := func(seed bool) (*apptest.App, string) {
		var logs bytes.Buffer
		a := apptest.New(t, apptest.Options{Products: 60, Target: &target, SkipSeed: !seed,
			Search: app.SearchConfig{Dir: dir}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		return a, logs.String()
	}
	a, logs := start(true)
	if !strings.Contains(logs, "search index built") {
		t.Fatalf("first start did not build the index:\n%s", logs)
	}
	p := a.Catalog.Products[0]
	before := a.Search.Fingerprint()
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	a, logs = start(false)
	if !strings.Contains(logs, "search index is up to date") || strings.Contains(logs, "building the search index") {
		t.Errorf("a restart with the same catalog rebuilt the index:\n%s", logs)
	}
	if a.Search.Fingerprint() != before {
		t.Errorf("fingerprint %v after the restart, %v before", a.Search.Fingerprint(), before)
	}
	if got := searchSKUs(t, a, p.Name); len(got) == 0 || got[0] != p.ProductID {
		t.Errorf("after the restart %q finds %v", p.Name, got)
	}
	// Changed while down (written to the table directly): rebuilt.
	changed := p
	changed.Name = "Narwhal Teapot"
	if _, _, err := a.Store.PutProduct(context.Background(), changed); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	a, logs = start(false)
	if !strings.Contains(logs, "search index built") {
		t.Errorf("a restart after a catalog change did not rebuild the index:\n%s", logs)
	}
	if got := searchSKUs(t, a, "narwhal teapot"); len(got) == 0 || got[0] != p.ProductID {
		t.Errorf("after the rebuild the changed product is not found: %v", got)
	}
}

// TestSearch_stockAnnouncedByTheTasksLambda: a process without an index
// (the tasks Lambda, SHOPGRAPH_REDIS_URL set) announces stock changes on
// Redis; every server's index takes the product out of the in-stock results
// once its last unit is gone, and only then.
func TestSearch_stockAnnouncedByTheTasksLambda(t *testing.T) {
	rs := redistest.Start(t)
	a := apptest.New(t, apptest.Options{Products: 30, Events: app.EventsConfig{RedisURL: rs.URL}})
	pub, err := redis.NewCatalogPublisher(rs.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	lambda := &shopgraph.StockAnnouncer{Changes: pub}
	p, q := a.Catalog.Products[2], a.Catalog.Products[3]
	for _, x := range []shopgraph.Product{p, q} {
		setStock(t, a, x, 2)
		if err := a.Catalogs.Refresh(context.Background(), []shopgraph.ProductKey{x.Key()}); err != nil {
			t.Fatal(err)
		}
	}
	inStock := func(x shopgraph.Product) bool {
		v := search(t, a, map[string]any{"q": x.Name, "f": map[string]any{"inStock": true}, "l": 100})
		return slices.ContainsFunc(v.Items, func(it searchItem) bool { return it.Sku == x.ProductID })
	}
	setStock(t, a, p, 0) // p's last units taken; q still has some
	lambda.StockChanged(context.Background(), []shopgraph.ProductKey{p.Key(), q.Key()})
	deadline := time.Now().Add(10 * time.Second)
	for inStock(p) {
		if time.Now().After(deadline) {
			t.Fatal("the announced stock change did not take the product out of the in-stock results")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !inStock(q) {
		t.Error("a product with stock left was taken out of the in-stock results")
	}
}

// TestCatalogAdmin_concurrentUpserts: concurrent upserts of one product
// leave the index holding the version the table holds, whichever won.
func TestCatalogAdmin_concurrentUpserts(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 10})
	admin := map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseID)}
	names := []string{"Aardvark", "Bison", "Caracal", "Dingo", "Echidna", "Fossa", "Gharial", "Hyrax"}
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Go(func() {
			r := a.DoWith(t, admin, upsertProduct, productInputVars("gadgets", "GD-RACE", n+" Lamp", 100))
			if len(r.Errors) > 0 && r.Errors[0].ErrorType != "Conflict" { // kept changing: retry is the caller's
				t.Errorf("upsert %s: %s", n, r.Raw)
			}
		})
	}
	wg.Wait()
	stored, err := a.Store.ProductBySKU(context.Background(), "GD-RACE")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		found := slices.Contains(searchSKUs(t, a, n), "GD-RACE")
		if want := stored.Name == n+" Lamp"; found != want {
			t.Errorf("the table holds %q; searching %q finds it: %v", stored.Name, n, found)
		}
	}
}

// TestSearch_resyncAfterRedisOutage: a change whose announcement was lost
// while an instance's Redis subscription was down reaches its index once the
// subscription is back (the index is checked against the catalog then).
func TestSearch_resyncAfterRedisOutage(t *testing.T) {
	rs := redistest.Start(t)
	a := apptest.New(t, apptest.Options{Products: 30, Events: app.EventsConfig{RedisURL: rs.URL}})
	p := a.Catalog.Products[4]
	changed := p
	changed.Name = "Pangolin Toaster"
	if _, _, err := a.Store.PutProduct(context.Background(), changed); err != nil { // no announcement
		t.Fatal(err)
	}
	if got := searchSKUs(t, a, "pangolin toaster"); slices.Contains(got, p.ProductID) {
		t.Fatal("the unannounced change is indexed already; the test shows nothing")
	}
	rs.MustDo(t, "CLIENT", "KILL", "TYPE", "pubsub")
	deadline := time.Now().Add(15 * time.Second)
	for !slices.Contains(searchSKUs(t, a, "pangolin toaster"), p.ProductID) {
		if time.Now().After(deadline) {
			t.Fatal("after the subscription came back the index still lacks the change")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
