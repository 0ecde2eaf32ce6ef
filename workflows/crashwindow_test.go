package workflows_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/local"
	"github.com/shopgraph/shopgraph/local/payments"
	"github.com/shopgraph/shopgraph/local/stepfunctions"
	"github.com/shopgraph/shopgraph/local/warehouse"
	"github.com/shopgraph/shopgraph/workflows"
)

// crashAfterWrite is the engine's DynamoDB: once an UpdateItem setting the
// order to status has been written, it "kills" the engine (closes it and
// never returns the result), as a crash in that window would: the write
// landed, the state's result was never recorded.
type crashAfterWrite struct {
	stepfunctions.DynamoDBAPI
	status  string
	crash   func()
	crashed atomic.Bool
}

func (c *crashAfterWrite) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	out, err := c.DynamoDBAPI.UpdateItem(ctx, in, o...)
	if to, ok := in.ExpressionAttributeValues[":to"].(*dtypes.AttributeValueMemberS); err == nil && ok && to.Value == c.status && c.crashed.CompareAndSwap(false, true) {
		go c.crash()
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return out, err
}

// openDurable starts the local Step Functions on dir over ddb with the
// rig's task handlers and installs the workflows.
func (r *rig) openDurable(t *testing.T, dir string, ddb stepfunctions.DynamoDBAPI, tasks *workflows.Tasks) *local.EmbeddedStepFunctions {
	t.Helper()
	sf, err := local.StartStepFunctions(context.Background(), local.StepFunctionsOptions{Dir: dir, NoSync: true, DynamoDB: ddb, SNS: r.events,
		Lambda: map[string]stepfunctions.LambdaHandler{function: lambdaHandler(tasks)}})
	if err != nil {
		t.Fatal(err)
	}
	r.sf = sf
	client := sfn.NewFromConfig(sf.AWSConfig(), func(o *sfn.Options) { o.BaseEndpoint = aws.String(sf.Endpoint); o.HTTPClient = sf.HTTPClient() })
	r.engine = &workflows.Engine{API: client, Orders: r.app.Store}
	tasks.Callbacks = r.engine
	if err := r.engine.Install(context.Background(), workflows.Names{TasksFunction: function, OrdersTable: r.app.Target.Tables.Orders,
		OrderEventsTopic: topic}, "arn:aws:iam::123456789012:role/orders"); err != nil {
		t.Fatal(err)
	}
	return sf
}

// TestNewOrder_crashAfterStatusWrite: a status write that landed just
// before a crash is found again after the restart (its condition now
// fails on the order's own new status) and the workflow goes on from it:
// the order keeps its reservation and payment, its change is published
// once, and it moves on to the next status. (Before, the re-run took the
// refused write for a cancellation: it refunded a CONFIRMED order and
// never shipped it, or left a SHIPPED one waiting forever.)
func TestNewOrder_crashAfterStatusWrite(t *testing.T) {
	for _, status := range []shopgraph.OrderStatus{shopgraph.OrderConfirmed, shopgraph.OrderShipped} {
		t.Run(string(status), func(t *testing.T) {
			a := apptest.New(t, apptest.Options{Products: 20})
			ctx := context.Background()
			dir := t.TempDir()
			r := &rig{app: a, payments: &payments.Simulator{}, events: &events{}}
			wh := &warehouse.Simulator{}
			t.Cleanup(wh.Close)
			tasks := &workflows.Tasks{Orders: a.Store, Payments: r.payments, Fulfilment: wh}
			crashed := make(chan struct{})
			crasher := &crashAfterWrite{DynamoDBAPI: a.DynamoDB.Client, status: string(status)}
			first := r.openDurable(t, dir, crasher, tasks)
			crasher.crash = func() { _ = first.Close(context.Background()); close(crashed) }

			p := a.Catalog.Products[0]
			r.stock(t, p.ProductID, map[string]int{"FRA1": 5})
			o := r.place(t, "cust-crash", "k", p, 2, "tok_visa")
			if status == shopgraph.OrderShipped {
				r.await(t, o.ID, shopgraph.OrderConfirmed)
				r.awaitCallback(t, o.ID, shopgraph.CallbackShipment)
				if err := r.engine.ConfirmShipped(ctx, o.ID); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case <-crashed:
			case <-time.After(20 * time.Second):
				t.Fatal("the engine never reached the write")
			}
			if got, _ := a.Store.Order(ctx, o.ID); got.Status != status {
				t.Fatalf("after the crash the order is %s, want the landed %s", got.Status, status)
			}

			second := r.openDurable(t, dir, a.DynamoDB.Client, tasks)
			t.Cleanup(func() { _ = second.Close(context.Background()) })
			next := shopgraph.CallbackShipment
			if status == shopgraph.OrderShipped {
				next = shopgraph.CallbackDelivery
			}
			r.awaitCallback(t, o.ID, next) // the workflow went on to wait for the warehouse
			if status == shopgraph.OrderConfirmed {
				r.wantEvents(t, o.ID, shopgraph.OrderConfirmed)
			} else {
				r.wantEvents(t, o.ID, shopgraph.OrderConfirmed, shopgraph.OrderShipped)
			}
			got, _ := a.Store.Order(ctx, o.ID)
			if !got.Reserved || len(got.History) != map[shopgraph.OrderStatus]int{shopgraph.OrderConfirmed: 2, shopgraph.OrderShipped: 3}[status] {
				t.Fatalf("after the restart: reserved %v, history %+v", got.Reserved, got.History)
			}
			if _, refunds, _ := r.payments.Ledger(); len(refunds) != 0 {
				t.Fatalf("refunded %v: the restart took the order for a cancelled one", refunds)
			}
			if status == shopgraph.OrderConfirmed {
				if err := r.engine.ConfirmShipped(ctx, o.ID); err != nil {
					t.Fatal(err)
				}
				r.awaitCallback(t, o.ID, shopgraph.CallbackDelivery)
			}
			if err := r.engine.ConfirmDelivered(ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			r.await(t, o.ID, shopgraph.OrderDelivered)
			if st, _ := r.ended(t, workflows.NewOrder, o.ID); st != types.ExecutionStatusSucceeded {
				t.Fatalf("NewOrder ended %s: %s", st, r.describe(o.ID))
			}
			r.wantEvents(t, o.ID, shopgraph.OrderConfirmed, shopgraph.OrderShipped, shopgraph.OrderDelivered)
		})
	}
}
