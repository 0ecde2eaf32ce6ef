package dynamodb

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

// Fault is one injected failure. A request matches when Operation and Table
// match (empty matches any); faults are checked at the start of each
// request, after its operation and table names are parsed, in the order
// they were added.
type Fault struct {
	// Operation is "" for any, else an operation name such as "BatchGetItem".
	Operation string
	// Table is "" for any, else the requests touching this table.
	Table string
	// Error is "" for none, else one of "ThrottlingException",
	// "ProvisionedThroughputExceededException", "RequestLimitExceeded"
	// (HTTP 400 with that __type) or "InternalServerError" (HTTP 500). The
	// request then changes nothing.
	Error string
	// Unprocessed (BatchGetItem and BatchWriteItem only) is asked, for the
	// n-th request (0-based, in request order) for Table, whether to return
	// it in UnprocessedKeys/UnprocessedItems instead of processing it. key
	// is the item's key.
	Unprocessed func(n int, key attr.Item) bool
	// Delay is how long to wait before answering (the request's context
	// cuts it short).
	Delay time.Duration
	// Times is 0 for every matching request until removed, else the next
	// Times matching requests.
	Times int
}

// Faults holds the injected faults of a DB. It is safe for concurrent use.
type Faults struct {
	mu     sync.Mutex
	next   int
	faults []*faultEntry
}

type faultEntry struct {
	id    int
	fault Fault
	left  int // remaining uses; 0 = unlimited
}

// Add installs fault and returns a function removing it (safe to call more
// than once).
func (f *Faults) Add(fault Fault) (remove func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	e := &faultEntry{id: f.next, fault: fault, left: fault.Times}
	f.faults = append(f.faults, e)
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.remove(e.id)
	}
}

// Clear removes every fault.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
}

func (f *Faults) remove(id int) {
	for i, e := range f.faults {
		if e.id == id {
			f.faults = append(f.faults[:i:i], f.faults[i+1:]...)
			return
		}
	}
}

// unprocessedFunc decides which batch entries of one table are left
// unprocessed.
type unprocessedFunc func(n int, key attr.Item) bool

// match returns the faults applying to a request of op touching tables
// (consuming one use of each): the total delay, the first error, and the
// Unprocessed functions by table.
func (f *Faults) match(op string, tables []string) (delay time.Duration, errName string, unprocessed map[string][]unprocessedFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var spent []int
	for _, e := range f.faults {
		if e.fault.Operation != "" && e.fault.Operation != op {
			continue
		}
		table := e.fault.Table
		if table != "" && !contains(tables, table) {
			continue
		}
		if e.fault.Unprocessed != nil && op != "BatchGetItem" && op != "BatchWriteItem" &&
			e.fault.Error == "" && e.fault.Delay == 0 {
			continue // nothing to do for this operation
		}
		delay += e.fault.Delay
		if errName == "" {
			errName = e.fault.Error
		}
		if e.fault.Unprocessed != nil {
			if unprocessed == nil {
				unprocessed = map[string][]unprocessedFunc{}
			}
			targets := tables
			if table != "" {
				targets = []string{table}
			}
			for _, t := range targets {
				unprocessed[t] = append(unprocessed[t], e.fault.Unprocessed)
			}
		}
		if e.left > 0 {
			e.left--
			if e.left == 0 {
				spent = append(spent, e.id)
			}
		}
	}
	for _, id := range spent {
		f.remove(id)
	}
	return delay, errName, unprocessed
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkFaults applies the faults matching a request of op on tables: it
// waits out their delay (returning ctx's error if ctx ends first) and
// returns their error, or the Unprocessed functions for a batch.
func (db *DB) checkFaults(ctx context.Context, op string, tables ...string) (map[string][]unprocessedFunc, error) {
	delay, errName, unprocessed := db.faults.match(op, tables)
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
	}
	switch errName {
	case "":
		return unprocessed, nil
	case "InternalServerError":
		return nil, &apiError{status: http.StatusInternalServerError, typ: nsDynamo + "InternalServerError", msg: "Internal server error (injected fault)"}
	case "ThrottlingException":
		return nil, &apiError{status: http.StatusBadRequest, typ: "com.amazon.coral.availability#ThrottlingException", msg: "Rate of requests exceeds the allowed throughput (injected fault)"}
	case "ProvisionedThroughputExceededException":
		return nil, dynamoErr(errName, "The level of configured provisioned throughput for the table was exceeded (injected fault)")
	case "RequestLimitExceeded":
		return nil, dynamoErr(errName, "Throughput exceeds the current throughput limit for your account (injected fault)")
	default:
		return nil, dynamoErr(errName, "Injected fault")
	}
}
