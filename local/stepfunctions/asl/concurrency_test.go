package asl

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTask_timeoutSecondsOnTheClock(t *testing.T) {
	clock := newManualClock()
	tasks := taskFunc(func(ctx context.Context, _ TaskRequest) (any, error) {
		if err := clock.Sleep(ctx, 100*time.Second); err != nil {
			return nil, err
		}
		return "late", nil
	})
	rec := &recorder{}
	d := mustParse(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::x:y","TimeoutSeconds":5,"End":true}}}`)
	done := make(chan Result, 1)
	go func() {
		res, err := d.Run(context.Background(), Execution{Input: map[string]any{}}, Env{Tasks: tasks, Clock: clock, Event: rec.hook})
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		done <- res
	}()
	if !clock.WaitSleepers(2) { // the task and the timeout watcher
		t.Fatal("task and watcher never slept")
	}
	clock.Advance(5 * time.Second)
	res := <-done
	wantError(t, res, "States.Timeout")
	types := strings.Join(rec.types(), ",")
	if !strings.Contains(types, "TaskStarted,TaskTimedOut,ExecutionFailed") {
		t.Fatalf("events %s", types)
	}
}

func TestExecution_timeoutSeconds(t *testing.T) {
	clock := newManualClock()
	rec := &recorder{}
	d := mustParse(t, `{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}`)
	done := make(chan Result, 1)
	go func() {
		res, err := d.Run(context.Background(), Execution{Input: map[string]any{}}, Env{Clock: clock, Event: rec.hook})
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		done <- res
	}()
	if !clock.WaitSleepers(2) {
		t.Fatal("wait and watcher never slept")
	}
	clock.Advance(10 * time.Second)
	res := <-done
	wantError(t, res, "States.Timeout")
	if ev := rec.list(); ev[len(ev)-1].Type != "ExecutionTimedOut" {
		t.Fatalf("last event %s, want ExecutionTimedOut", ev[len(ev)-1].Type)
	}
}

func TestParallel_failingBranchFailsStateAndCancelsOthers(t *testing.T) {
	var cancelled atomic.Bool
	started := make(chan struct{})
	tasks := taskFunc(func(ctx context.Context, _ TaskRequest) (any, error) {
		close(started)
		<-ctx.Done()
		cancelled.Store(true)
		return nil, ctx.Err()
	})
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"Slow","States":{"Slow":{"Type":"Task","Resource":"arn:aws:states:::x:y","End":true}}},
		{"StartAt":"Gate","States":{"Gate":{"Type":"Task","Resource":"arn:aws:states:::gate:wait","Next":"F"},
		  "F":{"Type":"Fail","Error":"BranchFailure","Cause":"exploded"}}}]}}}`
	gate := taskFunc(func(ctx context.Context, req TaskRequest) (any, error) {
		if req.Resource == "arn:aws:states:::gate:wait" {
			<-started
			return "ok", nil
		}
		return tasks(ctx, req)
	})
	res, rec, _ := runDef(t, def, `{}`, gate)
	wantError(t, res, "BranchFailure")
	if !cancelled.Load() {
		t.Fatal("the other branch's task was not cancelled")
	}
	if !strings.Contains(strings.Join(rec.types(), ","), "ParallelStateFailed,ExecutionFailed") {
		t.Fatalf("events %v", rec.types())
	}
}

func TestParallel_outputsInBranchOrder(t *testing.T) {
	res, _, _ := runDef(t, `{"StartAt":"P","States":{"P":{"Type":"Parallel","ResultPath":"$.r","End":true,"Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"End":true}}},
		{"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":1,"Next":"C"},"C":{"Type":"Pass","InputPath":"$.x","End":true}}}]}}}`,
		`{"x":"in"}`, nil)
	wantOutput(t, res, `{"x":"in","r":[1,"in"]}`)
}

func TestMap_maxConcurrencyHonoured(t *testing.T) {
	var running, peak atomic.Int32
	tasks := taskFunc(func(ctx context.Context, req TaskRequest) (any, error) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		running.Add(-1)
		return req.Parameters, nil
	})
	res, rec, _ := runDef(t, `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":3,"ItemsPath":"$.items",
		"ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value"},
		"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::x:y","End":true}}},"End":true}}}`,
		`{"items":["a","b","c","d","e","f","g","h","i","j"]}`, tasks)
	wantOutput(t, res, `[{"i":0,"v":"a"},{"i":1,"v":"b"},{"i":2,"v":"c"},{"i":3,"v":"d"},{"i":4,"v":"e"},{"i":5,"v":"f"},{"i":6,"v":"g"},{"i":7,"v":"h"},{"i":8,"v":"i"},{"i":9,"v":"j"}]`)
	if p := peak.Load(); p > 3 || p < 2 {
		t.Fatalf("peak concurrency %d, want 2..3", p)
	}
	n := 0
	for _, typ := range rec.types() {
		if typ == "MapIterationSucceeded" {
			n++
		}
	}
	if n != 10 {
		t.Fatalf("%d MapIterationSucceeded, want 10", n)
	}
}

func TestMap_failingIterationFailsStateAndCancelsOthers(t *testing.T) {
	var mu sync.Mutex
	cancelled := 0
	slowStarted := make(chan struct{}, 3)
	tasks := taskFunc(func(ctx context.Context, req TaskRequest) (any, error) {
		if req.Parameters == "bad" {
			for range 3 {
				<-slowStarted // fail only once the others are running
			}
			return nil, errBoom
		}
		slowStarted <- struct{}{}
		<-ctx.Done()
		mu.Lock()
		cancelled++
		mu.Unlock()
		return nil, ctx.Err()
	})
	res, rec, _ := runDef(t, `{"StartAt":"M","States":{"M":{"Type":"Map","Catch":[{"ErrorEquals":["Boom"],"Next":"Done"}],
		"Iterator":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::x:y","End":true}}},"End":true},
		"Done":{"Type":"Pass","End":true}}}`, `["slow","slow","bad","slow"]`, tasks)
	wantOutput(t, res, `{"Error":"Boom","Cause":"it broke"}`)
	if cancelled != 3 {
		t.Fatalf("%d iterations cancelled, want 3", cancelled)
	}
	types := strings.Join(rec.types(), ",")
	if !strings.Contains(types, "MapIterationFailed") || !strings.Contains(types, "MapStateFailed,MapStateExited") {
		t.Fatalf("events %s", types)
	}
}

func TestMap_toleratedFailures(t *testing.T) {
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,
		"Iterator":{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$","StringEquals":"bad","Next":"F"}],"Default":"OK"},
		"F":{"Type":"Fail","Error":"Bad"},"OK":{"Type":"Pass","End":true}}},"End":true}}}`
	res, _, _ := runDef(t, def, `["a","bad","c"]`, nil)
	wantOutput(t, res, `["a",{"Error":"Bad","Cause":""},"c"]`)
	res, _, _ = runDef(t, def, `["bad","bad","c"]`, nil)
	wantError(t, res, "States.ExceedToleratedFailureThreshold")
}
