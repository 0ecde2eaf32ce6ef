package server

import (
	"context"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph"
)

// metrics are the handler's Prometheus metrics, in a registry of their own
// (Go runtime and process collectors included), served by
// Handler.MetricsHandler.
type metrics struct {
	reg        *prometheus.Registry
	operations *prometheus.CounterVec   // by operation type and outcome
	duration   *prometheus.HistogramVec // by operation type
	errors     *prometheus.CounterVec   // by errorType
	dynamodb   *prometheus.CounterVec   // DynamoDB requests made by operations, by DynamoDB operation
}

func newMetrics(h *Handler) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shopgraph_graphql_operations_total",
			Help: "GraphQL operations (and subscription events) answered, by operation type and outcome (ok, or error when the response carries errors).",
		}, []string{"type", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "shopgraph_graphql_operation_duration_seconds",
			Help:    "Time from the start of a GraphQL operation to its response, by operation type (subscriptions: to each event's).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shopgraph_graphql_errors_total",
			Help: "GraphQL errors in responses, by AppSync errorType.",
		}, []string{"error_type"}),
		dynamodb: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shopgraph_dynamodb_requests_total",
			Help: "DynamoDB requests made while GraphQL operations ran, by DynamoDB operation.",
		}, []string{"operation"}),
	}
	m.reg.MustRegister(m.operations, m.duration, m.errors, m.dynamodb,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "shopgraph_realtime_connections",
			Help: "Open AppSync real-time WebSocket connections (/graphql/realtime).",
		}, func() float64 { return float64(h.rtConns.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "shopgraph_realtime_groups",
			Help: "Shared executions (render groups) of real-time subscriptions.",
		}, func() float64 { g, _ := h.rtGroups.stats(); return float64(g) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "shopgraph_realtime_group_subscriptions",
			Help: "Real-time subscriptions served by render groups.",
		}, func() float64 { _, s := h.rtGroups.stats(); return float64(s) }),
	)
	return m
}

// observe records one response of an operation of type op that started at
// start, with the DynamoDB requests counted for it since the last call.
func (m *metrics) observe(op *ast.OperationDefinition, start time.Time, resp *graphql.Response, byOp map[string]int) {
	typ := "unknown"
	if op != nil {
		typ = string(op.Operation)
	}
	outcome := "ok"
	if len(resp.Errors) > 0 {
		outcome = "error"
	}
	m.operations.WithLabelValues(typ, outcome).Inc()
	m.duration.WithLabelValues(typ).Observe(time.Since(start).Seconds())
	for _, e := range resp.Errors {
		et, _ := e.Extensions[extErrorType].(string)
		if et == "" {
			et = string(shopgraph.CodeInternal)
		}
		m.errors.WithLabelValues(et).Inc()
	}
	for name, n := range byOp {
		m.dynamodb.WithLabelValues(name).Add(float64(n))
	}
}

// around is the AroundResponses middleware that records every response.
func (m *metrics) around(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	var op *ast.OperationDefinition
	if graphql.HasOperationContext(ctx) {
		op = graphql.GetOperationContext(ctx).Operation
	}
	var byOp map[string]int
	if stats := shopgraph.RequestStatsFromContext(ctx); stats != nil && (op == nil || op.Operation != ast.Subscription) {
		_, byOp = stats.Snapshot() // a subscription's would add up again at every event
	}
	m.observe(op, start, resp, byOp)
	return resp
}

// MetricsHandler serves the Prometheus metrics (text exposition format).
// It is not on the API's mux: serve it on an address of its own
// (SHOPGRAPH_METRICS_ADDR), out of the clients' reach.
func (h *Handler) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(h.metrics.reg, promhttp.HandlerOpts{})
}

// Registry is where the application registers its own collectors (search
// index size, event hub), served with the handler's.
func (h *Handler) Registry() prometheus.Registerer { return h.metrics.reg }
