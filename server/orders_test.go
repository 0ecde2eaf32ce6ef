package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
)

const orderSelection = `{ id status total { amount currency } canCancel canReturn createdAt
  lines { product { id name } quantity unitPrice { amount } lineTotal { amount } }
  shippingAddress { name country } statusHistory { status at reason } }`

const (
	placeOrder = `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) ` + orderSelection + ` }`
	orderQuery = `query($id: ID!) { order(id: $id) ` + orderSelection + ` }`
)

type orderView struct {
	ID, Status, CreatedAt string
	Total                 money
	CanCancel, CanReturn  bool
	Lines                 []struct {
		Product   struct{ ID, Name string }
		Quantity  int
		UnitPrice money
		LineTotal money
	}
	StatusHistory []struct{ Status, At string }
}

func orderOf(t *testing.T, r apptest.Response, field string) orderView {
	t.Helper()
	wantNoErrors(t, r)
	raw, _ := json.Marshal(r.Data[field])
	var o orderView
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("%s: %v in %s", field, err, r.Raw)
	}
	return o
}

var testAddress = map[string]any{"name": "Alice", "line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US"}

func orderInput(key string, lines ...any) map[string]any {
	in := map[string]any{"idempotencyKey": key, "shippingAddress": testAddress, "paymentToken": "tok_visa"}
	if len(lines) > 0 {
		var ls []map[string]any
		for i := 0; i < len(lines); i += 2 {
			ls = append(ls, map[string]any{"productId": lines[i].(shopgraph.Product).PublicID(), "quantity": lines[i+1]})
		}
		in["lines"] = ls
	}
	return in
}

// setStock puts a product's available units in the first warehouse, none
// in the others.
func setStock(t *testing.T, a *apptest.App, p shopgraph.Product, units int) {
	t.Helper()
	whs, err := a.Store.Warehouses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dynamotest.SetStock(t, a.DynamoDB.Client, a.Target.Tables.Inventory, p.ProductID, codes(whs), map[string]int{whs[0].Code: units})
}

// awaitOrder polls order(id) as headers until its status is want.
func awaitOrder(t *testing.T, a *apptest.App, headers map[string]string, id, want string) orderView {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		o := orderOf(t, a.DoWith(t, headers, orderQuery, map[string]any{"id": id}), "order")
		if o.Status == want {
			return o
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s is %s, not %s, after 20s", id, o.Status, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestOrders_placeFromCart: the cart is ordered, priced from the catalog,
// and cleared; the workflow confirms the order and publishes the event; the
// same key again returns the same order, another order under it is a
// Conflict; myOrders lists it.
func TestOrders_placeFromCart(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 30})
	alice := map[string]string{"Authorization": a.Token(t, "alice", shopgraph.TokenUseID)}
	var mu sync.Mutex
	var events []shopgraph.OrderEvent
	a.OrderEvents.Subscribe(func(ev shopgraph.OrderEvent) { mu.Lock(); events = append(events, ev); mu.Unlock() })
	p, q := a.Catalog.Products[0], a.Catalog.Products[1]
	setStock(t, a, p, 5)
	setStock(t, a, q, 5)
	wantNoErrors(t, a.DoWith(t, alice, addToCart, map[string]any{"id": p.PublicID(), "q": 2}))
	wantNoErrors(t, a.DoWith(t, alice, addToCart, map[string]any{"id": q.PublicID(), "q": 1}))

	o := orderOf(t, a.DoWith(t, alice, placeOrder, map[string]any{"in": orderInput("cart-1")}), "placeOrder")
	if o.Status != "PENDING" || len(o.Lines) != 2 || o.Total.Amount != 2*p.Price.Amount+q.Price.Amount || !o.CanCancel ||
		o.Lines[0].UnitPrice.Amount != p.Price.Amount || o.Lines[0].Product.Name != p.Name {
		t.Fatalf("placed %+v", o)
	}
	if c := cartOf(t, a.DoWith(t, alice, cartQuery, nil), "cart"); c.ItemCount != 0 {
		t.Fatalf("the cart was not cleared: %+v", c)
	}
	done := awaitOrder(t, a, alice, o.ID, "CONFIRMED")
	if len(done.StatusHistory) != 2 || done.StatusHistory[1].Status != "CONFIRMED" {
		t.Fatalf("history %+v", done.StatusHistory)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(events)
		mu.Unlock()
		if n == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	if len(events) != 1 || events[0].OrderID != o.ID || events[0].Status != shopgraph.OrderConfirmed || events[0].Version != 2 {
		t.Fatalf("events %+v", events)
	}
	mu.Unlock()

	again := orderOf(t, a.DoWith(t, alice, placeOrder, map[string]any{"in": orderInput("cart-1", p, 2, q, 1)}), "placeOrder")
	if again.ID != o.ID {
		t.Fatalf("the same key and order gave %s, want %s", again.ID, o.ID)
	}
	wantError(t, a.DoWith(t, alice, placeOrder, map[string]any{"in": orderInput("cart-1", p, 1)}), 200, "Conflict", "already used")
	r := a.DoWith(t, alice, `{ myOrders(limit: 5) { items { id status } nextToken } }`, nil)
	wantNoErrors(t, r)
	if !strings.Contains(string(r.Raw), o.ID) {
		t.Fatalf("myOrders %s lacks %s", r.Raw, o.ID)
	}
	if st := a.StepFunctions.Local.Service.Stats(); st.Started != 1 {
		t.Fatalf("%d executions started, want 1", st.Started)
	}
}

// TestOrders_badInput: each invalid placeOrder is a specific BadRequest
// (or OutOfStock) and stores nothing.
func TestOrders_badInput(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 10})
	p := a.Catalog.Products[0]
	setStock(t, a, p, 2)
	missing := p
	missing.ProductID = "nope"
	cases := []struct {
		name    string
		in      map[string]any
		code    string
		message string
	}{
		{"empty cart", orderInput("k1"), "BadRequest", "cart is empty"},
		{"quantity 0", orderInput("k2", p, 0), "BadRequest", "quantity must be between 1 and 99"},
		{"quantity 100", orderInput("k3", p, 100), "BadRequest", "quantity must be between 1 and 99"},
		{"unknown product", orderInput("k4", missing, 1), "BadRequest", "no product nope"},
		{"more than in stock", orderInput("k5", p, 3), "OutOfStock", "2 in stock, 3 ordered"},
		{"long key", orderInput(strings.Repeat("k", 65), p, 1), "BadRequest", "idempotencyKey must have 1 to 64"},
		{"listed twice", orderInput("k6", p, 1, p, 1), "BadRequest", "listed twice"},
	}
	bad := orderInput("k7", p, 1)
	bad["shippingAddress"] = map[string]any{"name": "A", "line1": "B", "city": "C", "postalCode": "D", "country": "Germany"}
	cases = append(cases, struct {
		name    string
		in      map[string]any
		code    string
		message string
	}{"malformed address", bad, "BadRequest", "ISO 3166-1 alpha-2"})
	token := orderInput("k8", p, 1)
	token["paymentToken"] = "4111 1111 1111 1111"
	cases = append(cases, struct {
		name    string
		in      map[string]any
		code    string
		message string
	}{"card number as token", token, "BadRequest", "paymentToken must look like tok_"})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, a.Do(t, placeOrder, map[string]any{"in": c.in}), 200, c.code, c.message)
		})
	}
	wantError(t, a.Do(t, `{ myOrders(nextToken: "forged") { items { id } } }`, nil), 200, "BadRequest", "invalid nextToken")
	wantError(t, a.Do(t, `{ myOrders(limit: 0) { items { id } } }`, nil), 200, "BadRequest", "limit")
	r := a.Do(t, `{ myOrders { items { id } } }`, nil)
	wantNoErrors(t, r)
	if strings.Contains(string(r.Raw), "ord_") {
		t.Fatalf("a refused order was stored: %s", r.Raw)
	}
}

// TestOrders_access: a customer reads only their own orders, API keys
// cannot place or read orders, and only the warehouse group confirms
// shipment and delivery.
func TestOrders_access(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 10})
	p := a.Catalog.Products[0]
	setStock(t, a, p, 3)
	alice := map[string]string{"Authorization": a.Token(t, "alice", shopgraph.TokenUseID)}
	bob := map[string]string{"Authorization": a.Token(t, "bob", shopgraph.TokenUseID)}
	wanda := map[string]string{"Authorization": a.Token(t, "wanda", shopgraph.TokenUseID)}
	admin := map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseID)}
	partner := map[string]string{"x-api-key": "sgk_0000000000000000.Mt4a8N3JxvZGnqLATbNrLxg89DryYcCd0Y_232UTZxI"}

	o := orderOf(t, a.DoWith(t, alice, placeOrder, map[string]any{"in": orderInput("a-1", p, 1)}), "placeOrder")
	if r := a.DoWith(t, bob, orderQuery, map[string]any{"id": o.ID}); r.Data["order"] != nil || len(r.Errors) != 0 {
		t.Fatalf("bob read alice's order: %s", r.Raw)
	}
	awaitOrder(t, a, admin, o.ID, "CONFIRMED")
	wantError(t, a.DoWith(t, partner, placeOrder, map[string]any{"in": orderInput("p-1", p, 1)}), 200, "Unauthorized", "Not Authorized")
	wantError(t, a.DoWith(t, partner, orderQuery, map[string]any{"id": o.ID}), 200, "Unauthorized", "Not Authorized")
	ship := `mutation($id: ID!) { markOrderShipped(orderId: $id) { id status } }`
	deliver := `mutation($id: ID!) { markOrderDelivered(orderId: $id) { id status } }`
	wantError(t, a.DoWith(t, alice, ship, map[string]any{"id": o.ID}), 200, "Unauthorized", "Not Authorized")
	wantError(t, a.DoWith(t, wanda, deliver, map[string]any{"id": o.ID}), 200, "Conflict", "is CONFIRMED, not SHIPPED")
	// The workflow may still be recording CONFIRMED: a Conflict until it waits.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := a.DoWith(t, wanda, ship, map[string]any{"id": o.ID})
		if len(r.Errors) == 0 {
			break
		}
		if r.Errors[0].ErrorType != "Conflict" || time.Now().After(deadline) {
			t.Fatalf("markOrderShipped: %s", r.Raw)
		}
		time.Sleep(5 * time.Millisecond)
	}
	awaitOrder(t, a, alice, o.ID, "SHIPPED")
	for deadline := time.Now().Add(10 * time.Second); ; {
		r := a.DoWith(t, wanda, deliver, map[string]any{"id": o.ID})
		if len(r.Errors) == 0 {
			break
		}
		if r.Errors[0].ErrorType != "Conflict" || time.Now().After(deadline) {
			t.Fatalf("markOrderDelivered: %s", r.Raw)
		}
		time.Sleep(5 * time.Millisecond)
	}
	done := awaitOrder(t, a, alice, o.ID, "DELIVERED")
	if !done.CanReturn || done.CanCancel {
		t.Fatalf("a delivered order: canReturn %v canCancel %v", done.CanReturn, done.CanCancel)
	}
}

// TestOrders_concurrency: 100 concurrent placeOrder calls with one key make
// one order and one execution; 200 concurrent orders of one unit of a
// product with 50 units confirm exactly 50, the rest are out of stock, and
// the stock never goes negative.
func TestOrders_concurrency(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 10})
	p, q := a.Catalog.Products[0], a.Catalog.Products[1]
	setStock(t, a, p, 100)
	var wg sync.WaitGroup
	ids := make([]string, 100)
	for i := range 100 {
		wg.Go(func() {
			o := orderOf(t, a.Do(t, placeOrder, map[string]any{"in": orderInput("same", p, 1)}), "placeOrder")
			ids[i] = o.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("one key gave orders %s and %s", ids[0], id)
		}
	}
	awaitOrder(t, a, map[string]string{"Authorization": a.Token(t, "alice", shopgraph.TokenUseID)}, ids[0], "CONFIRMED")
	if st := a.StepFunctions.Local.Service.Stats(); st.Started != 1 {
		t.Fatalf("%d executions for one key, want 1", st.Started)
	}

	setStock(t, a, q, 50)
	placed := make([]string, 200)
	for i := range 200 {
		wg.Go(func() {
			r := a.Do(t, placeOrder, map[string]any{"in": orderInput(fmt.Sprintf("rush-%d", i), q, 1)})
			if len(r.Errors) == 0 {
				placed[i] = orderOf(t, r, "placeOrder").ID
			} else if r.Errors[0].ErrorType != "OutOfStock" {
				t.Errorf("placeOrder: %s", r.Raw)
			}
		})
	}
	wg.Wait()
	counts := map[string]int{}
	for _, id := range placed {
		if id == "" {
			counts["refused at once"]++
			continue
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			o := orderOf(t, a.Do(t, orderQuery, map[string]any{"id": id}), "order")
			if o.Status != "PENDING" {
				counts[o.Status]++
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("order %s still pending", id)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if counts["CONFIRMED"] != 50 || counts["CONFIRMED"]+counts["OUT_OF_STOCK"]+counts["refused at once"] != 200 {
		t.Fatalf("outcomes %v, want 50 confirmed and the rest out of stock", counts)
	}
	whs, _ := a.Store.Warehouses(context.Background())
	inv, err := a.Store.GetInventory(context.Background(), []string{q.ProductID}, codes(whs))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range inv[0].Warehouses {
		if l.Available != 0 || l.Reserved < 0 {
			t.Fatalf("stock after the rush: %+v", inv[0].Warehouses)
		}
	}
	if inv[0].Warehouses[0].Reserved+sumReserved(inv[0].Warehouses[1:]) != 50 {
		t.Fatalf("reserved %+v, want 50 in all", inv[0].Warehouses)
	}
}

func codes(whs []shopgraph.Warehouse) []string {
	out := make([]string, len(whs))
	for i, w := range whs {
		out[i] = w.Code
	}
	return out
}

func sumReserved(ls []shopgraph.StockLevel) int {
	n := 0
	for _, l := range ls {
		n += l.Reserved
	}
	return n
}
