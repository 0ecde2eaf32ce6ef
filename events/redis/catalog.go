package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/events"
)

// DefaultCatalogChannel is the Redis pub/sub channel of the catalog changes,
// when CatalogOptions.Channel is empty.
const DefaultCatalogChannel = "shopgraph:catalog-changes"

var _ shopgraph.CatalogChangeBus = (*CatalogChanges)(nil)

// CatalogOptions configures CatalogChanges. The zero value is ready to use.
type CatalogOptions struct {
	// Channel is the Redis pub/sub channel; every instance must use the
	// same. Empty means DefaultCatalogChannel.
	Channel string
	// Logger receives the warnings (lost and restored subscription,
	// malformed messages). Nil discards them.
	Logger *slog.Logger
	// HealthCheck is how long the subscription may be silent before it is
	// pinged; without an answer within another HealthCheck it reconnects.
	// Zero means DefaultHealthCheck.
	HealthCheck time.Duration
	// OnResubscribed, when set, is called each time the subscription is
	// back after it was lost (not at the first): the changes published
	// meanwhile never arrive, so whoever keeps an index should check it
	// against the catalog. It runs on the subscription's goroutine: start
	// long work in a goroutine of its own.
	OnResubscribed func()
}

// CatalogStats are the counters of CatalogChanges, for metrics: totals since
// NewCatalogChanges, except Connected.
type CatalogStats struct {
	// Published counts changes sent to Redis; PublishErrors the Publish
	// calls that failed.
	Published, PublishErrors uint64
	// Received counts changes received from Redis and handed to the
	// handler.
	Received uint64
	// Malformed counts messages on the channel that were not catalog
	// changes, skipped.
	Malformed uint64
	// Reconnects counts the times the Redis subscription was lost and
	// re-established.
	Reconnects uint64
	// Connected says the subscription to the Redis channel is up now.
	Connected bool
}

// CatalogChanges is the Redis-backed shopgraph.CatalogChangeBus: Publish
// sends a change, as JSON, to the channel, and one background subscription
// receives every change on the channel, from every instance (this one
// included), and calls the handler with it: one call at a time, in the order
// Redis delivered them. Like the Bridge it is at-most-once (changes
// published while it is not subscribed do not reach its handler), and it
// reconnects and resubscribes by itself, with backoff. A handler should be
// quick: while it runs, further changes wait (in Redis's output buffer for
// the connection, which Redis cuts off when it overflows).
//
// Its methods are safe for concurrent use. Close it to stop its goroutine
// and close its connections.
type CatalogChanges struct {
	client  *goredis.Client
	channel string
	sub     *subscriber[shopgraph.CatalogChange]

	closeOnce sync.Once
	closeErr  error

	published, publishErrors atomic.Uint64
}

// NewCatalogChanges returns CatalogChanges on the Redis server at rawURL (as
// New takes it; a malformed URL is an error naming URLSetting) and starts
// subscribing in the background: it does not wait for Redis (see Ready).
// handle is called with every change received, from a single goroutine; its
// context is canceled by Close, which waits for a call in progress.
func NewCatalogChanges(rawURL string, handle func(context.Context, shopgraph.CatalogChange), opts CatalogOptions) (*CatalogChanges, error) {
	if handle == nil {
		return nil, errors.New("redis.NewCatalogChanges: nil handler")
	}
	ropts, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if opts.Channel == "" {
		opts.Channel = DefaultCatalogChannel
	}
	if opts.HealthCheck <= 0 {
		opts.HealthCheck = DefaultHealthCheck
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	client := goredis.NewClient(ropts)
	c := &CatalogChanges{client: client, channel: opts.Channel}
	c.sub = newSubscriber(client, opts.Channel, "the catalog changes",
		opts.Logger.With("redis_addr", ropts.Addr, "redis_channel", opts.Channel), opts.HealthCheck,
		decodeCatalogChange, handle)
	c.sub.resubscribed = opts.OnResubscribed
	c.sub.start()
	return c, nil
}

// Publish sends ch to the Redis channel, from which every instance (this one
// included) hands it to its handler. It waits for Redis, never for a
// handler. It fails for a change with an incomplete key, when Redis cannot
// be reached (wrapped go-redis error, naming the channel) and with
// events.ErrClosed after Close.
func (c *CatalogChanges) Publish(ctx context.Context, ch shopgraph.CatalogChange) error {
	if c.sub.isClosed() {
		return events.ErrClosed
	}
	err := publishCatalogChange(ctx, c.client, c.channel, ch)
	switch {
	case err == nil:
		c.published.Add(1)
	case c.sub.isClosed():
		c.publishErrors.Add(1)
		return events.ErrClosed
	default:
		c.publishErrors.Add(1)
	}
	return err
}

func publishCatalogChange(ctx context.Context, client *goredis.Client, channel string, ch shopgraph.CatalogChange) error {
	if err := checkCatalogChange(ch); err != nil {
		return fmt.Errorf("publish catalog change %s/%s to Redis channel %s: %w", ch.Key.Category, ch.Key.ProductID, channel, err)
	}
	payload, err := json.Marshal(ch)
	if err != nil {
		return fmt.Errorf("encode catalog change %s/%s: %w", ch.Key.Category, ch.Key.ProductID, err)
	}
	if err := client.Publish(ctx, channel, payload).Err(); err != nil {
		return fmt.Errorf("publish catalog change %s/%s to Redis channel %s: %w", ch.Key.Category, ch.Key.ProductID, channel, err)
	}
	return nil
}

// CatalogPublisher only publishes catalog changes, for a process that has
// no index to keep (the tasks Lambda): it holds no subscription, so it
// costs nothing between calls.
type CatalogPublisher struct {
	client  *goredis.Client
	channel string
}

var _ shopgraph.CatalogChangeBus = (*CatalogPublisher)(nil)

// NewCatalogPublisher returns a publisher on the Redis server at rawURL (a
// malformed URL is an error naming URLSetting); channel "" is
// DefaultCatalogChannel. It connects at the first Publish.
func NewCatalogPublisher(rawURL, channel string) (*CatalogPublisher, error) {
	ropts, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if channel == "" {
		channel = DefaultCatalogChannel
	}
	return &CatalogPublisher{client: goredis.NewClient(ropts), channel: channel}, nil
}

// Publish sends ch to every instance's CatalogChanges.
func (p *CatalogPublisher) Publish(ctx context.Context, ch shopgraph.CatalogChange) error {
	return publishCatalogChange(ctx, p.client, p.channel, ch)
}

// Close closes the Redis connections.
func (p *CatalogPublisher) Close() error { return p.client.Close() }

// Ready waits until the subscription to the Redis channel is up, so that
// every change published afterwards reaches the handler (while Redis stays
// up). It returns ctx's error when ctx ends first, and events.ErrClosed
// after Close.
func (c *CatalogChanges) Ready(ctx context.Context) error {
	return c.sub.waitReady(ctx)
}

// Stats returns the counters.
func (c *CatalogChanges) Stats() CatalogStats {
	return CatalogStats{
		Published:     c.published.Load(),
		PublishErrors: c.publishErrors.Load(),
		Received:      c.sub.received.Load(),
		Malformed:     c.sub.malformed.Load(),
		Reconnects:    c.sub.reconnects.Load(),
		Connected:     c.sub.isConnected(),
	}
}

// Close stops the background subscription (cancelling the handler's
// context, and waiting for a handler call in progress) and closes the Redis
// connections. It is idempotent.
func (c *CatalogChanges) Close() error {
	c.closeOnce.Do(func() {
		c.sub.close()
		if err := c.client.Close(); err != nil {
			c.closeErr = fmt.Errorf("close the Redis client: %w", err)
		}
	})
	return c.closeErr
}

// decodeCatalogChange decodes one message of the catalog changes channel; a
// message that is not a catalog change is an error.
func decodeCatalogChange(payload string) (shopgraph.CatalogChange, error) {
	var ch shopgraph.CatalogChange
	if err := json.Unmarshal([]byte(payload), &ch); err != nil {
		return ch, err
	}
	return ch, checkCatalogChange(ch)
}

func checkCatalogChange(ch shopgraph.CatalogChange) error {
	switch {
	case ch.Key.Category == "":
		return errors.New("no key category")
	case ch.Key.ProductID == "":
		return errors.New("no key product id")
	}
	return nil
}
