package dynamo

import (
	"context"
	"errors"
	"sync"
	"time"
)

// cache holds one value loaded by load for ttl. Concurrent callers share one
// load (single flight); a failed load is not cached; a negative ttl disables
// caching (every get loads). It is safe for concurrent use.
type cache[T any] struct {
	ttl  time.Duration
	now  func() time.Time
	load func(context.Context) (T, error)

	mu      sync.Mutex
	val     T
	valid   bool
	expires time.Time
	gen     uint64   // bumped by invalidate: loads begun earlier are not cached
	flight  *call[T] // the load in progress, if any
}

// call is one load in progress; done is closed when val and err are set.
type call[T any] struct {
	done chan struct{}
	val  T
	err  error
}

func newCache[T any](ttl time.Duration, now func() time.Time, load func(context.Context) (T, error)) *cache[T] {
	return &cache[T]{ttl: ttl, now: now, load: load}
}

// get returns the cached value, or loads it. A caller that waits for
// another caller's load stops waiting when its own ctx ends; if that other
// load failed only because its caller's context ended, the waiter loads
// itself instead of returning someone else's cancellation.
func (c *cache[T]) get(ctx context.Context) (T, error) {
	if c.ttl < 0 {
		return c.load(ctx)
	}
	for {
		c.mu.Lock()
		if c.valid && c.now().Before(c.expires) {
			v := c.val
			c.mu.Unlock()
			return v, nil
		}
		if f := c.flight; f != nil {
			c.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				var zero T
				return zero, ctx.Err()
			}
			if f.err != nil && isContextErr(f.err) && ctx.Err() == nil {
				continue
			}
			return f.val, f.err
		}
		f := &call[T]{done: make(chan struct{})}
		c.flight = f
		gen := c.gen
		c.mu.Unlock()
		c.run(ctx, f, gen)
		return f.val, f.err
	}
}

func (c *cache[T]) run(ctx context.Context, f *call[T], gen uint64) {
	defer func() {
		c.mu.Lock()
		if c.flight == f {
			c.flight = nil
		}
		if f.err == nil && gen == c.gen {
			c.val, c.valid, c.expires = f.val, true, c.now().Add(c.ttl)
		}
		c.mu.Unlock()
		close(f.done)
	}()
	f.err = errors.New("cache load panicked")
	f.val, f.err = c.load(ctx)
}

// invalidate drops the cached value; a load in progress is not cached and
// later callers do not wait for it.
func (c *cache[T]) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero T
	c.val, c.valid = zero, false
	c.gen++
	c.flight = nil
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
