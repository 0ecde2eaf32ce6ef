package intrinsic

import (
	"errors"
	"fmt"
	"strings"
)

// runtimeError is the ASL error name of every intrinsic failure.
const runtimeError = "States.Runtime"

// errInvalidArguments is a function's answer to arguments of the wrong
// count, type or range; AWS reports it as "Invalid arguments in States.X".
var errInvalidArguments = errors.New("invalid arguments")

// detailError is a function failure with its own AWS wording (replacing
// "Invalid arguments in States.X" in the cause).
type detailError struct{ detail string }

func (e *detailError) Error() string { return e.detail }

// argument is one evaluated argument, with the node it came from (States.Format
// needs to know which braces of a literal template were escaped).
type argument struct {
	value any
	node  node
}

// evaluator evaluates the nodes of one call.
type evaluator struct {
	text    string // the outermost call as written, echoed in causes
	resolve Resolver
}

// call evaluates a call node: its arguments, then the function.
func (ev *evaluator) call(c *callNode) (any, error) {
	args := make([]argument, len(c.args))
	for i, a := range c.args {
		v, err := ev.arg(a)
		if err != nil {
			return nil, err
		}
		args[i] = argument{value: v, node: a}
	}
	if !c.fn.accepts(len(args)) {
		return nil, ev.failure(c.fn.name, errInvalidArguments)
	}
	v, err := c.fn.impl(args)
	if err != nil {
		return nil, ev.failure(c.fn.name, err)
	}
	return v, nil
}

// arg evaluates one argument node.
func (ev *evaluator) arg(n node) (any, error) {
	switch x := n.(type) {
	case literalNode:
		return x.value, nil
	case stringNode:
		return x.value, nil
	case pathNode:
		return ev.path(x.path)
	case *callNode:
		return ev.call(x)
	}
	panic(fmt.Sprintf("intrinsic: unknown node %T", n))
}

// path resolves a path argument.
func (ev *evaluator) path(p string) (any, error) {
	if ev.resolve == nil {
		return nil, ev.functionError(fmt.Sprintf("no resolver for the path argument '%s'", p))
	}
	v, err := ev.resolve(p)
	switch {
	case errors.Is(err, ErrPathNotFound):
		return nil, ev.functionError(fmt.Sprintf("The JsonPath argument for the field '%s' could not be found in the %s", p, ev.describeRoot(p)))
	case err != nil:
		return nil, ev.functionError(fmt.Sprintf("resolving '%s': %v", p, err))
	}
	return v, nil
}

// describeRoot names the document a path was applied to, with its JSON, as
// AWS's messages do ("input '{...}'").
func (ev *evaluator) describeRoot(p string) string {
	root := pathRoot(p)
	what := "input"
	switch {
	case root == "$$":
		what = "context object"
	case root != "$":
		what = "variable '" + root[1:] + "'"
	}
	v, err := ev.resolve(root)
	if err != nil {
		return what
	}
	return what + " '" + encode(v) + "'"
}

// pathRoot is the root a path starts from: "$" (the input), "$$" (the
// context object) or "$name" (a variable).
func pathRoot(p string) string {
	if strings.HasPrefix(p, "$$") {
		return "$$"
	}
	end := 1
	for end < len(p) && isIdentChar(p[end]) {
		end++
	}
	return p[:end]
}

// functionError is a failure outside a function's own checks (a path that
// selects nothing), worded as AWS does.
func (ev *evaluator) functionError(detail string) *Error {
	return &Error{Name: runtimeError, Message: fmt.Sprintf("The function '%s' had the following error: %s", ev.text, detail)}
}

// failure is a function's failure, worded as AWS does.
func (ev *evaluator) failure(fn string, err error) *Error {
	detail := "Invalid arguments in " + fn
	var d *detailError
	if errors.As(err, &d) {
		detail = d.detail
	}
	return &Error{Name: runtimeError, Message: fmt.Sprintf("There was an error while evaluating the intrinsic function: %s. %s", ev.text, detail)}
}
