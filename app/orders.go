package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/events"
	"github.com/shopgraph/shopgraph/events/redis"
	"github.com/shopgraph/shopgraph/events/sns"
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
	// ShipDelay, DeliverDelay and ReturnDelay are how long the simulated
	// warehouse takes to ship a confirmed order, deliver a shipped one and
	// receive a return (SHOPGRAPH_WAREHOUSE_SHIP_DELAY, …_DELIVER_DELAY,
	// …_RETURN_DELAY); 0 turns the step off (markOrderShipped,
	// markOrderDelivered, markReturnReceived do it).
	ShipDelay, DeliverDelay, ReturnDelay time.Duration
	// StateMachines are the deployed workflows' state machine ARNs by
	// workflow name (SHOPGRAPH_NEW_ORDER_STATE_MACHINE_ARN, …); the
	// embedded default installs its own.
	StateMachines map[string]string
	// ReturnWindow is how long after delivery an order may be returned (0:
	// shopgraph.DefaultReturnWindow).
	ReturnWindow time.Duration
	// ReconcileInterval is how often the reconciler looks for orders left
	// PENDING without a workflow, and ReconcileAge how old such an order
	// must be (0: DefaultReconcileInterval, DefaultReconcileAge; a
	// negative interval turns the reconciler off).
	ReconcileInterval, ReconcileAge time.Duration
}

// Defaults of OrdersConfig's reconciler.
const (
	DefaultReconcileInterval = 30 * time.Second
	DefaultReconcileAge      = time.Minute
	// reconcileBatch is how many pending orders one round starts at most.
	reconcileBatch = 500
)

// Names of the embedded default's order workflow resources.
const (
	TasksFunction     = "shopgraph-tasks"
	localEventsTopic  = "arn:aws:sns:us-east-1:000000000000:shopgraph-order-events"
	localWorkflowRole = "arn:aws:iam::000000000000:role/shopgraph-workflows"
)

// OrderEvents is the embedded default's order events topic: the local
// Step Functions' sns:publish lands here and goes on to the events bus
// (and so to subscriptions), as SNS notifications do through /events/sns
// on AWS. Subscribe observes the topic itself (tests, benchmarks).
type OrderEvents struct {
	log  *slog.Logger
	bus  shopgraph.OrderEventBus
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
func (h *OrderEvents) Publish(ctx context.Context, m stepfunctions.Message) (string, error) {
	ev, err := sns.DecodeEvent(m.Message) // as /events/sns decodes an SNS notification's
	if err != nil {
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
	if err := h.bus.Publish(ctx, ev); err != nil {
		return "", fmt.Errorf("order event: %w", err)
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
	cfg       OrdersConfig
	done      chan struct{} // once started, closed when the reconciler has stopped
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
	wh := &warehouse.Simulator{ShipDelay: cfg.Orders.ShipDelay, DeliverDelay: cfg.Orders.DeliverDelay, ReturnDelay: cfg.Orders.ReturnDelay, Logger: cfg.Logger}
	o := &orders{warehouse: wh, cfg: cfg.Orders}
	o.engine = &workflows.Engine{Orders: a.Store, Machines: map[string]string{}}
	for name, arn := range cfg.Orders.StateMachines {
		if arn != "" {
			o.engine.Machines[name] = arn
		}
	}
	o.tasks = &workflows.Tasks{Orders: a.Store, Payments: pay, Fulfilment: wh, Callbacks: o.engine, Logger: cfg.Logger, Stock: a.Catalogs}
	wh.Shipped, wh.Delivered, wh.Received = o.engine.ConfirmShipped, o.engine.ConfirmDelivered, o.engine.ConfirmReturnReceived
	o.desk = &shopgraph.OrderDesk{Catalog: a.Store, Inventory: a.Store, Carts: a.Store, Orders: a.Store, Payments: pay,
		Workflows: o.engine, ReturnWindow: cfg.Orders.ReturnWindow, Now: cfg.Now, Logger: cfg.Logger}
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
		for _, name := range workflows.All() {
			if o.engine.Machines[name] == "" {
				log.Warn("a workflow's state machine ARN is not set: its mutations fail until it is (a NewOrder order stays PENDING and the reconciler starts it once it is)",
					"workflow", name, "setting", StateMachineSetting(name))
			}
		}
		return nil
	}
	if err := o.engine.Install(ctx, workflows.Names{TasksFunction: TasksFunction, OrdersTable: tables, OrderEventsTopic: localEventsTopic}, localWorkflowRole); err != nil {
		return fmt.Errorf("install the order workflows on the local Step Functions: %w", err)
	}
	return nil
}

// StateMachineSetting is the setting that names a deployed workflow's state
// machine: SHOPGRAPH_NEW_ORDER_STATE_MACHINE_ARN and so on.
func StateMachineSetting(workflow string) string {
	return map[string]string{
		workflows.NewOrder:    "SHOPGRAPH_NEW_ORDER_STATE_MACHINE_ARN",
		workflows.CancelOrder: "SHOPGRAPH_CANCEL_ORDER_STATE_MACHINE_ARN",
		workflows.ReturnOrder: "SHOPGRAPH_RETURN_ORDER_STATE_MACHINE_ARN",
	}[workflow]
}

// startReconciler runs reconcile in the background until ctx ends.
func (o *orders) startReconciler(ctx context.Context, log *slog.Logger) {
	o.done = make(chan struct{})
	go o.reconcile(ctx, log)
}

// reconcile runs the reconciler until ctx ends: every interval it starts
// the NewOrder workflow of orders PENDING for longer than the configured
// age (their start failed, or the instance stopped before it). Every
// instance runs one; starts are idempotent.
func (o *orders) reconcile(ctx context.Context, log *slog.Logger) {
	defer close(o.done)
	every, age := o.cfg.ReconcileInterval, o.cfg.ReconcileAge
	if every < 0 {
		return
	}
	if every == 0 {
		every = DefaultReconcileInterval
	}
	if age <= 0 {
		age = DefaultReconcileAge
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := o.desk.Reconcile(ctx, o.desk.Now().Add(-age), reconcileBatch)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("reconciler: could not list pending orders", "error", err)
		case n > 0:
			log.Info("reconciler: started (or found started) the workflows of orders left pending", "orders", n)
		}
	}
}

// snsIntake is /events/sns, for the order events topic's SNS HTTPS
// subscription, when topics are configured (nil otherwise).
func (a *App) snsIntake(cfg Config) (http.Handler, error) {
	ec := cfg.Events
	if len(ec.SNSTopicARNs) == 0 {
		return nil, nil
	}
	client := ec.SNSHTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return sns.New(sns.Options{TopicARNs: ec.SNSTopicARNs, TrustedCertHosts: ec.SNSTrustedCertHosts, HTTPClient: client,
		Sink: a.Events, Clock: cfg.Now, Logger: cfg.Logger})
}

// redisReadyTimeout is how long start waits for the Redis bridge to
// subscribe before going on without it (it keeps reconnecting).
const redisReadyTimeout = 5 * time.Second

// openEvents opens the events bus: the Redis bridge when SHOPGRAPH_REDIS_URL
// is set, else the in-process hub.
func (a *App) openEvents(ctx context.Context, cfg Config) error {
	if cfg.Events.RedisURL == "" {
		hub := events.NewHub(events.HubOptions{})
		a.Events, a.closeEvents, a.eventStats = hub, hub.Close, hub.Stats
		return nil
	}
	bridge, err := redis.New(cfg.Events.RedisURL, redis.Options{Logger: cfg.Logger})
	if err != nil {
		return err
	}
	a.Events, a.closeEvents = bridge, func() { _ = bridge.Close() }
	a.eventStats = func() events.Stats { return bridge.Stats().Hub }
	rctx, cancel := context.WithTimeout(ctx, redisReadyTimeout)
	defer cancel()
	if err := bridge.Ready(rctx); err != nil {
		cfg.Logger.Warn("order events: Redis is not reachable yet; subscribers get events once it is (the bridge keeps reconnecting)",
			"setting", redis.URLSetting, "error", err)
	} else {
		cfg.Logger.Info("order events fan out through Redis")
	}
	return nil
}
