package shopgraph

import "context"

// OrderEventFilter selects order events: those of one order, of one
// customer, or both (empty fields match anything). AfterVersion, with an
// OrderID, first replays the order's changes after that version.
type OrderEventFilter struct {
	OrderID, CustomerID string
	AfterVersion        *int
}

func (f OrderEventFilter) matches(ev OrderEvent) bool {
	return (f.OrderID == "" || ev.OrderID == f.OrderID) && (f.CustomerID == "" || ev.CustomerID == f.CustomerID)
}

// orderWatchBuffer is how many events a watcher may have in flight before
// the bus's own buffer takes over.
const orderWatchBuffer = 4

// WatchOrders subscribes caller to the order events f selects: customers
// only to their own orders (no filter: all of them), admins to any. The
// channel delivers the replayed changes (f.AfterVersion) and then live
// events, without duplicates, and is closed when ctx ends or the
// subscription is cut off; in that case ended (if not nil) is called with
// why first.
func (d *OrderDesk) WatchOrders(ctx context.Context, caller *Identity, f OrderEventFilter, ended func(error)) (<-chan *OrderEvent, error) {
	f, err := d.authorizeWatch(ctx, caller, f)
	if err != nil {
		return nil, err
	}
	var sub OrderEventSubscription
	if m, ok := d.Events.(MatchingSubscriber); ok {
		sub, err = m.SubscribeMatching(ctx, f.OrderID, f.CustomerID)
	} else {
		sub, err = d.Events.Subscribe(ctx)
	}
	if err != nil {
		return nil, err
	}
	// Replay from the order as read after subscribing: a change made in
	// between is in both, and the version check below drops the second.
	var replay []OrderEvent
	last := 0
	if f.AfterVersion != nil {
		o, err := d.Orders.Order(ctx, f.OrderID)
		if err != nil {
			sub.Close()
			return nil, err
		}
		replay, last = statusEvents(o, *f.AfterVersion), *f.AfterVersion
		if n := len(replay); n > 0 {
			last = replay[n-1].Version
		}
	}
	out := make(chan *OrderEvent, orderWatchBuffer)
	go func() {
		defer close(out)
		defer sub.Close()
		for _, ev := range replay {
			select {
			case out <- &ev:
			case <-ctx.Done():
				return
			}
		}
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-sub.Events():
				if !ok {
					if err := sub.Err(); err != nil && ended != nil && ctx.Err() == nil {
						ended(err)
					}
					return
				}
				if !f.matches(ev) || (f.AfterVersion != nil && ev.Version <= last) {
					continue
				}
				select {
				case out <- &ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// PushOrders is WatchOrders without a channel: deliver gets each live
// event the filter selects, one call at a time, until stop is called, and
// nothing waits between events; ended is told why the subscription ended
// on its own. ctx bounds the call only. A replay (AfterVersion) is not
// pushed: use WatchOrders.
func (d *OrderDesk) PushOrders(ctx context.Context, caller *Identity, f OrderEventFilter, deliver func(*OrderEvent), ended func(error)) (stop func(), err error) {
	if f.AfterVersion != nil {
		return nil, Errorf(CodeInternal, "a replay of order events is not pushed")
	}
	if f, err = d.authorizeWatch(ctx, caller, f); err != nil {
		return nil, err
	}
	return d.Events.SubscribePush(f.OrderID, f.CustomerID, func(ev OrderEvent) { deliver(&ev) }, ended)
}

// authorizeWatch checks that caller may have the order events f selects
// (customers only their own orders, admins any) and returns the filter to
// apply: a customer's is narrowed to their own orders.
func (d *OrderDesk) authorizeWatch(ctx context.Context, caller *Identity, f OrderEventFilter) (OrderEventFilter, error) {
	if caller == nil || caller.Sub == "" {
		return f, Errorf(CodeUnauthorized, "only signed-in users may subscribe to order events")
	}
	admin := caller.InGroup(GroupAdmin)
	if !admin {
		if f.CustomerID != "" && f.CustomerID != caller.Sub {
			return f, Errorf(CodeUnauthorized, "customers may subscribe only to their own orders")
		}
		f.CustomerID = caller.Sub
	}
	if f.AfterVersion != nil && (f.OrderID == "" || *f.AfterVersion < 0) {
		return f, Errorf(CodeBadRequest, "afterVersion needs an orderId and must be 0 or more")
	}
	if f.OrderID != "" {
		o, err := d.Orders.Order(ctx, f.OrderID)
		if IsCode(err, CodeNotFound) || (err == nil && !admin && o.CustomerID != caller.Sub) {
			return f, Errorf(CodeUnauthorized, "customers may subscribe only to their own orders")
		}
		if err != nil {
			return f, err
		}
	}
	if d.Events == nil {
		return f, Errorf(CodeInternal, "order events are not configured")
	}
	return f, nil
}

// statusEvents are the order's status changes after version after, as
// they were published: the i-th history entry is version i+1.
func statusEvents(o Order, after int) []OrderEvent {
	var out []OrderEvent
	for i := max(after, 1); i < len(o.History); i++ {
		h := o.History[i]
		out = append(out, OrderEvent{OrderID: o.ID, CustomerID: o.CustomerID, Status: h.Status, PreviousStatus: o.History[i-1].Status,
			Reason: h.Reason, OccurredAt: h.At, Version: i + 1})
	}
	return out
}
