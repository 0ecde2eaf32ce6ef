package auth

import (
	"context"
	"log/slog"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/shopgraph/shopgraph"
)

// KeyCacheTTL bounds how long a looked-up API key is trusted before it is
// read again, so a revocation takes effect within this time on every
// instance (at once on the instance that revoked it).
const KeyCacheTTL = 5 * time.Second

// keyCacheSize bounds the lookup cache. Unknown ids are cached too, so a
// flood of made-up ids evicts old entries instead of reaching the store
// each time.
const keyCacheSize = 10_000

// KeyManager implements shopgraph.APIKeyAdmin over a shopgraph.APIKeyStore,
// and looks keys up for the Authenticator (it is its KeyLookup). Lookups are
// cached for KeyCacheTTL; a key revoked through this KeyManager is dropped
// from its cache at once. Build it with NewKeyManager; it is safe for
// concurrent use.
type KeyManager struct {
	store shopgraph.APIKeyStore
	now   func() time.Time
	log   *slog.Logger
	cache *expirable.LRU[string, cachedKey]
}

type cachedKey struct {
	key     APIKey
	err     error     // a NotFound error, or nil
	expires time.Time // by the KeyManager's clock
}

var (
	_ shopgraph.APIKeyAdmin = (*KeyManager)(nil)
	_ KeyLookup             = (*KeyManager)(nil)
)

// KeyManagerOptions configure NewKeyManager.
type KeyManagerOptions struct {
	// Now is the clock of key expiry and of the lookup cache's TTL (the
	// cache also evicts by wall time); nil means time.Now.
	Now func() time.Time
	// Logger receives an audit line for every key created or revoked,
	// naming who did it (the caller's identity in the context, else
	// "cli"); nil: no audit log.
	Logger *slog.Logger
}

// NewKeyManager returns a KeyManager over store.
func NewKeyManager(store shopgraph.APIKeyStore, opts KeyManagerOptions) *KeyManager {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &KeyManager{
		store: store,
		now:   opts.Now,
		log:   opts.Logger,
		cache: expirable.NewLRU[string, cachedKey](keyCacheSize, nil, KeyCacheTTL),
	}
}

// Lookup implements KeyLookup: the stored key with this id (a NotFound
// error when unknown), cached for KeyCacheTTL. Store failures are returned
// and not cached.
func (m *KeyManager) Lookup(ctx context.Context, id string) (APIKey, error) {
	now := m.now()
	if c, ok := m.cache.Get(id); ok && now.Before(c.expires) {
		return c.key, c.err
	}
	r, err := m.store.GetAPIKey(ctx, id)
	if err != nil && !shopgraph.IsCode(err, shopgraph.CodeNotFound) {
		return APIKey{}, err // transient: not cached
	}
	m.cache.Add(id, cachedKey{key: APIKey(r), err: err, expires: now.Add(KeyCacheTTL)})
	return APIKey(r), err
}

// CreateAPIKey implements shopgraph.APIKeyAdmin.
func (m *KeyManager) CreateAPIKey(ctx context.Context, in shopgraph.NewAPIKey) (shopgraph.APIKeyRecord, string, error) {
	k, full, err := IssueAPIKey(in.Partner, in.Scopes, in.RateLimit, in.ExpiresAt, m.now())
	if err != nil {
		return shopgraph.APIKeyRecord{}, "", err
	}
	r := shopgraph.APIKeyRecord(k)
	if err := m.store.CreateAPIKey(ctx, r); err != nil {
		return shopgraph.APIKeyRecord{}, "", err
	}
	m.cache.Remove(r.ID) // an earlier lookup of this id cached "unknown"
	m.audit(ctx, "api key created", r)
	return r, full, nil
}

// ListAPIKeys implements shopgraph.APIKeyAdmin.
func (m *KeyManager) ListAPIKeys(ctx context.Context) ([]shopgraph.APIKeyRecord, error) {
	return m.store.ListAPIKeys(ctx)
}

// RevokeAPIKey implements shopgraph.APIKeyAdmin. The key stops working at
// once on this instance, and within KeyCacheTTL on the others.
func (m *KeyManager) RevokeAPIKey(ctx context.Context, id string) (shopgraph.APIKeyRecord, error) {
	if !validKeyID(id) {
		return shopgraph.APIKeyRecord{}, shopgraph.Errorf(shopgraph.CodeBadRequest,
			"invalid API key id %.40q: ids look like %s0123456789abcdef (the part of the key before the dot)", id, APIKeyPrefix)
	}
	r, err := m.store.RevokeAPIKey(ctx, id, m.now())
	if err != nil {
		return r, err
	}
	m.cache.Remove(id)
	m.audit(ctx, "api key revoked", r)
	return r, nil
}

// audit logs a key change and who made it.
func (m *KeyManager) audit(ctx context.Context, msg string, r shopgraph.APIKeyRecord) {
	if m.log == nil {
		return
	}
	by := "cli"
	if id := shopgraph.IdentityFromContext(ctx); id != nil {
		by = id.Username
		if by == "" {
			by = string(id.Mode) + ":" + id.Sub
		}
	}
	attrs := []any{"key_id", r.ID, "partner", r.Partner, "scopes", r.Scopes, "by", by}
	if r.ExpiresAt != nil {
		attrs = append(attrs, "expires_at", r.ExpiresAt.UTC())
	}
	if r.RevokedAt != nil {
		attrs = append(attrs, "revoked_at", r.RevokedAt.UTC())
	}
	if rid := shopgraph.RequestIDFromContext(ctx); rid != "" {
		attrs = append(attrs, "request_id", rid)
	}
	m.log.InfoContext(ctx, msg, attrs...)
}

// EnsureAPIKey stores k unless a key with its id exists (for the embedded
// default's dev key, which must exist once).
func (m *KeyManager) EnsureAPIKey(ctx context.Context, k APIKey) error {
	err := m.store.CreateAPIKey(ctx, shopgraph.APIKeyRecord(k))
	if shopgraph.IsCode(err, shopgraph.CodeConflict) {
		return nil
	}
	return err
}
