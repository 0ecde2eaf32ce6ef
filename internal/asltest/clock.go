package asltest

import (
	"context"
	"sync"
	"time"
)

// FastClock is an asl.Clock whose Sleep returns at once, advancing Now by the
// duration slept. It records every sleep.
type FastClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func NewFastClock() *FastClock {
	return &FastClock{now: time.Date(2026, 4, 14, 23, 51, 54, 943e6, time.UTC)}
}

func (c *FastClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *FastClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	c.sleeps = append(c.sleeps, d)
	return nil
}

func (c *FastClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// ManualClock is an asl.Clock whose sleepers wait until the test advances time
// past their deadline.
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []*sleeper
	changed chan struct{} // closed and replaced whenever waiters change
}

type sleeper struct {
	at   time.Time
	done chan struct{}
}

func NewManualClock() *ManualClock {
	return &ManualClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), changed: make(chan struct{})}
}

func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *ManualClock) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *ManualClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	w := &sleeper{at: c.now.Add(d), done: make(chan struct{})}
	if d <= 0 {
		c.mu.Unlock()
		return ctx.Err()
	}
	c.waiters = append(c.waiters, w)
	c.notify()
	c.mu.Unlock()
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		for i, x := range c.waiters {
			if x == w {
				c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
				break
			}
		}
		c.notify()
		c.mu.Unlock()
		return ctx.Err()
	}
}

// waitSleepers blocks until n goroutines are sleeping (or the test's
// deadline passes).
func (c *ManualClock) WaitSleepers(n int) bool {
	deadline := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		count, ch := len(c.waiters), c.changed
		c.mu.Unlock()
		if count >= n {
			return true
		}
		select {
		case <-ch:
		case <-deadline:
			return false
		}
	}
}

// advance moves time forward by d and wakes the sleepers due.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			close(w.done)
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
	c.notify()
}
