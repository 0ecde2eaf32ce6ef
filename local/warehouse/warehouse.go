// Package warehouse is the embedded default's warehouse system: asked to
// ship an order, it confirms the shipment after ShipDelay and the delivery
// DeliverDelay later, and asked to collect a return, its receipt after
// ReturnDelay, through the callbacks it is given (the order workflows'
// ConfirmShipped, ConfirmDelivered and ConfirmReturnReceived). A delay of 0
// turns that step off: users in the warehouse group confirm it instead.
package warehouse

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/shopgraph/shopgraph"
)

// confirmAttempts is how often a confirmation is sent before the simulator
// gives up on it.
const confirmAttempts = 12

// Simulator is a simulated warehouse system.
type Simulator struct {
	ShipDelay, DeliverDelay, ReturnDelay time.Duration
	// Shipped, Delivered and Received confirm a step of an order's
	// workflow.
	Shipped, Delivered, Received func(ctx context.Context, orderID string) error
	Logger                       *slog.Logger

	mu      sync.Mutex
	closed  bool
	timers  map[*time.Timer]struct{}
	wg      sync.WaitGroup
	pending map[string]bool // orders with a shipment requested and not yet cancelled; returnKey(id) for returns
}

// returnKey is the pending key of an order's return.
func returnKey(orderID string) string { return "return/" + orderID }

var _ shopgraph.Fulfilment = (*Simulator)(nil)

// RequestShipment schedules the order's shipment and delivery.
func (s *Simulator) RequestShipment(_ context.Context, o shopgraph.Order) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.pending[o.ID] = true
	if s.ShipDelay > 0 && s.Shipped != nil && !s.closed {
		s.after(s.ShipDelay, o.ID, func(ctx context.Context) error {
			if err := s.Shipped(ctx, o.ID); err != nil {
				return err
			}
			if s.DeliverDelay > 0 && s.Delivered != nil {
				s.mu.Lock()
				if !s.closed {
					s.after(s.DeliverDelay, o.ID, func(ctx context.Context) error { return s.Delivered(ctx, o.ID) })
				}
				s.mu.Unlock()
			}
			return nil
		})
	}
	return nil
}

func (s *Simulator) init() {
	if s.pending == nil {
		s.pending, s.timers = map[string]bool{}, map[*time.Timer]struct{}{}
	}
}

// StartReturn schedules the receipt of the order's return.
func (s *Simulator) StartReturn(_ context.Context, o shopgraph.Order, _ []shopgraph.OrderLineInput) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	key := returnKey(o.ID)
	if s.pending[key] {
		return nil // asked again (the task ran twice): scheduled already
	}
	s.pending[key] = true
	if s.ReturnDelay > 0 && s.Received != nil && !s.closed {
		s.after(s.ReturnDelay, key, func(ctx context.Context) error { return s.Received(ctx, o.ID) })
	}
	return nil
}

// after runs fn for orderID after d unless the shipment was cancelled
// (s.mu held).
func (s *Simulator) after(d time.Duration, orderID string, fn func(context.Context) error) {
	s.wg.Add(1)
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		defer s.wg.Done()
		s.mu.Lock()
		delete(s.timers, t)
		live := s.pending[orderID] && !s.closed
		s.mu.Unlock()
		if !live {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// Like a warehouse system's webhook, a confirmation the workflow is
		// not ready for yet (it is still recording the previous step) is
		// sent again, with backoff.
		wait := 5 * time.Millisecond
		for attempt := 1; ; attempt++ {
			err := fn(ctx)
			if err == nil {
				return
			}
			s.mu.Lock()
			live := s.pending[orderID] && !s.closed
			s.mu.Unlock()
			if attempt == confirmAttempts || !live {
				if s.Logger != nil {
					s.Logger.Warn("simulated warehouse: confirmation failed", "order", orderID, "attempts", attempt, "error", err)
				}
				return
			}
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return
			}
			wait = min(2*wait, time.Second)
		}
	})
	s.timers[t] = struct{}{}
}

// CancelShipment forgets the order's shipment: nothing more is confirmed.
func (s *Simulator) CancelShipment(_ context.Context, orderID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pending, orderID)
	return nil
}

// Close stops every scheduled confirmation and waits for those running.
func (s *Simulator) Close() {
	s.mu.Lock()
	s.closed = true
	for t := range s.timers {
		if t.Stop() {
			s.wg.Done()
		}
	}
	s.timers = nil
	s.mu.Unlock()
	s.wg.Wait()
}
