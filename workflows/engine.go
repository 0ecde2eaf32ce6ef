package workflows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopgraph/shopgraph"
)

// SFN is the part of the Step Functions API the engine uses (an
// *sfn.Client).
type SFN interface {
	CreateStateMachine(ctx context.Context, in *sfn.CreateStateMachineInput, optFns ...func(*sfn.Options)) (*sfn.CreateStateMachineOutput, error)
	UpdateStateMachine(ctx context.Context, in *sfn.UpdateStateMachineInput, optFns ...func(*sfn.Options)) (*sfn.UpdateStateMachineOutput, error)
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	SendTaskSuccess(ctx context.Context, in *sfn.SendTaskSuccessInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
	SendTaskFailure(ctx context.Context, in *sfn.SendTaskFailureInput, optFns ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error)
	ListStateMachines(ctx context.Context, in *sfn.ListStateMachinesInput, optFns ...func(*sfn.Options)) (*sfn.ListStateMachinesOutput, error)
}

// Engine runs the order workflows on Step Functions: it starts executions
// and answers the warehouse's callbacks.
type Engine struct {
	API    SFN
	Orders shopgraph.OrderStore
	// Machines are the state machines' ARNs by workflow name (Install
	// fills them; on AWS they come from the deployment).
	Machines map[string]string
}

// Install creates each workflow's state machine, or updates it to the
// current definition (the embedded default does at every start; on AWS the
// deployment does).
func (e *Engine) Install(ctx context.Context, n Names, roleARN string) error {
	existing := map[string]string{}
	p := sfn.NewListStateMachinesPaginator(e.API, &sfn.ListStateMachinesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("workflows: list state machines: %w", err)
		}
		for _, m := range page.StateMachines {
			existing[aws.ToString(m.Name)] = aws.ToString(m.StateMachineArn)
		}
	}
	if e.Machines == nil {
		e.Machines = map[string]string{}
	}
	for _, name := range All() {
		def, err := Definition(name, n)
		if err != nil {
			return err
		}
		if arn := existing[name]; arn != "" {
			if _, err := e.API.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &arn, Definition: &def, RoleArn: &roleARN}); err != nil {
				return fmt.Errorf("workflows: update state machine %s: %w", name, err)
			}
			e.Machines[name] = arn
			continue
		}
		out, err := e.API.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: &def, RoleArn: &roleARN})
		if err != nil {
			return fmt.Errorf("workflows: create state machine %s: %w", name, err)
		}
		e.Machines[name] = *out.StateMachineArn
	}
	return nil
}

// NewOrderInput is the NewOrder execution's input.
type NewOrderInput struct {
	OrderID    string `json:"orderId"`
	CustomerID string `json:"customerId"`
	Transition struct {
		Version int `json:"version"`
	} `json:"transition"`
}

// StartNewOrder starts o's NewOrder execution, named by the order id: a
// second start of the same order starts nothing and is not an error.
func (e *Engine) StartNewOrder(ctx context.Context, o shopgraph.Order) (string, error) {
	machine := e.Machines[NewOrder]
	if machine == "" {
		return "", errors.New("workflows: the NewOrder state machine is not installed")
	}
	in := NewOrderInput{OrderID: o.ID, CustomerID: o.CustomerID}
	in.Transition.Version = o.Version
	raw, _ := json.Marshal(in)
	out, err := e.API.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &machine, Name: aws.String(o.ID), Input: aws.String(string(raw))})
	if _, exists := errors.AsType[*types.ExecutionAlreadyExists](err); exists {
		return executionARN(machine, o.ID), nil
	}
	if err != nil {
		return "", fmt.Errorf("workflows: start NewOrder for %s: %w", o.ID, err)
	}
	return *out.ExecutionArn, nil
}

// executionARN is the ARN of the execution named name of machine.
func executionARN(machine, name string) string {
	return strings.Replace(machine, ":stateMachine:", ":execution:", 1) + ":" + name
}

// ConfirmShipped completes the order's wait for its shipment.
func (e *Engine) ConfirmShipped(ctx context.Context, orderID string) error {
	return e.complete(ctx, orderID, "shipment")
}

// ConfirmDelivered completes the order's wait for its delivery.
func (e *Engine) ConfirmDelivered(ctx context.Context, orderID string) error {
	return e.complete(ctx, orderID, "delivery")
}

func (e *Engine) complete(ctx context.Context, orderID, purpose string) error {
	o, err := e.Orders.Order(ctx, orderID)
	if err != nil {
		return err
	}
	token := o.Callbacks[purpose]
	if token == "" {
		return shopgraph.Errorf(shopgraph.CodeConflict, "order %s is not waiting for its %s", orderID, purpose)
	}
	_, err = e.API.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &token, Output: aws.String(`{"confirmed":true}`)})
	if _, gone := errors.AsType[*types.TaskTimedOut](err); gone {
		return shopgraph.Errorf(shopgraph.CodeConflict, "order %s is no longer waiting for its %s", orderID, purpose)
	}
	return err
}
