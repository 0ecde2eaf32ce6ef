package shopgraph

import "context"

// AuthMode is an AppSync authorization mode.
type AuthMode string

// The authorization modes shopgraph supports.
const (
	AuthModeCognito AuthMode = "AMAZON_COGNITO_USER_POOLS"
	AuthModeAPIKey  AuthMode = "API_KEY"
	AuthModeOIDC    AuthMode = "OPENID_CONNECT"
)

// Identity is the verified caller of a request, in AppSync's $ctx.identity
// terms. For API keys AppSync's identity is null; shopgraph keeps the key's
// id, partner and scopes here instead.
type Identity struct {
	Mode AuthMode

	// Cognito and OIDC callers.
	Sub      string
	Username string // cognito:username (ID token) or username (access token)
	Issuer   string
	// Claims are all verified token claims.
	Claims map[string]any
	// Groups is the cognito:groups claim (nil when absent).
	Groups []string
	// TokenUse is "id" or "access" for Cognito tokens.
	TokenUse string
	// Token is the verified raw JWT, for calls made on the user's behalf
	// (Cognito's GetUser). Never log it.
	Token string
	// SourceIP is the TCP peer plus any X-Forwarded-For addresses.
	SourceIP []string
	// DefaultAuthStrategy is ALLOW or DENY (Cognito).
	DefaultAuthStrategy string

	// API key callers.
	KeyID   string
	Partner string
	Scopes  []string
}

// InGroup reports whether the caller is in the Cognito group g.
func (i Identity) InGroup(g string) bool {
	for _, x := range i.Groups {
		if x == g {
			return true
		}
	}
	return false
}

// HasScope reports whether an API key caller holds scope s.
func (i Identity) HasScope(s string) bool {
	for _, x := range i.Scopes {
		if x == s {
			return true
		}
	}
	return false
}

const identityKey ctxKey = 100

// NewContextWithIdentity returns a context carrying the caller's identity.
func NewContextWithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey, id)
}

// IdentityFromContext returns the caller's identity, or nil for an
// anonymous request.
func IdentityFromContext(ctx context.Context) *Identity {
	id, _ := ctx.Value(identityKey).(*Identity)
	return id
}
