package shopgraph

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrorCode is the kind of a domain error. The set is closed: adapters
// translate every foreign failure into one of the codes below (or leave it
// internal), and the server's error presenter, the one place that turns codes
// into the wire shape, sends the code as AppSync's errorType. A code outside
// the set (see Known) is presented as CodeInternal.
type ErrorCode string

// Codes of the API's own errors.
const (
	CodeBadRequest    ErrorCode = "BadRequest"
	CodeNotFound      ErrorCode = "NotFound"
	CodeConflict      ErrorCode = "Conflict"
	CodeOutOfStock    ErrorCode = "OutOfStock"
	CodeLimitExceeded ErrorCode = "LimitExceeded"
	// CodeUnauthorized is a field denied to an authenticated caller: HTTP
	// 200 with the field null, as on AppSync.
	CodeUnauthorized ErrorCode = "Unauthorized"
	// CodeUnauthenticated is a request-level credential failure (missing,
	// malformed, expired or unverifiable): HTTP 401 with AppSync's
	// UnauthorizedException.
	CodeUnauthenticated ErrorCode = "UnauthorizedException"
	// CodeExecutionTimeout is an operation stopped at its deadline, as
	// AppSync's resolver timeout.
	CodeExecutionTimeout ErrorCode = "ExecutionTimeout"
	// CodeInternal is everything else. Its details are logged, never shown.
	CodeInternal ErrorCode = "InternalError"
)

// Codes of the account mutations (sign-up, sign-in, password flows). They are
// the exception names of Cognito's user pool API, so a client reads the same
// errorType whether the embedded default or Cognito answered. Every
// Accounts implementation returns only these (or the codes above).
const (
	// CodeNotAuthorized: wrong username or password, an invalid, expired or
	// revoked refresh token, too many password attempts. Unlike CodeUnauthenticated it is a field error (HTTP 200).
	CodeNotAuthorized ErrorCode = "NotAuthorizedException"
	// CodeUsernameExists: sign-up with a username already taken.
	CodeUsernameExists ErrorCode = "UsernameExistsException"
	// CodeInvalidPassword: a password that fails the pool's policy.
	CodeInvalidPassword ErrorCode = "InvalidPasswordException"
	// CodeInvalidParameter: a malformed username, email or code.
	CodeInvalidParameter ErrorCode = "InvalidParameterException"
	// CodeMismatch: a wrong confirmation or reset code (also for an unknown
	// or an already confirmed user, so that codes do not reveal who exists).
	CodeMismatch ErrorCode = "CodeMismatchException"
	// CodeExpired: a confirmation or reset code past its lifetime.
	CodeExpired ErrorCode = "ExpiredCodeException"
	// CodeUserNotConfirmed: the right password for a user who has not
	// confirmed their sign-up yet.
	CodeUserNotConfirmed ErrorCode = "UserNotConfirmedException"
	// CodeUserNotFound: a lookup of an unknown user by a trusted caller (the
	// sign-in operations never return it).
	CodeUserNotFound ErrorCode = "UserNotFoundException"
	// CodeTooManyAttempts: too many wrong codes or requests; try later.
	CodeTooManyAttempts ErrorCode = "LimitExceededException"
)

// ErrorCodes lists every code of the closed set.
func ErrorCodes() []ErrorCode {
	return append([]ErrorCode{
		CodeBadRequest, CodeNotFound, CodeConflict, CodeOutOfStock, CodeLimitExceeded,
		CodeNotCancellable, CodeNotReturnable, CodeUnauthorized, CodeUnauthenticated, CodeExecutionTimeout, CodeInternal,
	}, AccountErrorCodes()...)
}

// AccountErrorCodes are the codes an account mutation may answer with besides
// CodeBadRequest and CodeInternal: the Cognito exception names a client sees.
func AccountErrorCodes() []ErrorCode {
	return []ErrorCode{
		CodeNotAuthorized, CodeUsernameExists, CodeInvalidPassword, CodeInvalidParameter,
		CodeMismatch, CodeExpired, CodeUserNotConfirmed, CodeUserNotFound, CodeTooManyAttempts,
	}
}

// Known reports whether c is in the closed set.
func (c ErrorCode) Known() bool { return slices.Contains(ErrorCodes(), c) }

// Error is a domain error: a code from the closed set and a message that is
// safe to show to the API's callers. Wrap it with context as usual; callers
// find it with errors.As (see CodeOf and ErrorMessage).
type Error struct {
	Code    ErrorCode
	Message string
	// RetryAfter, for CodeLimitExceeded, says when the caller may try again.
	RetryAfter time.Duration
}

// Error implements the error interface.
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain, "" for a nil
// error and CodeInternal for any other error (or an *Error whose code is not
// in the closed set).
func CodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code.Known() {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the caller-safe message of the first *Error in err's
// chain, or a generic message for any other error (whose details must only
// be logged).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code.Known() && e.Code != CodeInternal {
		return e.Message
	}
	if err == nil {
		return ""
	}
	return InternalMessage
}

// InternalMessage is all a caller ever sees of an internal error.
const InternalMessage = "An internal error occurred."

// IsCode reports whether err carries the given code.
func IsCode(err error, code ErrorCode) bool { return err != nil && CodeOf(err) == code }
