package server_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/server"
)

// responseFields counts the fields in a response's data: every key of
// every object, list items each counted. It is what the executor resolved.
func responseFields(v any) int {
	switch x := v.(type) {
	case map[string]any:
		n := 0
		for _, e := range x {
			n += 1 + responseFields(e)
		}
		return n
	case []any:
		n := 0
		for _, e := range x {
			n += responseFields(e)
		}
		return n
	}
	return 0
}

// TestCost_table: the cost of operation shapes (aliases, fragments, inline
// fragments, variables, introspection), and that it bounds the fields the
// executor resolves: exactly for introspection and for full pages.
func TestCost_table(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 200})
	cat := biggestCategory(a).Name
	sku := a.Catalog.Products[0].ProductID
	id := a.Catalog.Products[1].PublicID()
	admin := map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseID)}
	item := `sku price { amount currency } inventory { available warehouses { available warehouse { code } } }` // 3 + 3 + (1 + 1 + (1 + 4×(1+2))) = 19

	cases := []struct {
		name  string
		query string
		vars  map[string]any
		want  int
		exact bool // the response has exactly that many fields
	}{
		{"typename", `{ __typename }`, nil, 1, true},
		{"scalar fields and a scalar list", `query($s: String!) { productBySku(sku: $s) { sku name images } }`, map[string]any{"s": sku}, 4, true},
		{"a data list", `{ warehouses { code name } }`, nil, 1 + 4*2, true},
		{"categories count as 50", `{ categories { name } }`, nil, 1 + 50, false},
		{"a page of 10", `query($c: String!) { products(category: $c, limit: 10) { items { sku } nextToken } }`, map[string]any{"c": cat}, 3 + 10, true},
		{"the default page size", `query($c: String!) { products(category: $c) { items { sku } } }`, map[string]any{"c": cat}, 2 + 20, true},
		{"limit in a variable", `query($c: String!, $l: Int) { products(category: $c, limit: $l) { items { sku } } }`, map[string]any{"c": cat, "l": 7}, 2 + 7, true},
		{"a null limit variable", `query($c: String!, $l: Int) { products(category: $c, limit: $l) { items { sku } } }`, map[string]any{"c": cat, "l": nil}, 2 + 20, true},
		{"an invalid limit counts as the largest page", `query($c: String!, $l: Int) { products(category: $c, limit: $l) { items { sku } } }`, map[string]any{"c": cat, "l": 1000}, 2 + 100, false},
		{"nested lists multiply", `query($c: String!) { products(category: $c, limit: 5) { items { ` + item + ` } } }`, map[string]any{"c": cat}, 2 + 5*19, true},
		{"aliases add up", `query($c: String!) { a: products(category: $c, limit: 5) { items { sku } } b: products(category: $c, limit: 8) { items { sku } } }`, map[string]any{"c": cat}, (2 + 5) + (2 + 8), true},
		{"a fragment counts at each spread, under each page size", `query($c: String!) { a: products(category: $c, limit: 5) { ...P } b: products(category: $c, limit: 8) { ...P } }
			fragment P on ProductPage { items { ...I } } fragment I on Product { ` + item + ` }`, map[string]any{"c": cat}, (2 + 5*19) + (2 + 8*19), true},
		{"inline fragments", `query($c: String!) { products(category: $c, limit: 3) { ... on ProductPage { items { ... on Product { sku ... { name } } } } } }`, map[string]any{"c": cat}, 2 + 3*2, true},
		{"a product by id", `query($id: ID!) { product(id: $id) { sku inventory { inStock } } }`, map[string]any{"id": id}, 1 + 1 + 2, true},
		{"introspection of one type", `{ __type(name: "Money") { name fields { name type { kind ofType { name } } } } }`, nil, 1 + 1 + 1 + 2*(1+1+1+1+1), true},
		{"introspection of no type", `{ __type(name: "Nope") { name fields { name } } }`, nil, 1, true},
		{"introspection through fragments", `{ __schema { queryType { ...T } mutationType { ...T } } } fragment T on __Type { name fields { name } }`, nil, -1, true},
		{"GraphiQL's introspection query", graphiqlIntrospectionQuery, nil, -1, true},
		{"Amplify's introspection query", amplifyIntrospectionQuery, nil, -1, true},
		{"the largest page", pageQuery, map[string]any{"category": cat, "limit": 100}, 3603, false},
		{"API keys count as 100", `{ apiKeys { id partner } }`, nil, 1 + 100*2, false},
		{"a cart reads 100 products whatever is selected", `{ cart { itemCount } }`, nil, 1 + 100 + 1, false},
		{"a cart's lines count as 100", `{ cart { lines { quantity } } }`, nil, 1 + 100 + (1 + 100*1), false},
		{"so does a cart mutation's", `mutation { clearCart { itemCount } }`, nil, 1 + 100 + 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cost, err := server.Cost(c.query, "", c.vars)
			if err != nil {
				t.Fatal(err)
			}
			if c.want >= 0 && cost != c.want {
				t.Errorf("cost = %d, want %d", cost, c.want)
			}
			r := a.DoWith(t, admin, c.query, c.vars)
			if len(r.Errors) > 0 && c.name != "an invalid limit counts as the largest page" {
				t.Fatalf("errors: %s", truncate(r.Raw))
			}
			got := responseFields(r.Data)
			if got > cost || (c.exact && got != cost) {
				t.Errorf("the response has %d fields; the cost is %d (exact: %v)", got, cost, c.exact)
			}
		})
	}
}

// TestCost_everyDataListHasASize: every list of objects the API returns has
// a length in the cost model (the products page's items take the page's
// limit, as do myOrders' and search's), so a new list field makes a conscious choice.
func TestCost_everyDataListHasASize(t *testing.T) {
	schema := server.Schema()
	for _, def := range schema.Types {
		if def.BuiltIn || strings.HasPrefix(def.Name, "__") || (def.Kind != ast.Object && def.Kind != ast.Interface) {
			continue
		}
		for _, f := range def.Fields {
			key := def.Name + "." + f.Name
			elem := f.Type.Elem
			if elem == nil || key == "ProductPage.items" || key == "OrderPage.items" || key == "SearchPage.items" {
				continue
			}
			if k := schema.Types[elem.Name()].Kind; k != ast.Object && k != ast.Interface && k != ast.Union {
				continue
			}
			if _, ok := server.ListSizes[key]; !ok {
				t.Errorf("%s is a list of %s without a size in the cost model (listSizes)", key, elem.Name())
			}
		}
	}
}

// opGen generates random valid query operations over the schema: aliases,
// repeated fields, named fragments (spread once, twice, or again
// elsewhere), inline fragments, nesting, introspection, and products pages
// whose limit is a literal or a variable.
type opGen struct {
	r       *rand.Rand
	schema  *ast.Schema
	cat     shopgraph.CatalogSnapshot
	aliases int
	frags   []string
	byType  map[string][]string // fragment names by type condition
	limit   bool                // $l is used
}

func (g *opGen) operation() (string, map[string]any) {
	g.byType = map[string][]string{}
	body := g.selections("Query", 2+g.r.IntN(4), true)
	vars := map[string]any{}
	head := "query Q"
	if g.limit {
		head = "query Q($l: Int)"
		vars["l"] = []any{nil, 1, 3, 20, 50, 100, 0, 101}[g.r.IntN(8)]
	}
	return head + " " + body + "\n" + strings.Join(g.frags, "\n"), vars
}

func (g *opGen) selections(typ string, depth int, root bool) string {
	var parts []string
	for range 1 + g.r.IntN(3) {
		parts = append(parts, g.selection(typ, depth, root))
	}
	return "{ " + strings.Join(parts, " ") + " }"
}

func (g *opGen) selection(typ string, depth int, root bool) string {
	switch g.r.IntN(12) {
	case 0:
		return "... on " + typ + " " + g.selections(typ, depth, root)
	case 1:
		return "... " + g.selections(typ, depth, root)
	case 2, 3:
		if names := g.byType[typ]; len(names) > 0 && g.r.IntN(2) == 0 {
			return "..." + names[g.r.IntN(len(names))]
		}
		name := fmt.Sprintf("F%d", len(g.frags))
		g.frags = append(g.frags, "") // reserve the name
		i := len(g.frags) - 1
		g.frags[i] = "fragment " + name + " on " + typ + " " + g.selections(typ, depth, root)
		g.byType[typ] = append(g.byType[typ], name)
		spread := "..." + name
		if g.r.IntN(3) == 0 {
			spread += " ..." + name
		}
		return spread
	}
	return g.field(typ, depth, root)
}

// callable reports whether the generator can pass a field its required
// arguments.
func (g *opGen) callable(typ string, f *ast.FieldDefinition) bool {
	switch typ + "." + f.Name {
	case "Query.product", "Query.productBySku", "Query.products":
		return true
	}
	for _, d := range f.Arguments {
		if d.Type.NonNull && d.DefaultValue == nil {
			return false
		}
	}
	return true
}

// fieldArgs returns the arguments to pass to a field.
func (g *opGen) fieldArgs(typ, field string) string {
	switch typ + "." + field {
	case "Query.product":
		p := g.cat.Products[g.r.IntN(len(g.cat.Products))]
		return fmt.Sprintf("(id: %q)", p.PublicID())
	case "Query.productBySku":
		return fmt.Sprintf("(sku: %q)", g.cat.Products[g.r.IntN(len(g.cat.Products))].ProductID)
	case "Query.products":
		c := g.cat.Categories[g.r.IntN(len(g.cat.Categories))].Name
		switch g.r.IntN(3) {
		case 0:
			return fmt.Sprintf("(category: %q)", c)
		case 1:
			return fmt.Sprintf("(category: %q, limit: %d)", c, []int{1, 5, 30, 100}[g.r.IntN(4)])
		}
		g.limit = true
		return fmt.Sprintf("(category: %q, limit: $l)", c)
	case "__Type.fields", "__Type.enumValues", "__Type.inputFields", "__Field.args", "__Directive.args":
		if g.r.IntN(2) == 0 {
			return "(includeDeprecated: true)"
		}
	}
	return ""
}

func (g *opGen) field(typ string, depth int, root bool) string {
	def := g.schema.Types[typ]
	type choice struct{ name, args, typ string }
	var choices []choice
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") || !g.callable(typ, f) {
			continue
		}
		composite := g.schema.Types[f.Type.Name()].Kind == ast.Object
		if composite && depth == 0 {
			continue
		}
		ft := ""
		if composite {
			ft = f.Type.Name()
		}
		choices = append(choices, choice{name: f.Name, typ: ft})
	}
	choices = append(choices, choice{name: "__typename"})
	if root {
		names := []string{"Query", "Product", "Money", "ApiKeyStatus", "__Type", "Nope"}
		choices = append(choices, choice{"__schema", "", "__Schema"},
			choice{"__type", fmt.Sprintf("(name: %q)", names[g.r.IntN(len(names))]), "__Type"})
	}
	c := choices[g.r.IntN(len(choices))]
	if c.args == "" {
		c.args = g.fieldArgs(typ, c.name)
	}
	alias := ""
	// Fields with arguments always get a unique alias, so that no two
	// fields of one response key differ (which is invalid GraphQL).
	if c.args != "" || g.r.IntN(4) == 0 {
		alias = fmt.Sprintf("a%d: ", g.aliases)
		g.aliases++
	}
	s := alias + c.name + c.args
	if c.typ != "" {
		s += " " + g.selections(c.typ, depth-1, false)
	}
	return s
}

// costLimit is the complexity limit of the random operations' server:
// small, so that they fall on both sides of it.
const costLimit = 400

func newCostApp(tb testing.TB) *apptest.App {
	tb.Helper()
	return apptest.New(tb, apptest.Options{Products: 200, Server: server.Config{MaxComplexity: costLimit}})
}

// checkRandomOperation runs one generated operation through the cost
// function and the real handler: the handler accepts it exactly when no
// limit is exceeded, and an accepted operation resolves at most as many
// fields as its cost, which is at most the limit.
func checkRandomOperation(t *testing.T, a *apptest.App, admin map[string]string, seed uint64) (accepted bool) {
	t.Helper()
	g := &opGen{r: rand.New(rand.NewPCG(seed, 0x5eed)), schema: server.Schema(), cat: a.Catalog}
	q, vars := g.operation()
	cost, err := server.Cost(q, "", vars)
	if err != nil {
		t.Fatalf("seed %d generated an invalid operation: %v\n%s", seed, err, q)
	}
	r := a.DoWith(t, admin, q, vars)
	rejected := r.Data == nil && len(r.Errors) == 1 && r.Errors[0].ErrorType == "LimitExceeded"
	switch {
	case rejected && strings.Contains(r.Errors[0].Message, "complexity") && cost <= costLimit:
		t.Errorf("seed %d: rejected for complexity with a cost of %d: %s\n%s", seed, cost, r.Errors[0].Message, q)
	case rejected:
	case cost > costLimit:
		t.Errorf("seed %d: accepted with a cost of %d over the limit of %d\n%s", seed, cost, costLimit, q)
	default:
		if got := responseFields(r.Data); got > cost {
			t.Errorf("seed %d: the response has %d fields, more than the cost of %d\n%s\n%s", seed, got, cost, q, truncate(r.Raw))
		}
	}
	return !rejected
}

func TestCost_randomOperations(t *testing.T) {
	a := newCostApp(t)
	admin := map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseID)}
	accepted := 0
	const n = 400
	for seed := range uint64(n) {
		if checkRandomOperation(t, a, admin, seed) {
			accepted++
		}
	}
	// The generator must exercise both sides of the limit.
	if accepted < n/5 || accepted > n*4/5 {
		t.Errorf("%d of %d random operations accepted; the generator no longer straddles the limit", accepted, n)
	}
}

func FuzzCost(f *testing.F) {
	for _, seed := range []uint64{1, 7, 42, 1000, 31337} {
		f.Add(seed)
	}
	a := newCostApp(f)
	admin := map[string]string{"Authorization": a.Token(f, "admin", shopgraph.TokenUseID)}
	f.Fuzz(func(t *testing.T, seed uint64) {
		checkRandomOperation(t, a, admin, seed)
	})
}
