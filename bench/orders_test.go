package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/local/userpool"
)

// orderClients is how many customers place orders at once in the
// throughput run, each placing its next order once the last is CONFIRMED.
const orderClients = 16

// orderTimeout bounds how long one order may take to be CONFIRMED.
const orderTimeout = 30 * time.Second

const placeOrderMutation = `mutation Place($in: PlaceOrderInput!) { placeOrder(input: $in) { id status total { amount currency } } }`

// ddbKey names one kind of DynamoDB request: who made it and its operation.
type ddbKey struct {
	// caller is "graphql" for requests made while a GraphQL operation runs
	// (its context carries shopgraph.RequestStats) and "workflow" for the
	// rest: the task handlers and the Step Functions' dynamodb:* tasks.
	caller, op string
}

// ddbCounter counts every DynamoDB request of the application's client
// (each HTTP attempt: it sits after the retry middleware).
type ddbCounter struct {
	mu sync.Mutex
	n  map[ddbKey]int
}

// option adds the counting middleware to a DynamoDB client.
func (c *ddbCounter) option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("bench.CountDynamoDB",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				k := ddbKey{caller: "workflow", op: awsmiddleware.GetOperationName(ctx)}
				if shopgraph.RequestStatsFromContext(ctx) != nil {
					k.caller = "graphql"
				}
				c.mu.Lock()
				c.n[k]++
				c.mu.Unlock()
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	})
}

// snapshot returns the counts so far and their total.
func (c *ddbCounter) snapshot() (map[ddbKey]int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	total := 0
	for _, n := range c.n {
		total += n
	}
	return maps.Clone(c.n), total
}

// settle waits until no DynamoDB request has been made for 100 ms (the
// workflows of the orders just confirmed record their shipment callbacks
// after CONFIRMED) and returns the counts then.
func (c *ddbCounter) settle(b *testing.B) map[ddbKey]int {
	b.Helper()
	m, last := c.snapshot()
	deadline := time.Now().Add(10 * time.Second)
	for quiet := time.Now(); time.Since(quiet) < 100*time.Millisecond; {
		if time.Now().After(deadline) {
			b.Fatal("DynamoDB requests did not stop within 10 s of the last CONFIRMED order")
		}
		time.Sleep(10 * time.Millisecond)
		var n int
		if m, n = c.snapshot(); n != last {
			last, quiet = n, time.Now()
		}
	}
	return m
}

// orderOutcomes hands each order's first final status after placement
// (CONFIRMED, or OUT_OF_STOCK / PAYMENT_FAILED) from the order events hub to
// the client waiting for it, whichever of the two comes first.
type orderOutcomes struct {
	mu sync.Mutex
	m  map[string]chan shopgraph.OrderStatus
}

func (o *orderOutcomes) ch(id string) chan shopgraph.OrderStatus {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, ok := o.m[id]
	if !ok {
		c = make(chan shopgraph.OrderStatus, 1)
		o.m[id] = c
	}
	return c
}

// publish is the hub's subscriber; it never blocks.
func (o *orderOutcomes) publish(ev shopgraph.OrderEvent) {
	switch ev.Status {
	case shopgraph.OrderConfirmed, shopgraph.OrderOutOfStock, shopgraph.OrderPaymentFailed:
		select {
		case o.ch(ev.OrderID) <- ev.Status:
		default: // a repeated event (tasks are at-least-once)
		}
	}
}

// await returns the order's outcome, or an error after orderTimeout.
func (o *orderOutcomes) await(id string) (shopgraph.OrderStatus, error) {
	c := o.ch(id)
	defer func() { o.mu.Lock(); delete(o.m, id); o.mu.Unlock() }()
	t := time.NewTimer(orderTimeout)
	defer t.Stop()
	select {
	case st := <-c:
		return st, nil
	case <-t.C:
		return "", fmt.Errorf("order %s: no outcome after %v", id, orderTimeout)
	}
}

// orderShop is one backend's whole server for the order benchmarks: app.New
// as the embedded default runs it (durable data directories, simulated
// payments, simulated warehouse off), served over real TCP.
type orderShop struct {
	url      string
	client   *http.Client
	tokens   []string            // ID tokens of the customers alice and bob
	products []shopgraph.Product // one per client, each with stock for any run
	outcomes *orderOutcomes
	ddb      *ddbCounter
	seq      atomic.Int64
}

// newOrderShop builds the server on store ("embedded" or "dynamodb-local",
// which skips when DynamoDB Local is not installed) and places warm-up
// orders.
func newOrderShop(b *testing.B, store string) *orderShop {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	s := &orderShop{outcomes: &orderOutcomes{m: map[string]chan shopgraph.OrderStatus{}}, ddb: &ddbCounter{n: map[ddbKey]int{}}}
	ddb := app.DynamoDBConfig{ClientOptions: []func(*dynamodb.Options){s.ddb.option}}
	var secret []byte
	switch store {
	case "embedded":
		ddb.Embedded, ddb.DataDir, ddb.AWS, ddb.Tables = true, filepath.Join(dir, "dynamodb"), aws.Config{Region: dynamotest.Region}, dynamo.TableNames("shopgraph-")
	case "dynamodb-local":
		t := dynamotest.DynamoDBLocal(b)
		ddb.Endpoint, ddb.AWS, ddb.Tables = t.Endpoint, t.AWS, t.Tables
		secret = []byte(dynamotest.CursorSecret)
	default:
		b.Fatalf("unknown store %s", store)
	}
	products := 200
	if smoke() {
		products = orderClients
	}
	a, err := app.New(ctx, app.Config{
		DynamoDB: ddb,
		// The local Step Functions on both backends, durable as `make run`
		// keeps it; its dynamodb:* tasks use the application's client.
		StepFunctions: app.StepFunctionsConfig{Embedded: true, DataDir: filepath.Join(dir, "stepfunctions"), AWS: ddb.AWS},
		// Simulated payments; ShipDelay 0: the simulated warehouse is off,
		// so a confirmed order's workflow waits for markOrderShipped.
		Orders:       app.OrdersConfig{Payments: "simulated"},
		SeedProducts: products,
		CursorSecret: secret,
		// Nobody signs in with a password here: cheap hashes for the dev
		// users.
		Identity: app.IdentityConfig{Dev: true, StateDir: dir, PasswordIterations: 1000},
		Server:   loadersConfig(true),
		// Two customers place all the orders: a per-user limit they cannot
		// reach, so the figures are the server's, not the throttle's.
		Throttle: app.ThrottleConfig{UserRateLimit: 1 << 30},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.Close(context.Background()) })
	srv := httptest.NewServer(a.Handler)
	b.Cleanup(srv.Close)
	s.url = srv.URL + "/graphql"
	s.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: orderClients, MaxConnsPerHost: orderClients}}
	b.Cleanup(s.client.CloseIdleConnections)
	a.OrderEvents.Subscribe(s.outcomes.publish)
	for _, name := range []string{"alice", "bob"} {
		u, _ := userpool.DevUser(name)
		tok, err := a.Issuer.Mint(u, shopgraph.TokenUseID, 2*time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		s.tokens = append(s.tokens, tok)
	}
	whs, err := a.Store.Warehouses(ctx)
	if err != nil {
		b.Fatal(err)
	}
	codes := make([]string, len(whs))
	for i, w := range whs {
		codes[i] = w.Code
	}
	// Each client orders its own product (no two reservations contend for
	// one stock record), all of it in the first warehouse.
	s.products = a.Catalog.Products[:orderClients]
	for _, p := range s.products {
		dynamotest.SetStock(b, a.DynamoDB.Client, ddb.Tables.Inventory, p.ProductID, codes, map[string]int{codes[0]: 10_000_000})
	}
	// Warm up connections, caches and (on DynamoDB Local) the JVM; not
	// when each benchmark runs once only to show it still works.
	if !smoke() {
		if _, err := s.run(orderClients, 10*orderClients); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// place sends placeOrder for one unit of client's product as one of the
// customers, and returns the order's id.
func (s *orderShop) place(client int) (string, error) {
	in := map[string]any{
		"idempotencyKey":  fmt.Sprintf("bench-%d", s.seq.Add(1)),
		"shippingAddress": map[string]any{"name": "Alice", "line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US"},
		"paymentToken":    "tok_visa",
		"lines":           []map[string]any{{"productId": s.products[client].PublicID(), "quantity": 1}},
	}
	body, err := json.Marshal(map[string]any{"query": placeOrderMutation, "variables": map[string]any{"in": in}})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequest(http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", s.tokens[client%len(s.tokens)])
	res, err := s.client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	var out struct {
		Data struct {
			PlaceOrder struct{ ID, Status string }
		}
		Errors []any
	}
	if err := json.Unmarshal(raw, &out); err != nil || res.StatusCode != http.StatusOK || len(out.Errors) > 0 || out.Data.PlaceOrder.Status != string(shopgraph.OrderPending) {
		return "", fmt.Errorf("placeOrder: status %d: %.300s", res.StatusCode, raw)
	}
	return out.Data.PlaceOrder.ID, nil
}

// order places one order and waits until it is CONFIRMED; it returns the
// time from sending placeOrder to the CONFIRMED event.
func (s *orderShop) order(client int) (time.Duration, error) {
	t0 := time.Now()
	id, err := s.place(client)
	if err != nil {
		return 0, err
	}
	st, err := s.outcomes.await(id)
	if err != nil {
		return 0, err
	}
	if st != shopgraph.OrderConfirmed {
		return 0, fmt.Errorf("order %s ended %s, not CONFIRMED", id, st)
	}
	return time.Since(t0), nil
}

// run places n orders from clients concurrent clients, each waiting for its
// order to be CONFIRMED before placing the next, and returns every order's
// latency. It stops at the first failure.
func (s *orderShop) run(clients, n int) (*latencies, error) {
	var lat latencies
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && failed.Load() == nil {
				d, err := s.order(c)
				if err != nil {
					failed.CompareAndSwap(nil, err)
					return
				}
				lat.add(d)
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return nil, err
	}
	return &lat, nil
}

// orderFigures are one run's results.
type orderFigures struct {
	orders   int
	perSec   float64
	p50, p99 time.Duration
	cpu      time.Duration // this process's CPU per order (with the embedded DynamoDB, not DynamoDB Local's JVM)
	requests map[ddbKey]float64
}

func (f orderFigures) requestsPerOrder() float64 {
	total := 0.0
	for _, n := range f.requests {
		total += n
	}
	return total
}

// measure runs max(b.N, clients) orders from clients clients and reports
// the figures, with the DynamoDB requests counted from placement until the
// workflows are idle.
func (s *orderShop) measure(b *testing.B, clients int) orderFigures {
	n := max(b.N, clients)
	before := s.ddb.settle(b)
	cpu0 := processCPU()
	b.ResetTimer()
	start := time.Now()
	lat, err := s.run(clients, n)
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	cpu := processCPU() - cpu0
	after := s.ddb.settle(b)
	f := orderFigures{orders: n, perSec: float64(n) / elapsed.Seconds(), p50: lat.quantile(0.5), p99: lat.quantile(0.99),
		cpu: cpu / time.Duration(n), requests: map[ddbKey]float64{}}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			f.requests[k] = float64(d) / float64(n)
		}
	}
	// Per order measured, which with fewer iterations than clients is not
	// per b.N.
	b.ReportMetric(float64(elapsed.Nanoseconds())/float64(n), "ns/op")
	b.ReportMetric(f.perSec, "orders/s")
	b.ReportMetric(float64(f.p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(f.p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(f.requestsPerOrder(), "ddb-requests/order")
	b.ReportMetric(float64(f.cpu.Microseconds())/1000, "cpu-ms/order")
	return f
}

// BenchmarkOrders: placeOrder → CONFIRMED through the whole server (real
// TCP, the GraphQL mutation with a customer's token, the NewOrder workflow
// on the local Step Functions reserving stock and authorizing a simulated
// tok_visa payment), observed through the order events hub, on the embedded
// DynamoDB (durable, as `make run`) and on DynamoDB Local, side by side:
// latency one order at a time, and orders/s with 16 concurrent customers
// (target ≥ 300/s on the embedded default), with p50/p99, CPU and DynamoDB
// requests per order by caller and operation. Each order is one unit of one
// product; each client orders its own product.
func BenchmarkOrders(b *testing.B) {
	stores := []string{"embedded", "dynamodb-local"}
	clientCounts := []int{1, orderClients}
	figs := map[string]orderFigures{}
	key := func(store string, clients int) string { return fmt.Sprintf("%s/%d", store, clients) }
	for _, store := range stores {
		// One server per store for its sub-benchmarks (a benchmark with
		// sub-benchmarks runs once); DynamoDB Local's absence skips only its
		// own.
		b.Run("store="+store, func(b *testing.B) {
			shop := newOrderShop(b, store)
			for _, clients := range clientCounts {
				b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { figs[key(store, clients)] = shop.measure(b, clients) })
			}
		})
	}
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nOrders: placeOrder → CONFIRMED (real TCP, GraphQL, NewOrder on the local Step Functions, simulated payment, warehouse off), embedded DynamoDB (fsync on) vs DynamoDB Local (in memory)\nclients\tfigure\tembedded\tDynamoDB Local\tembedded advantage")
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	for _, clients := range clientCounts {
		e, ok1 := figs[key("embedded", clients)]
		l, ok2 := figs[key("dynamodb-local", clients)]
		if !ok1 || !ok2 {
			continue
		}
		fmt.Fprintf(w, "%d\tp50 ms\t%.2f\t%.2f\t%.2fx\n", clients, ms(e.p50), ms(l.p50), ms(l.p50)/ms(e.p50))
		fmt.Fprintf(w, "%d\tp99 ms\t%.2f\t%.2f\t%.2fx\n", clients, ms(e.p99), ms(l.p99), ms(l.p99)/ms(e.p99))
		target := ""
		if clients == orderClients {
			target = " (target ≥ 300)"
		}
		fmt.Fprintf(w, "%d\torders/s%s\t%.0f\t%.0f\t%.2fx\n", clients, target, e.perSec, l.perSec, e.perSec/l.perSec)
		fmt.Fprintf(w, "%d\tCPU ms/order (this process)\t%.2f\t%.2f\t\n", clients, ms(e.cpu), ms(l.cpu))
		fmt.Fprintf(w, "%d\tDynamoDB requests/order\t%.2f\t%.2f\t\n", clients, e.requestsPerOrder(), l.requestsPerOrder())
		fmt.Fprintf(w, "%d\torders measured\t%d\t%d\t\n", clients, e.orders, l.orders)
	}
	w.Flush()
	e, ok1 := figs[key("embedded", orderClients)]
	l, ok2 := figs[key("dynamodb-local", orderClients)]
	if !ok1 || !ok2 {
		return
	}
	ops := slices.Collect(maps.Keys(e.requests))
	for k := range l.requests {
		if _, ok := e.requests[k]; !ok {
			ops = append(ops, k)
		}
	}
	slices.SortFunc(ops, func(x, y ddbKey) int { return cmp.Or(strings.Compare(x.caller, y.caller), strings.Compare(x.op, y.op)) })
	w = tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(w, "\nDynamoDB requests per order (%d clients), by caller (graphql: during the placeOrder request; workflow: task handlers and dynamodb:* tasks, until the workflow waits for shipment)\ncaller\toperation\tembedded\tDynamoDB Local\n", orderClients)
	for _, k := range ops {
		fmt.Fprintf(w, "%s\t%s\t%.2f\t%.2f\n", k.caller, k.op, e.requests[k], l.requests[k])
	}
	w.Flush()
}
