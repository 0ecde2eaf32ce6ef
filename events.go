package shopgraph

import (
	"context"
	"errors"
)

// OrderEventBus carries order events to every subscriber, on every
// instance: the events hub (in process) or its Redis bridge. Events come
// from the order events topic (SNS, or the local Step Functions'
// sns:publish in the embedded default).
type OrderEventBus interface {
	// Publish delivers ev to every current subscriber (on every instance,
	// with a bridge). It never waits for a slow subscriber.
	Publish(ctx context.Context, ev OrderEvent) error
	// Subscribe returns a subscription to every event published after it.
	Subscribe(ctx context.Context) (OrderEventSubscription, error)
	// SubscribePush hands a subscription's events to a function instead of
	// a channel, so that nothing waits while none is pending (no goroutine
	// per idle subscription). deliver gets the events of one order and/or
	// one customer (empty: any) in the order they were published, one call
	// at a time, never under the bus's locks. stop ends the subscription
	// (ended is not called then); a subscription that falls behind
	// (deliver too slow for the bus's buffer) or outlives the bus ends with
	// ended(ErrSlowSubscriber) or ended(the bus's error), after its last
	// deliver has returned.
	SubscribePush(orderID, customerID string, deliver func(OrderEvent), ended func(error)) (stop func(), err error)
}

// MatchingSubscriber is an OrderEventBus that can give a subscription only
// the events of one order and/or one customer (empty: any), sparing the
// subscriber from being woken for everyone else's.
type MatchingSubscriber interface {
	SubscribeMatching(ctx context.Context, orderID, customerID string) (OrderEventSubscription, error)
}

// OrderEventSubscription is one subscriber's stream of order events.
type OrderEventSubscription interface {
	// Events delivers the events in the order they were published; it is
	// closed when the subscription ends.
	Events() <-chan OrderEvent
	// Err is why the subscription ended (nil after Close; ErrSlowSubscriber
	// when it fell behind), once Events is closed.
	Err() error
	// Close ends the subscription.
	Close()
}

// ErrSlowSubscriber ends a subscription whose buffer filled up: a
// subscriber that does not keep up is cut off, never the others slowed.
var ErrSlowSubscriber = errors.New("the subscriber fell too far behind the order events")
