package server_test

import (
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/internal/apptest"
	localddb "github.com/shopgraph/shopgraph/local/dynamodb"
	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
	"github.com/shopgraph/shopgraph/server"
)

// countInventoryBatches counts the inventory keys that reach DynamoDB in a
// BatchGetItem (through the embedded DynamoDB's unprocessed-items hook,
// which processes them all).
func countInventoryBatches(t *testing.T, a *apptest.App) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	t.Cleanup(a.Target.Faults.Add(localddb.Fault{Table: a.Target.Tables.Inventory, Unprocessed: func(int, attr.Item) bool {
		n.Add(1)
		return false
	}}))
	return &n
}

// TestDeadline_operationTimesOut: an operation still running at
// RequestTimeout stops (its DynamoDB requests are cancelled, nothing after
// them starts) and the client gets ExecutionTimeout, logged once as a
// warning, not as an internal error.
func TestDeadline_operationTimesOut(t *testing.T) {
	logs := &syncBuffer{}
	// Every DynamoDB request takes 300 ms; operations may take 100 ms.
	a := apptest.New(t, apptest.Options{Products: 20, RequestDelay: 300 * time.Millisecond, Server: server.Config{
		RequestTimeout: 100 * time.Millisecond,
		Logger:         slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}})
	inventory := countInventoryBatches(t, a)

	r := a.Do(t, `query($s: String!) { productBySku(sku: $s) { name inventory { available } } }`,
		map[string]any{"s": a.Catalog.Products[0].ProductID})
	wantError(t, r, http.StatusOK, "ExecutionTimeout", "did not finish within its time limit of 100ms")
	if r.Data["productBySku"] != nil {
		t.Errorf("productBySku = %v, want null", r.Data["productBySku"])
	}
	if r.Errors[0].Path == nil {
		t.Errorf("the timeout error has no path: %s", r.Raw)
	}
	if n := inventory.Load(); n != 0 {
		t.Errorf("%d inventory keys were read after the deadline", n)
	}
	out := logs.String()
	if strings.Contains(out, "level=ERROR") {
		t.Errorf("a timeout logged an error:\n%s", out)
	}
	if n := strings.Count(out, `msg="operation timed out"`); n != 1 {
		t.Errorf("the timeout was logged %d times, want once:\n%s", n, out)
	}

	// A page whose items fail one by one is still one error per field, all
	// ExecutionTimeout.
	r = a.Do(t, `query($c: String!) { a: products(category: $c, limit: 5) { items { sku } } b: products(category: $c, limit: 6) { items { sku } } }`,
		map[string]any{"c": a.Catalog.Products[0].Category})
	if len(r.Errors) != 2 {
		t.Fatalf("got %d errors, want 2: %s", len(r.Errors), r.Raw)
	}
	for _, e := range r.Errors {
		if e.ErrorType != "ExecutionTimeout" {
			t.Errorf("errorType %q, want ExecutionTimeout: %s", e.ErrorType, r.Raw)
		}
	}
}

// TestDeadline_defaultIsGenerous: with the default timeout the same slow
// DynamoDB answers (and the inventory counter of the tests above sees the
// inventory read).
func TestDeadline_defaultIsGenerous(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 20, RequestDelay: 150 * time.Millisecond})
	inventory := countInventoryBatches(t, a)
	wantNoErrors(t, a.Do(t, `query($s: String!) { productBySku(sku: $s) { name inventory { available } } }`,
		map[string]any{"s": a.Catalog.Products[0].ProductID}))
	if inventory.Load() == 0 {
		t.Error("the inventory read was not counted")
	}
}

// TestServe_disconnectStopsWork: a client that disconnects while its page
// waits on DynamoDB cancels the operation: the page's inventory is never
// read.
func TestServe_disconnectStopsWork(t *testing.T) {
	// Every DynamoDB request takes 300 ms: the page's Query, then its
	// inventory batch.
	a := apptest.New(t, apptest.Options{Products: 40, RequestDelay: 300 * time.Millisecond})
	inventory := countInventoryBatches(t, a)
	category := a.Catalog.Products[0].Category
	abandon(t, a, `{"query":"{ products(category: \"`+category+`\", limit: 20) { items { sku inventory { available } } } }"}`,
		100*time.Millisecond) // while the page's Query waits
	if n := inventory.Load(); n != 0 {
		t.Errorf("the abandoned page still read %d inventory keys", n)
	}
}
