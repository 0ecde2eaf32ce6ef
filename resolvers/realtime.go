package resolvers

import (
	"context"

	"github.com/shopgraph/shopgraph"
)

// forwardEvents turns a watch into gqlgen's subscription channel: the
// transport learns that the subscription is live now, and why it ended if
// it ended on its own.
func forwardEvents(ctx context.Context, events <-chan shopgraph.OrderEvent, ended func() error) <-chan *shopgraph.OrderEvent {
	out := make(chan *shopgraph.OrderEvent)
	shopgraph.SubscriptionStarted(ctx)
	go func() {
		defer close(out)
		for ev := range events {
			select {
			case out <- &ev:
			case <-ctx.Done():
				return
			}
		}
		if err := ended(); err != nil && ctx.Err() == nil {
			shopgraph.SubscriptionEnded(ctx, err)
		}
	}()
	return out
}
