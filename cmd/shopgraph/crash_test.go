package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/local"
)

// TestCrash_orderBetweenStatesFinishesOnceAfterRestart is issue 17's
// "Crash: a server killed with an order between two workflow states
// finishes that order after restart, once", on the real binary:
//
//  1. `shopgraph serve` (embedded default, its own state directory, the
//     simulated warehouse off) takes an order paid with tok_flaky, whose
//     Authorize fails twice with 1 s and 2 s retry waits. Once the server
//     logs the first retry of that Authorize, and GraphQL shows the order
//     PENDING with its stock reserved, the process gets SIGKILL.
//  2. A second server on the same directory resumes the execution at
//     Authorize; the order reaches CONFIRMED with one PENDING and one
//     CONFIRMED entry, its stock decremented once, listed once. Once the
//     workflow waits for the shipment (the warehouse callback recorded), it
//     is killed again.
//  3. A third server resumes at RequestShipment: the warehouse user's
//     markOrderShipped and markOrderDelivered complete the order.
//
// After a clean stop, the local Step Functions' data, read with the real
// sfn client, holds exactly one execution, named by the order, SUCCEEDED,
// that entered each marking state once.
func TestCrash_orderBetweenStatesFinishesOnceAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it twice (-short)")
	}
	t.Parallel()
	bin := buildShopgraph(t)
	state := t.TempDir()
	data := filepath.Join(state, "data")
	childEnv := crashEnv(
		"SHOPGRAPH_MODE=embedded",
		"SHOPGRAPH_ADDR=127.0.0.1:0",
		"SHOPGRAPH_STATE_DIR="+state,
		"SHOPGRAPH_DATA_DIR="+data,
		"SHOPGRAPH_SEED_PRODUCTS=40",
		"SHOPGRAPH_PAYMENTS=simulated",
		// No simulated warehouse: a confirmed order waits for
		// markOrderShipped, so it rests between two states.
		"SHOPGRAPH_WAREHOUSE_SHIP_DELAY=0",
		"SHOPGRAPH_WAREHOUSE_DELIVER_DELAY=0",
		// The engine's retries and the task handlers' results are logged
		// at debug: that is how the test sees where the execution is.
		"SHOPGRAPH_LOG_LEVEL=debug",
		// The test polls as alice faster than a customer's 20 requests/s.
		"SHOPGRAPH_USER_RATE_LIMIT=1000",
	)

	// --- Run 1: kill the server while Authorize waits to retry. ---
	s1 := startBinary(t, bin, childEnv, "run 1")
	alice := [2]string{"Authorization", devToken(t, bin, childEnv, "alice")}
	wanda := [2]string{"Authorization", devToken(t, bin, childEnv, "wanda")}
	partner := [2]string{"x-api-key", auth.DevAPIKey}

	const qty = 2
	productID, before := productWithStock(t, s1.base, partner, qty+1)
	placed := crashGQL(t, s1.base, alice, `mutation($in: PlaceOrderInput!) { placeOrder(input: $in) { id status } }`, map[string]any{"in": map[string]any{
		"idempotencyKey":  "crash-1",
		"paymentToken":    "tok_flaky",
		"shippingAddress": map[string]any{"name": "Alice", "line1": "1 Main St", "city": "Springfield", "postalCode": "12345", "country": "US"},
		"lines":           []map[string]any{{"productId": productID, "quantity": qty}},
	}}).ok(t, "placeOrder")
	var po struct{ PlaceOrder struct{ ID, Status string } }
	placed.decode(t, &po)
	id := po.PlaceOrder.ID
	placedAt := time.Now()
	if id == "" || po.PlaceOrder.Status != "PENDING" {
		t.Fatalf("placeOrder returned %s", placed.Data)
	}

	// The first authorization attempt failed and the engine is waiting
	// 1 s to retry (then 2 s more before the third attempt succeeds): the
	// kill below lands seconds before the execution could leave Authorize.
	s1.awaitLog(t, "Authorize's first retry of "+id, func(l string) bool {
		return strings.Contains(l, `msg="asl retry"`) && strings.Contains(l, id) &&
			strings.Contains(l, "state=Authorize") && strings.Contains(l, "error=PaymentTransient")
	})
	// And GraphQL agrees: still PENDING, stock already reserved.
	if o := orderState(t, s1.base, alice, id); o.Status != "PENDING" || !slices.Equal(o.history(), []string{"PENDING"}) {
		t.Fatalf("in Authorize's retry wait the order is %s with history %v, want PENDING with [PENDING]", o.Status, o.history())
	}
	if got := available(t, s1.base, partner, productID); got != before-qty {
		t.Fatalf("in Authorize's retry wait the product has %d available, want %d-%d (reserved)", got, before, qty)
	}
	if s1.hasLog(func(l string) bool {
		return strings.Contains(l, `msg="asl state exited"`) && strings.Contains(l, id) && strings.Contains(l, "state=Authorize")
	}) {
		t.Fatalf("the execution left Authorize before the kill: the test stalled for seconds between seeing the retry and killing")
	}
	s1.kill(t)
	t.Logf("run 1 killed in Authorize's retry wait, %s after the order was placed", time.Since(placedAt).Round(time.Millisecond))

	// --- Run 2: the execution resumes in Authorize and confirms, once. ---
	s2 := startBinary(t, bin, childEnv, "run 2")
	s2.wantResumed(t, id, "Authorize")
	o := awaitStatus(t, s2, alice, id, "CONFIRMED")
	if h := o.history(); !slices.Equal(h, []string{"PENDING", "CONFIRMED"}) {
		t.Errorf("after the restart the status history is %v, want [PENDING CONFIRMED]", h)
	}
	if got := available(t, s2.base, partner, productID); got != before-qty {
		t.Errorf("after the restart the product has %d available, want %d-%d (decremented once)", got, before, qty)
	}
	wantListedOnce(t, s2.base, alice, id)

	// Kill again while the workflow waits for the warehouse: its task
	// token is recorded on the order.
	s2.awaitLog(t, "the shipment request of "+id, func(l string) bool {
		return strings.Contains(l, `msg="order task done"`) && strings.Contains(l, "task=requestShipment") && strings.Contains(l, "order="+id)
	})
	s2.kill(t)
	t.Logf("run 2 confirmed %s and was killed waiting for its shipment", id)

	// --- Run 3: resumed at RequestShipment; the warehouse finishes it. ---
	s3 := startBinary(t, bin, childEnv, "run 3")
	s3.wantResumed(t, id, "RequestShipment")
	if o := orderState(t, s3.base, alice, id); o.Status != "CONFIRMED" {
		t.Fatalf("after the second restart the order is %s, want CONFIRMED (waiting for shipment)", o.Status)
	}
	// Until the resumed RequestShipment records its new token, the order
	// holds the killed task's token: Conflict, retry.
	markUntilAccepted(t, s3, wanda, `mutation($id: ID!) { markOrderShipped(orderId: $id) { id status } }`, id)
	awaitStatus(t, s3, alice, id, "SHIPPED")
	markUntilAccepted(t, s3, wanda, `mutation($id: ID!) { markOrderDelivered(orderId: $id) { id status } }`, id)
	o = awaitStatus(t, s3, alice, id, "DELIVERED")
	if h := o.history(); !slices.Equal(h, []string{"PENDING", "CONFIRMED", "SHIPPED", "DELIVERED"}) {
		t.Errorf("the delivered order's status history is %v, want [PENDING CONFIRMED SHIPPED DELIVERED]", h)
	}
	if got := available(t, s3.base, partner, productID); got != before-qty {
		t.Errorf("after delivery the product has %d available, want %d-%d", got, before, qty)
	}
	wantListedOnce(t, s3.base, alice, id)
	// Each status change was published once, across the three processes
	// (an event is published just after its status is written: wait for
	// it, then count).
	for _, st := range []string{"CONFIRMED", "SHIPPED", "DELIVERED"} {
		published := func() int {
			n := 0
			for _, s := range []*binaryServer{s1, s2, s3} {
				n += s.countLogs(func(l string) bool {
					return strings.Contains(l, `msg="order status changed"`) && strings.Contains(l, "order="+id+" ") && strings.Contains(l, "status="+st+" ")
				})
			}
			return n
		}
		deadline := time.Now().Add(30 * time.Second)
		for published() == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := published(); n != 1 {
			t.Errorf("the %s event of %s was published %d times, want once", st, id, n)
		}
	}
	s3.awaitLog(t, "the execution of "+id+" to succeed", func(l string) bool {
		return strings.Contains(l, `msg="asl execution succeeded"`) && strings.Contains(l, id)
	})
	s3.stop(t)
	t.Logf("run 3 shipped and delivered %s and stopped cleanly", id)

	// --- Afterwards: exactly one execution, through the sfn API. ---
	wantOneExecution(t, filepath.Join(data, "stepfunctions"), id,
		map[string]int{"Reserve": 1, "Authorize": 1, "MarkConfirmed": 1, "RequestShipment": 1, "MarkShipped": 1, "MarkDelivered": 1,
			"Superseded": 0, "ReleaseAfterDecline": 0, "MarkPaymentFailed": 0})
}

// buildShopgraph builds cmd/shopgraph into a temporary directory.
func buildShopgraph(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "shopgraph")
	start := time.Now()
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built %s in %s", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

// crashEnv is the process environment without any SHOPGRAPH_ or AWS_
// setting of the machine running the test, plus settings.
func crashEnv(settings ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SHOPGRAPH_") && !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return append(out, settings...)
}

// devToken is `shopgraph token --user user`, run as the README says, with
// the server's settings (its state directory).
func devToken(t *testing.T, bin string, env []string, user string) string {
	t.Helper()
	cmd := exec.Command(bin, "token", "--user", user)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("shopgraph token --user %s: %v\n%s", user, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// binaryServer is a running `shopgraph serve` subprocess.
type binaryServer struct {
	name string
	cmd  *exec.Cmd
	logs *syncBuffer // its stdout and stderr
	base string      // http://127.0.0.1:PORT
	done chan struct{}
	err  error // Wait's result, once done is closed
}

var readyLine = regexp.MustCompile(`msg="shopgraph ready" graphql=(http://[0-9.:]+)/graphql`)

// startBinary starts `bin serve` with env and waits until it is ready.
func startBinary(t *testing.T, bin string, env []string, name string) *binaryServer {
	t.Helper()
	s := &binaryServer{name: name, cmd: exec.Command(bin, "serve"), logs: &syncBuffer{}, done: make(chan struct{})}
	s.cmd.Env = env
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		if t.Failed() {
			t.Logf("%s (pid %d) logged (request lines left out):\n%s", s.name, s.cmd.Process.Pid, s.logsWithoutRequests())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := readyLine.FindStringSubmatch(s.logs.String()); m != nil {
			s.base = m[1]
			return s
		}
		select {
		case <-s.done:
			t.Fatalf("%s exited before it was ready: %v", name, s.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 60 s", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL: no shutdown code runs.
func (s *binaryServer) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s: %v", s.name, err)
	}
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s still running 30 s after SIGKILL", s.name)
	}
	if ws, ok := s.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("%s ended with %v before SIGKILL reached it", s.name, s.err)
	}
}

// stop sends SIGTERM and wants a clean exit (status 0).
func (s *binaryServer) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("stop %s: %v", s.name, err)
	}
	select {
	case <-s.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s still running 60 s after SIGTERM", s.name)
	}
	if s.err != nil {
		t.Fatalf("%s after SIGTERM: %v, want exit status 0", s.name, s.err)
	}
}

func (s *binaryServer) lines() []string { return strings.Split(s.logs.String(), "\n") }

// logsWithoutRequests is the log without the debug line of each request.
func (s *binaryServer) logsWithoutRequests() string {
	var b strings.Builder
	for _, l := range s.lines() {
		if !strings.Contains(l, " msg=request ") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func (s *binaryServer) countLogs(match func(string) bool) int {
	n := 0
	for _, l := range s.lines() {
		if match(l) {
			n++
		}
	}
	return n
}

func (s *binaryServer) hasLog(match func(string) bool) bool { return s.countLogs(match) > 0 }

// awaitLog waits (up to 30 s) for a log line that matches, and returns it.
func (s *binaryServer) awaitLog(t *testing.T, what string, match func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, l := range s.lines() {
			if match(l) {
				return l
			}
		}
		select {
		case <-s.done:
			t.Fatalf("%s exited (%v) while the test waited for %s", s.name, s.err, what)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no log of %s after 30 s", s.name, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wantResumed checks the start-up logs: one execution resumed, the
// order's, at the state given.
func (s *binaryServer) wantResumed(t *testing.T, orderID, state string) {
	t.Helper()
	if !s.hasLog(func(l string) bool { return strings.Contains(l, "resumed_executions=1") }) {
		t.Errorf("%s did not log resumed_executions=1", s.name)
	}
	resumed := s.countLogs(func(l string) bool { return strings.Contains(l, `msg="local Step Functions: resuming execution"`) })
	at := s.countLogs(func(l string) bool {
		return strings.Contains(l, `msg="local Step Functions: resuming execution"`) && strings.Contains(l, orderID) &&
			strings.Contains(l, `at="state `+state+`"`)
	})
	if resumed != 1 || at != 1 {
		t.Fatalf("%s resumed %d executions, %d of them %s's at state %s; want exactly that one", s.name, resumed, at, orderID, state)
	}
}

// gqlResult is a GraphQL response.
type gqlResult struct {
	Status int
	Data   json.RawMessage
	Errors []struct{ Message, ErrorType string }
	raw    string
}

// crashGQL posts a GraphQL request with one credential header.
func crashGQL(t *testing.T, base string, cred [2]string, q string, vars map[string]any) gqlResult {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(cred[0], cred[1])
	client := &http.Client{Timeout: 30 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST %s/graphql: %v", base, err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	r := gqlResult{Status: res.StatusCode, raw: buf.String()}
	if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
		t.Fatalf("%q: status %d, body %q: %v", q, res.StatusCode, buf.String(), err)
	}
	return r
}

// ok fails the test unless r has data and no errors.
func (r gqlResult) ok(t *testing.T, what string) gqlResult {
	t.Helper()
	if r.Status != http.StatusOK || len(r.Errors) > 0 || len(r.Data) == 0 || string(r.Data) == "null" {
		t.Fatalf("%s: status %d: %s", what, r.Status, r.raw)
	}
	return r
}

func (r gqlResult) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
}

// productWithStock is a product with at least atLeast units available, and
// how many are.
func productWithStock(t *testing.T, base string, cred [2]string, atLeast int) (string, int) {
	t.Helper()
	var cats struct{ Categories []struct{ Name string } }
	crashGQL(t, base, cred, `{ categories { name } }`, nil).ok(t, "categories").decode(t, &cats)
	for _, c := range cats.Categories {
		var page struct {
			Products struct {
				Items []struct {
					ID        string
					Inventory struct{ Available int }
				}
			}
		}
		crashGQL(t, base, cred, `query($c: String!) { products(category: $c, limit: 50) { items { id inventory { available } } } }`,
			map[string]any{"c": c.Name}).ok(t, "products").decode(t, &page)
		for _, p := range page.Products.Items {
			if p.Inventory.Available >= atLeast {
				return p.ID, p.Inventory.Available
			}
		}
	}
	t.Fatalf("no product with %d units in stock", atLeast)
	return "", 0
}

// available is a product's units available across warehouses, through
// GraphQL.
func available(t *testing.T, base string, cred [2]string, productID string) int {
	t.Helper()
	var v struct {
		Product struct{ Inventory struct{ Available int } }
	}
	crashGQL(t, base, cred, `query($id: ID!) { product(id: $id) { inventory { available } } }`, map[string]any{"id": productID}).
		ok(t, "product inventory").decode(t, &v)
	return v.Product.Inventory.Available
}

type crashOrder struct {
	ID, Status    string
	StatusHistory []struct{ Status, At string }
}

func (o crashOrder) history() []string {
	var out []string
	for _, h := range o.StatusHistory {
		out = append(out, h.Status)
	}
	return out
}

func orderState(t *testing.T, base string, cred [2]string, id string) crashOrder {
	t.Helper()
	var v struct{ Order *crashOrder }
	crashGQL(t, base, cred, `query($id: ID!) { order(id: $id) { id status statusHistory { status at } } }`, map[string]any{"id": id}).
		ok(t, "order").decode(t, &v)
	if v.Order == nil {
		t.Fatalf("order %s is gone", id)
	}
	return *v.Order
}

// awaitStatus polls the order (up to 30 s) until it has status want; a
// status the order cannot leave toward want fails at once.
func awaitStatus(t *testing.T, s *binaryServer, cred [2]string, id, want string) crashOrder {
	t.Helper()
	order := []string{"PENDING", "CONFIRMED", "SHIPPED", "DELIVERED"}
	deadline := time.Now().Add(30 * time.Second)
	for {
		o := orderState(t, s.base, cred, id)
		if o.Status == want {
			return o
		}
		if slices.Index(order, o.Status) < 0 || slices.Index(order, o.Status) > slices.Index(order, want) {
			t.Fatalf("%s: order %s is %s (history %v), it will never be %s", s.name, id, o.Status, o.history(), want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: order %s is still %s (history %v) after 30 s, want %s", s.name, id, o.Status, o.history(), want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// markUntilAccepted sends a warehouse mutation until it is accepted: a
// Conflict (the workflow is not waiting for it yet) is retried for 30 s.
func markUntilAccepted(t *testing.T, s *binaryServer, cred [2]string, mutation, id string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := crashGQL(t, s.base, cred, mutation, map[string]any{"id": id})
		if r.Status == http.StatusOK && len(r.Errors) == 0 {
			return
		}
		if len(r.Errors) == 0 || r.Errors[0].ErrorType != "Conflict" || time.Now().After(deadline) {
			t.Fatalf("%s: %s: status %d: %s", s.name, mutation, r.Status, r.raw)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wantListedOnce: myOrders lists the customer's one order, once.
func wantListedOnce(t *testing.T, base string, cred [2]string, id string) {
	t.Helper()
	var v struct {
		MyOrders struct {
			Items     []struct{ ID string }
			NextToken *string
		}
	}
	crashGQL(t, base, cred, `{ myOrders(limit: 100) { items { id } nextToken } }`, nil).ok(t, "myOrders").decode(t, &v)
	var ids []string
	for _, o := range v.MyOrders.Items {
		ids = append(ids, o.ID)
	}
	if !slices.Equal(ids, []string{id}) || v.MyOrders.NextToken != nil {
		t.Errorf("myOrders lists %v (nextToken %v), want [%s] once", ids, v.MyOrders.NextToken, id)
	}
}

// wantOneExecution opens the stopped server's local Step Functions data
// (no execution left running, so nothing resumes) and checks, with the
// real sfn client, that the state machines hold exactly one execution, the
// order's, SUCCEEDED, whose history entered each state as often as want
// says.
func wantOneExecution(t *testing.T, dir, orderID string, want map[string]int) {
	t.Helper()
	ctx := context.Background()
	emb, err := local.StartStepFunctions(ctx, local.StepFunctionsOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := emb.Close(ctx); err != nil {
			t.Error(err)
		}
	}()
	if n := emb.Service.Stats().Resumed; n != 0 {
		t.Fatalf("%d executions were still running after the clean stop", n)
	}
	client := sfn.NewFromConfig(emb.AWSConfig(), func(o *sfn.Options) {
		o.BaseEndpoint = aws.String(emb.Endpoint)
		o.HTTPClient = emb.HTTPClient()
	})
	var execs []sfntypes.ExecutionListItem
	machines := sfn.NewListStateMachinesPaginator(client, &sfn.ListStateMachinesInput{})
	for machines.HasMorePages() {
		page, err := machines.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.StateMachines {
			list := sfn.NewListExecutionsPaginator(client, &sfn.ListExecutionsInput{StateMachineArn: m.StateMachineArn})
			for list.HasMorePages() {
				page, err := list.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				execs = append(execs, page.Executions...)
			}
		}
	}
	var names []string
	for _, e := range execs {
		names = append(names, fmt.Sprintf("%s (%s)", aws.ToString(e.Name), e.Status))
	}
	if len(execs) != 1 || aws.ToString(execs[0].Name) != orderID || execs[0].Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("ListExecutions: %v, want one, %s (SUCCEEDED)", names, orderID)
	}
	entered := map[string]int{}
	started := 0
	history := sfn.NewGetExecutionHistoryPaginator(client, &sfn.GetExecutionHistoryInput{ExecutionArn: execs[0].ExecutionArn})
	for history.HasMorePages() {
		page, err := history.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range page.Events {
			if ev.Type == sfntypes.HistoryEventTypeExecutionStarted {
				started++
			}
			if d := ev.StateEnteredEventDetails; d != nil && strings.HasSuffix(string(ev.Type), "StateEntered") {
				entered[aws.ToString(d.Name)]++
			}
		}
	}
	if started != 1 {
		t.Errorf("the execution's history has %d ExecutionStarted events, want 1", started)
	}
	var wrong []string
	for state, n := range want {
		if entered[state] != n {
			wrong = append(wrong, fmt.Sprintf("%s entered %d times, want %d", state, entered[state], n))
		}
	}
	if len(wrong) > 0 {
		slices.Sort(wrong)
		t.Errorf("the execution's history: %s (all states entered: %v)", strings.Join(wrong, "; "), entered)
	}
}
