package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/shopgraph/shopgraph"
)

// Error names the task handlers fail with; the definitions' Retry and
// Catch match them.
const (
	ErrOutOfStock       = "OutOfStock"
	ErrPaymentDeclined  = "PaymentDeclined"
	ErrPaymentTransient = "PaymentTransient"
	ErrSuperseded       = "Superseded"
	// ErrStoreUnavailable is any other failure of a step: the definitions
	// retry it with backoff.
	ErrStoreUnavailable = "Store.Unavailable"
	// ErrBadTask is a payload no handler understands (never retried).
	ErrBadTask = "BadTask"
	// ErrOrderCancelled is what a NewOrder execution waiting for its
	// shipment is failed with when its order is cancelled.
	ErrOrderCancelled = "OrderCancelled"
)

// TaskError is a task handler's failure: Type is the error name the
// workflow sees (the Lambda function error's errorType).
type TaskError struct{ Type, Message string }

func (e *TaskError) Error() string { return e.Type + ": " + e.Message }

// Tasks are the order workflows' task handlers: one Lambda function,
// dispatching on the payload's "task". Each is idempotent per order (a
// step may run twice: Step Functions tasks are at-least-once).
type Tasks struct {
	Orders     shopgraph.OrderStore
	Payments   shopgraph.PaymentProvider
	Fulfilment shopgraph.Fulfilment
	// Callbacks fails the task an order's workflow waits on (an *Engine).
	Callbacks TaskFailer
	// Stock, when set, is told after a reservation or a release which
	// products' stock changed (the search index's inStock follows it).
	Stock  shopgraph.StockWatcher
	Logger *slog.Logger
}

// TaskFailer fails a waiting task (an *Engine: SendTaskFailure).
type TaskFailer interface {
	FailTask(ctx context.Context, token, errorName, cause string) error
}

// request is a task payload.
type request struct {
	Task      string `json:"task"`
	OrderID   string `json:"orderId"`
	TaskToken string `json:"taskToken"`
	// Lines are startReturn's; Amount and Currency refundReturn's.
	Lines    []Line `json:"lines"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Handle runs the task the payload names and returns its result payload.
// A failure is a *TaskError.
func (t *Tasks) Handle(ctx context.Context, payload []byte) ([]byte, error) {
	var req request
	if err := json.Unmarshal(payload, &req); err != nil || req.OrderID == "" {
		return nil, &TaskError{Type: ErrBadTask, Message: "the payload must be an object with task and orderId"}
	}
	log := t.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var out any
	var err error
	switch req.Task {
	case "reserveInventory":
		out, err = t.reserve(ctx, req.OrderID)
	case "releaseInventory":
		err = t.release(ctx, req.OrderID)
	case "authorizePayment":
		out, err = t.authorize(ctx, req.OrderID)
	case "requestShipment":
		err = t.requestShipment(ctx, req)
	case "awaitDelivery":
		err = t.callback(ctx, req, shopgraph.CallbackDelivery)
	case "undoOrder":
		err = t.undo(ctx, req.OrderID)
	case "cancelShipment":
		err = t.cancelShipment(ctx, req.OrderID)
	case "refundPayment":
		err = t.refund(ctx, req.OrderID)
	case "restockReturn":
		err = t.restockReturn(ctx, req)
	case "startReturn":
		err = t.startReturn(ctx, req)
	case "refundReturn":
		err = t.refundReturn(ctx, req)
	default:
		return nil, &TaskError{Type: ErrBadTask, Message: fmt.Sprintf("unknown task %q", req.Task)}
	}
	if err != nil {
		te := taskError(err)
		log.Debug("order task failed", "task", req.Task, "order", req.OrderID, "error", te.Type, "message", te.Message)
		return nil, te
	}
	log.Debug("order task done", "task", req.Task, "order", req.OrderID)
	if out == nil {
		out = map[string]any{}
	}
	return json.Marshal(out)
}

// taskError names a failure for the workflow.
func taskError(err error) *TaskError {
	if te, ok := errors.AsType[*TaskError](err); ok {
		return te
	}
	switch {
	case errors.Is(err, shopgraph.ErrOrderSuperseded):
		return &TaskError{Type: ErrSuperseded, Message: err.Error()}
	case shopgraph.IsCode(err, shopgraph.CodeOutOfStock):
		return &TaskError{Type: ErrOutOfStock, Message: shopgraph.ErrorMessage(err)}
	}
	if pe, ok := errors.AsType[*shopgraph.PaymentError](err); ok {
		if pe.Declined {
			return &TaskError{Type: ErrPaymentDeclined, Message: pe.Message}
		}
		return &TaskError{Type: ErrPaymentTransient, Message: pe.Message}
	}
	return &TaskError{Type: ErrStoreUnavailable, Message: err.Error()}
}

func (t *Tasks) reserve(ctx context.Context, orderID string) (any, error) {
	o, err := t.Orders.ReserveInventory(ctx, orderID)
	if err != nil {
		return nil, err
	}
	t.stockChanged(ctx, o)
	var allocations []map[string]any
	for _, l := range o.Lines {
		for _, a := range l.Allocations {
			allocations = append(allocations, map[string]any{"productId": l.Product.ProductID, "warehouse": a.Warehouse, "quantity": a.Quantity})
		}
	}
	return map[string]any{"allocations": allocations}, nil
}

// authorize authorizes the order's total once: a retry after a success
// returns the recorded authorization.
func (t *Tasks) authorize(ctx context.Context, orderID string) (any, error) {
	o, err := t.Orders.Order(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if o.AuthorizationID != "" {
		return map[string]any{"authorizationId": o.AuthorizationID}, nil
	}
	if o.Status != shopgraph.OrderPending {
		return nil, shopgraph.ErrOrderSuperseded
	}
	auth, err := t.Payments.Authorize(ctx, o.PaymentRef, o.Total, o.ID+"/authorize")
	if err != nil {
		return nil, err
	}
	if err := t.Orders.RecordPayment(ctx, orderID, auth); err != nil {
		if errors.Is(err, shopgraph.ErrOrderSuperseded) {
			// Cancelled meanwhile: give the money back now.
			if rerr := t.Payments.Refund(ctx, auth, o.Total, o.ID+"/refund"); rerr != nil {
				return nil, rerr
			}
		}
		return nil, err
	}
	return map[string]any{"authorizationId": auth}, nil
}

func (t *Tasks) requestShipment(ctx context.Context, req request) error {
	if err := t.callback(ctx, req, shopgraph.CallbackShipment); err != nil {
		return err
	}
	o, err := t.Orders.Order(ctx, req.OrderID)
	if err != nil {
		return err
	}
	return t.Fulfilment.RequestShipment(ctx, o)
}

func (t *Tasks) callback(ctx context.Context, req request, purpose string) error {
	if req.TaskToken == "" {
		return &TaskError{Type: ErrBadTask, Message: purpose + " needs the task token"}
	}
	return t.Orders.RecordCallback(ctx, req.OrderID, purpose, req.TaskToken)
}

// release returns the order's reserved units, and tells Stock.
func (t *Tasks) release(ctx context.Context, orderID string) error {
	if err := t.Orders.ReleaseInventory(ctx, orderID); err != nil {
		return err
	}
	if t.Stock != nil {
		if o, err := t.Orders.Order(ctx, orderID); err == nil {
			t.stockChanged(ctx, o)
		}
	}
	return nil
}

// stockChanged tells Stock about the products of o's lines.
func (t *Tasks) stockChanged(ctx context.Context, o shopgraph.Order) {
	if t.Stock == nil || len(o.Lines) == 0 {
		return
	}
	keys := make([]shopgraph.ProductKey, len(o.Lines))
	for i, l := range o.Lines {
		keys[i] = l.Product
	}
	t.Stock.StockChanged(ctx, keys)
}

// undo gives back what an order superseded while it was placed holds: its
// reservation and its payment.
func (t *Tasks) undo(ctx context.Context, orderID string) error {
	if err := t.release(ctx, orderID); err != nil {
		return err
	}
	return t.refund(ctx, orderID)
}

// refund refunds the order's whole payment, if one was authorized. The
// key is the same whichever workflow refunds (a cancellation and the
// NewOrder step it superseded may both), so the provider refunds once.
func (t *Tasks) refund(ctx context.Context, orderID string) error {
	o, err := t.Orders.Order(ctx, orderID)
	if err != nil {
		return err
	}
	if o.AuthorizationID == "" {
		return nil
	}
	return t.Payments.Refund(ctx, o.AuthorizationID, o.Total, o.ID+"/refund")
}

// cancelShipment withdraws a cancelled order's shipment request: the
// warehouse is told, and a NewOrder execution waiting for the shipment is
// failed with OrderCancelled (it then ends). When NewOrder has not asked
// for the shipment yet, it will find the order cancelled and stop.
func (t *Tasks) cancelShipment(ctx context.Context, orderID string) error {
	o, err := t.Orders.Order(ctx, orderID)
	if err != nil {
		return err
	}
	if o.Status != shopgraph.OrderCancelled {
		return &TaskError{Type: ErrBadTask, Message: fmt.Sprintf("order %s is %s, not CANCELLED", orderID, o.Status)}
	}
	if err := t.Fulfilment.CancelShipment(ctx, orderID); err != nil {
		return err
	}
	if token := o.Callbacks[shopgraph.CallbackShipment]; token != "" {
		return t.Callbacks.FailTask(ctx, token, ErrOrderCancelled, "the order was cancelled")
	}
	return nil
}

// startReturn records the return's callback and asks the warehouse to
// collect the lines.
func (t *Tasks) startReturn(ctx context.Context, req request) error {
	if err := t.callback(ctx, req, shopgraph.CallbackReturn); err != nil {
		return err
	}
	o, err := t.Orders.Order(ctx, req.OrderID)
	if err != nil {
		return err
	}
	lines := make([]shopgraph.OrderLineInput, 0, len(req.Lines))
	for _, l := range req.Lines {
		lines = append(lines, shopgraph.OrderLineInput{Product: shopgraph.ProductKey{Category: l.Category, ProductID: l.ProductID}, Quantity: l.Quantity})
	}
	return t.Fulfilment.StartReturn(ctx, o, lines)
}

// restockReturn puts a received return's units back in stock (once).
func (t *Tasks) restockReturn(ctx context.Context, req request) error {
	lines := make([]shopgraph.OrderLineInput, 0, len(req.Lines))
	for _, l := range req.Lines {
		lines = append(lines, shopgraph.OrderLineInput{Product: shopgraph.ProductKey{Category: l.Category, ProductID: l.ProductID}, Quantity: l.Quantity})
	}
	if len(lines) == 0 {
		return &TaskError{Type: ErrBadTask, Message: "restockReturn needs the returned lines"}
	}
	if err := t.Orders.RestockReturn(ctx, req.OrderID, lines); err != nil {
		return err
	}
	if t.Stock != nil {
		keys := make([]shopgraph.ProductKey, len(lines))
		for i, l := range lines {
			keys[i] = l.Product
		}
		t.Stock.StockChanged(ctx, keys)
	}
	return nil
}

// refundReturn refunds a received return's amount (once: the key is the
// order's).
func (t *Tasks) refundReturn(ctx context.Context, req request) error {
	o, err := t.Orders.Order(ctx, req.OrderID)
	if err != nil {
		return err
	}
	amount := shopgraph.Money{Amount: req.Amount, Currency: req.Currency}
	if amount.Amount <= 0 || amount.Amount > o.Total.Amount || amount.Currency != o.Total.Currency {
		return &TaskError{Type: ErrBadTask, Message: fmt.Sprintf("a return refund of %d %s does not fit order %s (%d %s)", amount.Amount, amount.Currency, o.ID, o.Total.Amount, o.Total.Currency)}
	}
	if o.AuthorizationID == "" {
		return &TaskError{Type: ErrBadTask, Message: fmt.Sprintf("order %s has no payment to refund", o.ID)}
	}
	return t.Payments.Refund(ctx, o.AuthorizationID, amount, o.ID+"/return")
}
