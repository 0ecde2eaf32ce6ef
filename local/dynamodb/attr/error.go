package attr

// Error is a client error: the request was invalid. A server answers it with
// a ValidationException whose message is Msg.
type Error struct{ Msg string }

// Error returns Msg.
func (e *Error) Error() string { return e.Msg }

// errorf builds an *Error.
func errorf(msg string) *Error { return &Error{Msg: msg} }
