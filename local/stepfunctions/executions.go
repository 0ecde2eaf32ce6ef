package stepfunctions

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/shopgraph/shopgraph/local/stepfunctions/asl"
)

// execution is a running execution.
type execution struct {
	arn    string
	cancel context.CancelCauseFunc
	done   chan struct{}

	mu       sync.Mutex
	rec      execRec       // as last stored, or being stored
	pending  []storedEvent // emitted since the last commit
	lastID   int64         // last event id emitted
	lastType string        // and its type
	stopErr  *asl.Error    // StopExecution's error and cause, once asked
	effects  bool          // a pending event is more than a pure state's
}

// effectful are the state types whose checkpoint is always stored: they
// call out, wait or fan out.
var effectful = map[string]bool{"Task": true, "Wait": true, "Map": true, "Parallel": true}

// pureEvent reports an event of a state that only computes (Pass, Choice,
// Succeed, Fail) or the execution's start.
func pureEvent(typ string) bool {
	for _, p := range []string{"Pass", "Choice", "Succeed", "Fail"} {
		if strings.HasPrefix(typ, p+"State") {
			return true
		}
	}
	return typ == "ExecutionStarted"
}

// errStopped is the cancellation cause of StopExecution.
var errStopped = errors.New("execution stopped")

// definition returns the parsed definition with the given hash.
func (s *Service) definition(tx *bolt.Tx, hash string) (*asl.Definition, error) {
	s.defMu.Lock()
	d := s.defs[hash]
	s.defMu.Unlock()
	if d != nil {
		return d, nil
	}
	text := tx.Bucket(bucketDefinitions).Get([]byte(hash))
	if text == nil {
		return nil, fmt.Errorf("definition %s is missing", hash)
	}
	d, err := asl.Parse(text, s.parseOptions())
	if err != nil {
		return nil, fmt.Errorf("stored definition %s: %w", hash, err)
	}
	s.defMu.Lock()
	s.defs[hash] = d
	s.defMu.Unlock()
	return d, nil
}

// resumeAll launches every execution stored as RUNNING from its checkpoint.
func (s *Service) resumeAll() error {
	type resumable struct {
		rec execRec
		def *asl.Definition
		cp  *asl.Checkpoint
	}
	var list []resumable
	err := s.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketExecutions).ForEach(func(k, v []byte) error {
			var rec execRec
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("decode execution %q: %w", k, err)
			}
			if rec.Status != statusRunning {
				return nil
			}
			def, err := s.definition(tx, rec.DefHash)
			if err != nil {
				return fmt.Errorf("execution %s: %w", rec.ARN, err)
			}
			r := resumable{rec: rec, def: def}
			if rec.Checkpoint != nil {
				if r.cp, err = rec.Checkpoint.checkpoint(); err != nil {
					return fmt.Errorf("execution %s: %w", rec.ARN, err)
				}
			}
			list = append(list, r)
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("%s: read executions: %w", what, err)
	}
	for _, r := range list {
		from := int64(1)
		if r.cp != nil {
			from = r.cp.NextEventID
		}
		if err := s.commits.Update(context.Background(), func(tx *bolt.Tx) error {
			return dropEventsFrom(tx, r.rec.ARN, from)
		}); err != nil {
			return fmt.Errorf("%s: prepare to resume %s: %w", what, r.rec.ARN, err)
		}
		state := "the start"
		if r.cp != nil {
			state = "state " + r.cp.State
		}
		s.log.Info("local Step Functions: resuming execution", "execution", r.rec.ARN, "at", state)
		s.resumed.Add(1)
		s.launch(r.rec, r.def, r.cp)
	}
	if len(list) > 0 {
		s.log.Info("local Step Functions: resumed executions", "count", len(list))
	}
	return nil
}

// launch runs rec on its own goroutine.
func (s *Service) launch(rec execRec, def *asl.Definition, resume *asl.Checkpoint) {
	ctx, cancel := context.WithCancelCause(s.baseCtx)
	e := &execution{arn: rec.ARN, cancel: cancel, done: make(chan struct{}), rec: rec}
	if resume != nil {
		e.lastID = resume.NextEventID - 1
	}
	s.mu.Lock()
	s.runs[rec.ARN] = e
	s.runWG.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.runWG.Done()
		defer close(e.done)
		defer cancel(nil)
		s.execute(ctx, e, def, resume)
		s.mu.Lock()
		delete(s.runs, rec.ARN)
		s.mu.Unlock()
	}()
}

// execute runs e to its end (or until it is stopped or the service
// closes) and stores how it ended.
func (s *Service) execute(ctx context.Context, e *execution, def *asl.Definition, resume *asl.Checkpoint) {
	input, err := asl.DecodeJSON([]byte(e.rec.Input))
	if err != nil { // StartExecution checked it
		s.log.Error("local Step Functions: stored input is not JSON", "execution", e.arn, "error", err)
		return
	}
	env := asl.Env{
		Tasks:        &taskRunner{s: s, e: e},
		Clock:        s.clock,
		Event:        e.onEvent(s),
		Checkpoint:   func(cp asl.Checkpoint) error { return s.checkpoint(ctx, e, cp) },
		NewTaskToken: func() string { return newTaskToken(e.arn) },
		Logger:       s.log.With("execution", e.arn),
	}
	res, err := def.Run(ctx, asl.Execution{
		ARN: e.arn, Name: e.rec.Name, StateMachineARN: e.rec.MachineARN, StateMachineName: e.rec.MachineName,
		RoleARN: e.rec.RoleARN, StartTime: e.rec.Start, Input: input, Resume: resume,
	}, env)
	if err != nil {
		switch cause := context.Cause(ctx); {
		case errors.Is(cause, errStopped):
			s.finishAborted(e)
		case errors.Is(cause, errShutdown):
			// It resumes at its last checkpoint at the next Open.
		default:
			s.log.Error("local Step Functions: execution interrupted; it resumes at the next start", "execution", e.arn, "error", err)
		}
		return
	}
	e.mu.Lock()
	rec := e.rec
	rec.Checkpoint = nil
	rec.Stop = s.clock.Now()
	switch {
	case res.Error == nil:
		out := asl.EncodeJSON(res.Output)
		rec.Status, rec.Output = statusSucceeded, &out
	case res.Error.Name == "States.Timeout" && e.lastType == "ExecutionTimedOut":
		rec.Status, rec.Error, rec.Cause = statusTimedOut, res.Error.Name, res.Error.Cause
	default:
		rec.Status, rec.Error, rec.Cause = statusFailed, res.Error.Name, res.Error.Cause
	}
	e.mu.Unlock()
	if err := s.store(context.WithoutCancel(ctx), e, rec); err != nil {
		s.log.Error("local Step Functions: store execution result; it runs again at the next start", "execution", e.arn, "error", err)
		return
	}
	switch rec.Status {
	case statusSucceeded:
		s.succeeded.Add(1)
	case statusTimedOut:
		s.timedOut.Add(1)
	default:
		s.failed.Add(1)
	}
}

// finishAborted stores e as ABORTED, with an ExecutionAborted event after
// the events so far.
func (s *Service) finishAborted(e *execution) {
	e.mu.Lock()
	details := map[string]any{}
	if e.stopErr.Name != "" {
		details["error"] = e.stopErr.Name
	}
	if e.stopErr.Cause != "" {
		details["cause"] = e.stopErr.Cause
	}
	now := s.clock.Now()
	ev, err := wireEvent(asl.Event{ID: e.lastID + 1, PreviousID: e.lastID, Timestamp: now, Type: "ExecutionAborted",
		DetailsField: "executionAbortedEventDetails", Details: details})
	if err == nil {
		e.pending = append(e.pending, ev)
		e.lastID++
	}
	rec := e.rec
	rec.Checkpoint = nil
	rec.Status, rec.Stop, rec.Error, rec.Cause = statusAborted, now, e.stopErr.Name, e.stopErr.Cause
	e.mu.Unlock()
	if err := s.store(context.WithoutCancel(s.baseCtx), e, rec); err != nil {
		s.log.Error("local Step Functions: store aborted execution", "execution", e.arn, "error", err)
		return
	}
	s.aborted.Add(1)
}

// onEvent returns e's event hook: events wait in memory for the next
// commit.
func (e *execution) onEvent(s *Service) func(asl.Event) error {
	return func(ev asl.Event) error {
		se, err := wireEvent(ev)
		if err != nil {
			return err
		}
		if strings.HasSuffix(ev.Type, "StateEntered") {
			s.transitions.Add(1)
		}
		e.mu.Lock()
		e.pending = append(e.pending, se)
		e.lastID, e.lastType = ev.ID, ev.Type
		if !pureEvent(ev.Type) {
			e.effects = true
		}
		e.mu.Unlock()
		return nil
	}
}

// checkpoint commits e's pending events and cp, unless nothing since the
// last commit needs it: before a Pass, Choice, Succeed or Fail state that
// follows only such states, the checkpoint stays in memory (a restart
// resumes at the last stored one and runs those states again, with the same
// result). It saves a commit, and its fsync, per such transition.
func (s *Service) checkpoint(ctx context.Context, e *execution, cp asl.Checkpoint) error {
	e.mu.Lock()
	if !e.effects && !effectful[cp.Type] {
		e.mu.Unlock()
		return nil
	}
	rec := e.rec
	rec.Checkpoint = toCheckpointRec(cp)
	e.mu.Unlock()
	return s.store(ctx, e, rec)
}

// store commits e's pending events and rec, and makes rec e's record.
func (s *Service) store(ctx context.Context, e *execution, rec execRec) error {
	e.mu.Lock()
	events := e.pending
	rec.LastEventID = e.lastID
	e.mu.Unlock()
	err := s.commits.Update(ctx, func(tx *bolt.Tx) error {
		if err := putEvents(tx, e.arn, events); err != nil {
			return err
		}
		return putJSON(tx, bucketExecutions, e.arn, rec)
	})
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.rec = rec
	e.pending = e.pending[len(events):]
	e.effects = false
	e.mu.Unlock()
	return nil
}

// stop asks a running execution to stop and waits until it has.
func (e *execution) stop(errName, cause string) {
	e.mu.Lock()
	if e.stopErr == nil {
		e.stopErr = &asl.Error{Name: errName, Cause: cause}
	}
	e.mu.Unlock()
	e.cancel(errStopped)
	<-e.done
}

// pendingEvents is a copy of the events not yet stored.
func (e *execution) pendingEvents() []storedEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]storedEvent(nil), e.pending...)
}

// Task tokens name their execution, so that a token of a task that has
// ended can be told from one that never existed: base64url of the
// execution ARN, a space and 16 random bytes in hex.
func newTaskToken(arn string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s %x", arn, b))
}

// tokenExecution is the execution ARN a token was issued for ("" when it
// is not one of ours).
func tokenExecution(token string) string {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return ""
	}
	arn, _, ok := strings.Cut(string(raw), " ")
	if !ok || !strings.HasPrefix(arn, "arn:") {
		return ""
	}
	return arn
}

const (
	statusRunning   = "RUNNING"
	statusSucceeded = "SUCCEEDED"
	statusFailed    = "FAILED"
	statusTimedOut  = "TIMED_OUT"
	statusAborted   = "ABORTED"
)
