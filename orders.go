package shopgraph

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// OrderStatus is where an order is in its life.
type OrderStatus string

// Order statuses: PENDING → CONFIRMED → SHIPPED → DELIVERED; the failures
// OUT_OF_STOCK and PAYMENT_FAILED; CANCELLED; RETURN_REQUESTED → RETURNED.
const (
	OrderPending         OrderStatus = "PENDING"
	OrderConfirmed       OrderStatus = "CONFIRMED"
	OrderShipped         OrderStatus = "SHIPPED"
	OrderDelivered       OrderStatus = "DELIVERED"
	OrderOutOfStock      OrderStatus = "OUT_OF_STOCK"
	OrderPaymentFailed   OrderStatus = "PAYMENT_FAILED"
	OrderCancelled       OrderStatus = "CANCELLED"
	OrderReturnRequested OrderStatus = "RETURN_REQUESTED"
	OrderReturned        OrderStatus = "RETURNED"
)

// OrderStatuses lists every status.
func OrderStatuses() []OrderStatus {
	return []OrderStatus{OrderPending, OrderConfirmed, OrderShipped, OrderDelivered, OrderOutOfStock,
		OrderPaymentFailed, OrderCancelled, OrderReturnRequested, OrderReturned}
}

// Final reports whether no workflow moves an order on from s.
func (s OrderStatus) Final() bool {
	switch s {
	case OrderOutOfStock, OrderPaymentFailed, OrderCancelled, OrderReturned:
		return true
	}
	return false
}

// Codes of the order operations.
const (
	// CodeNotCancellable: cancelOrder on an order that has shipped or
	// ended.
	CodeNotCancellable ErrorCode = "NotCancellable"
	// CodeNotReturnable: returnOrder on an order not delivered, or
	// delivered longer ago than the return window.
	CodeNotReturnable ErrorCode = "NotReturnable"
)

// DefaultReturnWindow is how long after delivery an order may be returned.
const DefaultReturnWindow = 30 * 24 * time.Hour

// Limits of an order.
const (
	MaxOrderLines        = MaxCartLines // each of 1..MaxLineQuantity units
	MaxIdempotencyKeyLen = 64
	// MaxReasonLen bounds the reason given to cancelOrder and returnOrder.
	MaxReasonLen    = 500
	maxAddressField = 200
)

// Address is a shipping address.
type Address struct {
	Name, Line1, Line2, City, Region, PostalCode, Country string
}

// Validate checks an address: name, line1, city, postal code and a two-letter
// country code are required; no field is longer than 200 bytes.
func (a Address) Validate() error {
	fields := []struct {
		name, value string
		required    bool
	}{
		{"name", a.Name, true}, {"line1", a.Line1, true}, {"line2", a.Line2, false}, {"city", a.City, true},
		{"region", a.Region, false}, {"postalCode", a.PostalCode, true}, {"country", a.Country, true},
	}
	for _, f := range fields {
		v := strings.TrimSpace(f.value)
		switch {
		case f.required && v == "":
			return Errorf(CodeBadRequest, "shippingAddress.%s is required", f.name)
		case len(f.value) > maxAddressField:
			return Errorf(CodeBadRequest, "shippingAddress.%s is longer than %d bytes", f.name, maxAddressField)
		case !utf8.ValidString(f.value) || strings.ContainsAny(f.value, "\x00\r\n"):
			return Errorf(CodeBadRequest, "shippingAddress.%s contains characters an address cannot", f.name)
		}
	}
	if len(a.Country) != 2 || strings.ToUpper(a.Country) != a.Country || strings.Trim(a.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return Errorf(CodeBadRequest, "shippingAddress.country must be an ISO 3166-1 alpha-2 code such as DE or US, got %q", a.Country)
	}
	return nil
}

// Allocation is the part of an order line reserved in one warehouse.
type Allocation struct {
	Warehouse string
	Quantity  int
}

// OrderLine is one product of an order, priced when the order was placed.
type OrderLine struct {
	Product   ProductKey
	Name      string
	UnitPrice Money
	Quantity  int
	// Allocations are where the line's units are reserved (empty until
	// the inventory is reserved).
	Allocations []Allocation
}

// Total is the line's price.
func (l OrderLine) Total() Money {
	return Money{Amount: l.UnitPrice.Amount * int64(l.Quantity), Currency: l.UnitPrice.Currency}
}

// StatusChange is one entry of an order's status history.
type StatusChange struct {
	Status OrderStatus
	At     time.Time
	Reason string
}

// Order is a placed order.
type Order struct {
	ID, CustomerID  string
	Status          OrderStatus
	Lines           []OrderLine
	Total           Money
	ShippingAddress Address
	// PaymentRef is the payment provider's reference for the customer's
	// payment method (never the raw token); AuthorizationID the
	// authorization once taken.
	PaymentRef, AuthorizationID string
	// IdempotencyKey is the client's key; PayloadHash a digest of what was
	// asked, to tell a retry from a conflicting reuse of the key.
	IdempotencyKey, PayloadHash string
	// ExecutionARN is the NewOrder workflow's execution, once started.
	ExecutionARN string
	// Reserved is set while the order's units are reserved.
	Reserved bool
	// Callbacks are the task tokens the order's workflows wait on, by
	// purpose (CallbackShipment, CallbackDelivery, CallbackReturn).
	Callbacks map[string]string
	History   []StatusChange
	// Version counts the order's writes; every transition is conditional
	// on it.
	Version              int
	CreatedAt, UpdatedAt time.Time
}

// CanCancel reports whether the order may still be cancelled: not yet
// shipped, and not ended.
func (o Order) CanCancel() bool {
	return o.Status == OrderPending || o.Status == OrderConfirmed
}

// CanReturn reports whether the order may be returned at now: delivered
// within window.
func (o Order) CanReturn(now time.Time, window time.Duration) bool {
	if o.Status != OrderDelivered {
		return false
	}
	delivered := o.UpdatedAt
	for _, h := range o.History {
		if h.Status == OrderDelivered {
			delivered = h.At
		}
	}
	return !now.After(delivered.Add(window))
}

// The purposes of an order's callbacks: what its workflow waits for, and
// the status the order has meanwhile.
const (
	CallbackShipment = "shipment" // CONFIRMED, until the warehouse ships it
	CallbackDelivery = "delivery" // SHIPPED, until it is delivered
	CallbackReturn   = "return"   // RETURN_REQUESTED, until the warehouse receives it back
)

// CallbackStatus is the status an order has while its workflow waits for
// purpose ("" for an unknown purpose).
func CallbackStatus(purpose string) OrderStatus {
	switch purpose {
	case CallbackShipment:
		return OrderConfirmed
	case CallbackDelivery:
		return OrderShipped
	case CallbackReturn:
		return OrderReturnRequested
	}
	return ""
}

// ReturnRequest is what a return sends back: lines of the order (by
// product, each at most the quantity ordered) and the amount they are
// refunded.
type ReturnRequest struct {
	Lines  []OrderLineInput
	Refund Money
	Reason string
}

// OrderID derives an order's id from its customer and the client's
// idempotency key, so a retried placeOrder names the same order.
func OrderID(customerID, idempotencyKey string) string {
	sum := sha256.Sum256([]byte(customerID + "\x00" + idempotencyKey))
	return "ord_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15]))
}

// CheckIdempotencyKey validates a client's idempotency key: 1 to 64
// printable ASCII characters.
func CheckIdempotencyKey(key string) error {
	if key == "" || len(key) > MaxIdempotencyKeyLen {
		return Errorf(CodeBadRequest, "idempotencyKey must have 1 to %d characters, got %d", MaxIdempotencyKeyLen, len(key))
	}
	for _, r := range key {
		if r < 0x21 || r > 0x7e {
			return Errorf(CodeBadRequest, "idempotencyKey may contain only printable ASCII characters without spaces")
		}
	}
	return nil
}

// OrderEvent is one order-status transition, as published to the order
// events topic (and pushed to subscribers).
type OrderEvent struct {
	OrderID        string      `json:"orderId"`
	CustomerID     string      `json:"customerId"`
	Status         OrderStatus `json:"status"`
	PreviousStatus OrderStatus `json:"previousStatus"`
	Reason         string      `json:"reason"`
	OccurredAt     time.Time   `json:"occurredAt"`
	Version        int         `json:"version"`
}

// PaymentProvider takes payments. Every call is idempotent per key: a
// retried call with the same key has the effect of one.
type PaymentProvider interface {
	// Prepare exchanges the client's one-time payment token for a
	// reference to the payment method, which is stored instead of the
	// token. A malformed token is CodeBadRequest.
	Prepare(ctx context.Context, token string) (ref string, err error)
	// Authorize authorizes amount on the payment method. A decline is a
	// *PaymentError with Declined; a failure worth retrying one with
	// Transient.
	Authorize(ctx context.Context, ref string, amount Money, idempotencyKey string) (authorizationID string, err error)
	// Refund returns an authorized amount (voiding the authorization if it
	// was not captured).
	Refund(ctx context.Context, authorizationID string, amount Money, idempotencyKey string) error
}

// PaymentError is a payment provider's answer that is not a success.
type PaymentError struct {
	Declined, Transient bool
	Message             string
}

func (e *PaymentError) Error() string { return "payment: " + e.Message }

// ErrOrderSuperseded is returned by an order workflow step that finds the
// order moved on without it (cancelled while it was being placed): the
// step changed nothing, and the workflow undoes what it had done.
var ErrOrderSuperseded = errors.New("the order was changed by another workflow")

// OrderPage is one page of a customer's orders, newest first.
type OrderPage struct {
	Items     []Order
	NextToken string
}

// OrderStore keeps orders and does the inventory side of their workflows.
// Every method is idempotent per order: a workflow step may run twice.
type OrderStore interface {
	// CreateOrder stores o as PENDING unless an order with its id exists;
	// it returns the stored order and whether it was created now.
	CreateOrder(ctx context.Context, o Order) (stored Order, created bool, err error)
	// Order reads an order (CodeNotFound when there is none).
	Order(ctx context.Context, id string) (Order, error)
	// OrdersByCustomer pages a customer's orders, newest first, optionally
	// of one status. A forged nextToken is CodeBadRequest.
	OrdersByCustomer(ctx context.Context, customerID string, status OrderStatus, limit int, nextToken string) (OrderPage, error)
	// ReserveInventory reserves every line's units across warehouses in
	// one transaction, only while the order is PENDING, and records the
	// allocations on the order. Not enough stock is CodeOutOfStock; an
	// order no longer PENDING is ErrOrderSuperseded. Reserving an order
	// already reserved changes nothing.
	ReserveInventory(ctx context.Context, orderID string) (Order, error)
	// ReleaseInventory returns a reserved order's units (once: a second
	// call changes nothing).
	ReleaseInventory(ctx context.Context, orderID string) error
	// RestockReturn puts a received return's units back in stock, in the
	// warehouses the order's lines were taken from (once: a second call
	// changes nothing).
	RestockReturn(ctx context.Context, orderID string, lines []OrderLineInput) error
	// RecordPayment records the payment authorization of a PENDING order;
	// ErrOrderSuperseded when it is no longer PENDING.
	RecordPayment(ctx context.Context, orderID, authorizationID string) error
	// RecordCallback stores the task token a workflow waits on, for the
	// warehouse's confirmation, while the order has the purpose's
	// CallbackStatus; ErrOrderSuperseded when it has not (cancelled
	// meanwhile).
	RecordCallback(ctx context.Context, orderID, purpose, token string) error
	// PendingOrders lists orders still PENDING that were placed before
	// placedBefore, oldest first, at most limit of them, with their id,
	// customer, status and version (the rest is not read).
	PendingOrders(ctx context.Context, placedBefore time.Time, limit int) ([]Order, error)
}

// Fulfilment is the warehouse system: it is asked to ship an order and
// confirms shipment and delivery later (OrderWorkflows.ConfirmShipped,
// ConfirmDelivered), and to collect a return, whose receipt it confirms
// (ConfirmReturnReceived). Each request is idempotent per order.
type Fulfilment interface {
	RequestShipment(ctx context.Context, o Order) error
	CancelShipment(ctx context.Context, orderID string) error
	StartReturn(ctx context.Context, o Order, lines []OrderLineInput) error
}
