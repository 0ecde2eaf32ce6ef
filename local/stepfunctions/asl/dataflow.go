package asl

import (
	"fmt"
	"strings"

	"github.com/theory/jsonpath/spec"
)

// inputOutputPath applies InputPath or OutputPath: absent keeps v, null
// gives {}, a path selects from v (a definite path that selects nothing is
// States.Runtime).
func inputOutputPath(pf *pathField, s *scope, v any) (any, error) {
	switch {
	case pf == nil:
		return v, nil
	case pf.null:
		return map[string]any{}, nil
	}
	out, err := pf.path.eval(s.with(v))
	if err != nil {
		return nil, runtimeErrorf("Invalid path '%s' : No results for path: %s", pf.path.text, normalized(pf.path))
	}
	return out, nil
}

// normalized is a path in AWS's normalized form, e.g. $['a'][0].
func normalized(p *jsonPath) string {
	if p.refs == nil {
		return p.text
	}
	var b strings.Builder
	b.WriteString("$")
	for _, sel := range p.refs {
		switch x := sel.(type) {
		case spec.Name:
			b.WriteString("['" + string(x) + "']")
		case spec.Index:
			fmt.Fprintf(&b, "[%d]", int(x))
		}
	}
	return b.String()
}

// resultPath places result into the state's raw input as ResultPath says:
// absent replaces the input, null keeps the input, a path merges result in
// (States.ResultPathMatchFailure when the input cannot hold it there).
func resultPath(pf *pathField, raw, result any) (any, error) {
	switch {
	case pf == nil:
		return result, nil
	case pf.null:
		return raw, nil
	}
	out, err := setAt(raw, pf.path.refs, result)
	if err != nil {
		return nil, &stepError{name: "States.ResultPathMatchFailure",
			msg: fmt.Sprintf("Unable to apply ReferencePath %s to input %s", pf.path.text, encodeJSON(raw))}
	}
	return out, nil
}

// evalOptional evaluates t, or returns v when t is nil.
func evalOptional(t template, s *scope, v any) (any, error) {
	if t == nil {
		return v, nil
	}
	return t.eval(s)
}

// evalAssign evaluates an Assign template to the variables it sets (nil when
// the state has no Assign).
func evalAssign(t template, s *scope) (map[string]any, error) {
	if t == nil {
		return nil, nil
	}
	v, err := t.eval(s)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &stepError{name: "States.QueryEvaluationError", msg: "The field 'Assign' must evaluate to an object"}
	}
	return m, nil
}

// evalNum evaluates a dynamic numeric field; ok is false when it is unset.
func evalNum(d dynNum, s *scope) (v float64, ok bool, err error) {
	if !d.set {
		return 0, false, nil
	}
	var raw any
	switch {
	case d.path != nil:
		raw, err = d.path.eval(s)
		if err != nil {
			return 0, false, runtimeErrorf("The %sPath parameter does not reference an input value: %s", d.field, d.path.text)
		}
	case d.expr != nil:
		if raw, err = d.expr.eval(s); err != nil {
			return 0, false, err
		}
	default:
		return d.value, true, nil
	}
	name := d.field + "Path"
	if d.path == nil {
		name = d.field
	}
	bad := func() error {
		what := "number"
		if d.integer {
			what = "integer"
		}
		text := name
		if d.path != nil {
			text += " parameter"
		}
		return runtimeErrorf("The %s does not reference a valid %s: %s == %s", text, what, exprText(d), encodeJSON(raw))
	}
	if d.integer {
		i, isInt := intOf(raw)
		if !isInt || i < 0 {
			return 0, false, bad()
		}
		return float64(i), true, nil
	}
	r, isNum := ratOf(raw)
	if !isNum {
		return 0, false, bad()
	}
	f, _ := r.Float64()
	return f, true, nil
}

func exprText(d dynNum) string {
	if d.path != nil {
		return d.path.text
	}
	if e, ok := d.expr.(*jsonataExpr); ok {
		return e.text
	}
	return d.field
}
