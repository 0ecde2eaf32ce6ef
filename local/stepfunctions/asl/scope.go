package asl

import "maps"

// scope is what expressions of one state see: $ (input), $$ (context
// object) and the workflow variables.
type scope struct {
	input   any
	context map[string]any
	vars    *variables
	// states holds the JSONata $states members beyond input and context:
	// "result" and "errorOutput" where they are defined.
	states map[string]any
}

// with returns a copy of s whose $ is input.
func (s *scope) with(input any) *scope {
	c := *s
	c.input = input
	return &c
}

// withState returns a copy of s whose JSONata $states has key set to v.
func (s *scope) withState(key string, v any) *scope {
	c := *s
	c.states = maps.Clone(s.states)
	if c.states == nil {
		c.states = map[string]any{}
	}
	c.states[key] = v
	return &c
}

// variables is one variable scope: the top level, a Parallel branch or a Map
// iteration. Lookups fall through to the enclosing scopes, which a nested
// scope can read but never change: assignments stay in the scope where they
// are made.
type variables struct {
	values map[string]any
	parent *variables
}

func newVariables(parent *variables, initial map[string]any) *variables {
	v := &variables{values: map[string]any{}, parent: parent}
	maps.Copy(v.values, initial)
	return v
}

// lookup finds a variable in this scope or an enclosing one.
func (v *variables) lookup(name string) (any, bool) {
	for s := v; s != nil; s = s.parent {
		if val, ok := s.values[name]; ok {
			return val, true
		}
	}
	return nil, false
}

// visible is every variable this scope sees, inner names shadowing outer.
func (v *variables) visible() map[string]any {
	if v == nil {
		return map[string]any{}
	}
	out := v.parent.visible()
	maps.Copy(out, v.values)
	return out
}

// assign sets the variables of one state's Assign, all at once.
func (v *variables) assign(values map[string]any) { maps.Copy(v.values, values) }

// snapshot copies this scope's own variables (for a Checkpoint).
func (v *variables) snapshot() map[string]any { return maps.Clone(v.values) }
