package intrinsic

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/theory/jsonpath"
)

// decodeJSON decodes test JSON text, failing the test on bad text.
func mustDecode(t testing.TB, s string) any {
	t.Helper()
	v, err := decodeJSON(s)
	if err != nil {
		t.Fatalf("bad test JSON %q: %v", s, err)
	}
	return v
}

// testResolver resolves "$..." against input, "$$..." against context and
// "$name..." against vars, with the project's JSONPath library.
func testResolver(input, context any, vars map[string]any) Resolver {
	return func(p string) (any, error) {
		doc, query := input, p
		switch root := pathRoot(p); root {
		case "$":
		case "$$":
			doc, query = context, p[1:]
		default:
			v, ok := vars[root[1:]]
			if !ok {
				return nil, fmt.Errorf("%w: no variable %s", ErrPathNotFound, root)
			}
			doc, query = v, "$"+p[len(root):]
		}
		path, err := jsonpath.Parse(query)
		if err != nil {
			return nil, fmt.Errorf("bad path %q: %w", p, err)
		}
		nodes := path.Select(doc)
		if len(nodes) == 0 {
			return nil, fmt.Errorf("%w: %s", ErrPathNotFound, p)
		}
		if path.Query().Singular() != nil {
			return nodes[0], nil
		}
		return []any(nodes), nil
	}
}

// contextFor is a context object whose Execution.Input is input.
func contextFor(input any) map[string]any {
	return map[string]any{
		"Execution": map[string]any{"Id": "arn:aws:states:us-east-1:123456789012:execution:sm:run", "Input": input, "Name": "run"},
		"State":     map[string]any{"Name": "Evaluate", "RetryCount": json.Number("0")},
	}
}

// canonical is the call written in a normal form: Parse(canonical) yields
// the same call, so two calls are the same when their canonical texts are.
func (c *Call) canonical() string {
	var b strings.Builder
	writeNode(&b, c.root)
	return b.String()
}

func writeNode(b *strings.Builder, n node) {
	switch x := n.(type) {
	case literalNode:
		b.WriteString(encode(x.value))
	case pathNode:
		b.WriteString(x.path)
	case stringNode:
		b.WriteByte('\'')
		for i := 0; i < len(x.value); i++ {
			c := x.value[i]
			if c == '\'' || c == '\\' || x.escaped[i] {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
		b.WriteByte('\'')
	case *callNode:
		b.WriteString(x.fn.name)
		b.WriteByte('(')
		for i, a := range x.args {
			if i > 0 {
				b.WriteString(", ")
			}
			writeNode(b, a)
		}
		b.WriteByte(')')
	}
}
