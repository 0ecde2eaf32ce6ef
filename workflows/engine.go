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

// Input is an order workflow execution's input: NewOrder reads the order,
// its customer and the version it was stored with; CancelOrder also the
// reason; ReturnOrder the reason, the lines sent back and their refund.
type Input struct {
	OrderID    string  `json:"orderId"`
	CustomerID string  `json:"customerId"`
	Reason     string  `json:"reason"`
	Lines      []Line  `json:"lines,omitempty"`
	Refund     *Amount `json:"refund,omitempty"`
	Transition struct {
		Version int `json:"version"`
	} `json:"transition"`
}

// Amount is money in a workflow's input: minor units of Currency.
type Amount struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Line is a line of a return: a product of the order (its ProductKey) and
// how many units are sent back.
type Line struct {
	Category  string `json:"category"`
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
}

// Execution names: NewOrder's is the order id, so that a retried start
// never starts a second one; an order is cancelled or returned at most
// once, so those are named by the order id and the workflow.
func executionName(workflow, orderID string) string {
	if workflow == NewOrder {
		return orderID
	}
	return orderID + "-" + strings.ToLower(strings.TrimSuffix(workflow, "Order"))
}

// StartNewOrder starts o's NewOrder execution, named by the order id: a
// second start of the same order starts nothing and is not an error.
func (e *Engine) StartNewOrder(ctx context.Context, o shopgraph.Order) (string, error) {
	return e.start(ctx, NewOrder, o, Input{})
}

// StartCancelOrder starts o's CancelOrder execution (once per order).
func (e *Engine) StartCancelOrder(ctx context.Context, o shopgraph.Order, reason string) error {
	_, err := e.start(ctx, CancelOrder, o, Input{Reason: reason})
	return err
}

// StartReturnOrder starts o's ReturnOrder execution (once per order).
func (e *Engine) StartReturnOrder(ctx context.Context, o shopgraph.Order, r shopgraph.ReturnRequest) error {
	in := Input{Reason: r.Reason}
	for _, l := range r.Lines {
		in.Lines = append(in.Lines, Line{Category: l.Product.Category, ProductID: l.Product.ProductID, Quantity: l.Quantity})
	}
	in.Refund = &Amount{Amount: r.Refund.Amount, Currency: r.Refund.Currency}
	_, err := e.start(ctx, ReturnOrder, o, in)
	return err
}

// start starts the workflow's execution for o with in (its order,
// customer and version filled in). An execution of that name that exists
// already is not an error: it is the one asked for.
func (e *Engine) start(ctx context.Context, workflow string, o shopgraph.Order, in Input) (string, error) {
	machine := e.Machines[workflow]
	if machine == "" {
		return "", fmt.Errorf("workflows: the %s state machine is not installed", workflow)
	}
	in.OrderID, in.CustomerID, in.Transition.Version = o.ID, o.CustomerID, o.Version
	raw, err := json.Marshal(in)
	if err != nil {
		return "", err
	}
	name := executionName(workflow, o.ID)
	out, err := e.API.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &machine, Name: &name, Input: aws.String(string(raw))})
	if _, exists := errors.AsType[*types.ExecutionAlreadyExists](err); exists {
		return executionARN(machine, name), nil
	}
	if err != nil {
		return "", fmt.Errorf("workflows: start %s for %s: %w", workflow, o.ID, err)
	}
	return *out.ExecutionArn, nil
}

// executionARN is the ARN of the execution named name of machine.
func executionARN(machine, name string) string {
	return strings.Replace(machine, ":stateMachine:", ":execution:", 1) + ":" + name
}

// ConfirmShipped completes the order's wait for its shipment.
func (e *Engine) ConfirmShipped(ctx context.Context, orderID string) error {
	return e.complete(ctx, orderID, shopgraph.CallbackShipment)
}

// ConfirmDelivered completes the order's wait for its delivery.
func (e *Engine) ConfirmDelivered(ctx context.Context, orderID string) error {
	return e.complete(ctx, orderID, shopgraph.CallbackDelivery)
}

// ConfirmReturnReceived completes the order's wait for its return.
func (e *Engine) ConfirmReturnReceived(ctx context.Context, orderID string) error {
	return e.complete(ctx, orderID, shopgraph.CallbackReturn)
}

// FailTask fails the task waiting on token with the error name and cause
// (the task's Catch handles it). A token whose task has ended already is
// not an error: there is nothing left to fail.
func (e *Engine) FailTask(ctx context.Context, token, errorName, cause string) error {
	_, err := e.API.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: &token, Error: &errorName, Cause: &cause})
	if _, gone := errors.AsType[*types.TaskTimedOut](err); gone {
		return nil
	}
	if _, gone := errors.AsType[*types.TaskDoesNotExist](err); gone {
		return nil
	}
	if _, gone := errors.AsType[*types.InvalidToken](err); gone {
		return nil // a token of an attempt that a restart replaced
	}
	return err
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
