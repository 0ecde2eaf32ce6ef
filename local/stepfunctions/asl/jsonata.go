package asl

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	jsonata "github.com/blues/jsonata-go"
)

// JSONata mode evaluates "{% expression %}" strings with
// github.com/blues/jsonata-go. Expressions see $states (input, context and,
// where defined, result and errorOutput) and every workflow variable in
// scope as $name. Numbers are float64 inside JSONata (as in JavaScript), so
// integers beyond 2^53 lose precision there, unlike in JSONPath mode.

// isJSONataString reports whether s is a whole "{% ... %}" expression.
func isJSONataString(s string) bool {
	return strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}") && len(s) >= 4
}

// jsonataExpr is one compiled "{% %}" string.
type jsonataExpr struct {
	field string // where it is written, e.g. "Arguments/Payload", for messages
	text  string // the expression between the delimiters
	expr  *jsonata.Expr
}

// compileJSONata compiles an expression, turning a panic of the library
// into an error.
func compileJSONata(text string) (e *jsonata.Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("invalid JSONata expression: %v", r)
		}
	}()
	return jsonata.Compile(text)
}

// jsonataField compiles field k of o as a JSONata template: any JSON value in
// which whole "{% %}" strings are expressions.
func (p *parser) jsonataField(o object, k string) template {
	v, ok := o.m[k]
	if !ok {
		return nil
	}
	return p.jsonataTemplate(o, k, k, v)
}

func (p *parser) jsonataTemplate(o object, field, rel string, v any) template {
	switch x := v.(type) {
	case string:
		if !isJSONataString(x) {
			return literal{x}
		}
		text := strings.TrimSpace(x[2 : len(x)-2])
		e, err := compileJSONata(text)
		if err != nil {
			p.problem(o.at(rel), o.state, field, fmt.Sprintf("The JSONata expression '%s' specified for the field '%s' is invalid: %v", text, rel, err))
			return literal{x}
		}
		return &jsonataExpr{field: rel, text: text, expr: e}
	case map[string]any:
		fields := make(objectTemplate, 0, len(x))
		dynamic := false
		for _, key := range sortedKeys(x) {
			t := p.jsonataTemplate(o, field, rel+"/"+key, x[key])
			if _, isLit := t.(literal); !isLit {
				dynamic = true
			}
			fields = append(fields, objectField{key: key, t: t})
		}
		if !dynamic {
			return literal{v}
		}
		return fields
	case []any:
		items := make(arrayTemplate, len(x))
		dynamic := false
		for i, el := range x {
			items[i] = p.jsonataTemplate(o, field, fmt.Sprintf("%s/%d", rel, i), el)
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

// eval evaluates the expression in s. An evaluation error, or a result
// that is undefined or not JSON, is States.QueryEvaluationError.
func (j *jsonataExpr) eval(s *scope) (any, error) {
	states := map[string]any{"input": toJSONata(s.input), "context": toJSONata(s.context)}
	for k, v := range s.states {
		states[k] = toJSONata(v)
	}
	vars := map[string]any{}
	for k, v := range s.vars.visible() {
		vars[k] = toJSONata(v)
	}
	vars["states"] = states
	v, err := j.run(vars)
	if errors.Is(err, jsonata.ErrUndefined) {
		return nil, j.fail("returned nothing (undefined)")
	}
	if err != nil {
		return nil, j.fail("threw an error during evaluation: " + err.Error())
	}
	out, err := fromJSONata(v)
	if err != nil {
		return nil, j.fail("returned an unsupported result type: " + err.Error())
	}
	return out, nil
}

func (j *jsonataExpr) fail(what string) error {
	return &stepError{name: "States.QueryEvaluationError",
		msg: fmt.Sprintf("The JSONata expression '%s' specified for the field '%s' %s", j.text, j.field, what)}
}

// run evaluates a fresh copy of the compiled expression (an Expr's variable
// registry is not safe for concurrent use), turning a library panic into an
// error.
func (j *jsonataExpr) run(vars map[string]any) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("%v", r)
		}
	}()
	e, err := jsonata.Compile(j.text)
	if err != nil {
		return nil, err
	}
	if err := e.RegisterVars(vars); err != nil {
		return nil, err
	}
	return e.Eval(nil)
}

// toJSONata converts a JSON value for the library: numbers become float64.
func toJSONata(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return string(x)
		}
		return f
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = toJSONata(el)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, el := range x {
			out[k] = toJSONata(el)
		}
		return out
	}
	return v
}

// fromJSONata converts a library result back to a JSON value.
func fromJSONata(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeJSON(b)
}
