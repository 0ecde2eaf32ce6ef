// Command shopgraph-tasks is the order workflows' task handlers
// (workflows.Tasks) as one AWS Lambda function: the state machines that
// deploy/shopgraph.yaml creates invoke it with a payload naming the task
// ({"task": "reserveInventory", "orderId": …}), and a task's failure reaches
// Step Functions as a function error whose errorType is the
// workflows.TaskError's Type (OutOfStock, PaymentDeclined, Store.Unavailable,
// BadTask, …), which the definitions' Retry and Catch match.
//
// Build it for Lambda's provided.al2023 runtime on arm64 (see
// deploy/README.md):
//
//	GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -o bootstrap ./cmd/shopgraph-tasks
//
// Settings (environment variables; the template sets them):
//
//	SHOPGRAPH_TABLE_PREFIX       prefix of the DynamoDB table names (default "shopgraph-"
//	                             when not set)
//	SHOPGRAPH_PAYMENTS           the payment provider; required. Only "simulated"
//	                             (local/payments: tok_declined is declined,
//	                             tok_flaky fails transiently twice) exists yet
//	SHOPGRAPH_CURSOR_SECRET      nextToken signing key (at least 16 bytes). Optional:
//	                             the task handlers never issue or read a nextToken,
//	                             so without it a random key per process is used
//	SHOPGRAPH_DYNAMODB_ENDPOINT  DynamoDB endpoint URL (empty: the region's)
//	SHOPGRAPH_LOG_LEVEL          debug, info (default), warn or error
//	SHOPGRAPH_REDIS_URL          the servers' Redis (optional): each reservation and
//	                             release is announced there as a stock change, so
//	                             every server's search index follows a product's
//	                             stock crossing zero (the function needs network
//	                             access to Redis)
//	AWS_REGION                   set by Lambda
//
// A setting that is missing or wrong stops the function at its start (an
// init error, logged with the setting's name), never at the first task.
//
// There is no warehouse system to talk to yet: shipments are requested from
// logFulfilment, which only logs them. The workflow then waits (its
// .waitForTaskToken task) until the warehouse confirms the shipment through
// the server (users in the warehouse group: markOrderShipped).
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/events/redis"
	"github.com/shopgraph/shopgraph/local/payments"
	"github.com/shopgraph/shopgraph/workflows"
)

func main() {
	ctx := context.Background()
	cfg, err := loadSettings(os.LookupEnv)
	log := newLogger(cfg.LogLevel)
	if err != nil {
		log.Error("shopgraph-tasks: bad settings", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.Region))
	if err != nil {
		log.Error("shopgraph-tasks: load the AWS configuration", "error", err.Error())
		os.Exit(1)
	}
	tasks, err := newTasks(cfg, dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), &workflows.Engine{API: sfn.NewFromConfig(awsCfg)}, log)
	if err != nil {
		log.Error("shopgraph-tasks: build the task handlers", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(newHandler(tasks))
}

// settings are the function's configuration, read from the environment.
type settings struct {
	TablePrefix    string
	Payments       string
	CursorSecret   []byte
	DynamoEndpoint string
	RedisURL       string
	Region         string
	LogLevel       slog.Level
}

// Payment providers SHOPGRAPH_PAYMENTS may name.
const paymentsSimulated = "simulated"

// defaultTablePrefix is SHOPGRAPH_TABLE_PREFIX when it is not set (set to
// "", it means no prefix).
const defaultTablePrefix = "shopgraph-"

// loadSettings reads the settings through lookupEnv (os.LookupEnv). Every
// error names the setting at fault. The returned settings' LogLevel is usable
// even on error.
func loadSettings(lookupEnv func(string) (string, bool)) (settings, error) {
	getenv := func(name string) string { v, _ := lookupEnv(name); return v }
	s := settings{
		TablePrefix:    getenv("SHOPGRAPH_TABLE_PREFIX"),
		Payments:       getenv("SHOPGRAPH_PAYMENTS"),
		DynamoEndpoint: getenv("SHOPGRAPH_DYNAMODB_ENDPOINT"),
		RedisURL:       getenv("SHOPGRAPH_REDIS_URL"),
		Region:         getenv("AWS_REGION"),
	}
	var errs []error
	switch v := getenv("SHOPGRAPH_LOG_LEVEL"); v {
	case "", "info":
		s.LogLevel = slog.LevelInfo
	case "debug":
		s.LogLevel = slog.LevelDebug
	case "warn":
		s.LogLevel = slog.LevelWarn
	case "error":
		s.LogLevel = slog.LevelError
	default:
		errs = append(errs, fmt.Errorf("SHOPGRAPH_LOG_LEVEL must be debug, info, warn or error, got %q", v))
	}
	if _, set := lookupEnv("SHOPGRAPH_TABLE_PREFIX"); !set {
		s.TablePrefix = defaultTablePrefix
	}
	switch s.Payments {
	case paymentsSimulated:
	case "":
		errs = append(errs, fmt.Errorf("SHOPGRAPH_PAYMENTS is not set: it names the payment provider, and the only one there is yet is %q (the simulated card processor of local/payments)", paymentsSimulated))
	default:
		errs = append(errs, fmt.Errorf("SHOPGRAPH_PAYMENTS=%q is not a payment provider: the only one there is yet is %q (the simulated card processor of local/payments)", s.Payments, paymentsSimulated))
	}
	if v := getenv("SHOPGRAPH_CURSOR_SECRET"); v != "" {
		if len(v) < dynamo.MinCursorSecret {
			errs = append(errs, fmt.Errorf("SHOPGRAPH_CURSOR_SECRET must be at least %d bytes, got %d (or leave it unset: the task handlers never sign a nextToken)", dynamo.MinCursorSecret, len(v)))
		}
		s.CursorSecret = []byte(v)
	} else {
		s.CursorSecret = make([]byte, 32)
		_, _ = rand.Read(s.CursorSecret) // never fails (crypto/rand)
	}
	if s.Region == "" {
		s.Region = getenv("AWS_DEFAULT_REGION")
	}
	if s.Region == "" {
		errs = append(errs, errors.New("AWS_REGION is not set (Lambda sets it; set it when running the function elsewhere)"))
	}
	if s.DynamoEndpoint != "" {
		u, err := url.Parse(s.DynamoEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("SHOPGRAPH_DYNAMODB_ENDPOINT must be an http(s) URL, got %q", s.DynamoEndpoint))
		}
	}
	if s.RedisURL != "" {
		if _, err := redis.ParseURL(s.RedisURL); err != nil {
			errs = append(errs, err)
		}
	}
	return s, errors.Join(errs...)
}

func newLogger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// newTasks builds the task handlers on api: the order store over the
// prefixed tables, the payment provider SHOPGRAPH_PAYMENTS names, the
// logging fulfilment, and callbacks (Step Functions) to fail a NewOrder
// execution's wait for a shipment when its order is cancelled.
func newTasks(s settings, api dynamo.API, callbacks workflows.TaskFailer, log *slog.Logger) (*workflows.Tasks, error) {
	store, err := dynamo.New(api, dynamo.Options{Tables: dynamo.TableNames(s.TablePrefix), CursorSecret: s.CursorSecret})
	if err != nil {
		return nil, err
	}
	var pay shopgraph.PaymentProvider
	switch s.Payments {
	case paymentsSimulated:
		pay = &payments.Simulator{}
	default:
		return nil, fmt.Errorf("SHOPGRAPH_PAYMENTS=%q is not a payment provider (only %q is)", s.Payments, paymentsSimulated)
	}
	tasks := &workflows.Tasks{Orders: store, Payments: pay, Fulfilment: logFulfilment{log: log}, Callbacks: callbacks, Logger: log}
	if s.RedisURL != "" {
		pub, err := redis.NewCatalogPublisher(s.RedisURL, "")
		if err != nil {
			return nil, err
		}
		tasks.Stock = &shopgraph.StockAnnouncer{Changes: pub, Logger: log}
	}
	return tasks, nil
}

// newHandler is the Lambda function: it runs the task the payload names.
// A *workflows.TaskError becomes a messages.InvokeResponse_Error with the
// same Type and Message, which the Lambda runtime reports as is, so Step
// Functions sees Type as the error name; any other error (there is none
// today: Handle returns only TaskErrors) goes to the runtime unchanged,
// which names it by its Go type.
func newHandler(tasks *workflows.Tasks) func(context.Context, json.RawMessage) (json.RawMessage, error) {
	return func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error) {
		out, err := tasks.Handle(ctx, payload)
		if te, ok := errors.AsType[*workflows.TaskError](err); ok {
			return nil, messages.InvokeResponse_Error{Type: te.Type, Message: te.Message}
		}
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// logFulfilment stands in for the warehouse system, which shopgraph cannot
// reach yet: it only logs what it is asked, at Info. Shipment and delivery
// are then confirmed through the server by users in the warehouse group
// (markOrderShipped, markOrderDelivered), which completes the workflow's
// waiting task. It never fails.
type logFulfilment struct{ log *slog.Logger }

var _ shopgraph.Fulfilment = logFulfilment{}

// RequestShipment logs the order's shipment request.
func (f logFulfilment) RequestShipment(ctx context.Context, o shopgraph.Order) error {
	units := 0
	for _, l := range o.Lines {
		units += l.Quantity
	}
	f.log.InfoContext(ctx, "shipment requested (no warehouse system is connected: confirm it with markOrderShipped)",
		"order", o.ID, "lines", len(o.Lines), "units", units, "country", o.ShippingAddress.Country)
	return nil
}

// StartReturn logs a return's pickup request.
func (f logFulfilment) StartReturn(ctx context.Context, o shopgraph.Order, lines []shopgraph.OrderLineInput) error {
	units := 0
	for _, l := range lines {
		units += l.Quantity
	}
	f.log.InfoContext(ctx, "return pickup requested (no warehouse system is connected: confirm the receipt with markReturnReceived)",
		"order", o.ID, "lines", len(lines), "units", units)
	return nil
}

// CancelShipment logs the cancellation of an order's shipment request.
func (f logFulfilment) CancelShipment(ctx context.Context, orderID string) error {
	f.log.InfoContext(ctx, "shipment cancelled (no warehouse system is connected)", "order", orderID)
	return nil
}
