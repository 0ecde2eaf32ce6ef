package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/local/payments"
	"github.com/shopgraph/shopgraph/local/stepfunctions"
	"github.com/shopgraph/shopgraph/local/warehouse"
	"github.com/shopgraph/shopgraph/workflows"
)

// OrdersConfig configures orders and their workflows.
type OrdersConfig struct {
	// Payments selects the payment provider: "simulated" (the only one so
	// far, and the default: local/payments).
	Payments string
	// ShipDelay and DeliverDelay are how long the simulated warehouse
	// takes to ship a confirmed order and deliver a shipped one
	// (SHOPGRAPH_WAREHOUSE_SHIP_DELAY, …_DELIVER_DELAY); 0 turns the step
	// off (markOrderShipped, markOrderDelivered do it).
	ShipDelay, DeliverDelay time.Duration
	// NewOrderStateMachine is the deployed NewOrder state machine's ARN
	// (SHOPGRAPH_NEW_ORDER_STATE_MACHINE_ARN); the embedded default
	// installs its own.
	NewOrderStateMachine string
	// ReturnWindow is how long after delivery an order may be returned (0:
	// shopgraph.DefaultReturnWindow).
	ReturnWindow time.Duration
}

// Names of the embedded default's order workflow resources.
const (
	TasksFunction     = "shopgraph-tasks"
	localEventsTopic  = "arn:aws:sns:us-east-1:000000000000:shopgraph-order-events"
	localWorkflowRole = "arn:aws:iam::000000000000:role/shopgraph-workflows"
)

// OrderEvents is the in-process order events hub: the local Step
// Functions' sns:publish lands here, and subscribers (tests now, the
// real-time transport later) get every event.
type OrderEvents struct {
	log  *slog.Logger
	mu   sync.Mutex
	subs []func(shopgraph.OrderEvent)
	n    int
}

// Subscribe calls fn with every later event (on the publisher's goroutine:
// fn must not block).
func (h *OrderEvents) Subscribe(fn func(shopgraph.OrderEvent)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.subs = append(h.subs, fn)
}

// Publish implements stepfunctions.Publisher for the order events topic.
func (h *OrderEvents) Publish(_ context.Context, m stepfunctions.Message) (string, error) {
	var ev shopgraph.OrderEvent
	if err := json.Unmarshal([]byte(m.Message), &ev); err != nil {
		return "", fmt.Errorf("order event: %w", err)
	}
	h.mu.Lock()
	h.n++
	id := fmt.Sprintf("local-%d", h.n)
	subs := append([]func(shopgraph.OrderEvent){}, h.subs...)
	h.mu.Unlock()
	h.log.Info("order status changed", "order", ev.OrderID, "status", ev.Status, "previous", ev.PreviousStatus, "version", ev.Version)
	for _, fn := range subs {
		fn(ev)
	}
	return id, nil
}

// orders is the order side of the application: the workflows' task
// handlers and engine, the payment provider and the warehouse.
type orders struct {
	desk      *shopgraph.OrderDesk
	engine    *workflows.Engine
	tasks     *workflows.Tasks
	warehouse *warehouse.Simulator
}

// newOrders builds the order side before the Step Functions start (their
// Lambda handler is the task handlers); wire installs the workflows once
// they run.
func (a *App) newOrders(cfg Config) (*orders, error) {
	switch cfg.Orders.Payments {
	case "", "simulated":
	default:
		return nil, fmt.Errorf("SHOPGRAPH_PAYMENTS must be \"simulated\" (the only payment provider so far), got %q", cfg.Orders.Payments)
	}
	pay := &payments.Simulator{}
	wh := &warehouse.Simulator{ShipDelay: cfg.Orders.ShipDelay, DeliverDelay: cfg.Orders.DeliverDelay, Logger: cfg.Logger}
	o := &orders{warehouse: wh}
	o.tasks = &workflows.Tasks{Orders: a.Store, Payments: pay, Fulfilment: wh, Logger: cfg.Logger}
	o.engine = &workflows.Engine{Orders: a.Store, Machines: map[string]string{}}
	if cfg.Orders.NewOrderStateMachine != "" {
		o.engine.Machines[workflows.NewOrder] = cfg.Orders.NewOrderStateMachine
	}
	wh.Shipped, wh.Delivered = o.engine.ConfirmShipped, o.engine.ConfirmDelivered
	o.desk = &shopgraph.OrderDesk{Catalog: a.Store, Inventory: a.Store, Carts: a.Store, Orders: a.Store, Payments: pay,
		Workflows: o.engine, Now: cfg.Now, Logger: cfg.Logger}
	return o, nil
}

// lambda is the task handlers as the local engine's Lambda function.
func (o *orders) lambda() map[string]stepfunctions.LambdaHandler {
	return map[string]stepfunctions.LambdaHandler{TasksFunction: func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
		out, err := o.tasks.Handle(ctx, payload)
		if te, ok := errors.AsType[*workflows.TaskError](err); ok {
			return nil, &stepfunctions.LambdaError{Type: te.Type, Message: te.Message}
		}
		return out, err
	}}
}

// wire points the engine at Step Functions and, on the local engine,
// installs the workflows.
func (o *orders) wire(ctx context.Context, sf *StepFunctions, tables string, log *slog.Logger) error {
	o.engine.API = sf.Client
	if sf.Local == nil {
		if o.engine.Machines[workflows.NewOrder] == "" {
			log.Warn("SHOPGRAPH_NEW_ORDER_STATE_MACHINE_ARN is not set: orders are stored PENDING and their workflows start once it is")
		}
		return nil
	}
	if err := o.engine.Install(ctx, workflows.Names{TasksFunction: TasksFunction, OrdersTable: tables, OrderEventsTopic: localEventsTopic}, localWorkflowRole); err != nil {
		return fmt.Errorf("install the order workflows on the local Step Functions: %w", err)
	}
	return nil
}
