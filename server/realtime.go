package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/shopgraph/shopgraph"
)

// RealtimeConfig tunes the AppSync real-time transport at
// /graphql/realtime. Zero fields mean their defaults.
type RealtimeConfig struct {
	// InitTimeout closes a connection that sends no connection_init
	// (default 10 s).
	InitTimeout time.Duration
	// KeepAlive is how often a ka is sent (default 30 s; AppSync's
	// clients expect one at least every 60 s).
	KeepAlive time.Duration
	// ConnectionTimeout is connection_ack's connectionTimeoutMs: how long
	// a client waits without any message before it reconnects (default 5
	// minutes, as AppSync).
	ConnectionTimeout time.Duration
	// MaxSubscriptions per connection (default 100, as AppSync).
	MaxSubscriptions int
	// MaxPayloadBytes caps one data message's payload (default 240 KB, as
	// AppSync); a larger event is answered with an error for that
	// subscription, never dropped silently.
	MaxPayloadBytes int
	// MaxMessageBytes caps a message a client sends (default 256 KiB).
	MaxMessageBytes int64
	// WriteTimeout bounds the write of one frame (default 10 s): a client
	// that stops reading is closed then.
	WriteTimeout time.Duration
}

// Defaults of RealtimeConfig.
const (
	DefaultRealtimeInitTimeout       = 10 * time.Second
	DefaultRealtimeKeepAlive         = 30 * time.Second
	DefaultRealtimeConnectionTimeout = 5 * time.Minute
	DefaultRealtimeMaxSubscriptions  = 100
	DefaultRealtimeMaxPayloadBytes   = 240 << 10
	DefaultRealtimeMaxMessageBytes   = 256 << 10
	DefaultRealtimeWriteTimeout      = 10 * time.Second
)

func (c RealtimeConfig) withDefaults() RealtimeConfig {
	c.InitTimeout = orDuration(c.InitTimeout, DefaultRealtimeInitTimeout)
	c.KeepAlive = orDuration(c.KeepAlive, DefaultRealtimeKeepAlive)
	c.ConnectionTimeout = orDuration(c.ConnectionTimeout, DefaultRealtimeConnectionTimeout)
	c.WriteTimeout = orDuration(c.WriteTimeout, DefaultRealtimeWriteTimeout)
	if c.MaxSubscriptions <= 0 {
		c.MaxSubscriptions = DefaultRealtimeMaxSubscriptions
	}
	if c.MaxPayloadBytes <= 0 {
		c.MaxPayloadBytes = DefaultRealtimeMaxPayloadBytes
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = DefaultRealtimeMaxMessageBytes
	}
	return c
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// appsyncProtocol is the subprotocol AppSync's real-time clients offer and
// the server must select; authProtocolPrefix marks the auth subprotocol
// (never echoed).
const (
	appsyncProtocol     = "graphql-ws"
	authProtocolPrefix  = "header-"
	realtimeUnauthorize = "UnauthorizedException"
)

// realtimeTransport serves GraphQL subscriptions over AppSync's real-time
// WebSocket protocol (see ../shared/design/appsync.md §3): connection auth
// from the header- subprotocol, the header/payload query parameters or the
// upgrade's own headers; connection_init → connection_ack; start (each
// authorized on its own credentials, with the same code as HTTP) →
// start_ack, then data; stop → complete; ka; AppSync's error shapes.
type realtimeTransport struct {
	groups  *renderGroups // shared executions of identical subscriptions
	conns   *atomic.Int64 // open connections, for metrics
	auth    shopgraph.Authenticator
	cfg     RealtimeConfig
	origins []string
	log     *slog.Logger
	now     func() time.Time
}

var _ graphql.Transport = realtimeTransport{}

func (t realtimeTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// frame is one protocol message, either way.
type frame struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// startPayload is a start message's payload: data is a JSON string of
// {query, variables, operationName}.
type startPayload struct {
	Data       *string `json:"data"`
	Query      any     `json:"query"`
	Extensions struct {
		Authorization map[string]any `json:"authorization"`
	} `json:"extensions"`
}

func (t realtimeTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	offered := websocketProtocols(r)
	opts := &websocket.AcceptOptions{Subprotocols: []string{appsyncProtocol}}
	if len(t.origins) == 0 {
		opts.InsecureSkipVerify = true // any origin, as AppSync (and /graphql's CORS default)
	} else {
		opts.OriginPatterns = t.origins
	}
	sb := &smallBuffers{ResponseWriter: w}
	conn, err := websocket.Accept(sb, acceptRequest(r, offered), opts)
	if err != nil {
		return // Accept answered the request
	}
	conn.SetReadLimit(t.cfg.MaxMessageBytes)
	if t.conns != nil {
		t.conns.Add(1)
	}
	c := &realtimeConn{t: t, conn: conn, socket: sb.conn, exec: exec, subs: map[string]*realtimeSub{}}
	// The connection outlives this request: once it is set up, the
	// handler returns (and net/http lets go of the request, its buffers
	// and its goroutine), and the connection is served from a goroutine
	// of its own.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	c.ctx = ctx
	end := func() {
		c.closeAll()
		cancel()
		if c.ka != nil {
			c.ka.Stop() // it would keep the connection until it next fires
		}
		if t.conns != nil {
			t.conns.Add(-1)
		}
	}
	if conn.Subprotocol() != appsyncProtocol {
		c.connectionError(ctx, websocket.StatusProtocolError, map[string]any{"message": "NoProtocolError", "errorCode": 400})
		end()
		return
	}
	headers, err := connectionHeaders(r, offered)
	if err != nil {
		c.connectionError(ctx, websocket.StatusPolicyViolation, map[string]any{"errorType": "BadRequestException", "message": err.Error(), "errorCode": 400})
		end()
		return
	}
	c.sourceIP = sourceIPs(r)
	id, err := t.authenticate(ctx, headers, c.sourceIP)
	if err != nil {
		c.connectionError(ctx, websocket.StatusPolicyViolation, authConnectionError(err))
		end()
		return
	}
	c.identity, c.headers = id, headers
	// The timers are set here: reading the token's expiry decodes its
	// claims, and the serving goroutine, idle nearly all its life, keeps a
	// small stack by never running anything deep.
	initTimer := time.AfterFunc(c.t.cfg.InitTimeout, func() {
		c.sendError(ctx, "", realtimeError("ConnectionTimeout", "no connection_init within "+c.t.cfg.InitTimeout.String()))
		_ = c.conn.Close(websocket.StatusPolicyViolation, "connection_init timeout")
		cancel()
	})
	expiry := c.expiryTimer(ctx, "", c.identity, func() {
		_ = c.conn.Close(websocket.StatusPolicyViolation, "token expired")
		cancel()
	})
	go func() {
		defer end()
		defer expiry.Stop()
		defer initTimer.Stop()
		c.serve(ctx, initTimer)
	}()
}

// acceptRequest is the upgrade request as websocket.Accept sees it: when
// the client offered graphql-ws, that is the only subprotocol it offers.
// Accept keeps the name it selects, and taken from the request it would be
// a piece of the offered header — with the header- subprotocol, a
// kilobyte of base64 credentials held for the connection's life.
func acceptRequest(r *http.Request, offered []string) *http.Request {
	if !slices.Contains(offered, appsyncProtocol) {
		return r
	}
	ar := r.WithContext(r.Context())
	ar.Header = r.Header.Clone()
	ar.Header.Set("Sec-WebSocket-Protocol", appsyncProtocol)
	return ar
}

// smallBuffers hands the WebSocket connection small read and write buffers
// instead of net/http's 4 KB ones: an AppSync socket is idle nearly all
// its life and carries small frames, and with 10,000 of them the buffers
// are most of a connection's memory. A frame bigger than a buffer is read
// and written through it in pieces (a write of more than the buffer goes
// straight to the socket), so only the number of system calls changes.
type smallBuffers struct {
	http.ResponseWriter
	conn net.Conn // once hijacked
}

const (
	realtimeReadBuffer  = 512
	realtimeWriteBuffer = 1024 // a typical data frame in one write
)

func (s *smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	s.conn = conn
	if err := brw.Writer.Flush(); err != nil { // nothing is written yet; if something were, it goes first
		conn.Close()
		return nil, nil, err
	}
	br := bufio.NewReaderSize(conn, realtimeReadBuffer)
	if n := brw.Reader.Buffered(); n > 0 {
		// Bytes the client sent after the upgrade request, already read:
		// they are read first, into the new buffer.
		early, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), conn), max(realtimeReadBuffer, n))
		if _, err := br.Peek(n); err != nil {
			conn.Close()
			return nil, nil, err
		}
	}
	return conn, bufio.NewReadWriter(br, bufio.NewWriterSize(conn, realtimeWriteBuffer)), nil
}

// authConnectionError is connection_error's error for a refused
// credential: AppSync's UnauthorizedException (clients match the
// substring), a rate limit as LimitExceededError.
func authConnectionError(err error) map[string]any {
	var de *shopgraph.Error
	if errors.As(err, &de) && de.Code == shopgraph.CodeLimitExceeded {
		return map[string]any{"errorType": "LimitExceededError", "message": de.Message, "errorCode": 429}
	}
	msg := "You are not authorized to make this call."
	if errors.As(err, &de) && de.Code == shopgraph.CodeUnauthenticated {
		msg = de.Message
	}
	return map[string]any{"errorType": realtimeUnauthorize, "message": msg, "errorCode": 401}
}

// authenticate runs the HTTP requests' authentication over a header map.
func (t realtimeTransport) authenticate(ctx context.Context, headers map[string]any, sourceIP []string) (*shopgraph.Identity, error) {
	id, err := t.auth.Authenticate(ctx, shopgraph.CredentialsFromHeaders(headerValues(headers), sourceIP))
	if err == nil && id == nil {
		err = shopgraph.Errorf(shopgraph.CodeUnauthenticated, "Valid authorization header not provided.")
	}
	return id, err
}

// headerValues turns a real-time header map (string values) into
// header-shaped value lists for CredentialsFromHeaders.
func headerValues(m map[string]any) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = append(out[k], s)
		}
	}
	return out
}

// websocketProtocols lists the subprotocols the client offered.
func websocketProtocols(r *http.Request) []string {
	var out []string
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// connectionHeaders finds the connection's auth headers: the header-
// subprotocol (base64url JSON), else the header query parameter (standard
// base64, '+' possibly turned into a space), else the upgrade request's
// own headers.
func connectionHeaders(r *http.Request, offered []string) (map[string]any, error) {
	for _, p := range offered {
		if enc, ok := strings.CutPrefix(p, authProtocolPrefix); ok {
			return decodeHeaderJSON(enc, base64.RawURLEncoding, "the header- subprotocol")
		}
	}
	if enc, ok := rawQueryParam(r.URL.RawQuery, "header"); ok {
		return decodeHeaderJSON(strings.ReplaceAll(enc, " ", "+"), base64.StdEncoding, "the header query parameter")
	}
	m := map[string]any{}
	for k, vs := range r.Header {
		if len(vs) > 0 {
			m[k] = vs[0]
		}
	}
	return m, nil
}

// rawQueryParam reads a query parameter without form decoding ('+' stays
// '+'), percent-decoding only.
func rawQueryParam(raw, name string) (string, bool) {
	for part := range strings.SplitSeq(raw, "&") {
		k, v, _ := strings.Cut(part, "=")
		if k != name {
			continue
		}
		if dec, err := url.PathUnescape(v); err == nil {
			return dec, true
		}
		return v, true
	}
	return "", false
}

func decodeHeaderJSON(enc string, codec *base64.Encoding, where string) (map[string]any, error) {
	raw, err := codec.DecodeString(enc)
	if err != nil {
		// Clients differ on padding: try the other form before refusing.
		alt := base64.RawStdEncoding
		if codec == base64.RawURLEncoding {
			alt = base64.URLEncoding
		}
		if raw, err = alt.DecodeString(enc); err != nil {
			return nil, fmt.Errorf("%s is not base64", where)
		}
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("%s is not a JSON object of headers", where)
	}
	return m, nil
}

// realtimeConn is one client connection.
type realtimeConn struct {
	t        realtimeTransport
	conn     *websocket.Conn
	socket   net.Conn // under conn, for its write deadline
	exec     graphql.GraphExecutor
	ctx      context.Context
	identity *shopgraph.Identity
	headers  map[string]any
	sourceIP []string

	ka *time.Timer // keep-alives, from connection_init on (set and stopped on the serving goroutine)

	mu   sync.Mutex
	subs map[string]*realtimeSub
}

// realtimeSub is one running subscription.
type realtimeSub struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// write sends one frame (none once ctx is done).
func (c *realtimeConn) write(ctx context.Context, f any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return c.writeText(b)
}

// writeText writes one text frame within the WriteTimeout, a deadline
// on the socket itself (no context and timer per write: a broadcast
// writes to thousands of sockets for each event). A failed write closes
// the connection, which ends it.
func (c *realtimeConn) writeText(b []byte) error {
	if c.socket != nil {
		_ = c.socket.SetWriteDeadline(time.Now().Add(c.t.cfg.WriteTimeout))
	}
	err := c.conn.Write(context.Background(), websocket.MessageText, b)
	if err != nil {
		_ = c.conn.CloseNow()
	}
	return err
}

func (c *realtimeConn) connectionError(ctx context.Context, code websocket.StatusCode, e map[string]any) {
	_ = c.write(ctx, map[string]any{"type": "connection_error", "payload": map[string]any{"errors": []any{e}}})
	_ = c.conn.Close(code, "")
}

// sendError sends an error frame (id "" for the connection).
func (c *realtimeConn) sendError(ctx context.Context, id string, errs ...map[string]any) {
	list := make([]any, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	_ = c.write(ctx, map[string]any{"type": "error", "id": id, "payload": map[string]any{"errors": list}})
}

func realtimeError(errorType, message string) map[string]any {
	return map[string]any{"errorType": errorType, "message": message}
}

// serve runs the protocol until the client goes or the connection fails.
// initTimer closes a connection that sends no connection_init.
func (c *realtimeConn) serve(ctx context.Context, initTimer *time.Timer) {
	initialized := false
	for {
		_, msg, err := c.conn.Read(ctx)
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusMessageTooBig {
				c.t.log.DebugContext(ctx, "realtime: message too big")
			}
			return
		}
		var f frame
		if err := json.Unmarshal(msg, &f); err != nil || f.Type == "" {
			c.sendError(ctx, "", realtimeError("BadRequestException", "the message is not a JSON object with a type"))
			continue
		}
		switch f.Type {
		case "connection_init":
			if initialized {
				c.sendError(ctx, "", realtimeError("BadRequestException", "connection_init was sent twice"))
				continue
			}
			initialized = true
			initTimer.Stop()
			if c.write(ctx, map[string]any{"type": "connection_ack", "payload": map[string]any{"connectionTimeoutMs": c.t.cfg.ConnectionTimeout.Milliseconds()}}) != nil {
				return
			}
			c.keepAlive(ctx)
		case "start":
			if !initialized {
				c.sendError(ctx, f.ID, realtimeError("BadRequestException", "send connection_init before start"))
				continue
			}
			// On a goroutine of its own (the loop waits for it, so
			// frames are still handled in order): authorizing and
			// dispatching a start runs deep, and the reading goroutine
			// of an idle connection keeps a small stack.
			done := make(chan struct{})
			go func() {
				defer close(done)
				c.start(ctx, f)
			}()
			<-done
		case "stop":
			c.stop(ctx, f.ID)
		default:
			c.sendError(ctx, f.ID, realtimeError("UnsupportedOperation", fmt.Sprintf("%q is not a message type of the realtime channel", f.Type)))
		}
	}
}

// keepAlive sends a ka every KeepAlive until ctx ends, each from a timer
// that sets the next (no goroutine waits in between: with thousands of
// idle connections, a goroutine each is much of their memory).
// The connection's end stops the timer (c.ka).
func (c *realtimeConn) keepAlive(ctx context.Context) {
	c.ka = time.AfterFunc(math.MaxInt64, func() {
		if ctx.Err() != nil || c.write(ctx, kaFrame) != nil {
			return
		}
		c.ka.Reset(c.t.cfg.KeepAlive)
	})
	c.ka.Reset(c.t.cfg.KeepAlive) // armed once c.ka is set
}

var kaFrame = map[string]string{"type": "ka"}

// expiryTimer runs fn (after an UnauthorizedException error frame for id)
// when the identity's token expires, so that Amplify reconnects with a
// fresh one. It returns a stopped timer for identities without expiry.
func (c *realtimeConn) expiryTimer(ctx context.Context, id string, who *shopgraph.Identity, fn func()) *time.Timer {
	at, ok := tokenExpiry(who)
	if !ok {
		t := time.NewTimer(time.Hour)
		t.Stop()
		return t
	}
	return time.AfterFunc(max(at.Sub(c.t.now()), 0), func() {
		c.sendError(ctx, id, realtimeError(realtimeUnauthorize, "Token has expired."))
		fn()
	})
}

// tokenExpiry is a JWT identity's exp.
func tokenExpiry(id *shopgraph.Identity) (time.Time, bool) {
	if id == nil {
		return time.Time{}, false
	}
	switch exp := id.Claims()["exp"].(type) {
	case float64:
		return time.Unix(int64(exp), 0), true
	case json.Number:
		if n, err := exp.Int64(); err == nil {
			return time.Unix(n, 0), true
		}
	case int64:
		return time.Unix(exp, 0), true
	}
	return time.Time{}, false
}

// start begins a subscription: authorized on its own credentials (the
// connection's when it brings none), a subscription operation, at most
// MaxSubscriptions per connection, an id not in use.
func (c *realtimeConn) start(ctx context.Context, f frame) {
	if f.ID == "" || len(f.ID) > 128 {
		c.sendError(ctx, "", realtimeError("BadRequestException", "start needs an id of 1 to 128 characters"))
		return
	}
	var p startPayload
	if err := json.Unmarshal(f.Payload, &p); err != nil || p.Data == nil {
		if p.Query != nil {
			c.sendError(ctx, f.ID, realtimeError("UnsupportedOperation", "start's payload must carry data (a JSON string of query and variables), not query"))
			return
		}
		c.sendError(ctx, f.ID, realtimeError("BadRequestException", "start's payload must carry data, a JSON string of query and variables"))
		return
	}
	var params graphql.RawParams
	if err := decodeJSON(strings.NewReader(*p.Data), &params); err != nil || params.Query == "" {
		c.sendError(ctx, f.ID, realtimeError("BadRequestException", "start's data must be a JSON string of an object with query (and variables)"))
		return
	}
	c.mu.Lock()
	_, dup := c.subs[f.ID]
	full := len(c.subs) >= c.t.cfg.MaxSubscriptions
	c.mu.Unlock()
	switch {
	case dup:
		c.sendError(ctx, f.ID, realtimeError("BadRequestException", "a subscription with this id is already running"))
		return
	case full:
		c.sendError(ctx, f.ID, realtimeError("MaxSubscriptionsReachedError", fmt.Sprintf("Max number of %d subscriptions reached", c.t.cfg.MaxSubscriptions)))
		return
	}
	who, headers := c.identity, c.headers
	if len(p.Extensions.Authorization) > 0 {
		id, err := c.t.authenticate(ctx, p.Extensions.Authorization, c.sourceIP)
		if err != nil {
			e := authConnectionError(err)
			delete(e, "errorCode")
			c.sendError(ctx, f.ID, e)
			return
		}
		who, headers = id, p.Extensions.Authorization
	}
	params.Headers = http.Header(headerValues(headers))
	params.ReadTime = graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}

	subCtx, cancel := context.WithCancel(shopgraph.NewContextWithIdentity(ctx, who))
	opCtx, errs := c.exec.CreateOperationContext(subCtx, &params)
	if errs == nil && opCtx.Operation.Operation != ast.Subscription {
		errs = gqlerror.List{gqlerror.Errorf("%s operations are not supported through the realtime channel: send them to /graphql", opCtx.Operation.Operation)}
		setExt(errs[0], extErrorType, "UnsupportedOperation")
	}
	if errs != nil {
		cancel()
		c.sendErrors(ctx, f.ID, errs)
		return
	}
	var started bool
	var ended error
	var endMu sync.Mutex
	subCtx = shopgraph.NewContextWithSubscriptionControl(subCtx, &shopgraph.SubscriptionControl{
		Started: func() { started = true },
		Ended:   func(err error) { endMu.Lock(); ended = err; endMu.Unlock() },
	})
	responses, rctx := c.exec.DispatchOperation(subCtx, opCtx)
	if !started {
		// Refused before it began (a field it may not read, a bad
		// argument): the first response holds why.
		resp := responses(rctx)
		cancel()
		if resp == nil || len(resp.Errors) == 0 {
			c.sendError(ctx, f.ID, realtimeError(string(shopgraph.CodeInternal), shopgraph.InternalMessage))
			return
		}
		c.sendErrors(ctx, f.ID, resp.Errors)
		return
	}
	if key := groupKey(who, &params, opCtx.Operation); key != "" && c.t.groups != nil {
		// Authorized: drop this dispatch and share the group's.
		cancel()
		c.startInGroup(ctx, f.ID, key, who, params)
		return
	}
	sub := &realtimeSub{cancel: cancel, done: make(chan struct{})}
	c.mu.Lock()
	c.subs[f.ID] = sub
	c.mu.Unlock()
	if c.write(ctx, map[string]string{"type": "start_ack", "id": f.ID}) != nil {
		cancel()
		return
	}
	expiry := c.expiryTimer(ctx, f.ID, who, cancel)
	go func() {
		defer close(sub.done)
		defer expiry.Stop()
		defer c.remove(f.ID, sub)
		for {
			resp := responses(rctx)
			if resp == nil {
				break
			}
			c.sendData(f.ID, renderData(resp, c.t.cfg.MaxPayloadBytes))
		}
		endMu.Lock()
		why := ended
		endMu.Unlock()
		if why != nil && ctx.Err() == nil {
			c.sendError(ctx, f.ID, subscriptionEnded(why))
		}
	}()
}

// subscriptionEnded is the error frame's payload for a subscription that
// ended for why: a reason the client can act on for the ends it can cause
// (falling behind, the events stopping), the code's message for an Error,
// and nothing internal.
func subscriptionEnded(why error) map[string]any {
	msg := shopgraph.ErrorMessage(why)
	switch {
	case errors.Is(why, shopgraph.ErrSlowSubscriber):
		msg = "the subscriber fell too far behind the order events and was cut off; subscribe again (with afterVersion to catch up)"
	case errors.Is(why, errGroupEnded):
		msg = errGroupEnded.Error() + "; subscribe again"
	}
	return realtimeError("SubscriptionEnded", "the subscription ended: "+msg)
}

// startInGroup runs an authorized start as a member of the render group
// of key. The member holds no goroutine while idle: when the subscription
// stops (stop, expiry, the connection closing) a function registered on
// its context leaves the group; when the group ends it, the end is told to
// the client and the subscription stopped.
func (c *realtimeConn) startInGroup(ctx context.Context, id, key string, who *shopgraph.Identity, params graphql.RawParams) {
	subCtx, cancel := context.WithCancel(ctx)
	m := newGroupMember(func(ev renderedEvent) { c.sendData(id, ev) }, func(why error) {
		if ctx.Err() == nil && subCtx.Err() == nil {
			c.sendError(ctx, id, subscriptionEnded(why))
		}
		cancel()
	})
	sub := &realtimeSub{cancel: cancel, done: make(chan struct{})}
	c.mu.Lock()
	c.subs[id] = sub
	c.mu.Unlock()
	abandon := func() {
		cancel()
		c.remove(id, sub)
		close(sub.done)
	}
	// Joined (held) before the ack, so every event after the ack reaches
	// it; released after the ack, so none comes before it.
	g, err := c.t.groups.join(key, m, ctx, func(gctx context.Context, broadcast func(renderedEvent), end func(error)) error {
		return c.dispatchGroup(gctx, who, params, broadcast, end)
	})
	if err != nil {
		c.t.log.ErrorContext(ctx, "realtime: could not start a subscription's shared execution", "err", err)
		c.sendError(ctx, id, realtimeError(string(shopgraph.CodeInternal), shopgraph.InternalMessage))
		abandon()
		return
	}
	if c.write(ctx, map[string]string{"type": "start_ack", "id": id}) != nil {
		g.leave(m)  // drops what it was handed
		m.release() // and lets it finish
		abandon()
		return
	}
	m.release()
	expiry := c.expiryTimer(ctx, id, who, cancel)
	context.AfterFunc(subCtx, func() {
		g.leave(m)
		<-m.idle
		expiry.Stop()
		c.remove(id, sub)
		close(sub.done)
	})
}

// dispatchGroup starts a render group's own dispatch of the subscription,
// as who, on gctx (the group's: it outlives the connection that started
// it, whose values it has). The resolver pushes the events: each is
// rendered by a dispatch of its own and handed to broadcast; end ends the
// group when the events stop on their own.
func (c *realtimeConn) dispatchGroup(gctx context.Context, who *shopgraph.Identity, params graphql.RawParams, broadcast func(renderedEvent), end func(error)) error {
	ctx := shopgraph.NewContextWithIdentity(gctx, who)
	opCtx, errs := c.exec.CreateOperationContext(ctx, &params)
	if errs != nil {
		return errs
	}
	// Not c: the group outlives this connection.
	render := eventRenderer(c.exec, params, c.t.log, c.t.cfg.MaxPayloadBytes)
	var started bool
	ctl := &shopgraph.SubscriptionControl{
		Started: func() { started = true },
		Ended:   end,
		Push:    func(ev any) { broadcast(render(ctx, ev)) },
		Until:   gctx,
	}
	responses, rctx := c.exec.DispatchOperation(shopgraph.NewContextWithSubscriptionControl(ctx, ctl), opCtx)
	if started && !ctl.Pushed() { // (reading its responses would wait for an event)
		return errors.New("the subscription's resolver does not push its events")
	}
	resp := responses(rctx) // refused: why; pushed: nil (its channel is closed, the events come to Push)
	switch {
	case !started && resp != nil && len(resp.Errors) > 0:
		return resp.Errors
	case !started:
		return errors.New("the subscription did not start")
	}
	return nil
}

// eventRenderer renders the pushed events of a group: each by a dispatch
// of the group's subscription whose resolver returns just that event.
func eventRenderer(exec graphql.GraphExecutor, params graphql.RawParams, log *slog.Logger, maxPayload int) func(context.Context, any) renderedEvent {
	return func(ctx context.Context, ev any) renderedEvent {
		ctx = shopgraph.NewContextWithSubscriptionControl(ctx, &shopgraph.SubscriptionControl{Render: ev})
		opCtx, errs := exec.CreateOperationContext(ctx, &params)
		var resp *graphql.Response
		if errs == nil {
			responses, rctx := exec.DispatchOperation(ctx, opCtx)
			resp = responses(rctx)
		}
		if resp == nil {
			log.ErrorContext(ctx, "realtime: an order event could not be rendered", "errors", errs)
			return renderedEvent{tooBig: realtimeError(string(shopgraph.CodeInternal), shopgraph.InternalMessage)}
		}
		return renderData(resp, maxPayload)
	}
}

// renderData renders one event as a data frame's payload: payload.data is
// always an object (Amplify drops a data message whose data is null), and
// an event over maxPayload becomes an error for the subscription.
func renderData(resp *graphql.Response, maxPayload int) renderedEvent {
	wire := toWire(resp)
	if bytes.Equal(wire.Data, []byte("null")) {
		wire.Data = json.RawMessage(`{}`)
	}
	payload, err := json.Marshal(wire)
	switch {
	case err != nil:
		return renderedEvent{tooBig: realtimeError(string(shopgraph.CodeInternal), shopgraph.InternalMessage)}
	case len(payload) > maxPayload:
		return renderedEvent{tooBig: realtimeError("LimitExceeded", fmt.Sprintf("an event of %d bytes exceeds the subscription payload limit of %d bytes: select fewer fields", len(payload), maxPayload))}
	}
	return renderedEvent{payload: payload}
}

// sendData sends one rendered event. The frame is put together around the
// payload's bytes, which a render group shares between its members.
func (c *realtimeConn) sendData(id string, ev renderedEvent) {
	if ev.tooBig != nil {
		c.sendError(c.ctx, id, ev.tooBig)
		return
	}
	quoted, _ := json.Marshal(id)
	b := make([]byte, 0, len(ev.payload)+len(quoted)+32)
	b = append(b, `{"type":"data","id":`...)
	b = append(b, quoted...)
	b = append(b, `,"payload":`...)
	b = append(b, ev.payload...)
	b = append(b, '}')
	if c.ctx.Err() == nil {
		_ = c.writeText(b)
	}
}

// realtimeDenied is the errorType of a start refused because the caller,
// well authenticated, may not have that subscription (another customer's
// order, an API key). AppSync says Unauthorized, but aws-amplify v6 takes
// an error frame of type Unauthorized for an expired token and closes the
// whole socket to reconnect, so that one refused start would interrupt
// every other subscription on it. UnauthorizedException stays the answer
// for a bad or expired credential, which should make Amplify reconnect.
const realtimeDenied = "Forbidden"

// sendErrors sends GraphQL errors in AppSync's wire shape.
func (c *realtimeConn) sendErrors(ctx context.Context, id string, errs gqlerror.List) {
	wire := toWire(&graphql.Response{Errors: errs})
	for i := range wire.Errors {
		if wire.Errors[i].ErrorType == string(shopgraph.CodeUnauthorized) {
			wire.Errors[i].ErrorType = realtimeDenied
			wire.Errors[i].Extensions = nil
		}
	}
	_ = c.write(ctx, map[string]any{"type": "error", "id": id, "payload": map[string]any{"errors": wire.Errors}})
}

func (c *realtimeConn) remove(id string, sub *realtimeSub) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.subs[id] == sub {
		delete(c.subs, id)
	}
}

// stop ends a subscription and answers complete.
func (c *realtimeConn) stop(ctx context.Context, id string) {
	c.mu.Lock()
	sub := c.subs[id]
	delete(c.subs, id)
	c.mu.Unlock()
	if sub != nil {
		sub.cancel()
		<-sub.done
	}
	_ = c.write(ctx, map[string]string{"type": "complete", "id": id})
}

// closeAll ends every subscription of a closing connection.
func (c *realtimeConn) closeAll() {
	c.mu.Lock()
	subs := c.subs
	c.subs = map[string]*realtimeSub{}
	c.mu.Unlock()
	for _, s := range subs {
		s.cancel()
	}
	for _, s := range subs {
		<-s.done
	}
	_ = c.conn.Close(websocket.StatusNormalClosure, "")
}

type sourceIPKey struct{}

// graphqlWSInit authenticates a graphql-ws (graphql-transport-ws)
// connection from its connection_init payload, with the HTTP requests'
// code: the credential headers at the payload's top level
// (Authorization, x-api-key) or under payload.headers, as clients put
// them. Every operation on the connection runs as that identity.
func (h *Handler) graphqlWSInit(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	headers := map[string]any(payload)
	if nested, ok := payload["headers"].(map[string]any); ok {
		headers = nested
	}
	ips, _ := ctx.Value(sourceIPKey{}).([]string)
	id, err := h.cfg.Auth.Authenticate(ctx, shopgraph.CredentialsFromHeaders(headerValues(headers), ips))
	if err == nil && id == nil {
		err = shopgraph.Errorf(shopgraph.CodeUnauthenticated, "Valid authorization header not provided.")
	}
	if err != nil {
		// graphql-transport-ws's answer to a refused connection_init: close
		// with 4403 Forbidden (gqlgen reads the code from the context).
		ctx = transport.WithWebsocketCloseCode(ctx, 4403)
		var de *shopgraph.Error
		if errors.As(err, &de) {
			return ctx, nil, fmt.Errorf("%s: %s", de.Code, de.Message)
		}
		h.cfg.Logger.ErrorContext(ctx, "graphql-ws authentication failed", "err", err)
		return ctx, nil, fmt.Errorf("%s", shopgraph.InternalMessage)
	}
	return shopgraph.NewContextWithIdentity(ctx, id), &payload, nil
}
