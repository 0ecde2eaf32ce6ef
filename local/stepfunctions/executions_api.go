package stepfunctions

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/shopgraph/shopgraph/local/stepfunctions/asl"
)

type startExecutionInput struct {
	StateMachineArn string  `json:"stateMachineArn"`
	Name            string  `json:"name"`
	Input           *string `json:"input"`
	TraceHeader     string  `json:"traceHeader"`
}

// startExecution starts an execution. The same name with the same input
// while it runs returns the same execution (StartExecution is idempotent);
// a different input, or a name whose execution has ended, is
// ExecutionAlreadyExists.
func (s *Service) startExecution(ctx context.Context, body []byte) (any, error) {
	var in startExecutionInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Name == "" {
		in.Name = uuid.NewString()
	}
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	input := "{}"
	if in.Input != nil {
		input = *in.Input
	}
	if len(input) > maxInput {
		return nil, clientErr("ValidationException",
			"1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to %d (it has %d)", maxInput, len(input))
	}
	if _, err := asl.DecodeJSON([]byte(input)); err != nil {
		return nil, clientErr("InvalidExecutionInput", "Invalid State Machine Execution Input: 'the input is not valid JSON: %s'", err.Error())
	}
	m, _, err := s.machine(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	var def *asl.Definition
	if err := s.bolt.View(func(tx *bolt.Tx) error {
		var err error
		def, err = s.definition(tx, m.DefHash)
		return err
	}); err != nil {
		return nil, err
	}
	arn := s.arnPrefix("execution") + m.Name + ":" + in.Name
	rec := execRec{ARN: arn, Name: in.Name, MachineARN: m.ARN, MachineName: m.Name, DefHash: m.DefHash, RoleARN: m.RoleARN,
		Status: statusRunning, Input: input, Start: s.clock.Now()}
	var existing *execRec
	err = s.commits.Update(ctx, func(tx *bolt.Tx) error {
		var err error
		if existing, err = getJSON[execRec](tx, bucketExecutions, arn); err != nil || existing != nil {
			return err
		}
		return putJSON(tx, bucketExecutions, arn, rec)
	})
	if err != nil {
		return nil, err
	}
	if existing != nil {
		if existing.Status == statusRunning && existing.Input == input {
			return map[string]any{"executionArn": arn, "startDate": epoch(existing.Start)}, nil
		}
		return nil, clientErr("ExecutionAlreadyExists", "Execution Already Exists: '%s'", arn)
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if !closed { // else it starts at the next Open
		s.started.Add(1)
		s.launch(rec, def, nil)
	}
	return map[string]any{"executionArn": arn, "startDate": epoch(rec.Start)}, nil
}

type executionARNInput struct {
	ExecutionArn string `json:"executionArn"`
}

// execution reads a stored execution.
func (s *Service) execution(arn string) (*execRec, error) {
	if err := checkExecutionARN(arn); err != nil {
		return nil, err
	}
	var rec *execRec
	if err := s.bolt.View(func(tx *bolt.Tx) error {
		var err error
		rec, err = getJSON[execRec](tx, bucketExecutions, arn)
		return err
	}); err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, clientErr("ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", arn)
	}
	return rec, nil
}

func (s *Service) describeExecution(_ context.Context, body []byte) (any, error) {
	var in executionARNInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	rec, err := s.execution(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	out := executionSummary(rec)
	out["input"] = rec.Input
	out["inputDetails"] = map[string]any{"included": true}
	out["redriveCount"] = 0
	out["redriveStatus"] = "NOT_REDRIVABLE"
	if rec.Output != nil {
		out["output"] = *rec.Output
		out["outputDetails"] = map[string]any{"included": true}
	}
	if rec.Error != "" {
		out["error"] = rec.Error
	}
	if rec.Cause != "" {
		out["cause"] = rec.Cause
	}
	return out, nil
}

func executionSummary(rec *execRec) map[string]any {
	out := map[string]any{"executionArn": rec.ARN, "stateMachineArn": rec.MachineARN, "name": rec.Name, "status": rec.Status,
		"startDate": epoch(rec.Start)}
	if !rec.Stop.IsZero() {
		out["stopDate"] = epoch(rec.Stop)
	}
	return out
}

type listExecutionsInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	StatusFilter    string `json:"statusFilter"`
	MaxResults      int    `json:"maxResults"`
	NextToken       string `json:"nextToken"`
}

// listExecutions lists a state machine's executions, newest first.
func (s *Service) listExecutions(_ context.Context, body []byte) (any, error) {
	var in listExecutionsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit, err := pageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	switch in.StatusFilter {
	case "", statusRunning, statusSucceeded, statusFailed, statusTimedOut, statusAborted:
	default:
		return nil, clientErr("ValidationException", "1 validation error detected: Value '%s' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]", in.StatusFilter)
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	m, _, err := s.machine(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	var recs []*execRec
	prefix := []byte(s.arnPrefix("execution") + m.Name + ":")
	err = s.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketExecutions).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var rec execRec
			if err := json.Unmarshal(v, &rec); err != nil {
				return err
			}
			if in.StatusFilter == "" || rec.Status == in.StatusFilter {
				recs = append(recs, &rec)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Newest first; the token is the last listed execution's sort key.
	sortKey := func(r *execRec) string { return fmt.Sprintf("%020d %s", -r.Start.UnixNano()+1<<62, r.ARN) }
	keys := make(map[*execRec]string, len(recs))
	for _, r := range recs {
		keys[r] = sortKey(r)
	}
	sort.Slice(recs, func(i, j int) bool { return keys[recs[i]] < keys[recs[j]] })
	list := []any{}
	next := ""
	for i, r := range recs {
		if after != "" && keys[r] <= after {
			continue
		}
		if len(list) == limit {
			next = encodeToken(keys[recs[i-1]])
			break
		}
		list = append(list, executionSummary(r))
	}
	out := map[string]any{"executions": list}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

type historyInput struct {
	ExecutionArn string `json:"executionArn"`
	MaxResults   int    `json:"maxResults"`
	NextToken    string `json:"nextToken"`
	ReverseOrder bool   `json:"reverseOrder"`
}

// getExecutionHistory pages through an execution's events (AWS's types,
// ids and details), including those of a running execution not yet
// committed.
func (s *Service) getExecutionHistory(_ context.Context, body []byte) (any, error) {
	var in historyInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit, err := pageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	tok, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	from := int64(0)
	if tok != "" {
		if from, err = strconv.ParseInt(tok, 10, 64); err != nil || from < 1 {
			return nil, clientErr("InvalidToken", "Invalid Token: 'The nextToken is not one this service issued'")
		}
	}
	if _, err := s.execution(in.ExecutionArn); err != nil {
		return nil, err
	}
	var events []storedEvent
	var pending []storedEvent
	s.mu.Lock()
	if e := s.runs[in.ExecutionArn]; e != nil {
		pending = e.pendingEvents()
	}
	s.mu.Unlock()
	prefix := historyPrefix(in.ExecutionArn)
	err = s.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketHistory).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			id := int64(binary.BigEndian.Uint64(k[len(prefix):]))
			events = append(events, storedEvent{id: id, json: bytes.Clone(v)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, p := range pending {
		if len(events) == 0 || p.id > events[len(events)-1].id {
			events = append(events, p)
		}
	}
	if in.ReverseOrder {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
	}
	start := 0
	if from > 0 {
		start = len(events)
		for i, e := range events {
			if e.id == from {
				start = i
				break
			}
		}
	}
	page := events[start:]
	next := ""
	if len(page) > limit {
		next = encodeToken(strconv.FormatInt(page[limit].id, 10))
		page = page[:limit]
	}
	list := make([]json.RawMessage, len(page))
	for i, e := range page {
		list[i] = e.json
	}
	out := map[string]any{"events": list}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

type stopInput struct {
	ExecutionArn string `json:"executionArn"`
	Error        string `json:"error"`
	Cause        string `json:"cause"`
}

// stopExecution aborts a running execution; for one that has ended it
// changes nothing.
func (s *Service) stopExecution(_ context.Context, body []byte) (any, error) {
	var in stopInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if _, err := s.execution(in.ExecutionArn); err != nil {
		return nil, err
	}
	s.mu.Lock()
	e := s.runs[in.ExecutionArn]
	s.mu.Unlock()
	if e != nil {
		e.stop(in.Error, in.Cause)
	}
	rec, err := s.execution(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	stop := rec.Stop
	if stop.IsZero() {
		stop = s.clock.Now()
	}
	return map[string]any{"stopDate": epoch(stop)}, nil
}

type sendTaskInput struct {
	TaskToken string  `json:"taskToken"`
	Output    *string `json:"output"`
	Error     string  `json:"error"`
	Cause     string  `json:"cause"`
}

// callbackTask finds the task waiting for token: InvalidToken for a token
// never issued, TaskTimedOut for one whose task has ended.
func (s *Service) callbackTask(token string) (*waiter, error) {
	if token == "" || len(token) > 2048 {
		return nil, clientErr("InvalidToken", "Invalid Token: 'a task token has 1 to 2048 characters'")
	}
	if w := s.waiterFor(token); w != nil {
		return w, nil
	}
	if tokenExecution(token) == "" {
		return nil, clientErr("InvalidToken", "Invalid Token: '%s'", token)
	}
	return nil, clientErr("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
}

func (s *Service) sendTaskSuccess(_ context.Context, body []byte) (any, error) {
	var in sendTaskInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.Output == nil {
		return nil, clientErr("ValidationException", "1 validation error detected: Value null at 'output' failed to satisfy constraint: Member must not be null")
	}
	if len(*in.Output) > maxInput {
		return nil, clientErr("ValidationException", "1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to %d", maxInput)
	}
	out, err := asl.DecodeJSON([]byte(*in.Output))
	if err != nil {
		return nil, clientErr("InvalidOutput", "Invalid Output: 'the output is not valid JSON: %s'", err.Error())
	}
	w, err := s.callbackTask(in.TaskToken)
	if err != nil {
		return nil, err
	}
	if !w.complete(taskResult{output: out}) {
		return nil, clientErr("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
	}
	return map[string]any{}, nil
}

func (s *Service) sendTaskFailure(_ context.Context, body []byte) (any, error) {
	var in sendTaskInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.Error) > 256 || len(in.Cause) > 32768 {
		return nil, clientErr("ValidationException", "1 validation error detected: the error has at most 256 characters and the cause 32768")
	}
	w, err := s.callbackTask(in.TaskToken)
	if err != nil {
		return nil, err
	}
	if !w.complete(taskResult{err: &asl.Error{Name: in.Error, Cause: in.Cause}}) {
		return nil, clientErr("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
	}
	return map[string]any{}, nil
}

func (s *Service) sendTaskHeartbeat(_ context.Context, body []byte) (any, error) {
	var in sendTaskInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	w, err := s.callbackTask(in.TaskToken)
	if err != nil {
		return nil, err
	}
	w.beat()
	return map[string]any{}, nil
}
