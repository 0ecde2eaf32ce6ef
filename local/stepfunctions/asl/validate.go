package asl

import "fmt"

// checkGraph validates the transitions of one machine (the top level, a
// branch or an iterator): every StartAt, Next, Default and Catch target names
// a state of the same machine, and every state is reachable from StartAt.
func (p *parser) checkGraph(o object, m *machine) {
	if m.startAt != "" {
		if _, ok := m.states[m.startAt]; !ok {
			o.bad("StartAt", "Missing 'StartAt' target: %s", m.startAt)
		}
	}
	states := o.at("States")
	target := func(from, field, name string) {
		if _, ok := m.states[name]; !ok && name != "" {
			p.problem(fmt.Sprintf("%s/%s/%s", states, from, field), from, field, "Missing 'Next' target: "+name)
		}
	}
	for _, name := range sortedKeys(m.states) {
		for _, e := range m.states[name].edges() {
			target(name, e.field, e.to)
		}
	}
	reached := map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		st, ok := m.states[name]
		if !ok || reached[name] {
			return
		}
		reached[name] = true
		for _, e := range st.edges() {
			visit(e.to)
		}
	}
	visit(m.startAt)
	if _, ok := m.states[m.startAt]; !ok {
		return // already reported
	}
	for _, name := range sortedKeys(m.states) {
		if !reached[name] {
			p.problem(states+"/"+name, name, "", fmt.Sprintf("State '%s' is not reachable", name))
		}
	}
}

type edge struct{ field, to string }

// edges lists the states a state can transition to, with the field naming
// each (for problem locations).
func (st *state) edges() []edge {
	var out []edge
	if st.next != "" {
		out = append(out, edge{"Next", st.next})
	}
	if st.defaultNext != "" {
		out = append(out, edge{"Default", st.defaultNext})
	}
	for i, c := range st.choices {
		if c.next != "" {
			out = append(out, edge{fmt.Sprintf("Choices/%d/Next", i), c.next})
		}
	}
	for i, c := range st.catch {
		if c.next != "" {
			out = append(out, edge{fmt.Sprintf("Catch/%d/Next", i), c.next})
		}
	}
	return out
}
