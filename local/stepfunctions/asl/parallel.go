package asl

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

func (x *stateRun) parallel(ctx context.Context) (outcome, error) {
	in, err := x.effectiveInput()
	if err != nil {
		return outcome{}, err
	}
	s := x.scope(in, 0, "")
	branchInput := in
	if x.st.jsonata {
		branchInput, err = evalOptional(x.st.arguments, s, in)
	} else {
		branchInput, err = evalOptional(x.st.parameters, s, in)
	}
	if err != nil {
		return outcome{}, err
	}
	res, err := x.withRetry(ctx, func(int) (any, error) { return x.parallelAttempt(ctx, branchInput) })
	if err != nil {
		return outcome{}, err
	}
	return x.finishAggregate(res, s)
}

// finishAggregate applies ResultSelector to a Parallel's or Map's result
// and finishes the state.
func (x *stateRun) finishAggregate(res any, s *scope) (outcome, error) {
	if !x.st.jsonata {
		var err error
		if res, err = evalOptional(x.st.resultSelector, s.with(res), res); err != nil {
			return outcome{}, err
		}
	}
	return x.finish(res, true, x.scope(x.raw, 0, ""))
}

// parallelAttempt runs every branch concurrently on the same input; the
// first failing branch fails the state and cancels the others.
func (x *stateRun) parallelAttempt(ctx context.Context, in any) (any, error) {
	started, err := x.th.emit("ParallelStateStarted", "", nil)
	if err != nil {
		return nil, err
	}
	outs := make([]any, len(x.st.branches))
	err = fanOut(ctx, len(x.st.branches), 0, func(ctx context.Context, i int) error {
		b := x.st.branches[i]
		th := &thread{r: x.th.r, vars: newVariables(x.th.vars, nil), prevID: started}
		out, err := th.runMachine(ctx, b, b.startAt, in, time.Time{})
		outs[i] = out
		return err
	})
	return x.aggregateEnd("ParallelState", outs, err)
}

// aggregateEnd records a Parallel's or Map's success or failure event.
func (x *stateRun) aggregateEnd(prefix string, outs []any, err error) (any, error) {
	var fail *Error
	switch {
	case errors.As(err, &fail):
		if _, herr := x.th.emit(prefix+"Failed", "", nil); herr != nil {
			return nil, herr
		}
		return nil, fail
	case err != nil:
		return nil, err
	}
	if _, err := x.th.emit(prefix+"Succeeded", "", nil); err != nil {
		return nil, err
	}
	return outs, nil
}

func (x *stateRun) mapState(ctx context.Context) (outcome, error) {
	in, err := x.effectiveInput()
	if err != nil {
		return outcome{}, err
	}
	s := x.scope(in, 0, "")
	items, err := x.mapItems(s, in)
	if err != nil {
		return outcome{}, err
	}
	res, err := x.withRetry(ctx, func(int) (any, error) { return x.mapAttempt(ctx, s, items) })
	if err != nil {
		return outcome{}, err
	}
	return x.finishAggregate(res, s)
}

// mapItems selects the array a Map iterates over: ItemsPath (default $) or
// JSONata Items (default the input).
func (x *stateRun) mapItems(s *scope, in any) ([]any, error) {
	v := in
	var err error
	what := "$"
	switch {
	case x.st.itemsPath != nil:
		what = x.st.itemsPath.text
		if v, err = x.st.itemsPath.eval(s); err != nil {
			return nil, runtimeErrorf("Invalid path '%s' : No results for path: %s", what, normalized(x.st.itemsPath))
		}
	case x.st.items != nil:
		what = "Items"
		if v, err = x.st.items.eval(s); err != nil {
			return nil, err
		}
	}
	items, ok := v.([]any)
	if !ok {
		return nil, runtimeErrorf("Invalid path '%s': The value of the items to iterate over must be an array, not %s", what, typeName(v))
	}
	return items, nil
}

// mapAttempt runs the iterator once per item, at most MaxConcurrency at a
// time. Without a tolerated failure threshold the first failing iteration
// fails the state and cancels the others; with one, failures are counted and
// the state fails with States.ExceedToleratedFailureThreshold past it.
func (x *stateRun) mapAttempt(ctx context.Context, s *scope, items []any) (any, error) {
	limit, _, err := evalNum(x.st.maxConcurrency, s)
	if err != nil {
		return nil, err
	}
	tolCount, hasCount, err := evalNum(x.st.toleratedCount, s)
	if err != nil {
		return nil, err
	}
	tolPct, hasPct, err := evalNum(x.st.toleratedPct, s)
	if err != nil {
		return nil, err
	}
	tolerant := hasCount || hasPct
	started, err := x.th.emit("MapStateStarted", "mapStateStartedEventDetails", map[string]any{"length": jsonNumber(float64(len(items)))})
	if err != nil {
		return nil, err
	}
	outs := make([]any, len(items))
	var mu sync.Mutex
	failed := 0
	err = fanOut(ctx, len(items), int(math.Min(limit, math.MaxInt32)), func(ctx context.Context, i int) error {
		th := &thread{r: x.th.r, vars: newVariables(x.th.vars, nil), prevID: started}
		ids := map[string]any{"name": x.st.name, "index": jsonNumber(float64(i))}
		if _, err := th.emit("MapIterationStarted", "mapIterationStartedEventDetails", ids); err != nil {
			return err
		}
		out, err := x.iteration(ctx, th, s, i, items[i])
		var fail *Error
		switch {
		case errors.As(err, &fail):
			if _, herr := th.emit("MapIterationFailed", "mapIterationFailedEventDetails", ids); herr != nil {
				return herr
			}
			if !tolerant {
				return fail
			}
			mu.Lock()
			failed++
			mu.Unlock()
			outs[i] = map[string]any{"Error": fail.Name, "Cause": fail.Cause}
			return nil
		case err != nil:
			if errors.Is(context.Cause(ctx), errSiblingFailed) {
				if _, herr := th.emit("MapIterationAborted", "mapIterationAbortedEventDetails", ids); herr != nil {
					return herr
				}
			}
			return err
		}
		outs[i] = out
		_, err = th.emit("MapIterationSucceeded", "mapIterationSucceededEventDetails", ids)
		return err
	})
	if err == nil && tolerant && failed > 0 {
		if (hasCount && float64(failed) > tolCount) || (hasPct && float64(failed)*100/float64(len(items)) > tolPct) {
			err = &Error{Name: "States.ExceedToleratedFailureThreshold",
				Cause: fmt.Sprintf("The specified tolerated failure threshold was exceeded: %d of %d iterations failed", failed, len(items))}
		}
	}
	return x.aggregateEnd("MapState", outs, err)
}

// iteration runs one Map iteration on its item: the iteration input is
// ItemSelector (which sees $$.Map.Item.Index and .Value) or the item.
func (x *stateRun) iteration(ctx context.Context, th *thread, s *scope, index int, item any) (any, error) {
	in := item
	if x.st.itemSelector != nil {
		is := *s
		is.context = make(map[string]any, len(s.context)+1)
		for k, v := range s.context {
			is.context[k] = v
		}
		is.context["Map"] = map[string]any{"Item": map[string]any{"Index": jsonNumber(float64(index)), "Value": item}}
		v, err := x.st.itemSelector.eval(&is)
		if err != nil {
			return nil, x.asError(err)
		}
		in = v
	}
	return th.runMachine(ctx, x.st.iterator, x.st.iterator.startAt, in, time.Time{})
}
