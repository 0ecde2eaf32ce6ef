package stepfunctions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopgraph/shopgraph/internal/asltest"
	"github.com/shopgraph/shopgraph/local/stepfunctions"
	"github.com/shopgraph/shopgraph/local/stepfunctions/asl"
)

func lambdaTask(name, fn, next string, extra string) string {
	end := `"End": true`
	if next != "" {
		end = `"Next": "` + next + `"`
	}
	return fmt.Sprintf(`"%s": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
		"Parameters": {"FunctionName": "%s", "Payload.$": "$"}, "OutputPath": "$.Payload"%s, %s}`, name, fn, extra, end)
}

func handler(f func(ctx context.Context, in map[string]any) (any, error)) stepfunctions.LambdaHandler {
	return func(ctx context.Context, raw json.RawMessage) (json.RawMessage, error) {
		var in map[string]any
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, err
		}
		out, err := f(ctx, in)
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	}
}

func wantSucceeded(t *testing.T, d *sfn.DescribeExecutionOutput, want string) {
	t.Helper()
	if d.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution %s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	got, _ := asl.DecodeJSON([]byte(aws.ToString(d.Output)))
	w, _ := asl.DecodeJSON([]byte(want))
	if !asl.EqualJSON(got, w) {
		t.Fatalf("output %s, want %s", aws.ToString(d.Output), want)
	}
}

// TestRestart_resumesWaitAndBetweenTasks stops the service while one
// execution sits in a Wait and another is in its second Task (the first
// one done); after a restart on the same data both finish with the output
// they would have had, the first Task is not run again, and the histories
// number their events without gaps or repeats.
func TestRestart_resumesWaitAndBetweenTasks(t *testing.T) {
	dir := t.TempDir()
	clock := asltest.NewManualClock()
	var firstCalls, secondCalls atomic.Int32
	inSecond := make(chan struct{}, 1)
	lambdas := map[string]stepfunctions.LambdaHandler{
		"first": handler(func(_ context.Context, in map[string]any) (any, error) {
			firstCalls.Add(1)
			in["first"] = true
			return in, nil
		}),
		"second": handler(func(ctx context.Context, in map[string]any) (any, error) {
			if secondCalls.Add(1) == 1 {
				inSecond <- struct{}{}
				<-ctx.Done() // interrupted by the shutdown
				return nil, ctx.Err()
			}
			in["second"] = true
			return in, nil
		}),
	}
	opts := stepfunctions.Options{Dir: dir, Clock: clock, Lambda: lambdas}
	h := start(t, opts)
	waiting := h.create(t, "waiting", `{"StartAt": "Before", "States": {
		"Before": {"Type": "Pass", "Result": "before", "ResultPath": "$.before", "Next": "Sleep"},
		"Sleep": {"Type": "Wait", "Seconds": 3600, "Next": "After"},
		"After": {"Type": "Pass", "Result": "after", "ResultPath": "$.after", "End": true}}}`)
	tasks := h.create(t, "tasks", `{"StartAt": "One", "States": {`+
		lambdaTask("One", "first", "Two", "")+`,`+lambdaTask("Two", "arn:aws:lambda:us-east-1:123456789012:function:second", "", "")+`}}`)
	w := h.startExec(t, waiting, "w", `{"n": 1}`)
	if !clock.WaitSleepers(1) {
		t.Fatal("the Wait never started")
	}
	x := h.startExec(t, tasks, "x", `{"n": 2}`)
	select {
	case <-inSecond:
	case <-time.After(10 * time.Second):
		t.Fatal("the second Task never started")
	}
	h.close(t)

	h = start(t, opts)
	if got := h.svc.Stats().Resumed; got != 2 {
		t.Fatalf("resumed %d executions, want 2", got)
	}
	wantSucceeded(t, h.wait(t, x), `{"n": 2, "first": true, "second": true}`)
	if !clock.WaitSleepers(1) {
		t.Fatal("the Wait did not resume")
	}
	clock.Advance(3600 * time.Second)
	wantSucceeded(t, h.wait(t, w), `{"n": 1, "before": "before", "after": "after"}`)
	if firstCalls.Load() != 1 || secondCalls.Load() != 2 {
		t.Fatalf("first ran %d times, second %d; want 1 and 2 (only the interrupted Task runs again)", firstCalls.Load(), secondCalls.Load())
	}
	for _, arn := range []string{w, x} {
		events := h.history(t, arn)
		for i, e := range events {
			if e.Id != int64(i+1) {
				t.Fatalf("%s: event %d has id %d", arn, i+1, e.Id)
			}
		}
		if last := events[len(events)-1].Type; last != sfntypes.HistoryEventTypeExecutionSucceeded {
			t.Fatalf("%s: last event %s", arn, last)
		}
	}
}

// TestStartExecution_nameIsIdempotent starts one name 100 times at once:
// one execution starts and every call gets its ARN; another input, or the
// name of an ended execution, is ExecutionAlreadyExists.
func TestStartExecution_nameIsIdempotent(t *testing.T) {
	clock := asltest.NewManualClock()
	h := start(t, stepfunctions.Options{Clock: clock})
	m := h.create(t, "m", `{"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 10, "End": true}}}`)
	var wg sync.WaitGroup
	arns := make([]string, 100)
	errs := make([]error, 100)
	for i := range 100 {
		wg.Go(func() {
			out, err := h.client.StartExecution(context.Background(), &sfn.StartExecutionInput{
				StateMachineArn: aws.String(m), Name: aws.String("order-1"), Input: aws.String(`{"id": 1}`)})
			errs[i] = err
			if err == nil {
				arns[i] = *out.ExecutionArn
			}
		})
	}
	wg.Wait()
	for i := range 100 {
		if errs[i] != nil || arns[i] != arns[0] {
			t.Fatalf("call %d: %v %s (first %s)", i, errs[i], arns[i], arns[0])
		}
	}
	if got := h.svc.Stats().Started; got != 1 {
		t.Fatalf("%d executions started, want 1", got)
	}
	_, err := h.client.StartExecution(context.Background(), &sfn.StartExecutionInput{
		StateMachineArn: aws.String(m), Name: aws.String("order-1"), Input: aws.String(`{"id": 2}`)})
	wantAPIError(t, err, "ExecutionAlreadyExists")
	if !clock.WaitSleepers(1) {
		t.Fatal("the execution is not waiting")
	}
	clock.Advance(10 * time.Second)
	h.wait(t, arns[0])
	_, err = h.client.StartExecution(context.Background(), &sfn.StartExecutionInput{
		StateMachineArn: aws.String(m), Name: aws.String("order-1"), Input: aws.String(`{"id": 1}`)})
	wantAPIError(t, err, "ExecutionAlreadyExists")
	list, err := h.client.ListExecutions(context.Background(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(m)})
	if err != nil || len(list.Executions) != 1 {
		t.Fatalf("ListExecutions: %v %+v", err, list)
	}
}

// TestBadInput gets each malformed request's AWS error name and a message
// that says what is wrong, and the service keeps running.
func TestBadInput(t *testing.T) {
	h := start(t, stepfunctions.Options{Clock: asltest.NewFastClock()})
	ctx := context.Background()
	create := func(def string) error {
		_, err := h.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad"), Definition: aws.String(def), RoleArn: aws.String(testRole)})
		return err
	}
	definitions := []struct{ name, def, msg string }{
		{"not JSON", `{"StartAt": `, "INVALID_JSON_DESCRIPTION"},
		{"unknown Next", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}`, "/States/A/Next"},
		{"bad JSONPath", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "$..[", "End": true}}}`, "/States/A/InputPath"},
		{"unknown intrinsic", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"x.$": "States.Nope(1)"}, "End": true}}}`, "/States/A/Parameters"},
		{"unknown resource", `{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::s3:putObject", "End": true}}}`, "is not supported"},
		{"DynamoDB without a client", `{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "End": true}}}`, "is not supported"},
	}
	for _, d := range definitions {
		err := create(d.def)
		wantAPIError(t, err, "InvalidDefinition")
		if !strings.Contains(err.Error(), d.msg) {
			t.Errorf("%s: %v does not mention %q", d.name, err, d.msg)
		}
	}
	_, err := h.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("a b"), Definition: aws.String(`{}`), RoleArn: aws.String(testRole)})
	wantAPIError(t, err, "InvalidName")
	_, err = h.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("r"), RoleArn: aws.String("nope"),
		Definition: aws.String(`{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}`)})
	wantAPIError(t, err, "InvalidArn")

	m := h.create(t, "ok", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`)
	start := func(input string) error {
		_, err := h.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(m), Input: aws.String(input)})
		return err
	}
	err = start(`{"big": "` + strings.Repeat("x", 256*1024) + `"}`)
	wantAPIError(t, err, "ValidationException")
	if !strings.Contains(err.Error(), "262144") {
		t.Errorf("oversized input: %v does not give the limit", err)
	}
	wantAPIError(t, start(`{"unclosed": `), "InvalidExecutionInput")

	_, err = h.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:ok:missing")})
	wantAPIError(t, err, "ExecutionDoesNotExist")
	_, err = h.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("not-an-arn")})
	wantAPIError(t, err, "InvalidArn")
	_, err = h.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(m)})
	wantAPIError(t, err, "InvalidArn")
	_, err = h.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:missing")})
	wantAPIError(t, err, "StateMachineDoesNotExist")
	_, err = h.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("forged"), Output: aws.String(`{}`)})
	wantAPIError(t, err, "InvalidToken")
	_, err = h.client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(m), NextToken: aws.String("!!")})
	wantAPIError(t, err, "InvalidToken")
	_, err = h.client.ListActivities(ctx, &sfn.ListActivitiesInput{})
	wantAPIError(t, err, "UnknownOperationException")
	if !strings.Contains(err.Error(), "ListActivities") {
		t.Errorf("unsupported operation: %v does not name it", err)
	}

	wantSucceeded(t, h.wait(t, h.startExec(t, m, "", `{"still": "running"}`)), `{"still": "running"}`)
}

// TestCallbackTasks completes .waitForTaskToken tasks with SendTaskSuccess
// and SendTaskFailure, keeps one alive with SendTaskHeartbeat and lets
// another miss its heartbeat; a token of an ended task is TaskTimedOut.
func TestCallbackTasks(t *testing.T) {
	clock := asltest.NewManualClock()
	tokens := make(chan string, 4)
	h := start(t, stepfunctions.Options{Clock: clock, Lambda: map[string]stepfunctions.LambdaHandler{
		"ask": handler(func(_ context.Context, in map[string]any) (any, error) {
			tokens <- in["token"].(string)
			return map[string]any{"ignored": true}, nil
		}),
	}})
	m := h.create(t, "callback", `{"StartAt": "Ask", "States": {
		"Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "HeartbeatSeconds": 60,
			"Parameters": {"FunctionName": "ask", "Payload": {"token.$": "$$.Task.Token"}},
			"Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}], "End": true},
		"Caught": {"Type": "Pass", "End": true}}}`)
	ctx := context.Background()
	next := func() string {
		select {
		case tok := <-tokens:
			return tok
		case <-time.After(10 * time.Second):
			t.Fatal("no task token")
			return ""
		}
	}

	ok := h.startExec(t, m, "ok", `{}`)
	tok := next()
	if _, err := h.client.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: &tok}); err != nil {
		t.Fatalf("SendTaskHeartbeat: %v", err)
	}
	if _, err := h.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &tok, Output: aws.String(`{"shipped": true}`)}); err != nil {
		t.Fatalf("SendTaskSuccess: %v", err)
	}
	wantSucceeded(t, h.wait(t, ok), `{"shipped": true}`)
	_, err := h.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &tok, Output: aws.String(`{}`)})
	wantAPIError(t, err, "TaskTimedOut")

	failed := h.startExec(t, m, "failed", `{}`)
	tok = next()
	_, err = h.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &tok, Output: aws.String(`{not json`)})
	wantAPIError(t, err, "InvalidOutput")
	if _, err := h.client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: &tok, Error: aws.String("Warehouse.Refused"), Cause: aws.String("no stock")}); err != nil {
		t.Fatalf("SendTaskFailure: %v", err)
	}
	wantSucceeded(t, h.wait(t, failed), `{"error": {"Error": "Warehouse.Refused", "Cause": "no stock"}}`)

	silent := h.startExec(t, m, "silent", `{}`)
	next()
	if !clock.WaitSleepers(1) {
		t.Fatal("no heartbeat timer")
	}
	clock.Advance(61 * time.Second)
	wantSucceeded(t, h.wait(t, silent), `{"error": {"Error": "States.HeartbeatTimeout", "Cause": ""}}`)
}

// TestStopExecution aborts a waiting execution with an error and cause.
func TestStopExecution(t *testing.T) {
	clock := asltest.NewManualClock()
	h := start(t, stepfunctions.Options{Clock: clock})
	m := h.create(t, "m", `{"StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 100, "End": true}}}`)
	arn := h.startExec(t, m, "x", `{}`)
	if !clock.WaitSleepers(1) {
		t.Fatal("not waiting")
	}
	if _, err := h.client.StopExecution(context.Background(), &sfn.StopExecutionInput{ExecutionArn: &arn, Error: aws.String("Cancelled"), Cause: aws.String("by the customer")}); err != nil {
		t.Fatalf("StopExecution: %v", err)
	}
	d := h.wait(t, arn)
	if d.Status != sfntypes.ExecutionStatusAborted || aws.ToString(d.Error) != "Cancelled" || aws.ToString(d.Cause) != "by the customer" || d.StopDate == nil {
		t.Fatalf("after stop: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	events := h.history(t, arn)
	if last := events[len(events)-1]; last.Type != sfntypes.HistoryEventTypeExecutionAborted || aws.ToString(last.ExecutionAbortedEventDetails.Error) != "Cancelled" {
		t.Fatalf("last event %+v", last)
	}
	if st := h.svc.Stats(); st.Aborted != 1 || st.Running != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestStateMachines_andPagination covers the state machine operations and
// the paginated listings.
func TestStateMachines_andPagination(t *testing.T) {
	clock := asltest.NewManualClock()
	h := start(t, stepfunctions.Options{Clock: clock})
	ctx := context.Background()
	def := `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": true}}}`
	arn := h.create(t, "m0", def)
	if again := h.create(t, "m0", def); again != arn {
		t.Fatalf("CreateStateMachine again gave %s, want %s", again, arn)
	}
	_, err := h.client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("m0"), RoleArn: aws.String(testRole),
		Definition: aws.String(`{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}`)})
	wantAPIError(t, err, "StateMachineAlreadyExists")
	for i := 1; i < 5; i++ {
		h.create(t, fmt.Sprintf("m%d", i), def)
	}
	var names []string
	p := sfn.NewListStateMachinesPaginator(h.client, &sfn.ListStateMachinesInput{MaxResults: 2})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page.StateMachines {
			names = append(names, *m.Name)
		}
	}
	if strings.Join(names, ",") != "m0,m1,m2,m3,m4" {
		t.Fatalf("listed %v", names)
	}

	first := h.wait(t, h.startExec(t, arn, "e1", `{}`))
	wantSucceeded(t, first, `1`)
	if _, err := h.client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &arn,
		Definition: aws.String(`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 2, "End": true}}}`)}); err != nil {
		t.Fatalf("UpdateStateMachine: %v", err)
	}
	desc, err := h.client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &arn})
	if err != nil || !strings.Contains(*desc.Definition, `"Result": 2`) || *desc.RoleArn != testRole || desc.Status != sfntypes.StateMachineStatusActive {
		t.Fatalf("DescribeStateMachine: %v %+v", err, desc)
	}
	for i := 2; i <= 5; i++ {
		clock.Advance(time.Second) // distinct start times: listed newest first
		wantSucceeded(t, h.wait(t, h.startExec(t, arn, fmt.Sprintf("e%d", i), `{}`)), `2`)
	}
	var execs []string
	ep := sfn.NewListExecutionsPaginator(h.client, &sfn.ListExecutionsInput{StateMachineArn: &arn, MaxResults: 2})
	for ep.HasMorePages() {
		page, err := ep.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Executions {
			execs = append(execs, *e.Name)
		}
	}
	if strings.Join(execs, ",") != "e5,e4,e3,e2,e1" {
		t.Fatalf("ListExecutions (newest first) gave %v", execs)
	}

	events := h.history(t, *first.ExecutionArn)
	var types []string
	for _, e := range events {
		types = append(types, string(e.Type))
	}
	if strings.Join(types, ",") != "ExecutionStarted,PassStateEntered,PassStateExited,ExecutionSucceeded" {
		t.Fatalf("history %v", types)
	}
	rev, err := h.client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: first.ExecutionArn, ReverseOrder: true, MaxResults: 1})
	if err != nil || len(rev.Events) != 1 || rev.Events[0].Type != sfntypes.HistoryEventTypeExecutionSucceeded || rev.NextToken == nil {
		t.Fatalf("reverse history: %v %+v", err, rev)
	}

	if _, err := h.client.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: &arn}); err != nil {
		t.Fatal(err)
	}
	_, err = h.client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &arn})
	wantAPIError(t, err, "StateMachineDoesNotExist")
	if _, err := h.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: first.ExecutionArn}); err != nil {
		t.Fatalf("an execution of a deleted state machine: %v", err)
	}
	if st := h.svc.Stats(); st.Succeeded != 5 || st.Transitions != 5 {
		t.Fatalf("stats %+v, want 5 succeeded and 5 transitions", st)
	}
}

// publisher records sns:publish messages (the SNS port's test
// implementation).
type publisher struct {
	mu   sync.Mutex
	msgs []stepfunctions.Message
}

func (p *publisher) Publish(_ context.Context, m stepfunctions.Message) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.msgs = append(p.msgs, m)
	return fmt.Sprintf("msg-%d", len(p.msgs)), nil
}

// TestSNSPublish publishes through the port: a JSON Message is sent as its
// text, and the result carries the message id.
func TestSNSPublish(t *testing.T) {
	pub := &publisher{}
	h := start(t, stepfunctions.Options{Clock: asltest.NewFastClock(), SNS: pub})
	m := h.create(t, "notify", `{"StartAt": "Publish", "States": {"Publish": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
		"Parameters": {"TopicArn": "arn:aws:sns:us-east-1:123456789012:orders", "Message": {"orderId.$": "$.id", "status": "PLACED"}},
		"ResultSelector": {"id.$": "$.MessageId"}, "End": true}}}`)
	wantSucceeded(t, h.wait(t, h.startExec(t, m, "", `{"id": "o-1"}`)), `{"id": "msg-1"}`)
	if len(pub.msgs) != 1 || pub.msgs[0].TopicArn != "arn:aws:sns:us-east-1:123456789012:orders" || pub.msgs[0].Message != `{"orderId":"o-1","status":"PLACED"}` {
		t.Fatalf("published %+v", pub.msgs)
	}
}

// TestLambdaARNResource runs a plain Lambda function ARN as the Resource:
// the handler gets the state's input and its response is the result, and a
// handler's LambdaError or plain error is the Task's error name (Retry and
// Catch match it), an unknown function Lambda.ResourceNotFoundException.
func TestLambdaARNResource(t *testing.T) {
	var calls atomic.Int32
	h := start(t, stepfunctions.Options{Clock: asltest.NewFastClock(), Lambda: map[string]stepfunctions.LambdaHandler{
		"double": handler(func(_ context.Context, in map[string]any) (any, error) {
			return map[string]any{"n": in["n"].(float64) * 2}, nil
		}),
		"flaky": func(context.Context, json.RawMessage) (json.RawMessage, error) {
			if calls.Add(1) < 3 {
				return nil, &stepfunctions.LambdaError{Type: "Payment.Transient", Message: "try again"}
			}
			return nil, fmt.Errorf("declined")
		},
	}})
	m := h.create(t, "arn", `{"StartAt": "Double", "States": {
		"Double": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:double", "Next": "Flaky"},
		"Flaky": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky:live", "ResultPath": "$.flaky",
			"Retry": [{"ErrorEquals": ["Payment.Transient"], "IntervalSeconds": 1, "MaxAttempts": 5}],
			"Catch": [{"ErrorEquals": ["Error"], "ResultPath": "$.declined", "Next": "Missing"}], "End": true},
		"Missing": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:nobody",
			"Catch": [{"ErrorEquals": ["Lambda.ResourceNotFoundException"], "ResultPath": "$.missing", "Next": "Done"}], "End": true},
		"Done": {"Type": "Pass", "End": true}}}`)
	d := h.wait(t, h.startExec(t, m, "", `{"n": 21}`))
	if d.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("%s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	out := decodeObject(t, aws.ToString(d.Output))
	declined, _ := out["declined"].(map[string]any)
	missing, _ := out["missing"].(map[string]any)
	if out["n"] != json.Number("42") || calls.Load() != 3 || declined["Error"] != "Error" ||
		!strings.Contains(declined["Cause"].(string), `"errorMessage":"declined"`) || missing["Error"] != "Lambda.ResourceNotFoundException" {
		t.Fatalf("output %s after %d calls", aws.ToString(d.Output), calls.Load())
	}
	var types []string
	for _, e := range h.history(t, *d.ExecutionArn) {
		types = append(types, string(e.Type))
	}
	if !strings.Contains(strings.Join(types, ","), "LambdaFunctionScheduled,LambdaFunctionStarted,LambdaFunctionSucceeded") {
		t.Fatalf("history %v has no LambdaFunction* events", types)
	}
}
