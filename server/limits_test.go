package server_test

import (
	"fmt"
	"math"
	"net/http"
	"path"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/resolvers"
	"github.com/shopgraph/shopgraph/server"
)

// wantRejected asserts that an operation was refused before it executed:
// one error of the given errorType containing msgPart, no data, no
// DynamoDB request.
func wantRejected(t *testing.T, r apptest.Response, errorType, msgPart string) {
	t.Helper()
	wantError(t, r, http.StatusOK, errorType, msgPart)
	if r.Data != nil {
		t.Errorf("a rejected operation returned data: %s", truncate(r.Raw))
	}
	if n := r.Extensions.DynamoDB.Requests; n != 0 {
		t.Errorf("a rejected operation made %d DynamoDB requests", n)
	}
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// schemaTypes returns the names of __schema.types in an introspection
// response.
func schemaTypes(t *testing.T, r apptest.Response) map[string]bool {
	t.Helper()
	s, ok := r.Data["__schema"].(map[string]any)
	if !ok {
		t.Fatalf("no __schema in %s", truncate(r.Raw))
	}
	out := map[string]bool{}
	for _, ty := range s["types"].([]any) {
		out[ty.(map[string]any)["name"].(string)] = true
	}
	return out
}

// TestIntrospection_standardQueriesPass: GraphiQL's and Amplify's full
// introspection queries pass every limit with the defaults, with an API key
// and with a user token, and the playground keeps working.
func TestIntrospection_standardQueriesPass(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	creds := []struct {
		name    string
		headers map[string]string
	}{
		{"API key", map[string]string{"x-api-key": auth.DevAPIKey}},
		{"user token", map[string]string{"Authorization": a.Token(t, "alice", shopgraph.TokenUseID)}},
	}
	for _, q := range []struct{ name, query string }{
		{"GraphiQL", graphiqlIntrospectionQuery},
		{"Amplify", amplifyIntrospectionQuery},
	} {
		for _, c := range creds {
			t.Run(q.name+" with "+c.name, func(t *testing.T) {
				r := a.DoWith(t, c.headers, q.query, nil)
				wantNoErrors(t, r)
				types := schemaTypes(t, r)
				for _, want := range []string{"Query", "Mutation", "Product", "AWSDateTime", "__Type"} {
					if !types[want] {
						t.Errorf("__schema.types lacks %s", want)
					}
				}
			})
		}
	}
}

// aliasedSchemas is the security review's attack: n aliased __schema
// fields sharing a fragment over types, fields, args and type refs.
func aliasedSchemas(n int) string {
	var q strings.Builder
	q.WriteString("{")
	for i := range n {
		fmt.Fprintf(&q, " a%d: __schema { ...F }", i)
	}
	q.WriteString(" }\nfragment F on __Schema { types { name fields { name args { name type { name ofType { name ofType { name } } } } type { name ofType { name ofType { name } } } } } }")
	return q.String()
}

func TestIntrospection_aliasAttackIsRejected(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	q := aliasedSchemas(5000)
	if len(q) > server.DefaultMaxBodyBytes {
		t.Fatalf("the attack (%d bytes) does not fit the body limit", len(q))
	}
	// The field limit is what stops it first (each alias selects 19
	// fields: __schema and the fragment's 18)…
	wantRejected(t, a.Do(t, q, nil), "LimitExceeded", "operation selects 95000 fields, which exceeds the limit of 2000")

	// …and each of the other limits stops it on its own.
	t.Run("one __schema per operation", func(t *testing.T) {
		loose := apptest.New(t, apptest.Options{Products: 5, Server: server.Config{MaxFields: 1 << 30, MaxComplexity: 1 << 30}})
		wantRejected(t, loose.Do(t, q, nil), "LimitExceeded", "operation selects __schema 5000 times, which exceeds the limit of 1 per operation")
		wantRejected(t, loose.Do(t, aliasedSchemas(2), nil), "LimitExceeded", "operation selects __schema 2 times")
	})
	t.Run("complexity counts introspection", func(t *testing.T) {
		loose := apptest.New(t, apptest.Options{Products: 5, Server: server.Config{MaxFields: 1 << 30}})
		var q strings.Builder
		q.WriteString("{")
		for i := range 500 {
			fmt.Fprintf(&q, ` t%d: __type(name: "Query") { fields { name args { name type { name } } type { name ofType { name } } } }`, i)
		}
		q.WriteString(" }")
		wantRejected(t, loose.Do(t, q.String(), nil), "LimitExceeded", "which exceeds the limit of 5000")
		// One of them is cheap.
		wantNoErrors(t, loose.Do(t, `{ __type(name: "Query") { fields { name args { name type { name } } type { name ofType { name } } } } }`, nil))
	})
	t.Run("the response size cap", func(t *testing.T) {
		loose := apptest.New(t, apptest.Options{Products: 5, Server: server.Config{MaxFields: 1 << 30, MaxComplexity: 1 << 30, MaxResponseBytes: 10 << 10}})
		var q strings.Builder
		q.WriteString("{")
		for i := range 20 {
			fmt.Fprintf(&q, ` t%d: __type(name: "Query") { fields { name description args { name description } type { name } } }`, i)
		}
		q.WriteString(" }")
		r := loose.Do(t, q.String(), nil)
		wantError(t, r, http.StatusOK, "LimitExceeded", "exceeds the limit of 10240 bytes")
		if r.Data != nil {
			t.Errorf("an oversized response kept its data")
		}
	})
}

// TestIntrospection_merged__schemaIsOne: fields with the same response key
// are merged and run once, so they count once.
func TestIntrospection_merged__schemaIsOne(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	r := a.Do(t, `{ __schema { queryType { name } } ...S } fragment S on Query { __schema { mutationType { name } } }`, nil)
	wantNoErrors(t, r)
}

func ofTypeChain(n int) string {
	return `{ __type(name: "Query") { fields { type { ` + strings.Repeat("ofType { ", n) + "name" + strings.Repeat(" }", n) + " } } } }"
}

func TestIntrospection_nestingLimits(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	wantRejected(t, a.Do(t, ofTypeChain(40), nil), "LimitExceeded", "introspection nests ofType 40 deep, which exceeds the limit of 10")
	wantRejected(t, a.Do(t, ofTypeChain(server.MaxOfTypeDepth+1), nil), "LimitExceeded", "introspection nests ofType 11 deep")
	wantNoErrors(t, a.Do(t, ofTypeChain(server.MaxOfTypeDepth), nil))

	// graphql-js's MaxIntrospectionDepthRule: fields, interfaces,
	// possibleTypes and inputFields nest at most 2 deep, across fragments
	// too.
	for _, q := range []string{
		`{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`,
		`{ __type(name: "Query") { fields { type { interfaces { possibleTypes { name } } } } } }`,
		`{ __type(name: "Query") { ...A } } fragment A on __Type { fields { type { ...B } } } fragment B on __Type { inputFields { type { fields { name } } } }`,
	} {
		wantRejected(t, a.Do(t, q, nil), "LimitExceeded", "introspection nests fields, interfaces, possibleTypes or inputFields 3 deep, which exceeds the limit of 2")
	}
	wantNoErrors(t, a.Do(t, `{ __type(name: "Query") { fields { type { fields { name } } } } }`, nil))
}

func TestLimits_maxFields(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5, Server: server.Config{MaxFields: 10}})
	wantRejected(t, a.Do(t, `{ categories { name productCount } warehouses { code name region } a: warehouses { code } b: categories { name } }`, nil),
		"LimitExceeded", "operation selects 11 fields, which exceeds the limit of 10")
	wantNoErrors(t, a.Do(t, `{ categories { name productCount } warehouses { code name region } a: warehouses { code } }`, nil))

	// A fragment bomb (each fragment spreads the next twice) is counted
	// without expanding it.
	var q strings.Builder
	q.WriteString("{ ...F0 }")
	for i := range 60 {
		fmt.Fprintf(&q, "\nfragment F%d on Query { ...F%d ...F%d }", i, i+1, i+1)
	}
	q.WriteString("\nfragment F60 on Query { __typename }")
	wantRejected(t, a.Do(t, q.String(), nil), "LimitExceeded", "operation selects more than 1099511627776 fields")

	// Without a field limit, the complexity limit counts bombs without
	// expanding them too, in introspection and elsewhere.
	loose := apptest.New(t, apptest.Options{Products: 5, Server: server.Config{MaxFields: math.MaxInt}})
	bomb := func(root, on, leaf string) string {
		var q strings.Builder
		q.WriteString(root)
		for i := range 60 {
			fmt.Fprintf(&q, "\nfragment F%d on %s { ...F%d ...F%d }", i, on, i+1, i+1)
		}
		fmt.Fprintf(&q, "\nfragment F60 on %s { %s }", on, leaf)
		return q.String()
	}
	for _, q := range []string{
		bomb("{ ...F0 }", "Query", "categories { name }"),
		bomb(`{ __type(name: "Query") { ...F0 } }`, "__Type", "name fields { name }"),
		bomb(`{ __type(name: "Query") { fields { ...F0 } } }`, "__Field", "name type { name }"),
		bomb(`{ __schema { directives { args { ...F0 } } } }`, "__InputValue", "name type { kind }"),
	} {
		wantRejected(t, loose.Do(t, q, nil), "LimitExceeded", "operation has complexity more than 1099511627776, which exceeds the limit of 5000")
	}
}

func TestLimits_disabledIntrospection(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5, Server: server.Config{DisableIntrospection: true}})
	key := map[string]string{"x-api-key": auth.DevAPIKey}
	for _, q := range []string{
		graphiqlIntrospectionQuery,
		amplifyIntrospectionQuery,
		`{ __type(name: "Product") { name } }`,
		`{ categories { name } ...I } fragment I on Query { __schema { queryType { name } } }`,
	} {
		wantRejected(t, a.DoWith(t, key, q, nil), "BadRequest", "introspection is disabled")
		wantRejected(t, a.Do(t, q, nil), "BadRequest", "introspection is disabled")
	}
	// __typename is not introspection of the schema; clients add it.
	r := a.Do(t, `{ __typename categories { __typename name } }`, nil)
	wantNoErrors(t, r)
	if r.Data["__typename"] != "Query" {
		t.Errorf("__typename = %v", r.Data["__typename"])
	}
}

// TestLimits_oneAccountMutationPerOperation: aliases (or fragments) cannot
// multiply the expensive account mutations, nor the API key mutations.
func TestLimits_oneAccountMutationPerOperation(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	key := map[string]string{"x-api-key": auth.DevAPIKey}

	// The security review's attack: 2,400 aliased sign-ins (complexity
	// 4,800, under the old complexity limit alone).
	var q strings.Builder
	q.WriteString("mutation {")
	for i := range 2400 {
		fmt.Fprintf(&q, ` s%d: signIn(username: "alice", password: "guess-%d") { idToken }`, i, i)
	}
	q.WriteString(" }")
	loose := apptest.New(t, apptest.Options{Products: 5, Server: server.Config{MaxFields: 1 << 30}})
	wantRejected(t, loose.DoWith(t, key, q.String(), nil), "LimitExceeded", "operation runs 2400 account mutations, which exceeds the limit of 1 account mutation per operation")

	for _, m := range []string{
		`mutation { a: signIn(username: "alice", password: "x") { idToken } b: signIn(username: "bob", password: "y") { idToken } }`,
		`mutation { forgotPassword(username: "alice") ...F } fragment F on Mutation { signOut(refreshToken: "t") }`,
		`mutation { signUp(username: "u1", password: "Passw0rd-1", email: "u1@example.com") { userSub } ... on Mutation { confirmSignUp(username: "u1", code: "1") } }`,
	} {
		wantRejected(t, a.DoWith(t, key, m, nil), "LimitExceeded", "exceeds the limit of 1 account mutation per operation")
	}
	// One is fine (and the same field twice under one response key is run
	// once).
	r := a.DoWith(t, key, `mutation { signIn(username: "alice", password: "wrong") { idToken } ... on Mutation { signIn(username: "alice", password: "wrong") { idToken } } }`, nil)
	if len(r.Errors) != 1 || r.Errors[0].ErrorType != "NotAuthorizedException" {
		t.Errorf("one sign-in: %s", r.Raw)
	}

	admin := map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseID)}
	wantRejected(t, a.DoWith(t, admin, `mutation { a: revokeApiKey(id: "x") { id } b: revokeApiKey(id: "y") { id } }`, nil),
		"LimitExceeded", "operation runs 2 API key mutations, which exceeds the limit of 1 API key mutation per operation")
	wantRejected(t, a.DoWith(t, admin, `mutation { createApiKey(partner: "p", scopes: ["catalog:read"]) { id } revokeApiKey(id: "y") { id } }`, nil),
		"LimitExceeded", "API key mutation")
}

// TestLimits_everyAccountAndAdminMutationIsLimited: a mutation added to
// account.graphql or admin.graphql joins its group.
func TestLimits_everyAccountAndAdminMutationIsLimited(t *testing.T) {
	want := map[string]string{"account.graphql": "account mutation", "admin.graphql": "API key mutation"}
	for _, f := range server.Schema().Mutation.Fields {
		if f.Position == nil || f.Position.Src == nil {
			t.Fatalf("mutation %s has no source file", f.Name)
		}
		file := path.Base(f.Position.Src.Name)
		if g, ok := want[file]; ok && server.MutationGroups[f.Name] != g {
			t.Errorf("mutation %s of %s is not limited as an %s per operation (mutationGroups)", f.Name, file, g)
		}
	}
}

// TestLimits_largestPagePasses: a full page of 100 products with inventory
// is within every default limit, and far from the response cap.
func TestLimits_largestPagePasses(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 1000})
	cat := biggestCategory(a)
	if cat.ProductCount < 100 {
		t.Fatalf("the biggest category has only %d products", cat.ProductCount)
	}
	r := a.Do(t, pageQuery, map[string]any{"category": cat.Name, "limit": 100})
	wantNoErrors(t, r)
	if n := len(r.Data["products"].(map[string]any)["items"].([]any)); n != 100 {
		t.Fatalf("got %d items", n)
	}
	if len(r.Raw) > server.DefaultMaxResponseBytes/10 {
		t.Errorf("the largest page is %d bytes, within a tenth of the response cap of %d", len(r.Raw), server.DefaultMaxResponseBytes)
	}
	cost, err := server.Cost(pageQuery, "", map[string]any{"category": cat.Name, "limit": 100})
	if err != nil || cost > server.DefaultMaxComplexity*3/4 {
		t.Errorf("the largest page costs %d (%v), want well under %d", cost, err, server.DefaultMaxComplexity)
	}
}

func TestLimits_responseSize(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 100, Server: server.Config{MaxResponseBytes: 2000}})
	r := a.Do(t, pageQuery, map[string]any{"category": biggestCategory(a).Name, "limit": 20})
	wantError(t, r, http.StatusOK, "LimitExceeded", "exceeds the limit of 2000 bytes")
	if r.Data != nil {
		t.Errorf("an oversized response kept its data: %s", truncate(r.Raw))
	}
	wantNoErrors(t, a.Do(t, `{ warehouses { code } }`, nil))
}

func TestLimits_invalidConfig(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	type noAccounts struct{ shopgraph.Accounts }
	base := server.Config{Auth: a.Authenticator, Ports: resolvers.Ports{Catalog: a.Store, Inventory: a.Store, Carts: a.Store, Orders: a.Orders, Accounts: noAccounts{}, Keys: a.Keys, SearchIndex: a.Search, Products: a.Catalogs}}
	for name, mutate := range map[string]func(*server.Config){
		"max fields":         func(c *server.Config) { c.MaxFields = -1 },
		"max response bytes": func(c *server.Config) { c.MaxResponseBytes = -1 },
		"request timeout":    func(c *server.Config) { c.RequestTimeout = -1 },
	} {
		cfg := base
		mutate(&cfg)
		if _, err := server.New(cfg); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: New = %v, want an error naming it", name, err)
		}
	}
}

func TestTransport_batchedBodyIsABadRequest(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	wantError(t, a.DoRaw(t, "application/json", []byte(` [{"query":"{ categories { name } }"}]`)),
		http.StatusBadRequest, "BadRequest", "batched queries are not supported; send one operation per request")
	r := a.DoRaw(t, "application/json", []byte(`"{ categories { name } }"`))
	wantError(t, r, http.StatusBadRequest, "BadRequest", "request body is not valid JSON: must be a JSON object, not string")
	if strings.Contains(string(r.Raw), "RawParams") {
		t.Errorf("the error names a Go type: %s", r.Raw)
	}
}
