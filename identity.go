package shopgraph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
)

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
	// Groups is the cognito:groups claim (nil when absent).
	Groups []string
	// TokenUse is "id" or "access" for Cognito tokens.
	TokenUse string
	// Token is the verified raw JWT, for calls made on the user's behalf
	// (Cognito's GetUser), and its claims (Claims). Never log it.
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

// Claims are the verified token's claims (nil without a token), decoded
// from Token when asked: a real-time connection holds its identity for
// hours, and keeps the token it needs anyway rather than a map of it too.
func (i Identity) Claims() map[string]any {
	parts := strings.Split(i.Token, ".")
	if len(parts) != 3 {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil
	}
	var claims map[string]any
	if json.Unmarshal(b, &claims) != nil {
		return nil
	}
	return claims
}

// InGroup reports whether the caller is in the Cognito group g.
func (i Identity) InGroup(g string) bool { return slices.Contains(i.Groups, g) }

// HasScope reports whether an API key caller holds scope s.
func (i Identity) HasScope(s string) bool { return slices.Contains(i.Scopes, s) }

// Cognito token uses (the token_use claim).
const (
	TokenUseID     = "id"
	TokenUseAccess = "access"
)

// Groups of the store's user pool. admin manages partner keys (and, later,
// products and any order); warehouse ships and delivers orders.
const (
	GroupAdmin     = "admin"
	GroupWarehouse = "warehouse"
)

// Partner scopes. An API key may read only the schema fields its scopes
// grant (the @shopgraph_scopes directive).
const (
	ScopeCatalogRead   = "catalog:read"
	ScopeInventoryRead = "inventory:read"
	ScopeSearchRead    = "search:read"
	// ScopeAccountWrite admits an app's key to the account mutations
	// (sign-up, sign-in, confirmations, password reset).
	ScopeAccountWrite = "account:write"
)

// Scopes returns every partner scope, in a fixed order (a new slice each
// call).
func Scopes() []string {
	return []string{ScopeCatalogRead, ScopeInventoryRead, ScopeSearchRead, ScopeAccountWrite}
}

// Credentials are what a caller presents to authenticate, whatever the
// transport: the values of the x-api-key and Authorization headers of an
// HTTP request, of the header map of an AppSync real-time connection, or of
// a subscription start's extensions.authorization. Nothing in it is verified.
type Credentials struct {
	// APIKey holds every x-api-key value (more than one is refused).
	APIKey []string
	// Authorization holds every Authorization value (more than one is
	// refused).
	Authorization []string
	// SourceIP is where the call came from: X-Forwarded-For addresses, then
	// the TCP peer (AppSync's sourceIp).
	SourceIP []string
}

// CredentialsFromHeaders collects the credential headers from h, whose names
// may arrive in any case (an http.Header, or a real-time header map turned
// into one value list per name). Two names differing only in case both count,
// so "authorization" and "Authorization" together are two values, refused
// as ambiguous.
func CredentialsFromHeaders(h map[string][]string, sourceIP []string) Credentials {
	c := Credentials{SourceIP: sourceIP}
	for name, values := range h {
		switch {
		case strings.EqualFold(name, "x-api-key"):
			c.APIKey = append(c.APIKey, values...)
		case strings.EqualFold(name, "authorization"):
			c.Authorization = append(c.Authorization, values...)
		}
	}
	return c
}

// Authenticator turns presented credentials into the caller's identity, the
// same way for every transport. It returns a nil identity (and no error) for
// credentials that present nothing. Errors are *Error: CodeUnauthenticated
// for a missing-but-required, malformed, expired or unverifiable credential,
// CodeLimitExceeded (with RetryAfter) when an API key is over its rate
// limit; anything else is an internal failure.
type Authenticator interface {
	Authenticate(ctx context.Context, c Credentials) (*Identity, error)
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
