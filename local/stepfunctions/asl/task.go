package asl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

func (x *stateRun) task(ctx context.Context) (outcome, error) {
	in, err := x.effectiveInput()
	if err != nil {
		return outcome{}, err
	}
	res, err := x.withRetry(ctx, func(retryCount int) (any, error) {
		return x.taskAttempt(ctx, in, retryCount)
	})
	if err != nil {
		return outcome{}, err
	}
	s := x.scope(x.raw, 0, "")
	if !x.st.jsonata {
		if res, err = evalOptional(x.st.resultSelector, s.with(res), res); err != nil {
			return outcome{}, err
		}
	}
	return x.finish(res, true, s)
}

// taskAttempt evaluates the Task's parameters and runs it once, recording
// its Task* (or LambdaFunction*) events.
func (x *stateRun) taskAttempt(ctx context.Context, in any, retryCount int) (any, error) {
	st, r := x.st, x.th.r
	var token string
	if strings.HasSuffix(st.resource, ".waitForTaskToken") {
		token = r.newTaskToken()
	}
	s := x.scope(in, retryCount, token)
	params := in
	var err error
	if st.jsonata {
		params, err = evalOptional(st.arguments, s, in)
	} else {
		params, err = evalOptional(st.parameters, s, in)
	}
	if err != nil {
		return nil, err
	}
	timeout, hasTimeout, err := evalNum(st.timeout, s)
	if err != nil {
		return nil, err
	}
	heartbeat, _, err := evalNum(st.heartbeat, s)
	if err != nil {
		return nil, err
	}
	var creds any
	if st.credentials != nil {
		if creds, err = st.credentials.eval(s); err != nil {
			return nil, err
		}
	}
	ev := taskEvents{th: x.th, resource: st.resource}
	if err := ev.scheduled(params, r.exec.StateMachineARN, int64(timeout), int64(heartbeat)); err != nil {
		return nil, err
	}
	if err := ev.started(); err != nil {
		return nil, err
	}
	if r.env.Tasks == nil {
		return nil, ev.failed(&Error{Name: "States.TaskFailed", Cause: "no task runner is configured"})
	}
	tctx := ctx
	if hasTimeout {
		var stop func()
		tctx, stop = withClockTimeout(ctx, r.clock, time.Duration(timeout)*time.Second, errTaskTimeout)
		defer stop()
	}
	res, err := r.env.Tasks.Invoke(tctx, TaskRequest{
		State: st.name, Resource: st.resource, Parameters: params, TaskToken: token,
		HeartbeatSeconds: int(heartbeat), Credentials: creds,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(context.Cause(tctx), errTaskTimeout) {
			return nil, ev.timedOut()
		}
		var fail *Error
		if !errors.As(err, &fail) {
			fail = &Error{Name: "States.TaskFailed", Cause: err.Error()}
		}
		return nil, ev.failed(fail)
	}
	if jsonSize(res) > r.maxPayload {
		return nil, ev.failed(&Error{Name: "States.DataLimitExceeded",
			Cause: fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", st.name)})
	}
	return res, ev.succeeded(res)
}

// taskEvents records one task attempt's events in AWS's shapes: Task* for
// service integrations, LambdaFunction* for plain Lambda ARNs.
type taskEvents struct {
	th       *thread
	resource string
}

func (e taskEvents) lambda() bool { return isLambdaARN(e.resource) }

func (e taskEvents) base() map[string]any {
	typ, name := resourceParts(e.resource)
	return map[string]any{"resourceType": typ, "resource": name}
}

func (e taskEvents) scheduled(params any, smARN string, timeout, heartbeat int64) error {
	var d map[string]any
	if e.lambda() {
		d = map[string]any{"resource": e.resource, "input": encodeJSON(params), "inputDetails": jsonDetails()}
	} else {
		d = e.base()
		d["region"] = regionOf(smARN)
		d["parameters"] = encodeJSON(params)
		if heartbeat > 0 {
			d["heartbeatInSeconds"] = jsonNumber(float64(heartbeat))
		}
	}
	if timeout > 0 {
		d["timeoutInSeconds"] = jsonNumber(float64(timeout))
	}
	if e.lambda() {
		_, err := e.th.emit("LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", d)
		return err
	}
	_, err := e.th.emit("TaskScheduled", "taskScheduledEventDetails", d)
	return err
}

func (e taskEvents) started() error {
	if e.lambda() {
		_, err := e.th.emit("LambdaFunctionStarted", "", nil)
		return err
	}
	_, err := e.th.emit("TaskStarted", "taskStartedEventDetails", e.base())
	return err
}

func (e taskEvents) succeeded(res any) error {
	d := map[string]any{"output": encodeJSON(res), "outputDetails": jsonDetails()}
	if e.lambda() {
		_, err := e.th.emit("LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails", d)
		return err
	}
	for k, v := range e.base() {
		d[k] = v
	}
	_, err := e.th.emit("TaskSucceeded", "taskSucceededEventDetails", d)
	return err
}

// failed records the failure and returns it (or a hook error).
func (e taskEvents) failed(fail *Error) error {
	return e.failure("Failed", "FailedEventDetails", fail)
}

func (e taskEvents) timedOut() error {
	return e.failure("TimedOut", "TimedOutEventDetails", &Error{Name: "States.Timeout"})
}

func (e taskEvents) failure(kind, field string, fail *Error) error {
	d := map[string]any{"error": fail.Name}
	if fail.Cause != "" {
		d["cause"] = fail.Cause
	}
	typ, member := "Task"+kind, "task"+field
	if e.lambda() {
		typ, member = "LambdaFunction"+kind, "lambdaFunction"+field
	} else {
		for k, v := range e.base() {
			d[k] = v
		}
	}
	if _, err := e.th.emit(typ, member, d); err != nil {
		return err
	}
	return fail
}
