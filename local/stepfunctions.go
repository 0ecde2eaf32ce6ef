package local

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/shopgraph/shopgraph/local/stepfunctions"
	"github.com/shopgraph/shopgraph/local/stepfunctions/asl"
)

// EmbeddedStepFunctions is a running in-process local Step Functions (the
// engine in local/stepfunctions), reached by the real sfn client on a
// loopback port.
type EmbeddedStepFunctions struct {
	// Endpoint is the server's base URL, http://127.0.0.1:PORT.
	Endpoint string
	// Credentials are the only ones the server accepts (SigV4, service
	// states).
	Credentials aws.Credentials
	// Service is the engine behind the endpoint (its Stats count
	// executions and transitions).
	Service *stepfunctions.Service

	server *loopback
	region string

	closeSvc sync.Once
	svcErr   error
}

// StepFunctionsOptions configure StartStepFunctions.
type StepFunctionsOptions struct {
	// Credentials the server accepts; zero generates fresh random ones.
	Credentials aws.Credentials
	// Region requests must be signed for and ARNs name (DefaultRegion when
	// empty).
	Region string
	// Dir keeps state machines, executions and histories durably; empty
	// means a temporary store removed at Close. One process at a time.
	Dir string
	// NoSync skips fsync (tests and benchmarks only).
	NoSync bool
	// Clock is the engine's time (nil: real time).
	Clock asl.Clock
	// Lambda, DynamoDB, SNS and Resources are the task integrations (see
	// stepfunctions.Options).
	Lambda    map[string]stepfunctions.LambdaHandler
	DynamoDB  stepfunctions.DynamoDBAPI
	SNS       stepfunctions.Publisher
	Resources map[string]asl.Tasks
	// Logger receives the engine's logs.
	Logger *slog.Logger
}

// StartStepFunctions opens the local Step Functions (resuming the
// executions that were running) and serves it on 127.0.0.1 and a free
// port, accepting only requests signed (SigV4, service states) with its
// credentials. It runs until Close; ctx bounds only the start.
func StartStepFunctions(ctx context.Context, opts StepFunctionsOptions) (*EmbeddedStepFunctions, error) {
	const what = "local Step Functions"
	creds, err := credentialsOrGenerated(what, opts.Credentials)
	if err != nil {
		return nil, err
	}
	region := opts.Region
	if region == "" {
		region = DefaultRegion
	}
	svc, err := stepfunctions.Open(ctx, stepfunctions.Options{
		Dir: opts.Dir, NoSync: opts.NoSync, Region: region, Clock: opts.Clock, Lambda: opts.Lambda,
		DynamoDB: opts.DynamoDB, SNS: opts.SNS, Resources: opts.Resources, Logger: opts.Logger,
	})
	if _, locked := errors.AsType[*stepfunctions.LockedError](err); locked {
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("open %s: %w", what, err)
	}
	srv, err := serveLoopback(ctx, what, newSigV4Verifier(creds, region, "states", svc))
	if err != nil {
		_ = svc.Close(ctx)
		return nil, err
	}
	return &EmbeddedStepFunctions{Endpoint: srv.endpoint, Credentials: creds, Service: svc, server: srv, region: region}, nil
}

// Close stops serving (waiting, as long as ctx allows, for requests in
// flight), then closes the engine: running executions stop where they are
// and resume at the next start. Calling it more than once is safe.
func (e *EmbeddedStepFunctions) Close(ctx context.Context) error {
	err := e.server.close(ctx)
	e.closeSvc.Do(func() { e.svcErr = e.Service.Close(ctx) })
	return errors.Join(err, e.svcErr)
}

// AWSConfig returns an AWS configuration for e: its region and
// credentials.
func (e *EmbeddedStepFunctions) AWSConfig() aws.Config { return AWSConfigFor(e.region, e.Credentials) }

// HTTPClient returns the HTTP client for sfn clients of e (see
// loopbackHTTPClient).
func (e *EmbeddedStepFunctions) HTTPClient() *http.Client { return loopbackHTTPClient() }
