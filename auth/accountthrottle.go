package auth

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/time/rate"

	"github.com/shopgraph/shopgraph"
)

// Defaults of AccountThrottleOptions.
const (
	// DefaultAccountPerUser is how many account operations (sign-up,
	// confirmations, sign-in, password reset) one username may make per
	// minute; a burst of as many is allowed.
	DefaultAccountPerUser = 10
	// DefaultAccountPerIP is how many account operations one client address
	// may make per minute, for any usernames; a burst of as many is allowed.
	DefaultAccountPerIP = 60
	// throttleBuckets bounds each table of buckets; a bucket idle for an
	// hour has refilled and is dropped.
	throttleBuckets = 100_000
)

// AccountThrottleOptions tune ThrottleAccounts. The zero value is usable.
type AccountThrottleOptions struct {
	// PerUser and PerIP are operations per minute (0: the defaults above).
	PerUser, PerIP int
	// TrustedProxyHops is how many proxies (load balancers) append to
	// X-Forwarded-For in front of the server: the client address is the one
	// that many entries before the TCP peer. 0 trusts no X-Forwarded-For at
	// all (a client can write anything there) and uses the TCP peer.
	TrustedProxyHops int
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// ThrottleAccounts wraps a shopgraph.Accounts so that each username and each
// client address may run only so many account operations per minute: it
// stops password guessing and code guessing from one place, and sign-up or
// reset floods, whichever user pool answers (the local one or Cognito, whose
// own quotas are per pool, not per user). Over a limit the operation is not
// run and the error is CodeLimitExceeded with RetryAfter. Profile (`me`) is
// not throttled here: signed-in callers are rate-limited by the
// Authenticator.
func ThrottleAccounts(next shopgraph.Accounts, opts AccountThrottleOptions) shopgraph.Accounts {
	if opts.PerUser <= 0 {
		opts.PerUser = DefaultAccountPerUser
	}
	if opts.PerIP <= 0 {
		opts.PerIP = DefaultAccountPerIP
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &throttledAccounts{
		next: next, opts: opts,
		users: expirable.NewLRU[string, *rate.Limiter](throttleBuckets, nil, time.Hour),
		ips:   expirable.NewLRU[string, *rate.Limiter](throttleBuckets, nil, time.Hour),
	}
}

type throttledAccounts struct {
	next       shopgraph.Accounts
	opts       AccountThrottleOptions
	users, ips *expirable.LRU[string, *rate.Limiter]
}

var _ shopgraph.Accounts = (*throttledAccounts)(nil)

// ClientIP is the caller's address among sourceIP (X-Forwarded-For entries,
// then the TCP peer, as shopgraph.Identity.SourceIP holds them) when hops
// trusted proxies append to X-Forwarded-For: the entry hops places before
// the last. It returns "" for an empty list.
func ClientIP(sourceIP []string, hops int) string {
	if len(sourceIP) == 0 {
		return ""
	}
	i := max(len(sourceIP)-1-max(hops, 0), 0)
	return sourceIP[i]
}

// take takes one operation from the bucket of key in table, which refills
// perMinute operations a minute.
func (t *throttledAccounts) take(table *expirable.LRU[string, *rate.Limiter], key string, perMinute int) (bool, time.Duration) {
	lim, ok := table.Get(key)
	if !ok {
		lim = rate.NewLimiter(rate.Every(time.Minute/time.Duration(perMinute)), perMinute)
		table.Add(key, lim)
	}
	now := t.opts.Now()
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// admit checks the caller's address and, when given, the username.
func (t *throttledAccounts) admit(ctx context.Context, username string) error {
	var ip string
	if id := shopgraph.IdentityFromContext(ctx); id != nil {
		ip = ClientIP(id.SourceIP, t.opts.TrustedProxyHops)
	}
	if ip != "" {
		if ok, wait := t.take(t.ips, ip, t.opts.PerIP); !ok {
			return limited("Too many account requests from this address", wait)
		}
	}
	if username != "" {
		if ok, wait := t.take(t.users, strings.ToLower(username), t.opts.PerUser); !ok {
			return limited("Too many account requests for this user", wait)
		}
	}
	return nil
}

func limited(msg string, wait time.Duration) error {
	secs := math.Ceil(wait.Seconds())
	e := shopgraph.Errorf(shopgraph.CodeLimitExceeded, "%s; try again in %.0f s", msg, secs)
	e.RetryAfter = time.Duration(secs) * time.Second
	return e
}

func (t *throttledAccounts) SignUp(ctx context.Context, username, password, email string) (string, error) {
	if err := t.admit(ctx, username); err != nil {
		return "", err
	}
	return t.next.SignUp(ctx, username, password, email)
}

func (t *throttledAccounts) ConfirmSignUp(ctx context.Context, username, code string) error {
	if err := t.admit(ctx, username); err != nil {
		return err
	}
	return t.next.ConfirmSignUp(ctx, username, code)
}

func (t *throttledAccounts) SignIn(ctx context.Context, username, password string) (shopgraph.Session, error) {
	if err := t.admit(ctx, username); err != nil {
		return shopgraph.Session{}, err
	}
	return t.next.SignIn(ctx, username, password)
}

func (t *throttledAccounts) RefreshSession(ctx context.Context, refreshToken string) (shopgraph.Session, error) {
	if err := t.admit(ctx, ""); err != nil {
		return shopgraph.Session{}, err
	}
	return t.next.RefreshSession(ctx, refreshToken)
}

func (t *throttledAccounts) SignOut(ctx context.Context, refreshToken string) error {
	if err := t.admit(ctx, ""); err != nil {
		return err
	}
	return t.next.SignOut(ctx, refreshToken)
}

func (t *throttledAccounts) ForgotPassword(ctx context.Context, username string) error {
	if err := t.admit(ctx, username); err != nil {
		return err
	}
	return t.next.ForgotPassword(ctx, username)
}

func (t *throttledAccounts) ConfirmForgotPassword(ctx context.Context, username, code, newPassword string) error {
	if err := t.admit(ctx, username); err != nil {
		return err
	}
	return t.next.ConfirmForgotPassword(ctx, username, code, newPassword)
}

func (t *throttledAccounts) Profile(ctx context.Context, id shopgraph.Identity) (shopgraph.UserProfile, error) {
	return t.next.Profile(ctx, id)
}
