package auth

import (
	"context"
	"log/slog"
	"time"

	"github.com/shopgraph/shopgraph"
)

// KeyManager implements shopgraph.APIKeyAdmin over a shopgraph.APIKeyStore,
// and looks keys up for the Authenticator (LookupKey: Lookup).
type KeyManager struct {
	Store shopgraph.APIKeyStore
	Now   func() time.Time
	// Logger receives an audit line for every key created or revoked,
	// naming who did it (the caller's identity in the context, else
	// "cli"); nil: no audit log.
	Logger *slog.Logger
	// Revoked, when set, is called after a key is revoked, so this
	// instance's Authenticator forgets it at once (Authenticator.Forget);
	// other instances see the revocation within KeyCacheTTL.
	Revoked func(id string)
}

var _ shopgraph.APIKeyAdmin = (*KeyManager)(nil)

func (m *KeyManager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Lookup returns the stored key with this id (NotFound when unknown).
func (m *KeyManager) Lookup(ctx context.Context, id string) (APIKey, error) {
	r, err := m.Store.GetAPIKey(ctx, id)
	if err != nil {
		return APIKey{}, err
	}
	return APIKey(r), nil
}

// CreateAPIKey implements shopgraph.APIKeyAdmin.
func (m *KeyManager) CreateAPIKey(ctx context.Context, in shopgraph.NewAPIKey) (shopgraph.APIKeyRecord, string, error) {
	k, full, err := IssueAPIKey(in.Partner, in.Scopes, in.RateLimit, in.ExpiresAt, m.now())
	if err != nil {
		return shopgraph.APIKeyRecord{}, "", err
	}
	r := shopgraph.APIKeyRecord(k)
	if err := m.Store.CreateAPIKey(ctx, r); err != nil {
		return shopgraph.APIKeyRecord{}, "", err
	}
	m.audit(ctx, "api key created", r)
	return r, full, nil
}

// ListAPIKeys implements shopgraph.APIKeyAdmin.
func (m *KeyManager) ListAPIKeys(ctx context.Context) ([]shopgraph.APIKeyRecord, error) {
	return m.Store.ListAPIKeys(ctx)
}

// RevokeAPIKey implements shopgraph.APIKeyAdmin.
func (m *KeyManager) RevokeAPIKey(ctx context.Context, id string) (shopgraph.APIKeyRecord, error) {
	if !validKeyID(id) {
		return shopgraph.APIKeyRecord{}, shopgraph.Errorf(shopgraph.CodeBadRequest,
			"invalid API key id %.40q: ids look like %s0123456789abcdef (the part of the key before the dot)", id, APIKeyPrefix)
	}
	r, err := m.Store.RevokeAPIKey(ctx, id, m.now())
	if err != nil {
		return r, err
	}
	if m.Revoked != nil {
		m.Revoked(id)
	}
	m.audit(ctx, "api key revoked", r)
	return r, nil
}

// audit logs a key change and who made it.
func (m *KeyManager) audit(ctx context.Context, msg string, r shopgraph.APIKeyRecord) {
	if m.Logger == nil {
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
	m.Logger.InfoContext(ctx, msg, attrs...)
}

// EnsureAPIKey stores k unless a key with its id exists (for the embedded
// default's dev key, which survives nothing but must exist once).
func (m *KeyManager) EnsureAPIKey(ctx context.Context, k APIKey) error {
	err := m.Store.CreateAPIKey(ctx, shopgraph.APIKeyRecord(k))
	if shopgraph.IsCode(err, shopgraph.CodeConflict) {
		return nil
	}
	return err
}
