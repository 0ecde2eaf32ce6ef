package dynamo

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// cache holds one value loaded by load for ttl, by the clock now. Concurrent
// callers share one load (a singleflight.Group); a failed load is not
// cached; a negative ttl disables caching (every get loads). It is safe for
// concurrent use.
type cache[T any] struct {
	ttl    time.Duration
	now    func() time.Time
	load   func(context.Context) (T, error)
	flight singleflight.Group

	mu      sync.Mutex
	val     T
	valid   bool
	expires time.Time
	gen     uint64 // bumped by invalidate: loads begun earlier are not cached
}

func newCache[T any](ttl time.Duration, now func() time.Time, load func(context.Context) (T, error)) *cache[T] {
	return &cache[T]{ttl: ttl, now: now, load: load}
}

// get returns the cached value, or loads it. A caller that waits for
// another caller's load stops waiting when its own ctx ends; if that other
// load failed only because its caller's context ended, the waiter loads
// itself instead of returning someone else's cancellation. A load that
// panics is an error for every caller.
func (c *cache[T]) get(ctx context.Context) (T, error) {
	if c.ttl < 0 {
		return c.load(ctx)
	}
	for {
		if v, _, ok := c.cached(); ok {
			return v, nil
		}
		done := c.flight.DoChan("", func() (any, error) { return c.fill(ctx) })
		select {
		case r := <-done:
			if r.Err != nil && isContextErr(r.Err) && ctx.Err() == nil {
				continue
			}
			v, _ := r.Val.(T)
			return v, r.Err
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
}

// cached returns the cached value and whether it is still fresh, and the
// generation it belongs to.
func (c *cache[T]) cached() (v T, gen uint64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.val, c.gen, c.valid && c.now().Before(c.expires)
}

// fill is the shared load. It looks at the cache again (a load may have
// finished since its caller looked) and caches what it loads unless
// invalidate ran meanwhile.
func (c *cache[T]) fill(ctx context.Context) (v T, err error) {
	v, gen, ok := c.cached()
	if ok {
		return v, nil
	}
	defer func() {
		// Left to DoChan, a panic would be re-raised on a goroutine no one
		// can recover it on, ending the process.
		if p := recover(); p != nil {
			err = fmt.Errorf("cache load panicked: %v\n%s", p, debug.Stack())
		}
	}()
	v, err = c.load(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil && gen == c.gen {
		c.val, c.valid, c.expires = v, true, c.now().Add(c.ttl)
	}
	return v, err
}

// invalidate drops the cached value; a load in progress is not cached and
// later callers do not wait for it.
func (c *cache[T]) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero T
	c.val, c.valid = zero, false
	c.gen++
	c.flight.Forget("")
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
