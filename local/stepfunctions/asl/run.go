package asl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// defaultMaxPayload is AWS's 256 KiB limit on state input and output.
const defaultMaxPayload = 256 * 1024

// errExecutionTimeout and errTaskTimeout are the cancellation causes of the
// TimeoutSeconds watchers.
var (
	errExecutionTimeout = errors.New("execution timed out")
	errTaskTimeout      = errors.New("task timed out")
)

// run is one execution in progress.
type run struct {
	def        *Definition
	exec       Execution
	env        Env
	clock      Clock
	log        *slog.Logger
	maxPayload int
	execCtx    map[string]any // $$.Execution
	smCtx      map[string]any // $$.StateMachine

	mu     sync.Mutex // serialises events
	nextID int64
}

// thread is one sequence of states: the top level, a Parallel branch or a
// Map iteration. Its events chain through prevID.
type thread struct {
	r      *run
	vars   *variables
	prevID int64
	top    bool
}

// Run runs the execution to its end. It returns an error only when ctx is
// done (StopExecution or shutdown: the execution is then not finished and no
// final event is emitted) or a hook failed; a failed execution is a Result
// with Error. The definition's top-level TimeoutSeconds ends it with
// States.Timeout.
//
// With exec.Resume set, the execution continues at the checkpointed state,
// numbering events from its NextEventID: the caller drops any stored event
// with a higher or equal id. Tasks are at-least-once: a Task interrupted
// mid-call runs again.
//
// Timeouts (the machine's and Tasks' TimeoutSeconds) are measured on
// env.Clock; with a clock whose Sleep returns at once, they expire at once.
func (d *Definition) Run(ctx context.Context, exec Execution, env Env) (Result, error) {
	r := &run{def: d, exec: exec, env: env, clock: env.Clock, log: env.Logger, maxPayload: env.MaxPayload, nextID: 1}
	if r.clock == nil {
		r.clock = SystemClock
	}
	if r.log == nil {
		r.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if r.maxPayload <= 0 {
		r.maxPayload = defaultMaxPayload
	}
	if r.exec.StartTime.IsZero() {
		r.exec.StartTime = r.clock.Now()
	}
	r.execCtx = map[string]any{
		"Id": exec.ARN, "Input": exec.Input, "Name": exec.Name, "RoleArn": exec.RoleARN,
		"StartTime": awsTime(r.exec.StartTime), "RedriveCount": jsonNumber(0),
	}
	r.smCtx = map[string]any{"Id": exec.StateMachineARN, "Name": exec.StateMachineName}

	top := &thread{r: r, top: true}
	start, input, entered := d.top.startAt, exec.Input, time.Time{}
	if cp := exec.Resume; cp != nil {
		start, input, entered = cp.State, cp.Input, cp.EnteredTime
		r.nextID, top.prevID = cp.NextEventID, cp.PreviousEventID
		top.vars = newVariables(nil, cp.Variables)
		if _, ok := d.top.states[start]; !ok {
			return Result{}, fmt.Errorf("asl: checkpoint names unknown state %q", start)
		}
	} else {
		top.vars = newVariables(nil, nil)
		details := map[string]any{"input": encodeJSON(input), "inputDetails": jsonDetails(), "roleArn": exec.RoleARN}
		if exec.StateMachineARN != "" {
			details["stateMachineArn"] = exec.StateMachineARN
		}
		if _, err := top.emit("ExecutionStarted", "executionStartedEventDetails", details); err != nil {
			return Result{}, err
		}
		top.prevID = 0 // AWS: the first state's entered event has previous id 0
	}

	runCtx := ctx
	if d.timeoutSeconds > 0 {
		deadline := r.exec.StartTime.Add(time.Duration(d.timeoutSeconds) * time.Second)
		var stop func()
		runCtx, stop = withClockTimeout(ctx, r.clock, deadline.Sub(r.clock.Now()), errExecutionTimeout)
		defer stop()
	}
	out, err := top.runMachine(runCtx, d.top, start, input, entered)
	if ctx.Err() != nil {
		return Result{}, ctx.Err()
	}
	if err != nil && errors.Is(context.Cause(runCtx), errExecutionTimeout) {
		e := &Error{Name: "States.Timeout", Cause: "The execution timed out after " + fmt.Sprint(d.timeoutSeconds) + " seconds."}
		if _, herr := top.emit("ExecutionTimedOut", "executionTimedOutEventDetails", map[string]any{"error": e.Name, "cause": e.Cause}); herr != nil {
			return Result{}, herr
		}
		return Result{Error: e}, nil
	}
	var fail *Error
	switch {
	case errors.As(err, &fail):
		details := map[string]any{}
		if fail.Name != "" {
			details["error"] = fail.Name
		}
		if fail.Cause != "" {
			details["cause"] = fail.Cause
		}
		if _, herr := top.emit("ExecutionFailed", "executionFailedEventDetails", details); herr != nil {
			return Result{}, herr
		}
		r.log.Debug("asl execution failed", "execution", exec.ARN, "error", fail.Name)
		return Result{Error: fail}, nil
	case err != nil:
		return Result{}, err
	}
	details := map[string]any{"output": encodeJSON(out), "outputDetails": jsonDetails()}
	if _, err := top.emit("ExecutionSucceeded", "executionSucceededEventDetails", details); err != nil {
		return Result{}, err
	}
	r.log.Debug("asl execution succeeded", "execution", exec.ARN)
	return Result{Output: out}, nil
}

// withClockTimeout returns a context cancelled with cause when d has passed
// on clock, and a stop function that releases the watcher (and waits for it).
func withClockTimeout(parent context.Context, clock Clock, d time.Duration, cause error) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if d <= 0 || clock.Sleep(ctx, d) == nil {
			cancel(cause)
		}
	}()
	return ctx, func() {
		cancel(context.Canceled)
		<-done
	}
}

// runMachine runs the states of m from start until one ends the machine,
// returning its output. A failure is an *Error; any other error is fatal.
// entered is the start state's entered time when resuming (zero: now).
func (th *thread) runMachine(ctx context.Context, m *machine, start string, input any, entered time.Time) (any, error) {
	name := start
	for {
		st, ok := m.states[name]
		if !ok { // Parse checked every transition: unreachable
			return nil, fmt.Errorf("asl: unknown state %q", name)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if entered.IsZero() {
			entered = th.r.clock.Now()
		}
		if th.top && th.r.env.Checkpoint != nil {
			th.r.mu.Lock()
			cp := Checkpoint{State: name, Type: st.typ, Input: input, Variables: th.vars.snapshot(), EnteredTime: entered,
				NextEventID: th.r.nextID, PreviousEventID: th.prevID}
			th.r.mu.Unlock()
			if err := th.r.env.Checkpoint(cp); err != nil {
				return nil, fmt.Errorf("asl: checkpoint hook: %w", err)
			}
		}
		out, next, err := th.runState(ctx, st, input, entered)
		if err != nil {
			return nil, err
		}
		if next == "" {
			return out, nil
		}
		name, input, entered = next, out, time.Time{}
	}
}

// newTaskToken returns a fresh task token.
func (r *run) newTaskToken() string {
	if r.env.NewTaskToken != nil {
		return r.env.NewTaskToken()
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
