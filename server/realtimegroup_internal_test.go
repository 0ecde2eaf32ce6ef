package server

import (
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/shopgraph/shopgraph"
)

// TestGroupKey: a replay, an operation of several fields and another
// caller never share a key; the same document, variables and caller do.
func TestGroupKey(t *testing.T) {
	admin := &shopgraph.Identity{Mode: shopgraph.AuthModeCognito, Sub: "a", Groups: []string{"admin"}}
	key := func(who *shopgraph.Identity, query string, vars map[string]any) string {
		doc, err := parser.ParseQuery(&ast.Source{Input: query})
		if err != nil {
			t.Fatal(err)
		}
		return groupKey(who, &graphql.RawParams{Query: query, Variables: vars}, doc.Operations[0])
	}
	const q = `subscription S($o: ID, $a: Int) { onOrderStatusChanged(orderId: $o, afterVersion: $a) { orderId } }`
	base := key(admin, q, map[string]any{"o": "x"})
	if base == "" || base != key(admin, q, map[string]any{"o": "x"}) || key(admin, q, map[string]any{"o": "x", "a": nil}) == "" {
		t.Errorf("the same subscription without a replay has no shared key")
	}
	for name, k := range map[string]string{
		"replay by variable": key(admin, q, map[string]any{"o": "x", "a": 3}),
		"replay by literal":  key(admin, `subscription { onOrderStatusChanged(orderId: "x", afterVersion: 0) { orderId } }`, nil),
		"two fields":         key(admin, `subscription { a: onOrderStatusChanged { orderId } b: onOrderStatusChanged { status } }`, nil),
		"a query":            key(admin, `query { categories { name } }`, nil),
		"anonymous":          key(nil, q, nil),
	} {
		if k != "" {
			t.Errorf("%s: shared key %q", name, k)
		}
	}
	for name, k := range map[string]string{
		"other variables": key(admin, q, map[string]any{"o": "y"}),
		"other caller":    key(&shopgraph.Identity{Mode: shopgraph.AuthModeCognito, Sub: "b", Groups: []string{"admin"}}, q, map[string]any{"o": "x"}),
		"other groups":    key(&shopgraph.Identity{Mode: shopgraph.AuthModeCognito, Sub: "a"}, q, map[string]any{"o": "x"}),
	} {
		if k == "" || k == base {
			t.Errorf("%s: shares the key", name)
		}
	}
}
