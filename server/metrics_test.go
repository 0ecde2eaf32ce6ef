package server_test

import (
	"context"
	"io"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/internal/apptest"
)

// scrape reads the handler's metrics and returns the value of the sample
// whose line matches name{labels} exactly (-1 when absent).
func scrape(t *testing.T, a *apptest.App, sample string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	a.Handler.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sample) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMetrics: operations are counted by type and outcome, errors by
// errorType, and the DynamoDB requests they made by operation; the search
// index's size and the real-time groups are gauges.
func TestMetrics(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 50})
	ok := `shopgraph_graphql_operations_total{outcome="ok",type="query"}`
	if v := scrape(t, a, ok); v > 0 {
		t.Fatalf("%s = %v before any query", ok, v)
	}
	for range 3 {
		wantNoErrors(t, a.Do(t, `{ search(query: "set", limit: 5) { items { name } } }`, nil))
	}
	a.Do(t, `{ search(query: "") { total } }`, nil) // BadRequest
	if err := a.Events.Publish(context.Background(), shopgraph.OrderEvent{OrderID: "ord_m", CustomerID: "c", Status: shopgraph.OrderConfirmed, Version: 2}); err != nil {
		t.Fatal(err)
	}
	for sample, want := range map[string]float64{
		ok: 3,
		`shopgraph_graphql_operations_total{outcome="error",type="query"}`: 1,
		`shopgraph_graphql_errors_total{error_type="BadRequest"}`:          1,
		`shopgraph_dynamodb_requests_total{operation="BatchGetItem"}`:      3,
		`shopgraph_graphql_operation_duration_seconds_count{type="query"}`: 4,
		`shopgraph_search_indexed_products`:                                50,
		`shopgraph_realtime_groups`:                                        0,
		`shopgraph_events_published_total`:                                 1,
		`shopgraph_events_subscriptions`:                                   0,
	} {
		if got := scrape(t, a, sample); got != want {
			t.Errorf("%s = %v, want %v", sample, got, want)
		}
	}
	if scrape(t, a, `go_goroutines`) <= 0 {
		t.Error("no Go runtime metrics")
	}
}
