package stepfunctions

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	"github.com/google/uuid"

	"github.com/shopgraph/shopgraph/local/stepfunctions/asl"
)

const (
	resourcePrefix   = "arn:aws:states:::"
	lambdaInvoke     = resourcePrefix + "lambda:invoke"
	snsPublish       = resourcePrefix + "sns:publish"
	dynamoDBPrefix   = resourcePrefix + "dynamodb:"
	callbackSuffix   = ".waitForTaskToken"
	lambdaARNPrefix  = "arn:aws:lambda:"
	functionARNInfix = ":function:"
)

var dynamoDBOps = map[string]bool{"getItem": true, "putItem": true, "updateItem": true, "deleteItem": true}

// parseOptions are the options definitions are parsed with: the resources
// this service can run.
func (s *Service) parseOptions() asl.ParseOptions {
	return asl.ParseOptions{KnownResource: s.knownResource}
}

func (s *Service) knownResource(res string) bool {
	if _, ok := s.opts.Resources[res]; ok {
		return true
	}
	base, callback := strings.CutSuffix(res, callbackSuffix)
	switch {
	case base == lambdaInvoke:
		return true
	case base == snsPublish:
		return s.opts.SNS != nil
	case strings.HasPrefix(base, lambdaARNPrefix):
		return !callback && strings.Contains(base, functionARNInfix)
	case strings.HasPrefix(base, dynamoDBPrefix):
		return !callback && s.opts.DynamoDB != nil && dynamoDBOps[strings.TrimPrefix(base, dynamoDBPrefix)]
	}
	return false
}

// taskRunner runs the Task states of one execution.
type taskRunner struct {
	s *Service
	e *execution
}

func (t *taskRunner) Invoke(ctx context.Context, req asl.TaskRequest) (any, error) {
	if h, ok := t.s.opts.Resources[req.Resource]; ok {
		return h.Invoke(ctx, req)
	}
	base, callback := strings.CutSuffix(req.Resource, callbackSuffix)
	if !callback {
		return t.s.call(ctx, base, req)
	}
	w := t.s.addWaiter(req.TaskToken)
	defer t.s.removeWaiter(req.TaskToken)
	if _, err := t.s.call(ctx, base, req); err != nil {
		return nil, err
	}
	return w.wait(ctx, t.s.clock, req.HeartbeatSeconds)
}

// call runs one integration and returns its raw result.
func (s *Service) call(ctx context.Context, base string, req asl.TaskRequest) (any, error) {
	switch {
	case base == lambdaInvoke:
		return s.invokeLambda(ctx, req)
	case strings.HasPrefix(base, lambdaARNPrefix):
		out, err := s.runLambda(ctx, base, req.Parameters)
		if err != nil {
			return nil, err
		}
		return out, nil
	case base == snsPublish:
		return s.publish(ctx, req)
	case strings.HasPrefix(base, dynamoDBPrefix):
		return s.callDynamoDB(ctx, strings.TrimPrefix(base, dynamoDBPrefix), req)
	}
	return nil, &asl.Error{Name: "States.Runtime", Cause: fmt.Sprintf("The resource '%s' is not supported", req.Resource)}
}

// params is a Task's parameters as an object, or a States.Runtime error.
func params(req asl.TaskRequest) (map[string]any, error) {
	m, ok := req.Parameters.(map[string]any)
	if !ok {
		return nil, &asl.Error{Name: "States.Runtime", Cause: fmt.Sprintf("The parameters of the state '%s' must be an object", req.State)}
	}
	return m, nil
}

// checkFields refuses parameters not in allowed and requires those in
// required, as Step Functions does for its optimized integrations.
func checkFields(req asl.TaskRequest, p map[string]any, allowed map[string]bool, required ...string) error {
	api := strings.TrimPrefix(strings.TrimSuffix(req.Resource, callbackSuffix), resourcePrefix)
	for k := range p {
		if !allowed[k] {
			return &asl.Error{Name: "States.Runtime", Cause: fmt.Sprintf("The field '%s' is not supported by Step Functions for %s (state '%s')", k, api, req.State)}
		}
	}
	for _, k := range required {
		if _, ok := p[k]; !ok {
			return &asl.Error{Name: "States.Runtime", Cause: fmt.Sprintf("The field '%s' is required for %s (state '%s')", k, api, req.State)}
		}
	}
	return nil
}

func fieldSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

var lambdaFields = fieldSet("FunctionName", "Payload", "InvocationType", "Qualifier", "ClientContext", "LogType")

// invokeLambda is arn:aws:states:::lambda:invoke: the result is AWS's
// integration wrapper around the function's response payload.
func (s *Service) invokeLambda(ctx context.Context, req asl.TaskRequest) (any, error) {
	p, err := params(req)
	if err != nil {
		return nil, err
	}
	if err := checkFields(req, p, lambdaFields, "FunctionName"); err != nil {
		return nil, err
	}
	fn, ok := p["FunctionName"].(string)
	if !ok {
		return nil, &asl.Error{Name: "States.Runtime", Cause: fmt.Sprintf("The field 'FunctionName' of the state '%s' must be a string", req.State)}
	}
	payload, has := p["Payload"]
	if !has {
		payload = map[string]any{}
	}
	out, err := s.runLambda(ctx, fn, payload)
	if err != nil {
		return nil, err
	}
	requestID := uuid.NewString()
	now := s.clock.Now()
	date := now.UTC().Format(http.TimeFormat)
	var trace [20]byte
	_, _ = rand.Read(trace[:])
	headers := map[string]any{
		"Connection": "keep-alive", "Content-Type": "application/json", "Date": date,
		"X-Amz-Executed-Version": "$LATEST", "x-amzn-RequestId": requestID,
		"Content-Length": fmt.Sprint(len(asl.EncodeJSON(out))), "x-amzn-Remapped-Content-Length": "0",
		"X-Amzn-Trace-Id": fmt.Sprintf("Root=1-%08x-%x;Parent=%x;Sampled=0", now.Unix(), trace[:12], trace[12:]),
	}
	all := make(map[string]any, len(headers))
	for k, v := range headers {
		all[k] = []any{v}
	}
	return map[string]any{
		"ExecutedVersion":     "$LATEST",
		"Payload":             out,
		"SdkHttpMetadata":     map[string]any{"AllHttpHeaders": all, "HttpHeaders": headers, "HttpStatusCode": json.Number("200")},
		"SdkResponseMetadata": map[string]any{"RequestId": requestID},
		"StatusCode":          json.Number("200"),
	}, nil
}

// functionName is the function a FunctionName names: a name, a partial ARN
// ("123456789012:function:name") or a full ARN, with an optional
// qualifier.
func functionName(fn string) string {
	if _, rest, ok := strings.Cut(fn, functionARNInfix); ok {
		fn = rest
	} else {
		fn = strings.TrimPrefix(fn, "function:")
	}
	name, _, _ := strings.Cut(fn, ":")
	return name
}

// runLambda calls the handler fn names with payload and returns its
// response payload (decoded when it is JSON, else the text).
func (s *Service) runLambda(ctx context.Context, fn string, payload any) (out any, err error) {
	name := functionName(fn)
	h := s.opts.Lambda[name]
	if h == nil {
		return nil, &asl.Error{Name: "Lambda.ResourceNotFoundException",
			Cause: fmt.Sprintf("Function not found: %s (Service: Lambda, Status Code: 404, Error Code: ResourceNotFoundException)", fn)}
	}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("local Step Functions: Lambda handler panicked", "function", name, "panic", p)
			out, err = nil, lambdaFailure(&LambdaError{Type: "Runtime.ExitError", Message: "the function's handler panicked"})
		}
	}()
	raw, herr := h(ctx, json.RawMessage(asl.EncodeJSON(payload)))
	if herr != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		le, ok := errors.AsType[*LambdaError](herr)
		if !ok {
			le = &LambdaError{Type: "Error", Message: herr.Error()}
		}
		return nil, lambdaFailure(le)
	}
	if len(raw) == 0 {
		return nil, nil
	}
	v, err := asl.DecodeJSON(raw)
	if err != nil {
		return string(raw), nil
	}
	return v, nil
}

func lambdaFailure(le *LambdaError) *asl.Error {
	cause := asl.EncodeJSON(map[string]any{"errorType": le.Type, "errorMessage": le.Message, "trace": []any{}})
	return &asl.Error{Name: le.Type, Cause: cause}
}

var snsFields = fieldSet("TopicArn", "TargetArn", "PhoneNumber", "Message", "Subject", "MessageAttributes",
	"MessageStructure", "MessageGroupId", "MessageDeduplicationId")

// publish is arn:aws:states:::sns:publish.
func (s *Service) publish(ctx context.Context, req asl.TaskRequest) (any, error) {
	p, err := params(req)
	if err != nil {
		return nil, err
	}
	if err := checkFields(req, p, snsFields, "Message"); err != nil {
		return nil, err
	}
	str := func(k string) string { v, _ := p[k].(string); return v }
	msg := Message{TopicArn: str("TopicArn"), TargetArn: str("TargetArn"), Subject: str("Subject"),
		MessageGroupID: str("MessageGroupId"), MessageDeduplicationID: str("MessageDeduplicationId")}
	if m, ok := p["Message"].(string); ok {
		msg.Message = m
	} else {
		msg.Message = asl.EncodeJSON(p["Message"]) // AWS serialises a JSON message
	}
	msg.MessageAttributes, _ = p["MessageAttributes"].(map[string]any)
	if msg.TopicArn == "" && msg.TargetArn == "" {
		return nil, &asl.Error{Name: "SNS.InvalidParameterException", Cause: "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"}
	}
	id, err := s.opts.SNS.Publish(ctx, msg)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, serviceError("SNS", "AmazonSNS", err)
	}
	return withSdkMetadata(map[string]any{"MessageId": id}), nil
}

// withSdkMetadata adds the SdkHttpMetadata and SdkResponseMetadata members
// AWS's optimized integrations return.
func withSdkMetadata(out map[string]any) map[string]any {
	requestID := uuid.NewString()
	headers := map[string]any{"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": requestID}
	all := map[string]any{}
	for k, v := range headers {
		all[k] = []any{v}
	}
	out["SdkHttpMetadata"] = map[string]any{"AllHttpHeaders": all, "HttpHeaders": headers, "HttpStatusCode": json.Number("200")}
	out["SdkResponseMetadata"] = map[string]any{"RequestId": requestID}
	return out
}

// codedError is an error that names itself with a code.
type codedError interface {
	error
	ErrorCode() string
}

// serviceError is a failed service call as Step Functions reports it: the
// error name is prefix.Code, the cause the message with the service's
// details.
func serviceError(prefix, service string, err error) error {
	var api smithy.APIError
	if !errors.As(err, &api) {
		if coded, ok := errors.AsType[codedError](err); ok {
			return &asl.Error{Name: prefix + "." + coded.ErrorCode(), Cause: err.Error()}
		}
		return &asl.Error{Name: "States.TaskFailed", Cause: err.Error()}
	}
	status, requestID := 400, ""
	if re, ok := errors.AsType[*awshttp.ResponseError](err); ok {
		status, requestID = re.HTTPStatusCode(), re.ServiceRequestID()
	}
	return &asl.Error{
		Name: prefix + "." + api.ErrorCode(),
		Cause: fmt.Sprintf("%s (Service: %s; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)",
			api.ErrorMessage(), service, status, api.ErrorCode(), requestID),
	}
}
