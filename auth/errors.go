package auth

import shopgraph "github.com/shopgraph/shopgraph"

// Caller-safe messages of request-level credential failures (code
// shopgraph.CodeUnauthenticated, HTTP 401). They follow the messages AppSync
// itself sends for the same failures.
const (
	// MsgNoValidAuthorization is the message for a missing, unusable or
	// unverifiable credential: a bad signature, an unknown issuer or key, a
	// wrong audience, a token not yet valid.
	MsgNoValidAuthorization = "Valid authorization header not provided."
	// MsgUnparsableToken is the message for an Authorization value that looks
	// like a JWT but does not decode.
	MsgUnparsableToken = "Unable to parse JWT token."
	// MsgTokenExpired is the message for a correctly signed token past its
	// exp (plus leeway).
	MsgTokenExpired = "Token has expired."
	// MsgInvalidAPIKey is the message for an API key that is malformed,
	// unknown, revoked or whose secret does not match.
	MsgInvalidAPIKey = "You are not authorized to make this call."
	// MsgAPIKeyExpired is the message for an API key past its expiry.
	MsgAPIKeyExpired = "API key has expired."
)

// unauthenticated returns the request-level credential error with a
// caller-safe message.
func unauthenticated(msg string) *shopgraph.Error {
	return &shopgraph.Error{Code: shopgraph.CodeUnauthenticated, Message: msg}
}
