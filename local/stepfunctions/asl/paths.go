package asl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/theory/jsonpath"
	"github.com/theory/jsonpath/spec"
)

// pathRoot says what a path is evaluated against.
type pathRoot int

const (
	rootInput    pathRoot = iota // "$..." : the state's (effective) input
	rootContext                  // "$$..." : the context object
	rootVariable                 // "$name..." : a workflow variable
)

// jsonPath is a compiled JSONPath as written in a definition.
type jsonPath struct {
	text     string
	root     pathRoot
	variable string // the variable name when root is rootVariable
	path     *jsonpath.Path
	definite bool // no wildcard, filter, slice, union or descendant: selects at most one value
	// refs is the path as names and indices when it is a reference path
	// (definite, only child name/index selectors); nil otherwise.
	refs []spec.Selector
}

var errPathSyntax = errors.New("invalid JSONPath")

// isVarStart and isVarChar define workflow variable names.
func isVarStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isVarChar(c byte) bool { return isVarStart(c) || (c >= '0' && c <= '9') }

// validVariableName reports whether s can be a workflow variable's name.
func validVariableName(s string) bool {
	if s == "" || len(s) > 80 || !isVarStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isVarChar(s[i]) {
			return false
		}
	}
	return true
}

// compilePath parses a JSONPath as AWS accepts it: "$..." against the input,
// "$$..." against the context object, "$name..." against a variable.
func compilePath(s string) (*jsonPath, error) {
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("%w: %q does not start with '$'", errPathSyntax, s)
	}
	p := &jsonPath{text: s}
	rest := s
	switch {
	case strings.HasPrefix(s, "$$"):
		p.root = rootContext
		rest = s[1:]
	case len(s) > 1 && isVarStart(s[1]):
		i := 1
		for i < len(s) && isVarChar(s[i]) {
			i++
		}
		p.root, p.variable = rootVariable, s[1:i]
		if p.variable == "states" {
			return nil, fmt.Errorf("%w: $states is reserved for JSONata", errPathSyntax)
		}
		rest = "$" + s[i:]
	}
	jp, err := jsonpath.Parse(rest)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errPathSyntax, err)
	}
	p.path = jp
	p.definite = jp.Query().Singular() != nil
	if p.definite {
		p.refs = []spec.Selector{}
		for _, seg := range jp.Query().Segments() {
			if seg.IsDescendant() || len(seg.Selectors()) != 1 {
				p.refs = nil
				break
			}
			switch sel := seg.Selectors()[0].(type) {
			case spec.Name, spec.Index:
				p.refs = append(p.refs, sel)
			default:
				p.refs = nil
			}
			if p.refs == nil {
				break
			}
		}
	}
	return p, nil
}

// String is the path as written.
func (p *jsonPath) String() string { return p.text }

// errNoValue means a definite path selected nothing.
var errNoValue = errors.New("path selects no value")

// selectFrom applies the path to doc: a definite path yields its single
// value (errNoValue when absent); any other path yields the list of matches.
func (p *jsonPath) selectFrom(doc any) (any, error) {
	nodes := p.path.Select(doc)
	if p.definite {
		if len(nodes) == 0 {
			return nil, errNoValue
		}
		return nodes[0], nil
	}
	out := make([]any, len(nodes))
	copy(out, nodes)
	return out, nil
}

// eval resolves the path in scope s.
func (p *jsonPath) eval(s *scope) (any, error) {
	switch p.root {
	case rootContext:
		return p.selectFrom(s.context)
	case rootVariable:
		v, ok := s.vars.lookup(p.variable)
		if !ok {
			return nil, errNoValue
		}
		return p.selectFrom(v)
	}
	return p.selectFrom(s.input)
}

// setAt returns doc with value placed at the reference path refs, creating
// missing objects; doc itself is not modified (the maps and slices on the
// path are copied). It fails when a step meets a value that is neither an
// object nor (for an index) an array long enough.
func setAt(doc any, refs []spec.Selector, value any) (any, error) {
	if len(refs) == 0 {
		return value, nil
	}
	switch sel := refs[0].(type) {
	case spec.Name:
		var m map[string]any
		switch d := doc.(type) {
		case map[string]any:
			m = make(map[string]any, len(d)+1)
			for k, v := range d {
				m[k] = v
			}
		case nil:
			m = map[string]any{}
		default:
			return nil, fmt.Errorf("cannot set field %q in a %s", string(sel), typeName(doc))
		}
		child, err := setAt(m[string(sel)], refs[1:], value)
		if err != nil {
			return nil, err
		}
		m[string(sel)] = child
		return m, nil
	case spec.Index:
		a, ok := doc.([]any)
		i := int(sel)
		if i < 0 {
			i += len(a)
		}
		if !ok || i < 0 || i >= len(a) {
			return nil, fmt.Errorf("cannot set index %d in a %s", int(sel), typeName(doc))
		}
		b := append([]any(nil), a...)
		child, err := setAt(b[i], refs[1:], value)
		if err != nil {
			return nil, err
		}
		b[i] = child
		return b, nil
	}
	return nil, fmt.Errorf("unsupported selector %v", refs[0])
}
