package auth

import (
	"context"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/shopgraph/shopgraph"
)

// KeyCacheTTL bounds how long a looked-up API key is trusted before it is
// read again, so a revocation takes effect within this time on every
// instance.
const KeyCacheTTL = 5 * time.Second

// Authenticator turns a request's credential into the caller's identity:
// an API key (looked up, checked, rate limited) or a JWT (verified). It is
// safe for concurrent use.
type Authenticator struct {
	verifier  *Verifier
	lookupKey func(ctx context.Context, id string) (APIKey, error)
	limiter   *KeyLimiter
	now       func() time.Time

	mu   sync.Mutex
	keys map[string]cachedKey
}

type cachedKey struct {
	key     APIKey
	err     error
	expires time.Time
}

// AuthenticatorOptions configure NewAuthenticator.
type AuthenticatorOptions struct {
	// Verifier verifies JWTs; nil rejects every JWT.
	Verifier *Verifier
	// LookupKey finds a stored API key by id (a NotFound error for unknown
	// ids); nil rejects every API key.
	LookupKey func(ctx context.Context, id string) (APIKey, error)
	// Limiter rate-limits API keys; nil means no limit.
	Limiter *KeyLimiter
	Now     func() time.Time
}

// NewAuthenticator returns an Authenticator.
func NewAuthenticator(opts AuthenticatorOptions) *Authenticator {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Authenticator{verifier: opts.Verifier, lookupKey: opts.LookupKey, limiter: opts.Limiter, now: opts.Now, keys: map[string]cachedKey{}}
}

// Authenticate returns the identity of the request's caller, or nil for a
// request without credentials. Errors are *shopgraph.Error: CodeUnauthenticated
// for a bad credential, CodeLimitExceeded (with RetryAfter) when an API key is
// over its rate limit, CodeInternal when the key store fails.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request) (*shopgraph.Identity, error) {
	cred, err := CredentialFromHeaders(r.Header)
	if err != nil {
		return nil, err
	}
	var id shopgraph.Identity
	switch cred.Kind {
	case CredentialAnonymous:
		return nil, nil
	case CredentialJWT:
		if a.verifier == nil {
			return nil, unauthenticated(MsgNoValidAuthorization)
		}
		if id, err = a.verifier.Verify(ctx, cred.Token); err != nil {
			return nil, err
		}
		id.Token = cred.Token
	case CredentialAPIKey:
		key, err := a.key(ctx, cred.KeyID)
		if err != nil {
			return nil, err
		}
		if id, err = key.Check(cred.Secret, a.now()); err != nil {
			return nil, err
		}
		if a.limiter != nil {
			if ok, wait := a.limiter.Allow(key.ID, key.RateLimit); !ok {
				e := shopgraph.Errorf(shopgraph.CodeLimitExceeded, "Rate limit exceeded for API key %s", key.ID)
				e.RetryAfter = time.Duration(math.Ceil(wait.Seconds())) * time.Second
				return nil, e
			}
		}
	default:
		return nil, unauthenticated(MsgNoValidAuthorization)
	}
	id.SourceIP = sourceIPs(r)
	return &id, nil
}

// key returns the stored key, cached for KeyCacheTTL (unknown ids too, so a
// flood of bad ids does not reach the store each time).
func (a *Authenticator) key(ctx context.Context, id string) (APIKey, error) {
	if a.lookupKey == nil {
		return APIKey{}, unauthenticated(MsgInvalidAPIKey)
	}
	now := a.now()
	a.mu.Lock()
	c, ok := a.keys[id]
	a.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.key, c.err
	}
	k, err := a.lookupKey(ctx, id)
	if err != nil {
		if !shopgraph.IsCode(err, shopgraph.CodeNotFound) {
			return APIKey{}, err // transient: not cached
		}
		err = unauthenticated(MsgInvalidAPIKey)
	}
	a.mu.Lock()
	if len(a.keys) > 10000 {
		clear(a.keys)
	}
	a.keys[id] = cachedKey{key: k, err: err, expires: now.Add(KeyCacheTTL)}
	a.mu.Unlock()
	return k, err
}

// Forget drops a key from the lookup cache, so its next use reads the store
// (after a revocation on this instance).
func (a *Authenticator) Forget(id string) {
	a.mu.Lock()
	delete(a.keys, id)
	a.mu.Unlock()
}

// sourceIPs is AppSync's sourceIp: the X-Forwarded-For addresses, then the
// TCP peer.
func sourceIPs(r *http.Request) []string {
	var out []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, ip := range strings.Split(v, ",") {
			if ip = strings.TrimSpace(ip); ip != "" {
				out = append(out, ip)
			}
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		out = append(out, host)
	}
	return out
}
