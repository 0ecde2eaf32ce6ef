package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/internal/apptest"
)

const (
	cancelOrder  = `mutation($id: ID!, $reason: String) { cancelOrder(orderId: $id, reason: $reason) ` + orderSelection + ` }`
	returnOrder  = `mutation($id: ID!, $lines: [OrderLineInput!], $reason: String) { returnOrder(orderId: $id, lines: $lines, reason: $reason) ` + orderSelection + ` }`
	shipOrder    = `mutation($id: ID!) { markOrderShipped(orderId: $id) { id status } }`
	receiveOrder = `mutation($id: ID!) { markReturnReceived(orderId: $id) { id status } }`
)

// unchanged fails the test when the order's status or history changed
// from before.
func unchanged(t *testing.T, a *apptest.App, headers map[string]string, before orderView) {
	t.Helper()
	after := orderOf(t, a.DoWith(t, headers, orderQuery, map[string]any{"id": before.ID}), "order")
	if after.Status != before.Status || len(after.StatusHistory) != len(before.StatusHistory) {
		t.Fatalf("a refused request changed the order: %s with %d changes, was %s with %d", after.Status, len(after.StatusHistory), before.Status, len(before.StatusHistory))
	}
}

// retryConflict sends a warehouse confirmation until the workflow waits for
// it (a Conflict until then).
func retryConflict(t *testing.T, a *apptest.App, headers map[string]string, query, id string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; {
		r := a.DoWith(t, headers, query, map[string]any{"id": id})
		if len(r.Errors) == 0 {
			return
		}
		if r.Errors[0].ErrorType != "Conflict" || time.Now().After(deadline) {
			t.Fatalf("%s: %s", query, r.Raw)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestOrders_cancel: a customer cancels a confirmed order: it is CANCELLED
// in the answer, its units are back in stock; cancelling it again, shipping
// it, or cancelling someone else's order is refused and changes nothing.
func TestOrders_cancel(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 10})
	p := a.Catalog.Products[0]
	setStock(t, a, p, 5)
	alice := map[string]string{"Authorization": a.Token(t, "alice", shopgraph.TokenUseID)}
	bob := map[string]string{"Authorization": a.Token(t, "bob", shopgraph.TokenUseID)}
	wanda := map[string]string{"Authorization": a.Token(t, "wanda", shopgraph.TokenUseID)}
	partner := map[string]string{"x-api-key": "sgk_0000000000000000.Mt4a8N3JxvZGnqLATbNrLxg89DryYcCd0Y_232UTZxI"}

	o := orderOf(t, a.DoWith(t, alice, placeOrder, map[string]any{"in": orderInput("cancel-1", p, 2)}), "placeOrder")
	confirmed := awaitOrder(t, a, alice, o.ID, "CONFIRMED")
	wantError(t, a.DoWith(t, bob, cancelOrder, map[string]any{"id": o.ID}), 200, "NotFound", "no order")
	wantError(t, a.DoWith(t, partner, cancelOrder, map[string]any{"id": o.ID}), 200, "Unauthorized", "Not Authorized")
	wantError(t, a.DoWith(t, alice, cancelOrder, map[string]any{"id": o.ID, "reason": strings.Repeat("x", 501)}), 200, "BadRequest", "at most 500")
	unchanged(t, a, alice, confirmed)

	c := orderOf(t, a.DoWith(t, alice, cancelOrder, map[string]any{"id": o.ID, "reason": "found it cheaper"}), "cancelOrder")
	if c.Status != "CANCELLED" || c.CanCancel || c.CanReturn {
		t.Fatalf("cancelOrder answered %+v", c)
	}
	last := c.StatusHistory[len(c.StatusHistory)-1]
	if last.Status != "CANCELLED" || len(c.StatusHistory) != 3 {
		t.Fatalf("history %+v", c.StatusHistory)
	}
	awaitStock(t, a, p, 5)

	wantError(t, a.DoWith(t, alice, cancelOrder, map[string]any{"id": o.ID}), 200, "NotCancellable", "is CANCELLED")
	wantError(t, a.DoWith(t, wanda, shipOrder, map[string]any{"id": o.ID}), 200, "Conflict", "is CANCELLED, not CONFIRMED")
	wantError(t, a.DoWith(t, alice, returnOrder, map[string]any{"id": o.ID}), 200, "NotReturnable", "only delivered orders")
	unchanged(t, a, alice, c)
}

// TestOrders_cancelPending: an order cancelled while still PENDING (its
// payment being retried) ends CANCELLED, with nothing left reserved.
func TestOrders_cancelPending(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 10})
	p := a.Catalog.Products[1]
	setStock(t, a, p, 3)
	in := orderInput("cancel-2", p, 3)
	in["paymentToken"] = "tok_flaky"
	o := orderOf(t, a.Do(t, placeOrder, map[string]any{"in": in}), "placeOrder")
	c := orderOf(t, a.Do(t, cancelOrder, map[string]any{"id": o.ID}), "cancelOrder")
	if c.Status != "CANCELLED" {
		t.Fatalf("cancelOrder answered %s", c.Status)
	}
	awaitStock(t, a, p, 3)
	if got := awaitOrder(t, a, map[string]string{"Authorization": a.Credential}, o.ID, "CANCELLED"); got.StatusHistory[len(got.StatusHistory)-1].Status != "CANCELLED" {
		t.Fatalf("history %+v", got.StatusHistory)
	}
}

// TestOrders_return: a delivered order returns one unit of a line: the
// answer is RETURN_REQUESTED; the warehouse's receipt makes it RETURNED.
// Returning an order twice, one past the return window, more units
// than ordered or a product not in the order is refused and changes
// nothing.
func TestOrders_return(t *testing.T) {
	var skew atomic.Int64 // added to the application's clock
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	a := apptest.New(t, apptest.Options{Products: 10, Now: now,
		Orders: app.OrdersConfig{ShipDelay: time.Millisecond, DeliverDelay: time.Millisecond}})
	p, q := a.Catalog.Products[2], a.Catalog.Products[3]
	setStock(t, a, p, 5)
	setStock(t, a, q, 5)
	alice := map[string]string{"Authorization": a.Token(t, "alice", shopgraph.TokenUseID)}
	bob := map[string]string{"Authorization": a.Token(t, "bob", shopgraph.TokenUseID)}
	wanda := map[string]string{"Authorization": a.Token(t, "wanda", shopgraph.TokenUseID)}
	line := func(pr shopgraph.Product, n int) map[string]any {
		return map[string]any{"productId": pr.PublicID(), "quantity": n}
	}

	o := orderOf(t, a.DoWith(t, alice, placeOrder, map[string]any{"in": orderInput("return-1", p, 2)}), "placeOrder")
	delivered := awaitOrder(t, a, alice, o.ID, "DELIVERED")
	if !delivered.CanReturn || delivered.CanCancel {
		t.Fatalf("delivered: canReturn %v, canCancel %v", delivered.CanReturn, delivered.CanCancel)
	}
	wantError(t, a.DoWith(t, alice, cancelOrder, map[string]any{"id": o.ID}), 200, "NotCancellable", "is DELIVERED")
	for _, c := range []struct {
		name    string
		lines   []map[string]any
		message string
	}{
		{"more than ordered", []map[string]any{line(p, 3)}, "quantity must be 1..2"},
		{"not in the order", []map[string]any{line(q, 1)}, "is not in order"},
		{"listed twice", []map[string]any{line(p, 1), line(p, 1)}, "listed twice"},
		{"no lines", []map[string]any{}, "at least one line"},
	} {
		wantError(t, a.DoWith(t, alice, returnOrder, map[string]any{"id": o.ID, "lines": c.lines}), 200, "BadRequest", c.message)
	}
	wantError(t, a.DoWith(t, bob, returnOrder, map[string]any{"id": o.ID}), 200, "NotFound", "no order")
	unchanged(t, a, alice, delivered)

	r := orderOf(t, a.DoWith(t, alice, returnOrder, map[string]any{"id": o.ID, "lines": []map[string]any{line(p, 1)}, "reason": "too small"}), "returnOrder")
	if r.Status != "RETURN_REQUESTED" || r.CanReturn || r.CanCancel {
		t.Fatalf("returnOrder answered %+v", r)
	}
	wantError(t, a.DoWith(t, alice, returnOrder, map[string]any{"id": o.ID}), 200, "NotReturnable", "is RETURN_REQUESTED")
	wantError(t, a.DoWith(t, alice, receiveOrder, map[string]any{"id": o.ID}), 200, "Unauthorized", "Not Authorized")
	retryConflict(t, a, wanda, receiveOrder, o.ID)
	done := awaitOrder(t, a, alice, o.ID, "RETURNED")
	var statuses []string
	for _, h := range done.StatusHistory {
		statuses = append(statuses, h.Status)
	}
	if got := strings.Join(statuses, " "); got != "PENDING CONFIRMED SHIPPED DELIVERED RETURN_REQUESTED RETURNED" {
		t.Fatalf("history %s", got)
	}
	// The returned unit is back in stock, in the warehouse it came from
	// (setStock put all five in the first), once.
	whs, _ := a.Store.Warehouses(context.Background())
	inv, err := a.Store.GetInventory(context.Background(), []string{p.ProductID}, codes(whs))
	if err != nil {
		t.Fatal(err)
	}
	if got := inv[0].Available(); got != 5-2+1 || inv[0].Warehouses[0].Available != got {
		t.Errorf("after the return of 1 of 2: stock %+v, want 4 available, all in %s", inv[0].Warehouses, whs[0].Code)
	}
	if err := a.Store.RestockReturn(context.Background(), o.ID, []shopgraph.OrderLineInput{{Product: p.Key(), Quantity: 1}}); err != nil {
		t.Fatal(err)
	}
	if inv, _ := a.Store.GetInventory(context.Background(), []string{p.ProductID}, codes(whs)); inv[0].Available() != 4 {
		t.Errorf("a second restock changed the stock: %+v", inv[0].Warehouses)
	}
	for _, bad := range []shopgraph.OrderLineInput{{Product: p.Key(), Quantity: 3}, {Product: q.Key(), Quantity: 1}} {
		if err := a.Store.RestockReturn(context.Background(), o.ID, []shopgraph.OrderLineInput{bad}); !shopgraph.IsCode(err, shopgraph.CodeBadRequest) {
			t.Errorf("restock of %d of %s: %v, want BadRequest", bad.Quantity, bad.Product.ProductID, err)
		}
	}

	// Past the window: delivered 31 days ago by the application's clock.
	late := orderOf(t, a.DoWith(t, alice, placeOrder, map[string]any{"in": orderInput("return-2", q, 1)}), "placeOrder")
	awaitOrder(t, a, alice, late.ID, "DELIVERED")
	skew.Store(int64(31 * 24 * time.Hour))
	alice = map[string]string{"Authorization": a.Token(t, "alice", shopgraph.TokenUseID)} // minted on the skewed clock
	old := orderOf(t, a.DoWith(t, alice, orderQuery, map[string]any{"id": late.ID}), "order")
	if old.CanReturn {
		t.Fatal("canReturn is true 31 days after delivery")
	}
	wantError(t, a.DoWith(t, alice, returnOrder, map[string]any{"id": late.ID}), 200, "NotReturnable", "the return window has closed")
	unchanged(t, a, alice, old)
}

// awaitStock waits until the product's available units are back to want,
// none reserved.
func awaitStock(t *testing.T, a *apptest.App, p shopgraph.Product, want int) {
	t.Helper()
	whs, _ := a.Store.Warehouses(context.Background())
	for deadline := time.Now().Add(20 * time.Second); ; {
		inv, err := a.Store.GetInventory(context.Background(), []string{p.ProductID}, codes(whs))
		if err != nil {
			t.Fatal(err)
		}
		if inv[0].Available() == want && sumReserved(inv[0].Warehouses) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stock %+v, want %d available and none reserved", inv[0].Warehouses, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// failingStarts is a Step Functions transport that fails StartExecution
// while down is set, as an outage of the service would.
type failingStarts struct {
	down   *atomic.Bool
	failed *atomic.Int64
	next   sfn.HTTPClient
}

func (f failingStarts) Do(r *http.Request) (*http.Response, error) {
	if f.down.Load() && r.Header.Get("X-Amz-Target") == "AWSStepFunctions.StartExecution" {
		f.failed.Add(1)
		return nil, errors.New("dial tcp: connection refused (test outage)")
	}
	return f.next.Do(r)
}

// TestOrders_outage: while StartExecution fails, placeOrder still accepts
// orders (PENDING); after the outage the reconciler starts each of them
// once, and every one reaches a final status: none lost, none duplicated.
func TestOrders_outage(t *testing.T) {
	var down atomic.Bool
	var failed atomic.Int64
	down.Store(true)
	a := apptest.New(t, apptest.Options{Products: 10,
		Orders: app.OrdersConfig{ReconcileInterval: 20 * time.Millisecond, ReconcileAge: 50 * time.Millisecond},
		SFNClientOptions: []func(*sfn.Options){func(o *sfn.Options) {
			o.HTTPClient = failingStarts{down: &down, failed: &failed, next: o.HTTPClient}
		}}})
	p := a.Catalog.Products[4]
	setStock(t, a, p, 15) // 15 units for 20 orders: some end OUT_OF_STOCK
	ids := make([]string, 20)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			r := a.Do(t, placeOrder, map[string]any{"in": orderInput(fmt.Sprintf("outage-%d", i), p, 1)})
			if len(r.Errors) == 0 {
				ids[i] = orderOf(t, r, "placeOrder").ID
			} else {
				t.Errorf("placeOrder during the outage: %s", r.Raw)
			}
		})
	}
	wg.Wait()
	// Let the reconciler try (and fail) a few rounds during the outage.
	for deadline := time.Now().Add(10 * time.Second); failed.Load() < int64(2*len(ids)); {
		if time.Now().After(deadline) {
			t.Fatalf("only %d failed starts: the reconciler is not retrying", failed.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st := a.StepFunctions.Local.Service.Stats(); st.Started != 0 {
		t.Fatalf("%d executions started during the outage", st.Started)
	}
	for _, id := range ids {
		if o := orderOf(t, a.Do(t, orderQuery, map[string]any{"id": id}), "order"); o.Status != "PENDING" {
			t.Fatalf("order %s is %s during the outage, want PENDING", id, o.Status)
		}
	}

	down.Store(false)
	counts := map[string]int{}
	for _, id := range ids {
		for deadline := time.Now().Add(60 * time.Second); ; {
			o := orderOf(t, a.Do(t, orderQuery, map[string]any{"id": id}), "order")
			if o.Status != "PENDING" {
				counts[o.Status]++
				if len(o.StatusHistory) != 2 {
					t.Errorf("order %s history %+v, want PENDING and one outcome", id, o.StatusHistory)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("order %s still PENDING after the outage", id)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if counts["CONFIRMED"] != 15 || counts["OUT_OF_STOCK"] != 5 {
		t.Fatalf("outcomes %v, want 15 CONFIRMED and 5 OUT_OF_STOCK", counts)
	}
	// Later rounds start nothing more: one execution per order.
	time.Sleep(100 * time.Millisecond)
	if st := a.StepFunctions.Local.Service.Stats(); st.Started != int64(len(ids)) {
		t.Fatalf("%d executions for %d orders", st.Started, len(ids))
	}
	if pending, err := a.Store.PendingOrders(context.Background(), time.Now(), 100); err != nil || len(pending) != 0 {
		t.Fatalf("pending index after the outage: %v %v, want it empty", pending, err)
	}
}
