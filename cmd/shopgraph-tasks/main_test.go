package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/internal/ordertest"
	"github.com/shopgraph/shopgraph/local/payments"
	"github.com/shopgraph/shopgraph/seed"
	"github.com/shopgraph/shopgraph/workflows"
)

// env is a lookupEnv over a map.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadSettings(t *testing.T) {
	base := func() map[string]string {
		return map[string]string{"SHOPGRAPH_PAYMENTS": "simulated", "AWS_REGION": "eu-central-1"}
	}
	t.Run("defaults", func(t *testing.T) {
		s, err := loadSettings(env(base()))
		if err != nil {
			t.Fatal(err)
		}
		if s.TablePrefix != "shopgraph-" || s.Region != "eu-central-1" || s.Payments != "simulated" || s.LogLevel != slog.LevelInfo {
			t.Fatalf("settings %+v", s)
		}
		if len(s.CursorSecret) < 16 {
			t.Fatalf("random cursor secret of %d bytes", len(s.CursorSecret))
		}
	})
	t.Run("set", func(t *testing.T) {
		m := base()
		m["SHOPGRAPH_TABLE_PREFIX"] = ""
		m["SHOPGRAPH_CURSOR_SECRET"] = "0123456789abcdef-secret"
		m["SHOPGRAPH_LOG_LEVEL"] = "debug"
		delete(m, "AWS_REGION")
		m["AWS_DEFAULT_REGION"] = "us-west-2"
		s, err := loadSettings(env(m))
		if err != nil {
			t.Fatal(err)
		}
		if s.TablePrefix != "" || string(s.CursorSecret) != "0123456789abcdef-secret" || s.LogLevel != slog.LevelDebug || s.Region != "us-west-2" {
			t.Fatalf("settings %+v", s)
		}
	})
	for _, c := range []struct {
		name   string
		change func(map[string]string)
		want   string // in the error
	}{
		{"no payment provider", func(m map[string]string) { delete(m, "SHOPGRAPH_PAYMENTS") }, "SHOPGRAPH_PAYMENTS is not set"},
		{"unknown payment provider", func(m map[string]string) { m["SHOPGRAPH_PAYMENTS"] = "stripe" }, `SHOPGRAPH_PAYMENTS="stripe" is not a payment provider`},
		{"short cursor secret", func(m map[string]string) { m["SHOPGRAPH_CURSOR_SECRET"] = "short" }, "SHOPGRAPH_CURSOR_SECRET must be at least 16 bytes"},
		{"no region", func(m map[string]string) { delete(m, "AWS_REGION") }, "AWS_REGION is not set"},
		{"bad log level", func(m map[string]string) { m["SHOPGRAPH_LOG_LEVEL"] = "loud" }, "SHOPGRAPH_LOG_LEVEL"},
		{"bad endpoint", func(m map[string]string) { m["SHOPGRAPH_DYNAMODB_ENDPOINT"] = "127.0.0.1:8000" }, "SHOPGRAPH_DYNAMODB_ENDPOINT must be an http(s) URL"},
		{"bad Redis URL", func(m map[string]string) { m["SHOPGRAPH_REDIS_URL"] = "http://redis:6379" }, "SHOPGRAPH_REDIS_URL"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := base()
			c.change(m)
			_, err := loadSettings(env(m))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestNewTasks_refusesUnknownPayments: newTasks, too, builds only the
// simulated provider.
func TestNewTasks_refusesUnknownPayments(t *testing.T) {
	target := dynamotest.Embedded(t)
	_, err := newTasks(settings{TablePrefix: "test-", Payments: "stripe", CursorSecret: []byte(dynamotest.CursorSecret)}, target.Client, nil, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "SHOPGRAPH_PAYMENTS") {
		t.Fatalf("error %v, want one naming SHOPGRAPH_PAYMENTS", err)
	}
}

// invokeError is what the Lambda runtime reports for err: the library
// passes a messages.InvokeResponse_Error value through unchanged (and names
// any other error by its Go type).
func invokeError(t *testing.T, err error) messages.InvokeResponse_Error {
	t.Helper()
	ive, ok := err.(messages.InvokeResponse_Error)
	if !ok {
		t.Fatalf("error %T %v is not a messages.InvokeResponse_Error value", err, err)
	}
	return ive
}

// TestHandler_unknownTask: a task no handler knows is BadTask, as the
// runtime reports it, also through the library's own handler wrapper.
func TestHandler_unknownTask(t *testing.T) {
	h := newHandler(&workflows.Tasks{})
	_, err := h(context.Background(), json.RawMessage(`{"task":"nope","orderId":"o-1"}`))
	if ive := invokeError(t, err); ive.Type != workflows.ErrBadTask || !strings.Contains(ive.Message, `"nope"`) {
		t.Fatalf("unknown task: %+v", ive)
	}
	_, err = lambda.NewHandler(h).Invoke(context.Background(), []byte(`{"task":"nope","orderId":"o-1"}`))
	ive := invokeError(t, err)
	raw, _ := json.Marshal(ive)
	var wire struct{ ErrorType, ErrorMessage string }
	if err := json.Unmarshal(raw, &wire); err != nil || wire.ErrorType != workflows.ErrBadTask {
		t.Fatalf("wire form %s (%v), want errorType %s", raw, err, workflows.ErrBadTask)
	}
	_, err = h(context.Background(), json.RawMessage(`[1,2]`))
	if ive := invokeError(t, err); ive.Type != workflows.ErrBadTask {
		t.Fatalf("malformed payload: %+v", ive)
	}
}

// failingOrders is an order store whose ReserveInventory fails with err
// (the tests call nothing else).
type failingOrders struct {
	shopgraph.OrderStore
	err error
}

func (f failingOrders) ReserveInventory(context.Context, string) (shopgraph.Order, error) {
	return shopgraph.Order{}, f.err
}

// TestHandler_taskErrors: each TaskError Handle returns becomes an
// InvokeResponse_Error with its Type and Message.
func TestHandler_taskErrors(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{shopgraph.Errorf(shopgraph.CodeOutOfStock, "only 1 of 3 in stock"), workflows.ErrOutOfStock},
		{shopgraph.ErrOrderSuperseded, workflows.ErrSuperseded},
		{errors.New("connection reset"), workflows.ErrStoreUnavailable},
		{&workflows.TaskError{Type: "Custom.Error", Message: "as is"}, "Custom.Error"},
	} {
		tasks := &workflows.Tasks{Orders: failingOrders{err: c.err}}
		payload := []byte(`{"task":"reserveInventory","orderId":"o-1"}`)
		_, direct := tasks.Handle(context.Background(), payload)
		te, ok := errors.AsType[*workflows.TaskError](direct)
		if !ok {
			t.Fatalf("Handle returned %T %v", direct, direct)
		}
		_, err := newHandler(tasks)(context.Background(), payload)
		ive := invokeError(t, err)
		if ive.Type != c.want || ive.Type != te.Type || ive.Message != te.Message {
			t.Errorf("%v: runtime error %+v, want type %s and Handle's %+v", c.err, ive, c.want, te)
		}
	}
}

// TestHandler_onDynamoDB runs tasks through the function as main builds it
// (newTasks) on the embedded DynamoDB: a reservation and an authorization
// succeed with their results; a declined card is PaymentDeclined; a
// shipment request is logged by the stand-in fulfilment.
func TestHandler_onDynamoDB(t *testing.T) {
	ctx := context.Background()
	target := dynamotest.Embedded(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	tasks, err := newTasks(settings{TablePrefix: "test-", Payments: paymentsSimulated, CursorSecret: []byte(dynamotest.CursorSecret)}, target.Client, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	store := tasks.Orders.(interface {
		shopgraph.OrderStore
		Seed(context.Context, shopgraph.CatalogSnapshot, func(int, int)) error
	})
	catalog := seed.Generate(seed.Options{Products: 2})
	if err := store.Seed(ctx, catalog, nil); err != nil {
		t.Fatal(err)
	}
	p := catalog.Products[0]
	for i, w := range catalog.Warehouses {
		_, err := target.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(target.Tables.Inventory), Item: map[string]types.AttributeValue{
			"productId": &types.AttributeValueMemberS{Value: p.ProductID}, "warehouse": &types.AttributeValueMemberS{Value: w.Code},
			"available": &types.AttributeValueMemberN{Value: fmt.Sprint(min(i, 1) * 5)}, "reserved": &types.AttributeValueMemberN{Value: "0"},
			"version": &types.AttributeValueMemberN{Value: "1"},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	sim := &payments.Simulator{}
	place := func(key, token string, quantity int) string {
		ref, err := sim.Prepare(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		o := ordertest.Pending("cust-1", key, p, quantity, ref, time.Now())
		if _, _, err := store.CreateOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	h := newHandler(tasks)
	call := func(task, orderID string, extra ...string) (map[string]any, error) {
		payload := map[string]string{"task": task, "orderId": orderID}
		for i := 0; i+1 < len(extra); i += 2 {
			payload[extra[i]] = extra[i+1]
		}
		raw, _ := json.Marshal(payload)
		out, err := h(ctx, raw)
		if err != nil {
			return nil, err
		}
		var res map[string]any
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("%s: result %s: %v", task, out, err)
		}
		return res, nil
	}

	ok := place("ok", "tok_visa", 2)
	res, err := call("reserveInventory", ok)
	if err != nil {
		t.Fatal(err)
	}
	if allocs, _ := res["allocations"].([]any); len(allocs) != 1 {
		t.Fatalf("reserveInventory result %v, want one allocation", res)
	}
	res, err = call("authorizePayment", ok)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := res["authorizationId"].(string); !strings.HasPrefix(id, "auth_sim_") {
		t.Fatalf("authorizePayment result %v", res)
	}
	// A shipment is requested only for a CONFIRMED order (the workflow's
	// MarkConfirmed writes that status; here the test does).
	if _, err := call("requestShipment", ok, "taskToken", "token-0"); invokeError(t, err).Type != workflows.ErrSuperseded {
		t.Fatalf("requestShipment of a PENDING order: %v, want Superseded", err)
	}
	if _, err := target.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(target.Tables.Orders),
		Key:                       map[string]types.AttributeValue{"orderId": &types.AttributeValueMemberS{Value: ok}},
		UpdateExpression:          aws.String("SET #s = :c REMOVE pendingShard"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberS{Value: string(shopgraph.OrderConfirmed)}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := call("requestShipment", ok, "taskToken", "token-1"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "shipment requested") || !strings.Contains(logs.String(), ok) {
		t.Fatalf("the shipment request was not logged: %s", logs.String())
	}
	o, err := store.Order(ctx, ok)
	if err != nil || o.Callbacks["shipment"] != "token-1" {
		t.Fatalf("order after requestShipment: %+v, %v", o, err)
	}
	if _, err := call("requestShipment", ok); invokeError(t, err).Type != workflows.ErrBadTask {
		t.Fatalf("requestShipment without a token: %v", err)
	}

	declined := place("declined", payments.TokenDeclined, 2)
	if _, err := call("reserveInventory", declined); err != nil {
		t.Fatal(err)
	}
	_, err = call("authorizePayment", declined)
	if ive := invokeError(t, err); ive.Type != workflows.ErrPaymentDeclined {
		t.Fatalf("declined card: %+v", ive)
	}
	tooMany := place("too-many", "tok_visa", 50)
	_, err = call("reserveInventory", tooMany)
	if ive := invokeError(t, err); ive.Type != workflows.ErrOutOfStock {
		t.Fatalf("out of stock: %+v", ive)
	}
}
