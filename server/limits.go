package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/introspection"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/shopgraph/shopgraph"
)

// Fixed limits (the configurable ones are in Config).
const (
	// maxIntrospectionListDepth is graphql-js's MaxIntrospectionDepthRule:
	// __Type's fields, interfaces, possibleTypes and inputFields may nest at
	// most 2 deep (the rule rejects a depth of 3). The standard introspection
	// queries nest 1 deep (types → fields → type…).
	maxIntrospectionListDepth = 2
	// maxOfTypeDepth bounds nested __Type.ofType selections. graphql-js's
	// getIntrospectionQuery nests ofType 9 deep (graphql 16.9 and later, and
	// the default typeDepth of graphql 17; 7 before 16.9); no type of this
	// schema wraps its named type more than 3 deep.
	maxOfTypeDepth = 10
	// maxSchemaFields is how many __schema fields an operation may select.
	maxSchemaFields = 1
)

// mutationGroups are the mutations of which an operation may run at most
// one per group: the account mutations each cost a password hash or a
// Cognito call (a sign-in is 600,000 PBKDF2 iterations in the embedded
// user directory) and are rate-limited per user and address, so aliases
// must not multiply them; the API key mutations are cheap but are rare
// administrative writes that nothing needs to batch.
var mutationGroups = map[string]string{
	"signUp":                "account mutation",
	"confirmSignUp":         "account mutation",
	"signIn":                "account mutation",
	"refreshSession":        "account mutation",
	"signOut":               "account mutation",
	"forgotPassword":        "account mutation",
	"confirmForgotPassword": "account mutation",
	"createApiKey":          "API key mutation",
	"revokeApiKey":          "API key mutation",
}

// The cost model. Every field the executor resolves costs 1, introspection
// fields and __typename included. A list of objects multiplies its items'
// cost by its length: a products page by its limit; an introspection list
// by its real length in this schema (the cost of introspection is exact);
// and a list whose length is the store's data rather than the client's
// choice by the length in listSizes. A value that reads a list whatever is
// selected (a cart) adds that list's length (readCosts).
//
// listSizes are the assumed lengths of the data lists. The catalog has
// four warehouses (seed.Warehouses), so a product's stock list has four
// entries; the largest catalog page (products(limit: 100) with inventory
// and warehouses, pageQuery in the tests) then costs 3,603 of the default
// 5,000. A deployment with more warehouses raises warehouses here.
// TestCost_everyDataListHasASize keeps the table complete.
var listSizes = map[string]int{
	"Query.warehouses":            warehouses,
	"ProductInventory.warehouses": warehouses,
	"Query.categories":            50,
	"Query.apiKeys":               100,
	"Cart.lines":                  shopgraph.MaxCartLines,
	"Order.lines":                 shopgraph.MaxOrderLines,
	// An order's statuses: at most the 7 steps of its longest path.
	"Order.statusHistory": 8,
	// Search facets list at most MaxFacetValues values, and the fixed
	// price buckets.
	"SearchFacets.categories":  shopgraph.MaxFacetValues,
	"SearchFacets.brands":      shopgraph.MaxFacetValues,
	"SearchFacets.priceRanges": shopgraph.PriceBuckets,
}

const (
	warehouses = 4
	// defaultListSize is the length assumed for a list of objects missing
	// from listSizes.
	defaultListSize = 100
)

// readCosts are what a value of these types costs besides its selected
// fields, because it reads a list whatever is selected: a Cart is priced
// from every line's product (up to MaxCartLines of them), so even
// cart { itemCount } costs as much as a page of that many products, and
// aliased carts or cart mutations cannot multiply reads cheaply.
var readCosts = map[string]int{"Cart": shopgraph.MaxCartLines}

// saturation caps the counts, so that fragment bombs (fragments that
// spread others several times, nested) neither overflow nor take
// exponential time: every count below is memoized per fragment.
const saturation = 1 << 40

func add(a, b int) int { return min(a+b, saturation) }

func mul(a, b int) int {
	if a != 0 && b > saturation/a {
		return saturation
	}
	return min(a*b, saturation)
}

func countString(n int) string {
	if n >= saturation {
		return "more than " + strconv.Itoa(saturation)
	}
	return strconv.Itoa(n)
}

// operationLimits rejects, before anything executes, an operation that
// selects too many fields, nests too deep, introspects beyond the standard
// queries, runs more than one account mutation, or costs more than the
// complexity limit; and, when introspection is off, any __schema or __type.
// Every rejection is a GraphQL error (HTTP 200) with errorType LimitExceeded
// (BadRequest for disabled introspection) naming the limit.
type operationLimits struct {
	schema        *ast.Schema
	intro         *introspection.Schema
	maxDepth      int
	maxComplexity int
	maxFields     int
	introspection bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*operationLimits)(nil)

func newOperationLimits(schema *ast.Schema, cfg Config) *operationLimits {
	return &operationLimits{
		schema: schema, intro: introspection.WrapSchema(schema),
		maxDepth: cfg.MaxDepth, maxComplexity: cfg.MaxComplexity, maxFields: cfg.MaxFields,
		introspection: !cfg.DisableIntrospection,
	}
}

func (*operationLimits) ExtensionName() string                   { return "OperationLimits" }
func (*operationLimits) Validate(graphql.ExecutableSchema) error { return nil }

func limitError(format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	setExt(err, extErrorType, string(shopgraph.CodeLimitExceeded))
	return err
}

func (l *operationLimits) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Operation
	if op == nil {
		return nil
	}
	frags := opCtx.Doc.Fragments
	s := newShaper(frags).of(op.SelectionSet)
	switch {
	case s.fields > l.maxFields:
		return limitError("operation selects %s fields, which exceeds the limit of %d", countString(s.fields), l.maxFields)
	case s.introspection && !l.introspection:
		err := gqlerror.Errorf("introspection is disabled: this API does not answer __schema or __type")
		setExt(err, extErrorType, string(shopgraph.CodeBadRequest))
		return err
	case s.introDepth > maxIntrospectionListDepth:
		return limitError("introspection nests fields, interfaces, possibleTypes or inputFields %d deep, which exceeds the limit of %d",
			s.introDepth, maxIntrospectionListDepth)
	case s.ofTypeDepth > maxOfTypeDepth:
		return limitError("introspection nests ofType %d deep, which exceeds the limit of %d", s.ofTypeDepth, maxOfTypeDepth)
	case s.depth > l.maxDepth:
		return limitError("query depth %d exceeds the limit of %d", s.depth, l.maxDepth)
	}
	if err := rootLimits(op, frags); err != nil {
		return err
	}
	if c := operationCost(l.schema, l.intro, op, frags, opCtx.Variables); c > l.maxComplexity {
		return limitError("operation has complexity %s, which exceeds the limit of %d", countString(c), l.maxComplexity)
	}
	return nil
}

// shape is what the limits need to know of a selection set, fragments
// expanded.
type shape struct {
	// fields counts the selected fields (each spread of a fragment counts
	// the fragment's fields again).
	fields int
	// depth is the selection depth (a root field is 1); introspection
	// fields (__schema, __type, __typename) and their subtrees do not count,
	// their nesting is bounded by introDepth and ofTypeDepth.
	depth int
	// introDepth is the deepest nesting of __Type's fields, interfaces,
	// possibleTypes and inputFields; ofTypeDepth that of __Type.ofType.
	introDepth, ofTypeDepth int
	// introspection is set when __schema or __type is selected.
	introspection bool
}

func (s *shape) merge(c shape) {
	s.fields = add(s.fields, c.fields)
	s.depth = max(s.depth, c.depth)
	s.introDepth = max(s.introDepth, c.introDepth)
	s.ofTypeDepth = max(s.ofTypeDepth, c.ofTypeDepth)
	s.introspection = s.introspection || c.introspection
}

// shaper computes shapes, once per fragment: a fragment's shape does not
// depend on where it is spread.
type shaper struct {
	frags ast.FragmentDefinitionList
	memo  map[string]*shape // nil while in progress (cycles are invalid GraphQL anyway)
}

func newShaper(frags ast.FragmentDefinitionList) *shaper {
	return &shaper{frags: frags, memo: map[string]*shape{}}
}

func (w *shaper) of(set ast.SelectionSet) shape {
	var s shape
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			c := w.of(x.SelectionSet)
			c.fields = add(c.fields, 1)
			if strings.HasPrefix(x.Name, "__") {
				c.depth = 0
			} else {
				c.depth++
			}
			if x.ObjectDefinition != nil && x.ObjectDefinition.Name == "__Type" {
				switch x.Name {
				case "fields", "interfaces", "possibleTypes", "inputFields":
					c.introDepth++
				case "ofType":
					c.ofTypeDepth++
				}
			}
			if x.Name == "__schema" || x.Name == "__type" {
				c.introspection = true
			}
			s.merge(c)
		case *ast.InlineFragment:
			s.merge(w.of(x.SelectionSet))
		case *ast.FragmentSpread:
			s.merge(w.fragment(x.Name))
		}
	}
	return s
}

func (w *shaper) fragment(name string) shape {
	if s, ok := w.memo[name]; ok {
		if s == nil {
			return shape{}
		}
		return *s
	}
	def := w.frags.ForName(name)
	if def == nil {
		return shape{}
	}
	w.memo[name] = nil
	s := w.of(def.SelectionSet)
	w.memo[name] = &s
	return s
}

// rootLimits counts the root fields that the executor runs, by response
// key (fields with the same key are merged and run once): at most one
// __schema, at most one mutation of each of mutationGroups.
func rootLimits(op *ast.OperationDefinition, frags ast.FragmentDefinitionList) *gqlerror.Error {
	keys := map[string]string{} // response key → field name
	seen := map[string]bool{}
	var collect func(ast.SelectionSet)
	collect = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch x := sel.(type) {
			case *ast.Field:
				key := x.Alias
				if key == "" {
					key = x.Name
				}
				keys[key] = x.Name
			case *ast.InlineFragment:
				collect(x.SelectionSet)
			case *ast.FragmentSpread:
				if def := frags.ForName(x.Name); def != nil && !seen[x.Name] {
					seen[x.Name] = true
					collect(def.SelectionSet)
				}
			}
		}
	}
	collect(op.SelectionSet)
	schemas := 0
	groups := map[string]int{}
	for _, name := range keys {
		if name == "__schema" {
			schemas++
		}
		if g, ok := mutationGroups[name]; ok && op.Operation == ast.Mutation {
			groups[g]++
		}
	}
	if schemas > maxSchemaFields {
		return limitError("operation selects __schema %d times, which exceeds the limit of %d per operation", schemas, maxSchemaFields)
	}
	for _, g := range []string{"account mutation", "API key mutation"} {
		if groups[g] > 1 {
			return limitError("operation runs %d %ss, which exceeds the limit of 1 %s per operation", groups[g], g, g)
		}
	}
	return nil
}

// operationCost is the operation's cost in the model described at
// listSizes: an upper bound of the fields the executor resolves (exact for
// introspection).
func operationCost(schema *ast.Schema, intro *introspection.Schema, op *ast.OperationDefinition,
	frags ast.FragmentDefinitionList, vars map[string]any) int {
	c := &coster{
		schema: schema, intro: intro, frags: frags, vars: vars,
		fragMemo: map[fragmentAt]int{}, typeMemo: map[typeAt]int{}, introMemo: map[introAt]int{},
	}
	return c.set(op.SelectionSet, shopgraph.MaxPageSize)
}

type coster struct {
	schema *ast.Schema
	intro  *introspection.Schema
	frags  ast.FragmentDefinitionList
	vars   map[string]any
	// fragMemo holds the cost of fragments on the API's own types, by the
	// page size they are spread under; typeMemo the cost of selection sets
	// on an introspection __Type, by type; introMemo the cost of fragments
	// on introspection types, by the value they are spread on.
	fragMemo  map[fragmentAt]int
	typeMemo  map[typeAt]int
	introMemo map[introAt]int
}

type fragmentAt struct {
	name string
	page int
}

type typeAt struct {
	set ast.Selection // the set's first selection identifies it
	typ string
}

type introAt struct {
	name  string // fragment
	value string // introspection value key (see fieldsOf)
}

// set is the cost of a selection set on one of the API's types; page is the
// length of ProductPage.items and OrderPage.items (the limit of the
// enclosing products or myOrders field).
func (c *coster) set(set ast.SelectionSet, page int) int {
	total := 0
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			total = add(total, c.field(x, page))
		case *ast.InlineFragment:
			total = add(total, c.set(x.SelectionSet, page))
		case *ast.FragmentSpread:
			key := fragmentAt{x.Name, page}
			v, ok := c.fragMemo[key]
			if !ok {
				if def := c.frags.ForName(x.Name); def != nil {
					c.fragMemo[key] = 0 // a cycle (invalid GraphQL) costs nothing more
					v = c.set(def.SelectionSet, page)
				}
				c.fragMemo[key] = v
			}
			total = add(total, v)
		}
	}
	return total
}

func (c *coster) field(f *ast.Field, page int) int {
	switch f.Name {
	case "__typename":
		return 1
	case "__schema":
		return add(1, c.introSet(f.SelectionSet, c.intro))
	case "__type":
		name, _ := c.arg(f, "name").(string)
		t := introspection.WrapTypeFromDef(c.schema, c.schema.Types[name])
		if t == nil {
			return 1
		}
		return add(1, c.introType(f.SelectionSet, t))
	}
	if len(f.SelectionSet) == 0 || f.Definition == nil || f.ObjectDefinition == nil {
		return 1 // scalars, enums and lists of them
	}
	key := f.ObjectDefinition.Name + "." + f.Name
	n := 1
	switch {
	case key == "Query.products" || key == "Query.myOrders" || key == "Query.search":
		page = pageSize(c.arg(f, "limit"))
	case key == "ProductPage.items" || key == "OrderPage.items" || key == "SearchPage.items":
		n = page
	case f.Definition.Type.Elem != nil:
		n = defaultListSize
		if size, ok := listSizes[key]; ok {
			n = size
		}
	}
	return add(1, mul(n, add(readCosts[f.Definition.Type.Name()], c.set(f.SelectionSet, page))))
}

// pageSize is the most items a products field with this limit returns:
// its limit, the default page size without one, and the largest page for a
// limit the resolver rejects or that cannot be read.
func pageSize(limit any) int {
	if limit == nil {
		return shopgraph.DefaultPageSize
	}
	var n int64
	switch v := limit.(type) {
	case int:
		n = int64(v)
	case int32:
		n = int64(v)
	case int64:
		n = v
	case float64:
		if v != math.Trunc(v) {
			return shopgraph.MaxPageSize
		}
		n = int64(v)
	case json.Number:
		i, err := v.Int64()
		if err != nil {
			return shopgraph.MaxPageSize
		}
		n = i
	default:
		return shopgraph.MaxPageSize
	}
	if n < 1 || n > shopgraph.MaxPageSize {
		return shopgraph.MaxPageSize
	}
	return int(n)
}

// arg returns the value of a field's argument (its default when absent).
func (c *coster) arg(f *ast.Field, name string) any {
	if a := f.Arguments.ForName(name); a != nil && a.Value != nil {
		if a.Value.Kind == ast.Variable {
			return c.vars[a.Value.Raw]
		}
		v, err := a.Value.Value(c.vars)
		if err != nil {
			return nil
		}
		return v
	}
	if f.Definition != nil {
		if d := f.Definition.Arguments.ForName(name); d != nil && d.DefaultValue != nil {
			v, err := d.DefaultValue.Value(c.vars)
			if err == nil {
				return v
			}
		}
	}
	return nil
}

func (c *coster) includeDeprecated(f *ast.Field) bool {
	b, _ := c.arg(f, "includeDeprecated").(bool)
	return b
}

// The introspection cost walks the schema as the executor does (through
// gqlgen's introspection package), so it is exact. Each selection set is
// costed once per introspection value: selection sets on a __Type are
// memoized by type, and fragments by the value they are spread on (named by
// a key: "t:" and the type, "f:" and the field…), which keeps the walk
// polynomial in the document even for fragment bombs.

// fieldsOf calls fn for every field of a selection set on the
// introspection value named key, fragments expanded (they all apply:
// introspection types are objects).
func (c *coster) fieldsOf(set ast.SelectionSet, key string, fn func(*ast.Field) int) int {
	total := 0
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			total = add(total, fn(x))
		case *ast.InlineFragment:
			total = add(total, c.fieldsOf(x.SelectionSet, key, fn))
		case *ast.FragmentSpread:
			mk := introAt{x.Name, key}
			v, ok := c.introMemo[mk]
			if !ok {
				if def := c.frags.ForName(x.Name); def != nil {
					c.introMemo[mk] = 0 // a cycle (invalid GraphQL) costs nothing more
					v = c.fieldsOf(def.SelectionSet, key, fn)
				}
				c.introMemo[mk] = v
			}
			total = add(total, v)
		}
	}
	return total
}

func (c *coster) introSet(set ast.SelectionSet, s *introspection.Schema) int {
	return c.fieldsOf(set, "schema", func(f *ast.Field) int {
		switch f.Name {
		case "types":
			return c.introTypeList(f, s.Types())
		case "queryType":
			return c.introTypeField(f, s.QueryType())
		case "mutationType":
			return c.introTypeField(f, s.MutationType())
		case "subscriptionType":
			return c.introTypeField(f, s.SubscriptionType())
		case "directives":
			total := 1
			for _, d := range s.Directives() {
				total = add(total, c.introDirective(f.SelectionSet, d))
			}
			return total
		}
		return c.introOther(f)
	})
}

func (c *coster) introTypeField(f *ast.Field, t *introspection.Type) int {
	if t == nil {
		return 1
	}
	return add(1, c.introType(f.SelectionSet, t))
}

// introTypeList is the cost of a field listing types (nil: null).
func (c *coster) introTypeList(f *ast.Field, ts []introspection.Type) int {
	if ts == nil {
		return 1
	}
	total := 1
	for i := range ts {
		total = add(total, c.introType(f.SelectionSet, &ts[i]))
	}
	return total
}

// typeKey names a type or a wrapping of one ("NON_NULL(LIST(NON_NULL(String)))").
func typeKey(t *introspection.Type) string {
	if n := t.Name(); n != nil {
		return *n
	}
	if of := t.OfType(); of != nil {
		return t.Kind() + "(" + typeKey(of) + ")"
	}
	return t.Kind()
}

func (c *coster) introType(set ast.SelectionSet, t *introspection.Type) int {
	if len(set) == 0 {
		return 0
	}
	tk := typeKey(t)
	key := typeAt{set[0], tk}
	if v, ok := c.typeMemo[key]; ok {
		return v
	}
	c.typeMemo[key] = 0
	v := c.fieldsOf(set, "t:"+tk, func(f *ast.Field) int {
		switch f.Name {
		case "fields":
			fs := t.Fields(c.includeDeprecated(f))
			if fs == nil {
				return 1
			}
			total := 1
			for i := range fs {
				total = add(total, c.introField(f.SelectionSet, tk, &fs[i]))
			}
			return total
		case "interfaces":
			return c.introTypeList(f, t.Interfaces())
		case "possibleTypes":
			return c.introTypeList(f, t.PossibleTypes())
		case "enumValues":
			vs := t.EnumValues(c.includeDeprecated(f))
			if vs == nil {
				return 1
			}
			return add(1, mul(len(vs), c.fieldsOf(f.SelectionSet, "enumValue", c.introOther)))
		case "inputFields":
			ivs := t.VisibleInputFields(c.includeDeprecated(f))
			if ivs == nil {
				return 1
			}
			return add(1, c.introInputValues(f.SelectionSet, ivs))
		case "ofType":
			return c.introTypeField(f, t.OfType())
		}
		return c.introOther(f)
	})
	c.typeMemo[key] = v
	return v
}

func (c *coster) introField(set ast.SelectionSet, parent string, fd *introspection.Field) int {
	return c.fieldsOf(set, "f:"+parent+"."+fd.Name, func(f *ast.Field) int {
		switch f.Name {
		case "args":
			return add(1, c.introInputValues(f.SelectionSet, fd.VisibleArgs(c.includeDeprecated(f))))
		case "type":
			return c.introTypeField(f, fd.Type)
		}
		return c.introOther(f)
	})
}

// introInputValues is the cost of a list of arguments or input fields: of
// their subfields only type has objects below it, so an input value is
// keyed by its type.
func (c *coster) introInputValues(set ast.SelectionSet, ivs []introspection.InputValue) int {
	total := 0
	for i := range ivs {
		iv := &ivs[i]
		total = add(total, c.fieldsOf(set, "v:"+typeKey(iv.Type), func(f *ast.Field) int {
			if f.Name == "type" {
				return c.introTypeField(f, iv.Type)
			}
			return c.introOther(f)
		}))
	}
	return total
}

func (c *coster) introDirective(set ast.SelectionSet, d introspection.Directive) int {
	return c.fieldsOf(set, "d:"+d.Name, func(f *ast.Field) int {
		if f.Name == "args" {
			return add(1, c.introInputValues(f.SelectionSet, d.VisibleArgs(c.includeDeprecated(f))))
		}
		return c.introOther(f)
	})
}

// introOther is the cost of an introspection field without objects below
// it (name, kind, description, locations, __typename…). A field with a
// selection set that the walker does not know (a newer gqlgen's) counts
// its subfields as one list of defaultListSize items.
func (c *coster) introOther(f *ast.Field) int {
	if len(f.SelectionSet) == 0 {
		return 1
	}
	return add(1, mul(defaultListSize, c.fieldsOf(f.SelectionSet, "other", c.introOther)))
}

// limitResponse is the response-size cap, a second line of defence behind
// the operation limits: a response whose data and errors exceed max bytes
// is replaced by a LimitExceeded error.
func limitResponse(max int64) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp == nil {
			return nil
		}
		size := int64(len(resp.Data))
		for _, e := range resp.Errors {
			size += int64(len(e.Message)) + 64
		}
		if size <= max {
			return resp
		}
		err := limitError("response size of %d bytes exceeds the limit of %d bytes", size, max)
		return &graphql.Response{Errors: gqlerror.List{err}, Extensions: resp.Extensions}
	}
}

// withDeadline runs each query and mutation under a deadline: the resolvers'
// context expires after timeout, and the fields still to resolve fail with
// ExecutionTimeout (see stopWhenDone and the error presenter).
func withDeadline(timeout time.Duration) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
			// A subscription's responses are its events, which may be hours
			// apart: it lives as long as its connection (and its token).
			return next(ctx)
		}
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		return next(ctx)
	}
}

// stopWhenDone stops an operation whose context is done (deadline passed,
// client gone): no resolver starts after that, so the remaining fields fail
// fast instead of calling DynamoDB. guardFields calls it for every field.
func stopWhenDone(ctx context.Context, fc *graphql.FieldContext) error {
	if fc != nil && fc.IsResolver {
		return ctx.Err()
	}
	return nil
}

// timeoutMessage is the message of an ExecutionTimeout error.
func timeoutMessage(timeout time.Duration) string {
	return fmt.Sprintf("Execution timed out: the operation did not finish within its time limit of %s.", timeout)
}
