package redis_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/events"
	"github.com/shopgraph/shopgraph/events/redis"
	"github.com/shopgraph/shopgraph/internal/redistest"
)

// recorder is a handler of CatalogChanges that records what it is given.
type recorder struct {
	mu    sync.Mutex
	got   []shopgraph.CatalogChange
	calls atomic.Int32 // handler calls running now
	both  atomic.Bool  // two calls ever ran at once
}

func (r *recorder) handle(_ context.Context, c shopgraph.CatalogChange) {
	if r.calls.Add(1) > 1 {
		r.both.Store(true)
	}
	defer r.calls.Add(-1)
	time.Sleep(100 * time.Microsecond) // widen the window for overlapping calls
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, c)
}

func (r *recorder) changes() []shopgraph.CatalogChange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// expect waits until r has len(want) changes and fails unless they are want,
// in order; then it fails if any other change follows within a moment.
func (r *recorder) expect(t *testing.T, name string, want []shopgraph.CatalogChange) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%s to get %d changes", name, len(want)), func() bool { return len(r.changes()) >= len(want) })
	time.Sleep(200 * time.Millisecond)
	if got := r.changes(); !slices.Equal(got, want) {
		t.Fatalf("%s got %d changes %v,\nwant %d %v", name, len(got), got, len(want), want)
	}
	if r.both.Load() {
		t.Fatalf("%s: the handler was called concurrently", name)
	}
}

func change(i int) shopgraph.CatalogChange {
	return shopgraph.CatalogChange{Key: shopgraph.ProductKey{Category: fmt.Sprintf("cat-%d", i%3), ProductID: fmt.Sprintf("sku-%03d", i)}}
}

func changes(from, to int) []shopgraph.CatalogChange {
	var cs []shopgraph.CatalogChange
	for i := from; i < to; i++ {
		cs = append(cs, change(i))
	}
	return cs
}

// catalogInstance is one shopgraph instance's CatalogChanges.
type catalogInstance struct {
	*redis.CatalogChanges
	rec *recorder
	log *logBuffer
}

// newCatalogInstance returns ready CatalogChanges on srv (closed at
// cleanup), recording the changes it receives.
func newCatalogInstance(t *testing.T, srv *redistest.Server, opts redis.CatalogOptions) catalogInstance {
	t.Helper()
	logs := &logBuffer{}
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if opts.Channel == "" {
		opts.Channel = "test:" + t.Name()
	}
	rec := &recorder{}
	c, err := redis.NewCatalogChanges(srv.URL, rec.handle, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if t.Failed() {
			t.Logf("catalog changes log:\n%s\nredis-server output:\n%s", logs, srv.Logs())
		}
	})
	readyCatalog(t, c)
	return catalogInstance{c, rec, logs}
}

func readyCatalog(t *testing.T, c *redis.CatalogChanges) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Ready(ctx); err != nil {
		t.Fatal(err)
	}
}

func mustPublishChanges(t *testing.T, c *redis.CatalogChanges, cs ...shopgraph.CatalogChange) {
	t.Helper()
	for _, ch := range cs {
		if err := c.Publish(context.Background(), ch); err != nil {
			t.Fatalf("Publish(%v): %v", ch, err)
		}
	}
}

// TestCatalogChanges_acrossInstances: changes published on either of two
// instances reach the handlers of both, each exactly once (the publisher's
// own included, through Redis only) and in publish order, one call at a
// time.
func TestCatalogChanges_acrossInstances(t *testing.T) {
	srv := redistest.Start(t)
	opts := redis.CatalogOptions{Channel: "test:catalog-across"}
	a, b := newCatalogInstance(t, srv, opts), newCatalogInstance(t, srv, opts)
	const n = 60
	for i := range n {
		from := a
		if i%3 == 2 {
			from = b
		}
		mustPublishChanges(t, from.CatalogChanges, change(i))
	}
	a.rec.expect(t, "A", changes(0, n))
	b.rec.expect(t, "B", changes(0, n))
	for name, c := range map[string]struct {
		inst      catalogInstance
		published uint64
	}{"A": {a, 2 * n / 3}, "B": {b, n / 3}} {
		if st := c.inst.Stats(); st.Published != c.published || st.Received != n || st.Malformed != 0 || st.PublishErrors != 0 || st.Reconnects != 0 || !st.Connected {
			t.Errorf("%s: Stats = %+v, want %d published, %d received", name, st, c.published, n)
		}
	}
}

// TestCatalogChanges_defaultChannel: with no channel set, changes travel on
// DefaultCatalogChannel, not on the order events' channel.
func TestCatalogChanges_defaultChannel(t *testing.T) {
	srv := redistest.Start(t)
	rec := &recorder{}
	c, err := redis.NewCatalogChanges(srv.URL, rec.handle, redis.CatalogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	readyCatalog(t, c)
	if redis.DefaultCatalogChannel != "shopgraph:catalog-changes" {
		t.Fatalf("DefaultCatalogChannel = %q", redis.DefaultCatalogChannel)
	}
	if got := srv.MustDo(t, "PUBSUB", "CHANNELS"); got != redis.DefaultCatalogChannel {
		t.Fatalf("PUBSUB CHANNELS = %q, want %q", got, redis.DefaultCatalogChannel)
	}
	srv.MustDo(t, "PUBLISH", redis.DefaultChannel, `{"key":{"Category":"c","ProductID":"p"}}`)
	mustPublishChanges(t, c, change(1))
	rec.expect(t, "the handler", changes(1, 2))
}

// TestCatalogChanges_malformed: messages on the channel that are not catalog
// changes are counted, logged and skipped, and the next valid ones arrive; a
// message with fields this version does not know is delivered.
func TestCatalogChanges_malformed(t *testing.T) {
	srv := redistest.Start(t)
	a := newCatalogInstance(t, srv, redis.CatalogOptions{Channel: "test:catalog-malformed"})
	bad := []string{
		"not json", `{"key":`, `[1,2]`, `{}`, `{"key":{}}`, `{"key":{"Category":"c"}}`,
		`{"key":{"ProductID":"p"}}`, `{"key":"c/p"}`, `{"key":{"Category":1,"ProductID":"p"}}`, "",
	}
	for _, payload := range bad {
		srv.MustDo(t, "PUBLISH", "test:catalog-malformed", payload)
	}
	srv.MustDo(t, "PUBLISH", "test:catalog-malformed", `{"key":{"category":"cat-9","productId":"sku-9"},"addedLater":{"x":1}}`)
	mustPublishChanges(t, a.CatalogChanges, change(1))
	a.rec.expect(t, "the handler", []shopgraph.CatalogChange{
		{Key: shopgraph.ProductKey{Category: "cat-9", ProductID: "sku-9"}}, change(1),
	})
	if st := a.Stats(); st.Malformed != uint64(len(bad)) || st.Received != 2 {
		t.Fatalf("Stats = %+v, want %d malformed, 2 received", st, len(bad))
	}
	log := a.log.String()
	if !strings.Contains(log, "skipped a malformed message on the catalog changes channel") {
		t.Fatalf("nothing logged:\n%s", log)
	}
	if n := strings.Count(log, "skipped a malformed message"); n != 1 {
		t.Fatalf("logged %d malformed messages within a second, want 1 (rate-limited):\n%s", n, log)
	}
}

// TestCatalogChanges_incompleteKey: Publish refuses a change without a full
// key (every receiver would skip it), sending nothing.
func TestCatalogChanges_incompleteKey(t *testing.T) {
	srv := redistest.Start(t)
	a := newCatalogInstance(t, srv, redis.CatalogOptions{Channel: "test:catalog-key"})
	for _, key := range []shopgraph.ProductKey{{}, {Category: "c"}, {ProductID: "p"}} {
		err := a.Publish(context.Background(), shopgraph.CatalogChange{Key: key})
		if err == nil || !strings.Contains(err.Error(), "test:catalog-key") {
			t.Errorf("Publish(%+v) = %v, want an error naming the channel", key, err)
		}
	}
	mustPublishChanges(t, a.CatalogChanges, change(0))
	a.rec.expect(t, "the handler", changes(0, 1))
	if st := a.Stats(); st.PublishErrors != 3 || st.Published != 1 || st.Malformed != 0 {
		t.Fatalf("Stats = %+v, want 3 publish errors, 1 published, none malformed", st)
	}
}

// TestCatalogChanges_redisRestart: while Redis is down Publish fails with an
// error naming the channel; once it is back both instances resubscribe by
// themselves and later changes arrive.
func TestCatalogChanges_redisRestart(t *testing.T) {
	srv := redistest.Start(t)
	opts := redis.CatalogOptions{Channel: "test:catalog-restart"}
	a, b := newCatalogInstance(t, srv, opts), newCatalogInstance(t, srv, opts)
	mustPublishChanges(t, a.CatalogChanges, change(0))
	waitFor(t, "the first change", func() bool { return len(a.rec.changes()) == 1 && len(b.rec.changes()) == 1 })

	srv.Stop(t)
	waitFor(t, "both to notice", func() bool { return !a.Stats().Connected && !b.Stats().Connected })
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	err := a.Publish(ctx, change(1))
	cancel()
	if err == nil || errors.Is(err, events.ErrClosed) || !strings.Contains(err.Error(), "publish catalog change cat-1/sku-001 to Redis channel test:catalog-restart") {
		t.Fatalf("Publish with Redis down = %v, want a wrapped error naming the channel", err)
	}
	time.Sleep(300 * time.Millisecond) // a few failed reconnection attempts

	srv.Restart(t)
	readyCatalog(t, a.CatalogChanges)
	readyCatalog(t, b.CatalogChanges)
	mustPublishChanges(t, b.CatalogChanges, changes(2, 12)...)
	want := append(changes(0, 1), changes(2, 12)...)
	a.rec.expect(t, "A", want)
	b.rec.expect(t, "B", want)
	for name, inst := range map[string]catalogInstance{"A": a, "B": b} {
		if st := inst.Stats(); st.Reconnects != 1 || !st.Connected {
			t.Errorf("%s: Stats = %+v, want 1 reconnect, subscribed", name, st)
		}
		if log := inst.log.String(); !strings.Contains(log, "lost the Redis subscription of the catalog changes") || !strings.Contains(log, "cannot subscribe to the catalog changes") {
			t.Errorf("%s logged no outage:\n%s", name, log)
		}
	}
	if st := a.Stats(); st.PublishErrors != 1 {
		t.Errorf("A: PublishErrors = %d, want 1", st.PublishErrors)
	}
}

// TestCatalogChanges_connectionKilled: Redis dropping the subscribers'
// connections (CLIENT KILL) is recovered from like a restart.
func TestCatalogChanges_connectionKilled(t *testing.T) {
	srv := redistest.Start(t)
	var resubscribed atomic.Int32
	opts := redis.CatalogOptions{Channel: "test:catalog-kill", OnResubscribed: func() { resubscribed.Add(1) }}
	a, b := newCatalogInstance(t, srv, opts), newCatalogInstance(t, srv, opts)
	if n := resubscribed.Load(); n != 0 {
		t.Fatalf("OnResubscribed called %d times at the first subscription", n)
	}
	if got := srv.MustDo(t, "CLIENT", "KILL", "TYPE", "pubsub"); got != "2" {
		t.Fatalf("CLIENT KILL TYPE pubsub killed %s connections, want the 2 instances'", got)
	}
	waitFor(t, "both to resubscribe", func() bool {
		sa, sb := a.Stats(), b.Stats()
		return sa.Reconnects == 1 && sa.Connected && sb.Reconnects == 1 && sb.Connected
	})
	mustPublishChanges(t, a.CatalogChanges, changes(0, 5)...)
	b.rec.expect(t, "B", changes(0, 5))
	a.rec.expect(t, "A", changes(0, 5))
	if n := resubscribed.Load(); n != 2 {
		t.Errorf("OnResubscribed called %d times, want once per instance", n)
	}
}

// TestCatalogChanges_silentRedis: a connection on which Redis stops
// answering is given up after the health check, and the subscription comes
// back once Redis answers again.
func TestCatalogChanges_silentRedis(t *testing.T) {
	srv := redistest.Start(t)
	a := newCatalogInstance(t, srv, redis.CatalogOptions{HealthCheck: 100 * time.Millisecond})
	srv.Freeze(t)
	waitFor(t, "the silent connection to be given up", func() bool { return !a.Stats().Connected })
	if log := a.log.String(); !strings.Contains(log, "no answer from Redis for 200ms") {
		t.Fatalf("the log does not say why:\n%s", log)
	}
	srv.Thaw(t)
	readyCatalog(t, a.CatalogChanges)
	mustPublishChanges(t, a.CatalogChanges, changes(0, 3)...)
	a.rec.expect(t, "the handler", changes(0, 3))
	if st := a.Stats(); st.Reconnects != 1 {
		t.Fatalf("Stats = %+v, want 1 reconnect", st)
	}
}

// TestCatalogChanges_Close: Close waits for a handler call in progress,
// whose context it cancels; it is idempotent, makes Publish and Ready
// refuse with events.ErrClosed and leaves no goroutine behind, also when
// Redis is down.
func TestCatalogChanges_Close(t *testing.T) {
	srv := redistest.Start(t)
	settle(t, 0)
	before := runtime.NumGoroutine()

	started := make(chan struct{})
	var finished atomic.Bool
	var sawCancel atomic.Bool
	handle := func(ctx context.Context, c shopgraph.CatalogChange) {
		close(started) // once: a second call panics
		select {
		case <-ctx.Done():
			sawCancel.Store(true)
		case <-time.After(10 * time.Second):
		}
		time.Sleep(100 * time.Millisecond) // Close must wait for this
		finished.Store(true)
	}
	a, err := redis.NewCatalogChanges(srv.URL, handle, redis.CatalogOptions{Channel: "test:catalog-close"})
	if err != nil {
		t.Fatal(err)
	}
	readyCatalog(t, a)
	mustPublishChanges(t, a, change(0))
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("the handler was not called")
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := a.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if !finished.Load() {
				t.Error("Close returned before the handler call in progress finished")
			}
		})
	}
	wg.Wait()
	if !sawCancel.Load() {
		t.Error("the handler's context was not canceled by Close")
	}
	if err := a.Publish(context.Background(), change(1)); !errors.Is(err, events.ErrClosed) {
		t.Errorf("Publish after Close = %v, want ErrClosed", err)
	}
	if err := a.Ready(context.Background()); !errors.Is(err, events.ErrClosed) {
		t.Errorf("Ready after Close = %v, want ErrClosed", err)
	}
	if st := a.Stats(); st.Connected || st.Published != 1 || st.PublishErrors != 0 {
		t.Errorf("Stats after Close = %+v, want disconnected, 1 published, no publish errors", st)
	}

	// b closes while Redis is down and it is retrying.
	rec := &recorder{}
	b, err := redis.NewCatalogChanges(srv.URL, rec.handle, redis.CatalogOptions{Channel: "test:catalog-close"})
	if err != nil {
		t.Fatal(err)
	}
	readyCatalog(t, b)
	srv.Stop(t)
	waitFor(t, "b to notice", func() bool { return !b.Stats().Connected })
	start := time.Now()
	if err := b.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close with Redis down took %v", d)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	settle(t, before)
}

// TestCatalogChanges_unreachable: with no Redis, CatalogChanges are not
// ready, Publish fails, and Close is prompt.
func TestCatalogChanges_unreachable(t *testing.T) {
	srv := redistest.Start(t)
	url := srv.URL
	srv.Stop(t)
	c, err := redis.NewCatalogChanges(url+"?dial_timeout=200ms&max_retries=-1", (&recorder{}).handle, redis.CatalogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := c.Ready(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Ready = %v, want the deadline", err)
	}
	if err := c.Publish(context.Background(), change(1)); err == nil || !strings.Contains(err.Error(), redis.DefaultCatalogChannel) {
		t.Fatalf("Publish with no Redis = %v, want an error naming the channel", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestNewCatalogChanges_badURL(t *testing.T) {
	handle := (&recorder{}).handle
	for _, url := range []string{"", "redis//nope", "http://cache:6379", "redis://app:s3cret@cache:6379/x", "redis://app:s3cret@cache:port/0"} {
		c, err := redis.NewCatalogChanges(url, handle, redis.CatalogOptions{})
		if err == nil {
			c.Close()
			t.Errorf("NewCatalogChanges(%q) succeeded", url)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "SHOPGRAPH_REDIS_URL") || strings.Contains(msg, "s3cret") {
			t.Errorf("NewCatalogChanges(%q) = %q, want an error naming SHOPGRAPH_REDIS_URL, without the password", url, msg)
		}
		if _, perr := redis.ParseURL(url); perr == nil || perr.Error() != err.Error() {
			t.Errorf("NewCatalogChanges(%q) = %v, ParseURL says %v: want the same", url, err, perr)
		}
	}
	if _, err := redis.NewCatalogChanges("redis://127.0.0.1:1/0", nil, redis.CatalogOptions{}); err == nil {
		t.Error("NewCatalogChanges with a nil handler succeeded")
	}
}
