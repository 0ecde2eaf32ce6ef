package asl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shopgraph/shopgraph/local/stepfunctions/asl/intrinsic"
)

// template is a compiled payload template (Parameters, ResultSelector,
// ItemSelector, Assign, Arguments, Output, ...): evaluating it in a scope
// yields a JSON value.
type template interface {
	eval(s *scope) (any, error)
}

// stepError is a failure the engine detects while running a state (a path
// that selects nothing, a failed intrinsic, ...). The runner turns it into
// an *Error whose cause starts with "An error occurred while executing the
// state 'X' (entered at the event id #N). ".
type stepError struct {
	name, msg string
}

func (e *stepError) Error() string { return e.name + ": " + e.msg }

func runtimeErrorf(format string, args ...any) *stepError {
	return &stepError{name: "States.Runtime", msg: fmt.Sprintf(format, args...)}
}

// literal is a constant part of a template.
type literal struct{ v any }

func (l literal) eval(*scope) (any, error) { return l.v, nil }

type objectField struct {
	key string
	t   template
}

// objectTemplate builds an object field by field.
type objectTemplate []objectField

func (o objectTemplate) eval(s *scope) (any, error) {
	out := make(map[string]any, len(o))
	for _, f := range o {
		v, err := f.t.eval(s)
		if err != nil {
			return nil, err
		}
		out[f.key] = v
	}
	return out, nil
}

// arrayTemplate builds an array element by element.
type arrayTemplate []template

func (a arrayTemplate) eval(s *scope) (any, error) {
	out := make([]any, len(a))
	for i, t := range a {
		v, err := t.eval(s)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// valueExpr is the value of a ".$" field (or of ErrorPath/CausePath): a
// JSONPath or an intrinsic function call.
type valueExpr struct {
	field string // e.g. "x.$", for messages
	path  *jsonPath
	call  *intrinsic.Call
}

// errNotPathOrCall is the reason a ".$" value was rejected.
var errNotPathOrCall = errors.New("not a valid JSONPath or intrinsic function call")

// compileValueExpr parses s as an intrinsic call (when it starts with
// "States.") or else as a JSONPath.
func compileValueExpr(field, s string) (*valueExpr, error) {
	if intrinsic.IsCall(s) {
		c, err := intrinsic.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errNotPathOrCall, err)
		}
		return &valueExpr{field: field, call: c}, nil
	}
	p, err := compilePath(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNotPathOrCall, err)
	}
	return &valueExpr{field: field, path: p}, nil
}

func (e *valueExpr) eval(s *scope) (any, error) {
	if e.call != nil {
		v, err := e.call.Eval(func(p string) (any, error) {
			jp, err := compilePath(p)
			if err != nil {
				return nil, err
			}
			v, err := jp.eval(s)
			if errors.Is(err, errNoValue) {
				return nil, fmt.Errorf("%w: %s", intrinsic.ErrPathNotFound, p)
			}
			return v, err
		})
		if err != nil {
			var ie *intrinsic.Error
			if errors.As(err, &ie) {
				return nil, &stepError{name: ie.Name, msg: ie.Message}
			}
			return nil, runtimeErrorf("The function '%s' had the following error: %v", e.call.String(), err)
		}
		return v, nil
	}
	v, err := e.path.eval(s)
	if err != nil {
		return nil, runtimeErrorf("The JSONPath '%s' specified for the field '%s' could not be found in the %s",
			e.path.text, e.field, e.path.describeRoot(s))
	}
	return v, nil
}

// describeRoot names what the path was applied to, as AWS's messages do.
func (p *jsonPath) describeRoot(s *scope) string {
	switch p.root {
	case rootContext:
		return "context object '" + encodeJSON(s.context) + "'"
	case rootVariable:
		if v, ok := s.vars.lookup(p.variable); ok {
			return "variable '" + p.variable + "' '" + encodeJSON(v) + "'"
		}
		return "variables (no variable '" + p.variable + "' is defined)"
	}
	return "input '" + encodeJSON(s.input) + "'"
}

// compileTemplate compiles a JSONPath-mode payload template: objects whose
// keys end in ".$" take their value from a path or intrinsic. Problems are
// reported through bad (location relative to loc).
func compileTemplate(v any, loc string, bad func(loc, field, msg string)) template {
	switch x := v.(type) {
	case map[string]any:
		fields := make(objectTemplate, 0, len(x))
		dynamic := false
		for _, k := range sortedKeys(x) {
			val := x[k]
			if name, ok := strings.CutSuffix(k, ".$"); ok {
				str, isStr := val.(string)
				var e *valueExpr
				var err error
				if isStr {
					e, err = compileValueExpr(k, str)
				}
				if !isStr || err != nil {
					bad(loc+"/"+k, k, fmt.Sprintf("The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", k))
					continue
				}
				fields = append(fields, objectField{key: name, t: e})
				dynamic = true
				continue
			}
			t := compileTemplate(val, loc+"/"+k, bad)
			if _, isLit := t.(literal); !isLit {
				dynamic = true
			}
			fields = append(fields, objectField{key: k, t: t})
		}
		if !dynamic {
			return literal{v}
		}
		return fields
	case []any:
		items := make(arrayTemplate, len(x))
		dynamic := false
		for i, el := range x {
			items[i] = compileTemplate(el, fmt.Sprintf("%s/%d", loc, i), bad)
			if _, isLit := items[i].(literal); !isLit {
				dynamic = true
			}
		}
		if !dynamic {
			return literal{v}
		}
		return items
	}
	return literal{v}
}
