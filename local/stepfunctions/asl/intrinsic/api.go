package intrinsic

import (
	"errors"
	"strings"
)

// IsCall reports whether s is written as an intrinsic function call (starts with "States.").
func IsCall(s string) bool { return strings.HasPrefix(s, "States.") }

// Call is a parsed intrinsic function call. It is immutable: one Call may be
// evaluated by several goroutines at once.
type Call struct {
	text string    // the call as written
	root *callNode // the outermost call
}

// Parse parses an intrinsic function call as written in a ".$" field value:
// nested calls, string literals in single quotes with \' \{ \} \\ escapes,
// numbers, true/false/null, and path arguments ("$", "$.a.b", "$['x']",
// "$$.Execution.Id", and workflow variables "$name", "$name.field").
// An unknown function or bad syntax is a *SyntaxError saying what is wrong,
// e.g. "unknown function States.Foo"; the caller composes AWS's validation
// message ("The value for the field 'x.$' must be a valid JSONPath or a valid
// intrinsic function call").
func Parse(s string) (*Call, error) {
	root, err := parseCall(s)
	if err != nil {
		return nil, err
	}
	return &Call{text: s, root: root}, nil
}

// String is the call's text as written (AWS echoes it in causes).
func (c *Call) String() string { return c.text }

// Resolver resolves one path argument: "$..." against the state's input,
// "$$..." against the context object, "$name..." against variables. It returns
// ErrPathNotFound (wrapped is fine) when the path selects nothing.
type Resolver func(path string) (any, error)

// ErrPathNotFound is returned by a Resolver when a path selects nothing.
var ErrPathNotFound = errors.New("path not found")

// Eval evaluates the call, resolving its path arguments with resolve.
// A failure is an *Error.
func (c *Call) Eval(resolve Resolver) (any, error) {
	ev := &evaluator{text: c.text, resolve: resolve}
	return ev.call(c.root)
}

// Error is an intrinsic failure. Error() is AWS's cause text after the
// "An error occurred while executing the state 'X' (entered at the event id #N). "
// prefix, e.g.
//
//	There was an error while evaluating the intrinsic function: States.ArrayLength($.obj). Invalid arguments in States.ArrayLength
//	The function 'States.Hash($.missing, 'SHA-256')' had the following error: The JsonPath argument for the field '$.missing' could not be found in the input '{}'
//
// Name is the ASL error name the state fails with ("States.Runtime").
type Error struct {
	Name    string
	Message string
}

// Error returns the cause text (Message).
func (e *Error) Error() string { return e.Message }

// SyntaxError is a malformed intrinsic call: bad syntax or an unknown
// function. Msg says what is wrong and where.
type SyntaxError struct{ Msg string }

// Error returns Msg.
func (e *SyntaxError) Error() string { return e.Msg }
