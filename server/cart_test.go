package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/loaders"
	"github.com/shopgraph/shopgraph/server"
)

// cartSelection is what the cart tests read of a cart.
const cartSelection = `{
  lines { product { id sku name price { amount currency } } quantity lineTotal { amount currency } }
  subtotal { amount currency } itemCount updatedAt
}`

const (
	cartQuery      = `{ cart ` + cartSelection + ` }`
	addToCart      = `mutation($id: ID!, $q: Int!) { addToCart(productId: $id, quantity: $q) ` + cartSelection + ` }`
	updateCartItem = `mutation($id: ID!, $q: Int!) { updateCartItem(productId: $id, quantity: $q) ` + cartSelection + ` }`
	removeFromCart = `mutation($id: ID!) { removeFromCart(productId: $id) ` + cartSelection + ` }`
	clearCart      = `mutation { clearCart ` + cartSelection + ` }`
)

type money struct {
	Amount   int64
	Currency string
}

// cartView is a Cart as the API returns it.
type cartView struct {
	Lines []struct {
		Product struct {
			ID, Sku, Name string
			Price         money
		}
		Quantity  int
		LineTotal money
	}
	Subtotal  money
	ItemCount int
	UpdatedAt *string
}

// cartOf decodes the cart a successful response returns in field.
func cartOf(t *testing.T, r apptest.Response, field string) cartView {
	t.Helper()
	wantNoErrors(t, r)
	raw, err := json.Marshal(r.Data[field])
	if err != nil {
		t.Fatal(err)
	}
	var c cartView
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("%s: %v\n%s", field, err, r.Raw)
	}
	return c
}

// line is an expected cart line.
type line struct {
	p shopgraph.Product
	q int
}

// someTime, as wantCart's updatedAt, wants any non-null time.
var someTime = new(time.Time)

// wantCart checks a cart against its expected lines (in order): products,
// quantities, line totals from the catalog's prices, subtotal, item count,
// and updatedAt (nil: null; someTime: any time).
func wantCart(t *testing.T, what string, c cartView, updatedAt *time.Time, lines ...line) {
	t.Helper()
	if len(c.Lines) != len(lines) {
		t.Fatalf("%s: %d lines, want %d: %+v", what, len(c.Lines), len(lines), c)
	}
	var sub int64
	n := 0
	for i, want := range lines {
		got := c.Lines[i]
		total := want.p.Price.Amount * int64(want.q)
		sub += total
		n += want.q
		if got.Product.ID != want.p.PublicID() || got.Product.Sku != want.p.ProductID || got.Product.Name != want.p.Name ||
			got.Product.Price != (money{want.p.Price.Amount, want.p.Price.Currency}) || got.Quantity != want.q ||
			got.LineTotal != (money{total, shopgraph.Currency}) {
			t.Errorf("%s: line %d = %+v, want %s ×%d at %d (total %d)", what, i, got, want.p.ProductID, want.q, want.p.Price.Amount, total)
		}
	}
	if c.Subtotal != (money{sub, shopgraph.Currency}) || c.ItemCount != n {
		t.Errorf("%s: subtotal %+v, itemCount %d; want %d %s, %d", what, c.Subtotal, c.ItemCount, sub, shopgraph.Currency, n)
	}
	switch {
	case updatedAt == nil && c.UpdatedAt != nil:
		t.Errorf("%s: updatedAt %q, want null", what, *c.UpdatedAt)
	case updatedAt == someTime && c.UpdatedAt == nil:
		t.Errorf("%s: updatedAt null, want a time", what)
	case updatedAt != nil && updatedAt != someTime && (c.UpdatedAt == nil || *c.UpdatedAt != updatedAt.UTC().Format(time.RFC3339Nano)):
		t.Errorf("%s: updatedAt %v, want %s", what, c.UpdatedAt, updatedAt.UTC().Format(time.RFC3339Nano))
	}
}

func pid(p shopgraph.Product) string { return p.PublicID() }

// TestCart_flow: a customer's cart through every field and mutation: empty,
// add (a new line, then more of it), update, remove, clear; prices, totals
// and updatedAt follow.
func TestCart_flow(t *testing.T) {
	var clock atomic.Pointer[time.Time]
	start := time.Now().UTC().Truncate(time.Millisecond)
	clock.Store(&start)
	tick := func() *time.Time {
		next := clock.Load().Add(time.Second)
		clock.Store(&next)
		return &next
	}
	a := apptest.New(t, apptest.Options{Products: 20, Now: func() time.Time { return *clock.Load() }})
	p := a.Catalog.Products

	wantCart(t, "new customer", cartOf(t, a.Do(t, cartQuery, nil), "cart"), nil)
	t1 := tick()
	wantCart(t, "add", cartOf(t, a.Do(t, addToCart, map[string]any{"id": pid(p[4]), "q": 2}), "addToCart"), t1, line{p[4], 2})
	t2 := tick()
	wantCart(t, "add more", cartOf(t, a.Do(t, addToCart, map[string]any{"id": pid(p[4]), "q": 3}), "addToCart"), t2, line{p[4], 5})
	tick()
	cartOf(t, a.Do(t, addToCart, map[string]any{"id": pid(p[1]), "q": 1}), "addToCart")
	t4 := tick()
	wantCart(t, "a third line", cartOf(t, a.Do(t, addToCart, map[string]any{"id": pid(p[7]), "q": 99}), "addToCart"), t4,
		line{p[4], 5}, line{p[1], 1}, line{p[7], 99})
	t5 := tick()
	wantCart(t, "update", cartOf(t, a.Do(t, updateCartItem, map[string]any{"id": pid(p[1]), "q": 42}), "updateCartItem"), t5,
		line{p[4], 5}, line{p[1], 42}, line{p[7], 99})
	wantCart(t, "query", cartOf(t, a.Do(t, cartQuery, nil), "cart"), t5, line{p[4], 5}, line{p[1], 42}, line{p[7], 99})
	tick()
	// updatedAt is the latest change of a line still in the cart.
	wantCart(t, "remove", cartOf(t, a.Do(t, removeFromCart, map[string]any{"id": pid(p[1])}), "removeFromCart"), t4,
		line{p[4], 5}, line{p[7], 99})
	wantCart(t, "remove again", cartOf(t, a.Do(t, removeFromCart, map[string]any{"id": pid(p[1])}), "removeFromCart"), t4,
		line{p[4], 5}, line{p[7], 99})
	wantCart(t, "clear", cartOf(t, a.Do(t, clearCart, nil), "clearCart"), nil)
	wantCart(t, "query after clear", cartOf(t, a.Do(t, cartQuery, nil), "cart"), nil)
	wantCart(t, "clear an empty cart", cartOf(t, a.Do(t, clearCart, nil), "clearCart"), nil)

	// Mutations run in order within one operation.
	r := a.Do(t, `mutation($a: ID!, $b: ID!) {
  first: addToCart(productId: $a, quantity: 1) { itemCount }
  second: addToCart(productId: $b, quantity: 2) { itemCount }
  third: updateCartItem(productId: $a, quantity: 5) { itemCount }
}`, map[string]any{"a": pid(p[2]), "b": pid(p[3])})
	wantNoErrors(t, r)
	if got := fmt.Sprint(r.Data["first"], r.Data["second"], r.Data["third"]); got != "map[itemCount:1] map[itemCount:3] map[itemCount:7]" {
		t.Errorf("three mutations in one operation: %s", got)
	}
}

// TestCart_badInput: every invalid change is a BadRequest saying why, with
// the field (and data) null, and changes nothing.
func TestCart_badInput(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 120})
	p := a.Catalog.Products
	cartOf(t, a.Do(t, addToCart, map[string]any{"id": pid(p[0]), "q": 60}), "addToCart")
	unknown := shopgraph.ProductKey{Category: p[0].Category, ProductID: "ZZ-999999"}.PublicID()
	otherCategory := shopgraph.ProductKey{Category: "no-such-category", ProductID: p[1].ProductID}.PublicID()
	for _, c := range []struct {
		name, query string
		vars        map[string]any
		msg         string
	}{
		{"add quantity 0", addToCart, map[string]any{"id": pid(p[1]), "q": 0}, "quantity must be between 1 and 99, got 0"},
		{"add quantity 100", addToCart, map[string]any{"id": pid(p[1]), "q": 100}, "quantity must be between 1 and 99, got 100"},
		{"add a negative quantity", addToCart, map[string]any{"id": pid(p[1]), "q": -3}, "quantity must be between 1 and 99, got -3"},
		{"add past 99 in a line", addToCart, map[string]any{"id": pid(p[0]), "q": 40}, "adding 40 would make 100, and a line holds at most 99"},
		{"add an unknown product", addToCart, map[string]any{"id": unknown, "q": 1}, `unknown product "ZZ-999999"`},
		{"add a product under another category", addToCart, map[string]any{"id": otherCategory, "q": 1}, "unknown product"},
		{"add a malformed product id", addToCart, map[string]any{"id": "not-an-id", "q": 1}, `malformed product id "not-an-id"`},
		{"update quantity 0", updateCartItem, map[string]any{"id": pid(p[0]), "q": 0}, "quantity must be between 1 and 99, got 0"},
		{"update quantity 100", updateCartItem, map[string]any{"id": pid(p[0]), "q": 100}, "quantity must be between 1 and 99, got 100"},
		{"update a line that is not in the cart", updateCartItem, map[string]any{"id": pid(p[1]), "q": 1}, fmt.Sprintf("product %q is not in the cart", p[1].ProductID)},
		{"update an unknown product", updateCartItem, map[string]any{"id": unknown, "q": 1}, "unknown product"},
		{"update a malformed product id", updateCartItem, map[string]any{"id": "bm9wZQ", "q": 1}, "malformed product id"},
		{"remove a malformed product id", removeFromCart, map[string]any{"id": "p1|x|y"}, "malformed product id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := a.Do(t, c.query, c.vars)
			wantError(t, r, 200, "BadRequest", c.msg)
			if r.Data != nil {
				t.Errorf("data = %v, want null", r.Data)
			}
		})
	}
	wantCart(t, "after the refused changes", cartOf(t, a.Do(t, cartQuery, nil), "cart"), someTime, line{p[0], 60})

	// The 101st line.
	fillCart(t, a, p[1:shopgraph.MaxCartLines])
	r := a.Do(t, `{ cart { itemCount } }`, nil)
	if got := fmt.Sprint(r.Data["cart"]); got != fmt.Sprintf("map[itemCount:%d]", 60+shopgraph.MaxCartLines-1) {
		t.Fatalf("the 100 lines' item count: %v", got)
	}
	r = a.Do(t, addToCart, map[string]any{"id": pid(p[shopgraph.MaxCartLines]), "q": 1})
	wantError(t, r, 200, "BadRequest", "the cart is full: it holds at most 100 lines")
	c := cartOf(t, a.Do(t, cartQuery, nil), "cart")
	if len(c.Lines) != shopgraph.MaxCartLines || c.Lines[len(c.Lines)-1].Product.Sku != p[shopgraph.MaxCartLines-1].ProductID {
		t.Errorf("after the refused 101st line: %d lines, want %d ending with the 100th", len(c.Lines), shopgraph.MaxCartLines)
	}
}

// TestCart_ownership: a customer sees and changes only their own cart.
func TestCart_ownership(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 10})
	p := a.Catalog.Products
	bob := map[string]string{"Authorization": a.Token(t, "bob", shopgraph.TokenUseAccess)}
	cartOf(t, a.Do(t, addToCart, map[string]any{"id": pid(p[0]), "q": 3}), "addToCart")

	wantCart(t, "bob's cart", cartOf(t, a.DoWith(t, bob, cartQuery, nil), "cart"), nil)
	wantError(t, a.DoWith(t, bob, updateCartItem, map[string]any{"id": pid(p[0]), "q": 9}), 200, "BadRequest", "is not in the cart")
	wantCart(t, "bob removes alice's product", cartOf(t, a.DoWith(t, bob, removeFromCart, map[string]any{"id": pid(p[0])}), "removeFromCart"), nil)
	wantCart(t, "bob clears", cartOf(t, a.DoWith(t, bob, clearCart, nil), "clearCart"), nil)
	cartOf(t, a.DoWith(t, bob, addToCart, map[string]any{"id": pid(p[0]), "q": 1}), "addToCart")
	cartOf(t, a.DoWith(t, bob, addToCart, map[string]any{"id": pid(p[1]), "q": 2}), "addToCart")

	// Alice's cart, with her ID token and her access token.
	for _, use := range []string{shopgraph.TokenUseID, shopgraph.TokenUseAccess} {
		alice := map[string]string{"Authorization": a.Token(t, "alice", use)}
		c := cartOf(t, a.DoWith(t, alice, cartQuery, nil), "cart")
		if len(c.Lines) != 1 || c.Lines[0].Product.Sku != p[0].ProductID || c.Lines[0].Quantity != 3 {
			t.Errorf("alice's cart (%s token) after bob's changes = %+v, want her one line of 3", use, c)
		}
	}
	wantCart(t, "bob's own cart", cartOf(t, a.DoWith(t, bob, cartQuery, nil), "cart"), someTime, line{p[0], 1}, line{p[1], 2})
}

// TestCart_onlyCustomers: API keys (even with every scope) cannot read or
// change a cart: each field is Unauthorized, nothing runs; without a
// credential the request is refused.
func TestCart_onlyCustomers(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	p := a.Catalog.Products
	k, scoped, err := auth.IssueAPIKey("acme", []string{shopgraph.ScopeCatalogRead}, 1000, nil, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	a.PutKey(t, k)
	ops := map[string]struct {
		query string
		vars  map[string]any
	}{
		"cart":           {`query { cart { itemCount } }`, nil},
		"addToCart":      {`mutation($id: ID!) { addToCart(productId: $id, quantity: 1) { itemCount } }`, map[string]any{"id": pid(p[0])}},
		"updateCartItem": {`mutation($id: ID!) { updateCartItem(productId: $id, quantity: 1) { itemCount } }`, map[string]any{"id": pid(p[0])}},
		"removeFromCart": {`mutation($id: ID!) { removeFromCart(productId: $id) { itemCount } }`, map[string]any{"id": pid(p[0])}},
		"clearCart":      {`mutation { clearCart { itemCount } }`, nil},
	}
	for name, key := range map[string]string{"dev partner key (every scope)": auth.DevAPIKey, "key with catalog:read": scoped} {
		for field, op := range ops {
			typ := "Mutation"
			if field == "cart" {
				typ = "Query"
			}
			r := a.DoWith(t, map[string]string{"x-api-key": key}, op.query, op.vars)
			wantError(t, r, 200, "Unauthorized", "Not Authorized to access "+field+" on type "+typ)
			if r.Data != nil {
				t.Errorf("%s, %s: data = %v, want null", name, field, r.Data)
			}
		}
	}
	for field, op := range ops {
		if r := a.DoWith(t, nil, op.query, op.vars); r.Status != 401 || len(r.Errors) != 1 || r.Errors[0].ErrorType != "UnauthorizedException" {
			t.Errorf("anonymous %s: %d %s", field, r.Status, r.Raw)
		}
	}
	// Nothing the keys asked for happened: the Carts table is empty.
	out, err := a.DynamoDB.Client.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(a.DynamoDB.Tables.Carts), Select: types.SelectCount})
	if err != nil || out.Count != 0 {
		t.Errorf("Carts table after the refused calls: %v items, %v; want none", out.Count, err)
	}
}

// TestCart_productLeftCatalog: a line whose product is no longer in the
// catalog is left out of the cart (lines, subtotal, itemCount) instead of
// failing it, and can still be removed.
func TestCart_productLeftCatalog(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 10})
	p := a.Catalog.Products
	cartOf(t, a.Do(t, addToCart, map[string]any{"id": pid(p[0]), "q": 1}), "addToCart")
	cartOf(t, a.Do(t, addToCart, map[string]any{"id": pid(p[1]), "q": 2}), "addToCart")
	_, err := a.DynamoDB.Client.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{
		TableName: aws.String(a.DynamoDB.Tables.Products),
		Key: map[string]types.AttributeValue{
			"category": &types.AttributeValueMemberS{Value: p[0].Category}, "productId": &types.AttributeValueMemberS{Value: p[0].ProductID},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := cartOf(t, a.Do(t, cartQuery, nil), "cart")
	if len(c.Lines) != 1 || c.Lines[0].Product.Sku != p[1].ProductID || c.ItemCount != 2 || c.Subtotal.Amount != 2*p[1].Price.Amount {
		t.Errorf("cart with a product gone from the catalog = %+v, want only %s ×2", c, p[1].ProductID)
	}
	wantError(t, a.Do(t, addToCart, map[string]any{"id": pid(p[0]), "q": 1}), 200, "BadRequest", "unknown product")
	wantCart(t, "remove the gone product", cartOf(t, a.Do(t, removeFromCart, map[string]any{"id": pid(p[0])}), "removeFromCart"),
		someTime, line{p[1], 2})
	// Its line no longer counts: p[1] is the only line left.
	r := a.Do(t, `{ cart { lines { quantity } itemCount } }`, nil)
	if fmt.Sprint(r.Data["cart"]) != "map[itemCount:2 lines:[map[quantity:2]]]" {
		t.Errorf("cart = %s", r.Raw)
	}
}

// cartPageQuery reads a cart the way a cart page does: every line's product
// with its inventory across warehouses.
const cartPageQuery = `query CartPage {
  cart {
    lines {
      product {
        id sku name brand price { amount currency }
        inventory { available inStock warehouses { available warehouse { code name } } }
      }
      quantity lineTotal { amount currency }
    }
    subtotal { amount currency } itemCount updatedAt
  }
}`

// fillCart adds one unit of each product to the default customer's cart,
// 40 additions per operation (each costs 103 of the complexity limit of
// 5,000).
func fillCart(t *testing.T, a *apptest.App, products []shopgraph.Product) {
	t.Helper()
	for start := 0; start < len(products); start += 40 {
		var q strings.Builder
		q.WriteString("mutation {")
		for i, p := range products[start:min(start+40, len(products))] {
			fmt.Fprintf(&q, " a%d: addToCart(productId: %q, quantity: 1) { itemCount }", i, pid(p))
		}
		q.WriteString(" }")
		wantNoErrors(t, a.Do(t, q.String(), nil))
	}
}

// TestGraphQL_cart_requestCounts: a 20-line cart with every line's product
// and inventory is 1 Query (the cart) + 1 BatchGetItem of the 20 products +
// 1 BatchGetItem of their 80 stock records (20 products × 4 warehouses; the
// warehouses come from the cache), the fewest the loaders can make.
func TestGraphQL_cart_requestCounts(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 60})
	const lines = 20
	fillCart(t, a, a.Catalog.Products[:lines])
	r := a.Do(t, cartPageQuery, nil)
	c := cartOf(t, r, "cart")
	if len(c.Lines) != lines {
		t.Fatalf("cart has %d lines, want %d", len(c.Lines), lines)
	}
	var cart struct {
		Lines []struct {
			Product struct {
				Sku       string
				Inventory struct {
					Available  int
					Warehouses []struct{ Warehouse struct{ Code string } }
				}
			}
		}
	}
	raw, _ := json.Marshal(r.Data["cart"])
	if err := json.Unmarshal(raw, &cart); err != nil {
		t.Fatal(err)
	}
	stock := map[string]int{}
	for _, l := range a.Catalog.Stock {
		stock[l.ProductID] += l.Available
	}
	for i, l := range cart.Lines {
		sku := l.Product.Sku
		if len(l.Product.Inventory.Warehouses) != len(a.Catalog.Warehouses) || l.Product.Inventory.Available != stock[sku] {
			t.Errorf("line %d (%s): inventory %+v, want %d warehouses, %d available", i, sku, l.Product.Inventory, len(a.Catalog.Warehouses), stock[sku])
		}
	}
	got := r.Extensions.DynamoDB
	if got.Requests != 3 || got.ByOperation["Query"] != 1 || got.ByOperation["BatchGetItem"] != 2 {
		t.Errorf("dynamodb requests = %+v, want 3 = 1 Query + 2 BatchGetItem", got)
	}

	// Without inventory: the cart and its products.
	r = a.Do(t, cartQuery, nil)
	wantNoErrors(t, r)
	if got := r.Extensions.DynamoDB; got.Requests != 2 || got.ByOperation["Query"] != 1 || got.ByOperation["BatchGetItem"] != 1 {
		t.Errorf("cart without inventory: dynamodb requests = %+v, want 2 = 1 Query + 1 BatchGetItem", got)
	}
	// A mutation adds its own requests to the same reads: the product
	// check (GetItem) and the write (UpdateItem).
	r = a.Do(t, `mutation($id: ID!) { addToCart(productId: $id, quantity: 1) { lines { product { inventory { available } } } } }`,
		map[string]any{"id": pid(a.Catalog.Products[0])})
	wantNoErrors(t, r)
	if got := r.Extensions.DynamoDB; got.Requests != 5 || got.ByOperation["GetItem"] != 1 || got.ByOperation["UpdateItem"] != 1 ||
		got.ByOperation["Query"] != 1 || got.ByOperation["BatchGetItem"] != 2 {
		t.Errorf("addToCart with inventory: dynamodb requests = %+v, want 5 = 1 GetItem + 1 UpdateItem + 1 Query + 2 BatchGetItem", got)
	}
	// An empty cart is its Query alone.
	wantNoErrors(t, a.Do(t, clearCart, nil))
	r = a.Do(t, cartPageQuery, nil)
	wantNoErrors(t, r)
	if got := r.Extensions.DynamoDB; got.Requests != 1 || got.ByOperation["Query"] != 1 {
		t.Errorf("empty cart: dynamodb requests = %+v, want 1 Query", got)
	}
}

// TestGraphQL_cart_requestCountsUnderLoad: at production's 2 ms batch
// window, with 16 cart pages in flight, each still costs exactly 1 Query +
// 2 BatchGetItem: the cart resolver loads its products and prefetches their
// inventory in one batch each, so the lines cannot straddle batch windows.
func TestGraphQL_cart_requestCountsUnderLoad(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 60, Server: server.Config{Loaders: loaders.Config{Wait: loaders.DefaultWait}}})
	fillCart(t, a, a.Catalog.Products[:20])
	const inFlight = 16
	counts := make(chan apptest.Response, inFlight)
	var wg sync.WaitGroup
	for range inFlight {
		wg.Go(func() { counts <- a.Do(t, cartPageQuery, nil) })
	}
	wg.Wait()
	close(counts)
	for r := range counts {
		if c := cartOf(t, r, "cart"); len(c.Lines) != 20 {
			t.Errorf("cart has %d lines, want 20", len(c.Lines))
		}
		got := r.Extensions.DynamoDB
		if got.Requests != 3 || got.ByOperation["Query"] != 1 || got.ByOperation["BatchGetItem"] != 2 {
			t.Errorf("dynamodb requests = %+v, want 3 = 1 Query + 2 BatchGetItem", got)
		}
	}
}

// TestLimits_aliasedCartsAreBounded: every cart is priced from all its
// products, so aliases cannot multiply those reads cheaply: 49 aliased
// carts fit the default complexity limit of 5,000 (102 each), 50 do not,
// and neither do 50 cart mutations.
func TestLimits_aliasedCartsAreBounded(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	aliased := func(op, field string, n int) string {
		var q strings.Builder
		q.WriteString(op + " {")
		for i := range n {
			fmt.Fprintf(&q, " a%d: %s { itemCount }", i, field)
		}
		return q.String() + " }"
	}
	wantNoErrors(t, a.Do(t, aliased("query", "cart", 49), nil))
	wantError(t, a.Do(t, aliased("query", "cart", 50), nil), 200, "LimitExceeded", "complexity 5100")
	wantError(t, a.Do(t, aliased("mutation", "clearCart", 50), nil), 200, "LimitExceeded", "complexity 5100")
}
