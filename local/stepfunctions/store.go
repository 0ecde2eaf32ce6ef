package stepfunctions

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopgraph/shopgraph/local/stepfunctions/asl"
)

var (
	bucketMachines    = []byte("machines")
	bucketDefinitions = []byte("definitions")
	bucketExecutions  = []byte("executions")
	bucketHistory     = []byte("history")
)

func createBuckets(tx *bolt.Tx) error {
	for _, b := range [][]byte{bucketMachines, bucketDefinitions, bucketExecutions, bucketHistory} {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	return nil
}

// machineRec is a stored state machine.
type machineRec struct {
	Name       string          `json:"name"`
	ARN        string          `json:"arn"`
	DefHash    string          `json:"definitionHash"`
	RoleARN    string          `json:"roleArn"`
	Type       string          `json:"type"`
	Created    time.Time       `json:"created"`
	Updated    time.Time       `json:"updated,omitzero"`
	RevisionID string          `json:"revisionId"`
	Logging    json.RawMessage `json:"logging,omitempty"`
	Tracing    json.RawMessage `json:"tracing,omitempty"`
	Comment    string          `json:"description,omitempty"`
}

// execRec is a stored execution.
type execRec struct {
	ARN         string         `json:"arn"`
	Name        string         `json:"name"`
	MachineARN  string         `json:"machineArn"`
	MachineName string         `json:"machineName"`
	DefHash     string         `json:"definitionHash"`
	RoleARN     string         `json:"roleArn"`
	Status      string         `json:"status"`
	Input       string         `json:"input"`
	Output      *string        `json:"output,omitempty"`
	Error       string         `json:"error,omitempty"`
	Cause       string         `json:"cause,omitempty"`
	Start       time.Time      `json:"start"`
	Stop        time.Time      `json:"stop,omitzero"`
	Checkpoint  *checkpointRec `json:"checkpoint,omitempty"`
	LastEventID int64          `json:"lastEventId"`
}

// checkpointRec is an asl.Checkpoint as stored.
type checkpointRec struct {
	State           string          `json:"state"`
	Input           json.RawMessage `json:"input"`
	Variables       json.RawMessage `json:"variables,omitempty"`
	Entered         time.Time       `json:"entered"`
	NextEventID     int64           `json:"nextEventId"`
	PreviousEventID int64           `json:"previousEventId"`
}

func toCheckpointRec(cp asl.Checkpoint) *checkpointRec {
	rec := &checkpointRec{State: cp.State, Input: json.RawMessage(asl.EncodeJSON(cp.Input)), Entered: cp.EnteredTime,
		NextEventID: cp.NextEventID, PreviousEventID: cp.PreviousEventID}
	if len(cp.Variables) > 0 {
		rec.Variables = json.RawMessage(asl.EncodeJSON(cp.Variables))
	}
	return rec
}

func (rec *checkpointRec) checkpoint() (*asl.Checkpoint, error) {
	input, err := asl.DecodeJSON(rec.Input)
	if err != nil {
		return nil, fmt.Errorf("checkpoint input: %w", err)
	}
	cp := &asl.Checkpoint{State: rec.State, Input: input, EnteredTime: rec.Entered, NextEventID: rec.NextEventID, PreviousEventID: rec.PreviousEventID}
	if len(rec.Variables) > 0 {
		v, err := asl.DecodeJSON(rec.Variables)
		if err != nil {
			return nil, fmt.Errorf("checkpoint variables: %w", err)
		}
		cp.Variables, _ = v.(map[string]any)
	}
	return cp, nil
}

func definitionHash(def string) string {
	sum := sha256.Sum256([]byte(def))
	return hex.EncodeToString(sum[:])
}

func getJSON[T any](tx *bolt.Tx, bucket []byte, key string) (*T, error) {
	raw := tx.Bucket(bucket).Get([]byte(key))
	if raw == nil {
		return nil, nil
	}
	v := new(T)
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("decode %s %q: %w", bucket, key, err)
	}
	return v, nil
}

func putJSON(tx *bolt.Tx, bucket []byte, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Bucket(bucket).Put([]byte(key), raw)
}

// historyKey is the key of event id of execution arn; historyPrefix the
// prefix of all its events.
func historyKey(arn string, id int64) []byte {
	k := historyPrefix(arn)
	return binary.BigEndian.AppendUint64(k, uint64(id))
}

func historyPrefix(arn string) []byte {
	return append([]byte(arn), 0)
}

// putEvents stores events (wire JSON, with ids) of execution arn.
func putEvents(tx *bolt.Tx, arn string, events []storedEvent) error {
	b := tx.Bucket(bucketHistory)
	for _, e := range events {
		if err := b.Put(historyKey(arn, e.id), e.json); err != nil {
			return err
		}
	}
	return nil
}

// dropEventsFrom deletes execution arn's events with id >= from.
func dropEventsFrom(tx *bolt.Tx, arn string, from int64) error {
	c := tx.Bucket(bucketHistory).Cursor()
	prefix := historyPrefix(arn)
	for k, _ := c.Seek(historyKey(arn, from)); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(historyKey(arn, from)) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// storedEvent is one history event in GetExecutionHistory's wire form.
type storedEvent struct {
	id   int64
	json []byte
}

// wireEvent encodes e as a GetExecutionHistory event.
func wireEvent(e asl.Event) (storedEvent, error) {
	m := map[string]any{"id": e.ID, "previousEventId": e.PreviousID, "timestamp": epoch(e.Timestamp), "type": e.Type}
	if e.DetailsField != "" && e.Details != nil {
		m[e.DetailsField] = e.Details
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return storedEvent{}, fmt.Errorf("encode %s event: %w", e.Type, err)
	}
	return storedEvent{id: e.ID, json: raw}, nil
}

// epoch is t as awsJson1_0 timestamps are sent: seconds since the epoch,
// with milliseconds.
func epoch(t time.Time) json.Number {
	return json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64))
}
