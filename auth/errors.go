package auth

import shopgraph "github.com/shopgraph/shopgraph"

// Caller-safe messages of request-level credential failures (code
// shopgraph.ErrUnauthenticated, HTTP 401). They follow the messages AppSync
// itself sends (appsync.md §2.2).
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

// Error codes of the user directory's operations. They are Cognito's
// exception names, so the sign-in mutations' errorType reads as the
// cognitoidentityprovider API would (an AWS-backed implementation can pass
// Cognito's own codes through unchanged). They are field errors (HTTP 200),
// not request-level credential failures: ErrNotAuthorized is deliberately
// different from shopgraph.ErrUnauthenticated.
const (
	// ErrNotAuthorized: wrong username or password, an already confirmed
	// user, an invalid, expired or revoked refresh token, too many password
	// attempts.
	ErrNotAuthorized = "NotAuthorizedException"
	// ErrUsernameExists: SignUp with a username already taken.
	ErrUsernameExists = "UsernameExistsException"
	// ErrInvalidPassword: a password that fails the policy (PasswordPolicy).
	ErrInvalidPassword = "InvalidPasswordException"
	// ErrInvalidParameter: a malformed username, email or code.
	ErrInvalidParameter = "InvalidParameterException"
	// ErrCodeMismatch: a wrong confirmation or reset code (also for an
	// unknown user, so that codes do not reveal who exists).
	ErrCodeMismatch = "CodeMismatchException"
	// ErrExpiredCode: a confirmation or reset code past its lifetime.
	ErrExpiredCode = "ExpiredCodeException"
	// ErrUserNotConfirmed: the right password for a user who has not
	// confirmed their sign-up yet.
	ErrUserNotConfirmed = "UserNotConfirmedException"
	// ErrUserNotFound: Lookup of an unknown user (the sign-in operations never
	// return it; they answer as if the user might exist).
	ErrUserNotFound = "UserNotFoundException"
	// ErrCodeAttemptsExceeded: too many wrong codes; request a new one.
	ErrCodeAttemptsExceeded = "LimitExceededException"
)

// unauthenticated returns the request-level credential error with a
// caller-safe message.
func unauthenticated(msg string) *shopgraph.Error {
	return &shopgraph.Error{Code: shopgraph.ErrUnauthenticated, Message: msg}
}
