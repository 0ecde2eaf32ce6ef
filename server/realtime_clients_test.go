package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/internal/testenv"
)

// The real-time clients' drivers (test/realtime/*.mjs, installed with their
// pinned npm packages into .cache/realtime by scripts/deps/realtime.sh) are
// run against the app served over TLS, as a local app would reach it
// (Amplify v6 always uses wss://).

// rcTimeout bounds one driver (its own bound is rcScriptTimeout).
const (
	rcScriptTimeout = 15 * time.Second
	rcTimeout       = rcScriptTimeout + 15*time.Second
)

// rcResult is a driver's JSON line (test/realtime/common.mjs).
type rcResult struct {
	OK                bool      `json:"ok"`
	Error             string    `json:"error"`
	Client            string    `json:"client"`
	OrderID           string    `json:"orderId"`
	Events            []rcEvent `json:"events"`
	UserPoolError     string    `json:"userPoolError"`
	SubscriptionError string    `json:"subscriptionError"`
	Refusal           *struct {
		Errored  bool              `json:"errored"`
		Error    string            `json:"error"`
		StartID  string            `json:"startId"`
		Socket   int               `json:"socket"`
		AuthKeys []string          `json:"authKeys"`
		Frame    *rcFrame          `json:"frame"`
		Data     []json.RawMessage `json:"data"`
	} `json:"refusal"`
	Sockets             []rcSocket      `json:"sockets"`
	Steps               json.RawMessage `json:"steps"`
	PolyfilledWebSocket bool            `json:"polyfilledWebSocket"`
	MS                  int             `json:"ms"`
}

type rcEvent struct {
	T              int    `json:"t"`
	Via            string `json:"via"`
	OrderID        string `json:"orderId"`
	Status         string `json:"status"`
	PreviousStatus string `json:"previousStatus"`
	Version        int    `json:"version"`
}

type rcSocket struct {
	N        int      `json:"n"`
	URL      string   `json:"url"`
	Offered  []string `json:"offered"`
	Protocol string   `json:"protocol"`
	Opened   *int     `json:"opened"`
	Closed   *struct {
		T      int    `json:"t"`
		Code   int    `json:"code"`
		Reason string `json:"reason"`
		By     string `json:"by"`
	} `json:"closed"`
	Frames []rcFrame `json:"frames"`
	Error  string    `json:"error"`
}

type rcFrame struct {
	Dir      string          `json:"dir"`
	Type     string          `json:"type"`
	ID       string          `json:"id"`
	T        int             `json:"t"`
	Payload  json.RawMessage `json:"payload"`
	AuthKeys []string        `json:"authKeys"`
}

// rcHandshake is a WebSocket upgrade as the server received it.
type rcHandshake struct {
	Path      string
	RawQuery  string
	Protocols []string
	// Carrier is where the connection's auth came from: "header-
	// subprotocol", "query parameters" or "none" (graphql-transport-ws
	// authenticates in connection_init).
	Carrier string
	// Header is the decoded auth header JSON (header- or header=).
	Header map[string]any
	// Payload is the payload query parameter, raw.
	Payload string
}

// rcRecorder records every WebSocket upgrade the app receives.
type rcRecorder struct {
	mu   sync.Mutex
	list []rcHandshake
}

func (rec *rcRecorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			hs := rcHandshake{Path: r.URL.Path, RawQuery: r.URL.RawQuery, Carrier: "none"}
			for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
				for p := range strings.SplitSeq(v, ",") {
					hs.Protocols = append(hs.Protocols, strings.TrimSpace(p))
				}
			}
			var raw []byte
			for _, p := range hs.Protocols {
				if enc, ok := strings.CutPrefix(p, "header-"); ok {
					hs.Carrier = "header- subprotocol"
					raw, _ = base64.RawURLEncoding.DecodeString(enc)
				}
			}
			if hs.Carrier == "none" {
				for part := range strings.SplitSeq(r.URL.RawQuery, "&") {
					k, v, _ := strings.Cut(part, "=")
					switch k {
					case "header":
						hs.Carrier = "query parameters"
						raw, _ = base64.StdEncoding.DecodeString(strings.ReplaceAll(v, " ", "+"))
					case "payload":
						hs.Payload = v
					}
				}
			}
			if raw != nil {
				_ = json.Unmarshal(raw, &hs.Header)
			}
			rec.mu.Lock()
			rec.list = append(rec.list, hs)
			rec.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

func (rec *rcRecorder) handshakes() []rcHandshake {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.list)
}

// realtimeClientsDir is .cache/realtime, or the test skips (fails with
// CI=true) when the clients are not installed.
func realtimeClientsDir(t *testing.T) string {
	t.Helper()
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, ".cache", "realtime")
	for _, p := range []string{"aws-amplify", "@apollo/client", "aws-appsync-auth-link", "aws-appsync-subscription-link", "aws-appsync-subscription-link-4.0.0", "graphql-ws", "ws"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", p, "package.json")); err != nil {
			testenv.Missing(t, fmt.Sprintf("the real-time clients are not installed (%s is missing from .cache/realtime): run `make test-deps`", p))
		}
	}
	for _, s := range []string{"amplify.mjs", "apollo.mjs", "graphql-ws.mjs", "common.mjs"} {
		if _, err := os.Stat(filepath.Join(dir, s)); err != nil {
			t.Fatalf("%s is not in .cache/realtime: run `make test-deps` (scripts/deps/realtime.sh copies test/realtime/*.mjs)", s)
		}
	}
	return dir
}

// rcEnv is one client's app, served over TLS with its upgrades recorded.
type rcEnv struct {
	rec      *rcRecorder
	endpoint string // https://127.0.0.1:PORT/graphql
	caFile   string // the server's certificate, for NODE_EXTRA_CA_CERTS
	idToken  string
	access   string
	order    map[string]any
}

// The simulated warehouse ships a confirmed order after rcShipDelay and
// delivers it rcDeliverDelay later: long enough for the Amplify driver's
// API-key start to be answered between CONFIRMED and SHIPPED.
const (
	rcShipDelay    = 1500 * time.Millisecond
	rcDeliverDelay = time.Second
)

func newRCEnv(t *testing.T, key string) *rcEnv {
	t.Helper()
	a := apptest.New(t, apptest.Options{Products: 5, Orders: app.OrdersConfig{ShipDelay: rcShipDelay, DeliverDelay: rcDeliverDelay}})
	p := a.Catalog.Products[0]
	setStock(t, a, p, 10)
	rec := &rcRecorder{}
	srv := httptest.NewTLSServer(rec.wrap(a.Handler))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &rcEnv{
		rec: rec, endpoint: srv.URL + "/graphql", caFile: ca,
		idToken: a.Token(t, "alice", shopgraph.TokenUseID), access: a.Token(t, "alice", shopgraph.TokenUseAccess),
		order: orderInput(key, p, 1),
	}
}

// run runs a driver with the environment's endpoint, tokens and order, plus
// extra, and decodes its JSON line.
func (e *rcEnv) run(t *testing.T, dir, script string, extra map[string]any) rcResult {
	t.Helper()
	cfg := map[string]any{
		"endpoint": e.endpoint, "idToken": e.idToken, "accessToken": e.access, "apiKey": auth.DevAPIKey,
		"order": e.order, "timeoutMs": rcScriptTimeout.Milliseconds(),
		"eventsWithinMs": (rcShipDelay + rcDeliverDelay + 6*time.Second).Milliseconds(),
	}
	for k, v := range extra {
		cfg[k] = v
	}
	arg, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), rcTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script, string(arg))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+e.caFile)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v (after %s)\nstdout: %s\nstderr: %s", script, err, time.Since(start).Round(time.Millisecond), out, stderr.String())
	}
	var res rcResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s printed %q: %v\nstderr: %s", script, out, err, stderr.String())
	}
	t.Logf("%s: %s, %d ms in the driver, %s with node start-up; global WebSocket polyfilled with ws: %v",
		script, res.Client, res.MS, time.Since(start).Round(time.Millisecond), res.PolyfilledWebSocket)
	return res
}

// trace is the result's steps and socket trace, for failure messages.
func (r rcResult) trace() string {
	b, _ := json.MarshalIndent(struct {
		Steps   json.RawMessage `json:"steps"`
		Sockets []rcSocket      `json:"sockets"`
	}{r.Steps, r.Sockets}, "", "  ")
	return string(b)
}

// wantOrderEvents: the driver placed an order and its subscription received
// CONFIRMED (after PENDING), SHIPPED and DELIVERED, in that order, once
// each.
func wantOrderEvents(t *testing.T, res rcResult, via string) {
	t.Helper()
	if res.OrderID == "" {
		t.Errorf("no order was placed: %s\n%s", res.Error, res.trace())
		return
	}
	var got []string
	for _, ev := range res.Events {
		if ev.OrderID == res.OrderID && (via == "" || ev.Via == via) {
			got = append(got, fmt.Sprintf("%s<-%s v%d", ev.Status, ev.PreviousStatus, ev.Version))
		}
	}
	want := []string{"CONFIRMED<-PENDING v2", "SHIPPED<-CONFIRMED v3", "DELIVERED<-SHIPPED v4"}
	if !slices.Equal(got, want) {
		t.Errorf("events of order %s: got %v, want %v (driver: ok=%v %s)\n%s", res.OrderID, got, want, res.OK, res.Error, res.trace())
	}
}

// wantHandshake: every real-time upgrade used the carrier (and, for the
// AppSync protocol, offered graphql-ws and carried the token and host).
func wantHandshake(t *testing.T, e *rcEnv, path, carrier, token string) []rcHandshake {
	t.Helper()
	hs := e.rec.handshakes()
	if len(hs) == 0 {
		t.Errorf("no WebSocket upgrade reached the server")
	}
	for _, h := range hs {
		keys := slices.Sorted(maps.Keys(h.Header))
		t.Logf("upgrade: GET %s, query %q, protocols %v; auth from %s, header JSON keys %v",
			h.Path, elideAuth(h.RawQuery), elideProtocols(h.Protocols), h.Carrier, keys)
		if h.Path != path || h.Carrier != carrier {
			t.Errorf("upgrade %s?%s with protocols %v: carrier %q, want %q on %s", h.Path, h.RawQuery, h.Protocols, h.Carrier, carrier, path)
			continue
		}
		if carrier == "none" {
			continue
		}
		if !slices.Contains(h.Protocols, "graphql-ws") {
			t.Errorf("upgrade offered %v, not graphql-ws", h.Protocols)
		}
		if h.Header["Authorization"] != token {
			t.Errorf("the %s header JSON's Authorization is not the user's token: %v", carrier, h.Header)
		}
		if host, _ := h.Header["host"].(string); host != strings.TrimPrefix(strings.TrimSuffix(e.endpoint, "/graphql"), "https://") {
			t.Errorf("the %s header JSON's host is %q, want the GraphQL endpoint's host", carrier, host)
		}
	}
	return hs
}

// TestRealtimeClients runs each real client's driver against the app over
// TLS: it subscribes with user-pool auth, places an order, and receives
// CONFIRMED (after PENDING), SHIPPED and DELIVERED in order. Each subtest
// has its own app; they run in parallel.
func TestRealtimeClients(t *testing.T) {
	dir := realtimeClientsDir(t)

	// aws-amplify v6: over wss:// with the header- subprotocol.
	t.Run("amplify", func(t *testing.T) {
		t.Parallel()
		e := newRCEnv(t, "rc-amplify")
		res := e.run(t, dir, "amplify.mjs", nil)
		wantOrderEvents(t, res, "userPool")
		if res.UserPoolError != "" {
			t.Errorf("the user-pool subscription errored: %s", res.UserPoolError)
		}
		for _, s := range res.Sockets {
			if !strings.HasPrefix(s.URL, "wss://") || !strings.HasSuffix(s.URL, "/graphql/realtime") {
				t.Errorf("Amplify opened %s, want wss://…/graphql/realtime", s.URL)
			}
		}
		wantHandshake(t, e, "/graphql/realtime", "header- subprotocol", e.access)
		wantOneSocket(t, res, "the Amplify subscription")
	})

	// aws-amplify v6: on the user-pool subscription's socket, an API-key
	// subscription to the order is refused with an authorization error
	// while the user-pool one keeps receiving (SHIPPED and DELIVERED come
	// after the refusal).
	t.Run("amplify-apikey-refused", func(t *testing.T) {
		t.Parallel()
		e := newRCEnv(t, "rc-amplify-refusal")
		res := e.run(t, dir, "amplify.mjs", map[string]any{"apiKeyRefusal": true})
		r := res.Refusal
		switch {
		case r == nil:
			t.Fatalf("the API-key subscription was never started: %s\n%s", res.Error, res.trace())
		case !r.Errored || len(r.Data) > 0:
			t.Errorf("the API-key subscription was not refused (data %s)", r.Data)
		case r.Frame == nil:
			t.Errorf("no error frame answered the API-key start %q\n%s", r.StartID, res.trace())
		default:
			var p struct {
				Errors []struct{ ErrorType, Message string } `json:"errors"`
			}
			if err := json.Unmarshal(r.Frame.Payload, &p); err != nil || len(p.Errors) == 0 || p.Errors[0].ErrorType == "" ||
				!strings.Contains(p.Errors[0].Message, "Not Authorized to access onOrderStatusChanged") {
				t.Errorf("the API-key start's error frame: %s, want an authorization error (errorType, Not Authorized to access onOrderStatusChanged …)", r.Frame.Payload)
			} else {
				t.Logf("the API-key start was refused with errorType %q: %s", p.Errors[0].ErrorType, p.Errors[0].Message)
			}
			if !slices.Contains(r.AuthKeys, "x-api-key") {
				t.Errorf("the API-key start carried %v, not x-api-key", r.AuthKeys)
			}
			if !strings.Contains(r.Error, "Not Authorized to access onOrderStatusChanged") {
				t.Errorf("Amplify reported the refusal as %q", r.Error)
			}
		}
		if r.Socket != 0 {
			t.Errorf("the API-key start went on socket %d, not the user-pool subscription's socket 0", r.Socket)
		}
		// Amplify 6.22.1 (@aws-amplify/api-graphql 4.10.1) closes its socket
		// itself on an error frame whose errors is an array and errors[0].errorType
		// is Unauthorized, UnauthorizedException or NotAuthorizedException (or
		// whose message holds "Token expired"): AWSWebSocketProvider
		// _handleIncomingSubscriptionMessage, "Auth error - reconnecting". It
		// reconnects RECONNECT_DELAY (5 s) later and starts the user-pool
		// subscription again on a new socket; what was published meanwhile is
		// lost.
		if s := res.Sockets; len(s) > 0 && s[0].Closed != nil && s[0].Closed.By == "client" && s[0].Closed.Reason == "Auth error - reconnecting" {
			var errorType string
			if r.Frame != nil {
				var p struct {
					Errors []struct{ ErrorType string } `json:"errors"`
				}
				if json.Unmarshal(r.Frame.Payload, &p) == nil && len(p.Errors) > 0 {
					errorType = p.Errors[0].ErrorType
				}
			}
			t.Errorf("Amplify closed the user-pool subscription's socket at %d ms with 1000 %q because the API-key start's error frame has errors[0].errorType %q, "+
				"one of Amplify's AUTH_ERROR_TYPES (it reconnects 5 s later, so the events published meanwhile never reach the user-pool subscription): "+
				"Amplify keeps the socket only when a refused start's errors[0].errorType is none of Unauthorized, UnauthorizedException and NotAuthorizedException "+
				"(and its message holds no \"Token expired\"), or when errors is not an array",
				s[0].Closed.T, s[0].Closed.Reason, errorType)
		} else {
			wantOneSocket(t, res, "the user-pool subscription, across the API-key refusal,")
		}
		wantOrderEvents(t, res, "userPool")
	})

	// Apollo Client 4 with the AppSync links: 4.0.3 connects with the
	// header- subprotocol, 4.0.0 with the header/payload query parameters.
	for _, c := range []struct{ name, link, carrier string }{
		{"apollo-subscription-link-4.0.3", "aws-appsync-subscription-link", "header- subprotocol"},
		{"apollo-subscription-link-4.0.0", "aws-appsync-subscription-link-4.0.0", "query parameters"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newRCEnv(t, "rc-"+c.name)
			res := e.run(t, dir, "apollo.mjs", map[string]any{"link": c.link})
			if res.SubscriptionError != "" {
				t.Errorf("the subscription errored: %s", res.SubscriptionError)
			}
			wantOrderEvents(t, res, "userPool")
			for _, h := range wantHandshake(t, e, "/graphql/realtime", c.carrier, e.idToken) {
				switch c.carrier {
				case "query parameters":
					if h.Payload != "e30=" || !slices.Equal(h.Protocols, []string{"graphql-ws"}) {
						t.Errorf("query-parameter handshake: payload=%q, protocols %v; want e30= and [graphql-ws]", h.Payload, h.Protocols)
					}
				case "header- subprotocol":
					if strings.Contains(h.RawQuery, "header=") || len(h.Protocols) != 2 {
						t.Errorf("header- handshake: query %q, protocols %v", h.RawQuery, h.Protocols)
					}
				}
			}
			wantOneSocket(t, res, "the Apollo subscription")
		})
	}

	// graphql-ws (graphql-transport-ws) on /graphql, authenticated by
	// connectionParams.
	t.Run("graphql-ws", func(t *testing.T) {
		t.Parallel()
		e := newRCEnv(t, "rc-graphql-ws")
		res := e.run(t, dir, "graphql-ws.mjs", nil)
		if res.SubscriptionError != "" {
			t.Errorf("the subscription errored: %s", res.SubscriptionError)
		}
		wantOrderEvents(t, res, "userPool")
		for _, h := range wantHandshake(t, e, "/graphql", "none", "") {
			if !slices.Equal(h.Protocols, []string{"graphql-transport-ws"}) {
				t.Errorf("graphql-ws offered %v", h.Protocols)
			}
		}
		for _, s := range res.Sockets {
			if s.Protocol != "graphql-transport-ws" {
				t.Errorf("socket %d: selected subprotocol %q", s.N, s.Protocol)
			}
		}
		wantOneSocket(t, res, "the graphql-ws subscription")
	})
}

// wantOneSocket: the client opened one socket, which the server selected a
// subprotocol on and which stayed open until the driver was done.
func wantOneSocket(t *testing.T, res rcResult, who string) {
	t.Helper()
	if len(res.Sockets) == 1 && res.Sockets[0].Closed == nil && res.Sockets[0].Opened != nil {
		return
	}
	var what []string
	for _, s := range res.Sockets {
		c := "open at the end"
		if s.Closed != nil {
			c = fmt.Sprintf("closed at %d ms by the %s with %d %q", s.Closed.T, s.Closed.By, s.Closed.Code, s.Closed.Reason)
		}
		what = append(what, fmt.Sprintf("socket %d (opened at %v ms): %s", s.N, deref(s.Opened), c))
	}
	t.Errorf("%s did not keep one socket: %s", who, strings.Join(what, "; "))
}

// elideAuth shortens the header query parameter's value for logs.
func elideAuth(q string) string {
	var parts []string
	for part := range strings.SplitSeq(q, "&") {
		if k, v, ok := strings.Cut(part, "="); ok && k == "header" && len(v) > 12 {
			part = k + "=" + v[:12] + "…"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, "&")
}

func elideProtocols(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		if len(p) > 19 && strings.HasPrefix(p, "header-") {
			p = p[:19] + "…"
		}
		out[i] = p
	}
	return out
}

func deref(p *int) any {
	if p == nil {
		return "never"
	}
	return *p
}
