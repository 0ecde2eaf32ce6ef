package sns

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// dedupe remembers the MessageIds of delivered notifications, so that a
// message SNS delivers again (it retries until it sees a 2xx or 4xx, and a
// retry keeps the MessageId) reaches the sink once.
//
// A MessageId is remembered for ttl after it was delivered, and at most max
// of them (the oldest forgotten first). The handler sets ttl to MaxAge plus
// MaxFutureSkew: a copy that arrives later than that carries a Timestamp
// older than MaxAge and is refused as stale anyway, so only the size bound
// can let a duplicate through.
//
// While a notification is being delivered its MessageId is claimed: a copy
// that arrives meanwhile waits for the outcome, and takes over when that
// delivery failed (SNS retries it: the first attempt's 503, or a timeout,
// must not have the copy acknowledged without a delivery).
type dedupe struct {
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[string]*claim
	done    *list.List // of *claim that delivered, oldest first
}

// claim is one MessageId: being delivered while ready is open, then
// delivered (ok) or released.
type claim struct {
	id      string
	ready   chan struct{}
	ok      bool
	expires time.Time
	elem    *list.Element
}

func newDedupe(max int, ttl time.Duration) *dedupe {
	return &dedupe{ttl: ttl, max: max, entries: map[string]*claim{}, done: list.New()}
}

// acquire claims id at now. It returns (c, true) when the caller is to
// deliver the message and then call finish(c, …); (nil, false) when id was
// delivered already; and ctx's error when ctx ended while another delivery
// of id was in flight.
func (d *dedupe) acquire(ctx context.Context, id string, now time.Time) (*claim, bool, error) {
	for {
		d.mu.Lock()
		d.expire(now)
		c, ok := d.entries[id]
		if !ok {
			c = &claim{id: id, ready: make(chan struct{})}
			d.entries[id] = c
			d.mu.Unlock()
			return c, true, nil
		}
		d.mu.Unlock()
		select {
		case <-c.ready:
			if c.ok {
				return nil, false, nil
			}
			// That delivery failed and released id: claim it again.
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
}

// finish ends a claim: delivered remembers the MessageId for ttl from now;
// otherwise it is released for the next copy.
func (d *dedupe) finish(c *claim, delivered bool, now time.Time) {
	d.mu.Lock()
	if delivered {
		c.ok = true
		c.expires = now.Add(d.ttl)
		c.elem = d.done.PushBack(c)
		for d.done.Len() > d.max {
			old := d.done.Remove(d.done.Front()).(*claim)
			delete(d.entries, old.id)
		}
	} else {
		delete(d.entries, c.id)
	}
	d.mu.Unlock()
	close(c.ready)
}

// expire forgets the delivered MessageIds whose time is up. Entries are
// in delivery order, so their expiry times increase (the clock may step
// back; an entry then lives a little longer, never shorter). d.mu is held.
func (d *dedupe) expire(now time.Time) {
	for e := d.done.Front(); e != nil; e = d.done.Front() {
		c := e.Value.(*claim)
		if now.Before(c.expires) {
			return
		}
		d.done.Remove(e)
		delete(d.entries, c.id)
	}
}

// len is how many delivered MessageIds are remembered.
func (d *dedupe) len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.done.Len()
}
