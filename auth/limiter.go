package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Defaults of KeyLimiterOptions.
const (
	// DefaultKeyRateLimit is a key's requests per second unless the key
	// sets its own; the burst is always twice the rate (40 by default).
	DefaultKeyRateLimit = 20
	// DefaultMaxKeys bounds the number of buckets kept.
	DefaultMaxKeys = 100_000
	// limiterSweepEvery is how often idle buckets are dropped.
	limiterSweepEvery = time.Minute
)

// KeyLimiterOptions tune a KeyLimiter. The zero value is usable.
type KeyLimiterOptions struct {
	// DefaultLimit is the rate (requests/s) of keys without their own.
	// Default DefaultKeyRateLimit.
	DefaultLimit int
	// MaxKeys bounds the buckets kept. Default DefaultMaxKeys.
	MaxKeys int
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// KeyLimiter is a per-API-key token bucket (golang.org/x/time/rate): each
// key refills at its limit per second and holds up to twice that. It is safe
// for concurrent use and its memory is bounded: a bucket idle long enough to
// have refilled completely (2 s) is indistinguishable from a new one, so such
// buckets are dropped every minute, and whenever MaxKeys buckets exist; if
// that is not enough, arbitrary buckets are dropped (which only forgives
// those keys' recent use). Counts are per process: with N instances a key
// gets up to N times its limit.
type KeyLimiter struct {
	defaultLimit int
	maxKeys      int
	now          func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	nextSweep time.Time
}

type bucket struct {
	lim      *rate.Limiter
	limit    int
	lastSeen time.Time
}

// NewKeyLimiter returns a limiter with no buckets.
func NewKeyLimiter(opts KeyLimiterOptions) *KeyLimiter {
	l := &KeyLimiter{defaultLimit: opts.DefaultLimit, maxKeys: opts.MaxKeys, now: opts.Now, buckets: map[string]*bucket{}}
	if l.defaultLimit <= 0 {
		l.defaultLimit = DefaultKeyRateLimit
	}
	if l.maxKeys <= 0 {
		l.maxKeys = DefaultMaxKeys
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l
}

// Allow takes one request from keyID's bucket, which refills at limit
// requests per second (the default when limit <= 0) with a burst of twice
// that; a changed limit applies from now on. It returns true, or false and
// how long until a request would be allowed (always > 0; round it up to whole
// seconds for Retry-After). Call it after the key is verified, so that
// unknown ids cannot fill the table.
func (l *KeyLimiter) Allow(keyID string, limit int) (ok bool, retryAfter time.Duration) {
	if limit <= 0 {
		limit = l.defaultLimit
	}
	now := l.now()
	l.mu.Lock()
	b := l.buckets[keyID]
	if b == nil {
		if len(l.buckets) >= l.maxKeys || now.After(l.nextSweep) {
			l.sweep(now)
		}
		b = &bucket{lim: rate.NewLimiter(rate.Limit(limit), 2*limit), limit: limit}
		l.buckets[keyID] = b
	}
	b.lastSeen = now
	if b.limit != limit {
		b.lim.SetLimitAt(now, rate.Limit(limit))
		b.lim.SetBurstAt(now, 2*limit)
		b.limit = limit
	}
	lim := b.lim
	l.mu.Unlock()

	r := lim.ReserveN(now, 1)
	if !r.OK() { // burst 0: cannot happen with limit >= 1
		return false, time.Second
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return true, 0
	}
	r.CancelAt(now)
	return false, d
}

// sweep drops full (idle) buckets, then arbitrary ones while at capacity.
// l.mu must be held.
func (l *KeyLimiter) sweep(now time.Time) {
	for id, b := range l.buckets {
		// Refilling 2*limit tokens at limit/s takes 2 s.
		if now.Sub(b.lastSeen) > 2*time.Second {
			delete(l.buckets, id)
		}
	}
	for id := range l.buckets {
		if len(l.buckets) < l.maxKeys {
			break
		}
		delete(l.buckets, id)
	}
	l.nextSweep = now.Add(limiterSweepEvery)
}

// Len reports how many buckets are kept (for tests and metrics).
func (l *KeyLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
