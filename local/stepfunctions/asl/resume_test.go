package asl

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// checkpoints records Env.Checkpoint calls.
type checkpoints struct {
	mu  sync.Mutex
	all []Checkpoint
}

func (c *checkpoints) hook(cp Checkpoint) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.all = append(c.all, cp)
	return nil
}

func (c *checkpoints) last() Checkpoint {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.all[len(c.all)-1]
}

func TestResume_waitResumesAtItsDueTime(t *testing.T) {
	d := mustParse(t, `{"StartAt":"A","States":{
		"A":{"Type":"Pass","Assign":{"seen":"yes"},"Result":{"step":"a"},"Next":"W"},
		"W":{"Type":"Wait","Seconds":60,"Next":"B"},
		"B":{"Type":"Pass","Parameters":{"step":"b","seen.$":"$seen","prev.$":"$.step"},"End":true}}}`)
	clock := newManualClock()
	cps := &checkpoints{}
	rec := &recorder{}
	ctx, stop := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := d.Run(ctx, Execution{Input: map[string]any{}}, Env{Clock: clock, Checkpoint: cps.hook, Event: rec.hook})
		errc <- err
	}()
	if !clock.WaitSleepers(1) {
		t.Fatal("the Wait never slept")
	}
	clock.Advance(20 * time.Second)
	stop() // a shutdown 20 s into the wait
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	cp := cps.last()
	if cp.State != "W" || cp.Variables["seen"] != "yes" {
		t.Fatalf("checkpoint %+v", cp)
	}
	stoppedAt := len(rec.list())

	clock.Advance(10 * time.Second) // the service restarts 30 s after the Wait was entered
	rec2 := &recorder{}
	done := make(chan Result, 1)
	go func() {
		res, err := d.Run(context.Background(), Execution{Input: map[string]any{}, Resume: &cp}, Env{Clock: clock, Checkpoint: cps.hook, Event: rec2.hook})
		if err != nil {
			t.Errorf("resumed Run: %v", err)
		}
		done <- res
	}()
	if !clock.WaitSleepers(1) {
		t.Fatal("the resumed Wait never slept")
	}
	clock.Advance(29 * time.Second)
	select {
	case <-done:
		t.Fatal("the Wait ended before its due time")
	case <-time.After(20 * time.Millisecond):
	}
	clock.Advance(time.Second) // 60 s after the Wait was first entered
	res := <-done
	wantOutput(t, res, `{"step":"b","seen":"yes","prev":"a"}`)
	ev := rec2.list()
	if ev[0].ID != cp.NextEventID || ev[0].PreviousID != cp.PreviousEventID || ev[0].Type != "WaitStateEntered" {
		t.Fatalf("first resumed event %+v, checkpoint %+v", ev[0], cp)
	}
	if int(cp.NextEventID) != stoppedAt { // the Wait's entered event was the last one before the stop
		t.Fatalf("checkpoint NextEventID %d, %d events before the stop", cp.NextEventID, stoppedAt)
	}
}

func TestResume_interruptedTaskRunsAgain(t *testing.T) {
	d := mustParse(t, `{"StartAt":"A","States":{
		"A":{"Type":"Task","Resource":"arn:aws:states:::a:run","ResultPath":"$.a","Next":"B"},
		"B":{"Type":"Task","Resource":"arn:aws:states:::b:run","ResultPath":"$.b","End":true}}}`)
	var aCalls, bCalls atomic.Int32
	block := true
	ctx, stop := context.WithCancel(context.Background())
	tasks := taskFunc(func(tctx context.Context, req TaskRequest) (any, error) {
		if req.Resource == "arn:aws:states:::a:run" {
			aCalls.Add(1)
			return "A", nil
		}
		bCalls.Add(1)
		if block {
			stop()
			<-tctx.Done()
			return nil, tctx.Err()
		}
		return "B", nil
	})
	cps := &checkpoints{}
	_, err := d.Run(ctx, Execution{Input: map[string]any{}}, Env{Tasks: tasks, Clock: newFastClock(), Checkpoint: cps.hook})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	block = false
	cp := cps.last()
	res, err := d.Run(context.Background(), Execution{Input: map[string]any{}, Resume: &cp}, Env{Tasks: tasks, Clock: newFastClock()})
	if err != nil {
		t.Fatal(err)
	}
	wantOutput(t, res, `{"a":"A","b":"B"}`)
	if aCalls.Load() != 1 || bCalls.Load() != 2 {
		t.Fatalf("A ran %d times, B %d; want 1 and 2", aCalls.Load(), bCalls.Load())
	}
}

func TestHooks_failureStopsExecution(t *testing.T) {
	d := mustParse(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}`)
	boom := errors.New("disk full")
	n := 0
	_, err := d.Run(context.Background(), Execution{}, Env{Event: func(Event) error {
		if n++; n == 3 {
			return boom
		}
		return nil
	}})
	if !errors.Is(err, boom) {
		t.Fatalf("Run returned %v, want the event hook's error", err)
	}
	_, err = d.Run(context.Background(), Execution{}, Env{Checkpoint: func(cp Checkpoint) error {
		if cp.State == "B" {
			return boom
		}
		return nil
	}})
	if !errors.Is(err, boom) {
		t.Fatalf("Run returned %v, want the checkpoint hook's error", err)
	}
}

func TestEvents_idsTypesAndDetails(t *testing.T) {
	res, rec, _ := runDef(t, `{"StartAt":"P","States":{
		"P":{"Type":"Pass","Next":"Par"},
		"Par":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}}],"Next":"S"},
		"S":{"Type":"Succeed"}}}`, `{"k":1}`, nil)
	wantOutput(t, res, `[{"k":1}]`)
	ev := rec.list()
	want := []struct {
		typ  string
		prev int64
	}{
		{"ExecutionStarted", 0}, {"PassStateEntered", 0}, {"PassStateExited", 2},
		{"ParallelStateEntered", 3}, {"ParallelStateStarted", 4},
		{"PassStateEntered", 5}, {"PassStateExited", 6},
		{"ParallelStateSucceeded", 5}, {"ParallelStateExited", 8},
		{"SucceedStateEntered", 9}, {"SucceedStateExited", 10}, {"ExecutionSucceeded", 11},
	}
	if len(ev) != len(want) {
		t.Fatalf("events %v", rec.types())
	}
	for i, w := range want {
		if ev[i].ID != int64(i+1) || ev[i].Type != w.typ || ev[i].PreviousID != w.prev {
			t.Fatalf("event %d: %d %s <-%d, want %d %s <-%d", i, ev[i].ID, ev[i].Type, ev[i].PreviousID, i+1, w.typ, w.prev)
		}
	}
	if ev[1].DetailsField != "stateEnteredEventDetails" || ev[1].Details["input"] != `{"k":1}` || ev[1].Details["name"] != "P" {
		t.Fatalf("entered details %v", ev[1].Details)
	}
	if ev[11].Details["output"] != `[{"k":1}]` {
		t.Fatalf("succeeded details %v", ev[11].Details)
	}
}

func TestDataLimitExceeded(t *testing.T) {
	tasks := taskFunc(func(context.Context, TaskRequest) (any, error) {
		return map[string]any{"blob": strings.Repeat("x", 400)}, nil
	})
	run := func(catchers string) Result {
		d := mustParse(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::x:y","Catch":[`+catchers+`],"End":true},
			"ByName":{"Type":"Pass","Result":"by name","End":true},"All":{"Type":"Pass","Result":"by States.ALL","End":true}}}`)
		res, err := d.Run(context.Background(), Execution{Input: map[string]any{}}, Env{Tasks: tasks, MaxPayload: 300})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	wantOutput(t, run(`{"ErrorEquals":["States.DataLimitExceeded"],"Next":"ByName"},{"ErrorEquals":["States.ALL"],"Next":"All"}`), `"by name"`)
	wantError(t, run(`{"ErrorEquals":["Other"],"Next":"ByName"},{"ErrorEquals":["States.ALL"],"Next":"All"}`), "States.DataLimitExceeded")

	d := mustParse(t, `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"`+strings.Repeat("y", 40)+`","End":true}}}`)
	res, err := d.Run(context.Background(), Execution{Input: map[string]any{}}, Env{MaxPayload: 20})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, res, "States.DataLimitExceeded")
}
