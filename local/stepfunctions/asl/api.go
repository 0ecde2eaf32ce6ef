// Package asl parses, validates and runs Amazon States Language definitions.
//
// It is the engine behind the local Step Functions service: Parse turns a
// definition into a Definition (rejecting what AWS rejects with a
// *ValidationError), and Definition.Run interprets one execution, emitting
// history events in AWS's shapes and checkpoints from which an interrupted
// execution can resume. Task states are delegated to an injected Tasks
// implementation and time to an injected Clock.
//
// JSON values are what encoding/json decodes with UseNumber: nil, bool,
// json.Number, string, []any and map[string]any.
package asl

import (
	"context"
	"log/slog"
	"strings"
	"time"
)

// ParseOptions tunes Parse.
type ParseOptions struct {
	// KnownResource reports whether a Task's Resource is supported by the
	// runtime (the service passes its integration table); nil accepts any ARN.
	KnownResource func(resource string) bool
}

// ValidationError lists every problem found in a definition. Error() joins the
// problems' messages with "; " like AWS's ValidateStateMachineDefinition.
type ValidationError struct{ Problems []Problem }

// Problem is one reason a definition is invalid.
type Problem struct {
	// Location is AWS's location, e.g. "/States/WaitHere"; State the state name
	// ("" for top level); Field the field ("Seconds"); Message AWS's wording
	// where known.
	Location, State, Field, Message string
}

// Error joins the problems' messages with "; ".
func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
	}
	return strings.Join(msgs, "; ")
}

// Error is an ASL error: Name is the error name ("States.TaskFailed",
// "States.Runtime", a Fail state's Error, a task's error name), Cause its cause.
type Error struct{ Name, Cause string }

// Error returns "Name: Cause" (or just Name when there is no cause).
func (e *Error) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

// Clock is the engine's time. Tests inject a fake that fast-forwards.
type Clock interface {
	Now() time.Time
	// Sleep returns after d has passed on this clock, or ctx.Err() when ctx is
	// done first.
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is real time.
var SystemClock Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TaskRequest is one Task state attempt, after Parameters/Arguments were
// evaluated.
type TaskRequest struct {
	State      string // state name
	Resource   string // the Resource as written (may end in ".sync" or ".waitForTaskToken")
	Parameters any    // evaluated Parameters (JSONPath) or Arguments (JSONata); nil when absent = the effective input
	// TaskToken is set when Resource ends in ".waitForTaskToken" (the same
	// value as $$.Task.Token).
	TaskToken string
	// HeartbeatSeconds is 0 for none; the service enforces it for callback
	// tasks (States.HeartbeatTimeout).
	HeartbeatSeconds int
	Credentials      any // the state's Credentials field, evaluated, or nil
}

// Tasks runs Task states. The engine applies TimeoutSeconds/TimeoutSecondsPath
// itself (a context deadline on the engine's clock; expiry is States.Timeout).
// Invoke returns the task's raw result (before ResultSelector), or an *Error
// naming the failure (Retry/Catch match its Name); any other error is treated
// as States.TaskFailed with err.Error() as the cause.
type Tasks interface {
	Invoke(ctx context.Context, req TaskRequest) (any, error)
}

// Event is one execution-history event, in AWS's shape (GetExecutionHistory).
// Type is an sfn HistoryEventType string; DetailsField the sfn HistoryEvent
// member name ("stateEnteredEventDetails"); Details that member's JSON as AWS
// names its fields. IDs start at 1.
type Event struct {
	ID, PreviousID int64
	Timestamp      time.Time
	Type           string
	DetailsField   string
	Details        map[string]any
}

// Checkpoint is where an interrupted execution resumes: the top-level state to
// (re)enter, with the input it was entered with, the variables in scope, when
// it was entered (a Wait resumes at EnteredTime + its wait, not later), and
// the next event id.
type Checkpoint struct {
	// Type is the state's Type ("Task", "Wait", "Pass", …): a caller may
	// store only the checkpoints before states with effects or waits.
	Type            string
	State           string
	Input           any
	Variables       map[string]any
	EnteredTime     time.Time
	NextEventID     int64
	PreviousEventID int64
}

// Execution describes one execution to run.
type Execution struct {
	ARN, Name, StateMachineARN, StateMachineName, RoleARN string
	StartTime                                             time.Time
	Input                                                 any
	// Resume, when set, continues an execution from its last checkpoint
	// instead of starting.
	Resume *Checkpoint
}

// Env is what an execution runs against.
type Env struct {
	Tasks Tasks
	Clock Clock // nil: SystemClock
	// Event is called for each history event, in ID order, never
	// concurrently. A non-nil error stops the execution (Run returns it).
	Event func(Event) error
	// Checkpoint is called before each top-level state is entered; the state
	// is not entered until it returns. A non-nil error stops the execution
	// (Run returns it).
	Checkpoint func(Checkpoint) error
	// NewTaskToken returns a fresh task token; nil: a random one.
	NewTaskToken func() string
	// Logger gets each transition at debug level; nil: discard.
	Logger *slog.Logger
	// MaxPayload is the largest state input/output in bytes (256 KiB when 0):
	// States.DataLimitExceeded.
	MaxPayload int
}

// Result is how an execution ended.
type Result struct {
	Output any    // when it succeeded
	Error  *Error // when it failed (the execution's error and cause)
}

// DecodeJSON decodes one JSON value as the engine represents it (numbers as
// json.Number); trailing data is an error.
func DecodeJSON(data []byte) (any, error) { return decodeJSON(data) }

// EncodeJSON is v's compact JSON text as AWS prints it (HTML characters not
// escaped).
func EncodeJSON(v any) string { return encodeJSON(v) }

// EqualJSON reports whether a and b are the same JSON value: numbers by
// value, objects regardless of key order.
func EqualJSON(a, b any) bool { return equalJSON(a, b) }
