package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/dynamo"
)

// TestNew_embeddedStepFunctions: the embedded default's Step Functions
// client reaches the local engine (SigV4-signed, on its loopback port), and
// a dynamodb:getItem task reads the application's own tables through the
// embedded DynamoDB.
func TestNew_embeddedStepFunctions(t *testing.T) {
	ctx := context.Background()
	tables := dynamo.TableNames("t-")
	a, err := app.New(ctx, app.Config{
		DynamoDB:      app.DynamoDBConfig{Embedded: true, Tables: tables},
		StepFunctions: app.StepFunctionsConfig{Embedded: true},
		SeedProducts:  5,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	if a.StepFunctions.Local == nil || !strings.HasPrefix(a.StepFunctions.Endpoint, "http://127.0.0.1:") {
		t.Fatalf("step functions %+v", a.StepFunctions)
	}
	def := `{"StartAt": "Read", "States": {"Read": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
		"Parameters": {"TableName": "` + tables.Warehouses + `", "Key": {"code": {"S.$": "$.code"}}},
		"ResultSelector": {"code.$": "$.Item.code.S"}, "End": true}}}`
	c := a.StepFunctions.Client
	m, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("read"), Definition: &def, RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		t.Fatal(err)
	}
	whs, err := a.Store.Warehouses(ctx)
	if err != nil || len(whs) == 0 {
		t.Fatalf("warehouses %v %v", whs, err)
	}
	x, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: m.StateMachineArn, Input: aws.String(`{"code": "` + whs[0].Code + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: x.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != sfntypes.ExecutionStatusRunning {
			if d.Status != sfntypes.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"code":"`+whs[0].Code+`"}` {
				t.Fatalf("%s %s %s %s", d.Status, aws.ToString(d.Output), aws.ToString(d.Error), aws.ToString(d.Cause))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("execution still running")
		}
		time.Sleep(time.Millisecond)
	}
}
