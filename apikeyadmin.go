package shopgraph

import (
	"context"
	"time"
)

// NewAPIKey describes a partner API key to issue.
type NewAPIKey struct {
	Partner   string
	Scopes    []string
	ExpiresAt *time.Time // nil: never expires
	RateLimit int        // requests per second; 0 means the default
}

// APIKeyAdmin issues, lists and revokes partner API keys (the admin API and
// `shopgraph apikey`). Errors are *Error values: BadRequest for invalid
// input, NotFound for an unknown key id.
type APIKeyAdmin interface {
	// CreateAPIKey issues a key and returns its record and the full key
	// (`<keyId>.<secret>`), which is shown only here: only the secret's
	// hash is stored.
	CreateAPIKey(ctx context.Context, in NewAPIKey) (APIKeyRecord, string, error)
	ListAPIKeys(ctx context.Context) ([]APIKeyRecord, error)
	// RevokeAPIKey revokes a key; revoking twice keeps the first time.
	RevokeAPIKey(ctx context.Context, id string) (APIKeyRecord, error)
}
