package shopgraph

import (
	"context"
	"time"
)

// APIKeyRecord is a partner API key as stored (a row of the ApiKeys table).
// A key is "<ID>.<secret>"; the secret itself is never stored, only its
// SHA-256 (SecretHash), which the authenticator compares in constant time.
//
// auth.APIKey is this type with the authentication methods.
type APIKeyRecord struct {
	// ID is the key id, the part of the key before the dot. Required.
	ID string
	// Partner names the partner the key was issued to.
	Partner string
	// Scopes are the partner scopes the key grants (catalog:read,
	// inventory:read, search:read), in the order given.
	Scopes []string
	// RateLimit is the key's requests per second; 0 means the limiter's
	// default.
	RateLimit int
	// SecretHash is the SHA-256 of the key's secret (32 bytes). Never the
	// secret.
	SecretHash []byte
	// CreatedAt is when the key was issued.
	CreatedAt time.Time
	// ExpiresAt is when the key stops working; nil: it never expires.
	ExpiresAt *time.Time
	// RevokedAt is when the key was revoked; nil: it is not revoked.
	RevokedAt *time.Time
}

// APIKeyStore keeps partner API keys (the ApiKeys table). Implementations
// store SecretHash byte for byte and return times in UTC; they never see a
// secret.
//
// Errors are *Error values where the meaning is known (NotFound, Conflict,
// BadRequest) and internal errors otherwise.
type APIKeyStore interface {
	// CreateAPIKey stores a new key. It returns a Conflict *Error when a key
	// with the same ID exists (the existing key is left unchanged), and a
	// BadRequest one when the record cannot be stored (an empty ID, or a
	// SecretHash that is not a SHA-256).
	CreateAPIKey(ctx context.Context, k APIKeyRecord) error
	// GetAPIKey returns the key with the given ID, read consistently (a
	// revocation is seen at once). It returns a NotFound *Error when there
	// is none.
	GetAPIKey(ctx context.Context, id string) (APIKeyRecord, error)
	// ListAPIKeys returns every key, ordered by CreatedAt, then by ID.
	ListAPIKeys(ctx context.Context) ([]APIKeyRecord, error)
	// RevokeAPIKey marks the key revoked at at and returns it as stored
	// afterwards. It is idempotent: revoking a revoked key keeps the first
	// revocation time (and returns it). It returns a NotFound *Error when
	// there is no key with the ID.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) (APIKeyRecord, error)
}

// APIKeyStatus is whether a key works at a given time.
type APIKeyStatus string

// Key statuses. A key both revoked and expired is REVOKED.
const (
	APIKeyActive  APIKeyStatus = "ACTIVE"
	APIKeyExpired APIKeyStatus = "EXPIRED"
	APIKeyRevoked APIKeyStatus = "REVOKED"
)

// Status reports the key's status at now: revoked once RevokedAt is at or
// before now, expired once ExpiresAt is, active otherwise.
func (k APIKeyRecord) Status(now time.Time) APIKeyStatus {
	switch {
	case k.RevokedAt != nil && !k.RevokedAt.After(now):
		return APIKeyRevoked
	case k.ExpiresAt != nil && !k.ExpiresAt.After(now):
		return APIKeyExpired
	}
	return APIKeyActive
}
