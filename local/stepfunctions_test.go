package local_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

	"github.com/shopgraph/shopgraph/local"
	"github.com/shopgraph/shopgraph/local/stepfunctions"
)

// TestStartStepFunctions reaches the local Step Functions with a signed sfn
// client, is refused with other credentials, keeps its state machines
// across a restart on the same directory, and refuses a second process on
// that directory.
func TestStartStepFunctions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sf, err := local.StartStepFunctions(ctx, local.StepFunctionsOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	client := func(e *local.EmbeddedStepFunctions, cfg aws.Config) *sfn.Client {
		return sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = aws.String(e.Endpoint); o.HTTPClient = e.HTTPClient() })
	}
	c := client(sf, sf.AWSConfig())
	created, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("hello"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		Definition: aws.String(`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "hi", "End": true}}}`)})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	_, err = client(sf, local.AWSConfig("")).ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if api, ok := errors.AsType[smithy.APIError](err); !ok || api.ErrorCode() != "UnrecognizedClientException" {
		t.Fatalf("other credentials: %v, want UnrecognizedClientException", err)
	}
	if _, err := local.StartStepFunctions(ctx, local.StepFunctionsOptions{Dir: dir}); !isLocked(err) {
		t.Fatalf("second start on the same directory: %v, want a LockedError", err)
	}
	if err := sf.Close(ctx); err != nil {
		t.Fatal(err)
	}
	sf, err = local.StartStepFunctions(ctx, local.StepFunctionsOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sf.Close(ctx) }()
	desc, err := client(sf, sf.AWSConfig()).DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: created.StateMachineArn})
	if err != nil || *desc.Name != "hello" {
		t.Fatalf("after restart: %v %+v", err, desc)
	}
}

func isLocked(err error) bool {
	_, ok := errors.AsType[*stepfunctions.LockedError](err)
	return ok
}
