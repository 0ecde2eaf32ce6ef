package asl

import (
	"context"
	"sync"
	"testing"
)

// taskFunc adapts a function to Tasks.
type taskFunc func(ctx context.Context, req TaskRequest) (any, error)

func (f taskFunc) Invoke(ctx context.Context, req TaskRequest) (any, error) { return f(ctx, req) }

func mustParse(t *testing.T, def string) *Definition {
	t.Helper()
	d, err := Parse([]byte(def), ParseOptions{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return d
}

func mustJSON(t *testing.T, s string) any {
	t.Helper()
	v, err := decodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("bad JSON %s: %v", s, err)
	}
	return v
}

// recorder collects events (they are delivered serially, but tests read
// them from other goroutines).
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) hook(e Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

func (r *recorder) list() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

func (r *recorder) types() []string {
	var out []string
	for _, e := range r.list() {
		out = append(out, e.Type)
	}
	return out
}

// runDef runs def on input with tasks on a fast clock.
func runDef(t *testing.T, def, input string, tasks Tasks) (Result, *recorder, *fastClock) {
	t.Helper()
	rec := &recorder{}
	clock := newFastClock()
	res, err := mustParse(t, def).Run(context.Background(), Execution{ARN: "arn:aws:states:us-east-1:1:execution:sm:x", Input: mustJSON(t, input)},
		Env{Tasks: tasks, Clock: clock, Event: rec.hook})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res, rec, clock
}

func wantOutput(t *testing.T, res Result, want string) {
	t.Helper()
	if res.Error != nil {
		t.Fatalf("failed: %s: %s", res.Error.Name, res.Error.Cause)
	}
	if !equalJSON(res.Output, mustJSON(t, want)) {
		t.Fatalf("output %s, want %s", encodeJSON(res.Output), want)
	}
}

func wantError(t *testing.T, res Result, name string) {
	t.Helper()
	if res.Error == nil {
		t.Fatalf("succeeded with %s, want error %s", encodeJSON(res.Output), name)
	}
	if res.Error.Name != name {
		t.Fatalf("error %s (%s), want %s", res.Error.Name, res.Error.Cause, name)
	}
}

var errBoom = &Error{Name: "Boom", Cause: "it broke"}

func failing(err error) Tasks {
	return taskFunc(func(context.Context, TaskRequest) (any, error) { return nil, err })
}
