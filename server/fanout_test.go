package server_test

import (
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/internal/redistest"
)

// TestFanout_acrossInstances: two instances on one DynamoDB and one real
// Redis (SHOPGRAPH_REDIS_URL): an SNS notification posted to instance A
// reaches a subscriber connected to instance B, and an order placed on B
// (its workflow's event is published on B) reaches a subscriber on A; each
// once.
func TestFanout_acrossInstances(t *testing.T) {
	rs := redistest.Start(t)
	target := dynamotest.Embedded(t)
	signer := newSNSSigner(t)
	events := app.EventsConfig{RedisURL: rs.URL, SNSTopicARNs: []string{testTopic}, SNSTrustedCertHosts: []string{signer.host}, SNSHTTPClient: signer.client}
	a := apptest.New(t, apptest.Options{Products: 5, Target: &target, Events: events})
	b := apptest.New(t, apptest.Options{Products: 5, Target: &target, SkipSeed: true, Events: events})
	urlA, urlB := rtServer(t, a), rtServer(t, b)

	subscribe := func(url string, inst *apptest.App) *rtClient {
		t.Helper()
		return subscribeRT(t, url, inst.Token(t, "admin", shopgraph.TokenUseID), "all", `subscription { onOrderStatusChanged { orderId status version } }`, nil)
	}
	onA, onB := subscribe(urlA, a), subscribe(urlB, b)

	// An SNS notification to A reaches B's (and A's own) subscriber.
	msg := `{"orderId":"ord_fanout","customerId":"cust-x","status":"SHIPPED","previousStatus":"CONFIRMED","reason":"","occurredAt":"2026-12-03T10:00:00.000Z","version":3}`
	base := "http" + strings.TrimSuffix(strings.TrimPrefix(urlA, "ws"), "/graphql/realtime")
	postSNS(t, base, signer.notification(t, "m-fan-1", msg))
	for name, cl := range map[string]*rtClient{"B": onB, "A": onA} {
		if ev := eventOf(t, cl.want("data", "all")); ev.OrderID != "ord_fanout" || ev.Version != 3 {
			t.Fatalf("subscriber on %s got %+v", name, ev)
		}
	}

	// An order placed on B: its CONFIRMED event, published by B's workflow,
	// reaches A.
	p := b.Catalog.Products[0]
	setStock(t, b, p, 3)
	o := orderOf(t, b.Do(t, placeOrder, map[string]any{"in": orderInput("fanout", p, 1)}), "placeOrder")
	for name, cl := range map[string]*rtClient{"A": onA, "B": onB} {
		if ev := eventOf(t, cl.want("data", "all")); ev.OrderID != o.ID || ev.Status != "CONFIRMED" {
			t.Fatalf("subscriber on %s got %+v, want %s CONFIRMED", name, ev, o.ID)
		}
	}
}
