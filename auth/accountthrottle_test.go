package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
)

func TestClientIP(t *testing.T) {
	for _, c := range []struct {
		src  []string
		hops int
		want string
	}{
		{nil, 0, ""},
		{[]string{"10.0.0.5"}, 0, "10.0.0.5"},
		{[]string{"6.6.6.6", "10.0.0.5"}, 0, "10.0.0.5"},                     // no proxy: a written X-Forwarded-For is ignored
		{[]string{"6.6.6.6", "198.51.100.7", "10.0.0.5"}, 1, "198.51.100.7"}, // one load balancer appended the client
		{[]string{"10.0.0.5"}, 3, "10.0.0.5"},                                // fewer entries than hops
	} {
		if got := auth.ClientIP(c.src, c.hops); got != c.want {
			t.Errorf("ClientIP(%v, %d) = %q, want %q", c.src, c.hops, got, c.want)
		}
	}
}

// countingAccounts counts the operations that reach the user pool.
type countingAccounts struct {
	shopgraph.Accounts
	n int
}

func (c *countingAccounts) ForgotPassword(context.Context, string) error { c.n++; return nil }

// TestThrottleAccounts_refill: over the per-user limit the pool is not
// called and RetryAfter says when to come back; after that the user may go
// on.
func TestThrottleAccounts_refill(t *testing.T) {
	c := newClock()
	pool := &countingAccounts{}
	a := auth.ThrottleAccounts(pool, auth.AccountThrottleOptions{PerUser: 2, PerIP: 100, Now: c.Now})
	ctx := shopgraph.NewContextWithIdentity(context.Background(), &shopgraph.Identity{SourceIP: []string{"192.0.2.1"}})
	for range 2 {
		if err := a.ForgotPassword(ctx, "Alice"); err != nil {
			t.Fatal(err)
		}
	}
	err := a.ForgotPassword(ctx, "alice") // usernames are case-insensitive
	var e *shopgraph.Error
	if !shopgraph.IsCode(err, shopgraph.CodeLimitExceeded) || pool.n != 2 {
		t.Fatalf("3rd reset within a minute: %v (pool called %d times)", err, pool.n)
	}
	e = err.(*shopgraph.Error)
	if e.RetryAfter != 30*time.Second {
		t.Errorf("RetryAfter = %s, want 30s (2 per minute)", e.RetryAfter)
	}
	c.Advance(e.RetryAfter)
	if err := a.ForgotPassword(ctx, "alice"); err != nil || pool.n != 3 {
		t.Errorf("after RetryAfter: %v (pool called %d times)", err, pool.n)
	}
}
