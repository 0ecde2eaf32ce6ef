package expr

import (
	"slices"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

const projectionParam = "ProjectionExpression"

// Projection is a parsed ProjectionExpression: the paths to return.
type Projection struct {
	Paths []Path
}

// ParseProjection parses a ProjectionExpression with the request's names.
// Errors carry DynamoDB's full messages ("Invalid ProjectionExpression:
// …").
func ParseProjection(src string, p *Params) (*Projection, error) {
	pr, err := parseProjection(src, p)
	return pr, withPrefix(projectionParam, err)
}

func parseProjection(src string, p *Params) (*Projection, error) {
	if err := checkSize(src, false); err != nil {
		return nil, err
	}
	ps := newParser(src, p, false)
	pr := &Projection{}
	for {
		if t := ps.cur(); t.kind != tIdent && t.kind != tName {
			return nil, ps.syntaxError()
		}
		path, err := ps.parsePath()
		if err != nil {
			return nil, err
		}
		pr.Paths = append(pr.Paths, path)
		if !ps.isPunct(",") {
			break
		}
		ps.next()
	}
	if err := ps.finish(); err != nil {
		return nil, err
	}
	for i, a := range pr.Paths {
		for _, b := range pr.Paths[i+1:] {
			if a.overlaps(b) {
				return nil, errorf("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: " + a.String() + ", path two: " + b.String())
			}
		}
	}
	return pr, nil
}

// projTrie is a projection's paths arranged by step.
type projTrie struct {
	leaf     bool
	children map[PathElem]*projTrie
}

// Apply returns the attributes of item the projection selects, with
// DynamoDB's semantics: a nested path projects the enclosing structure
// (a.b gives {a: {b: …}}); list indexes give the selected elements in index
// order, compacted; paths that do not resolve are left out. The result
// shares values with item.
func (pr *Projection) Apply(item attr.Item) attr.Item {
	root := &projTrie{}
	for _, p := range pr.Paths {
		t := root
		for _, e := range p {
			if t.children == nil {
				t.children = map[PathElem]*projTrie{}
			}
			c := t.children[e]
			if c == nil {
				c = &projTrie{}
				t.children[e] = c
			}
			t = c
		}
		t.leaf = true
	}
	out := attr.Item{}
	for e, c := range root.children {
		if v, ok := item[e.Name]; ok && !e.IsIndex {
			if pv, ok := project(v, c); ok {
				out[e.Name] = pv
			}
		}
	}
	return out
}

// project returns the part of v that t selects, and whether there is any.
func project(v attr.Value, t *projTrie) (attr.Value, bool) {
	if t.leaf {
		return v, true
	}
	switch v.Kind {
	case attr.M:
		m := map[string]attr.Value{}
		for e, c := range t.children {
			if e.IsIndex {
				continue
			}
			if ev, ok := v.Map[e.Name]; ok {
				if pv, ok := project(ev, c); ok {
					m[e.Name] = pv
				}
			}
		}
		return attr.Value{Kind: attr.M, Map: m}, len(m) > 0
	case attr.L:
		var idx []int
		for e := range t.children {
			if e.IsIndex && e.Index < len(v.List) {
				idx = append(idx, e.Index)
			}
		}
		slices.Sort(idx)
		var l []attr.Value
		for _, i := range idx {
			if pv, ok := project(v.List[i], t.children[PathElem{Index: i, IsIndex: true}]); ok {
				l = append(l, pv)
			}
		}
		return attr.Value{Kind: attr.L, List: l}, len(l) > 0
	}
	return attr.Value{}, false
}
