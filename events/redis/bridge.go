// Package redis is the Redis bridge of the order events: a
// shopgraph.OrderEventBus that fans events out across instances through a
// Redis pub/sub channel, on github.com/redis/go-redis/v9.
//
// Publish sends the event, as JSON, to the channel; one background
// subscription per bridge receives every event on the channel, from every
// instance, and publishes it into a local events.Hub, whose subscriptions
// Subscribe returns. So an event published on any instance reaches the
// subscribers of every instance once, the publisher's own included (through
// Redis, never also locally), and every subscriber of an instance sees the
// events in the order Redis delivered them.
//
// Redis pub/sub is at-most-once: events published while a bridge is not
// subscribed (before Ready, or while Redis is down or unreachable) do not
// reach that bridge's subscribers. The bridge reconnects and resubscribes by
// itself, with backoff, and logs the outage and the recovery.
package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/events"
)

// URLSetting names the setting the bridge's URL comes from, for error
// messages.
const URLSetting = "SHOPGRAPH_REDIS_URL"

// DefaultChannel is the Redis pub/sub channel of the order events, when
// Options.Channel is empty.
const DefaultChannel = "shopgraph:order-events"

// Defaults of Options.
const (
	DefaultHealthCheck = 5 * time.Second
	minBackoff         = 100 * time.Millisecond
	maxBackoff         = 5 * time.Second
)

var _ shopgraph.OrderEventBus = (*Bridge)(nil)

// Options configures a Bridge. The zero value is ready to use.
type Options struct {
	// Channel is the Redis pub/sub channel; every instance must use the
	// same. Empty means DefaultChannel.
	Channel string
	// Buffer is the per-subscription buffer of the local hub
	// (events.HubOptions.Buffer). Zero means events.DefaultBuffer.
	Buffer int
	// Logger receives the bridge's warnings (lost and restored
	// subscription, malformed messages). Nil discards them.
	Logger *slog.Logger
	// HealthCheck is how long the subscription may be silent before the
	// bridge pings Redis on it; without an answer within another
	// HealthCheck it reconnects. Zero means DefaultHealthCheck.
	HealthCheck time.Duration
}

// Stats are the bridge's counters, for metrics: totals since New, except
// Hub.Subscribers, Hub.Backlogged and Connected.
type Stats struct {
	// Hub are the local hub's counters (subscribers, deliveries,
	// subscriptions cut off as slow).
	Hub events.Stats
	// Published counts events sent to Redis; PublishErrors the Publish
	// calls that failed.
	Published, PublishErrors uint64
	// Received counts events received from Redis and handed to the hub.
	Received uint64
	// Malformed counts messages on the channel that were not order events,
	// skipped.
	Malformed uint64
	// Reconnects counts the times the Redis subscription was lost and
	// re-established.
	Reconnects uint64
	// Connected says the bridge is subscribed to the Redis channel now.
	Connected bool
}

// Bridge is the Redis-backed shopgraph.OrderEventBus. Its methods are safe
// for concurrent use. Close it to stop its goroutine and close its
// connections.
type Bridge struct {
	client  *goredis.Client
	channel string
	hub     *events.Hub
	log     *slog.Logger
	health  time.Duration

	ctx       context.Context // canceled by Close
	cancel    context.CancelFunc
	done      chan struct{} // closed when run returns
	closeOnce sync.Once
	closeErr  error

	mu               sync.Mutex
	ps               *goredis.PubSub // the current subscription, closed by Close
	closed           bool
	ready            chan struct{} // closed while subscribed; replaced when the subscription is lost
	connected        bool
	lastMalformedLog time.Time

	published, publishErrors, received, malformed, reconnects atomic.Uint64
}

// New returns a bridge on the Redis server at rawURL
// (redis://[user:password@]host:port[/db], or rediss:// for TLS; go-redis's
// URL options such as ?dial_timeout=3s are accepted) and starts subscribing
// in the background: it does not wait for Redis (see Ready). A malformed URL
// is an error naming URLSetting.
func New(rawURL string, opts Options) (*Bridge, error) {
	ropts, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if opts.Channel == "" {
		opts.Channel = DefaultChannel
	}
	if opts.HealthCheck <= 0 {
		opts.HealthCheck = DefaultHealthCheck
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Bridge{
		client:  goredis.NewClient(ropts),
		channel: opts.Channel,
		hub:     events.NewHub(events.HubOptions{Buffer: opts.Buffer}),
		log:     opts.Logger.With("redis_addr", ropts.Addr, "redis_channel", opts.Channel),
		health:  opts.HealthCheck,
		ctx:     ctx,
		cancel:  cancel,
		done:    make(chan struct{}),
		ready:   make(chan struct{}),
	}
	go b.run()
	return b, nil
}

// ParseURL parses a Redis URL as New does, into go-redis options. Its errors
// name URLSetting and never repeat a password.
func ParseURL(rawURL string) (*goredis.Options, error) {
	const want = "want redis://[user:password@]host:port[/db] or rediss://… for TLS"
	if rawURL == "" {
		return nil, fmt.Errorf("%s is empty; %s", URLSetting, want)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error repeats the URL, password and all
		}
		return nil, fmt.Errorf("%s is not a URL (%v); %s", URLSetting, err, want)
	}
	shown := u.Redacted()
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("%s %q: the scheme must be redis or rediss; %s", URLSetting, shown, want)
	}
	if u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%s %q has no host; %s", URLSetting, shown, want)
	}
	if _, port, err := net.SplitHostPort(u.Host); err == nil && port == "" {
		return nil, fmt.Errorf("%s %q has an empty port; %s", URLSetting, shown, want)
	}
	opts, err := goredis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %v; %s", URLSetting, shown, err, want)
	}
	return opts, nil
}

// Publish sends ev to the Redis channel, from which every instance's bridge
// (this one included) delivers it to its subscribers. It waits for Redis,
// never for a subscriber. It fails when Redis cannot be reached (wrapped
// go-redis error) and with events.ErrClosed after Close.
func (b *Bridge) Publish(ctx context.Context, ev shopgraph.OrderEvent) error {
	if b.ctx.Err() != nil {
		return events.ErrClosed
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		b.publishErrors.Add(1)
		return fmt.Errorf("encode order event %s v%d: %w", ev.OrderID, ev.Version, err)
	}
	if err := b.client.Publish(ctx, b.channel, payload).Err(); err != nil {
		b.publishErrors.Add(1)
		if b.ctx.Err() != nil {
			return events.ErrClosed
		}
		return fmt.Errorf("publish order event %s v%d to Redis channel %s: %w", ev.OrderID, ev.Version, b.channel, err)
	}
	b.published.Add(1)
	return nil
}

// Subscribe returns a subscription of the local hub: every event that
// reaches this bridge from Redis after it returns. It does not wait for
// Redis (see Ready). After Close it returns events.ErrClosed.
func (b *Bridge) Subscribe(ctx context.Context) (shopgraph.OrderEventSubscription, error) {
	return b.hub.Subscribe(ctx)
}

var _ shopgraph.MatchingSubscriber = (*Bridge)(nil)

// SubscribeMatching is Subscribe to the events of one order and/or one
// customer (see events.Hub.SubscribeMatching).
func (b *Bridge) SubscribeMatching(ctx context.Context, orderID, customerID string) (shopgraph.OrderEventSubscription, error) {
	return b.hub.SubscribeMatching(ctx, orderID, customerID)
}

// Ready waits until the bridge is subscribed to the Redis channel, so that
// every event published afterwards reaches its subscribers (while Redis
// stays up). It returns ctx's error when ctx ends first, and
// events.ErrClosed after Close.
func (b *Bridge) Ready(ctx context.Context) error {
	b.mu.Lock()
	ready, closed := b.ready, b.closed
	b.mu.Unlock()
	if closed {
		return events.ErrClosed
	}
	select {
	case <-ready:
		return nil
	case <-b.done:
		return events.ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("wait for the Redis subscription to %s: %w", b.channel, ctx.Err())
	}
}

// Stats returns the bridge's counters.
func (b *Bridge) Stats() Stats {
	b.mu.Lock()
	connected := b.connected
	b.mu.Unlock()
	return Stats{
		Hub:           b.hub.Stats(),
		Published:     b.published.Load(),
		PublishErrors: b.publishErrors.Load(),
		Received:      b.received.Load(),
		Malformed:     b.malformed.Load(),
		Reconnects:    b.reconnects.Load(),
		Connected:     connected,
	}
}

// Close stops the background subscription, ends every subscription (their
// Err is events.ErrClosed) and closes the Redis connections; it returns once
// the bridge's goroutines have ended. It is idempotent.
func (b *Bridge) Close() error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closed = true
		ps := b.ps
		b.mu.Unlock()
		b.cancel()
		if ps != nil {
			_ = ps.Close() // unblocks its Receive
		}
		<-b.done
		b.hub.Close()
		if err := b.client.Close(); err != nil {
			b.closeErr = fmt.Errorf("close the Redis client: %w", err)
		}
	})
	return b.closeErr
}

// run keeps one subscription to the channel until Close, replacing it when it
// fails, with exponential backoff while Redis stays unreachable.
func (b *Bridge) run() {
	defer close(b.done)
	backoff := minBackoff
	failed := 0 // attempts since the last subscription
	for {
		ps := b.client.Subscribe(b.ctx, b.channel) // connects lazily: Receive reports failures
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			_ = ps.Close()
			return
		}
		b.ps = ps
		b.mu.Unlock()

		subscribed, err := b.receive(ps, failed)
		_ = ps.Close()
		b.setSubscribed(false)
		if b.ctx.Err() != nil {
			return
		}
		if subscribed {
			failed = 0
			b.reconnects.Add(1)
			backoff = minBackoff
			b.log.Warn("lost the Redis subscription of the order events; reconnecting", "error", err)
		} else {
			failed++
			b.log.Warn("cannot subscribe to the order events on Redis; retrying", "error", err, "attempt", failed, "retry_in", backoff)
		}
		select {
		case <-time.After(backoff):
		case <-b.ctx.Done():
			return
		}
		if !subscribed {
			backoff = min(2*backoff, maxBackoff)
		}
	}
}

// receive reads ps until it fails (or Close), reporting whether it got as
// far as subscribing; failed is how many attempts failed before it. A silent
// connection is pinged after b.health, and given up after another b.health
// without an answer.
func (b *Bridge) receive(ps *goredis.PubSub, failed int) (subscribed bool, err error) {
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(b.ctx, b.health)
		if err != nil {
			if b.ctx.Err() != nil {
				return subscribed, err
			}
			if !isTimeout(err) {
				return subscribed, err
			}
			if pinged {
				return subscribed, fmt.Errorf("no answer from Redis for %v", 2*b.health)
			}
			if err := ps.Ping(b.ctx); err != nil {
				return subscribed, fmt.Errorf("ping: %w", err)
			}
			pinged = true
			continue
		}
		pinged = false
		switch m := msg.(type) {
		case *goredis.Subscription:
			if m.Kind == "subscribe" && m.Channel == b.channel {
				b.log.Info("subscribed to the order events on Redis", "reconnects", b.reconnects.Load(), "failed_attempts", failed)
				subscribed = true
				b.setSubscribed(true)
			}
		case *goredis.Message:
			b.deliver(m)
		case *goredis.Pong:
		}
	}
}

// deliver decodes one message and publishes it into the hub; a message that
// is not an order event is counted and logged (at most once a second), never
// fatal.
func (b *Bridge) deliver(m *goredis.Message) {
	var ev shopgraph.OrderEvent
	err := json.Unmarshal([]byte(m.Payload), &ev)
	switch {
	case err != nil:
	case ev.OrderID == "":
		err = errors.New("no orderId")
	case ev.Status == "":
		err = errors.New("no status")
	}
	if err != nil {
		n := b.malformed.Add(1)
		b.mu.Lock()
		now := time.Now()
		logIt := now.Sub(b.lastMalformedLog) >= time.Second
		if logIt {
			b.lastMalformedLog = now
		}
		b.mu.Unlock()
		if logIt {
			b.log.Warn("skipped a malformed message on the order events channel", "error", err, "bytes", len(m.Payload), "malformed_total", n)
		}
		return
	}
	b.received.Add(1)
	_ = b.hub.Publish(b.ctx, ev) // fails only once closed
}

// setSubscribed records whether the bridge is subscribed, and opens or
// re-arms Ready.
func (b *Bridge) setSubscribed(on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if on == b.connected {
		return
	}
	b.connected = on
	if on {
		close(b.ready)
	} else {
		b.ready = make(chan struct{})
	}
}

// SetLibraryLogger sends go-redis's own log lines (failed dials and the
// like, written to stderr by default) to l at Warn level. go-redis has one
// logger per process, so this changes it for every client in the process:
// call it once, from the composition root, if at all.
func SetLibraryLogger(l *slog.Logger) {
	goredis.SetLogger(libraryLogger{l})
}

type libraryLogger struct{ l *slog.Logger }

func (g libraryLogger) Printf(ctx context.Context, format string, v ...any) {
	g.l.WarnContext(ctx, strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: "), "library", "go-redis")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
