package dynamo_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	localddb "github.com/shopgraph/shopgraph/local/dynamodb"
	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

func TestCartStore_embedded(t *testing.T) {
	t.Parallel()
	runCartContract(t, dynamotest.Embedded(t))
}

func TestCartStore_dynamoDBLocal(t *testing.T) {
	t.Parallel()
	runCartContract(t, dynamotest.DynamoDBLocal(t))
}

// clock is a settable clock for the store's timestamps.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// cartFixture is a store on a seeded catalog, with its clock.
type cartFixture struct {
	store    *dynamo.Store
	clock    *clock
	products []shopgraph.Product
	euro     shopgraph.Product // priced in EUR
}

// cartCatalog is big enough to fill a cart (shopgraph.MaxCartLines) and
// then some.
const cartCatalog = 130

func newCartFixture(t *testing.T, target dynamotest.Target) cartFixture {
	t.Helper()
	c := &clock{t: time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)}
	store, err := dynamo.New(target.Client, dynamo.Options{Tables: target.Tables, CursorSecret: []byte(dynamotest.CursorSecret), Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	cat := seedCatalog(cartCatalog)
	euro := cat.Products[0]
	euro.ProductID, euro.Price.Currency = "EURO-1", "EUR"
	cat.Products = append(cat.Products, euro)
	if err := store.Seed(context.Background(), cat, nil); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return cartFixture{store: store, clock: c, products: cat.Products[:cartCatalog], euro: euro}
}

// wantItems checks a cart's items: the products' ids and quantities, in
// order.
func wantItems(t *testing.T, what string, got []shopgraph.CartItem, want ...any) {
	t.Helper()
	var g, w []string
	for _, it := range got {
		g = append(g, fmt.Sprintf("%s/%s×%d", it.Product.Category, it.Product.ProductID, it.Quantity))
	}
	for i := 0; i < len(want); i += 2 {
		p := want[i].(shopgraph.Product)
		w = append(w, fmt.Sprintf("%s/%s×%d", p.Category, p.ProductID, want[i+1].(int)))
	}
	if strings.Join(g, " ") != strings.Join(w, " ") {
		t.Errorf("%s: items %v, want %v", what, g, w)
	}
}

// wantBadRequest checks that err is a BadRequest whose message contains
// each part.
func wantBadRequest(t *testing.T, what string, err error, parts ...string) {
	t.Helper()
	if !shopgraph.IsCode(err, shopgraph.CodeBadRequest) {
		t.Errorf("%s: err = %v, want BadRequest", what, err)
		return
	}
	for _, p := range parts {
		if msg := shopgraph.ErrorMessage(err); !strings.Contains(msg, p) {
			t.Errorf("%s: message %q lacks %q", what, msg, p)
		}
	}
}

// runCartContract checks the dynamo store's shopgraph.CartStore contract
// against one target.
func runCartContract(t *testing.T, target dynamotest.Target) {
	f := newCartFixture(t, target)
	t.Run("lines", func(t *testing.T) { testCartLines(t, f) })
	t.Run("bad input", func(t *testing.T) { testCartBadInput(t, f) })
	t.Run("owners", func(t *testing.T) { testCartOwners(t, f) })
	t.Run("line limit", func(t *testing.T) { testCartLineLimit(t, f) })
	t.Run("concurrent", func(t *testing.T) { testCartConcurrent(t, f) })
	t.Run("request counts", func(t *testing.T) { testCartRequestCounts(t, f) })
}

func testCartLines(t *testing.T, f cartFixture) {
	ctx := context.Background()
	s, p := f.store, f.products
	const owner = "lines-owner"
	items, err := s.Cart(ctx, owner)
	if err != nil || items == nil || len(items) != 0 {
		t.Fatalf("Cart of a new owner = %v, %v; want no items (non-nil)", items, err)
	}
	t1 := f.clock.advance(time.Second)
	items, err = s.AddToCart(ctx, owner, p[3].Key(), 2)
	if err != nil {
		t.Fatal(err)
	}
	wantItems(t, "first add", items, p[3], 2)
	if !items[0].AddedAt.Equal(t1) || !items[0].UpdatedAt.Equal(t1) {
		t.Errorf("new line: added %v, updated %v; want both %v", items[0].AddedAt, items[0].UpdatedAt, t1)
	}
	t2 := f.clock.advance(time.Second)
	items, err = s.AddToCart(ctx, owner, p[3].Key(), 3)
	if err != nil {
		t.Fatal(err)
	}
	wantItems(t, "add to the line", items, p[3], 5)
	if !items[0].AddedAt.Equal(t1) || !items[0].UpdatedAt.Equal(t2) {
		t.Errorf("added to: added %v, updated %v; want %v, %v", items[0].AddedAt, items[0].UpdatedAt, t1, t2)
	}
	// Lines come oldest first, whatever their product ids.
	f.clock.advance(time.Second)
	if _, err := s.AddToCart(ctx, owner, p[1].Key(), 1); err != nil {
		t.Fatal(err)
	}
	f.clock.advance(time.Second)
	items, err = s.AddToCart(ctx, owner, p[2].Key(), 4)
	if err != nil {
		t.Fatal(err)
	}
	wantItems(t, "three lines", items, p[3], 5, p[1], 1, p[2], 4)

	// A line holds at most 99: adding past it changes nothing.
	_, err = s.AddToCart(ctx, owner, p[3].Key(), 95)
	wantBadRequest(t, "5 + 95", err, p[3].ProductID, "99")
	items, err = s.AddToCart(ctx, owner, p[3].Key(), 94)
	if err != nil {
		t.Fatalf("5 + 94: %v", err)
	}
	wantItems(t, "a full line", items, p[3], 99, p[1], 1, p[2], 4)
	_, err = s.AddToCart(ctx, owner, p[3].Key(), 1)
	wantBadRequest(t, "99 + 1", err, "99")

	t5 := f.clock.advance(time.Second)
	items, err = s.UpdateCartItem(ctx, owner, p[1].Key(), 7)
	if err != nil {
		t.Fatal(err)
	}
	wantItems(t, "update", items, p[3], 99, p[1], 7, p[2], 4)
	if !items[1].UpdatedAt.Equal(t5) || items[1].AddedAt.Equal(t5) {
		t.Errorf("updated line: added %v, updated %v; want updated %v, added before", items[1].AddedAt, items[1].UpdatedAt, t5)
	}
	items, err = s.UpdateCartItem(ctx, owner, p[1].Key(), 99)
	if err != nil {
		t.Fatal(err)
	}
	wantItems(t, "update to 99", items, p[3], 99, p[1], 99, p[2], 4)
	_, err = s.UpdateCartItem(ctx, owner, p[9].Key(), 1)
	wantBadRequest(t, "update a line that is not in the cart", err, p[9].ProductID, "not in the cart")

	items, err = s.RemoveFromCart(ctx, owner, p[3].Key())
	if err != nil {
		t.Fatal(err)
	}
	wantItems(t, "remove", items, p[1], 99, p[2], 4)
	for _, k := range []shopgraph.ProductKey{p[3].Key(), p[9].Key(), {Category: "x", ProductID: strings.Repeat("y", 2000)}} {
		items, err = s.RemoveFromCart(ctx, owner, k)
		if err != nil {
			t.Fatalf("remove a line that is not there (%.20s): %v", k.ProductID, err)
		}
		wantItems(t, "remove a line that is not there", items, p[1], 99, p[2], 4)
	}
	items, err = s.ClearCart(ctx, owner)
	if err != nil || items == nil || len(items) != 0 {
		t.Fatalf("ClearCart = %v, %v; want no items (non-nil)", items, err)
	}
	if items, err = s.Cart(ctx, owner); err != nil || len(items) != 0 {
		t.Errorf("Cart after ClearCart = %v, %v", items, err)
	}
	if items, err = s.ClearCart(ctx, owner); err != nil || len(items) != 0 {
		t.Errorf("ClearCart of an empty cart = %v, %v", items, err)
	}
}

func testCartBadInput(t *testing.T, f cartFixture) {
	ctx := context.Background()
	s, p := f.store, f.products
	const owner = "bad-input-owner"
	if _, err := s.AddToCart(ctx, owner, p[0].Key(), 1); err != nil {
		t.Fatal(err)
	}
	sctx, stats := withStats(ctx)
	for _, q := range []int{0, -1, 100, 1 << 40} {
		_, err := s.AddToCart(sctx, owner, p[1].Key(), q)
		wantBadRequest(t, fmt.Sprintf("add %d", q), err, "quantity must be between 1 and 99", fmt.Sprint(q))
		_, err = s.UpdateCartItem(sctx, owner, p[0].Key(), q)
		wantBadRequest(t, fmt.Sprintf("update to %d", q), err, "quantity must be between 1 and 99", fmt.Sprint(q))
	}
	if by := ops(stats); len(by) != 0 {
		t.Errorf("quantities out of range made requests: %v", by)
	}
	for name, k := range map[string]shopgraph.ProductKey{
		"unknown product":  {Category: p[0].Category, ProductID: "ZZ-999999"},
		"wrong category":   {Category: "no-such-category", ProductID: p[1].ProductID},
		"key too long":     {Category: p[0].Category, ProductID: strings.Repeat("x", 1025)},
		"empty product id": {Category: p[0].Category},
	} {
		_, err := s.AddToCart(ctx, owner, k, 1)
		wantBadRequest(t, "add: "+name, err, "unknown product")
		_, err = s.UpdateCartItem(ctx, owner, k, 1)
		wantBadRequest(t, "update: "+name, err, "unknown product")
	}
	_, err := s.AddToCart(ctx, owner, f.euro.Key(), 1)
	wantBadRequest(t, "a product priced in EUR", err, f.euro.ProductID, "EUR", shopgraph.Currency)
	items, err := s.Cart(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	wantItems(t, "after refused changes", items, p[0], 1)
	// An owner that cannot be a key is the caller's bug, not bad input.
	for _, owner := range []string{"", strings.Repeat("o", 2049)} {
		if _, err := s.Cart(ctx, owner); err == nil || shopgraph.CodeOf(err) != shopgraph.CodeInternal {
			t.Errorf("Cart of owner %.10q: %v, want an internal error", owner, err)
		}
		if _, err := s.AddToCart(ctx, owner, p[0].Key(), 1); err == nil || shopgraph.CodeOf(err) != shopgraph.CodeInternal {
			t.Errorf("AddToCart of owner %.10q: %v, want an internal error", owner, err)
		}
	}
}

func testCartOwners(t *testing.T, f cartFixture) {
	ctx := context.Background()
	s, p := f.store, f.products
	if _, err := s.AddToCart(ctx, "owner-a", p[5].Key(), 3); err != nil {
		t.Fatal(err)
	}
	if items, err := s.Cart(ctx, "owner-b"); err != nil || len(items) != 0 {
		t.Errorf("another owner's cart = %v, %v; want empty", items, err)
	}
	_, err := s.UpdateCartItem(ctx, "owner-b", p[5].Key(), 9)
	wantBadRequest(t, "update another owner's line", err, "not in the cart")
	if _, err := s.RemoveFromCart(ctx, "owner-b", p[5].Key()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClearCart(ctx, "owner-b"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddToCart(ctx, "owner-b", p[5].Key(), 1); err != nil {
		t.Fatal(err)
	}
	items, err := s.Cart(ctx, "owner-a")
	if err != nil {
		t.Fatal(err)
	}
	wantItems(t, "owner-a's cart after owner-b's changes", items, p[5], 3)
}

func testCartLineLimit(t *testing.T, f cartFixture) {
	ctx := context.Background()
	s, p := f.store, f.products
	const owner = "full-owner"
	for i := range shopgraph.MaxCartLines {
		f.clock.advance(time.Millisecond)
		if _, err := s.AddToCart(ctx, owner, p[i].Key(), 1); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
	}
	_, err := s.AddToCart(ctx, owner, p[shopgraph.MaxCartLines].Key(), 1)
	wantBadRequest(t, "line 101", err, "the cart is full", "100")
	items, err := s.Cart(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != shopgraph.MaxCartLines || items[len(items)-1].Product != p[shopgraph.MaxCartLines-1].Key() {
		t.Fatalf("after the refused 101st line: %d items, want %d ending with line 100", len(items), shopgraph.MaxCartLines)
	}
	// A full cart still takes more of the products it has.
	items, err = s.AddToCart(ctx, owner, p[0].Key(), 4)
	if err != nil || len(items) != shopgraph.MaxCartLines || items[0].Quantity != 5 {
		t.Fatalf("add to a line of a full cart = %d items (first ×%d), %v", len(items), items[0].Quantity, err)
	}
	// Removing a line makes room for one.
	if _, err := s.RemoveFromCart(ctx, owner, p[7].Key()); err != nil {
		t.Fatal(err)
	}
	items, err = s.AddToCart(ctx, owner, p[shopgraph.MaxCartLines].Key(), 1)
	if err != nil || len(items) != shopgraph.MaxCartLines {
		t.Fatalf("add after a removal = %d items, %v", len(items), err)
	}
	sctx, stats := withStats(ctx)
	if items, err := s.ClearCart(sctx, owner); err != nil || len(items) != 0 {
		t.Fatalf("ClearCart of a full cart = %v, %v", items, err)
	}
	if by := ops(stats); by["Query"] != 1 || by["BatchWriteItem"] != 4 || len(by) != 2 {
		t.Errorf("ClearCart of 100 lines made %v, want 1 Query and 4 BatchWriteItem (25 deletes each)", by)
	}
	if items, err := s.Cart(ctx, owner); err != nil || len(items) != 0 {
		t.Errorf("Cart after clearing a full cart = %d items, %v", len(items), err)
	}
}

// testCartConcurrent: concurrent additions never break the rules. Ten
// additions of 10 to one line: exactly nine fit in 99. Eight new lines
// added at once to a cart of 96: the cart ends with at most 100 lines,
// holding exactly the lines whose additions succeeded.
func testCartConcurrent(t *testing.T, f cartFixture) {
	ctx := context.Background()
	s, p := f.store, f.products
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		ok, bad int
	)
	for range 10 {
		wg.Go(func() {
			_, err := s.AddToCart(ctx, "concurrent-line", p[0].Key(), 10)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case shopgraph.IsCode(err, shopgraph.CodeBadRequest):
				bad++
			default:
				t.Errorf("concurrent add: %v", err)
			}
		})
	}
	wg.Wait()
	items, err := s.Cart(ctx, "concurrent-line")
	if err != nil {
		t.Fatal(err)
	}
	if ok != 9 || bad != 1 || len(items) != 1 || items[0].Quantity != 90 {
		t.Errorf("10 concurrent additions of 10: %d succeeded, %d refused, cart %v; want 9, 1 and one line of 90", ok, bad, items)
	}

	const owner, have, racers = "concurrent-lines", shopgraph.MaxCartLines - 4, 8
	for i := range have {
		if _, err := s.AddToCart(ctx, owner, p[i].Key(), 1); err != nil {
			t.Fatal(err)
		}
	}
	added := make([]bool, racers)
	for i := range racers {
		wg.Go(func() {
			_, err := s.AddToCart(ctx, owner, p[have+i].Key(), 1)
			switch {
			case err == nil:
				added[i] = true
			case !shopgraph.IsCode(err, shopgraph.CodeBadRequest) || !strings.Contains(shopgraph.ErrorMessage(err), "the cart is full"):
				t.Errorf("racer %d: %v, want success or a full cart", i, err)
			}
		})
	}
	wg.Wait()
	items, err = s.Cart(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	in := map[shopgraph.ProductKey]bool{}
	for _, it := range items {
		in[it.Product] = true
	}
	n := 0
	for i, a := range added {
		if a != in[p[have+i].Key()] {
			t.Errorf("racer %d: added %v, but its line in the cart: %v", i, a, in[p[have+i].Key()])
		}
		if a {
			n++
		}
	}
	if len(items) > shopgraph.MaxCartLines || len(items) != have+n {
		t.Errorf("after %d racers on %d lines: %d lines (%d added), want at most %d", racers, have, len(items), n, shopgraph.MaxCartLines)
	}
}

// testCartRequestCounts: what each operation costs.
func testCartRequestCounts(t *testing.T, f cartFixture) {
	ctx := context.Background()
	s, p := f.store, f.products
	const owner = "counted-owner"
	// In order: each step's cost depends on the one before.
	steps := []struct {
		name string
		run  func(context.Context) error
		want map[string]int
	}{
		{"Cart", func(ctx context.Context) error { _, err := s.Cart(ctx, owner); return err }, map[string]int{"Query": 1}},
		{"AddToCart", func(ctx context.Context) error { _, err := s.AddToCart(ctx, owner, p[0].Key(), 1); return err },
			map[string]int{"GetItem": 1, "UpdateItem": 1, "Query": 1}},
		{"UpdateCartItem", func(ctx context.Context) error { _, err := s.UpdateCartItem(ctx, owner, p[0].Key(), 3); return err },
			map[string]int{"GetItem": 1, "UpdateItem": 1, "Query": 1}},
		{"ClearCart (1 line)", func(ctx context.Context) error { _, err := s.ClearCart(ctx, owner); return err },
			map[string]int{"Query": 1, "BatchWriteItem": 1}},
		{"RemoveFromCart", func(ctx context.Context) error { _, err := s.RemoveFromCart(ctx, owner, p[0].Key()); return err },
			map[string]int{"DeleteItem": 1, "Query": 1}},
		{"ClearCart (empty)", func(ctx context.Context) error { _, err := s.ClearCart(ctx, owner); return err },
			map[string]int{"Query": 1}},
	}
	for _, st := range steps {
		sctx, stats := withStats(ctx)
		if err := st.run(sctx); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if by := ops(stats); fmt.Sprint(by) != fmt.Sprint(st.want) {
			t.Errorf("%s made %v, want %v", st.name, by, st.want)
		}
	}
}

// TestCartStore_clearRetriesUnprocessedItems: ClearCart deletes every line
// even when each BatchWriteItem leaves half its deletes unprocessed.
func TestCartStore_clearRetriesUnprocessedItems(t *testing.T) {
	t.Parallel()
	target := dynamotest.Embedded(t)
	f := newCartFixture(t, target)
	dynamo.SetRetryPolicy(f.store, time.Millisecond, 5*time.Millisecond, dynamo.DefaultRetryAttempts)
	ctx := context.Background()
	for _, p := range f.products[:60] {
		if _, err := f.store.AddToCart(ctx, "owner", p.Key(), 1); err != nil {
			t.Fatal(err)
		}
	}
	odd := func(n int, _ attr.Item) bool { return n%2 == 1 }
	target.Faults.Add(localddb.Fault{Table: target.Tables.Carts, Unprocessed: odd})
	sctx, stats := withStats(ctx)
	if _, err := f.store.ClearCart(sctx, "owner"); err != nil {
		t.Fatalf("ClearCart with unprocessed items: %v", err)
	}
	if by := ops(stats); by["BatchWriteItem"] <= 3 {
		t.Errorf("ClearCart made %v, want more than 3 BatchWriteItem (retries)", by)
	}
	if items, err := f.store.Cart(ctx, "owner"); err != nil || len(items) != 0 {
		t.Errorf("Cart after ClearCart = %d items, %v", len(items), err)
	}
}
