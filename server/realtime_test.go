package server_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/local/userpool"
	"github.com/shopgraph/shopgraph/server"
)

// rtClient is a test client of the AppSync real-time protocol.
type rtClient struct {
	t    *testing.T
	conn *websocket.Conn
}

// rtFrame is a message the server sent.
type rtFrame struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Payload struct {
		Data                json.RawMessage `json:"data"`
		Errors              []rtError       `json:"errors"`
		ConnectionTimeoutMs int             `json:"connectionTimeoutMs"`
	} `json:"payload"`
}

type rtError struct {
	ErrorType string `json:"errorType"`
	Message   string `json:"message"`
	ErrorCode int    `json:"errorCode"`
}

// rtServer serves the app over real HTTP (WebSockets need a connection).
func rtServer(t *testing.T, a *apptest.App) string {
	t.Helper()
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/graphql/realtime"
}

// headerProtocol is the header- subprotocol carrying headers.
func headerProtocol(headers map[string]string) string {
	raw, _ := json.Marshal(headers)
	return "header-" + base64.RawURLEncoding.EncodeToString(raw)
}

func dialRT(t *testing.T, url string, protocols []string, header http.Header) (*rtClient, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: protocols, HTTPHeader: header})
	if err != nil {
		return nil, resp, err
	}
	conn.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = conn.CloseNow() })
	return &rtClient{t: t, conn: conn}, resp, nil
}

// subscribeRT opens a connection authorized by token's header- subprotocol,
// initializes it and starts subscription id, acknowledged.
func subscribeRT(t *testing.T, url, token, id, query string, vars map[string]any) *rtClient {
	t.Helper()
	cl, _, err := dialRT(t, url, []string{"graphql-ws", headerProtocol(userAuth(token))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cl.init()
	cl.start(id, query, vars, nil)
	cl.want("start_ack", id)
	return cl
}

func (c *rtClient) send(v any) {
	c.t.Helper()
	b, _ := json.Marshal(v)
	if err := c.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// next reads the next message other than ka.
func (c *rtClient) next() rtFrame {
	c.t.Helper()
	for {
		f, err := c.read(15 * time.Second)
		if err != nil {
			c.t.Fatalf("read: %v", err)
		}
		if f.Type != "ka" {
			return f
		}
	}
}

func (c *rtClient) read(within time.Duration) (rtFrame, error) {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		return rtFrame{}, err
	}
	var f rtFrame
	if err := json.Unmarshal(b, &f); err != nil {
		c.t.Fatalf("server sent %s: %v", b, err)
	}
	return f, nil
}

func (c *rtClient) want(typ, id string) rtFrame {
	c.t.Helper()
	f := c.next()
	if f.Type != typ || f.ID != id {
		c.t.Fatalf("got %+v, want %s for %q", f, typ, id)
	}
	return f
}

func (c *rtClient) init() {
	c.t.Helper()
	c.send(map[string]string{"type": "connection_init"})
	if f := c.want("connection_ack", ""); f.Payload.ConnectionTimeoutMs != 300000 {
		c.t.Fatalf("connectionTimeoutMs %d", f.Payload.ConnectionTimeoutMs)
	}
}

const onOrderStatus = `subscription S($orderId: ID, $after: Int) { onOrderStatusChanged(orderId: $orderId, afterVersion: $after) { orderId customerId status previousStatus version occurredAt } }`

// start sends a start for the query with variables, authorized by auth
// (nil: the connection's credentials).
func (c *rtClient) start(id, query string, vars map[string]any, auth map[string]string) {
	data, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	payload := map[string]any{"data": string(data)}
	if auth != nil {
		payload["extensions"] = map[string]any{"authorization": auth}
	}
	c.send(map[string]any{"id": id, "type": "start", "payload": payload})
}

type rtEvent struct {
	OrderID, CustomerID, Status, PreviousStatus, OccurredAt string
	Version                                                 int
}

func eventOf(t *testing.T, f rtFrame) rtEvent {
	t.Helper()
	var d struct{ OnOrderStatusChanged *rtEvent }
	if err := json.Unmarshal(f.Payload.Data, &d); err != nil || d.OnOrderStatusChanged == nil {
		t.Fatalf("data frame %s: %v", f.Payload.Data, err)
	}
	return *d.OnOrderStatusChanged
}

func userAuth(token string) map[string]string {
	return map[string]string{"Authorization": token, "host": "api.example.test"}
}

// TestRealtime_handshakes: every connection-auth carrier (the header-
// subprotocol, the header query parameter with '+' arriving as a space,
// plain upgrade headers) connects; graphql-ws is selected and the header-
// entry never echoed. An order placed after subscribing is delivered in
// order: CONFIRMED after PENDING, version 2.
func TestRealtime_handshakes(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 10})
	url := rtServer(t, a)
	alice := a.Token(t, "alice", shopgraph.TokenUseID)
	p := a.Catalog.Products[0]
	setStock(t, a, p, 10)

	// A header JSON whose standard base64 has a '+' in it.
	plusHeaders := map[string]string{"Authorization": alice, "host": "api.example.test"}
	var query string
	for pad := 0; ; pad++ {
		plusHeaders["x-pad"] = strings.Repeat("~", pad)
		raw, _ := json.Marshal(plusHeaders)
		enc := base64.StdEncoding.EncodeToString(raw)
		if strings.Contains(enc, "+") {
			query = "?header=" + strings.ReplaceAll(enc, "+", " ") + "&payload=e30="
			query = strings.ReplaceAll(query, " ", "%20")
			break
		}
	}
	for i, c := range []struct {
		name      string
		url       string
		protocols []string
		header    http.Header
	}{
		{"header- subprotocol", url, []string{"graphql-ws", headerProtocol(userAuth(alice))}, nil},
		{"query parameters", url + query, []string{"graphql-ws"}, nil},
		{"upgrade headers", url, []string{"graphql-ws"}, http.Header{"Authorization": {alice}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl, resp, err := dialRT(t, c.url, c.protocols, c.header)
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != "graphql-ws" {
				t.Fatalf("selected subprotocol %q, want graphql-ws alone", got)
			}
			cl.init()
			cl.start("s1", onOrderStatus, map[string]any{}, nil)
			cl.want("start_ack", "s1")
			o := orderOf(t, a.DoWith(t, map[string]string{"Authorization": alice}, placeOrder,
				map[string]any{"in": orderInput(fmt.Sprintf("rt-%d", i), p, 1)}), "placeOrder")
			ev := eventOf(t, cl.want("data", "s1"))
			if ev.OrderID != o.ID || ev.Status != "CONFIRMED" || ev.PreviousStatus != "PENDING" || ev.Version != 2 || ev.OccurredAt == "" {
				t.Fatalf("event %+v", ev)
			}
			cl.send(map[string]string{"type": "stop", "id": "s1"})
			cl.want("complete", "s1")
		})
	}
}

// TestRealtime_refusals: a connection without the graphql-ws subprotocol
// or with bad credentials gets AppSync's connection_error; a plain GET is
// a 400. The server keeps serving after each.
func TestRealtime_refusals(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	url := rtServer(t, a)
	alice := a.Token(t, "alice", shopgraph.TokenUseID)

	cl, _, err := dialRT(t, url, nil, http.Header{"Authorization": {alice}})
	if err != nil {
		t.Fatal(err)
	}
	if f := cl.next(); f.Type != "connection_error" || len(f.Payload.Errors) != 1 || f.Payload.Errors[0].Message != "NoProtocolError" || f.Payload.Errors[0].ErrorCode != 400 {
		t.Fatalf("no subprotocol: %+v", f)
	}
	for _, auth := range []map[string]string{{"Authorization": "not-a-jwt"}, {"x-api-key": "sgk_nope.nope"}, {"host": "api.example.test"}} {
		cl, _, err := dialRT(t, url, []string{"graphql-ws", headerProtocol(auth)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		f := cl.next()
		if f.Type != "connection_error" || len(f.Payload.Errors) != 1 || !strings.Contains(f.Payload.Errors[0].ErrorType, "UnauthorizedException") {
			t.Fatalf("bad credentials %v: %+v", auth, f)
		}
	}
	cl, _, err = dialRT(t, url, []string{"graphql-ws", "header-!!!"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := cl.next(); f.Type != "connection_error" || f.Payload.Errors[0].ErrorType != "BadRequestException" {
		t.Fatalf("undecodable header- subprotocol: %+v", f)
	}
	resp, err := http.Get("http" + strings.TrimPrefix(url, "ws"))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("a plain GET of /graphql/realtime: %d", resp.StatusCode)
	}
	// Still serving.
	ok, _, err := dialRT(t, url, []string{"graphql-ws", headerProtocol(userAuth(alice))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ok.init()
}

// TestRealtime_startAuthorization: each start is authorized on its own
// credentials: on one socket an API-key start is refused (Unauthorized)
// while the user-pool one keeps working; a customer cannot subscribe to
// another customer's order, nor filter on another customer; an event of
// another order is not delivered to a filtered subscription.
func TestRealtime_startAuthorization(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 10})
	url := rtServer(t, a)
	alice, bob := a.Token(t, "alice", shopgraph.TokenUseID), a.Token(t, "bob", shopgraph.TokenUseID)
	p := a.Catalog.Products[1]
	setStock(t, a, p, 10)
	aliceH, bobH := map[string]string{"Authorization": alice}, map[string]string{"Authorization": bob}
	first := orderOf(t, a.DoWith(t, aliceH, placeOrder, map[string]any{"in": orderInput("auth-1", p, 1)}), "placeOrder")
	awaitOrder(t, a, aliceH, first.ID, "CONFIRMED")

	cl, _, err := dialRT(t, url, []string{"graphql-ws", headerProtocol(userAuth(alice))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cl.init()
	cl.start("key", onOrderStatus, map[string]any{"orderId": first.ID}, map[string]string{"x-api-key": "sgk_0000000000000000.Mt4a8N3JxvZGnqLATbNrLxg89DryYcCd0Y_232UTZxI", "host": "api.example.test"})
	if f := cl.want("error", "key"); len(f.Payload.Errors) != 1 || f.Payload.Errors[0].ErrorType != "Forbidden" ||
		f.Payload.Errors[0].Message != "Not Authorized to access onOrderStatusChanged on type Subscription" {
		t.Fatalf("API-key start: %+v", f)
	}
	cl.start("bob", onOrderStatus, map[string]any{"orderId": first.ID}, userAuth(bob))
	if f := cl.want("error", "bob"); len(f.Payload.Errors) != 1 || f.Payload.Errors[0].ErrorType != "Forbidden" ||
		!strings.Contains(f.Payload.Errors[0].Message, "only to their own orders") {
		t.Fatalf("bob on alice's order: %+v", f)
	}
	cl.start("bob-customer", `subscription { onOrderStatusChanged(customerId: "someone-else") { orderId } }`, nil, nil)
	if f := cl.want("error", "bob-customer"); f.Payload.Errors[0].ErrorType != "Forbidden" {
		t.Fatalf("another customer's filter: %+v", f)
	}

	// alice filters on the first order; the second's events are not for
	// that subscription.
	cl.start("mine", onOrderStatus, map[string]any{"orderId": first.ID}, userAuth(alice))
	cl.want("start_ack", "mine")
	second := orderOf(t, a.DoWith(t, aliceH, placeOrder, map[string]any{"in": orderInput("auth-2", p, 1)}), "placeOrder")
	awaitOrder(t, a, aliceH, second.ID, "CONFIRMED")
	wantNoErrors(t, a.DoWith(t, aliceH, cancelOrder, map[string]any{"id": first.ID}))
	if ev := eventOf(t, cl.want("data", "mine")); ev.OrderID != first.ID || ev.Status != "CANCELLED" {
		t.Fatalf("filtered subscription got %+v", ev)
	}
	// bob's own subscription on his own socket sees none of alice's.
	bc, _, err := dialRT(t, url, []string{"graphql-ws", headerProtocol(userAuth(bob))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	bc.init()
	bc.start("all", onOrderStatus, map[string]any{}, nil)
	bc.want("start_ack", "all")
	third := orderOf(t, a.DoWith(t, bobH, placeOrder, map[string]any{"in": orderInput("auth-3", p, 1)}), "placeOrder")
	if ev := eventOf(t, bc.want("data", "all")); ev.OrderID != third.ID {
		t.Fatalf("bob got %+v, want only his own order %s", ev, third.ID)
	}
}

// TestRealtime_protocolErrors: malformed frames, unknown types, a start
// before connection_init, a duplicate id, a query instead of a
// subscription and Apollo's start shape each get an error, and the
// connection keeps working.
func TestRealtime_protocolErrors(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	url := rtServer(t, a)
	alice := a.Token(t, "alice", shopgraph.TokenUseID)
	cl, _, err := dialRT(t, url, []string{"graphql-ws", headerProtocol(userAuth(alice))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cl.start("early", onOrderStatus, nil, nil)
	if f := cl.want("error", "early"); f.Payload.Errors[0].ErrorType != "BadRequestException" {
		t.Fatalf("start before init: %+v", f)
	}
	cl.init()
	if err := cl.conn.Write(context.Background(), websocket.MessageText, []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	if f := cl.want("error", ""); f.Payload.Errors[0].ErrorType != "BadRequestException" {
		t.Fatalf("malformed frame: %+v", f)
	}
	cl.send(map[string]string{"type": "subscribe", "id": "x"})
	if f := cl.want("error", "x"); f.Payload.Errors[0].ErrorType != "UnsupportedOperation" {
		t.Fatalf("unknown type: %+v", f)
	}
	cl.send(map[string]any{"type": "start", "id": "apollo", "payload": map[string]any{"query": "subscription { x }"}})
	if f := cl.want("error", "apollo"); f.Payload.Errors[0].ErrorType != "UnsupportedOperation" {
		t.Fatalf("Apollo-shaped start: %+v", f)
	}
	cl.start("q", `{ warehouses { code } }`, nil, nil)
	if f := cl.want("error", "q"); f.Payload.Errors[0].ErrorType != "UnsupportedOperation" {
		t.Fatalf("a query over realtime: %+v", f)
	}
	cl.start("bad", `subscription { onOrderStatusChanged { nope } }`, nil, nil)
	if f := cl.want("error", "bad"); len(f.Payload.Errors) == 0 || !strings.Contains(f.Payload.Errors[0].Message, "nope") {
		t.Fatalf("an invalid document: %+v", f)
	}
	cl.start("a", onOrderStatus, map[string]any{}, nil)
	cl.want("start_ack", "a")
	cl.start("a", onOrderStatus, map[string]any{}, nil)
	if f := cl.want("error", "a"); f.Payload.Errors[0].ErrorType != "BadRequestException" {
		t.Fatalf("duplicate id: %+v", f)
	}
	cl.send(map[string]string{"type": "stop", "id": "a"})
	cl.want("complete", "a")
}

// TestRealtime_limits: the 101st subscription is MaxSubscriptionsReachedError;
// a connection that never sends connection_init is closed; keep-alives
// arrive; a token that expires ends its subscription with
// UnauthorizedException; an event over the payload limit is an error, not
// a silent drop.
func TestRealtime_limits(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5, Server: server.Config{Realtime: server.RealtimeConfig{
		InitTimeout: 300 * time.Millisecond, KeepAlive: 100 * time.Millisecond, MaxSubscriptions: 3, MaxPayloadBytes: 120,
	}}})
	url := rtServer(t, a)
	alice := a.Token(t, "alice", shopgraph.TokenUseID)

	idle, _, err := dialRT(t, url, []string{"graphql-ws", headerProtocol(userAuth(alice))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f, err := idle.read(5 * time.Second); err != nil || f.Type != "error" || f.Payload.Errors[0].ErrorType != "ConnectionTimeout" {
		t.Fatalf("no connection_init: %+v %v", f, err)
	}
	if _, err := idle.read(5 * time.Second); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Fatalf("no connection_init: the connection was not closed (%v)", err)
	}

	cl, _, err := dialRT(t, url, []string{"graphql-ws", headerProtocol(userAuth(alice))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cl.init()
	if f, err := cl.read(5 * time.Second); err != nil || f.Type != "ka" {
		t.Fatalf("keep-alive: %+v %v", f, err)
	}
	for i := range 3 {
		cl.start(fmt.Sprint(i), onOrderStatus, map[string]any{}, nil)
		cl.want("start_ack", fmt.Sprint(i))
	}
	cl.start("3", onOrderStatus, map[string]any{}, nil)
	if f := cl.want("error", "3"); f.Payload.Errors[0].ErrorType != "MaxSubscriptionsReachedError" {
		t.Fatalf("4th subscription of 3: %+v", f)
	}
	p := a.Catalog.Products[0]
	setStock(t, a, p, 5)
	orderOf(t, a.DoWith(t, map[string]string{"Authorization": alice}, placeOrder, map[string]any{"in": orderInput("big", p, 1)}), "placeOrder")
	for range 3 {
		if f := cl.next(); f.Type != "error" || f.Payload.Errors[0].ErrorType != "LimitExceeded" {
			t.Fatalf("an event over the payload limit: %+v", f)
		}
	}

	u, _ := userpool.DevUser("alice")
	short, err := a.Issuer.Mint(u, shopgraph.TokenUseID, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	cl.send(map[string]string{"type": "stop", "id": "0"})
	cl.want("complete", "0")
	cl.start("short", `subscription { onOrderStatusChanged { orderId } }`, nil, userAuth(short))
	cl.want("start_ack", "short")
	if f := cl.next(); f.Type != "error" || f.ID != "short" || f.Payload.Errors[0].ErrorType != "UnauthorizedException" {
		t.Fatalf("expired token: %+v", f)
	}
}

// TestRealtime_replay: afterVersion replays the order's later changes from
// its history, then live ones, with no duplicate and no gap.
func TestRealtime_replay(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	url := rtServer(t, a)
	alice := a.Token(t, "alice", shopgraph.TokenUseID)
	aliceH := map[string]string{"Authorization": alice}
	wanda := map[string]string{"Authorization": a.Token(t, "wanda", shopgraph.TokenUseID)}
	p := a.Catalog.Products[2]
	setStock(t, a, p, 5)
	o := orderOf(t, a.DoWith(t, aliceH, placeOrder, map[string]any{"in": orderInput("replay", p, 1)}), "placeOrder")
	awaitOrder(t, a, aliceH, o.ID, "CONFIRMED")
	retryConflict(t, a, wanda, shipOrder, o.ID)
	awaitOrder(t, a, aliceH, o.ID, "SHIPPED")

	cl, _, err := dialRT(t, url, []string{"graphql-ws", headerProtocol(userAuth(alice))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cl.init()
	cl.start("r", onOrderStatus, map[string]any{"orderId": o.ID, "after": 1}, nil)
	cl.want("start_ack", "r")
	for _, want := range []string{"CONFIRMED", "SHIPPED"} {
		if ev := eventOf(t, cl.want("data", "r")); ev.Status != want {
			t.Fatalf("replayed %+v, want %s", ev, want)
		}
	}
	retryConflict(t, a, wanda, `mutation($id: ID!) { markOrderDelivered(orderId: $id) { id } }`, o.ID)
	if ev := eventOf(t, cl.want("data", "r")); ev.Status != "DELIVERED" || ev.Version != 4 {
		t.Fatalf("live after replay: %+v", ev)
	}
	cl.start("nobad", onOrderStatus, map[string]any{"after": 1}, nil)
	if f := cl.want("error", "nobad"); f.Payload.Errors[0].ErrorType != "BadRequest" {
		t.Fatalf("afterVersion without orderId: %+v", f)
	}
}

// TestRealtime_outlivesReadTimeout: the HTTP server's read timeout bounds
// requests, not WebSocket connections: a subscription keeps receiving
// keep-alives well past it.
func TestRealtime_outlivesReadTimeout(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 1, Server: server.Config{Realtime: server.RealtimeConfig{KeepAlive: 50 * time.Millisecond}}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- server.Serve(ctx, ln, a.Handler, server.ServeOptions{ReadTimeout: 200 * time.Millisecond, ShutdownTimeout: time.Second})
	}()
	t.Cleanup(func() { cancel(); <-done })
	cl, _, err := dialRT(t, "ws://"+ln.Addr().String()+"/graphql/realtime", []string{"graphql-ws", headerProtocol(userAuth(a.Token(t, "alice", shopgraph.TokenUseID)))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cl.init()
	for deadline := time.Now().Add(800 * time.Millisecond); time.Now().Before(deadline); {
		if f, err := cl.read(2 * time.Second); err != nil || f.Type != "ka" {
			t.Fatalf("after %s: %+v %v", time.Until(deadline), f, err)
		}
	}
}

// TestGraphQLWS: the graphql-ws protocol (graphql-transport-ws) on
// /graphql: connection_init's payload authenticates with the HTTP code (a
// bad token is refused), and a subscription receives its order's events.
func TestGraphQLWS(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	url := strings.TrimSuffix(rtServer(t, a), "/realtime")
	alice := a.Token(t, "alice", shopgraph.TokenUseID)
	p := a.Catalog.Products[0]
	setStock(t, a, p, 5)

	bad, _, err := dialRT(t, url, []string{"graphql-transport-ws"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	bad.send(map[string]any{"type": "connection_init", "payload": map[string]string{"Authorization": "nope"}})
	if _, err := bad.read(5 * time.Second); websocket.CloseStatus(err) != 4403 {
		t.Fatalf("a bad token: %v, want the connection closed with 4403 Forbidden", err)
	}

	cl, resp, err := dialRT(t, url, []string{"graphql-transport-ws"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Sec-WebSocket-Protocol") != "graphql-transport-ws" {
		t.Fatalf("subprotocol %q", resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	cl.send(map[string]any{"type": "connection_init", "payload": map[string]string{"Authorization": alice}})
	cl.want("connection_ack", "")
	cl.send(map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{"query": onOrderStatus, "variables": map[string]any{}}})
	o := orderOf(t, a.DoWith(t, map[string]string{"Authorization": alice}, placeOrder, map[string]any{"in": orderInput("gws", p, 1)}), "placeOrder")
	for {
		f := cl.next()
		if f.Type == "ping" || f.Type == "pong" {
			continue
		}
		if f.Type != "next" || f.ID != "1" {
			t.Fatalf("got %+v, want next for 1", f)
		}
		if ev := eventOf(t, f); ev.OrderID != o.ID || ev.Status != "CONFIRMED" {
			t.Fatalf("event %+v", ev)
		}
		break
	}
	cl.send(map[string]any{"type": "complete", "id": "1"})
}

// TestRealtime_slowSubscriber: a subscriber that stops reading is cut off
// (its subscription ends with an error once its buffers fill) and never
// holds up another subscriber, who receives every event. The publisher
// goes at the pace of the subscriber who reads, as a live stream would
// (one faster than any subscriber can take cuts them all off: that is the
// hub's bound, tested in events/).
func TestRealtime_slowSubscriber(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 1})
	url := rtServer(t, a)
	admin := a.Token(t, "admin", shopgraph.TokenUseID)
	open := func(id string) *rtClient {
		cl, _, err := dialRT(t, url, []string{"graphql-ws", headerProtocol(userAuth(admin))}, nil)
		if err != nil {
			t.Fatal(err)
		}
		cl.init()
		cl.start(id, `subscription { onOrderStatusChanged { orderId version reason } }`, nil, nil)
		cl.want("start_ack", id)
		return cl
	}
	slow, fast := open("slow"), open("fast")
	const n = 3000
	reason := strings.Repeat("r", 4000) // 12 MB in all: more than the slow one's socket buffers hold
	var received atomic.Int64
	done := make(chan error, 1)
	go func() {
		for received.Load() < n {
			f, err := fast.read(30 * time.Second)
			if err != nil {
				done <- err
				return
			}
			if f.Type == "ka" { // a slow machine takes longer than the keep-alive interval
				continue
			}
			if f.Type != "data" {
				done <- fmt.Errorf("the reading subscriber got %+v", f)
				return
			}
			received.Add(1)
		}
		done <- nil
	}()
	for i := range n {
		for int64(i)-received.Load() > 64 { // keep within the reader's pace
			select {
			case err := <-done:
				t.Fatalf("after %d of %d events: %v", received.Load(), n, err)
			case <-time.After(time.Millisecond):
			}
		}
		ev := shopgraph.OrderEvent{OrderID: "ord_flood", CustomerID: "c", Status: shopgraph.OrderConfirmed,
			PreviousStatus: shopgraph.OrderPending, Reason: reason, OccurredAt: time.Now(), Version: i + 2}
		if err := a.Events.Publish(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("the reading subscriber, after %d of %d events: %v", received.Load(), n, err)
	}
	// The one that stopped reading finds, after what it was sent, the end
	// of its subscription.
	for {
		f, err := slow.read(10 * time.Second)
		if err != nil {
			t.Fatalf("the slow subscriber was never told its subscription ended: %v", err)
		}
		if f.Type == "error" && f.ID == "slow" && f.Payload.Errors[0].ErrorType == "SubscriptionEnded" {
			if msg := f.Payload.Errors[0].Message; !strings.Contains(msg, "fell too far behind") {
				t.Fatalf("the slow subscriber's end says %q, want that it fell behind", msg)
			}
			break
		}
	}
}

// TestRealtime_renderGroups: identical subscriptions of one caller share
// one execution (every member gets every event); other variables, another
// caller or a replay run on their own; a member that stops leaves, and the
// last one stops the group.
func TestRealtime_renderGroups(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 1})
	url := rtServer(t, a)
	admin, alice := a.Token(t, "admin", shopgraph.TokenUseID), a.Token(t, "alice", shopgraph.TokenUseID)
	aliceSub := userpool.DevUsers()[0].Sub
	open := func(token, id, query string, vars map[string]any) *rtClient {
		return subscribeRT(t, url, token, id, query, vars)
	}
	waitGroups := func(groups, members int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			g, m := a.Handler.RealtimeGroups()
			if g == groups && m == members {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d groups of %d subscriptions, want %d of %d", g, m, groups, members)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	all := `subscription { onOrderStatusChanged { orderId customerId status version } }`
	dash := []*rtClient{open(admin, "d0", all, nil), open(admin, "d1", all, nil), open(admin, "d2", all, nil)}
	waitGroups(1, 3)
	one := open(admin, "one", onOrderStatus, map[string]any{"orderId": nil}) // other document
	mine := open(alice, "mine", all, nil)                                    // other caller
	waitGroups(3, 5)
	for sample, want := range map[string]float64{"shopgraph_realtime_connections": 5, "shopgraph_realtime_groups": 3, "shopgraph_realtime_group_subscriptions": 5} {
		if got := scrape(t, a, sample); got != want {
			t.Errorf("%s = %v, want %v", sample, got, want)
		}
	}

	publish := func(customer string, version int) {
		t.Helper()
		ev := shopgraph.OrderEvent{OrderID: "ord_g", CustomerID: customer, Status: shopgraph.OrderConfirmed,
			PreviousStatus: shopgraph.OrderPending, OccurredAt: time.Now(), Version: version}
		if err := a.Events.Publish(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	publish(aliceSub, 2)
	publish("someone-else", 3)
	for i, cl := range dash {
		for _, v := range []int{2, 3} {
			if ev := eventOf(t, cl.want("data", "d"+strconv.Itoa(i))); ev.Version != v {
				t.Fatalf("dashboard %d got version %d, want %d", i, ev.Version, v)
			}
		}
	}
	for _, v := range []int{2, 3} {
		if ev := eventOf(t, one.want("data", "one")); ev.Version != v {
			t.Fatalf("the other document got version %d, want %d", ev.Version, v)
		}
	}
	if ev := eventOf(t, mine.want("data", "mine")); ev.Version != 2 || ev.CustomerID != aliceSub {
		t.Fatalf("alice got %+v, want only her own order's event", ev)
	}

	// A member that stops leaves; the others keep receiving.
	dash[0].send(map[string]string{"type": "stop", "id": "d0"})
	dash[0].want("complete", "d0")
	waitGroups(3, 4)
	publish("someone-else", 4)
	publish(aliceSub, 5)
	for i, cl := range dash[1:] {
		for _, v := range []int{4, 5} {
			if ev := eventOf(t, cl.want("data", "d"+strconv.Itoa(i+1))); ev.Version != v {
				t.Fatalf("dashboard %d got version %d after another left, want %d", i+1, ev.Version, v)
			}
		}
	}
	// Alice's next event is her own: the others' never reached her.
	if ev := eventOf(t, mine.want("data", "mine")); ev.Version != 5 {
		t.Fatalf("alice got %+v, want only her own order's events", ev)
	}
	// Closing the last members' sockets stops the group.
	for _, cl := range dash[1:] {
		_ = cl.conn.Close(websocket.StatusNormalClosure, "")
	}
	waitGroups(2, 2)
}

// TestRealtime_framesWithTheUpgrade: a client that sends its first frames
// in the same write as the upgrade request (before it has read the 101)
// has them read, in order: the connection's own small read buffer starts
// with what net/http had read ahead. A start bigger than that buffer, and
// an answer bigger than the write buffer, pass whole.
func TestRealtime_framesWithTheUpgrade(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 1})
	url := rtServer(t, a)
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/graphql/realtime")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(15 * time.Second))
	// A start whose query is long (an unknown field with a 3 KB name: the
	// error names it, so the answer is over 3 KB too).
	long := "x" + strings.Repeat("y", 3000)
	data, _ := json.Marshal(map[string]any{"query": "subscription { " + long + " }", "variables": map[string]any{}})
	start, _ := json.Marshal(map[string]any{"type": "start", "id": "s1", "payload": map[string]any{"data": string(data)}})
	req := "GET /graphql/realtime HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Protocol: graphql-ws, " + headerProtocol(userAuth(a.Token(t, "alice", shopgraph.TokenUseID))) + "\r\n\r\n"
	out := append([]byte(req), clientFrame([]byte(`{"type":"connection_init"}`))...)
	out = append(out, clientFrame(start)...)
	if _, err := conn.Write(out); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Protocol") != "graphql-ws" {
		t.Fatalf("upgrade answered %d, subprotocol %q", resp.StatusCode, resp.Header.Get("Sec-WebSocket-Protocol"))
	}
	var got []rtFrame
	for len(got) < 2 {
		b := serverFrame(t, br)
		var f rtFrame
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("server sent %.200s: %v", b, err)
		}
		if f.Type == "ka" {
			continue
		}
		if f.Type == "error" && len(b) < 3000 {
			t.Fatalf("the error for the long start is only %d bytes: %s", len(b), b)
		}
		got = append(got, f)
	}
	if got[0].Type != "connection_ack" || got[1].Type != "error" || got[1].ID != "s1" ||
		len(got[1].Payload.Errors) == 0 || !strings.Contains(got[1].Payload.Errors[0].Message, long) {
		t.Fatalf("frames %+v", got)
	}
}

// clientFrame is one masked text frame, as a client sends it.
func clientFrame(payload []byte) []byte {
	f := []byte{0x81}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n <= 0xffff:
		f = append(f, 0x80|126, byte(n>>8), byte(n))
	default:
		panic("frame too big for this test")
	}
	key := []byte{1, 2, 3, 4}
	f = append(f, key...)
	for i, b := range payload {
		f = append(f, b^key[i%4])
	}
	return f
}

// serverFrame reads one unmasked, unfragmented frame's payload.
func serverFrame(t *testing.T, r *bufio.Reader) []byte {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		t.Fatal(err)
	}
	if h[0] != 0x81 || h[1]&0x80 != 0 {
		t.Fatalf("frame header % x: want an unmasked final text frame", h)
	}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			t.Fatal(err)
		}
		n = int(l[0])<<8 | int(l[1])
	case 127:
		t.Fatal("unexpectedly long frame")
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRealtime_idleSubscriptionsHoldNoGoroutine: subscriptions that each
// select their own customer's events (a render group each) wait for
// events with no goroutine of their own: the hub pushes an event to its
// group, which renders it and writes it. What an idle connection holds is
// its reading goroutine only (it was three: that, the group's and the
// event watcher's).
func TestRealtime_idleSubscriptionsHoldNoGoroutine(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 1})
	url := rtServer(t, a)
	admin := a.Token(t, "admin", shopgraph.TokenUseID)
	const k = 30
	query := `subscription S($c: ID) { onOrderStatusChanged(customerId: $c) { orderId customerId version } }`
	settled := func() int {
		last, quiet := runtime.NumGoroutine(), time.Now()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && time.Since(quiet) < 200*time.Millisecond; {
			time.Sleep(10 * time.Millisecond)
			if n := runtime.NumGoroutine(); n != last {
				last, quiet = n, time.Now()
			}
		}
		return last
	}
	before := settled()
	clients := make([]*rtClient, k)
	for i := range clients {
		clients[i] = subscribeRT(t, url, admin, "s", query, map[string]any{"c": fmt.Sprintf("cust-%d", i)})
	}
	if g, m := a.Handler.RealtimeGroups(); g != k || m != k {
		t.Fatalf("%d groups of %d subscriptions, want %d of %d", g, m, k, k)
	}
	if grew := settled() - before; grew >= 2*k {
		t.Fatalf("%d idle subscriptions on %d connections hold %d goroutines, want about one a connection", k, k, grew)
	}
	for i := k - 1; i >= 0; i-- {
		ev := shopgraph.OrderEvent{OrderID: fmt.Sprintf("ord_%d", i), CustomerID: fmt.Sprintf("cust-%d", i), Status: shopgraph.OrderConfirmed,
			PreviousStatus: shopgraph.OrderPending, OccurredAt: time.Now(), Version: 2}
		if err := a.Events.Publish(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	for i, cl := range clients {
		if ev := eventOf(t, cl.want("data", "s")); ev.CustomerID != fmt.Sprintf("cust-%d", i) || ev.OrderID != fmt.Sprintf("ord_%d", i) {
			t.Fatalf("connection %d got %+v, want only its own customer's event", i, ev)
		}
	}
}

// TestRealtime_closedConnectionsAreFreed: a connection that closes leaves
// nothing behind (its keep-alive timer used to hold it, about 8 KB, until
// it next fired, 30 s on).
func TestRealtime_closedConnectionsAreFreed(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 1})
	url := rtServer(t, a)
	admin := a.Token(t, "admin", shopgraph.TokenUseID)
	query := `subscription S($c: ID) { onOrderStatusChanged(customerId: $c) { orderId version } }`
	round := func(k int) {
		conns := make([]*websocket.Conn, k)
		for i := range conns {
			conn, _, err := websocket.Dial(context.Background(), url, &websocket.DialOptions{Subprotocols: []string{"graphql-ws", headerProtocol(userAuth(admin))}})
			if err != nil {
				t.Fatal(err)
			}
			cl := &rtClient{t: t, conn: conn}
			cl.init()
			cl.start("s", query, map[string]any{"c": fmt.Sprintf("cust-%d", i)}, nil)
			cl.want("start_ack", "s")
			conns[i] = conn
		}
		for _, conn := range conns {
			_ = conn.Close(websocket.StatusNormalClosure, "")
		}
		deadline := time.Now().Add(5 * time.Second)
		for g, m := a.Handler.RealtimeGroups(); g+m > 0; g, m = a.Handler.RealtimeGroups() {
			if time.Now().After(deadline) {
				t.Fatalf("%d groups of %d subscriptions left after every connection closed", g, m)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	heap := func() int64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	round(20) // warm up (caches, pools)
	before := heap()
	const k = 300
	round(k)
	if per := (heap() - before) / k; per > 2<<10 {
		t.Fatalf("%d connections opened and closed left %d bytes each on the heap", k, per)
	}
}

// TestRealtime_writeTimeout: a client that stops reading while events
// keep coming is closed once a write has waited WriteTimeout (the socket's
// own deadline), before its queue of events would cut it off.
func TestRealtime_writeTimeout(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 1, Server: server.Config{Realtime: server.RealtimeConfig{WriteTimeout: 200 * time.Millisecond}}})
	url := rtServer(t, a)
	subscribeRT(t, url, a.Token(t, "admin", shopgraph.TokenUseID), "s", `subscription { onOrderStatusChanged { orderId version reason } }`, nil)
	if got := scrape(t, a, "shopgraph_realtime_connections"); got != 1 {
		t.Fatalf("%v connections open, want 1", got)
	}
	reason := strings.Repeat("r", 200<<10) // 60 events of 200 KB: more than the socket buffers hold, fewer than the queue's bound
	for i := range 60 {
		ev := shopgraph.OrderEvent{OrderID: "ord_w", CustomerID: "c", Status: shopgraph.OrderConfirmed,
			PreviousStatus: shopgraph.OrderPending, Reason: reason, OccurredAt: time.Now(), Version: i + 2}
		if err := a.Events.Publish(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for scrape(t, a, "shopgraph_realtime_connections") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the connection that stopped reading was not closed within 5 s of a 200 ms write timeout")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
