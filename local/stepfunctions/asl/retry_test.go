package asl

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestRetry_backoffIntervalsRateAndMaxDelay(t *testing.T) {
	var counts []any
	tasks := taskFunc(func(_ context.Context, req TaskRequest) (any, error) {
		counts = append(counts, req.Parameters.(map[string]any)["n"])
		return nil, errBoom
	})
	res, rec, clock := runDef(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::x:y",
		"Parameters":{"n.$":"$$.State.RetryCount"},
		"Retry":[{"ErrorEquals":["Boom"],"IntervalSeconds":2,"MaxAttempts":4,"BackoffRate":3,"MaxDelaySeconds":10}],"End":true}}}`, `{}`, tasks)
	wantError(t, res, "Boom")
	want := []time.Duration{2 * time.Second, 6 * time.Second, 10 * time.Second, 10 * time.Second}
	got := clock.Slept()
	if len(got) != len(want) {
		t.Fatalf("slept %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("slept %v, want %v", got, want)
		}
	}
	if encodeJSON(counts) != "[0,1,2,3,4]" {
		t.Fatalf("RetryCount seen %s, want [0,1,2,3,4]", encodeJSON(counts))
	}
	scheduled := 0
	for _, typ := range rec.types() {
		if typ == "TaskScheduled" {
			scheduled++
		}
	}
	if scheduled != 5 {
		t.Fatalf("%d TaskScheduled events, want 5", scheduled)
	}
}

func TestRetry_jitterFullStaysWithinBounds(t *testing.T) {
	_, _, clock := runDef(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::x:y",
		"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":10,"MaxAttempts":40,"BackoffRate":1,"JitterStrategy":"FULL"}],"End":true}}}`, `{}`, failing(errBoom))
	got := clock.Slept()
	if len(got) != 40 {
		t.Fatalf("%d sleeps, want 40", len(got))
	}
	distinct := map[time.Duration]bool{}
	for _, d := range got {
		if d < 0 || d > 10*time.Second {
			t.Fatalf("jittered delay %v outside [0, 10s]", d)
		}
		distinct[d] = true
	}
	if len(distinct) < 10 {
		t.Fatalf("only %d distinct delays in 40: not jittered", len(distinct))
	}
}

func TestRetry_exhaustedRetrierDoesNotFallThrough(t *testing.T) {
	var attempts atomic.Int32
	tasks := taskFunc(func(context.Context, TaskRequest) (any, error) {
		attempts.Add(1)
		return nil, errBoom
	})
	res, _, _ := runDef(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::x:y",
		"Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":1},{"ErrorEquals":["States.ALL"],"MaxAttempts":5}],"End":true}}}`, `{}`, tasks)
	wantError(t, res, "Boom")
	if attempts.Load() != 2 {
		t.Fatalf("%d attempts, want 2", attempts.Load())
	}
}

func TestRetry_succeedsAfterFailures(t *testing.T) {
	var attempts atomic.Int32
	tasks := taskFunc(func(context.Context, TaskRequest) (any, error) {
		if attempts.Add(1) < 3 {
			return nil, errBoom
		}
		return map[string]any{"ok": true}, nil
	})
	res, _, _ := runDef(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::x:y",
		"Retry":[{"ErrorEquals":["Boom"]}],"ResultPath":"$.r","End":true}}}`, `{"a":1}`, tasks)
	wantOutput(t, res, `{"a":1,"r":{"ok":true}}`)
}

func TestCatch_firstMatchingCatcherInOrder(t *testing.T) {
	def := `{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::x:y","Catch":[
			{"ErrorEquals":["Other"],"Next":"A"},
			{"ErrorEquals":["X","Boom"],"ResultPath":"$.err","Next":"B"},
			{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},
		"A":{"Type":"Pass","Result":"A","End":true},
		"B":{"Type":"Pass","Result":"B","ResultPath":"$.by","End":true},
		"C":{"Type":"Pass","Result":"C","End":true}}}`
	res, _, _ := runDef(t, def, `{"in":1}`, failing(errBoom))
	wantOutput(t, res, `{"in":1,"err":{"Error":"Boom","Cause":"it broke"},"by":"B"}`)
	res, _, _ = runDef(t, def, `{"in":1}`, failing(&Error{Name: "Zap"}))
	wantOutput(t, res, `"C"`)
}

func TestCatch_taskFailedMatchesTaskErrorsButNotTimeout(t *testing.T) {
	def := `{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::x:y","Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"C"}],"End":true},
		"C":{"Type":"Pass","Result":"caught","End":true}}}`
	res, _, _ := runDef(t, def, `{}`, failing(errBoom))
	wantOutput(t, res, `"caught"`)
	res, _, _ = runDef(t, def, `{}`, failing(&Error{Name: "States.Timeout"}))
	wantError(t, res, "States.Timeout")
}

func TestCatch_runtimeErrorsAreNotCaught(t *testing.T) {
	res, _, _ := runDef(t, `{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::x:y","Parameters":{"v.$":"$.missing"},
			"Retry":[{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},
		"C":{"Type":"Pass","End":true}}}`, `{}`, failing(errBoom))
	wantError(t, res, "States.Runtime")
	want := "An error occurred while executing the state 'T' (entered at the event id #2). The JSONPath '$.missing' specified for the field 'v.$' could not be found in the input '{}'"
	if res.Error.Cause != want {
		t.Fatalf("cause %q, want %q", res.Error.Cause, want)
	}
}

func TestTask_plainErrorIsTaskFailed(t *testing.T) {
	res, rec, _ := runDef(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::x:y","End":true}}}`, `{}`,
		failing(context.DeadlineExceeded))
	wantError(t, res, "States.TaskFailed")
	if res.Error.Cause != context.DeadlineExceeded.Error() {
		t.Fatalf("cause %q", res.Error.Cause)
	}
	got := rec.types()
	want := []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "ExecutionFailed"}
	if encodeJSON(got) != encodeJSON(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}
