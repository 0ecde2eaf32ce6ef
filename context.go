package shopgraph

import (
	"context"
	"maps"
	"sync"
)

type ctxKey int

const (
	requestStatsKey ctxKey = iota
	requestIDKey
)

// RequestStats counts the backend requests made on behalf of one GraphQL
// operation, by API operation name (for DynamoDB: "Query", "BatchGetItem", …).
// It is safe for concurrent use; the zero value is ready to use.
type RequestStats struct {
	mu     sync.Mutex
	counts map[string]int
}

// Add records one request of the named operation.
func (s *RequestStats) Add(operation string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts == nil {
		s.counts = map[string]int{}
	}
	s.counts[operation]++
}

// Snapshot returns the total and a copy of the per-operation counts.
func (s *RequestStats) Snapshot() (total int, byOperation map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	byOperation = maps.Clone(s.counts)
	if byOperation == nil {
		byOperation = map[string]int{}
	}
	for _, n := range byOperation {
		total += n
	}
	return total, byOperation
}

// NewContextWithRequestStats returns a context carrying s.
func NewContextWithRequestStats(ctx context.Context, s *RequestStats) context.Context {
	return context.WithValue(ctx, requestStatsKey, s)
}

// RequestStatsFromContext returns the stats carried by ctx, or nil.
func RequestStatsFromContext(ctx context.Context) *RequestStats {
	s, _ := ctx.Value(requestStatsKey).(*RequestStats)
	return s
}

// NewContextWithRequestID returns a context carrying the request id.
func NewContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestIDFromContext returns the request id carried by ctx, or "".
func RequestIDFromContext(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// SubscriptionControl connects a subscription resolver with the transport
// that runs it: Started says the subscription is live (the AppSync
// real-time protocol's start_ack), Ended why it stopped on its own (a
// subscriber that fell behind, a bus that went away). Either may be nil.
//
// Push and Render let a transport run a subscription without a goroutine
// waiting for each one's events: with Push, the resolver hands each event
// to Push (calling SubscriptionPushed) and returns a closed channel;
// the transport then renders each event with a dispatch of its own whose
// control carries it in Render, for which the resolver returns just that
// event.
type SubscriptionControl struct {
	Started func()
	Ended   func(error)
	Push    func(event any)
	// Until, with Push, is the pushed subscription's life: the resolver
	// stops pushing when it ends. (A context of its own, not the
	// resolver's: what waits on it is kept as long as it runs.)
	Until  context.Context
	Render any

	pushed bool
}

// SubscriptionPush is the control of a transport that asked for the
// events to be pushed (nil otherwise).
func SubscriptionPush(ctx context.Context) *SubscriptionControl {
	if c, _ := ctx.Value(subscriptionControlKey{}).(*SubscriptionControl); c != nil && c.Push != nil && c.Until != nil {
		return c
	}
	return nil
}

// SubscriptionPushed tells the transport that the resolver hands the
// events to Push.
func SubscriptionPushed(ctx context.Context) {
	if c, _ := ctx.Value(subscriptionControlKey{}).(*SubscriptionControl); c != nil {
		c.pushed = true
	}
}

// Pushed reports whether the resolver took up Push.
func (c *SubscriptionControl) Pushed() bool { return c.pushed }

// SubscriptionRender is the one event a render-only dispatch renders.
func SubscriptionRender(ctx context.Context) (any, bool) {
	if c, _ := ctx.Value(subscriptionControlKey{}).(*SubscriptionControl); c != nil && c.Render != nil {
		return c.Render, true
	}
	return nil, false
}

type subscriptionControlKey struct{}

// NewContextWithSubscriptionControl returns a context carrying c.
func NewContextWithSubscriptionControl(ctx context.Context, c *SubscriptionControl) context.Context {
	return context.WithValue(ctx, subscriptionControlKey{}, c)
}

// SubscriptionStarted tells the transport, if it asked, that the
// subscription is live.
func SubscriptionStarted(ctx context.Context) {
	if c, _ := ctx.Value(subscriptionControlKey{}).(*SubscriptionControl); c != nil && c.Started != nil {
		c.Started()
	}
}

// SubscriptionEnded tells the transport, if it asked, why the subscription
// ended on its own.
func SubscriptionEnded(ctx context.Context, err error) {
	if c, _ := ctx.Value(subscriptionControlKey{}).(*SubscriptionControl); c != nil && c.Ended != nil {
		c.Ended(err)
	}
}
