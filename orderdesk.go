package shopgraph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// OrderWorkflows runs the order workflows (Step Functions).
type OrderWorkflows interface {
	// StartNewOrder starts the order's NewOrder execution, named by the
	// order id: starting an order that has one starts nothing.
	StartNewOrder(ctx context.Context, o Order) (executionARN string, err error)
	// ConfirmShipped and ConfirmDelivered answer the workflow's wait for
	// the warehouse; CodeConflict when it is not waiting for that (yet).
	ConfirmShipped(ctx context.Context, orderID string) error
	ConfirmDelivered(ctx context.Context, orderID string) error
	// StartCancelOrder and StartReturnOrder start the order's
	// cancellation and return workflows (each at most once per order).
	StartCancelOrder(ctx context.Context, o Order, reason string) error
	StartReturnOrder(ctx context.Context, o Order, r ReturnRequest) error
	// ConfirmReturnReceived answers a return's wait for the warehouse.
	ConfirmReturnReceived(ctx context.Context, orderID string) error
}

// OrderLineInput is one line a customer orders.
type OrderLineInput struct {
	Product  ProductKey
	Quantity int
}

// PlaceOrderInput is what placeOrder is given.
type PlaceOrderInput struct {
	IdempotencyKey  string
	ShippingAddress Address
	PaymentToken    string
	// Lines to order; nil orders the cart (which is cleared once the order
	// is accepted).
	Lines []OrderLineInput
}

// OrderDesk is where customers place and read orders and the warehouse
// confirms them: the order rules, over the ports.
type OrderDesk struct {
	Catalog   CatalogStore
	Inventory InventoryStore
	Carts     CartStore
	Orders    OrderStore
	Payments  PaymentProvider
	Workflows OrderWorkflows
	// Events carries order events to subscribers (WatchOrders).
	Events OrderEventBus
	// ReturnWindow is how long after delivery an order may be returned
	// (0: DefaultReturnWindow).
	ReturnWindow time.Duration
	// Settle bounds how long cancelOrder and returnOrder wait for their
	// workflow's first transition before answering with the order as it
	// is (0: DefaultSettle).
	Settle time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// DefaultSettle is OrderDesk.Settle's default.
const DefaultSettle = 5 * time.Second

func (d *OrderDesk) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *OrderDesk) log() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// PlaceOrder validates the order, prices it from the catalog, stores it
// PENDING under an id derived from the customer and the idempotency key
// and starts its NewOrder workflow. The same key with the same order
// returns the stored order (and starts nothing new); with another order it
// is CodeConflict. Lines the stock cannot cover at all are CodeOutOfStock
// at once. When the workflow cannot be started the order stays PENDING and
// is returned: the reconciler starts it later.
func (d *OrderDesk) PlaceOrder(ctx context.Context, customerID string, in PlaceOrderInput) (Order, error) {
	if err := CheckIdempotencyKey(in.IdempotencyKey); err != nil {
		return Order{}, err
	}
	if err := in.ShippingAddress.Validate(); err != nil {
		return Order{}, err
	}
	if strings.TrimSpace(in.PaymentToken) == "" {
		return Order{}, Errorf(CodeBadRequest, "paymentToken is required")
	}
	fromCart := in.Lines == nil
	lines := in.Lines
	if fromCart {
		items, err := d.Carts.Cart(ctx, customerID)
		if err != nil {
			return Order{}, err
		}
		for _, it := range items {
			lines = append(lines, OrderLineInput{Product: it.Product, Quantity: it.Quantity})
		}
		if len(lines) == 0 {
			return Order{}, Errorf(CodeBadRequest, "the cart is empty: add products or give lines")
		}
	}
	priced, err := d.price(ctx, lines)
	if err != nil {
		return Order{}, err
	}
	if err := d.checkStock(ctx, priced); err != nil {
		return Order{}, err
	}
	now := d.now().UTC().Truncate(time.Millisecond)
	o := Order{
		ID: OrderID(customerID, in.IdempotencyKey), CustomerID: customerID, Status: OrderPending, Version: 1,
		Lines: priced, ShippingAddress: in.ShippingAddress, IdempotencyKey: in.IdempotencyKey,
		PayloadHash: payloadHash(priced, in), History: []StatusChange{{Status: OrderPending, At: now}},
		CreatedAt: now, UpdatedAt: now,
	}
	o.Total = Money{Currency: priced[0].UnitPrice.Currency}
	for _, l := range priced {
		o.Total.Amount += l.Total().Amount
	}
	if existing, err := d.Orders.Order(ctx, o.ID); err == nil {
		return d.repeat(ctx, existing, o)
	} else if !IsCode(err, CodeNotFound) {
		return Order{}, err
	}
	if o.PaymentRef, err = d.Payments.Prepare(ctx, in.PaymentToken); err != nil {
		return Order{}, err
	}
	stored, created, err := d.Orders.CreateOrder(ctx, o)
	if err != nil {
		return Order{}, err
	}
	if !created {
		return d.repeat(ctx, stored, o)
	}
	d.start(ctx, stored)
	if fromCart {
		if _, err := d.Carts.ClearCart(ctx, customerID); err != nil {
			d.log().Warn("order placed but the cart was not cleared", "order", o.ID, "error", err)
		}
	}
	return stored, nil
}

// repeat answers a placeOrder whose order exists: the same one again
// returns it (and makes sure its workflow started); another is a conflict.
func (d *OrderDesk) repeat(ctx context.Context, existing, asked Order) (Order, error) {
	if existing.CustomerID != asked.CustomerID || existing.PayloadHash != asked.PayloadHash {
		return Order{}, Errorf(CodeConflict, "idempotencyKey %q was already used for a different order", asked.IdempotencyKey)
	}
	if existing.Status == OrderPending {
		d.start(ctx, existing)
	}
	return existing, nil
}

// start starts o's workflow; a failure is logged and left to the
// reconciler.
func (d *OrderDesk) start(ctx context.Context, o Order) {
	if _, err := d.Workflows.StartNewOrder(ctx, o); err != nil {
		d.log().Warn("could not start the order's workflow: the reconciler will", "order", o.ID, "error", err)
	}
}

// Reconcile starts the NewOrder workflow of every order still PENDING
// that was placed before placedBefore (an order whose start failed, or was
// cut off), at most limit of them, and returns how many it started (or
// found started). Starting is idempotent (the execution is named by the
// order), so every instance may run it at once.
func (d *OrderDesk) Reconcile(ctx context.Context, placedBefore time.Time, limit int) (started int, err error) {
	pending, err := d.Orders.PendingOrders(ctx, placedBefore, limit)
	if err != nil {
		return 0, err
	}
	for _, o := range pending {
		if _, err := d.Workflows.StartNewOrder(ctx, o); err != nil {
			d.log().Warn("reconciler: could not start the order's workflow", "order", o.ID, "error", err)
			continue
		}
		started++
	}
	return started, nil
}

// price reads the lines' products and prices the order with them.
func (d *OrderDesk) price(ctx context.Context, lines []OrderLineInput) ([]OrderLine, error) {
	if len(lines) == 0 {
		return nil, Errorf(CodeBadRequest, "lines must not be empty (omit it to order the cart)")
	}
	if len(lines) > MaxOrderLines {
		return nil, Errorf(CodeBadRequest, "an order has at most %d lines, got %d", MaxOrderLines, len(lines))
	}
	keys := make([]ProductKey, 0, len(lines))
	for i, l := range lines {
		if err := CheckLineQuantity(l.Quantity); err != nil {
			return nil, Errorf(CodeBadRequest, "lines[%d]: %s", i, ErrorMessage(err))
		}
		if slices.Contains(keys, l.Product) {
			return nil, Errorf(CodeBadRequest, "lines[%d]: product %s is listed twice", i, l.Product.ProductID)
		}
		keys = append(keys, l.Product)
	}
	products, err := d.Catalog.GetProducts(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make([]OrderLine, len(lines))
	for i, l := range lines {
		p, ok := products[l.Product]
		if !ok {
			return nil, Errorf(CodeBadRequest, "lines[%d]: no product %s in category %s", i, l.Product.ProductID, l.Product.Category)
		}
		if p.Price.Currency != Currency {
			return nil, Errorf(CodeBadRequest, "lines[%d]: %s is priced in %s; orders are in %s", i, p.ProductID, p.Price.Currency, Currency)
		}
		out[i] = OrderLine{Product: l.Product, Name: p.Name, UnitPrice: p.Price, Quantity: l.Quantity}
	}
	return out, nil
}

// checkStock refuses at once a line that all warehouses together cannot
// cover (the workflow's reservation is what decides).
func (d *OrderDesk) checkStock(ctx context.Context, lines []OrderLine) error {
	whs, err := d.Catalog.Warehouses(ctx)
	if err != nil {
		return err
	}
	codes := make([]string, len(whs))
	for i, w := range whs {
		codes[i] = w.Code
	}
	ids := make([]string, len(lines))
	for i, l := range lines {
		ids[i] = l.Product.ProductID
	}
	inv, err := d.Inventory.GetInventory(ctx, ids, codes)
	if err != nil {
		return err
	}
	for i, l := range lines {
		if have := inv[i].Available(); have < l.Quantity {
			return Errorf(CodeOutOfStock, "%s: %d in stock, %d ordered", l.Name, have, l.Quantity)
		}
	}
	return nil
}

// payloadHash is a digest of what an order asks for, to tell a retry from
// another order under the same idempotency key. The payment token is not
// part of it: a retry may carry a fresh one-time token.
func payloadHash(lines []OrderLine, in PlaceOrderInput) string {
	h := sha256.New()
	for _, l := range lines {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00", l.Product.Category, l.Product.ProductID, l.Quantity)
	}
	a := in.ShippingAddress
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s", a.Name, a.Line1, a.Line2, a.City, a.Region, a.PostalCode, a.Country)
	return hex.EncodeToString(h.Sum(nil))
}

// Order returns an order its customer (or an admin) may read; anyone
// else's is CodeNotFound, as is a missing one, so ids reveal nothing.
func (d *OrderDesk) Order(ctx context.Context, caller *Identity, id string) (Order, error) {
	o, err := d.Orders.Order(ctx, id)
	if err != nil {
		return Order{}, err
	}
	if caller == nil || (caller.Sub != o.CustomerID && !caller.InGroup(GroupAdmin)) {
		return Order{}, Errorf(CodeNotFound, "no order %q", id)
	}
	return o, nil
}

// MarkShipped and MarkDelivered confirm an order's shipment and delivery
// for the warehouse (the workflow then records the status).
func (d *OrderDesk) MarkShipped(ctx context.Context, id string) (Order, error) {
	return d.confirm(ctx, id, OrderConfirmed, d.Workflows.ConfirmShipped)
}

// MarkDelivered: see MarkShipped.
func (d *OrderDesk) MarkDelivered(ctx context.Context, id string) (Order, error) {
	return d.confirm(ctx, id, OrderShipped, d.Workflows.ConfirmDelivered)
}

func (d *OrderDesk) confirm(ctx context.Context, id string, from OrderStatus, fn func(context.Context, string) error) (Order, error) {
	o, err := d.Orders.Order(ctx, id)
	if err != nil {
		return Order{}, err
	}
	if o.Status != from {
		return Order{}, Errorf(CodeConflict, "order %s is %s, not %s", id, o.Status, from)
	}
	if err := fn(ctx, id); err != nil {
		return Order{}, err
	}
	return d.Orders.Order(ctx, id)
}

// MarkReturnReceived confirms for the warehouse that a return arrived.
func (d *OrderDesk) MarkReturnReceived(ctx context.Context, id string) (Order, error) {
	return d.confirm(ctx, id, OrderReturnRequested, d.Workflows.ConfirmReturnReceived)
}

// CanReturn reports whether o may be returned now.
func (d *OrderDesk) CanReturn(o Order) bool {
	return o.CanReturn(d.now(), d.returnWindow())
}

func (d *OrderDesk) returnWindow() time.Duration {
	if d.ReturnWindow > 0 {
		return d.ReturnWindow
	}
	return DefaultReturnWindow
}

// CancelOrder cancels an order its caller may read (their own; any for an
// admin) that has not shipped: it starts the CancelOrder workflow and
// waits (up to Settle) for it to record CANCELLED. An order that has
// shipped or ended is CodeNotCancellable, at once and changing nothing.
func (d *OrderDesk) CancelOrder(ctx context.Context, caller *Identity, id, reason string) (Order, error) {
	if err := checkReason(reason); err != nil {
		return Order{}, err
	}
	o, err := d.Order(ctx, caller, id)
	if err != nil {
		return Order{}, err
	}
	if !o.CanCancel() {
		return Order{}, Errorf(CodeNotCancellable, "order %s is %s: only orders not yet shipped can be cancelled", id, o.Status)
	}
	if reason == "" {
		reason = "cancelled by the customer"
		if caller.Sub != o.CustomerID {
			reason = "cancelled by the store"
		}
	}
	if err := d.Workflows.StartCancelOrder(ctx, o, reason); err != nil {
		return Order{}, err
	}
	o, err = d.settle(ctx, o, func(o Order) bool { return !o.CanCancel() })
	if err == nil && o.Status != OrderCancelled && !o.CanCancel() {
		return Order{}, Errorf(CodeNotCancellable, "order %s became %s before it could be cancelled", id, o.Status)
	}
	return o, err
}

// ReturnOrder returns lines of a delivered order its caller may read,
// within the return window (nil lines: all of them): it starts the
// ReturnOrder workflow and waits (up to Settle) for RETURN_REQUESTED. An
// order not delivered, or delivered too long ago, is CodeNotReturnable;
// lines that are not the order's, or more units than were ordered, are
// CodeBadRequest.
func (d *OrderDesk) ReturnOrder(ctx context.Context, caller *Identity, id string, lines []OrderLineInput, reason string) (Order, error) {
	if err := checkReason(reason); err != nil {
		return Order{}, err
	}
	o, err := d.Order(ctx, caller, id)
	if err != nil {
		return Order{}, err
	}
	if !d.CanReturn(o) {
		if o.Status == OrderDelivered {
			return Order{}, Errorf(CodeNotReturnable, "order %s was delivered more than %d days ago: the return window has closed", id, int(d.returnWindow().Hours()/24))
		}
		return Order{}, Errorf(CodeNotReturnable, "order %s is %s: only delivered orders can be returned", id, o.Status)
	}
	r, err := returnRequest(o, lines)
	if err != nil {
		return Order{}, err
	}
	r.Reason = reason
	if r.Reason == "" {
		r.Reason = "returned by the customer"
	}
	if err := d.Workflows.StartReturnOrder(ctx, o, r); err != nil {
		return Order{}, err
	}
	return d.settle(ctx, o, func(o Order) bool { return o.Status != OrderDelivered })
}

// returnRequest checks the lines of a return against the order and prices
// them as they were ordered.
func returnRequest(o Order, lines []OrderLineInput) (ReturnRequest, error) {
	r := ReturnRequest{Refund: Money{Currency: o.Total.Currency}}
	if lines == nil {
		for _, l := range o.Lines {
			lines = append(lines, OrderLineInput{Product: l.Product, Quantity: l.Quantity})
		}
	}
	if len(lines) == 0 {
		return r, Errorf(CodeBadRequest, "lines must name at least one line of the order to return")
	}
	seen := map[ProductKey]bool{}
	for i, in := range lines {
		j := slices.IndexFunc(o.Lines, func(l OrderLine) bool { return l.Product == in.Product })
		switch {
		case j < 0:
			return r, Errorf(CodeBadRequest, "lines[%d]: product %s is not in order %s", i, in.Product.ProductID, o.ID)
		case seen[in.Product]:
			return r, Errorf(CodeBadRequest, "lines[%d]: product %s is listed twice", i, in.Product.ProductID)
		case in.Quantity < 1 || in.Quantity > o.Lines[j].Quantity:
			return r, Errorf(CodeBadRequest, "lines[%d]: quantity must be 1..%d (the units ordered), got %d", i, o.Lines[j].Quantity, in.Quantity)
		}
		seen[in.Product] = true
		r.Lines = append(r.Lines, in)
		r.Refund.Amount += o.Lines[j].UnitPrice.Amount * int64(in.Quantity)
	}
	return r, nil
}

func checkReason(reason string) error {
	if len(reason) > MaxReasonLen {
		return Errorf(CodeBadRequest, "reason must have at most %d characters, got %d", MaxReasonLen, len(reason))
	}
	return nil
}

// settle re-reads o until moved reports true or Settle passes (or the
// request ends), and returns the order as it then is: a workflow's first
// step takes moments, and the caller would rather see its result.
func (d *OrderDesk) settle(ctx context.Context, o Order, moved func(Order) bool) (Order, error) {
	limit := d.Settle
	if limit <= 0 {
		limit = DefaultSettle
	}
	deadline := time.Now().Add(limit)
	for wait := 2 * time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		latest, err := d.Orders.Order(ctx, o.ID)
		if err != nil {
			return Order{}, err
		}
		if moved(latest) || time.Now().Add(wait).After(deadline) {
			return latest, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return latest, nil
		case <-t.C:
		}
	}
}

// OrderService is the order side of the API (an *OrderDesk).
type OrderService interface {
	PlaceOrder(ctx context.Context, customerID string, in PlaceOrderInput) (Order, error)
	Order(ctx context.Context, caller *Identity, id string) (Order, error)
	MyOrders(ctx context.Context, customerID string, status OrderStatus, limit int, nextToken string) (OrderPage, error)
	CancelOrder(ctx context.Context, caller *Identity, id, reason string) (Order, error)
	ReturnOrder(ctx context.Context, caller *Identity, id string, lines []OrderLineInput, reason string) (Order, error)
	CanReturn(o Order) bool
	MarkShipped(ctx context.Context, id string) (Order, error)
	MarkDelivered(ctx context.Context, id string) (Order, error)
	MarkReturnReceived(ctx context.Context, id string) (Order, error)
	WatchOrders(ctx context.Context, caller *Identity, f OrderEventFilter, ended func(error)) (<-chan *OrderEvent, error)
	PushOrders(ctx context.Context, caller *Identity, f OrderEventFilter, deliver func(*OrderEvent), ended func(error)) (stop func(), err error)
}

var _ OrderService = (*OrderDesk)(nil)

// MyOrders pages the customer's orders, newest first.
func (d *OrderDesk) MyOrders(ctx context.Context, customerID string, status OrderStatus, limit int, nextToken string) (OrderPage, error) {
	return d.Orders.OrdersByCustomer(ctx, customerID, status, limit, nextToken)
}
