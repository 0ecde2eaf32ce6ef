package shopgraph

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. They double as AppSync errorType values: the server's error
// presenter is the one place that turns them into the wire shape.
const (
	ErrBadRequest    = "BadRequest"
	ErrNotFound      = "NotFound"
	ErrConflict      = "Conflict"
	ErrOutOfStock    = "OutOfStock"
	ErrLimitExceeded = "LimitExceeded"
	ErrUnauthorized  = "Unauthorized"
	ErrInternal      = "InternalError"
)

// Error is a domain error: a code from the list above and a message that is
// safe to show to the API's callers. Wrap it with context as usual; callers
// find it with errors.As (see ErrorCode and ErrorMessage).
type Error struct {
	Code    string
	Message string
	// RetryAfter, for LimitExceeded, says when the caller may try again.
	RetryAfter time.Duration
}

// Error implements the error interface.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for a nil
// error and ErrInternal for any other error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ErrInternal
}

// ErrorMessage returns the caller-safe message of the first *Error in err's
// chain, or a generic message for any other error (whose details must only
// be logged).
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code string) bool { return err != nil && ErrorCode(err) == code }
