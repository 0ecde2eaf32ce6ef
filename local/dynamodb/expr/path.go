package expr

import (
	"strconv"
	"strings"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

// Path is a document path: an attribute name followed by map keys and list
// indexes (a.b[2].c). Names are resolved: "#placeholders" are already
// replaced by the names they stand for. Path[0] is never an index.
type Path []PathElem

// PathElem is one step of a Path: a map key (Name) or, when IsIndex, a list
// index.
type PathElem struct {
	Name    string
	Index   int
	IsIndex bool
}

// String formats p as DynamoDB does in its messages: [a, b, [2]].
func (p Path) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, e := range p {
		if i > 0 {
			b.WriteString(", ")
		}
		if e.IsIndex {
			b.WriteString("[" + strconv.Itoa(e.Index) + "]")
		} else {
			b.WriteString(e.Name)
		}
	}
	b.WriteByte(']')
	return b.String()
}

// Equal reports whether p and q are the same path.
func (p Path) Equal(q Path) bool {
	if len(p) != len(q) {
		return false
	}
	for i := range p {
		if p[i] != q[i] {
			return false
		}
	}
	return true
}

// overlaps reports whether one of p and q is a prefix of the other (or they
// are equal): two such paths in one update or projection are an error.
func (p Path) overlaps(q Path) bool {
	n := min(len(p), len(q))
	return p[:n].Equal(q[:n])
}

// Get returns the value at p in item, and whether there is one: a missing
// attribute, a key of a non-map, an index of a non-list or an index past
// the end all resolve to nothing.
func (p Path) Get(item attr.Item) (attr.Value, bool) {
	if len(p) == 0 || p[0].IsIndex {
		return attr.Value{}, false
	}
	v, ok := item[p[0].Name]
	if !ok {
		return attr.Value{}, false
	}
	for _, e := range p[1:] {
		switch {
		case e.IsIndex && v.Kind == attr.L:
			if e.Index >= len(v.List) {
				return attr.Value{}, false
			}
			v = v.List[e.Index]
		case !e.IsIndex && v.Kind == attr.M:
			if v, ok = v.Map[e.Name]; !ok {
				return attr.Value{}, false
			}
		default:
			return attr.Value{}, false
		}
	}
	return v, v.Kind != attr.Invalid
}
