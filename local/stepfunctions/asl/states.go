package asl

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// stateRun is one entry into a state.
type stateRun struct {
	th        *thread
	st        *state
	raw       any // the state's input as it entered
	entered   time.Time
	enteredID int64
}

// scope is what the state's expressions see at retry count retries; token
// is $$.Task.Token ("" for none).
func (x *stateRun) scope(input any, retries int, token string) *scope {
	ctx := map[string]any{
		"Execution":    x.th.r.execCtx,
		"StateMachine": x.th.r.smCtx,
		"State": map[string]any{
			"EnteredTime": awsTime(x.entered), "Name": x.st.name, "RetryCount": jsonNumber(float64(retries)),
		},
	}
	if token != "" {
		ctx["Task"] = map[string]any{"Token": token}
	}
	return &scope{input: input, context: ctx, vars: x.th.vars}
}

// asError turns an engine-detected failure into the *Error the state fails
// with, its cause prefixed as AWS does; other errors pass unchanged.
func (x *stateRun) asError(err error) error {
	var se *stepError
	if errors.As(err, &se) {
		return &Error{Name: se.name, Cause: fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). %s",
			x.st.name, x.enteredID, se.msg)}
	}
	return err
}

// outcome is how a state that did not fail ended.
type outcome struct {
	output   any
	next     string         // "" ends the machine
	assigned map[string]any // the variables it assigns (nil: none)
}

// runState enters st with input raw, runs it and exits it, returning its
// output and the next state ("" when the machine ends). A failure is an
// *Error; other errors are fatal.
func (th *thread) runState(ctx context.Context, st *state, raw any, entered time.Time) (any, string, error) {
	id, err := th.emit(st.typ+"StateEntered", "stateEnteredEventDetails", stateEntered(st.name, raw))
	if err != nil {
		return nil, "", err
	}
	th.r.log.Debug("asl state entered", "execution", th.r.exec.ARN, "state", st.name, "type", st.typ, "event", id)
	x := &stateRun{th: th, st: st, raw: raw, entered: entered, enteredID: id}
	res, err := x.execute(ctx)
	err = x.asError(err)
	var fail *Error
	if errors.As(err, &fail) {
		if c := findCatcher(st, fail); c != nil {
			res, err = x.caught(c, fail)
			err = x.asError(err)
		}
	}
	if err == nil && jsonSize(res.output) > th.r.maxPayload {
		err = &Error{Name: "States.DataLimitExceeded",
			Cause: fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", st.name)}
	}
	if err != nil {
		if errors.As(err, &fail) {
			th.r.log.Debug("asl state failed", "execution", th.r.exec.ARN, "state", st.name, "error", fail.Name)
		}
		return nil, "", err
	}
	th.vars.assign(res.assigned)
	if _, err := th.emit(st.typ+"StateExited", "stateExitedEventDetails", stateExited(st.name, res.output, res.assigned)); err != nil {
		return nil, "", err
	}
	th.r.log.Debug("asl state exited", "execution", th.r.exec.ARN, "state", st.name, "next", res.next)
	return res.output, res.next, nil
}

// execute runs the state's type-specific work.
func (x *stateRun) execute(ctx context.Context) (outcome, error) {
	switch x.st.typ {
	case "Pass":
		return x.pass()
	case "Task":
		return x.task(ctx)
	case "Choice":
		return x.choice()
	case "Wait":
		return x.wait(ctx)
	case "Succeed":
		in, err := x.effectiveInput()
		if err != nil {
			return outcome{}, err
		}
		return x.finish(in, false, nil)
	case "Fail":
		return outcome{}, x.fail()
	case "Parallel":
		return x.parallel(ctx)
	case "Map":
		return x.mapState(ctx)
	}
	return outcome{}, fmt.Errorf("asl: unknown state type %q", x.st.typ)
}

// effectiveInput applies InputPath (JSONPath) to the raw input.
func (x *stateRun) effectiveInput() (any, error) {
	if x.st.jsonata {
		return x.raw, nil
	}
	return inputOutputPath(x.st.inputPath, x.scope(x.raw, 0, ""), x.raw)
}

// finish computes the state's output and assignments from its result:
// JSONPath applies ResultPath to the raw input then OutputPath; JSONata
// evaluates Output (default: the result, or the input for states without
// a result). Assign sees the result as $ (JSONPath) or $states.result.
func (x *stateRun) finish(result any, hasResult bool, s *scope) (outcome, error) {
	if s == nil {
		s = x.scope(x.raw, 0, "")
	}
	next := x.st.next
	if x.st.jsonata {
		rs := s
		if hasResult {
			rs = s.withState("result", result)
		}
		assigned, err := evalAssign(x.st.assign, rs)
		if err != nil {
			return outcome{}, err
		}
		out, err := evalOptional(x.st.output, rs, result)
		return outcome{output: out, next: next, assigned: assigned}, err
	}
	assigned, err := evalAssign(x.st.assign, s.with(result))
	if err != nil {
		return outcome{}, err
	}
	out := result
	if hasResult {
		if out, err = resultPath(x.st.resultPath, x.raw, result); err != nil {
			return outcome{}, err
		}
	}
	out, err = inputOutputPath(x.st.outputPath, s, out)
	return outcome{output: out, next: next, assigned: assigned}, err
}

func (x *stateRun) pass() (outcome, error) {
	in, err := x.effectiveInput()
	if err != nil {
		return outcome{}, err
	}
	if x.st.jsonata {
		return x.finish(in, false, nil)
	}
	s := x.scope(in, 0, "")
	res, err := evalOptional(x.st.parameters, s, in)
	if err != nil {
		return outcome{}, err
	}
	if x.st.hasResult {
		res = x.st.result
	}
	return x.finish(res, true, s)
}

func (x *stateRun) choice() (outcome, error) {
	in, err := x.effectiveInput()
	if err != nil {
		return outcome{}, err
	}
	s := x.scope(in, 0, "")
	rule, err := chooseRule(x.st.choices, s)
	if err != nil {
		return outcome{}, err
	}
	next, assign, output := x.st.defaultNext, x.st.assign, x.st.output
	if rule != nil {
		next = rule.next
		if rule.assign != nil {
			assign = rule.assign
		}
		if rule.output != nil {
			output = rule.output
		}
	}
	if next == "" {
		return outcome{}, runtimeErrorf("Failed to transition out of the state. The state does not point to a next state.")
	}
	assigned, err := evalAssign(assign, s)
	if err != nil {
		return outcome{}, err
	}
	out := in
	if x.st.jsonata {
		out, err = evalOptional(output, s, in)
	} else {
		out, err = inputOutputPath(x.st.outputPath, s, in)
	}
	return outcome{output: out, next: next, assigned: assigned}, err
}

func (x *stateRun) wait(ctx context.Context) (outcome, error) {
	in, err := x.effectiveInput()
	if err != nil {
		return outcome{}, err
	}
	s := x.scope(in, 0, "")
	var due time.Time
	switch {
	case x.st.seconds.set:
		secs, _, err := evalNum(x.st.seconds, s)
		if err != nil {
			return outcome{}, err
		}
		due = x.entered.Add(time.Duration(secs) * time.Second)
	case x.st.timestamp != nil:
		due = *x.st.timestamp
	case x.st.tsPath != nil || x.st.tsExpr != nil:
		var v any
		var text string
		if x.st.tsPath != nil {
			text = x.st.tsPath.text
			if v, err = x.st.tsPath.eval(s); err != nil {
				return outcome{}, runtimeErrorf("The TimestampPath parameter does not reference an input value: %s", text)
			}
		} else {
			text = x.st.tsExpr.(*jsonataExpr).text
			if v, err = x.st.tsExpr.eval(s); err != nil {
				return outcome{}, err
			}
		}
		str, _ := v.(string)
		t, ok := parseTimestamp(str)
		if !ok {
			return outcome{}, runtimeErrorf("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", text, encodeJSON(v))
		}
		due = t
	}
	if d := due.Sub(x.th.r.clock.Now()); d > 0 {
		if err := x.th.r.clock.Sleep(ctx, d); err != nil {
			return outcome{}, err
		}
	}
	return x.finish(in, false, s)
}

func (x *stateRun) fail() error {
	s := x.scope(x.raw, 0, "")
	name, err := failField(s, x.st.errorName, x.st.errorPath, x.st.errorExpr)
	if err != nil {
		return err
	}
	cause, err := failField(s, x.st.cause, x.st.causePath, x.st.causeExpr)
	if err != nil {
		return err
	}
	return &Error{Name: name, Cause: cause}
}

// failField evaluates a Fail state's Error or Cause.
func failField(s *scope, lit *string, path *valueExpr, expr template) (string, error) {
	var v any
	var err error
	switch {
	case lit != nil:
		return *lit, nil
	case path != nil:
		v, err = path.eval(s)
	case expr != nil:
		v, err = expr.eval(s)
	default:
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if str, ok := v.(string); ok {
		return str, nil
	}
	return encodeJSON(v), nil
}
