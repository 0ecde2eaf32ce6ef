package auth

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/shopgraph/shopgraph"
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

// ParseCredential picks the one credential of c, in AppSync's order for the
// modes shopgraph serves (API_KEY, Cognito, OIDC), whatever the transport:
//
//  1. an x-api-key value → CredentialAPIKey; it must parse (ParseAPIKey),
//     else MsgInvalidAPIKey. It wins over an Authorization value.
//  2. an Authorization value (optionally "Bearer "-prefixed) that decodes
//     as a JWT (three base64url parts, the first two JSON objects, the
//     header naming an alg) → CredentialJWT. Three parts that do not decode
//     give MsgUnparsableToken; any other value (including SigV4 and Lambda
//     tokens, which shopgraph does not serve, and an empty value) gives
//     MsgNoValidAuthorization.
//  3. neither → CredentialAnonymous; the caller decides whether the
//     operation allows it.
//
// A header given twice is refused. Errors are *shopgraph.Error with code
// shopgraph.CodeUnauthenticated.
func ParseCredential(c shopgraph.Credentials) (Credential, error) {
	if keys := c.APIKey; len(keys) > 0 {
		if len(keys) > 1 {
			return Credential{}, unauthenticated(MsgInvalidAPIKey)
		}
		id, secret, err := ParseAPIKey(keys[0])
		if err != nil {
			return Credential{}, err
		}
		return Credential{Kind: CredentialAPIKey, KeyID: id, Secret: secret}, nil
	}
	authz := c.Authorization
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
