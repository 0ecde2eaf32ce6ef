package redis_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/events"
	"github.com/shopgraph/shopgraph/events/eventstest"
	"github.com/shopgraph/shopgraph/events/redis"
	"github.com/shopgraph/shopgraph/internal/redistest"
)

// logBuffer collects a bridge's log; it is shown when the test fails.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// instance is one shopgraph instance's bridge.
type instance struct {
	*redis.Bridge
	log *logBuffer
}

// newInstance returns a ready bridge on srv (closed at cleanup).
func newInstance(t *testing.T, srv *redistest.Server, opts redis.Options) instance {
	t.Helper()
	logs := &logBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if opts.Channel == "" {
		opts.Channel = "test:" + t.Name()
	}
	b, err := redis.New(srv.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if t.Failed() {
			t.Logf("bridge log:\n%s\nredis-server output:\n%s", logs, srv.Logs())
		}
	})
	ready(t, b)
	return instance{b, logs}
}

func ready(t *testing.T, b *redis.Bridge) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := b.Ready(ctx); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBridge_contract(t *testing.T) {
	srv := redistest.Start(t)
	for _, buffer := range []int{16, 64} {
		t.Run(fmt.Sprintf("buffer=%d", buffer), func(t *testing.T) {
			eventstest.Run(t, func(t *testing.T) eventstest.Harness {
				return eventstest.Harness{Bus: newInstance(t, srv, redis.Options{Buffer: buffer}), Buffer: buffer}
			})
		})
	}
}

// TestBridge_acrossInstances: events published on either of two instances
// reach the subscribers of both, each exactly once and in publish order.
func TestBridge_acrossInstances(t *testing.T) {
	srv := redistest.Start(t)
	opts := redis.Options{Channel: "test:across"}
	a, b := newInstance(t, srv, opts), newInstance(t, srv, opts)
	subs := []shopgraph.OrderEventSubscription{
		eventstest.MustSubscribe(t, a), eventstest.MustSubscribe(t, b), eventstest.MustSubscribe(t, b),
	}
	const n = 100
	var want []shopgraph.OrderEvent
	for i := range n {
		from := a
		if i%2 == 1 {
			from = b
		}
		ev := eventstest.Event(1, i)
		eventstest.MustPublish(t, from, ev)
		want = append(want, ev)
	}
	for i, sub := range subs {
		if got := eventstest.Receive(t, sub, n); eventstest.Diff(got, want) != nil {
			t.Fatalf("subscriber %d: %v", i, eventstest.Diff(got, want))
		}
	}
	// Exactly once: nothing follows, not even the publisher's own copy.
	for _, sub := range subs {
		eventstest.ExpectNothing(t, sub, 200*time.Millisecond)
	}
	for name, inst := range map[string]instance{"A": a, "B": b} {
		st := inst.Stats()
		if st.Published != n/2 || st.Received != n || st.Malformed != 0 || st.PublishErrors != 0 || !st.Connected {
			t.Errorf("%s: Stats = %+v, want %d published, %d received", name, st, n/2, n)
		}
	}
	if st := b.Stats().Hub; st.Delivered != 2*n || st.Subscribers != 2 {
		t.Errorf("B's hub: %+v, want %d delivered to 2 subscribers", st, 2*n)
	}
}

// TestBridge_slowSubscriber: on instance B, a subscriber that does not read
// is cut off while another B subscriber, and A's, get everything.
func TestBridge_slowSubscriber(t *testing.T) {
	srv := redistest.Start(t)
	a := newInstance(t, srv, redis.Options{Channel: "test:slow"})
	b := newInstance(t, srv, redis.Options{Channel: "test:slow", Buffer: 32})
	onA := eventstest.MustSubscribe(t, a)
	slow, fast := eventstest.MustSubscribe(t, b), eventstest.MustSubscribe(t, b)
	const n = 100
	for i := range n {
		eventstest.MustPublish(t, a, eventstest.Event(1, i))
		eventstest.ExpectEvents(t, fast, eventstest.Events(1, i, i+1)) // in lockstep with fast
	}
	got := eventstest.ExpectEnded(t, slow, 33, shopgraph.ErrSlowSubscriber)
	if err := eventstest.Diff(got, eventstest.Events(1, 0, len(got))); err != nil {
		t.Fatalf("the slow subscriber's events: %v", err)
	}
	eventstest.ExpectEvents(t, onA, eventstest.Events(1, 0, n))
	if st := b.Stats().Hub; st.Dropped != 1 || st.Subscribers != 1 {
		t.Fatalf("B's hub: %+v, want 1 dropped, 1 left", st)
	}
	if st := a.Stats().Hub; st.Dropped != 0 {
		t.Fatalf("A's hub: %+v, want none dropped", st)
	}
}

// TestBridge_redisRestart: while Redis is down Publish fails; once it is
// back both instances resubscribe by themselves and delivery resumes.
func TestBridge_redisRestart(t *testing.T) {
	srv := redistest.Start(t)
	opts := redis.Options{Channel: "test:restart"}
	a, b := newInstance(t, srv, opts), newInstance(t, srv, opts)
	onA, onB := eventstest.MustSubscribe(t, a), eventstest.MustSubscribe(t, b)
	eventstest.MustPublish(t, a, eventstest.Event(1, 0))
	eventstest.ExpectEvents(t, onA, eventstest.Events(1, 0, 1))
	eventstest.ExpectEvents(t, onB, eventstest.Events(1, 0, 1))

	srv.Stop(t)
	waitFor(t, "both bridges to notice", func() bool { return !a.Stats().Connected && !b.Stats().Connected })
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	err := a.Publish(ctx, eventstest.Event(1, 1))
	cancel()
	if err == nil || !strings.Contains(err.Error(), "publish order event order-1 v1 to Redis channel test:restart") {
		t.Fatalf("Publish with Redis down = %v, want a wrapped error", err)
	}
	time.Sleep(300 * time.Millisecond) // a few failed reconnection attempts

	srv.Restart(t)
	ready(t, a.Bridge)
	ready(t, b.Bridge)
	eventstest.MustPublish(t, b, eventstest.Events(1, 2, 12)...)
	eventstest.ExpectEvents(t, onA, eventstest.Events(1, 2, 12))
	eventstest.ExpectEvents(t, onB, eventstest.Events(1, 2, 12))
	for name, inst := range map[string]instance{"A": a, "B": b} {
		st := inst.Stats()
		if st.Reconnects != 1 || !st.Connected {
			t.Errorf("%s: Stats = %+v, want 1 reconnect, subscribed", name, st)
		}
		if log := inst.log.String(); !strings.Contains(log, "lost the Redis subscription") || !strings.Contains(log, "cannot subscribe") {
			t.Errorf("%s logged no outage:\n%s", name, log)
		}
	}
	if st := a.Stats(); st.PublishErrors != 1 {
		t.Errorf("A: PublishErrors = %d, want 1", st.PublishErrors)
	}
}

// TestBridge_connectionKilled: Redis dropping the subscribers' connections
// (CLIENT KILL) is recovered from like a restart.
func TestBridge_connectionKilled(t *testing.T) {
	srv := redistest.Start(t)
	opts := redis.Options{Channel: "test:kill"}
	a, b := newInstance(t, srv, opts), newInstance(t, srv, opts)
	onB := eventstest.MustSubscribe(t, b)
	if got := srv.MustDo(t, "CLIENT", "KILL", "TYPE", "pubsub"); got != "2" {
		t.Fatalf("CLIENT KILL TYPE pubsub killed %s connections, want the 2 bridges'", got)
	}
	waitFor(t, "both bridges to resubscribe", func() bool {
		sa, sb := a.Stats(), b.Stats()
		return sa.Reconnects == 1 && sa.Connected && sb.Reconnects == 1 && sb.Connected
	})
	eventstest.MustPublish(t, a, eventstest.Events(1, 0, 5)...)
	eventstest.ExpectEvents(t, onB, eventstest.Events(1, 0, 5))
}

// TestBridge_silentRedis: a connection on which Redis stops answering (a hung
// server, a silent network) is given up after the health check, and the
// bridge resubscribes once Redis answers again.
func TestBridge_silentRedis(t *testing.T) {
	srv := redistest.Start(t)
	a := newInstance(t, srv, redis.Options{HealthCheck: 100 * time.Millisecond})
	sub := eventstest.MustSubscribe(t, a)
	srv.Freeze(t)
	waitFor(t, "the bridge to give up the silent connection", func() bool { return !a.Stats().Connected })
	if log := a.log.String(); !strings.Contains(log, "no answer from Redis for 200ms") {
		t.Fatalf("the log does not say why:\n%s", log)
	}
	srv.Thaw(t)
	ready(t, a.Bridge)
	eventstest.MustPublish(t, a, eventstest.Events(1, 0, 3)...)
	eventstest.ExpectEvents(t, sub, eventstest.Events(1, 0, 3))
	if st := a.Stats(); st.Reconnects != 1 {
		t.Fatalf("Stats = %+v, want 1 reconnect", st)
	}
}

// TestBridge_malformed: messages on the channel that are not order events
// are counted, logged and skipped; a message with fields this version does
// not know is delivered.
func TestBridge_malformed(t *testing.T) {
	srv := redistest.Start(t)
	a := newInstance(t, srv, redis.Options{Channel: "test:malformed"})
	sub := eventstest.MustSubscribe(t, a)
	for _, payload := range []string{"not json", `{"orderId":"o-1"`, `[1,2]`, `{"orderId":""}`, `{"status":"SHIPPED"}`, `{"orderId":"o-1","version":"two"}`, ""} {
		srv.MustDo(t, "PUBLISH", "test:malformed", payload)
	}
	srv.MustDo(t, "PUBLISH", "test:malformed", `{"orderId":"o-9","status":"SHIPPED","version":3,"addedLater":{"x":1}}`)
	eventstest.MustPublish(t, a, eventstest.Event(1, 1))
	got := eventstest.Receive(t, sub, 2)
	if got[0].OrderID != "o-9" || got[0].Status != shopgraph.OrderShipped || got[0].Version != 3 || !eventstest.Equal(got[1], eventstest.Event(1, 1)) {
		t.Fatalf("got %s, %s; want o-9 v3 SHIPPED, then the published event", eventstest.Describe(got[0]), eventstest.Describe(got[1]))
	}
	if st := a.Stats(); st.Malformed != 7 || st.Received != 2 {
		t.Fatalf("Stats = %+v, want 7 malformed, 2 received", st)
	}
	if log := a.log.String(); !strings.Contains(log, "skipped a malformed message") {
		t.Fatalf("nothing logged:\n%s", log)
	}
}

// TestBridge_Close: Close ends the subscriptions, makes the bridge refuse
// further use, is idempotent, and leaves no goroutine behind, also when Redis
// is down.
func TestBridge_Close(t *testing.T) {
	srv := redistest.Start(t)
	settle(t, 0) // let earlier tests' goroutines end before counting
	before := runtime.NumGoroutine()

	opts := redis.Options{Channel: "test:close"}
	a, err := redis.New(srv.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := redis.New(srv.URL, opts)
	if err != nil {
		t.Fatal(err)
	}
	ready(t, a)
	ready(t, b)
	onA, onB := eventstest.MustSubscribe(t, a), eventstest.MustSubscribe(t, b)
	lagging := eventstest.MustSubscribe(t, b)
	eventstest.MustPublish(t, a, eventstest.Events(1, 0, 40)...) // lagging's backlog has a goroutine
	eventstest.ExpectEvents(t, onA, eventstest.Events(1, 0, 40))
	eventstest.ExpectEvents(t, onB, eventstest.Events(1, 0, 40))

	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := a.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	wg.Wait()
	eventstest.ExpectEnded(t, onA, 0, events.ErrClosed)
	if err := a.Publish(context.Background(), eventstest.Event(1, 99)); !errors.Is(err, events.ErrClosed) {
		t.Errorf("Publish after Close = %v, want ErrClosed", err)
	}
	if _, err := a.Subscribe(context.Background()); !errors.Is(err, events.ErrClosed) {
		t.Errorf("Subscribe after Close = %v, want ErrClosed", err)
	}
	if err := a.Ready(context.Background()); !errors.Is(err, events.ErrClosed) {
		t.Errorf("Ready after Close = %v, want ErrClosed", err)
	}

	// b closes while Redis is down and it is retrying.
	srv.Stop(t)
	waitFor(t, "b to notice", func() bool { return !b.Stats().Connected })
	start := time.Now()
	if err := b.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close with Redis down took %v", d)
	}
	eventstest.ExpectEnded(t, onB, 40, events.ErrClosed)
	eventstest.ExpectEnded(t, lagging, 40, events.ErrClosed)
	settle(t, before)
}

// settle waits until at most want goroutines run (want 0: until the count
// stops falling), and fails with their stacks if they do not end.
func settle(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	last := runtime.NumGoroutine()
	for {
		time.Sleep(20 * time.Millisecond)
		n := runtime.NumGoroutine()
		if want > 0 && n <= want || want == 0 && n >= last {
			return
		}
		last = n
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want at most %d:\n%s", n, want, buf[:runtime.Stack(buf, true)])
		}
	}
}

// TestBridge_unreachable: a bridge whose Redis does not answer is not ready,
// fails Publish, and still closes promptly.
func TestBridge_unreachable(t *testing.T) {
	srv := redistest.Start(t)
	url := srv.URL
	srv.Stop(t) // a port where nothing listens now
	b, err := redis.New(url+"?dial_timeout=200ms&max_retries=-1", redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := b.Ready(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Ready = %v, want the deadline", err)
	}
	if err := b.Publish(context.Background(), eventstest.Event(1, 1)); err == nil {
		t.Fatal("Publish with no Redis succeeded")
	}
	sub := eventstest.MustSubscribe(t, b) // subscribing does not need Redis
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	eventstest.ExpectEnded(t, sub, 0, events.ErrClosed)
}

func TestSetLibraryLogger(t *testing.T) {
	logs := &logBuffer{}
	redis.SetLibraryLogger(slog.New(slog.NewTextHandler(logs, nil)))
	// The other tests need no stderr from go-redis either.
	defer redis.SetLibraryLogger(slog.New(slog.DiscardHandler))
	srv := redistest.Start(t)
	srv.Stop(t)
	b, err := redis.New(srv.URL+"?dial_timeout=200ms&max_retries=-1", redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Publish(context.Background(), eventstest.Event(1, 1)); err == nil {
		t.Fatal("Publish with no Redis succeeded")
	}
	waitFor(t, "a failed dial", func() bool { return strings.Contains(logs.String(), "failed to dial") })
	if got := logs.String(); !strings.Contains(got, "level=WARN") || !strings.Contains(got, "library=go-redis") {
		t.Fatalf("go-redis's log went elsewhere; got:\n%s", got)
	}
}

func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		url, addr string
		db        int
		tls       bool
		user      string
	}{
		{url: "redis://127.0.0.1:6379/0", addr: "127.0.0.1:6379"},
		{url: "redis://cache.internal:6380/3", addr: "cache.internal:6380", db: 3},
		{url: "redis://cache.internal", addr: "cache.internal:6379"},
		{url: "rediss://app:s3cret@cache.example.com:6380/1", addr: "cache.example.com:6380", db: 1, tls: true, user: "app"},
		{url: "redis://[::1]:6379/2?dial_timeout=3s", addr: "[::1]:6379", db: 2},
	} {
		opts, err := redis.ParseURL(c.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", c.url, err)
			continue
		}
		if opts.Addr != c.addr || opts.DB != c.db || (opts.TLSConfig != nil) != c.tls || opts.Username != c.user {
			t.Errorf("ParseURL(%q) = addr %s db %d tls %v user %q", c.url, opts.Addr, opts.DB, opts.TLSConfig != nil, opts.Username)
		}
	}
	for _, c := range []struct{ url, says string }{
		{"", "is empty"},
		{"localhost:6379", "scheme must be redis or rediss"},
		{"http://cache:6379", "scheme must be redis or rediss"},
		{"unix:///run/redis.sock", "scheme must be redis or rediss"},
		{"redis://", "has no host"},
		{"redis://:6379/0", ""}, // go-redis defaults the host to localhost: fine
		{"redis://cache:/0", "empty port"},
		{"redis://cache:6379/zero", "invalid database number"},
		{"redis://cache:6379/0/1", "invalid URL path"},
		{"redis://cache:6379/0?bogus=1", "unexpected option: bogus"},
		{"redis://app:s3cret@cache:6379/x", "invalid database number"},
		{"redis://app:s3cret@cache:port/0", "not a URL"},
		{"redis://cache:6379/0\x7f", "not a URL"},
	} {
		_, err := redis.ParseURL(c.url)
		if c.says == "" {
			if err != nil {
				t.Errorf("ParseURL(%q): %v", c.url, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("ParseURL(%q) succeeded, want an error saying %q", c.url, c.says)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "SHOPGRAPH_REDIS_URL") || !strings.Contains(msg, c.says) {
			t.Errorf("ParseURL(%q) = %q, want it to name SHOPGRAPH_REDIS_URL and say %q", c.url, msg, c.says)
		}
		if strings.Contains(msg, "s3cret") {
			t.Errorf("ParseURL(%q) = %q repeats the password", c.url, msg)
		}
	}
	if _, err := redis.New("redis//nope", redis.Options{}); err == nil || !strings.Contains(err.Error(), "SHOPGRAPH_REDIS_URL") {
		t.Errorf("New with a malformed URL = %v, want an error naming SHOPGRAPH_REDIS_URL", err)
	}
}
