package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/shopgraph/shopgraph/local"
	"github.com/shopgraph/shopgraph/local/stepfunctions"
	"github.com/shopgraph/shopgraph/local/stepfunctions/asl"
)

// StepFunctionsConfig says which Step Functions order workflows run on. The
// same sfn client runs either way; only the endpoint differs.
type StepFunctionsConfig struct {
	// Embedded starts the local Step Functions in the process, on a
	// loopback port, with its dynamodb:* integrations going to the
	// application's DynamoDB. Endpoint and AWS are then ignored.
	Embedded bool
	// DataDir keeps its state machines and executions durably; empty
	// means a temporary store removed at Close (tests).
	DataDir string
	// Clock is the local engine's time (nil: real time; tests fast-forward
	// Waits and retries).
	Clock asl.Clock
	// Lambda handlers by function name, for the local engine's lambda:invoke
	// tasks.
	Lambda map[string]stepfunctions.LambdaHandler
	// SNS receives the local engine's sns:publish tasks (nil: they are
	// rejected at CreateStateMachine).
	SNS stepfunctions.Publisher
	// Endpoint is the Step Functions endpoint URL (SHOPGRAPH_SFN_ENDPOINT);
	// empty means AWS's regional endpoint.
	Endpoint string
	// AWS is the SDK configuration (region, credentials) for a configured
	// Step Functions; for the embedded one only its Region is used.
	AWS aws.Config
	// ClientOptions tune the SDK client.
	ClientOptions []func(*sfn.Options)
}

// StepFunctions is an open Step Functions: the client order mutations use,
// and the local engine when embedded.
type StepFunctions struct {
	Client   *sfn.Client
	Endpoint string // "" for AWS's regional endpoint
	// Local is the embedded engine (nil for a configured Step Functions).
	Local *local.EmbeddedStepFunctions
}

// OpenStepFunctions connects to the configured Step Functions, or starts
// the local one (resuming the executions that were running), whose
// dynamodb:* tasks use ddb. Close releases it.
func OpenStepFunctions(ctx context.Context, cfg StepFunctionsConfig, ddb *dynamodb.Client, log *slog.Logger) (*StepFunctions, error) {
	if !cfg.Embedded {
		client := sfn.NewFromConfig(cfg.AWS, append([]func(*sfn.Options){func(o *sfn.Options) {
			if cfg.Endpoint != "" {
				o.BaseEndpoint = aws.String(cfg.Endpoint)
			}
		}}, cfg.ClientOptions...)...)
		return &StepFunctions{Client: client, Endpoint: cfg.Endpoint}, nil
	}
	emb, err := local.StartStepFunctions(ctx, local.StepFunctionsOptions{
		Dir: cfg.DataDir, Region: cfg.AWS.Region, Clock: cfg.Clock, Lambda: cfg.Lambda, DynamoDB: ddb, SNS: cfg.SNS, Logger: log,
	})
	if locked, ok := errors.AsType[*stepfunctions.LockedError](err); ok {
		return nil, fmt.Errorf("SHOPGRAPH_DATA_DIR %s is in use by process %d (another shopgraph serve?): stop it, or give this server another SHOPGRAPH_DATA_DIR", locked.Dir, locked.PID)
	}
	if err != nil {
		return nil, fmt.Errorf("start the local Step Functions in %q: %w", cfg.DataDir, err)
	}
	opts := append([]func(*sfn.Options){func(o *sfn.Options) {
		o.BaseEndpoint = aws.String(emb.Endpoint)
		o.HTTPClient = emb.HTTPClient()
	}}, cfg.ClientOptions...)
	return &StepFunctions{Client: sfn.NewFromConfig(emb.AWSConfig(), opts...), Endpoint: emb.Endpoint, Local: emb}, nil
}

// Close stops the local Step Functions (running executions resume at the
// next start); for a configured one it does nothing.
func (s *StepFunctions) Close(ctx context.Context) error {
	if s.Local == nil {
		return nil
	}
	return s.Local.Close(ctx)
}
