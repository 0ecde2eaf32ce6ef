package appsync

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// userSDL uses AWS scalars, AppSync directives and two shopgraph-only
// directives (@shopgraph_cache, @shopgraph_trace) in every position.
const userSDL = `
"The root query."
type Query @aws_api_key @aws_cognito_user_pools {
  "An order by id."
  order(id: ID! @shopgraph_trace): Order @aws_iam @shopgraph_cache(ttl: 60)
  orders(status: Status, after: AWSDateTime): [Order!]! @deprecated(reason: "use search")
  search(text: String = "*"): [SearchResult!]!
}

interface Node {
  id: ID!
}

union SearchResult = Order | Receipt

type Receipt implements Node {
  id: ID!
  total: Int
}

type Mutation {
  placeOrder(input: OrderInput!): Order @aws_cognito_user_pools(cognito_groups: ["buyers"])
}

type Subscription {
  onOrder(id: ID): Order @aws_subscribe(mutations: ["placeOrder"])
}

"""
An order.
Two lines of description.
"""
type Order implements Node @shopgraph_cache(ttl: 5) @aws_api_key {
  id: ID!
  placedAt: AWSDateTime!
  meta: AWSJSON
  status: Status!
  ip: AWSIPAddress
}

enum Status {
  OPEN @shopgraph_trace
  CLOSED @deprecated
}

input OrderInput @shopgraph_trace {
  note: String @shopgraph_trace
  at: AWSTimestamp = 0
}

"Caches a field."
directive @shopgraph_cache(ttl: Int) on OBJECT | FIELD_DEFINITION
directive @shopgraph_trace on ARGUMENT_DEFINITION | ENUM_VALUE | INPUT_FIELD_DEFINITION | INPUT_OBJECT
directive @kept(why: String) on FIELD_DEFINITION
`

const extraSDL = `
extend type Query {
  "Liveness."
  ping: String @kept(why: "test")
}
`

// redeclaringSDL declares the prelude's scalars and directives itself, with
// other argument types and locations, as AppSync tooling often does.
const redeclaringSDL = `
scalar AWSJSON
scalar AWSDateTime
directive @aws_api_key on OBJECT | FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @aws_subscribe(mutations: [String!]!) on FIELD_DEFINITION
directive @aws_cognito_user_pools(cognito_groups: [String!]) on OBJECT | FIELD_DEFINITION
directive @aws_auth(cognito_groups: [String!]!) on FIELD_DEFINITION
directive @aws_iam on OBJECT | FIELD_DEFINITION | INPUT_OBJECT
directive @defer on FIELD
directive @deprecated(reason: String) on FIELD_DEFINITION | ENUM_VALUE

type Query @aws_api_key {
  x: AWSJSON @aws_cognito_user_pools(cognito_groups: ["a"])
  at: AWSDateTime
}

type Mutation {
  put(x: AWSJSON): AWSJSON
}

type Subscription {
  onPut: AWSJSON @aws_subscribe(mutations: ["put"])
}
`

func mustLoad(t *testing.T, sources ...*ast.Source) *ast.Schema {
	t.Helper()
	s, err := LoadSchema(sources...)
	if err != nil {
		t.Fatalf("LoadSchema: %v", err)
	}
	return s
}

func mustPrint(t *testing.T, s *ast.Schema, omit ...string) string {
	t.Helper()
	var buf bytes.Buffer
	if err := PrintSDL(&buf, s, omit...); err != nil {
		t.Fatalf("PrintSDL: %v", err)
	}
	return buf.String()
}

func src(name, input string) *ast.Source { return &ast.Source{Name: name, Input: input} }

// TestPreludeNames keeps isPreludeScalar and isPreludeDirective in step with
// prelude.graphql.
func TestPreludeNames(t *testing.T) {
	doc, err := parser.ParseSchema(PreludeSource())
	if err != nil {
		t.Fatal(err)
	}
	var scalars, directives []string
	for _, d := range doc.Definitions {
		if d.Kind != ast.Scalar {
			t.Errorf("prelude declares %s %s; only scalars are expected", d.Kind, d.Name)
		}
		scalars = append(scalars, d.Name)
		if !isPreludeScalar(d.Name) {
			t.Errorf("isPreludeScalar(%q) = false", d.Name)
		}
	}
	for _, d := range doc.Directives {
		directives = append(directives, d.Name)
		if !isPreludeDirective(d.Name) {
			t.Errorf("isPreludeDirective(%q) = false", d.Name)
		}
	}
	if len(scalars) != 9 || len(directives) != 8 {
		t.Errorf("prelude has %d scalars and %d directives, want 9 and 8: %v %v", len(scalars), len(directives), scalars, directives)
	}
	for _, name := range []string{"String", "AWSThing", "awsdate", ""} {
		if isPreludeScalar(name) {
			t.Errorf("isPreludeScalar(%q) = true", name)
		}
	}
	for _, name := range []string{"deprecated", "aws_foo", "AWS_IAM", ""} {
		if isPreludeDirective(name) {
			t.Errorf("isPreludeDirective(%q) = true", name)
		}
	}
}

func TestPreludeSource(t *testing.T) {
	s := PreludeSource()
	if s.Name != "appsync/prelude.graphql" || s.Input != Prelude || s.BuiltIn {
		t.Errorf("PreludeSource() = {%q, %d bytes, BuiltIn %v}", s.Name, len(s.Input), s.BuiltIn)
	}
	if s == PreludeSource() {
		t.Error("PreludeSource returns a shared value")
	}
	disk, err := os.ReadFile("prelude.graphql")
	if err != nil || string(disk) != Prelude {
		t.Errorf("Prelude differs from prelude.graphql (%v)", err)
	}
}

func TestLoadSchema(t *testing.T) {
	s := mustLoad(t, src("schema/orders.graphql", userSDL), src("schema/extra.graphql", extraSDL))
	for _, name := range []string{"AWSDate", "AWSTime", "AWSDateTime", "AWSTimestamp", "AWSEmail", "AWSJSON", "AWSURL", "AWSPhone", "AWSIPAddress"} {
		def := s.Types[name]
		if def == nil || def.Kind != ast.Scalar || def.Position.Src.Name != PreludeName {
			t.Errorf("scalar %s missing or not from the prelude: %+v", name, def)
		}
	}
	for _, name := range []string{"aws_subscribe", "aws_publish", "aws_auth", "aws_cognito_user_pools", "aws_api_key", "aws_iam", "aws_oidc", "aws_lambda"} {
		if s.Directives[name] == nil {
			t.Errorf("directive @%s missing", name)
		}
	}
	if s.Query == nil || s.Query.Fields.ForName("ping") == nil || s.Query.Fields.ForName("order") == nil {
		t.Error("Query lacks fields from the two sources")
	}
	if s.Mutation == nil || s.Subscription == nil {
		t.Error("Mutation or Subscription root missing")
	}
	if d := s.Types["Order"].Fields.ForName("placedAt").Type.Name(); d != "AWSDateTime" {
		t.Errorf("Order.placedAt is %s", d)
	}

	// Loading the prelude explicitly too is harmless; nil sources are skipped.
	mustLoad(t, PreludeSource(), src("schema/orders.graphql", userSDL), nil, src("schema/extra.graphql", extraSDL))
}

func TestLoadSchema_redeclarations(t *testing.T) {
	s := mustLoad(t, src("schema/redeclare.graphql", redeclaringSDL))
	// The prelude's declarations are in force, not the user's.
	if got := s.Directives["aws_api_key"].Position.Src.Name; got != PreludeName {
		t.Errorf("@aws_api_key declared in %s, want the prelude", got)
	}
	if got := s.Directives["aws_subscribe"].Arguments.ForName("mutations").Type.String(); got != "[String]" {
		t.Errorf("@aws_subscribe(mutations:) has type %s, want the prelude's [String]", got)
	}
	if got := s.Types["AWSJSON"].Position.Src.Name; got != PreludeName {
		t.Errorf("AWSJSON declared in %s", got)
	}
	if d := s.Directives["defer"]; d == nil || !d.Position.Src.BuiltIn {
		t.Errorf("@defer was replaced by the user's declaration: %+v", d)
	}
	if d := s.Directives["deprecated"]; d == nil || !d.Position.Src.BuiltIn {
		t.Errorf("@deprecated was replaced by the user's declaration: %+v", d)
	}
	if s.Query.Fields.ForName("x") == nil {
		t.Error("the rest of the source was not kept")
	}
	out := mustPrint(t, s)
	for _, bad := range []string{"scalar AWS", "directive @aws_", "directive @defer", "directive @deprecated"} {
		if strings.Contains(out, bad) {
			t.Errorf("printed SDL contains %q:\n%s", bad, out)
		}
	}
	if err := Validate(s); err != nil {
		t.Errorf("Validate: %v", err)
	}
	// Redeclaring in several sources, and alongside the plain user SDL.
	mustLoad(t, src("a.graphql", "scalar AWSJSON\ndirective @aws_api_key on OBJECT | FIELD_DEFINITION"),
		src("b.graphql", "scalar AWSJSON\ndirective @aws_api_key on OBJECT"), src("schema/orders.graphql", userSDL))
}

func TestLoadSchema_errors(t *testing.T) {
	cases := []struct {
		name, input, want string
	}{
		{"schema/syntax.graphql", "type Query {", "schema/syntax.graphql:1"},
		{"schema/unknown.graphql", "type Query { x: Nope }", "Undefined type Nope"},
		{"schema/dup.graphql", "type Query { x: Int }\ntype Query { y: Int }", "Cannot redeclare type Query"},
		{"schema/dupdir.graphql", "directive @x on FIELD\ndirective @x on FIELD\ntype Query { x: Int }", "Cannot redeclare directive x"},
		{"schema/loc.graphql", "input I @aws_api_key { a: Int }\ntype Query { x(i: I): Int }", "aws_api_key"},
	}
	for _, c := range cases {
		_, err := LoadSchema(src(c.name, c.input))
		if err == nil {
			t.Errorf("%s: LoadSchema = nil error", c.name)
			continue
		}
		var ge *gqlerror.Error
		if !errors.As(err, &ge) {
			t.Errorf("%s: error %v is a %T, want a *gqlerror.Error", c.name, err, err)
		}
		if !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q should name the source and contain %q", c.name, err, c.want)
		}
	}
}

func TestPrintSDL(t *testing.T) {
	s := mustLoad(t, src("schema/orders.graphql", userSDL), src("schema/extra.graphql", extraSDL))
	omit := []string{"shopgraph_cache", "shopgraph_trace"}
	out := mustPrint(t, s, omit...)
	t.Logf("printed SDL:\n%s", out)

	for _, bad := range []string{
		"scalar AWS", "directive @aws_", // prelude declarations
		"shopgraph_",                                                                                 // omitted directives and their declarations
		"__schema", "__type", "directive @skip", "directive @deprecated", "type __", "scalar String", // built-ins
	} {
		if strings.Contains(out, bad) {
			t.Errorf("printed SDL contains %q", bad)
		}
	}
	for _, want := range []string{
		`"""` + "\nThe root query.\n" + `"""`, "An order by id.", "Two lines of description.",
		"type Query @aws_api_key @aws_cognito_user_pools {",
		"order(id: ID!): Order @aws_iam\n",
		`orders(status: Status, after: AWSDateTime): [Order!]! @deprecated(reason: "use search")`,
		`placeOrder(input: OrderInput!): Order @aws_cognito_user_pools(cognito_groups: ["buyers"])`,
		`onOrder(id: ID): Order @aws_subscribe(mutations: ["placeOrder"])`,
		"type Order implements Node @aws_api_key {", "union SearchResult = Order | Receipt", "interface Node {",
		`search(text: String = "*"): [SearchResult!]!`, "meta: AWSJSON\n", "OPEN\n", "CLOSED @deprecated\n",
		"input OrderInput {", "note: String\n", "at: AWSTimestamp = 0\n",
		`ping: String @kept(why: "test")`, "directive @kept(why: String) on FIELD_DEFINITION",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("printed SDL lacks %q", want)
		}
	}
	if strings.Contains(out, "schema {") {
		t.Error("printed SDL has a schema definition although the root names are the defaults")
	}
	// Source order: schema/extra.graphql sorts before schema/orders.graphql,
	// and within a file definitions keep their order.
	order := []string{"type Query", "type Mutation", "type Subscription", "type Order", "enum Status", "input OrderInput", "directive @kept"}
	last := -1
	for _, w := range order {
		i := strings.Index(out, w)
		if i < last {
			t.Errorf("%q is out of source order", w)
		}
		last = i
	}

	// Deterministic, and PrintSDL does not modify the schema.
	for range 5 {
		if again := mustPrint(t, s, omit...); again != out {
			t.Fatal("PrintSDL output differs between calls")
		}
	}
	full := mustPrint(t, s)
	if !strings.Contains(full, "@shopgraph_cache(ttl: 60)") || !strings.Contains(full, "directive @shopgraph_trace") ||
		!strings.Contains(full, "Caches a field.") {
		t.Error("printing with omitted directives removed them from the schema itself")
	}

	// The printed SDL reloads through LoadSchema to an equivalent schema.
	reloaded := mustLoad(t, src("appsync.graphql", out))
	if again := mustPrint(t, reloaded); again != out {
		t.Errorf("print(load(print(s))) != print(s):\n%s\n---\n%s", again, out)
	}
	if got, want := userTypeNames(reloaded), userTypeNames(s); !slices.Equal(got, want) {
		t.Errorf("reloaded types %v, want %v", got, want)
	}
	if reloaded.Query.Name != "Query" || reloaded.Mutation.Name != "Mutation" || reloaded.Subscription.Name != "Subscription" {
		t.Error("reloaded roots differ")
	}
	if err := Validate(reloaded, "kept"); err != nil {
		t.Errorf("Validate(reloaded) = %v", err)
	}
	// Printing the full schema round-trips too.
	if again := mustPrint(t, mustLoad(t, src("full.graphql", full))); again != full {
		t.Errorf("full schema does not round-trip:\n%s\n---\n%s", again, full)
	}
}

func TestPrintSDL_schemaDefinition(t *testing.T) {
	const sdl = `
schema { query: Root mutation: Change }
type Root { a: Int }
type Change { b: Int }
type Subscription { c: Int }
`
	s := mustLoad(t, src("roots.graphql", sdl))
	out := mustPrint(t, s)
	for _, want := range []string{"schema {", "query: Root", "mutation: Change"} {
		if !strings.Contains(out, want) {
			t.Errorf("printed SDL lacks %q:\n%s", want, out)
		}
	}
	re := mustLoad(t, src("again.graphql", out))
	if re.Query.Name != "Root" || re.Mutation.Name != "Change" || re.Subscription != nil {
		t.Errorf("reloaded roots: %v %v %v", re.Query, re.Mutation, re.Subscription)
	}
}

func TestPrintSDL_errors(t *testing.T) {
	if err := PrintSDL(&bytes.Buffer{}, nil); err == nil {
		t.Error("PrintSDL(nil schema) = nil error")
	}
	s := mustLoad(t, src("q.graphql", "type Query { a: Int }"))
	if err := PrintSDL(failingWriter{}, s); err == nil {
		t.Error("PrintSDL ignores write errors")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestPrintSDL_repoSchema prints the repository's own SDL, which must load,
// validate and round-trip.
func TestPrintSDL_repoSchema(t *testing.T) {
	files, _ := filepath.Glob("../schema/*.graphql")
	if len(files) == 0 {
		t.Skip("no ../schema/*.graphql")
	}
	var sources []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, src(filepath.ToSlash(strings.TrimPrefix(f, "../")), string(b)))
	}
	s := mustLoad(t, append(sources, ShopgraphDirectivesSource())...)
	if err := Validate(s, ShopgraphOnly...); err != nil {
		t.Errorf("Validate(repo schema): %v", err)
	}
	out := mustPrint(t, s, ShopgraphOnly...)
	if again := mustPrint(t, mustLoad(t, src("printed.graphql", out))); again != out {
		t.Error("repo schema does not round-trip through PrintSDL")
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		sdl   string
		extra []string
		want  []string // substrings, one per expected error, in order
	}{
		{"ok", userSDL + extraSDL, []string{"shopgraph_cache", "shopgraph_trace", "kept"}, nil},
		{"user scalar", "scalar Foo\ntype Query { a: Foo }", nil, []string{"Scalar Foo is not allowed"}},
		{"AWS type", "type AWSThing { a: Int }\ntype Query { a: AWSThing }", nil, []string{"Type name AWSThing is not allowed"}},
		{"AWS enum and input", "enum AWSColor { RED }\ninput AWSIn { a: Int }\ntype Query { a(i: AWSIn): AWSColor }", nil,
			[]string{"Type name AWSColor", "Type name AWSIn"}},
		{"AWS scalar", "scalar AWSNumber\ntype Query { a: AWSNumber }", nil, []string{"Scalar AWSNumber is not allowed"}},
		{"unknown directive", "", nil, nil}, // want: see below
		{"directive allowed by extra", "directive @model on OBJECT\ntype Query @model { a: Int }", []string{"model"}, nil},
		{"directive not allowed", "directive @model on OBJECT\ntype Query @model { a: Int }", nil,
			[]string{"Directive @model on Query is not supported by AppSync"}},
		{"schema directive", "directive @link on SCHEMA\nschema @link { query: Query }\ntype Query { a: Int }", nil,
			[]string{"Directive @link on the schema"}},
		{"known directives", `type Query @aws_iam @aws_oidc @aws_lambda { a: Int @deprecated @aws_auth(cognito_groups: ["x"]) }
scalar Url @specifiedBy(url: "https://example.com")`, nil, []string{"Scalar Url is not allowed"}},
		{"several", "scalar A\nscalar B\ntype AWSX { a: A }\ntype Query { b: B, x: AWSX }", nil,
			[]string{"Scalar A ", "Scalar B ", "Type name AWSX"}},
	}
	// The "unknown directive" case: without extra, every use of the
	// shopgraph-only directives and of @kept is reported, in source order.
	cases[5].want = []string{
		"@kept on Query.ping", // schema/extra.graphql sorts first
		"@shopgraph_trace on Query.order(id:)",
		"@shopgraph_cache on Query.order",
		"@shopgraph_cache on Order",
		"@shopgraph_trace on Status.OPEN",
		"@shopgraph_trace on OrderInput",
		"@shopgraph_trace on OrderInput.note",
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s *ast.Schema
			if c.name == "unknown directive" {
				s = mustLoad(t, src("schema/orders.graphql", userSDL), src("schema/extra.graphql", extraSDL))
			} else {
				s = mustLoad(t, src("schema/test.graphql", c.sdl))
			}
			err := Validate(s, c.extra...)
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate = nil, want %d errors", len(c.want))
			}
			joined, ok := err.(interface{ Unwrap() []error })
			if !ok {
				t.Fatalf("Validate returned %T, want a joined error", err)
			}
			errs := joined.Unwrap()
			if len(errs) != len(c.want) {
				t.Fatalf("Validate returned %d errors, want %d:\n%v", len(errs), len(c.want), err)
			}
			for i, e := range errs {
				var ge *gqlerror.Error
				if !errors.As(e, &ge) {
					t.Errorf("error %d is a %T, want *gqlerror.Error", i, e)
				} else if len(ge.Locations) == 0 || ge.Locations[0].Line <= 0 || errFile(ge) == "" {
					t.Errorf("error %d has no position: %v", i, e)
				}
				if !strings.Contains(e.Error(), c.want[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, e, c.want[i])
				}
			}
		})
	}
	if err := Validate(nil); err == nil {
		t.Error("Validate(nil) = nil")
	}
}

// userTypeNames lists the types PrintSDL would print, sorted.
func userTypeNames(s *ast.Schema) []string {
	var names []string
	for name, def := range s.Types {
		if isUserType(def) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}
