package asl

import (
	"context"
	"math"
	"math/rand/v2"
	"time"
)

// uncatchable errors are never matched by States.ALL (States.Runtime is
// not matched at all: it always fails the execution).
func matchesError(names []string, err *Error, task bool) bool {
	if err.Name == "States.Runtime" {
		return false
	}
	for _, n := range names {
		switch {
		case n == err.Name:
			return true
		case n == "States.ALL" && err.Name != "States.DataLimitExceeded":
			return true
		case n == "States.TaskFailed" && task && err.Name != "States.Timeout" && err.Name != "States.DataLimitExceeded":
			// AWS: States.TaskFailed matches any error of a Task except States.Timeout.
			return true
		}
	}
	return false
}

// findCatcher is the first catcher of st matching err, or nil.
func findCatcher(st *state, err *Error) *catcher {
	for i := range st.catch {
		if matchesError(st.catch[i].errorEquals, err, st.typ == "Task") {
			return &st.catch[i]
		}
	}
	return nil
}

// retries tracks one state entry's retriers: how many times each was used.
type retries struct {
	st     *state
	counts []int
	total  int // $$.State.RetryCount
}

func newRetries(st *state) *retries { return &retries{st: st, counts: make([]int, len(st.retry))} }

// delay returns how long to wait before retrying after err, or false when
// err is not retried: the first retrier matching err decides, and an
// exhausted one ends the retries (later retriers are not consulted).
func (r *retries) delay(err *Error) (time.Duration, bool) {
	for i, rt := range r.st.retry {
		if !matchesError(rt.errorEquals, err, r.st.typ == "Task") {
			continue
		}
		if r.counts[i] >= rt.maxAttempts {
			return 0, false
		}
		d := backoff(rt, r.counts[i])
		r.counts[i]++
		r.total++
		return d, true
	}
	return 0, false
}

// backoff is the wait before retry number n (from 0) of rt: IntervalSeconds
// × BackoffRate^n, capped at MaxDelaySeconds, and with JitterStrategy FULL a
// uniformly random duration between 0 and that.
func backoff(rt retrier, n int) time.Duration {
	d := float64(rt.interval) * math.Pow(rt.backoffRate, float64(n))
	if rt.maxDelay > 0 && d > float64(rt.maxDelay) {
		d = float64(rt.maxDelay)
	}
	if d > float64(math.MaxInt64) {
		d = float64(math.MaxInt64)
	}
	if rt.jitterFull {
		d = rand.Float64() * d
	}
	return time.Duration(d)
}

// withRetry runs attempt until it succeeds, fails with an error no retrier
// takes, or ctx ends; it sleeps on the clock between attempts. attempt
// gets the retry count ($$.State.RetryCount).
func (x *stateRun) withRetry(ctx context.Context, attempt func(retryCount int) (any, error)) (any, error) {
	r := newRetries(x.st)
	for {
		res, err := attempt(r.total)
		err = x.asError(err)
		fail, ok := err.(*Error)
		if !ok {
			return res, err
		}
		d, again := r.delay(fail)
		if !again {
			return nil, fail
		}
		x.th.r.log.Debug("asl retry", "execution", x.th.r.exec.ARN, "state", x.st.name, "error", fail.Name, "delay", d)
		if err := x.th.r.clock.Sleep(ctx, d); err != nil {
			return nil, err
		}
	}
}

// caught is the outcome of a state whose failure catcher c handles: the
// error output {"Error", "Cause"} placed by the catcher's ResultPath
// (JSONPath) or Output (JSONata), with the catcher's Assign.
func (x *stateRun) caught(c *catcher, fail *Error) (outcome, error) {
	errOut := map[string]any{"Error": fail.Name, "Cause": fail.Cause}
	s := x.scope(x.raw, 0, "")
	if x.st.jsonata {
		es := s.withState("errorOutput", errOut)
		assigned, err := evalAssign(c.assign, es)
		if err != nil {
			return outcome{}, err
		}
		out, err := evalOptional(c.output, es, errOut)
		return outcome{output: out, next: c.next, assigned: assigned}, err
	}
	assigned, err := evalAssign(c.assign, s.with(errOut))
	if err != nil {
		return outcome{}, err
	}
	out, err := resultPath(c.resultPath, x.raw, errOut)
	return outcome{output: out, next: c.next, assigned: assigned}, err
}
