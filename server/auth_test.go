package server_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/appsync"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/local/userpool"
	"github.com/shopgraph/shopgraph/schema"
)

// inventoryFields need the inventory:read scope; every other catalog field
// needs catalog:read. This table is the specification the matrix checks the
// schema's directives against.
var inventoryFields = map[string]bool{
	"Query.warehouses": true, "Product.inventory": true,
	"ProductInventory.*": true, "WarehouseStock.*": true, "Warehouse.*": true,
}

// searchFields need the search:read scope. A product reached through
// search needs only search:read too: the scope grants the catalog fields of
// its results (Product, Money), not the inventory.
var searchFields = map[string]bool{
	"Query.search": true, "Query.suggest": true,
	"SearchPage.*": true, "SearchFacets.*": true, "FacetCount.*": true, "PriceRangeCount.*": true,
}

// searchGrants are the types whose fields search:read also grants.
var searchGrants = map[string]bool{"Product": true, "Money": true}

// userOnlyFields are for signed-in users only: no API key may read them.
var userOnlyFields = map[string]bool{
	"Query.me": true, "User.*": true,
	"Query.cart": true, "Cart.*": true, "CartLine.*": true,
	"Query.order": true, "Query.myOrders": true, "Order.*": true, "OrderLine.*": true, "Address.*": true,
	"OrderStatusChange.*": true, "OrderPage.*": true,
}

// adminFields are for users in the admin group only.
var adminFields = map[string]bool{"Query.apiKeys": true, "ApiKey.*": true}

// needGroupAdmin marks a path that needs the admin group; no API key has
// this "scope".
const needGroupAdmin = "group:admin"

func needsInventory(typ, field string) bool {
	return inventoryFields[typ+"."+field] || inventoryFields[typ+".*"]
}

// fieldQuery is a query reaching one field, with the path of its value.
type fieldQuery struct {
	typ, field string
	query      string
	path       []string
	// scopes the whole path needs (for API keys).
	scopes map[string]bool
}

// fieldQueries builds one query per field of every object type reachable
// from Query, each following a path from the root.
func fieldQueries(t *testing.T, a *apptest.App) []fieldQuery {
	t.Helper()
	var sources []*ast.Source
	names, _ := schemaFiles()
	for _, n := range names {
		b, _ := schema.Files.ReadFile(n)
		sources = append(sources, &ast.Source{Name: n, Input: string(b)})
	}
	s, err := appsync.LoadSchema(append(sources, appsync.ShopgraphDirectivesSource())...)
	if err != nil {
		t.Fatal(err)
	}
	p := a.Catalog.Products[0]
	args := map[string]string{
		"Query.product":      fmt.Sprintf("(id: %q)", p.PublicID()),
		"Query.productBySku": fmt.Sprintf("(sku: %q)", p.ProductID),
		"Query.products":     fmt.Sprintf("(category: %q, limit: 1)", p.Category),
		"Query.order":        `(id: "ord_none")`,
		"Query.myOrders":     "(limit: 1)",
		"Query.search":       fmt.Sprintf("(query: %q, limit: 1)", p.Name),
		"Query.suggest":      fmt.Sprintf("(prefix: %q)", p.Name[:3]),
	}
	type node struct {
		typ    string
		open   string
		depth  int
		path   []string
		scopes map[string]bool
	}
	var out []fieldQuery
	seen := map[string]bool{}
	queue := []node{{typ: "Query", scopes: map[string]bool{}}}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if seen[n.typ] {
			continue
		}
		seen[n.typ] = true
		def := s.Types[n.typ]
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			scopes := map[string]bool{}
			for k := range n.scopes {
				scopes[k] = true
			}
			if userOnlyFields[n.typ+"."+f.Name] || userOnlyFields[n.typ+".*"] {
				scopes["signed-in user"] = true // no key has this "scope"
			}
			if adminFields[n.typ+"."+f.Name] || adminFields[n.typ+".*"] {
				scopes[needGroupAdmin] = true
			}
			switch {
			case needsInventory(n.typ, f.Name):
				scopes["inventory:read"] = true
			case searchFields[n.typ+"."+f.Name] || searchFields[n.typ+".*"]:
				scopes["search:read"] = true
			case n.scopes["search:read"] && searchGrants[n.typ]:
				// granted by the search path's scope
			default:
				scopes["catalog:read"] = true
			}
			sel := f.Name + args[n.typ+"."+f.Name]
			inner := sel
			ft := s.Types[f.Type.Name()]
			if ft.Kind == ast.Object {
				inner += " { __typename }"
				queue = append(queue, node{typ: ft.Name, open: n.open + sel + " { ", depth: n.depth + 1,
					path: append(append([]string{}, n.path...), f.Name), scopes: scopes})
			}
			q := "{ " + n.open + inner + strings.Repeat(" }", n.depth) + " }"
			out = append(out, fieldQuery{typ: n.typ, field: f.Name, query: q,
				path: append(append([]string{}, n.path...), f.Name), scopes: scopes})
		}
	}
	if len(out) < 25 {
		t.Fatalf("only %d fields reached; the walk is broken", len(out))
	}
	return out
}

func schemaFiles() ([]string, error) {
	entries, err := schema.Files.ReadDir(".")
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".graphql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, err
}

// credential is one caller of the matrix.
type credential struct {
	name    string
	headers map[string]string
	// status 401 means rejected before execution.
	status int
	// allowed reports whether the caller may read a field path needing
	// these scopes (only for status 200 callers).
	allowed func(scopes map[string]bool) bool
}

func TestAuthorizationMatrix(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 40})
	now := time.Now()
	key := func(scopes []string, expires, revoked *time.Time) string {
		// A rate limit above the matrix's request count per caller.
		k, full, err := auth.IssueAPIKey("acme", scopes, 1000, nil, now.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		k.ExpiresAt, k.RevokedAt = expires, revoked
		a.PutKey(t, k)
		return full
	}
	past := now.Add(-time.Minute)
	// A user may read everything but the admin API, unless an admin.
	user := func(map[string]bool) bool { return true }
	customer := func(need map[string]bool) bool { return !need[needGroupAdmin] }
	hasAll := func(have ...string) func(map[string]bool) bool {
		return func(need map[string]bool) bool {
			for s := range need {
				if !strings.Contains(strings.Join(have, " "), s) {
					return false
				}
			}
			return true
		}
	}
	other, err := userpool.OpenIssuer(userpool.IssuerOptions{Dir: t.TempDir(), Issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"})
	if err != nil {
		t.Fatal(err)
	}
	alice := userpool.DevUsers()[0]
	otherTok, _ := other.Mint(alice, shopgraph.TokenUseID, time.Hour)
	good := a.Token(t, "alice", shopgraph.TokenUseID)
	parts := strings.Split(good, ".")
	sig := []byte(parts[2])
	sig[5] ^= 1
	tampered := parts[0] + "." + parts[1] + "." + string(sig)
	noneTok := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	// The server's own issuer and key, with a clock three hours back.
	earlier, err := userpool.OpenIssuer(userpool.IssuerOptions{Dir: a.IssuerDir, Now: func() time.Time { return now.Add(-3 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	expiredTok, err := earlier.Mint(alice, shopgraph.TokenUseID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	creds := []credential{
		{"anonymous", nil, http.StatusUnauthorized, nil},
		{"API key without the scope", map[string]string{"x-api-key": key([]string{"search:read"}, nil, nil)}, 200, hasAll("search:read")},
		{"API key with catalog:read", map[string]string{"x-api-key": key([]string{"catalog:read"}, nil, nil)}, 200, hasAll("catalog:read")},
		{"API key with both scopes", map[string]string{"x-api-key": key([]string{"catalog:read", "inventory:read"}, nil, nil)}, 200, hasAll("catalog:read", "inventory:read")},
		{"API key with every read scope", map[string]string{"x-api-key": key([]string{"catalog:read", "inventory:read", "search:read"}, nil, nil)}, 200, hasAll("catalog:read", "inventory:read", "search:read")},
		{"expired key", map[string]string{"x-api-key": key(shopgraph.Scopes(), &past, nil)}, http.StatusUnauthorized, nil},
		{"revoked key", map[string]string{"x-api-key": key(shopgraph.Scopes(), nil, &past)}, http.StatusUnauthorized, nil},
		{"unknown key", map[string]string{"x-api-key": "sgk_ffffffffffffffff.c2VjcmV0"}, http.StatusUnauthorized, nil},
		{"customer (ID token)", map[string]string{"Authorization": good}, 200, customer},
		{"customer (access token, Bearer)", map[string]string{"Authorization": "Bearer " + a.Token(t, "alice", shopgraph.TokenUseAccess)}, 200, customer},
		{"other customer", map[string]string{"Authorization": a.Token(t, "bob", shopgraph.TokenUseID)}, 200, customer},
		{"warehouse staff", map[string]string{"Authorization": a.Token(t, "wanda", shopgraph.TokenUseID)}, 200, customer},
		{"admin", map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseID)}, 200, user},
		{"admin (access token)", map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseAccess)}, 200, user},
		{"expired token", map[string]string{"Authorization": expiredTok}, http.StatusUnauthorized, nil},
		{"token from another issuer", map[string]string{"Authorization": otherTok}, http.StatusUnauthorized, nil},
		{"tampered signature", map[string]string{"Authorization": tampered}, http.StatusUnauthorized, nil},
		{"alg none", map[string]string{"Authorization": noneTok}, http.StatusUnauthorized, nil},
		{"garbage", map[string]string{"Authorization": "not a token"}, http.StatusUnauthorized, nil},
	}
	fields := fieldQueries(t, a)
	for _, want := range []string{"Query.me", "Query.cart", "Cart.lines", "Cart.subtotal", "Cart.itemCount", "Cart.updatedAt",
		"CartLine.product", "CartLine.quantity", "CartLine.lineTotal", "Query.order", "Query.myOrders", "Order.status",
		"OrderLine.product", "OrderPage.items", "OrderStatusChange.status", "Address.country",
		"Query.search", "SearchPage.items", "FacetCount.count", "PriceRangeCount.min", "Query.suggest"} {
		if !slices.ContainsFunc(fields, func(f fieldQuery) bool { return f.typ+"."+f.field == want }) {
			t.Errorf("the matrix does not reach %s", want)
		}
	}
	for _, c := range creds {
		t.Run(c.name, func(t *testing.T) {
			for _, f := range fields {
				r := a.DoWith(t, c.headers, f.query, nil)
				if c.status == http.StatusUnauthorized {
					if r.Status != 401 || r.Header.Get("x-amzn-ErrorType") != "UnauthorizedException" ||
						len(r.Errors) != 1 || r.Errors[0].ErrorType != "UnauthorizedException" || r.Data != nil {
						t.Errorf("%s.%s: want 401 UnauthorizedException, got %d %s", f.typ, f.field, r.Status, r.Raw)
					}
					continue
				}
				want := c.allowed(f.scopes)
				denied := false
				for _, e := range r.Errors {
					if e.ErrorType == string(shopgraph.CodeUnauthorized) && strings.HasPrefix(e.Message, "Not Authorized to access ") {
						denied = true
					} else {
						t.Errorf("%s.%s: unexpected error %+v", f.typ, f.field, e)
					}
				}
				if denied == want {
					t.Errorf("%s.%s: allowed=%v, want %v\n%s\n%s", f.typ, f.field, !denied, want, f.query, r.Raw)
				}
				if denied && leaks(r.Data, f.path) {
					t.Errorf("%s.%s: denied but data leaked: %s", f.typ, f.field, r.Raw)
				}
			}
		})
	}
}

// leaks reports whether data has a non-null value at path (lists: in any
// element).
func leaks(v any, path []string) bool {
	if len(path) == 0 {
		return v != nil
	}
	switch x := v.(type) {
	case map[string]any:
		return leaks(x[path[0]], path[1:])
	case []any:
		for _, e := range x {
			if leaks(e, path) {
				return true
			}
		}
	}
	return false
}

// TestAuth_rateLimit: a key over its limit gets HTTP 429 with Retry-After
// and errorType LimitExceeded, so Amplify retries.
func TestAuth_rateLimit(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 10})
	k, full, err := auth.IssueAPIKey("acme", shopgraph.Scopes(), 1, nil, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	a.PutKey(t, k)
	var limited apptest.Response
	for range 10 {
		if r := a.DoWith(t, map[string]string{"x-api-key": full}, `{ categories { name } }`, nil); r.Status != 200 {
			limited = r
			break
		}
	}
	if limited.Status != http.StatusTooManyRequests || limited.Header.Get("Retry-After") == "" ||
		len(limited.Errors) != 1 || limited.Errors[0].ErrorType != "LimitExceeded" {
		t.Fatalf("want 429 LimitExceeded with Retry-After within 10 requests at 1 req/s, got %d %s", limited.Status, limited.Raw)
	}
}

// TestAuthorizationMatrix_accountMutations: the account mutations need an
// API key with account:write (or a signed-in user); a key with only the
// read scopes is refused field by field.
func TestAuthorizationMatrix_accountMutations(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	key := func(scopes ...string) map[string]string { return apiKeyHeaders(t, a, scopes...) }
	mutations := map[string]string{
		"signUp":                `mutation { signUp(username: "mallory", password: "Mallory-pass-1", email: "m@example.com") { userSub } }`,
		"confirmSignUp":         `mutation { confirmSignUp(username: "mallory", code: "123456") }`,
		"signIn":                `mutation { signIn(username: "alice", password: "Wrong-pass-1") { idToken } }`,
		"refreshSession":        `mutation { refreshSession(refreshToken: "nope") { idToken } }`,
		"signOut":               `mutation { signOut(refreshToken: "nope") }`,
		"forgotPassword":        `mutation { forgotPassword(username: "alice") }`,
		"confirmForgotPassword": `mutation { confirmForgotPassword(username: "alice", code: "123456", newPassword: "Alice-pass-2") }`,
	}
	for _, c := range []struct {
		name    string
		headers map[string]string
		allowed bool
	}{
		{"API key with account:write", key(shopgraph.ScopeAccountWrite), true},
		{"dev partner key (every scope)", map[string]string{"x-api-key": auth.DevAPIKey}, true},
		{"API key with the read scopes only", key(shopgraph.ScopeCatalogRead, shopgraph.ScopeInventoryRead, shopgraph.ScopeSearchRead), false},
		{"customer", map[string]string{"Authorization": a.Token(t, "bob", shopgraph.TokenUseAccess)}, true},
	} {
		for name, q := range mutations {
			r := a.DoWith(t, c.headers, q, nil)
			if r.Status != 200 {
				t.Errorf("%s, %s: status %d %s", c.name, name, r.Status, r.Raw)
				continue
			}
			denied := len(r.Errors) == 1 && r.Errors[0].ErrorType == "Unauthorized" &&
				r.Errors[0].Message == "Not Authorized to access "+name+" on type Mutation"
			if denied == c.allowed {
				t.Errorf("%s, %s: allowed %v, got %s", c.name, name, c.allowed, r.Raw)
			}
		}
	}
}

// TestAuthorizationMatrix_cartMutations: the cart mutations are for
// signed-in users (customers, staff, admins alike: each has their own
// cart); every API key is refused field by field, whatever its scopes, and
// a request without a credential is refused before execution.
func TestAuthorizationMatrix_cartMutations(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	id := a.Catalog.Products[0].PublicID()
	key := func(scopes ...string) map[string]string { return apiKeyHeaders(t, a, scopes...) }
	// In this order, each valid for a signed-in user.
	mutations := []struct{ name, query string }{
		{"addToCart", fmt.Sprintf(`mutation { addToCart(productId: %q, quantity: 2) { itemCount } }`, id)},
		{"updateCartItem", fmt.Sprintf(`mutation { updateCartItem(productId: %q, quantity: 3) { itemCount } }`, id)},
		{"removeFromCart", fmt.Sprintf(`mutation { removeFromCart(productId: %q) { itemCount } }`, id)},
		{"clearCart", `mutation { clearCart { itemCount } }`},
	}
	for _, c := range []struct {
		name    string
		headers map[string]string
		status  int
		allowed bool
	}{
		{"anonymous", nil, http.StatusUnauthorized, false},
		{"dev partner key (every scope)", map[string]string{"x-api-key": auth.DevAPIKey}, 200, false},
		{"API key with catalog:read and inventory:read", key(shopgraph.ScopeCatalogRead, shopgraph.ScopeInventoryRead), 200, false},
		{"API key with account:write", key(shopgraph.ScopeAccountWrite), 200, false},
		{"customer (ID token)", map[string]string{"Authorization": a.Token(t, "alice", shopgraph.TokenUseID)}, 200, true},
		{"customer (access token)", map[string]string{"Authorization": a.Token(t, "bob", shopgraph.TokenUseAccess)}, 200, true},
		{"warehouse staff", map[string]string{"Authorization": a.Token(t, "wanda", shopgraph.TokenUseID)}, 200, true},
		{"admin", map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseAccess)}, 200, true},
	} {
		for _, m := range mutations {
			r := a.DoWith(t, c.headers, m.query, nil)
			switch {
			case c.status == http.StatusUnauthorized:
				if r.Status != 401 || len(r.Errors) != 1 || r.Errors[0].ErrorType != "UnauthorizedException" {
					t.Errorf("%s, %s: want 401 UnauthorizedException, got %d %s", c.name, m.name, r.Status, r.Raw)
				}
			case c.allowed:
				if r.Status != 200 || len(r.Errors) > 0 || r.Data[m.name] == nil {
					t.Errorf("%s, %s: want it to run, got %d %s", c.name, m.name, r.Status, r.Raw)
				}
			default:
				if r.Status != 200 || r.Data != nil || len(r.Errors) != 1 || r.Errors[0].ErrorType != "Unauthorized" ||
					r.Errors[0].Message != "Not Authorized to access "+m.name+" on type Mutation" {
					t.Errorf("%s, %s: want Unauthorized, got %d %s", c.name, m.name, r.Status, r.Raw)
				}
			}
		}
	}
}

// TestAuthorizationMatrix_orderMutations: placing, cancelling and
// returning orders is for signed-in users; confirming shipment, delivery
// and a return's receipt for the warehouse and admin groups. No API key,
// whatever its scopes, reaches any of them. A caller let through gets the
// mutation's own answer (here BadRequest or NotFound: the requests change
// nothing), never Unauthorized.
func TestAuthorizationMatrix_orderMutations(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	key := func(scopes ...string) map[string]string { return apiKeyHeaders(t, a, scopes...) }
	const customerOnly, staffOnly = "customer", "staff"
	mutations := []struct{ name, query, who string }{
		{"placeOrder", `mutation { placeOrder(input: {idempotencyKey: "k", paymentToken: "tok_visa", lines: [],
			shippingAddress: {name: "A", line1: "B", city: "C", postalCode: "D", country: "US"}}) { id } }`, customerOnly},
		{"cancelOrder", `mutation { cancelOrder(orderId: "ord_none") { id } }`, customerOnly},
		{"returnOrder", `mutation { returnOrder(orderId: "ord_none") { id } }`, customerOnly},
		{"markOrderShipped", `mutation { markOrderShipped(orderId: "ord_none") { id } }`, staffOnly},
		{"markOrderDelivered", `mutation { markOrderDelivered(orderId: "ord_none") { id } }`, staffOnly},
		{"markReturnReceived", `mutation { markReturnReceived(orderId: "ord_none") { id } }`, staffOnly},
	}
	for _, c := range []struct {
		name    string
		headers map[string]string
		allowed map[string]bool // by the mutations' who
	}{
		{"anonymous", nil, nil},
		{"dev partner key (every scope)", map[string]string{"x-api-key": auth.DevAPIKey}, nil},
		{"API key with catalog:read and inventory:read", key(shopgraph.ScopeCatalogRead, shopgraph.ScopeInventoryRead), nil},
		{"customer (ID token)", map[string]string{"Authorization": a.Token(t, "alice", shopgraph.TokenUseID)}, map[string]bool{customerOnly: true}},
		{"customer (access token)", map[string]string{"Authorization": a.Token(t, "bob", shopgraph.TokenUseAccess)}, map[string]bool{customerOnly: true}},
		{"warehouse staff", map[string]string{"Authorization": a.Token(t, "wanda", shopgraph.TokenUseID)}, map[string]bool{customerOnly: true, staffOnly: true}},
		{"admin", map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseAccess)}, map[string]bool{customerOnly: true, staffOnly: true}},
	} {
		for _, m := range mutations {
			r := a.DoWith(t, c.headers, m.query, nil)
			switch {
			case c.headers == nil:
				if r.Status != 401 || len(r.Errors) != 1 || r.Errors[0].ErrorType != "UnauthorizedException" {
					t.Errorf("%s, %s: want 401 UnauthorizedException, got %d %s", c.name, m.name, r.Status, r.Raw)
				}
			case c.allowed[m.who]:
				if r.Status != 200 || len(r.Errors) != 1 || (r.Errors[0].ErrorType != "BadRequest" && r.Errors[0].ErrorType != "NotFound") {
					t.Errorf("%s, %s: want it let through (to a BadRequest or NotFound), got %d %s", c.name, m.name, r.Status, r.Raw)
				}
			default:
				if r.Status != 200 || r.Data != nil || len(r.Errors) != 1 || r.Errors[0].ErrorType != "Unauthorized" ||
					r.Errors[0].Message != "Not Authorized to access "+m.name+" on type Mutation" {
					t.Errorf("%s, %s: want Unauthorized, got %d %s", c.name, m.name, r.Status, r.Raw)
				}
			}
		}
	}
}

// apiKeyHeaders stores a new API key with scopes and returns the headers
// that send it.
func apiKeyHeaders(t *testing.T, a *apptest.App, scopes ...string) map[string]string {
	t.Helper()
	k, full, err := auth.IssueAPIKey("app", scopes, 1000, nil, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	a.PutKey(t, k)
	return map[string]string{"x-api-key": full}
}
