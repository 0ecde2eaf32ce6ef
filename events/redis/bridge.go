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
//
// CatalogChanges carries the catalog changes (shopgraph.CatalogChangeBus)
// the same way on a channel of their own, to a handler function instead of
// a hub; both share one subscription loop (subscriber).
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
	sub     *subscriber[shopgraph.OrderEvent]

	closeOnce sync.Once
	closeErr  error

	published, publishErrors atomic.Uint64
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
	client := goredis.NewClient(ropts)
	hub := events.NewHub(events.HubOptions{Buffer: opts.Buffer})
	b := &Bridge{client: client, channel: opts.Channel, hub: hub}
	b.sub = newSubscriber(client, opts.Channel, "the order events",
		opts.Logger.With("redis_addr", ropts.Addr, "redis_channel", opts.Channel), opts.HealthCheck,
		decodeOrderEvent,
		func(ctx context.Context, ev shopgraph.OrderEvent) {
			_ = hub.Publish(ctx, ev) // fails only once closed
		})
	b.sub.start()
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
	if b.sub.isClosed() {
		return events.ErrClosed
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		b.publishErrors.Add(1)
		return fmt.Errorf("encode order event %s v%d: %w", ev.OrderID, ev.Version, err)
	}
	if err := b.client.Publish(ctx, b.channel, payload).Err(); err != nil {
		b.publishErrors.Add(1)
		if b.sub.isClosed() {
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

// SubscribePush is SubscribeMatching with the events handed to deliver
// (see events.Hub.SubscribePush).
func (b *Bridge) SubscribePush(orderID, customerID string, deliver func(shopgraph.OrderEvent), ended func(error)) (func(), error) {
	return b.hub.SubscribePush(orderID, customerID, deliver, ended)
}

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
	return b.sub.waitReady(ctx)
}

// Stats returns the bridge's counters.
func (b *Bridge) Stats() Stats {
	return Stats{
		Hub:           b.hub.Stats(),
		Published:     b.published.Load(),
		PublishErrors: b.publishErrors.Load(),
		Received:      b.sub.received.Load(),
		Malformed:     b.sub.malformed.Load(),
		Reconnects:    b.sub.reconnects.Load(),
		Connected:     b.sub.isConnected(),
	}
}

// Close stops the background subscription, ends every subscription (their
// Err is events.ErrClosed) and closes the Redis connections; it returns once
// the bridge's goroutines have ended. It is idempotent.
func (b *Bridge) Close() error {
	b.closeOnce.Do(func() {
		b.sub.close()
		b.hub.Close()
		if err := b.client.Close(); err != nil {
			b.closeErr = fmt.Errorf("close the Redis client: %w", err)
		}
	})
	return b.closeErr
}

// decodeOrderEvent decodes one message of the order events channel; a
// message that is not an order event is an error.
func decodeOrderEvent(payload string) (shopgraph.OrderEvent, error) {
	var ev shopgraph.OrderEvent
	if err := json.Unmarshal([]byte(payload), &ev); err != nil {
		return ev, err
	}
	switch {
	case ev.OrderID == "":
		return ev, errors.New("no orderId")
	case ev.Status == "":
		return ev, errors.New("no status")
	}
	return ev, nil
}

// subscriber keeps one Redis subscription to a channel until close,
// replacing it when it fails, with exponential backoff while Redis stays
// unreachable, and hands every message on it, in the order received, to
// decode and then (when decode accepts it) to handle, one at a time, on its
// own goroutine. A message decode rejects is counted and logged (at most
// once a second), never fatal. It is shared by the Bridge and
// CatalogChanges; what names the channel's content in its log messages
// ("the order events").
type subscriber[T any] struct {
	client  *goredis.Client
	channel string
	what    string
	log     *slog.Logger
	health  time.Duration
	decode  func(payload string) (T, error)
	handle  func(ctx context.Context, v T) // ctx is canceled by close
	// resubscribed, when set, is called (on the subscriber's goroutine)
	// each time the subscription is back after it was lost.
	resubscribed func()

	ctx    context.Context // canceled by close
	cancel context.CancelFunc
	done   chan struct{} // closed when run returns

	mu               sync.Mutex
	ps               *goredis.PubSub // the current subscription, closed by close
	closed           bool
	ready            chan struct{} // closed while subscribed; replaced when the subscription is lost
	connected        bool
	lastMalformedLog time.Time

	received, malformed, reconnects atomic.Uint64
	wasSubscribed                   atomic.Bool // subscribed at least once
}

// newSubscriber returns a subscriber; start starts it. The client is the
// caller's, to close after close.
func newSubscriber[T any](client *goredis.Client, channel, what string, log *slog.Logger, health time.Duration,
	decode func(payload string) (T, error), handle func(ctx context.Context, v T)) *subscriber[T] {
	ctx, cancel := context.WithCancel(context.Background())
	return &subscriber[T]{
		client:  client,
		channel: channel,
		what:    what,
		log:     log,
		health:  health,
		decode:  decode,
		handle:  handle,
		ctx:     ctx,
		cancel:  cancel,
		done:    make(chan struct{}),
		ready:   make(chan struct{}),
	}
}

func (s *subscriber[T]) start() { go s.run() }

// isClosed says close has been called.
func (s *subscriber[T]) isClosed() bool { return s.ctx.Err() != nil }

// isConnected says the subscriber is subscribed to the channel now.
func (s *subscriber[T]) isConnected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connected
}

// waitReady waits until the subscriber is subscribed to the channel. It
// returns ctx's error (wrapped) when ctx ends first, and events.ErrClosed
// after close.
func (s *subscriber[T]) waitReady(ctx context.Context) error {
	s.mu.Lock()
	ready, closed := s.ready, s.closed
	s.mu.Unlock()
	if closed {
		return events.ErrClosed
	}
	select {
	case <-ready:
		return nil
	case <-s.done:
		return events.ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("wait for the Redis subscription to %s: %w", s.channel, ctx.Err())
	}
}

// close stops the subscription and waits until run has returned (a handle
// call in progress finishes first, its context canceled). It is idempotent
// and does not close the client.
func (s *subscriber[T]) close() {
	s.mu.Lock()
	s.closed = true
	ps := s.ps
	s.mu.Unlock()
	s.cancel()
	if ps != nil {
		_ = ps.Close() // unblocks its Receive
	}
	<-s.done
}

// run keeps one subscription to the channel until close, replacing it when it
// fails, with exponential backoff while Redis stays unreachable.
func (s *subscriber[T]) run() {
	defer close(s.done)
	backoff := minBackoff
	failed := 0 // attempts since the last subscription
	for {
		ps := s.client.Subscribe(s.ctx, s.channel) // connects lazily: Receive reports failures
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = ps.Close()
			return
		}
		s.ps = ps
		s.mu.Unlock()

		subscribed, err := s.receive(ps, failed)
		_ = ps.Close()
		s.setSubscribed(false)
		if s.ctx.Err() != nil {
			return
		}
		if subscribed {
			failed = 0
			s.reconnects.Add(1)
			backoff = minBackoff
			s.log.Warn("lost the Redis subscription of "+s.what+"; reconnecting", "error", err)
		} else {
			failed++
			s.log.Warn("cannot subscribe to "+s.what+" on Redis; retrying", "error", err, "attempt", failed, "retry_in", backoff)
		}
		select {
		case <-time.After(backoff):
		case <-s.ctx.Done():
			return
		}
		if !subscribed {
			backoff = min(2*backoff, maxBackoff)
		}
	}
}

// receive reads ps until it fails (or close), reporting whether it got as
// far as subscribing; failed is how many attempts failed before it. A silent
// connection is pinged after s.health, and given up after another s.health
// without an answer.
func (s *subscriber[T]) receive(ps *goredis.PubSub, failed int) (subscribed bool, err error) {
	pinged := false
	for {
		msg, err := ps.ReceiveTimeout(s.ctx, s.health)
		if err != nil {
			if s.ctx.Err() != nil {
				return subscribed, err
			}
			if !isTimeout(err) {
				return subscribed, err
			}
			if pinged {
				return subscribed, fmt.Errorf("no answer from Redis for %v", 2*s.health)
			}
			if err := ps.Ping(s.ctx); err != nil {
				return subscribed, fmt.Errorf("ping: %w", err)
			}
			pinged = true
			continue
		}
		pinged = false
		switch m := msg.(type) {
		case *goredis.Subscription:
			if m.Kind == "subscribe" && m.Channel == s.channel {
				s.log.Info("subscribed to "+s.what+" on Redis", "reconnects", s.reconnects.Load(), "failed_attempts", failed)
				subscribed = true
				s.setSubscribed(true)
				if s.resubscribed != nil && s.wasSubscribed.Load() {
					s.resubscribed()
				}
				s.wasSubscribed.Store(true)
			}
		case *goredis.Message:
			s.deliver(m.Payload)
		case *goredis.Pong:
		}
	}
}

// deliver decodes one message and hands it to handle; a message decode
// rejects is counted and logged (at most once a second), never fatal.
func (s *subscriber[T]) deliver(payload string) {
	v, err := s.decode(payload)
	if err != nil {
		n := s.malformed.Add(1)
		s.mu.Lock()
		now := time.Now()
		logIt := now.Sub(s.lastMalformedLog) >= time.Second
		if logIt {
			s.lastMalformedLog = now
		}
		s.mu.Unlock()
		if logIt {
			s.log.Warn("skipped a malformed message on "+s.what+" channel", "error", err, "bytes", len(payload), "malformed_total", n)
		}
		return
	}
	s.received.Add(1)
	s.handle(s.ctx, v)
}

// setSubscribed records whether the subscriber is subscribed, and opens or
// re-arms waitReady.
func (s *subscriber[T]) setSubscribed(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on == s.connected {
		return
	}
	s.connected = on
	if on {
		close(s.ready)
	} else {
		s.ready = make(chan struct{})
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
