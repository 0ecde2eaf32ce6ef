package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/internal/asltest"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/internal/ordertest"
	"github.com/shopgraph/shopgraph/local"
	"github.com/shopgraph/shopgraph/local/payments"
	"github.com/shopgraph/shopgraph/local/stepfunctions"
	"github.com/shopgraph/shopgraph/local/warehouse"
	"github.com/shopgraph/shopgraph/workflows"
)

const (
	topic    = "arn:aws:sns:us-east-1:123456789012:order-events"
	function = "shopgraph-tasks"
)

// events collects the order events the workflows publish (the SNS port's
// test implementation).
type events struct {
	mu   sync.Mutex
	list []shopgraph.OrderEvent
}

func (e *events) Publish(_ context.Context, m stepfunctions.Message) (string, error) {
	var ev shopgraph.OrderEvent
	if err := json.Unmarshal([]byte(m.Message), &ev); err != nil {
		return "", err
	}
	if m.TopicArn != topic {
		return "", fmt.Errorf("published to %s", m.TopicArn)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, ev)
	return fmt.Sprintf("m-%d", len(e.list)), nil
}

func (e *events) of(orderID string) []shopgraph.OrderEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []shopgraph.OrderEvent
	for _, ev := range e.list {
		if ev.OrderID == orderID {
			out = append(out, ev)
		}
	}
	return out
}

// rig is the workflows on the local Step Functions over the application's
// embedded DynamoDB, with the simulated payment provider and warehouse.
type rig struct {
	app      *apptest.App
	engine   *workflows.Engine
	payments *payments.Simulator
	events   *events
	sf       *local.EmbeddedStepFunctions
}

func newRig(t *testing.T, ship, deliver time.Duration) *rig {
	t.Helper()
	a := apptest.New(t, apptest.Options{Products: 20})
	r := &rig{app: a, payments: &payments.Simulator{}, events: &events{}}
	wh := &warehouse.Simulator{ShipDelay: ship, DeliverDelay: deliver, ReturnDelay: deliver}
	t.Cleanup(wh.Close)
	tasks := &workflows.Tasks{Orders: a.Store, Payments: r.payments, Fulfilment: wh}
	sf, err := local.StartStepFunctions(context.Background(), local.StepFunctionsOptions{
		Clock:    asltest.NewFastClock(),
		NoSync:   true,
		DynamoDB: a.DynamoDB.Client,
		SNS:      r.events,
		Lambda:   map[string]stepfunctions.LambdaHandler{function: lambdaHandler(tasks)},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sf.Close(context.Background()) })
	r.sf = sf
	client := sfn.NewFromConfig(sf.AWSConfig(), func(o *sfn.Options) { o.BaseEndpoint = aws.String(sf.Endpoint); o.HTTPClient = sf.HTTPClient() })
	r.engine = &workflows.Engine{API: client, Orders: a.Store}
	tasks.Callbacks = r.engine
	wh.Shipped, wh.Delivered, wh.Received = r.engine.ConfirmShipped, r.engine.ConfirmDelivered, r.engine.ConfirmReturnReceived
	if err := r.engine.Install(context.Background(), workflows.Names{TasksFunction: function, OrdersTable: a.Target.Tables.Orders,
		OrderEventsTopic: topic}, "arn:aws:iam::123456789012:role/orders"); err != nil {
		t.Fatal(err)
	}
	return r
}

// lambdaHandler runs the task handlers as the local engine's Lambda
// function, their errors as function errors.
func lambdaHandler(tasks *workflows.Tasks) stepfunctions.LambdaHandler {
	return func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
		out, err := tasks.Handle(ctx, payload)
		if te, ok := errors.AsType[*workflows.TaskError](err); ok {
			return nil, &stepfunctions.LambdaError{Type: te.Type, Message: te.Message}
		}
		return out, err
	}
}

// stock sets a product's stock: available units per warehouse (0 in the
// others).
func (r *rig) stock(t *testing.T, productID string, available map[string]int) {
	t.Helper()
	whs, err := r.app.Store.Warehouses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, w := range whs {
		codes = append(codes, w.Code)
	}
	dynamotest.SetStock(t, r.app.DynamoDB.Client, r.app.Target.Tables.Inventory, productID, codes, available)
}

// levels reads a product's stock per warehouse: available and reserved.
func (r *rig) levels(t *testing.T, productID string) map[string][2]int {
	t.Helper()
	whs, err := r.app.Store.Warehouses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, w := range whs {
		codes = append(codes, w.Code)
	}
	inv, err := r.app.Store.GetInventory(context.Background(), []string{productID}, codes)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][2]int{}
	for _, l := range inv[0].Warehouses {
		out[l.Warehouse] = [2]int{l.Available, l.Reserved}
	}
	return out
}

// place stores a PENDING order of quantity units of p paid with token and
// starts its workflow.
func (r *rig) place(t *testing.T, customer, key string, p shopgraph.Product, quantity int, token string) shopgraph.Order {
	t.Helper()
	ctx := context.Background()
	ref, err := r.payments.Prepare(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	stored, _, err := r.app.Store.CreateOrder(ctx, ordertest.Pending(customer, key, p, quantity, ref, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.engine.StartNewOrder(ctx, stored); err != nil {
		t.Fatal(err)
	}
	return stored
}

// await waits until the order reaches status.
func (r *rig) await(t *testing.T, id string, status shopgraph.OrderStatus) shopgraph.Order {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		o, err := r.app.Store.Order(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status == status {
			return o
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s is %s, not %s, after 20s; its execution: %s", id, o.Status, status, r.describe(id))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// describe is the state of the order's NewOrder execution, for failure
// messages.
func (r *rig) describe(orderID string) string {
	return r.describeExecution(workflows.NewOrder, orderID)
}

// describeExecution is the state of the workflow's execution name.
func (r *rig) describeExecution(workflow, name string) string {
	ctx := context.Background()
	client := r.client()
	arn := strings.Replace(r.engine.Machines[workflow], ":stateMachine:", ":execution:", 1) + ":" + name
	d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn})
	if err != nil {
		return err.Error()
	}
	h, _ := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: &arn, ReverseOrder: true, MaxResults: 3})
	var last []string
	for _, e := range h.Events {
		raw, _ := json.Marshal(e)
		last = append(last, string(raw))
	}
	return fmt.Sprintf("%s %s %s; last events %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), strings.Join(last, " | "))
}

func (r *rig) client() *sfn.Client {
	return sfn.NewFromConfig(r.sf.AWSConfig(), func(o *sfn.Options) { o.BaseEndpoint = aws.String(r.sf.Endpoint); o.HTTPClient = r.sf.HTTPClient() })
}

// ended waits until the workflow's execution name has ended and returns
// its status and error.
func (r *rig) ended(t *testing.T, workflow, name string) (types.ExecutionStatus, string) {
	t.Helper()
	arn := strings.Replace(r.engine.Machines[workflow], ":stateMachine:", ":execution:", 1) + ":" + name
	for deadline := time.Now().Add(20 * time.Second); ; {
		d, err := r.client().DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: &arn})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != types.ExecutionStatusRunning {
			return d.Status, aws.ToString(d.Error)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s execution %s still running after 20s: %s", workflow, name, r.describeExecution(workflow, name))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// wantEvents waits for the order's events (they are published after the
// status is written) and checks them.
func (r *rig) wantEvents(t *testing.T, orderID string, want ...shopgraph.OrderStatus) {
	t.Helper()
	got := r.events.of(orderID)
	for deadline := time.Now().Add(10 * time.Second); len(got) < len(want) && time.Now().Before(deadline); got = r.events.of(orderID) {
		time.Sleep(2 * time.Millisecond)
	}
	if len(got) != len(want) {
		t.Fatalf("events %+v, want statuses %v", got, want)
	}
	prev := shopgraph.OrderPending
	for i, ev := range got {
		if ev.Status != want[i] || ev.PreviousStatus != prev || ev.Version != i+2 || ev.OccurredAt.IsZero() || ev.CustomerID == "" {
			t.Fatalf("event %d: %+v, want %s after %s at version %d", i, ev, want[i], prev, i+2)
		}
		prev = ev.Status
	}
}

// TestNewOrder_happyPath: reserved, authorized, confirmed, shipped and
// delivered by the simulated warehouse; each transition published once, in
// order, with its version.
func TestNewOrder_happyPath(t *testing.T) {
	r := newRig(t, time.Millisecond, time.Millisecond)
	p := r.app.Catalog.Products[0]
	r.stock(t, p.ProductID, map[string]int{"FRA1": 1, "SEA1": 3})
	o := r.place(t, "cust-1", "k1", p, 2, "tok_visa")
	done := r.await(t, o.ID, shopgraph.OrderDelivered)
	r.wantEvents(t, o.ID, shopgraph.OrderConfirmed, shopgraph.OrderShipped, shopgraph.OrderDelivered)
	if done.Version != 4 || len(done.History) != 4 || done.AuthorizationID == "" || !done.Reserved {
		t.Fatalf("delivered order %+v", done)
	}
	if got := r.levels(t, p.ProductID); got["SEA1"] != [2]int{1, 2} || got["FRA1"] != [2]int{1, 0} {
		t.Fatalf("stock after the order: %v (the fuller warehouse should give both units)", got)
	}
	// A second start of the same order starts nothing.
	if _, err := r.engine.StartNewOrder(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if st := r.sf.Service.Stats(); st.Started != 1 {
		t.Fatalf("%d executions started, want 1", st.Started)
	}
}

// TestNewOrder_failures: not enough stock is OUT_OF_STOCK with nothing
// reserved; a declined card is PAYMENT_FAILED with the reservation
// released; a flaky card is retried by the workflow and confirmed.
func TestNewOrder_failures(t *testing.T) {
	r := newRig(t, 0, 0)
	p := r.app.Catalog.Products[1]
	r.stock(t, p.ProductID, map[string]int{"FRA1": 2, "SEA1": 1})

	o := r.place(t, "cust-2", "too-many", p, 4, "tok_visa")
	r.await(t, o.ID, shopgraph.OrderOutOfStock)
	r.wantEvents(t, o.ID, shopgraph.OrderOutOfStock)

	o = r.place(t, "cust-2", "declined", p, 3, payments.TokenDeclined)
	failed := r.await(t, o.ID, shopgraph.OrderPaymentFailed)
	r.wantEvents(t, o.ID, shopgraph.OrderPaymentFailed)
	if failed.Reserved {
		t.Fatal("a declined order kept its reservation")
	}
	if got := r.levels(t, p.ProductID); got["FRA1"] != [2]int{2, 0} || got["SEA1"] != [2]int{1, 0} {
		t.Fatalf("stock after a failed and a declined order: %v, want it unchanged", got)
	}

	o = r.place(t, "cust-2", "flaky", p, 3, payments.TokenFlaky)
	r.await(t, o.ID, shopgraph.OrderConfirmed)
	_, _, attempts := r.payments.Ledger()
	if attempts[o.ID+"/authorize"] != payments.FlakyFailures+1 {
		t.Fatalf("%d authorization attempts, want %d", attempts[o.ID+"/authorize"], payments.FlakyFailures+1)
	}
	if got := r.levels(t, p.ProductID); got["FRA1"] != [2]int{0, 2} || got["SEA1"] != [2]int{0, 1} {
		t.Fatalf("stock after the flaky order: %v", got)
	}
	// The warehouse group confirms by hand when the simulator is off, once
	// the workflow waits for it (before, it is a Conflict: not yet).
	for deadline := time.Now().Add(10 * time.Second); ; {
		err := r.engine.ConfirmShipped(context.Background(), o.ID)
		if err == nil {
			break
		}
		if !shopgraph.IsCode(err, shopgraph.CodeConflict) || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	r.await(t, o.ID, shopgraph.OrderShipped)
	if err := r.engine.ConfirmShipped(context.Background(), o.ID); !shopgraph.IsCode(err, shopgraph.CodeConflict) {
		t.Fatalf("confirming a shipped order again: %v, want Conflict", err)
	}
}

// TestNewOrder_noOversell: 30 concurrent orders of one unit for a product
// with 10 units: exactly 10 are confirmed, the rest out of stock, and the
// stock ends at 0 available, 10 reserved.
func TestNewOrder_noOversell(t *testing.T) {
	r := newRig(t, 0, 0)
	p := r.app.Catalog.Products[2]
	r.stock(t, p.ProductID, map[string]int{"FRA1": 4, "SEA1": 6})
	var wg sync.WaitGroup
	ids := make([]string, 30)
	for i := range 30 {
		wg.Go(func() { ids[i] = r.place(t, fmt.Sprintf("c-%d", i), "k", p, 1, "tok_visa").ID })
	}
	wg.Wait()
	counts := map[shopgraph.OrderStatus]int{}
	for _, id := range ids {
		deadline := time.Now().Add(30 * time.Second)
		for {
			o, err := r.app.Store.Order(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if o.Status != shopgraph.OrderPending {
				counts[o.Status]++
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("order %s still pending", id)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	if counts[shopgraph.OrderConfirmed] != 10 || counts[shopgraph.OrderOutOfStock] != 20 {
		t.Fatalf("statuses %v, want 10 confirmed and 20 out of stock", counts)
	}
	if got := r.levels(t, p.ProductID); got["FRA1"] != [2]int{0, 4} || got["SEA1"] != [2]int{0, 6} {
		t.Fatalf("stock %v", got)
	}
}

// TestDefinition names every placeholder.
func TestDefinition(t *testing.T) {
	if _, err := workflows.Definition(workflows.NewOrder, workflows.Names{}); err == nil {
		t.Fatal("a definition without names was returned")
	}
	if _, err := workflows.Definition("Nope", workflows.Names{TasksFunction: "f", OrdersTable: "t", OrderEventsTopic: "arn:x"}); err == nil {
		t.Fatal("an unknown workflow was returned")
	}
	var te *workflows.TaskError
	_, err := (&workflows.Tasks{}).Handle(context.Background(), []byte(`{"task":"nope","orderId":"o"}`))
	if !errors.As(err, &te) || te.Type != workflows.ErrBadTask {
		t.Fatalf("unknown task: %v", err)
	}
}
