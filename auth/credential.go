package auth

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// CredentialKind is the kind of credential a request carries.
type CredentialKind string

// The credential kinds. A JWT's mode (Cognito or OIDC) is decided by the
// Verifier from its iss.
const (
	CredentialAnonymous CredentialKind = "ANONYMOUS"
	CredentialAPIKey    CredentialKind = "API_KEY"
	CredentialJWT       CredentialKind = "JWT"
)

// Credential is the one credential a request carries, not yet verified.
type Credential struct {
	Kind CredentialKind
	// KeyID and Secret are set for CredentialAPIKey (from ParseAPIKey).
	KeyID, Secret string
	// Token is the raw JWT, without any "Bearer " prefix, for CredentialJWT.
	Token string
}

// CredentialFromHeaders picks the request's credential in appsync.md §1.4's
// order for the modes shopgraph serves (API_KEY, Cognito, OIDC):
//
//  1. an x-api-key header → CredentialAPIKey; it must parse (ParseAPIKey),
//     else MsgInvalidAPIKey. It wins over an Authorization header.
//  2. an Authorization header (optionally "Bearer "-prefixed) that decodes
//     as a JWT (three base64url parts, the first two JSON objects, the
//     header naming an alg) → CredentialJWT. Three parts that do not decode
//     give MsgUnparsableToken; any other value (including SigV4 and Lambda
//     tokens, which shopgraph does not serve, and an empty value) gives
//     MsgNoValidAuthorization.
//  3. neither header → CredentialAnonymous; the caller decides whether the
//     operation allows it.
//
// A header given twice is refused. Header names are matched
// case-insensitively (http.Header canonicalizes them). Errors are
// *shopgraph.Error with code shopgraph.CodeUnauthenticated.
func CredentialFromHeaders(h http.Header) (Credential, error) {
	if keys := h.Values("X-Api-Key"); len(keys) > 0 {
		if len(keys) > 1 {
			return Credential{}, unauthenticated(MsgInvalidAPIKey)
		}
		id, secret, err := ParseAPIKey(keys[0])
		if err != nil {
			return Credential{}, err
		}
		return Credential{Kind: CredentialAPIKey, KeyID: id, Secret: secret}, nil
	}
	authz := h.Values("Authorization")
	switch len(authz) {
	case 0:
		return Credential{Kind: CredentialAnonymous}, nil
	case 1:
	default:
		return Credential{}, unauthenticated(MsgNoValidAuthorization)
	}
	token := StripBearer(authz[0])
	if strings.Count(token, ".") != 2 {
		return Credential{}, unauthenticated(MsgNoValidAuthorization)
	}
	if !decodesAsJWT(token) {
		return Credential{}, unauthenticated(MsgUnparsableToken)
	}
	return Credential{Kind: CredentialJWT, Token: token}, nil
}

// CredentialFromAuthMap is CredentialFromHeaders for the header maps of
// AppSync's real-time protocol (the connect header and each start's
// extensions.authorization), whose keys arrive in any case.
func CredentialFromAuthMap(m map[string]string) (Credential, error) {
	h := make(http.Header, len(m))
	for k, v := range m {
		h.Add(k, v) // Add canonicalizes, so "authorization" and "Authorization" collide and are refused
	}
	return CredentialFromHeaders(h)
}

// decodesAsJWT reports whether a three-part token has a JSON-object header
// with a string alg and a JSON-object payload, and a base64url signature.
// Nothing is verified.
func decodesAsJWT(token string) bool {
	if len(token) > maxTokenBytes {
		return false
	}
	parts := strings.Split(token, ".")
	var header struct {
		Alg *string `json:"alg"`
	}
	if !decodeSegment(parts[0], &header) || header.Alg == nil {
		return false
	}
	var payload map[string]any
	if !decodeSegment(parts[1], &payload) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(parts[2])
	return err == nil
}

func decodeSegment(seg string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return false
	}
	// A JSON object only: json.Unmarshal would also accept null into v.
	trimmed := strings.TrimSpace(string(b))
	return strings.HasPrefix(trimmed, "{") && json.Unmarshal(b, v) == nil
}
