package stepfunctions_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
	"github.com/dop251/goja"

	"github.com/shopgraph/shopgraph/local/stepfunctions"
)

const testRole = "arn:aws:iam::123456789012:role/test"

// harness is a service on a test server and a real sfn client for it.
type harness struct {
	svc    *stepfunctions.Service
	client *sfn.Client
	srv    *httptest.Server
}

// start opens a service with opts and serves it; Cleanup closes both.
func start(t *testing.T, opts stepfunctions.Options) *harness {
	t.Helper()
	svc, err := stepfunctions.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	h := &harness{svc: svc, srv: httptest.NewServer(svc)}
	h.client = sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(h.srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		HTTPClient:   h.srv.Client(),
	})
	t.Cleanup(func() { h.close(t) })
	return h
}

// close stops the server and closes the service (safe more than once).
func (h *harness) close(t *testing.T) {
	t.Helper()
	h.srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.svc.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// create creates a state machine and returns its ARN.
func (h *harness) create(t *testing.T, name, definition string) string {
	t.Helper()
	out, err := h.client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String(testRole),
	})
	if err != nil {
		t.Fatalf("CreateStateMachine %s: %v", name, err)
	}
	return *out.StateMachineArn
}

// startExec starts an execution and returns its ARN.
func (h *harness) startExec(t *testing.T, machine, name, input string) string {
	t.Helper()
	in := &sfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(input)}
	if name != "" {
		in.Name = aws.String(name)
	}
	out, err := h.client.StartExecution(context.Background(), in)
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	return *out.ExecutionArn
}

// wait polls DescribeExecution until the execution has ended.
func (h *harness) wait(t *testing.T, arn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := h.client.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("DescribeExecution: %v", err)
		}
		if out.Status != types.ExecutionStatusRunning {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still running after 20s", arn)
		}
		time.Sleep(time.Millisecond)
	}
}

// history is an execution's whole history, through every page.
func (h *harness) history(t *testing.T, arn string) []types.HistoryEvent {
	t.Helper()
	var events []types.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(h.client, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), MaxResults: 50})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("GetExecutionHistory: %v", err)
		}
		events = append(events, page.Events...)
	}
	return events
}

// apiErrorCode is the API error code of err ("" when it is not one).
func apiErrorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// wantAPIError fails unless err is the API error code.
func wantAPIError(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("succeeded, want %s", code)
	}
	if got := apiErrorCode(err); got != code {
		t.Fatalf("error %v, want %s", err, code)
	}
}

// jsLambda is the corpus's generic Lambda fixture, in goja: it runs
// config.script as the body of an async function of (config, event,
// payload, taskToken, context, env, aws), as the fixture's index.mjs does
// (../shared/conformance/asl/README.md), and returns what it returns; a
// thrown error is a function error with the error's name and message.
func jsLambda(_ context.Context, raw json.RawMessage) (json.RawMessage, error) {
	var event map[string]any
	if err := json.Unmarshal(raw, &event); err != nil {
		return nil, fmt.Errorf("fixture payload: %w", err)
	}
	config, _ := event["config"].(map[string]any)
	script, _ := config["script"].(string)
	payload, ok := event["payload"]
	if !ok {
		payload = event
	}
	token := event["taskToken"]
	if task, ok := event["Task"].(map[string]any); ok && token == nil {
		token = task["Token"]
	}
	vm := goja.New()
	for k, v := range map[string]any{"__config": config, "__event": event, "__payload": payload, "__token": token,
		"__context": map[string]any{"awsRequestId": fmt.Sprintf("%08x-0000-4000-8000-000000000000", time.Now().UnixNano()&0xffffffff)}} {
		if err := vm.Set(k, v); err != nil {
			return nil, err
		}
	}
	v, err := vm.RunString("(async function(config, event, payload, taskToken, context, env, aws) {\n" + script +
		"\n})(__config, __event, __payload, __token, __context, {}, {})")
	if err != nil {
		return nil, fmt.Errorf("fixture script: %w", err)
	}
	p, ok := v.Export().(*goja.Promise)
	if !ok {
		return nil, errors.New("fixture script did not return a promise")
	}
	switch p.State() {
	case goja.PromiseStateFulfilled:
		out, err := json.Marshal(p.Result().Export())
		return out, err
	case goja.PromiseStateRejected:
		obj := p.Result().ToObject(vm)
		return nil, &stepfunctions.LambdaError{Type: obj.Get("name").String(), Message: obj.Get("message").String()}
	}
	return nil, errors.New("fixture script did not settle")
}
