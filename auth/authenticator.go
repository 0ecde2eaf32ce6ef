package auth

import (
	"context"
	"math"
	"time"

	"github.com/shopgraph/shopgraph"
)

// KeyLookup finds a stored API key by id: a NotFound *shopgraph.Error for
// an unknown id, any other error for a store failure. KeyManager.Lookup is
// one (cached for KeyCacheTTL).
type KeyLookup interface {
	Lookup(ctx context.Context, id string) (APIKey, error)
}

// Authenticator turns presented credentials into the caller's identity: an
// API key (looked up, checked, rate limited) or a JWT (verified). It is the
// same code for every transport (HTTP, AppSync real-time connections and
// subscription starts). It is safe for concurrent use.
type Authenticator struct {
	verifier  *Verifier
	keys      KeyLookup
	limiter   *KeyLimiter
	userLimit int
	now       func() time.Time
}

var _ shopgraph.Authenticator = (*Authenticator)(nil)

// AuthenticatorOptions configure NewAuthenticator.
type AuthenticatorOptions struct {
	// Verifier verifies JWTs; nil rejects every JWT.
	Verifier *Verifier
	// Keys looks API keys up; nil rejects every API key.
	Keys KeyLookup
	// Limiter rate-limits API keys (each at its own limit) and signed-in
	// users (each at UserRateLimit); nil means no limit.
	Limiter *KeyLimiter
	// UserRateLimit is each signed-in user's requests per second (burst
	// twice that), counted per issuer and sub. 0 means DefaultUserRateLimit.
	UserRateLimit int
	Now           func() time.Time
}

// DefaultUserRateLimit is a signed-in user's requests per second unless
// configured (burst twice that): what a busy app screen needs, far below what
// exhausts a server.
const DefaultUserRateLimit = 20

// NewAuthenticator returns an Authenticator.
func NewAuthenticator(opts AuthenticatorOptions) *Authenticator {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.UserRateLimit <= 0 {
		opts.UserRateLimit = DefaultUserRateLimit
	}
	return &Authenticator{verifier: opts.Verifier, keys: opts.Keys, limiter: opts.Limiter, userLimit: opts.UserRateLimit, now: opts.Now}
}

// Authenticate implements shopgraph.Authenticator: it returns the identity of
// the caller presenting c, or nil when c presents nothing. Errors are
// *shopgraph.Error: CodeUnauthenticated for a bad credential,
// CodeLimitExceeded (with RetryAfter) when an API key or a signed-in user is
// over its rate limit;
// a key store failure is returned as is (internal).
func (a *Authenticator) Authenticate(ctx context.Context, c shopgraph.Credentials) (*shopgraph.Identity, error) {
	cred, err := ParseCredential(c)
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
		if id, err = a.verifier.Verify(ctx, cred.Token); err != nil { // the identity carries the token
			return nil, err
		}
		if err := a.allow("user:"+id.Issuer+"|"+id.Sub, a.userLimit, "Rate limit exceeded for this user"); err != nil {
			return nil, err
		}
	case CredentialAPIKey:
		if a.keys == nil {
			return nil, unauthenticated(MsgInvalidAPIKey)
		}
		key, err := a.keys.Lookup(ctx, cred.KeyID)
		if shopgraph.IsCode(err, shopgraph.CodeNotFound) {
			return nil, unauthenticated(MsgInvalidAPIKey)
		}
		if err != nil {
			return nil, err
		}
		if id, err = key.Check(cred.Secret, a.now()); err != nil {
			return nil, err
		}
		if err := a.allow(key.ID, key.RateLimit, "Rate limit exceeded for API key "+key.ID); err != nil {
			return nil, err
		}
	default:
		return nil, unauthenticated(MsgNoValidAuthorization)
	}
	id.SourceIP = c.SourceIP
	return &id, nil
}

// allow takes a request from the bucket named id (limit requests/s, 0: the
// limiter's default), or returns LimitExceeded with a whole-second
// RetryAfter.
func (a *Authenticator) allow(id string, limit int, msg string) error {
	if a.limiter == nil {
		return nil
	}
	if ok, wait := a.limiter.Allow(id, limit); !ok {
		e := shopgraph.Errorf(shopgraph.CodeLimitExceeded, "%s", msg)
		e.RetryAfter = time.Duration(math.Ceil(wait.Seconds())) * time.Second
		return e
	}
	return nil
}
