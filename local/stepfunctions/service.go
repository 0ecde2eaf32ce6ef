// Package stepfunctions is a local AWS Step Functions: an in-process server
// of the Step Functions JSON API (X-Amz-Target AWSStepFunctions.<Op>,
// awsJson1_0) that the real aws-sdk-go-v2 sfn client reaches over HTTP, with
// the ASL engine of package asl behind it and its state machines, executions
// and histories stored durably in one bbolt file.
//
// It implements CreateStateMachine, DescribeStateMachine,
// UpdateStateMachine, ListStateMachines, DeleteStateMachine,
// ValidateStateMachineDefinition, StartExecution, DescribeExecution,
// ListExecutions, GetExecutionHistory, StopExecution, SendTaskSuccess,
// SendTaskFailure and SendTaskHeartbeat; other operations get
// UnknownOperationException naming them. Standard workflows only: an
// EXPRESS type is refused.
//
// Task resources: arn:aws:states:::lambda:invoke (and plain Lambda
// function ARNs) call Go handlers registered by function name;
// arn:aws:states:::dynamodb:getItem|putItem|updateItem|deleteItem go
// through the given DynamoDB client; arn:aws:states:::sns:publish goes to
// the given Publisher; lambda:invoke and sns:publish take the
// .waitForTaskToken suffix (SendTask* complete them). Options.Resources adds
// exact resource ARNs. Any other resource is rejected at CreateStateMachine.
//
// Durability: an execution is stored when StartExecution returns; before
// each top-level state is entered, the history so far and a checkpoint (the
// state, its input, the variables) are committed in one transaction,
// shared with other executions' commits. At Open, every execution that was
// running resumes at its last checkpoint: a Wait at its due time, a Task
// that was interrupted runs again (tasks are at-least-once, as on AWS; a
// callback task gets a new token). Histories of executions that were
// running may therefore show a state entered more than once.
//
// There is no authentication: wrap Service (an http.Handler) in a SigV4
// verifier before exposing it (package local does).
//
// Storage layout (<Dir>/stepfunctions.db): bucket "machines" (name → JSON
// machine record), "definitions" (SHA-256 of the text → definition text),
// "executions" (execution ARN → JSON execution record, with its checkpoint
// while running) and "history" (execution ARN, 0, big-endian event id →
// JSON event).
package stepfunctions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	bolt "go.etcd.io/bbolt"

	"github.com/shopgraph/shopgraph/local/internal/boltstore"
	"github.com/shopgraph/shopgraph/local/stepfunctions/asl"
)

// Options configure Open.
type Options struct {
	// Dir is the data directory, created if missing. Only one Service may
	// use it at a time (a second gets *LockedError). Empty means a
	// temporary store removed at Close (tests).
	Dir string
	// NoSync skips fsync on commit (tests and benchmarks that say so).
	NoSync bool
	// Region and AccountID appear in the ARNs (default us-east-1 and
	// 123456789012).
	Region, AccountID string
	// Clock is the engine's time: Waits, retry intervals, timeouts and
	// timestamps (default asl.SystemClock). Tests inject one that
	// fast-forwards.
	Clock asl.Clock
	// Lambda handlers by function name, for lambda:invoke and plain Lambda
	// ARNs (the name is taken from a function ARN, a partial ARN or the
	// name itself; a qualifier is ignored).
	Lambda map[string]LambdaHandler
	// DynamoDB serves the dynamodb:* integrations; nil rejects them at
	// CreateStateMachine.
	DynamoDB DynamoDBAPI
	// SNS serves sns:publish; nil rejects it at CreateStateMachine.
	SNS Publisher
	// Resources are further Task resources by exact ARN (with or without
	// a .waitForTaskToken suffix, as written in definitions).
	Resources map[string]asl.Tasks
	// Logger gets start-up and resume logs at info, each execution's
	// transitions at debug, internal errors at error. Default: discard.
	Logger *slog.Logger
}

// LambdaHandler is a Lambda function: it gets the invocation payload and
// returns the response payload (JSON). Returning a *LambdaError is a
// function error (FunctionError "Unhandled" on AWS): the Task fails with
// the error's Type as its error name. Any other error is a function error
// of type "Error" with err's text as the message. It must respect ctx (it
// is cancelled when the execution is stopped or the service closes).
type LambdaHandler func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error)

// LambdaError is a Lambda function error: the Task's error is Type and its
// cause the Lambda runtime's JSON {"errorType", "errorMessage", "trace"}.
type LambdaError struct{ Type, Message string }

func (e *LambdaError) Error() string { return e.Type + ": " + e.Message }

// DynamoDBAPI is what the dynamodb:* integrations need (a *dynamodb.Client).
type DynamoDBAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

// Publisher is the sns:publish port.
type Publisher interface {
	// Publish publishes one message and returns its message id. An error
	// with an ErrorCode() method (as smithy API errors have) fails the Task
	// with "SNS." and that code as its error name.
	Publish(ctx context.Context, msg Message) (messageID string, err error)
}

// Message is one sns:publish call's parameters.
type Message struct {
	TopicArn, TargetArn, Subject, Message  string
	MessageGroupID, MessageDeduplicationID string
	// MessageAttributes as written in the definition ({"name":
	// {"DataType": "String", "StringValue": "x"}}).
	MessageAttributes map[string]any
}

// LockedError is returned by Open when another Service holds the data
// directory.
type LockedError = boltstore.LockedError

// Stats counts what the service did since Open.
type Stats struct {
	Started, Resumed                     int64 // executions started; resumed at Open
	Succeeded, Failed, TimedOut, Aborted int64 // executions ended
	Transitions                          int64 // states entered (including inside Map and Parallel)
	Running                              int64 // executions running now
}

// Service is an open local Step Functions. It is safe for concurrent use;
// serve it with net/http (it implements http.Handler).
type Service struct {
	opts    Options
	log     *slog.Logger
	clock   asl.Clock
	region  string
	account string

	bolt    *bolt.DB
	files   *boltstore.Store
	commits *boltstore.Committer

	defMu sync.Mutex
	defs  map[string]*asl.Definition // parsed definitions by hash

	mu      sync.Mutex
	closed  bool
	runs    map[string]*execution // running executions by ARN
	tokens  map[string]*waiter    // callback tasks waiting, by token
	runWG   sync.WaitGroup
	baseCtx context.Context
	cancel  context.CancelCauseFunc

	started, resumed, succeeded, failed, timedOut, aborted, transitions atomic.Int64

	closeOnce sync.Once
	closeErr  error
}

var (
	errClosed   = errors.New("local Step Functions is closed")
	errShutdown = errors.New("local Step Functions is shutting down")
)

const what = "local Step Functions"

// Open opens (or creates) the store in opts.Dir and resumes every execution
// that was running.
func Open(ctx context.Context, opts Options) (*Service, error) {
	s := &Service{opts: opts, log: opts.Logger, clock: opts.Clock, region: opts.Region, account: opts.AccountID,
		defs: map[string]*asl.Definition{}, runs: map[string]*execution{}, tokens: map[string]*waiter{}}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.clock == nil {
		s.clock = asl.SystemClock
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.account == "" {
		s.account = "123456789012"
	}
	store, err := boltstore.Open(what, opts.Dir, "stepfunctions.db", "local-stepfunctions-", opts.NoSync)
	if err != nil {
		return nil, err
	}
	s.files, s.bolt = store, store.DB
	fail := func(err error) (*Service, error) {
		_ = store.Close()
		return nil, err
	}
	if err := s.bolt.Update(createBuckets); err != nil {
		return fail(fmt.Errorf("%s: initialise store: %w", what, err))
	}
	s.commits = boltstore.NewCommitter(s.bolt, errClosed)
	s.baseCtx, s.cancel = context.WithCancelCause(context.WithoutCancel(ctx))
	if err := s.resumeAll(); err != nil {
		s.cancel(errShutdown)
		s.runWG.Wait()
		s.commits.Stop()
		return fail(err)
	}
	return s, nil
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	s.mu.Lock()
	running := int64(len(s.runs))
	s.mu.Unlock()
	return Stats{
		Started: s.started.Load(), Resumed: s.resumed.Load(),
		Succeeded: s.succeeded.Load(), Failed: s.failed.Load(), TimedOut: s.timedOut.Load(), Aborted: s.aborted.Load(),
		Transitions: s.transitions.Load(), Running: running,
	}
}

// Close stops every running execution where it is (each resumes at its
// last checkpoint at the next Open), waits for them as long as ctx allows
// (a task handler should return when its context ends), then closes the
// store and releases the directory. Requests arriving
// after Close get an error. Calling it more than once is safe.
func (s *Service) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cancel(errShutdown)
		done := make(chan struct{})
		go func() { s.runWG.Wait(); close(done) }()
		var errs []error
		select {
		case <-done:
		case <-ctx.Done():
			// A task handler ignoring its context: close anyway; its
			// execution's later writes fail (errClosed), and it resumes at
			// its last checkpoint at the next Open.
			errs = append(errs, fmt.Errorf("%s: executions still stopping: %w", what, ctx.Err()))
		}
		s.commits.Stop()
		st := s.Stats()
		s.log.Info("local Step Functions: stopped", "started", st.Started, "resumed", st.Resumed, "succeeded", st.Succeeded,
			"failed", st.Failed, "timed_out", st.TimedOut, "aborted", st.Aborted, "transitions", st.Transitions, "left_running", st.Running)
		if err := s.files.Close(); err != nil {
			errs = append(errs, err)
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// isClosed reports whether Close has begun.
func (s *Service) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
