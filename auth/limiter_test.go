package auth_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/auth"
)

// drain calls Allow until it refuses and returns how many it allowed.
func drain(l *auth.KeyLimiter, key string, limit int) (allowed int, retryAfter time.Duration) {
	for {
		ok, ra := l.Allow(key, limit)
		if !ok {
			return allowed, ra
		}
		allowed++
		if allowed > 10_000 {
			return allowed, 0
		}
	}
}

func TestKeyLimiter_Allow(t *testing.T) {
	tests := []struct {
		name       string
		limit      int
		wantBurst  int
		wantRetry  time.Duration
		refillWait time.Duration
		refilled   int
	}{
		{"default 20/s burst 40", 0, 40, 50 * time.Millisecond, time.Second, 20},
		{"negative means default", -3, 40, 50 * time.Millisecond, 500 * time.Millisecond, 10},
		{"override 1/s burst 2", 1, 2, time.Second, 3 * time.Second, 2},
		{"override 100/s burst 200", 100, 200, 10 * time.Millisecond, 100 * time.Millisecond, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			l := auth.NewKeyLimiter(auth.KeyLimiterOptions{Now: c.Now})
			n, ra := drain(l, "k", tt.limit)
			if n != tt.wantBurst || ra != tt.wantRetry {
				t.Fatalf("burst %d, retry after %s; want %d, %s", n, ra, tt.wantBurst, tt.wantRetry)
			}
			// A refusal does not consume: the retry time stays put.
			if _, again := l.Allow("k", tt.limit); again != ra {
				t.Errorf("second refusal: retry after %s, want %s", again, ra)
			}
			c.Advance(tt.refillWait)
			if n, _ := drain(l, "k", tt.limit); n != tt.refilled {
				t.Errorf("after %s: %d allowed, want %d", tt.refillWait, n, tt.refilled)
			}
		})
	}
}

func TestKeyLimiter_keysIndependent(t *testing.T) {
	c := newClock()
	l := auth.NewKeyLimiter(auth.KeyLimiterOptions{Now: c.Now, DefaultLimit: 2})
	if n, _ := drain(l, "a", 0); n != 4 {
		t.Fatalf("a: %d", n)
	}
	if n, _ := drain(l, "b", 0); n != 4 {
		t.Errorf("b after a was drained: %d, want 4", n)
	}
}

func TestKeyLimiter_limitChange(t *testing.T) {
	c := newClock()
	l := auth.NewKeyLimiter(auth.KeyLimiterOptions{Now: c.Now})
	if n, _ := drain(l, "k", 1); n != 2 {
		t.Fatalf("limit 1: %d", n)
	}
	// Raised to 50/s: from now on the bucket refills at the new rate and
	// holds 100.
	if ok, ra := l.Allow("k", 50); ok || ra != 20*time.Millisecond {
		t.Fatalf("right after raising the limit: ok %v, retry after %s; want false, 20ms", ok, ra)
	}
	c.Advance(time.Second)
	n, _ := drain(l, "k", 50)
	if n != 50 {
		t.Errorf("1 s after raising the limit to 50: %d allowed, want 50", n)
	}
	c.Advance(10 * time.Second)
	if n, _ := drain(l, "k", 50); n != 100 {
		t.Errorf("full bucket at 50/s: %d, want 100", n)
	}
}

func TestKeyLimiter_evictsIdle(t *testing.T) {
	c := newClock()
	l := auth.NewKeyLimiter(auth.KeyLimiterOptions{Now: c.Now, MaxKeys: 100})
	for i := range 50 {
		l.Allow(fmt.Sprint("k", i), 0)
	}
	if l.Len() != 50 {
		t.Fatalf("Len = %d", l.Len())
	}
	// A minute later the next new key sweeps the idle (full) buckets.
	c.Advance(time.Minute + time.Second)
	l.Allow("fresh", 0)
	if l.Len() != 1 {
		t.Errorf("Len after sweep = %d, want 1", l.Len())
	}
}

func TestKeyLimiter_boundedMemory(t *testing.T) {
	c := newClock()
	l := auth.NewKeyLimiter(auth.KeyLimiterOptions{Now: c.Now, MaxKeys: 64})
	for i := range 1000 {
		l.Allow(fmt.Sprint("k", i), 0) // all busy: nothing is idle
		if l.Len() > 64 {
			t.Fatalf("Len = %d > MaxKeys after %d keys", l.Len(), i+1)
		}
	}
}

// TestKeyLimiter_evictsIdleFirst: at capacity, idle (full) buckets are
// dropped before a busy key's state is lost.
func TestKeyLimiter_evictsIdleFirst(t *testing.T) {
	c := newClock()
	l := auth.NewKeyLimiter(auth.KeyLimiterOptions{Now: c.Now, MaxKeys: 64})
	for i := range 63 {
		l.Allow(fmt.Sprint("old", i), 0)
	}
	c.Advance(3 * time.Second)
	drain(l, "busy", 0)
	l.Allow("new", 0) // at capacity: sweeps
	if l.Len() != 2 {
		t.Errorf("Len = %d, want 2 (busy and new)", l.Len())
	}
	if ok, _ := l.Allow("busy", 0); ok {
		t.Error("the busy key's drained bucket was dropped")
	}
}

func TestKeyLimiter_concurrent(t *testing.T) {
	c := newClock()
	l := auth.NewKeyLimiter(auth.KeyLimiterOptions{Now: c.Now})
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if ok, _ := l.Allow("shared", 0); ok {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if allowed.Load() != 40 {
		t.Errorf("%d allowed at one instant, want the burst of 40", allowed.Load())
	}
}
