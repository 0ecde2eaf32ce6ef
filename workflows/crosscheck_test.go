package workflows_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/internal/asltest"
	"github.com/shopgraph/shopgraph/internal/testenv"
	"github.com/shopgraph/shopgraph/local/payments"
	"github.com/shopgraph/shopgraph/workflows"
)

// TestCrossCheck_awsLocalStepFunctions runs each order workflow's paths on
// the local Step Functions engine as the rig does (embedded DynamoDB, the
// Go task handlers, the simulated payment provider; the warehouse's
// confirmations sent by the test through the engine), reads each
// execution's history through the Step Functions API, and replays it on
// aws-local-stepfunctions 3.0.0 (test/stepfunctions/crosscheck.mjs): the
// same definition (as the engine stored it) and input, every Task state
// answered with the results and errors the local engine's tasks had, in
// order, Retry intervals 0. Both engines must enter the same states in the
// same order with the same inputs, give each Task attempt the same
// parameters, ask for exactly the recorded attempts, and end the same way:
// the same output (as JSON values), or failed with the same error and
// cause.
//
// What legitimately differs is kept out of the comparison:
//   - $$.State.EnteredTime and $$.Task.Token: aws-local-stepfunctions'
//     context object has only Execution.Input and Execution.StartTime, and
//     its mocked context is one object for the whole run (it cannot give
//     each state its own entry time or each callback task its own token). The
//     replay mocks them as fixed placeholders, and the local engine's Task
//     parameters have their values replaced by the same placeholders where
//     the definition's Parameters take them from those paths. They reach no
//     state input or output other than through a task's recorded result
//     (the DynamoDB updates write EnteredTime; the result read back is
//     replayed as recorded), so state inputs and outputs are compared
//     unmasked.
//   - What a task does: aws-local-stepfunctions calls no service (its local
//     handlers replace the resource, .waitForTaskToken included: a handler's
//     return value is the callback's output), so only the data flow is
//     compared, which is what the replay is for.
func TestCrossCheck_awsLocalStepFunctions(t *testing.T) {
	dir := asltest.Dir(t)
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join(root, "test", "stepfunctions", "crosscheck.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, 0, 0) // the warehouse simulator is off: the test confirms
	ctx := context.Background()
	cat := r.app.Catalog.Products
	var runs []crossCase

	// NewOrder to DELIVERED, then its ReturnOrder to RETURNED.
	r.stock(t, cat[0].ProductID, map[string]int{"FRA1": 1, "SEA1": 3})
	happy := r.place(t, "cust-x", "happy", cat[0], 2, "tok_visa")
	r.confirm(t, happy.ID, shopgraph.CallbackShipment, r.engine.ConfirmShipped)
	r.confirm(t, happy.ID, shopgraph.CallbackDelivery, r.engine.ConfirmDelivered)
	runs = append(runs, crossCase{"NewOrder/happy", workflows.NewOrder, happy.ID,
		expect{status: types.ExecutionStatusSucceeded, last: "Done", through: []string{"MarkShipped", "MarkDelivered", "PublishDelivered"}}})
	r.ended(t, workflows.NewOrder, happy.ID)
	delivered := r.await(t, happy.ID, shopgraph.OrderDelivered)
	if err := r.engine.StartReturnOrder(ctx, delivered, shopgraph.ReturnRequest{Reason: "too big", Refund: cat[0].Price,
		Lines: []shopgraph.OrderLineInput{{Product: cat[0].Key(), Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	r.confirm(t, happy.ID, shopgraph.CallbackReturn, r.engine.ConfirmReturnReceived)
	runs = append(runs, crossCase{"ReturnOrder/happy", workflows.ReturnOrder, happy.ID + "-return",
		expect{status: types.ExecutionStatusSucceeded, last: "Done", through: []string{"StartReturn", "MarkReturned", "RefundReturn", "PublishReturned"}}})

	// NewOrder out of stock.
	r.stock(t, cat[1].ProductID, map[string]int{"FRA1": 1})
	oos := r.place(t, "cust-x", "oos", cat[1], 2, "tok_visa")
	runs = append(runs, crossCase{"NewOrder/outOfStock", workflows.NewOrder, oos.ID,
		expect{status: types.ExecutionStatusSucceeded, last: "PublishOutOfStock", tasks: map[string][]string{"Reserve": {workflows.ErrOutOfStock}}}})

	// NewOrder with a declined card.
	r.stock(t, cat[2].ProductID, map[string]int{"SEA1": 2})
	declined := r.place(t, "cust-x", "declined", cat[2], 1, payments.TokenDeclined)
	runs = append(runs, crossCase{"NewOrder/declined", workflows.NewOrder, declined.ID,
		expect{status: types.ExecutionStatusSucceeded, last: "PublishPaymentFailed", tasks: map[string][]string{"Reserve": {""}, "Authorize": {workflows.ErrPaymentDeclined}},
			through: []string{"ReleaseAfterDecline", "MarkPaymentFailed"}}})

	// NewOrder with a flaky card: PaymentTransient retried, then
	// authorized; shipped and delivered.
	r.stock(t, cat[3].ProductID, map[string]int{"FRA1": 2})
	flaky := r.place(t, "cust-x", "flaky", cat[3], 1, payments.TokenFlaky)
	r.confirm(t, flaky.ID, shopgraph.CallbackShipment, r.engine.ConfirmShipped)
	r.confirm(t, flaky.ID, shopgraph.CallbackDelivery, r.engine.ConfirmDelivered)
	flakyAttempts := make([]string, 0, payments.FlakyFailures+1)
	for range payments.FlakyFailures {
		flakyAttempts = append(flakyAttempts, workflows.ErrPaymentTransient)
	}
	runs = append(runs, crossCase{"NewOrder/transientPaymentFailure", workflows.NewOrder, flaky.ID,
		expect{status: types.ExecutionStatusSucceeded, last: "Done", tasks: map[string][]string{"Authorize": append(flakyAttempts, "")},
			through: []string{"MarkConfirmed", "MarkShipped", "MarkDelivered", "PublishDelivered"}}})

	// CancelOrder of a CONFIRMED order waiting for its shipment: its
	// NewOrder's wait fails OrderCancelled and it ends.
	r.stock(t, cat[4].ProductID, map[string]int{"FRA1": 2})
	cancelled := r.place(t, "cust-x", "cancelled", cat[4], 2, "tok_visa")
	r.awaitCallback(t, cancelled.ID, shopgraph.CallbackShipment)
	confirmed := r.await(t, cancelled.ID, shopgraph.OrderConfirmed)
	if err := r.engine.StartCancelOrder(ctx, confirmed, "changed my mind"); err != nil {
		t.Fatal(err)
	}
	runs = append(runs,
		crossCase{"CancelOrder/happy", workflows.CancelOrder, cancelled.ID + "-cancel",
			expect{status: types.ExecutionStatusSucceeded, last: "Done", through: []string{"CancelShipment", "ReleaseInventory", "Refund", "PublishCancelled"}}},
		crossCase{"NewOrder/cancelledWhileWaiting", workflows.NewOrder, cancelled.ID,
			expect{status: types.ExecutionStatusSucceeded, last: "Done", tasks: map[string][]string{"RequestShipment": {workflows.ErrOrderCancelled}}}})

	// CancelOrder of a SHIPPED order: NotCancellable. Its NewOrder is
	// delivered afterwards (not compared: the happy path's twin).
	r.stock(t, cat[5].ProductID, map[string]int{"SEA1": 1})
	shipped := r.place(t, "cust-x", "shipped", cat[5], 1, "tok_visa")
	r.confirm(t, shipped.ID, shopgraph.CallbackShipment, r.engine.ConfirmShipped)
	r.awaitCallback(t, shipped.ID, shopgraph.CallbackDelivery)
	if err := r.engine.StartCancelOrder(ctx, r.await(t, shipped.ID, shopgraph.OrderShipped), ""); err != nil {
		t.Fatal(err)
	}
	runs = append(runs, crossCase{"CancelOrder/notCancellable", workflows.CancelOrder, shipped.ID + "-cancel",
		expect{status: types.ExecutionStatusFailed, errName: "NotCancellable", last: "NotCancellable",
			tasks: map[string][]string{"MarkCancelled": {"DynamoDB.ConditionalCheckFailedException"}}}})
	r.ended(t, workflows.CancelOrder, shipped.ID+"-cancel")
	r.confirm(t, shipped.ID, shopgraph.CallbackDelivery, r.engine.ConfirmDelivered)

	// ReturnOrder of an order not DELIVERED: NotReturnable. Its NewOrder is
	// shipped and delivered afterwards (not compared).
	r.stock(t, cat[6].ProductID, map[string]int{"FRA1": 1})
	early := r.place(t, "cust-x", "early", cat[6], 1, "tok_visa")
	r.awaitCallback(t, early.ID, shopgraph.CallbackShipment)
	if err := r.engine.StartReturnOrder(ctx, r.await(t, early.ID, shopgraph.OrderConfirmed), shopgraph.ReturnRequest{Reason: "x", Refund: cat[6].Price,
		Lines: []shopgraph.OrderLineInput{{Product: cat[6].Key(), Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	runs = append(runs, crossCase{"ReturnOrder/notReturnable", workflows.ReturnOrder, early.ID + "-return",
		expect{status: types.ExecutionStatusFailed, errName: "NotReturnable", last: "NotReturnable",
			tasks: map[string][]string{"MarkReturnRequested": {"DynamoDB.ConditionalCheckFailedException"}}}})
	r.ended(t, workflows.ReturnOrder, early.ID+"-return")
	r.confirm(t, early.ID, shopgraph.CallbackShipment, r.engine.ConfirmShipped)
	r.confirm(t, early.ID, shopgraph.CallbackDelivery, r.engine.ConfirmDelivered)
	r.ended(t, workflows.NewOrder, early.ID)
	r.ended(t, workflows.NewOrder, shipped.ID)

	// Read every compared execution's history (all of them have ended),
	// then replay them side by side.
	recorded := make([]localRun, len(runs))
	for i, c := range runs {
		r.ended(t, c.workflow, c.execution)
		recorded[i] = r.history(t, c.workflow, c.execution)
		if err := c.want.check(recorded[i]); err != nil {
			t.Fatalf("%s on the local engine did not take the path under test: %v\nstates %v", c.name, err, recorded[i].path())
		}
	}
	// Three replays are given wrong task outcomes on purpose, to prove
	// that the comparison sees a different output, path and failure.
	byName := map[string]localRun{}
	for i, c := range runs {
		byName[c.name] = recorded[i]
	}
	tampered := []struct {
		of, what string
		run      localRun
		want     string // what compareRuns must report
	}{
		{of: "NewOrder/happy", what: "MarkDelivered reading back a wrong version", want: "the final outputs differ",
			run: tamper(t, byName["NewOrder/happy"], "MarkDelivered", 0, func(o *taskOutcome) {
				o.Output.(map[string]any)["Attributes"].(map[string]any)["version"] = map[string]any{"N": "40"}
			})},
		{of: "NewOrder/transientPaymentFailure", what: "Authorize declined instead of failing transiently", want: "state paths differ",
			run: tamper(t, byName["NewOrder/transientPaymentFailure"], "Authorize", 0, func(o *taskOutcome) {
				o.Error = workflows.ErrPaymentDeclined
			})},
		{of: "CancelOrder/notCancellable", what: "MarkCancelled failing with an error nothing catches", want: "failed differently",
			run: tamper(t, byName["CancelOrder/notCancellable"], "MarkCancelled", 0, func(o *taskOutcome) {
				o.Error = "Store.Unavailable"
			})},
	}
	all := append([]localRun(nil), recorded...)
	for _, x := range tampered {
		all = append(all, x.run)
	}
	replayed := replay(t, dir, script, all)
	for i, c := range runs {
		t.Run(c.name, func(t *testing.T) {
			for _, d := range compareRuns(recorded[i], replayed[i]) {
				t.Error(d)
			}
		})
	}
	t.Run("tampered", func(t *testing.T) {
		for i, x := range tampered {
			diffs := compareRuns(byName[x.of], replayed[len(runs)+i])
			if !strings.Contains(strings.Join(diffs, "\n"), x.want) {
				t.Errorf("%s with %s: the comparison reported %q, want a report containing %q", x.of, x.what, diffs, x.want)
			}
		}
	})
}

// confirm waits until the order's workflow waits on purpose and completes
// that wait with fn (ConfirmShipped, ConfirmDelivered,
// ConfirmReturnReceived).
func (r *rig) confirm(t *testing.T, orderID, purpose string, fn func(context.Context, string) error) {
	t.Helper()
	r.awaitCallback(t, orderID, purpose)
	if err := fn(context.Background(), orderID); err != nil {
		t.Fatalf("confirming the %s of %s: %v", purpose, orderID, err)
	}
}

type crossCase struct {
	name, workflow, execution string
	want                      expect
}

// expect is what makes a case the path it is named for, checked on the
// local engine's run before the comparison (a run that took another path
// would compare, but prove nothing about the path named).
type expect struct {
	status  types.ExecutionStatus
	errName string
	last    string              // the last state entered
	through []string            // states entered on the way
	tasks   map[string][]string // per Task state, each attempt's error ("" for a success)
}

func (e expect) check(run localRun) error {
	if run.Status != e.status || run.Error != e.errName {
		return fmt.Errorf("ended %s %q, want %s %q", run.Status, run.Error, e.status, e.errName)
	}
	path := run.path()
	if len(path) == 0 || path[len(path)-1] != e.last {
		return fmt.Errorf("the last state is not %s", e.last)
	}
	for _, s := range e.through {
		if !strings.Contains(" "+strings.Join(path, " ")+" ", " "+s+" ") {
			return fmt.Errorf("%s was not entered", s)
		}
	}
	for state, want := range e.tasks {
		var got []string
		for _, o := range run.Tasks[state] {
			got = append(got, o.Error)
		}
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("%s's attempts ended %q, want %q", state, got, want)
		}
	}
	return nil
}

// localRun is one execution of the local engine, as its history tells it.
type localRun struct {
	Workflow   string
	Definition map[string]any
	Input      any
	States     []enteredState
	Tasks      map[string][]taskOutcome // per Task state, per attempt
	Params     map[string][]any         // per Task state, per attempt: TaskScheduled's parameters
	Status     types.ExecutionStatus
	Output     any
	Error      string
	Cause      string
}

type enteredState struct {
	Name  string
	Input any
}

type taskOutcome struct {
	Output       any
	Error, Cause string // Error "" for a success
}

func (run localRun) path() []string {
	names := make([]string, len(run.States))
	for i, s := range run.States {
		names[i] = s.Name
	}
	return names
}

// history reads the workflow's execution name through GetExecutionHistory
// (and the definition it ran through DescribeStateMachine). The workflows
// are sequential (no Parallel or Map), so each Task event belongs to the
// state entered last.
func (r *rig) history(t *testing.T, workflow, name string) localRun {
	t.Helper()
	ctx := context.Background()
	client := r.client()
	machine := r.engine.Machines[workflow]
	sm, err := client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &machine})
	if err != nil {
		t.Fatal(err)
	}
	run := localRun{Workflow: workflow, Tasks: map[string][]taskOutcome{}, Params: map[string][]any{}}
	run.Definition = decodeJSON(t, "the definition", aws.ToString(sm.Definition)).(map[string]any)
	arn := strings.Replace(machine, ":stateMachine:", ":execution:", 1) + ":" + name
	var events []types.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(client, &sfn.GetExecutionHistoryInput{ExecutionArn: &arn})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, page.Events...)
	}
	var cur string
	outcome := func(o taskOutcome) {
		if cur == "" {
			t.Fatalf("%s: a task event before any state was entered", name)
		}
		run.Tasks[cur] = append(run.Tasks[cur], o)
	}
	failure := func(errName, cause *string) {
		outcome(taskOutcome{Error: aws.ToString(errName), Cause: aws.ToString(cause)})
	}
	for _, d := range events {
		switch {
		case d.ExecutionStartedEventDetails != nil:
			run.Input = decodeJSON(t, "the execution input", aws.ToString(d.ExecutionStartedEventDetails.Input))
		case d.StateEnteredEventDetails != nil:
			cur = aws.ToString(d.StateEnteredEventDetails.Name)
			run.States = append(run.States, enteredState{Name: cur,
				Input: decodeJSON(t, cur+"'s input", aws.ToString(d.StateEnteredEventDetails.Input))})
		case d.TaskScheduledEventDetails != nil:
			run.Params[cur] = append(run.Params[cur], decodeJSON(t, cur+"'s parameters", aws.ToString(d.TaskScheduledEventDetails.Parameters)))
		case d.LambdaFunctionScheduledEventDetails != nil:
			run.Params[cur] = append(run.Params[cur], decodeJSON(t, cur+"'s input", aws.ToString(d.LambdaFunctionScheduledEventDetails.Input)))
		case d.TaskSucceededEventDetails != nil:
			outcome(taskOutcome{Output: decodeJSON(t, cur+"'s result", aws.ToString(d.TaskSucceededEventDetails.Output))})
		case d.LambdaFunctionSucceededEventDetails != nil:
			outcome(taskOutcome{Output: decodeJSON(t, cur+"'s result", aws.ToString(d.LambdaFunctionSucceededEventDetails.Output))})
		case d.TaskFailedEventDetails != nil:
			failure(d.TaskFailedEventDetails.Error, d.TaskFailedEventDetails.Cause)
		case d.LambdaFunctionFailedEventDetails != nil:
			failure(d.LambdaFunctionFailedEventDetails.Error, d.LambdaFunctionFailedEventDetails.Cause)
		case d.TaskTimedOutEventDetails != nil, d.LambdaFunctionTimedOutEventDetails != nil,
			d.TaskStartFailedEventDetails != nil, d.TaskSubmitFailedEventDetails != nil,
			d.LambdaFunctionStartFailedEventDetails != nil, d.LambdaFunctionScheduleFailedEventDetails != nil:
			// None of the paths under test has these; aws-local-stepfunctions
			// could not replay a task timeout (States.Timeout is its own
			// class there, not an error a handler throws).
			t.Fatalf("%s: event %s in state %s: the replay does not cover it", name, d.Type, cur)
		case d.ExecutionSucceededEventDetails != nil:
			run.Status = types.ExecutionStatusSucceeded
			run.Output = decodeJSON(t, "the execution output", aws.ToString(d.ExecutionSucceededEventDetails.Output))
		case d.ExecutionFailedEventDetails != nil:
			run.Status = types.ExecutionStatusFailed
			run.Error, run.Cause = aws.ToString(d.ExecutionFailedEventDetails.Error), aws.ToString(d.ExecutionFailedEventDetails.Cause)
		case d.Type == types.HistoryEventTypeExecutionAborted || d.Type == types.HistoryEventTypeExecutionTimedOut:
			t.Fatalf("%s: %s", name, d.Type)
		}
	}
	if run.Status == "" {
		t.Fatalf("%s: the history has no end: %d events", name, len(events))
	}
	for state, params := range run.Params {
		if len(params) != len(run.Tasks[state]) {
			t.Fatalf("%s: %s was scheduled %d times but ended %d times", name, state, len(params), len(run.Tasks[state]))
		}
	}
	return run
}

// tamper is a copy of run whose state's attempt-th recorded outcome is
// changed by f.
func tamper(t *testing.T, run localRun, state string, attempt int, f func(*taskOutcome)) localRun {
	t.Helper()
	if attempt >= len(run.Tasks[state]) {
		t.Fatalf("no attempt %d of %s to tamper with", attempt, state)
	}
	tasks := make(map[string][]taskOutcome, len(run.Tasks))
	for k, v := range run.Tasks {
		tasks[k] = append([]taskOutcome(nil), v...)
	}
	o := tasks[state][attempt]
	o.Output = decodeJSON(t, "a recorded result", jsonText(o.Output)) // a deep copy
	f(&o)
	tasks[state][attempt] = o
	run.Tasks = tasks
	return run
}

func decodeJSON(t *testing.T, what, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s is not JSON (%v): %q", what, err, s)
	}
	return v
}

// The placeholders the replay's mocked context gives for the context
// values that differ between the engines by nature.
const (
	enteredTimePlaceholder = "<$$.State.EnteredTime>"
	taskTokenPlaceholder   = "<$$.Task.Token>"
)

var contextPlaceholders = map[string]string{
	"$$.State.EnteredTime": enteredTimePlaceholder,
	"$$.Task.Token":        taskTokenPlaceholder,
}

// nodeRun is what crosscheck.mjs printed.
type nodeRun struct {
	Path       []string         `json:"path"`
	Inputs     []any            `json:"inputs"`
	TaskInputs map[string][]any `json:"taskInputs"`
	Status     string           `json:"status"`
	Output     any              `json:"output"`
	Error      string           `json:"error"`
	Cause      string           `json:"cause"`
	Unused     map[string]int   `json:"unused"`
}

// replay runs the recorded executions on aws-local-stepfunctions, in one
// Node process (its start and the package's validator cost most of a
// run). The script is the repository's test/stepfunctions/crosscheck.mjs,
// run with --eval in dir, so that it imports the packages installed there
// and is never a stale copy.
func replay(t *testing.T, dir string, script []byte, runs []localRun) []nodeRun {
	t.Helper()
	reqs := make([]any, len(runs))
	for i, run := range runs {
		tasks := map[string][]map[string]any{}
		for state, outcomes := range run.Tasks {
			for _, o := range outcomes {
				if o.Error != "" {
					tasks[state] = append(tasks[state], map[string]any{"error": o.Error, "cause": o.Cause})
				} else {
					tasks[state] = append(tasks[state], map[string]any{"output": o.Output})
				}
			}
		}
		reqs[i] = map[string]any{
			"definition": run.Definition,
			"input":      run.Input,
			"context": map[string]any{
				"State": map[string]any{"EnteredTime": enteredTimePlaceholder},
				"Task":  map[string]any{"Token": taskTokenPlaceholder},
			},
			"tasks": tasks,
		}
	}
	req, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--import", "./polyfill.mjs", "--input-type=module", "--eval", string(script))
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(req)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("crosscheck.mjs: %v: %s", err, stderr.String())
	}
	var reports []nodeRun
	if err := json.Unmarshal(out, &reports); err != nil || len(reports) != len(runs) {
		t.Fatalf("crosscheck.mjs printed %q (%v), not %d reports", out, err, len(runs))
	}
	return reports
}

// compareRuns lists the differences between the local engine's run and
// aws-local-stepfunctions' replay of it.
func compareRuns(local localRun, node nodeRun) (diffs []string) {
	errorf := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	if got, want := node.Path, local.path(); !reflect.DeepEqual(got, want) {
		errorf("state paths differ:\n  local engine:            %v\n  aws-local-stepfunctions: %v", want, got)
	}
	for i := range min(len(local.States), len(node.Inputs)) {
		if i >= len(node.Path) || node.Path[i] != local.States[i].Name {
			break
		}
		if !reflect.DeepEqual(local.States[i].Input, node.Inputs[i]) {
			errorf("the input of state %d (%s) differs:\n  local engine:            %s\n  aws-local-stepfunctions: %s",
				i, local.States[i].Name, jsonText(local.States[i].Input), jsonText(node.Inputs[i]))
			break // the first difference is the one to look at
		}
	}
	states, _ := local.Definition["States"].(map[string]any)
	for _, state := range slices.Sorted(maps.Keys(local.Params)) {
		params := local.Params[state]
		def, _ := states[state].(map[string]any)
		tmpl := def["Parameters"]
		got := node.TaskInputs[state]
		if len(got) != len(params) {
			errorf("%s: %d attempts on the local engine, %d on aws-local-stepfunctions", state, len(params), len(got))
			continue
		}
		for i, p := range params {
			if want := maskContext(tmpl, p); !reflect.DeepEqual(want, got[i]) {
				errorf("%s attempt %d: the parameters differ:\n  local engine:            %s\n  aws-local-stepfunctions: %s",
					state, i+1, jsonText(want), jsonText(got[i]))
			}
		}
	}
	for _, state := range slices.Sorted(maps.Keys(node.TaskInputs)) {
		if _, ok := local.Params[state]; !ok {
			errorf("aws-local-stepfunctions ran %s, which the local engine never scheduled", state)
		}
	}
	if len(node.Unused) > 0 {
		errorf("recorded task outcomes aws-local-stepfunctions never asked for: %v", node.Unused)
	}
	if string(local.Status) != node.Status {
		end := func(status, errName, cause string) string {
			if errName == "" {
				return status
			}
			return status + " " + errName + ": " + cause
		}
		errorf("the executions ended differently:\n  local engine:            %s\n  aws-local-stepfunctions: %s",
			end(string(local.Status), local.Error, local.Cause), end(node.Status, node.Error, node.Cause))
		return diffs
	}
	if local.Status == types.ExecutionStatusFailed {
		if local.Error != node.Error || local.Cause != node.Cause {
			errorf("failed differently:\n  local engine:            %s: %s\n  aws-local-stepfunctions: %s: %s", local.Error, local.Cause, node.Error, node.Cause)
		}
		return diffs
	}
	if !reflect.DeepEqual(local.Output, node.Output) {
		errorf("the final outputs differ:\n  local engine:            %s\n  aws-local-stepfunctions: %s", jsonText(local.Output), jsonText(node.Output))
	}
	return diffs
}

// maskContext is a Task's parameters v with each field that the
// Parameters template tmpl takes from $$.State.EnteredTime or $$.Task.Token
// replaced by that value's placeholder.
func maskContext(tmpl, v any) any {
	switch tm := tmpl.(type) {
	case map[string]any:
		obj, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := make(map[string]any, len(obj))
		for k, x := range obj {
			out[k] = x
		}
		for k, tv := range tm {
			if field, dynamic := strings.CutSuffix(k, ".$"); dynamic {
				if path, ok := tv.(string); ok && contextPlaceholders[path] != "" {
					if _, has := out[field]; has {
						out[field] = contextPlaceholders[path]
					}
				}
				continue
			}
			if x, has := out[k]; has {
				out[k] = maskContext(tv, x)
			}
		}
		return out
	case []any:
		arr, ok := v.([]any)
		if !ok || len(arr) != len(tm) {
			return v
		}
		out := make([]any, len(arr))
		for i := range arr {
			out[i] = maskContext(tm[i], arr[i])
		}
		return out
	}
	return v
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}
