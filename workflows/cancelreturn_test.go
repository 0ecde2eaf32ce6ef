package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/local/payments"
	"github.com/shopgraph/shopgraph/workflows"
)

// TestCancelOrder_confirmed: a CONFIRMED order waiting for its shipment is
// cancelled: CANCELLED (after CONFIRMED, with the reason), its NewOrder
// execution released from the wait (OrderCancelled) and ended, its units
// back in stock and its payment refunded in full; one event per
// transition.
func TestCancelOrder_confirmed(t *testing.T) {
	r := newRig(t, 0, 0)
	ctx := context.Background()
	p := r.app.Catalog.Products[2]
	r.stock(t, p.ProductID, map[string]int{"FRA1": 3})
	o := r.place(t, "cust-c", "c1", p, 2, "tok_visa")
	r.await(t, o.ID, shopgraph.OrderConfirmed)
	r.awaitCallback(t, o.ID, shopgraph.CallbackShipment)

	confirmed, _ := r.app.Store.Order(ctx, o.ID)
	if err := r.engine.StartCancelOrder(ctx, confirmed, "changed my mind"); err != nil {
		t.Fatal(err)
	}
	done := r.await(t, o.ID, shopgraph.OrderCancelled)
	if st, _ := r.ended(t, workflows.CancelOrder, o.ID+"-cancel"); st != types.ExecutionStatusSucceeded {
		t.Fatalf("CancelOrder ended %s: %s", st, r.describeExecution(workflows.CancelOrder, o.ID+"-cancel"))
	}
	if st, _ := r.ended(t, workflows.NewOrder, o.ID); st != types.ExecutionStatusSucceeded {
		t.Fatalf("NewOrder ended %s after the cancellation: %s", st, r.describe(o.ID))
	}
	r.wantEvents(t, o.ID, shopgraph.OrderConfirmed, shopgraph.OrderCancelled)
	done, _ = r.app.Store.Order(ctx, o.ID)
	last := done.History[len(done.History)-1]
	if done.Version != 3 || last.Status != shopgraph.OrderCancelled || last.Reason != "changed my mind" || done.Reserved {
		t.Fatalf("cancelled order: version %d, last change %+v, reserved %v", done.Version, last, done.Reserved)
	}
	if got := r.levels(t, p.ProductID); got["FRA1"] != [2]int{3, 0} {
		t.Fatalf("stock after the cancellation: %v, want all 3 units back", got)
	}
	auths, refunds, _ := r.payments.Ledger()
	if refunds[done.AuthorizationID] != auths[done.AuthorizationID] || auths[done.AuthorizationID].Amount != done.Total.Amount {
		t.Fatalf("authorized %v, refunded %v; want the whole total (%v) refunded", auths, refunds, done.Total)
	}
	// A second start is the same execution: nothing runs twice.
	if err := r.engine.StartCancelOrder(ctx, confirmed, "again"); err != nil {
		t.Fatal(err)
	}
	if ev := r.events.of(o.ID); len(ev) != 2 {
		t.Fatalf("events after a repeated cancel: %+v", ev)
	}
}

// TestCancelOrder_whilePending: cancelled while NewOrder is still
// authorizing a flaky card (retrying), the order ends CANCELLED and stays
// so; NewOrder finds it superseded and undoes its own steps. Whatever the
// interleaving: nothing stays reserved, everything authorized is refunded
// once, and the events form one chain ending in CANCELLED.
func TestCancelOrder_whilePending(t *testing.T) {
	r := newRig(t, 0, 0)
	ctx := context.Background()
	p := r.app.Catalog.Products[3]
	r.stock(t, p.ProductID, map[string]int{"SEA1": 5})
	o := r.place(t, "cust-c", "c2", p, 5, payments.TokenFlaky)
	if err := r.engine.StartCancelOrder(ctx, o, "too slow"); err != nil {
		t.Fatal(err)
	}
	done := r.await(t, o.ID, shopgraph.OrderCancelled)
	r.ended(t, workflows.CancelOrder, o.ID+"-cancel")
	if st, _ := r.ended(t, workflows.NewOrder, o.ID); st != types.ExecutionStatusSucceeded {
		t.Fatalf("NewOrder ended %s: %s", st, r.describe(o.ID))
	}
	final, _ := r.app.Store.Order(ctx, o.ID)
	if final.Status != shopgraph.OrderCancelled || final.Reserved || final.Version != done.Version {
		t.Fatalf("after both workflows ended: %s, reserved %v, version %d (was %d when cancelled)", final.Status, final.Reserved, final.Version, done.Version)
	}
	if got := r.levels(t, p.ProductID); got["SEA1"] != [2]int{5, 0} {
		t.Fatalf("stock: %v, want all 5 units available again", got)
	}
	auths, refunds, _ := r.payments.Ledger()
	for id, m := range auths {
		if refunds[id] != m {
			t.Fatalf("authorization %s of %v refunded %v", id, m, refunds[id])
		}
	}
	evs := r.events.of(o.ID)
	if len(evs) == 0 || evs[len(evs)-1].Status != shopgraph.OrderCancelled || evs[len(evs)-1].Version != final.Version {
		t.Fatalf("events %+v, want a chain ending in CANCELLED at version %d", evs, final.Version)
	}
}

// TestCancelOrder_shipped: a shipped order is not cancellable: the
// workflow fails NotCancellable and changes nothing.
func TestCancelOrder_shipped(t *testing.T) {
	r := newRig(t, time.Millisecond, 0)
	ctx := context.Background()
	p := r.app.Catalog.Products[4]
	r.stock(t, p.ProductID, map[string]int{"FRA1": 1})
	o := r.place(t, "cust-c", "c3", p, 1, "tok_visa")
	shipped := r.await(t, o.ID, shopgraph.OrderShipped)
	r.wantEvents(t, o.ID, shopgraph.OrderConfirmed, shopgraph.OrderShipped)
	if err := r.engine.StartCancelOrder(ctx, shipped, ""); err != nil {
		t.Fatal(err)
	}
	if st, errName := r.ended(t, workflows.CancelOrder, o.ID+"-cancel"); st != types.ExecutionStatusFailed || errName != "NotCancellable" {
		t.Fatalf("CancelOrder of a shipped order ended %s %s, want FAILED NotCancellable: %s", st, errName, r.describeExecution(workflows.CancelOrder, o.ID+"-cancel"))
	}
	after, _ := r.app.Store.Order(ctx, o.ID)
	if after.Status != shopgraph.OrderShipped || after.Version != shipped.Version || !after.Reserved {
		t.Fatalf("a refused cancellation changed the order: %s v%d reserved %v", after.Status, after.Version, after.Reserved)
	}
	if ev := r.events.of(o.ID); len(ev) != 2 {
		t.Fatalf("a refused cancellation published: %+v", ev)
	}
}

// TestReturnOrder: a delivered order returns one of its two units: it is
// RETURN_REQUESTED, the warehouse receives the parcel, then RETURNED with
// that unit's price refunded (not the whole order).
func TestReturnOrder(t *testing.T) {
	r := newRig(t, time.Millisecond, time.Millisecond)
	ctx := context.Background()
	p := r.app.Catalog.Products[5]
	r.stock(t, p.ProductID, map[string]int{"FRA1": 4})
	o := r.place(t, "cust-r", "r1", p, 2, "tok_visa")
	delivered := r.await(t, o.ID, shopgraph.OrderDelivered)
	// NewOrder publishes DELIVERED just after recording it: a return
	// started at once could publish first (each event has its version, by
	// which subscribers order them).
	r.wantEvents(t, o.ID, shopgraph.OrderConfirmed, shopgraph.OrderShipped, shopgraph.OrderDelivered)
	req := shopgraph.ReturnRequest{Lines: []shopgraph.OrderLineInput{{Product: p.Key(), Quantity: 1}},
		Refund: p.Price, Reason: "too big"}
	if err := r.engine.StartReturnOrder(ctx, delivered, req); err != nil {
		t.Fatal(err)
	}
	done := r.await(t, o.ID, shopgraph.OrderReturned)
	if st, _ := r.ended(t, workflows.ReturnOrder, o.ID+"-return"); st != types.ExecutionStatusSucceeded {
		t.Fatalf("ReturnOrder ended %s: %s", st, r.describeExecution(workflows.ReturnOrder, o.ID+"-return"))
	}
	r.wantEvents(t, o.ID, shopgraph.OrderConfirmed, shopgraph.OrderShipped, shopgraph.OrderDelivered,
		shopgraph.OrderReturnRequested, shopgraph.OrderReturned)
	n := len(done.History)
	if done.History[n-2].Reason != "too big" || done.History[n-2].Status != shopgraph.OrderReturnRequested {
		t.Fatalf("history %+v", done.History)
	}
	_, refunds, _ := r.payments.Ledger()
	if refunds[done.AuthorizationID] != p.Price {
		t.Fatalf("refunded %v, want one unit's price %v", refunds[done.AuthorizationID], p.Price)
	}
}

// TestReturnOrder_notDelivered: a return of an order that is not
// DELIVERED (or whose version moved on) fails NotReturnable, changing
// nothing.
func TestReturnOrder_notDelivered(t *testing.T) {
	r := newRig(t, 0, 0)
	ctx := context.Background()
	p := r.app.Catalog.Products[6]
	r.stock(t, p.ProductID, map[string]int{"FRA1": 1})
	o := r.place(t, "cust-r", "r2", p, 1, "tok_visa")
	confirmed := r.await(t, o.ID, shopgraph.OrderConfirmed)
	if err := r.engine.StartReturnOrder(ctx, confirmed, shopgraph.ReturnRequest{Refund: p.Price, Reason: "x",
		Lines: []shopgraph.OrderLineInput{{Product: p.Key(), Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	if st, errName := r.ended(t, workflows.ReturnOrder, o.ID+"-return"); st != types.ExecutionStatusFailed || errName != "NotReturnable" {
		t.Fatalf("ReturnOrder of a confirmed order ended %s %s, want FAILED NotReturnable", st, errName)
	}
	if after, _ := r.app.Store.Order(ctx, o.ID); after.Status != shopgraph.OrderConfirmed || after.Version != confirmed.Version {
		t.Fatalf("a refused return changed the order: %s v%d", after.Status, after.Version)
	}
}

// awaitCallback waits until the order's workflow waits on purpose.
func (r *rig) awaitCallback(t *testing.T, id, purpose string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; {
		o, err := r.app.Store.Order(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if o.Callbacks[purpose] != "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s never waited for its %s: %s", id, purpose, r.describe(id))
		}
		time.Sleep(2 * time.Millisecond)
	}
}
