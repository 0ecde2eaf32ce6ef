// Package events is the in-process order-event hub: a shopgraph.OrderEventBus
// that fans every published event out to the subscriptions of this process.
// Each subscription has a bounded buffer; Publish never waits for a
// subscriber, and one that lets its buffer fill up is cut off with
// shopgraph.ErrSlowSubscriber while the others carry on. The Redis bridge
// (events/redis) carries events between instances and delivers them through
// a Hub on each.
package events

import (
	"context"
	"errors"
	"sync"

	"github.com/shopgraph/shopgraph"
)

// DefaultBuffer is how many events a subscription may have waiting before it
// is cut off as slow, when HubOptions.Buffer is zero.
const DefaultBuffer = 256

// ErrClosed is returned by Publish and Subscribe after the hub (or a bridge
// built on one) is closed, and is the Err of the subscriptions it ended.
var ErrClosed = errors.New("the order event hub is closed")

var _ shopgraph.OrderEventBus = (*Hub)(nil)

// HubOptions configures a Hub.
type HubOptions struct {
	// Buffer is how many events each subscription may have waiting to be
	// read; more and the subscription ends with shopgraph.ErrSlowSubscriber
	// (see Publish). Zero means DefaultBuffer.
	Buffer int
}

// chanCap bounds the capacity of a subscription's channel. The rest of its
// buffer is a backlog allocated only while the subscriber lags, so an idle
// subscription costs about 2 KB whatever Buffer is (a channel of 256 events
// would be 28 KB).
const chanCap = 16

// Hub is the in-process shopgraph.OrderEventBus. Its methods are safe for
// concurrent use. Every subscriber sees the events in one order, the order in
// which the Publish calls took effect (so one goroutine's events arrive in the
// order it published them).
//
// A subscription's events wait in its channel and, when that is full, in a
// backlog that a goroutine of the subscription's own feeds into the channel
// as the subscriber reads; the goroutine exists only while there is a
// backlog, and ends with the subscription.
type Hub struct {
	buffer int

	// mu guards everything below and the subscriptions' state. A
	// subscription's channel is sent on by Publish (under mu, only while the
	// subscription has no backlog) or by its feeder goroutine (only while it
	// has one), and closed exactly once: by endLocked, or by the feeder when
	// the subscription ends while it runs.
	mu      sync.Mutex
	subs    []*subscription // each at its index
	closed  bool
	stats   Stats
	feeders sync.WaitGroup
}

// Stats are a hub's counters, for metrics. The counts are totals since the
// hub was made, except Subscribers and Backlogged.
type Stats struct {
	// Subscribers is how many subscriptions are open now.
	Subscribers int
	// Backlogged is how many of them have more events waiting than their
	// channel holds (their subscribers lag).
	Backlogged int
	// Subscribed counts every subscription made.
	Subscribed uint64
	// Published counts the events published.
	Published uint64
	// Delivered counts events handed to subscriptions (one event to three
	// subscribers is three).
	Delivered uint64
	// Dropped counts the subscriptions cut off with
	// shopgraph.ErrSlowSubscriber because their buffer was full.
	Dropped uint64
}

// NewHub returns an open hub with no subscribers.
func NewHub(opts HubOptions) *Hub {
	buffer := opts.Buffer
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	return &Hub{buffer: buffer}
}

// Publish hands ev to every current subscription without waiting for any.
// A subscription that already has Buffer events waiting ends with
// shopgraph.ErrSlowSubscriber: its Events channel closes after delivering
// some of them, oldest first. (An event being handed to a lagging subscriber
// is not counted: a subscription is never cut off with fewer than Buffer
// events waiting, and holds Buffer+1 at most.) It returns ErrClosed after
// Close, and nil otherwise; ctx is not used, since Publish never blocks.
func (h *Hub) Publish(_ context.Context, ev shopgraph.OrderEvent) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	h.stats.Published++
	// Backwards, so that endLocked's swap-remove moves only visited ones.
	for i := len(h.subs) - 1; i >= 0; i-- {
		s := h.subs[i]
		if (s.orderID != "" && s.orderID != ev.OrderID) || (s.customerID != "" && s.customerID != ev.CustomerID) {
			continue // not this subscription's
		}
		if s.deliver == nil && !s.feeding {
			select {
			case s.ch <- ev:
				h.stats.Delivered++
				continue
			default: // the channel is full: start a backlog
			}
		}
		if len(s.ch)+len(s.backlog) >= h.buffer { // a push subscription has no ch: its backlog is all
			h.stats.Dropped++
			h.endLocked(s, shopgraph.ErrSlowSubscriber)
			continue
		}
		s.backlog = append(s.backlog, ev)
		h.stats.Delivered++
		if !s.feeding {
			s.feeding = true
			h.feeders.Add(1)
			if s.deliver != nil {
				go s.push()
			} else {
				s.stop = make(chan struct{})
				go s.feed(s.stop)
			}
		}
	}
	return nil
}

// Subscribe returns a subscription to every event published after it
// returns, until the subscription is closed, is cut off as slow, or the hub
// is closed. ctx bounds only the call (which does not block). After Close it
// returns ErrClosed.
func (h *Hub) Subscribe(ctx context.Context) (shopgraph.OrderEventSubscription, error) {
	return h.SubscribeMatching(ctx, "", "")
}

var _ shopgraph.MatchingSubscriber = (*Hub)(nil)

// SubscribeMatching is Subscribe to the events of one order and/or one
// customer (empty: any): the others are never handed to it, nor count
// towards its buffer.
func (h *Hub) SubscribeMatching(_ context.Context, orderID, customerID string) (shopgraph.OrderEventSubscription, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	s := &subscription{hub: h, ch: make(chan shopgraph.OrderEvent, min(h.buffer, chanCap)), idx: len(h.subs),
		orderID: orderID, customerID: customerID}
	h.subs = append(h.subs, s)
	h.stats.Subscribed++
	return s, nil
}

// SubscribePush is SubscribeMatching with the events handed to deliver
// (see shopgraph.OrderEventBus): they wait in the subscription's backlog
// (Buffer of them at most; one more and it ends with
// shopgraph.ErrSlowSubscriber), and a goroutine of its own, running only
// while some wait, calls deliver for each in turn.
func (h *Hub) SubscribePush(orderID, customerID string, deliver func(shopgraph.OrderEvent), ended func(error)) (func(), error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	s := &subscription{hub: h, idx: len(h.subs), orderID: orderID, customerID: customerID, deliver: deliver, ended: ended}
	h.subs = append(h.subs, s)
	h.stats.Subscribed++
	return s.Close, nil
}

// Close ends every subscription (their Err is ErrClosed), makes later
// Publish and Subscribe calls fail with ErrClosed, and returns once the
// subscriptions' goroutines have ended. It is idempotent.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	for i := len(h.subs) - 1; i >= 0; i-- {
		h.endLocked(h.subs[i], ErrClosed)
	}
	h.mu.Unlock()
	h.feeders.Wait() // no feeder starts once closed is set
}

// Stats returns the hub's counters.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := h.stats
	st.Subscribers = len(h.subs)
	for _, s := range h.subs {
		if s.feeding {
			st.Backlogged++
		}
	}
	return st
}

// endLocked ends s with err (nil for a Close) unless it has ended: it leaves
// the hub, its backlog is dropped, and its channel is closed (by its feeder,
// if one runs, after its current send). h.mu is held.
func (h *Hub) endLocked(s *subscription, err error) {
	if s.isEnded {
		return
	}
	s.isEnded, s.err = true, err
	last := len(h.subs) - 1
	moved := h.subs[last]
	h.subs[s.idx], moved.idx = moved, s.idx
	h.subs[last] = nil
	h.subs = h.subs[:last]
	s.backlog = nil
	switch {
	case s.deliver != nil:
		if !s.feeding && err != nil && s.ended != nil {
			h.feeders.Add(1) // else the pusher tells, after its deliver
			go func() {
				defer h.feeders.Done()
				s.ended(err)
			}()
		}
	case s.feeding:
		close(s.stop)
	default:
		close(s.ch)
	}
}

// subscription is one subscriber's channel and backlog. Its fields other than
// hub and ch are guarded by hub.mu.
type subscription struct {
	hub *Hub
	// orderID and customerID, when set, are the only order and customer
	// whose events the subscription gets.
	orderID, customerID string
	ch                  chan shopgraph.OrderEvent
	idx                 int // in hub.subs, while not ended
	isEnded             bool
	err                 error
	backlog             []shopgraph.OrderEvent // waiting behind a full ch (or to be pushed), oldest first
	feeding             bool                   // a feed (or push) goroutine runs
	stop                chan struct{}          // closed when the subscription ends while feeding

	// A push subscription (SubscribePush) has deliver and no ch.
	deliver func(shopgraph.OrderEvent)
	ended   func(error)
}

// push hands the backlog to deliver, oldest first, without the lock, and
// returns when it is empty; when the subscription has ended it tells
// ended why (unless it was stopped).
func (s *subscription) push() {
	h := s.hub
	defer h.feeders.Done()
	for {
		h.mu.Lock()
		if s.isEnded || len(s.backlog) == 0 {
			s.feeding, s.backlog = false, nil
			tell := s.isEnded && s.err != nil && s.ended != nil
			err := s.err
			h.mu.Unlock()
			if tell {
				s.ended(err)
			}
			return
		}
		ev := s.backlog[0]
		s.popLocked()
		h.mu.Unlock()
		s.deliver(ev)
	}
}

// feed moves the backlog into the channel, oldest first, as the subscriber
// reads, and returns when the backlog is empty or the subscription ended
// (then closing the channel). What fits in the channel moves under the lock;
// when the channel is full it takes the oldest event out of the backlog and
// waits to send it, holding no lock. Publish does not count that event, so
// it never counts more events than are waiting.
func (s *subscription) feed(stop <-chan struct{}) {
	h := s.hub
	defer h.feeders.Done()
	h.mu.Lock()
	for {
		if s.isEnded {
			h.mu.Unlock()
			close(s.ch)
			return
		}
		// While feeding, only feed sends on ch: with room, this cannot block.
		for len(s.backlog) > 0 && len(s.ch) < cap(s.ch) {
			s.ch <- s.backlog[0]
			s.popLocked()
		}
		if len(s.backlog) == 0 {
			s.feeding, s.stop, s.backlog = false, nil, nil
			h.mu.Unlock()
			return
		}
		ev := s.backlog[0] // Publish only appends: the oldest stays first
		s.popLocked()
		h.mu.Unlock()
		select {
		case s.ch <- ev:
		case <-stop: // ended: ev is dropped with the backlog
		}
		h.mu.Lock()
	}
}

// popLocked drops the backlog's first event. hub.mu is held.
func (s *subscription) popLocked() {
	s.backlog[0] = shopgraph.OrderEvent{} // let go of its strings
	s.backlog = s.backlog[1:]
}

func (s *subscription) Events() <-chan shopgraph.OrderEvent { return s.ch }

func (s *subscription) Err() error {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.err
}

func (s *subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.endLocked(s, nil)
}
