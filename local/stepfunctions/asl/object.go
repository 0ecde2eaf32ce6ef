package asl

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// object reads the fields of one JSON object of a definition, reporting
// every type problem to its parser.
type object struct {
	p     *parser
	m     map[string]any
	loc   string // AWS location of the object, e.g. "/States/A"
	state string // the enclosing state's name ("" at the top level)
}

func (o object) at(field string) string { return o.loc + "/" + field }

func (o object) bad(field, format string, args ...any) {
	o.p.problem(o.at(field), o.state, field, fmt.Sprintf(format, args...))
}

func (o object) has(k string) bool {
	_, ok := o.m[k]
	return ok
}

// only reports every field not in allowed.
func (o object) only(allowed map[string]bool) {
	for _, k := range sortedKeys(o.m) {
		if !allowed[k] {
			o.bad(k, "The field %q is not supported by Step Functions", k)
		}
	}
}

// require reports the missing fields among keys.
func (o object) require(keys ...string) bool {
	var missing []string
	for _, k := range keys {
		if !o.has(k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		o.p.problem(o.loc, o.state, missing[0], "These fields are required: ["+strings.Join(missing, ", ")+"]")
		return false
	}
	return true
}

// exclusive reports when more than one of keys is present, and (when
// required) when none is. It returns the one present, or "".
func (o object) exclusive(required bool, keys ...string) string {
	var present []string
	for _, k := range keys {
		if o.has(k) {
			present = append(present, k)
		}
	}
	list := "[" + strings.Join(keys, ", ") + "]"
	switch {
	case len(present) > 1:
		o.p.problem(o.loc, o.state, present[1], "There should only be one of the following fields: "+list)
	case len(present) == 0 && required:
		o.p.problem(o.loc, o.state, keys[0], "This object should have only one of the following fields: "+list)
	case len(present) == 1:
		return present[0]
	}
	return ""
}

func (o object) str(k string) (string, bool) {
	v, ok := o.m[k]
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		o.bad(k, "Expected value of type String")
	}
	return s, ok
}

func (o object) boolean(k string) (bool, bool) {
	v, ok := o.m[k]
	if !ok {
		return false, false
	}
	b, ok := v.(bool)
	if !ok {
		o.bad(k, "Expected value of type Boolean")
	}
	return b, ok
}

func (o object) number(k string) (float64, bool) {
	v, ok := o.m[k]
	if !ok {
		return 0, false
	}
	n, isNum := v.(json.Number)
	f, err := n.Float64()
	if !isNum || err != nil || math.IsInf(f, 0) {
		o.bad(k, "Expected value of type Number")
		return 0, false
	}
	return f, true
}

func (o object) integer(k string) (int64, bool) {
	v, ok := o.m[k]
	if !ok {
		return 0, false
	}
	i, ok := intOf(v)
	if !ok {
		o.bad(k, "Expected value of type Integer")
	}
	return i, ok
}

func (o object) child(k string) (object, bool) {
	v, ok := o.m[k]
	if !ok {
		return object{}, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		o.bad(k, "Expected value of type Object")
		return object{}, false
	}
	return object{p: o.p, m: m, loc: o.at(k), state: o.state}, true
}

func (o object) array(k string) ([]any, bool) {
	v, ok := o.m[k]
	if !ok {
		return nil, false
	}
	a, ok := v.([]any)
	if !ok {
		o.bad(k, "Expected value of type Array")
	}
	return a, ok
}

// strings reads a non-empty array of strings.
func (o object) strings(k string) ([]string, bool) {
	a, ok := o.array(k)
	if !ok {
		return nil, false
	}
	if len(a) == 0 {
		o.bad(k, "The field '%s' must not be empty", k)
		return nil, false
	}
	out := make([]string, 0, len(a))
	for _, el := range a {
		s, ok := el.(string)
		if !ok {
			o.bad(k, "Expected value of type String")
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// path reads a JSONPath field (context and variable paths allowed when
// anyRoot).
func (o object) path(k string, anyRoot bool) *jsonPath {
	s, ok := o.str(k)
	if !ok {
		return nil
	}
	p, err := compilePath(s)
	if err != nil || (!anyRoot && p.root != rootInput) {
		o.bad(k, "The value for the field '%s' must be a valid JSONPath", k)
		return nil
	}
	return p
}

// refPath reads a reference path (names and indices only), as ResultPath.
func (o object) refPath(k string) *jsonPath {
	s, ok := o.str(k)
	if !ok {
		return nil
	}
	p, err := compilePath(s)
	if err != nil || p.root != rootInput || p.refs == nil {
		o.bad(k, "The value for the field '%s' must be a valid ReferencePath", k)
		return nil
	}
	return p
}

// optionalPath reads InputPath/OutputPath/ResultPath: absent is nil (the
// default "$"), null discards.
func (o object) optionalPath(k string, reference bool) *pathField {
	v, ok := o.m[k]
	if !ok {
		return nil
	}
	if v == nil {
		return &pathField{null: true}
	}
	var p *jsonPath
	if reference {
		p = o.refPath(k)
	} else {
		p = o.path(k, true)
	}
	if p == nil {
		return nil
	}
	return &pathField{path: p}
}

// template compiles a JSONPath payload template field.
func (o object) template(k string) template {
	v, ok := o.m[k]
	if !ok {
		return nil
	}
	if _, isObj := v.(map[string]any); !isObj {
		o.bad(k, "Expected value of type Object")
		return nil
	}
	return compileTemplate(v, o.at(k), func(loc, field, msg string) {
		o.p.problem(loc, o.state, field, msg)
	})
}
