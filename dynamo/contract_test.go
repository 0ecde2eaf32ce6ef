package dynamo_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/seed"
)

// contractProducts is the size of the catalog the contract suite seeds:
// big enough for several BatchGetItem chunks and multi-page categories,
// small enough to seed in well under a second.
const contractProducts = 240

func TestStore_embedded(t *testing.T) {
	t.Parallel()
	runStoreContract(t, dynamotest.Embedded(t))
}

func TestStore_dynamoDBLocal(t *testing.T) {
	t.Parallel()
	runStoreContract(t, dynamotest.DynamoDBLocal(t))
}

// seeded is a store with the contract catalog written into it.
type seeded struct {
	store *dynamo.Store
	cat   shopgraph.CatalogSnapshot
	// byCategory holds each category's products ordered by product id.
	byCategory map[string][]shopgraph.Product
	stock      map[string][]shopgraph.StockLevel // by product id, by warehouse code
}

// seedTarget seeds a catalog of n products into a fresh store on target.
func seedTarget(t *testing.T, target dynamotest.Target, n int) seeded {
	t.Helper()
	store, cat := dynamotest.NewStore(t, target), seed.Generate(seed.Options{Products: n})
	if err := store.Seed(context.Background(), cat, nil); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return index(store, cat)
}

// index returns the seeded view of a store holding cat.
func index(store *dynamo.Store, cat shopgraph.CatalogSnapshot) seeded {
	s := seeded{store: store, cat: cat, byCategory: map[string][]shopgraph.Product{}, stock: map[string][]shopgraph.StockLevel{}}
	for _, p := range cat.Products {
		s.byCategory[p.Category] = append(s.byCategory[p.Category], p)
	}
	for _, ps := range s.byCategory {
		slices.SortFunc(ps, func(a, b shopgraph.Product) int { return strings.Compare(a.ProductID, b.ProductID) })
	}
	for _, l := range cat.Stock {
		s.stock[l.ProductID] = append(s.stock[l.ProductID], l) // seed orders levels by code
	}
	return s
}

// runStoreContract checks the dynamo store's contract (shopgraph.CatalogStore
// and InventoryStore, plus CreateTables and Seed) against one target.
func runStoreContract(t *testing.T, target dynamotest.Target) {
	ctx := context.Background()

	t.Run("CreateTables is idempotent", func(t *testing.T) {
		for i := range 2 {
			created, added, err := dynamo.CreateTables(ctx, target.Client, target.Tables)
			if err != nil || len(created) != 0 || len(added) != 0 {
				t.Fatalf("CreateTables again (#%d) = %v, %v, %v; want nothing created or added, no error", i+1, created, added, err)
			}
		}
	})

	store := dynamotest.NewStore(t, target)
	cat := seed.Generate(seed.Options{Products: contractProducts})
	total := len(cat.Warehouses) + len(cat.Categories) + len(cat.Products) + len(cat.Stock)
	var calls, last int
	err := store.Seed(ctx, cat, func(done, all int) {
		calls++
		if all != total || done <= last || done > all {
			t.Errorf("progress(%d, %d) after %d, want increasing done of %d", done, all, last, total)
		}
		last = done
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	if want := (total + 24) / 25; calls != want || last != total {
		t.Errorf("progress called %d times ending at %d, want %d calls ending at %d", calls, last, want, total)
	}
	// Seeding again is harmless (puts replace whole items), and an item
	// given twice is written once (DynamoDB rejects a BatchWriteItem naming
	// a key twice).
	again := cat
	again.Products = append(slices.Clone(cat.Products[:30]), cat.Products[:30]...)
	again.Stock = append(slices.Clone(cat.Stock[:40]), cat.Stock[:40]...)
	again.Warehouses = append(slices.Clone(cat.Warehouses), cat.Warehouses...)
	if err := store.Seed(ctx, again, nil); err != nil {
		t.Fatalf("seed again: %v", err)
	}
	s := index(store, cat)

	t.Run("GetProducts", func(t *testing.T) { testGetProducts(t, s) })
	t.Run("GetInventory", func(t *testing.T) { testGetInventory(t, s) })
	t.Run("ProductBySKU", func(t *testing.T) { testProductBySKU(t, s) })
	t.Run("ListProducts pages", func(t *testing.T) { testListProductsPaging(t, s) })
	t.Run("ListProducts errors", func(t *testing.T) { testListProductsErrors(t, s, target) })
	t.Run("Categories and Warehouses", func(t *testing.T) { testCategoriesWarehouses(t, s) })
	t.Run("request counts", func(t *testing.T) { testRequestCounts(t, s) })
}

func testGetProducts(t *testing.T, s seeded) {
	ctx := context.Background()
	ps := s.cat.Products
	keys := []shopgraph.ProductKey{
		ps[3].Key(), ps[0].Key(), ps[3].Key(), ps[17].Key(), ps[0].Key(), // duplicates
		{Category: ps[0].Category, ProductID: "ZZ-999999"},               // missing product
		{Category: "no-such-category", ProductID: ps[1].ProductID},       // wrong category
		{Category: "", ProductID: ps[2].ProductID},                       // cannot exist
		{Category: ps[2].Category, ProductID: ""},                        // cannot exist
		{Category: ps[2].Category, ProductID: strings.Repeat("x", 1025)}, // longer than a sort key may be
	}
	got, err := s.store.GetProducts(ctx, keys)
	if err != nil {
		t.Fatalf("GetProducts: %v", err)
	}
	want := map[shopgraph.ProductKey]shopgraph.Product{ps[0].Key(): ps[0], ps[3].Key(): ps[3], ps[17].Key(): ps[17]}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GetProducts = %d products %v, want %d %v", len(got), mapKeys(got), len(want), mapKeys(want))
		for k, p := range want {
			if !reflect.DeepEqual(got[k], p) {
				t.Errorf("product %s:\n got %#v\nwant %#v", k.ProductID, got[k], p)
			}
		}
	}

	// All products: several chunks of 100, fetched concurrently.
	all := make([]shopgraph.ProductKey, 0, 2*len(ps))
	for _, p := range ps {
		all = append(all, p.Key(), p.Key())
	}
	got, err = s.store.GetProducts(ctx, all)
	if err != nil {
		t.Fatalf("GetProducts(all): %v", err)
	}
	if len(got) != len(ps) {
		t.Fatalf("GetProducts(all) returned %d products, want %d", len(got), len(ps))
	}
	for _, p := range ps {
		if !reflect.DeepEqual(got[p.Key()], p) {
			t.Fatalf("product %s:\n got %#v\nwant %#v", p.ProductID, got[p.Key()], p)
		}
	}

	got, err = s.store.GetProducts(ctx, nil)
	if err != nil || len(got) != 0 || got == nil {
		t.Errorf("GetProducts(nil) = %v, %v; want an empty map", got, err)
	}
}

func testGetInventory(t *testing.T, s seeded) {
	ctx := context.Background()
	ps := s.cat.Products
	ids := []string{ps[5].ProductID, "ZZ-000000", ps[1].ProductID, ps[5].ProductID, ""}
	whs := []string{"SEA1", "DFW1", "FRA1", "IAD1", "DFW1", "XXX9", ""}
	got, err := s.store.GetInventory(ctx, ids, whs)
	if err != nil {
		t.Fatalf("GetInventory: %v", err)
	}
	want := []shopgraph.Inventory{
		{ProductID: ps[5].ProductID, Warehouses: s.stock[ps[5].ProductID]},
		{ProductID: "ZZ-000000"},
		{ProductID: ps[1].ProductID, Warehouses: s.stock[ps[1].ProductID]},
		{ProductID: ps[5].ProductID, Warehouses: s.stock[ps[5].ProductID]},
		{ProductID: ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GetInventory =\n%+v\nwant\n%+v", got, want)
	}

	// A subset of warehouses, in any order: levels come back by code.
	got, err = s.store.GetInventory(ctx, []string{ps[7].ProductID}, []string{"SEA1", "DFW1"})
	if err != nil {
		t.Fatal(err)
	}
	lv := s.stock[ps[7].ProductID]
	if w := []shopgraph.StockLevel{lv[0], lv[3]}; len(got) != 1 || !reflect.DeepEqual(got[0].Warehouses, w) {
		t.Errorf("GetInventory(SEA1, DFW1) = %+v, want levels %+v", got, w)
	}

	// Out-of-stock products have records everywhere, all with nothing
	// available.
	var out []string
	for _, p := range ps {
		total := 0
		for _, l := range s.stock[p.ProductID] {
			total += l.Available
		}
		if total == 0 {
			out = append(out, p.ProductID)
		}
	}
	if len(out) == 0 {
		t.Fatal("the contract catalog has no out-of-stock product")
	}
	got, err = s.store.GetInventory(ctx, out, []string{"DFW1", "FRA1", "IAD1", "SEA1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, inv := range got {
		if inv.InStock() || len(inv.Warehouses) != 4 {
			t.Errorf("out-of-stock product %s: %+v", inv.ProductID, inv)
		}
	}

	// No warehouses: nothing to fetch.
	got, err = s.store.GetInventory(ctx, []string{ps[0].ProductID}, nil)
	if err != nil || len(got) != 1 || len(got[0].Warehouses) != 0 {
		t.Errorf("GetInventory(no warehouses) = %+v, %v", got, err)
	}
}

func testProductBySKU(t *testing.T, s seeded) {
	ctx := context.Background()
	p := s.cat.Products[42]
	got, err := s.store.ProductBySKU(ctx, p.ProductID)
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Errorf("ProductBySKU(%s) = %+v, %v; want %+v", p.ProductID, got, err, p)
	}
	for _, sku := range []string{"ZZ-123456", "", strings.Repeat("y", 3000)} {
		_, err := s.store.ProductBySKU(ctx, sku)
		if !shopgraph.IsCode(err, shopgraph.CodeNotFound) || shopgraph.ErrorMessage(err) != fmt.Sprintf("no product with SKU %q", sku) {
			t.Errorf("ProductBySKU(%.20q) error = %v, want NotFound `no product with SKU %.20q`", sku, err, sku)
		}
	}
}

func testListProductsPaging(t *testing.T, s seeded) {
	ctx := context.Background()
	for _, c := range s.cat.Categories {
		want := s.byCategory[c.Name]
		for _, limit := range []int{7, 100} {
			got, pages := listAll(t, s.store, c.Name, limit)
			if !reflect.DeepEqual(ids(got), ids(want)) {
				t.Errorf("%s, limit %d: paged ids\n%v\nwant\n%v", c.Name, limit, ids(got), ids(want))
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s, limit %d: paged products differ from the seeded ones", c.Name, limit)
			}
			if wantPages := max(1, (len(want)+limit-1)/limit); pages != wantPages {
				t.Errorf("%s, limit %d: %d pages for %d products, want %d (no empty last page)", c.Name, limit, pages, len(want), wantPages)
			}
		}
	}
	// A page size that divides the category exactly ends without an empty
	// page.
	c := s.cat.Categories[0]
	n := c.ProductCount
	for _, limit := range []int{n, max(1, n/2)} {
		if n%limit != 0 {
			continue
		}
		_, pages := listAll(t, s.store, c.Name, limit)
		if pages != n/limit {
			t.Errorf("%s (%d products), limit %d: %d pages, want %d", c.Name, n, limit, pages, n/limit)
		}
	}
	// A token is reusable (pages are addressed by position, not consumed).
	p1, err := s.store.ListProducts(ctx, shopgraph.ListProductsInput{Category: c.Name, Limit: 3})
	if err != nil || p1.NextToken == "" {
		t.Fatalf("first page: %+v, %v", p1, err)
	}
	a, err1 := s.store.ListProducts(ctx, shopgraph.ListProductsInput{Category: c.Name, Limit: 3, NextToken: p1.NextToken})
	b, err2 := s.store.ListProducts(ctx, shopgraph.ListProductsInput{Category: c.Name, Limit: 3, NextToken: p1.NextToken})
	if err1 != nil || err2 != nil || !reflect.DeepEqual(a, b) {
		t.Errorf("the same token twice gave different pages: %v %v", err1, err2)
	}
}

// listAll pages through a category and returns the products and the number
// of pages.
func listAll(t *testing.T, store *dynamo.Store, category string, limit int) ([]shopgraph.Product, int) {
	t.Helper()
	var all []shopgraph.Product
	token := ""
	for pages := 1; ; pages++ {
		page, err := store.ListProducts(context.Background(), shopgraph.ListProductsInput{Category: category, Limit: limit, NextToken: token})
		if err != nil {
			t.Fatalf("%s page %d (limit %d): %v", category, pages, limit, err)
		}
		if len(page.Items) > limit {
			t.Fatalf("%s page %d has %d items, limit %d", category, pages, len(page.Items), limit)
		}
		all = append(all, page.Items...)
		if page.NextToken == "" {
			return all, pages
		}
		if len(page.Items) == 0 {
			t.Fatalf("%s page %d is empty but has a next token", category, pages)
		}
		if pages > 1000 {
			t.Fatal("paging does not end")
		}
		token = page.NextToken
	}
}

func testListProductsErrors(t *testing.T, s seeded, target dynamotest.Target) {
	ctx := context.Background()
	cats := s.cat.Categories
	a, b := cats[0].Name, cats[1].Name
	page, err := s.store.ListProducts(ctx, shopgraph.ListProductsInput{Category: a, Limit: 2})
	if err != nil || page.NextToken == "" {
		t.Fatalf("first page of %s: %+v, %v", a, page, err)
	}
	tok := page.NextToken
	other, err := dynamo.New(target.Client, dynamo.Options{Tables: target.Tables, CursorSecret: []byte("another-secret-of-enough-length")})
	if err != nil {
		t.Fatal(err)
	}
	otherTok := func() string {
		p, err := other.ListProducts(ctx, shopgraph.ListProductsInput{Category: a, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		return p.NextToken
	}()
	payload, mac, _ := strings.Cut(tok, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	forgedPayload := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), `"c":"`+a+`"`, `"c":"`+b+`"`, 1))) + "." + mac
	flip := func(s string, i int) string {
		c := byte('A')
		if s[i] == 'A' {
			c = 'B'
		}
		return s[:i] + string(c) + s[i+1:]
	}

	bad := map[string]struct {
		category, token string
	}{
		"forged MAC":            {a, flip(tok, len(tok)-3)},
		"forged payload":        {b, forgedPayload},
		"truncated":             {a, tok[:len(tok)-5]},
		"payload only":          {a, payload},
		"other category":        {b, tok},
		"other secret":          {a, otherTok},
		"garbage":               {a, "!!not a token!!"},
		"garbage with dot":      {a, "abc.def"},
		"empty parts":           {a, "."},
		"huge":                  {a, strings.Repeat("A", 10000) + "." + mac},
		"json in base64 no mac": {a, base64.RawURLEncoding.EncodeToString([]byte(`{"v":1,"c":"` + a + `","p":"x"}`))},
	}
	for name, c := range bad {
		_, err := s.store.ListProducts(ctx, shopgraph.ListProductsInput{Category: c.category, Limit: 2, NextToken: c.token})
		if !shopgraph.IsCode(err, shopgraph.CodeBadRequest) || shopgraph.ErrorMessage(err) != "invalid nextToken" {
			t.Errorf("%s token: error %v, want BadRequest \"invalid nextToken\"", name, err)
		}
	}

	_, err = s.store.ListProducts(ctx, shopgraph.ListProductsInput{Category: "no-such-category", Limit: 5})
	if want := `unknown category "no-such-category" (known categories: ` + strings.Join(categoryNames(s.cat), ", ") + ")"; !shopgraph.IsCode(err, shopgraph.CodeNotFound) || shopgraph.ErrorMessage(err) != want {
		t.Errorf("unknown category: error %v, want NotFound %q", err, want)
	}
	for _, limit := range []int{0, -1, 101} {
		_, err := s.store.ListProducts(ctx, shopgraph.ListProductsInput{Category: a, Limit: limit})
		if !shopgraph.IsCode(err, shopgraph.CodeBadRequest) || !strings.Contains(shopgraph.ErrorMessage(err), "limit") {
			t.Errorf("limit %d: error %v, want BadRequest about the limit", limit, err)
		}
	}
	_, err = s.store.ListProducts(ctx, shopgraph.ListProductsInput{Category: "", Limit: 5})
	if !shopgraph.IsCode(err, shopgraph.CodeBadRequest) {
		t.Errorf("empty category: error %v, want BadRequest", err)
	}
}

func testCategoriesWarehouses(t *testing.T, s seeded) {
	ctx := context.Background()
	cats, err := s.store.Categories(ctx)
	if err != nil || !reflect.DeepEqual(cats, s.cat.Categories) {
		t.Errorf("Categories = %+v, %v; want %+v", cats, err, s.cat.Categories)
	}
	whs, err := s.store.Warehouses(ctx)
	if err != nil || !reflect.DeepEqual(whs, s.cat.Warehouses) {
		t.Errorf("Warehouses = %+v, %v; want %+v", whs, err, s.cat.Warehouses)
	}
	// The slices are the caller's: changing them does not change the cache.
	cats[0].Name, whs[0].Code = "changed", "changed"
	cats2, _ := s.store.Categories(ctx)
	whs2, _ := s.store.Warehouses(ctx)
	if cats2[0].Name == "changed" || whs2[0].Code == "changed" {
		t.Error("Categories/Warehouses return the cached slice itself")
	}
}

// testRequestCounts pins the number of DynamoDB requests per call, counted
// by the client's CountRequests middleware.
func testRequestCounts(t *testing.T, s seeded) {
	ctx := context.Background()
	// Warm the caches, as `shopgraph serve` does at start.
	if _, err := s.store.Categories(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.Warehouses(ctx); err != nil {
		t.Fatal(err)
	}
	count := func(f func(ctx context.Context) error) map[string]int {
		t.Helper()
		var stats shopgraph.RequestStats
		if err := f(shopgraph.NewContextWithRequestStats(ctx, &stats)); err != nil {
			t.Fatal(err)
		}
		_, by := stats.Snapshot()
		return by
	}
	cat := s.cat.Categories[0].Name
	if got := count(func(ctx context.Context) error {
		_, err := s.store.ListProducts(ctx, shopgraph.ListProductsInput{Category: cat, Limit: 20})
		return err
	}); !reflect.DeepEqual(got, map[string]int{"Query": 1}) {
		t.Errorf("one ListProducts made %v, want exactly 1 Query", got)
	}
	if got := count(func(ctx context.Context) error {
		_, err := s.store.ProductBySKU(ctx, s.cat.Products[0].ProductID)
		return err
	}); !reflect.DeepEqual(got, map[string]int{"Query": 1}) {
		t.Errorf("one ProductBySKU made %v, want exactly 1 Query", got)
	}
	for _, n := range []int{1, 100, 101, 240} {
		keys := make([]shopgraph.ProductKey, 0, 2*n)
		for _, p := range s.cat.Products[:n] {
			keys = append(keys, p.Key(), p.Key()) // duplicates cost nothing
		}
		if got, want := count(func(ctx context.Context) error {
			_, err := s.store.GetProducts(ctx, keys)
			return err
		}), map[string]int{"BatchGetItem": (n + 99) / 100}; !reflect.DeepEqual(got, want) {
			t.Errorf("GetProducts of %d distinct keys made %v, want %v", n, got, want)
		}
	}
	// The 50-product page's inventory: 50 × 4 = 200 keys, 2 requests.
	ids := make([]string, 50)
	for i, p := range s.cat.Products[:50] {
		ids[i] = p.ProductID
	}
	if got := count(func(ctx context.Context) error {
		_, err := s.store.GetInventory(ctx, ids, []string{"DFW1", "FRA1", "IAD1", "SEA1"})
		return err
	}); !reflect.DeepEqual(got, map[string]int{"BatchGetItem": 2}) {
		t.Errorf("GetInventory of 50 products × 4 warehouses made %v, want 2 BatchGetItem", got)
	}
	if got := count(func(ctx context.Context) error {
		_, err := s.store.Categories(ctx)
		return err
	}); len(got) != 0 {
		t.Errorf("a cached Categories made %v, want no request", got)
	}
}

func ids(ps []shopgraph.Product) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ProductID
	}
	return out
}

func mapKeys(m map[shopgraph.ProductKey]shopgraph.Product) []string {
	var out []string
	for k := range m {
		out = append(out, k.Category+"/"+k.ProductID)
	}
	slices.Sort(out)
	return out
}

func seedCatalog(n int) shopgraph.CatalogSnapshot { return seed.Generate(seed.Options{Products: n}) }

// categoryNames lists the catalog's categories, by name.
func categoryNames(c shopgraph.CatalogSnapshot) []string {
	var out []string
	for _, cat := range c.Categories {
		out = append(out, cat.Name)
	}
	return out
}
