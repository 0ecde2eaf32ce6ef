package server_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/server"
)

const (
	createKey = `mutation($p: String!, $s: [String!]!, $e: AWSDateTime, $r: Int) {
  createApiKey(partner: $p, scopes: $s, expiresAt: $e, rateLimit: $r) { id key partner scopes expiresAt rateLimit }
}`
	revokeKey = `mutation($id: ID!) { revokeApiKey(id: $id) { id status revokedAt } }`
	listKeys  = `{ apiKeys { id partner scopes rateLimit createdAt expiresAt revokedAt status } }`
)

// TestAdminAPI_keyLifecycle: an admin issues a key through GraphQL, the key
// works with exactly its scopes, is listed without its secret, and stops
// working once revoked.
func TestAdminAPI_keyLifecycle(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	admin := map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseID)}
	expires := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)

	r := a.DoWith(t, admin, createKey, map[string]any{"p": "acme", "s": []string{"catalog:read"}, "e": expires.Format(time.RFC3339), "r": 7})
	if r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("createApiKey: %d %s", r.Status, r.Raw)
	}
	nk := r.Data["createApiKey"].(map[string]any)
	id, full := nk["id"].(string), nk["key"].(string)
	keyID, secret, err := auth.ParseAPIKey(full)
	if err != nil || keyID != id {
		t.Fatalf("key %q does not parse to id %q: %v", full, id, err)
	}
	if nk["partner"] != "acme" || nk["rateLimit"] != float64(7) || nk["expiresAt"] != expires.Format(time.RFC3339) ||
		len(nk["scopes"].([]any)) != 1 || nk["scopes"].([]any)[0] != "catalog:read" {
		t.Errorf("createApiKey = %v", nk)
	}

	partner := map[string]string{"x-api-key": full}
	if r := a.DoWith(t, partner, `{ categories { name } }`, nil); r.Status != 200 || len(r.Errors) > 0 {
		t.Errorf("new key on a catalog:read field: %d %s", r.Status, r.Raw)
	}
	if r := a.DoWith(t, partner, `{ warehouses { code } }`, nil); len(r.Errors) != 1 || r.Errors[0].ErrorType != "Unauthorized" {
		t.Errorf("new key on an inventory:read field: want Unauthorized, got %s", r.Raw)
	}

	r = a.DoWith(t, admin, listKeys, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("apiKeys: %s", r.Raw)
	}
	if strings.Contains(string(r.Raw), secret) {
		t.Fatalf("apiKeys leaks the secret: %s", r.Raw)
	}
	listed := findKey(t, r.Data["apiKeys"].([]any), id)
	if listed["status"] != "ACTIVE" || listed["revokedAt"] != nil || listed["partner"] != "acme" || listed["rateLimit"] != float64(7) {
		t.Errorf("listed key = %v", listed)
	}
	// The dev partner key is listed too, with the default rate limit (null).
	if dev := findKey(t, r.Data["apiKeys"].([]any), auth.DevPartnerKey(time.Now()).ID); dev["rateLimit"] != nil || dev["expiresAt"] != nil {
		t.Errorf("dev key = %v", dev)
	}

	r = a.DoWith(t, admin, revokeKey, map[string]any{"id": id})
	rk := r.Data["revokeApiKey"].(map[string]any)
	if len(r.Errors) > 0 || rk["status"] != "REVOKED" || rk["revokedAt"] == nil {
		t.Fatalf("revokeApiKey: %s", r.Raw)
	}
	again := a.DoWith(t, admin, revokeKey, map[string]any{"id": id}).Data["revokeApiKey"].(map[string]any)
	if again["revokedAt"] != rk["revokedAt"] {
		t.Errorf("revoking twice moved revokedAt from %v to %v", rk["revokedAt"], again["revokedAt"])
	}
	listed = findKey(t, a.DoWith(t, admin, listKeys, nil).Data["apiKeys"].([]any), id)
	if listed["status"] != "REVOKED" || listed["revokedAt"] != rk["revokedAt"] {
		t.Errorf("listed after revoke = %v", listed)
	}
}

func findKey(t *testing.T, keys []any, id string) map[string]any {
	t.Helper()
	for _, k := range keys {
		if m := k.(map[string]any); m["id"] == id {
			return m
		}
	}
	t.Fatalf("key %s not listed in %v", id, keys)
	return nil
}

// TestAdminAPI_onlyAdmins: customers, warehouse staff and partner keys
// (even one with every scope) cannot call the admin API, and nothing
// happens when they try.
func TestAdminAPI_onlyAdmins(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	callers := map[string]map[string]string{
		"customer":        {"Authorization": a.Token(t, "alice", shopgraph.TokenUseID)},
		"warehouse staff": {"Authorization": a.Token(t, "wanda", shopgraph.TokenUseAccess)},
		"partner key":     {"x-api-key": auth.DevAPIKey},
	}
	devID := auth.DevPartnerKey(time.Now()).ID
	for name, h := range callers {
		for _, q := range []struct {
			typ, field string
			query      string
			vars       map[string]any
		}{
			{"Mutation", "createApiKey", createKey, map[string]any{"p": "mallory", "s": []string{"catalog:read"}}},
			{"Mutation", "revokeApiKey", revokeKey, map[string]any{"id": devID}},
			{"Query", "apiKeys", listKeys, nil},
		} {
			r := a.DoWith(t, h, q.query, q.vars)
			if r.Status != 200 || len(r.Errors) != 1 || r.Errors[0].ErrorType != "Unauthorized" ||
				r.Errors[0].Message != "Not Authorized to access "+q.field+" on type "+q.typ || r.Data != nil {
				t.Errorf("%s calling %s: want null data and Unauthorized, got %d %s", name, q.field, r.Status, r.Raw)
			}
		}
	}
	admin := map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseAccess)}
	keys := a.DoWith(t, admin, listKeys, nil).Data["apiKeys"].([]any)
	if len(keys) != 1 || findKey(t, keys, devID)["status"] != "ACTIVE" {
		t.Errorf("after denied calls, keys = %v; want only the active dev key", keys)
	}
}

// TestAdminAPI_badInput: every invalid argument gets its own specific error
// and creates or revokes nothing.
func TestAdminAPI_badInput(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	admin := map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseID)}
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	for _, c := range []struct {
		name      string
		query     string
		vars      map[string]any
		errorType string
		message   string
	}{
		{"empty partner", createKey, map[string]any{"p": " ", "s": []string{"catalog:read"}}, "BadRequest", "partner must not be empty"},
		{"long partner", createKey, map[string]any{"p": strings.Repeat("p", 129), "s": []string{"catalog:read"}}, "BadRequest", "partner must be at most 128 bytes"},
		{"partner forging a row", createKey, map[string]any{"p": "acme\nsgk_0123456789abcdef  fake-partner  ACTIVE", "s": []string{"catalog:read"}}, "BadRequest", "partner must be printable text"},
		{"partner with an escape sequence", createKey, map[string]any{"p": "acme\u001b[2J", "s": []string{"catalog:read"}}, "BadRequest", "partner must be printable text"},
		{"no scopes", createKey, map[string]any{"p": "acme", "s": []string{}}, "BadRequest", "at least one scope is required"},
		{"unknown scope", createKey, map[string]any{"p": "acme", "s": []string{"orders:write"}}, "BadRequest", `unknown scope "orders:write"`},
		{"scope twice", createKey, map[string]any{"p": "acme", "s": []string{"catalog:read", "catalog:read"}}, "BadRequest", `scope "catalog:read" is listed twice`},
		{"expiry in the past", createKey, map[string]any{"p": "acme", "s": []string{"catalog:read"}, "e": past}, "BadRequest", "expiresAt must be in the future"},
		{"expiry without a zone", createKey, map[string]any{"p": "acme", "s": []string{"catalog:read"}, "e": "2030-01-01T10:00:00"}, "BadRequest", `Invalid AWSDateTime value "2030-01-01T10:00:00": a zone`},
		{"rate limit 0", createKey, map[string]any{"p": "acme", "s": []string{"catalog:read"}, "r": 0}, "BadRequest", "rateLimit must be at least 1"},
		{"rate limit too high", createKey, map[string]any{"p": "acme", "s": []string{"catalog:read"}, "r": 10001}, "BadRequest", "rateLimit must be between 1 and 10000"},
		{"malformed id", revokeKey, map[string]any{"id": "acme' OR 1=1"}, "BadRequest", "invalid API key id"},
		{"huge id", revokeKey, map[string]any{"id": strings.Repeat("x", 5000)}, "BadRequest", "invalid API key id"},
		{"unknown id", revokeKey, map[string]any{"id": "sgk_0123456789abcdef"}, "NotFound", `no API key "sgk_0123456789abcdef"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := a.DoWith(t, admin, c.query, c.vars)
			if r.Status != 200 || len(r.Errors) != 1 || r.Errors[0].ErrorType != c.errorType ||
				!strings.HasPrefix(r.Errors[0].Message, c.message) || r.Data != nil {
				t.Errorf("want errorType %q %q…, got %d %s", c.errorType, c.message, r.Status, r.Raw)
			}
		})
	}
	if keys := a.DoWith(t, admin, listKeys, nil).Data["apiKeys"].([]any); len(keys) != 1 {
		t.Errorf("bad input created keys: %v", keys)
	}
}

// TestAdminAPI_revocationWithin5s: a key revoked on one instance stops
// working on every instance within auth.KeyCacheTTL (5 s), although both
// had it cached. Two handlers share one ApiKeys table and a test clock.
func TestAdminAPI_revocationWithin5s(t *testing.T) {
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	a := apptest.New(t, apptest.Options{Products: 5, Now: now})
	target := a.Target
	b := apptest.New(t, apptest.Options{Products: 5, Now: now, Target: &target, SkipSeed: true})

	admin := map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseID)}
	r := a.DoWith(t, admin, createKey, map[string]any{"p": "acme", "s": []string{"catalog:read"}})
	if len(r.Errors) > 0 {
		t.Fatalf("createApiKey: %s", r.Raw)
	}
	nk := r.Data["createApiKey"].(map[string]any)
	partner := map[string]string{"x-api-key": nk["key"].(string)}
	status := func(app *apptest.App) int {
		t.Helper()
		return app.DoWith(t, partner, `{ categories { name } }`, nil).Status
	}
	// Both instances look the key up, and cache it.
	if sa, sb := status(a), status(b); sa != 200 || sb != 200 {
		t.Fatalf("new key: instance A %d, instance B %d", sa, sb)
	}
	if r := a.DoWith(t, admin, revokeKey, map[string]any{"id": nk["id"]}); len(r.Errors) > 0 {
		t.Fatalf("revokeApiKey: %s", r.Raw)
	}
	denied := func(app *apptest.App, when string) {
		t.Helper()
		r := app.DoWith(t, partner, `{ categories { name } }`, nil)
		if r.Status != 401 || r.Header.Get("x-amzn-ErrorType") != "UnauthorizedException" {
			t.Errorf("%s: want 401 UnauthorizedException, got %d %s", when, r.Status, r.Raw)
		}
	}
	// The instance that revoked forgets the key at once.
	denied(a, "instance A, where the key was revoked, at once")
	// Another instance trusts its cached lookup for at most KeyCacheTTL.
	offset.Store(int64(auth.KeyCacheTTL))
	denied(b, "instance B, "+auth.KeyCacheTTL.String()+" after the revocation")
}

// TestSchemaWarningsLogged: the handler logs appsync.LintAuth's warnings at
// start. With API keys not among the API's modes, every @aws_api_key is
// flagged; with shopgraph's modes, nothing is.
func TestSchemaWarningsLogged(t *testing.T) {
	for _, c := range []struct {
		modes []shopgraph.AuthMode
		want  bool
	}{
		{[]shopgraph.AuthMode{}, true},
		{nil, false}, // default: API_KEY
	} {
		var logs bytes.Buffer
		apptest.New(t, apptest.Options{Products: 1, Server: server.Config{
			Logger: slog.New(slog.NewTextHandler(&logs, nil)), AdditionalAuthModes: c.modes}})
		got := strings.Contains(logs.String(), `msg="schema auth directive" warning="type Query: @aws_api_key admits API_KEY callers, but the API has no API_KEY mode`)
		if got != c.want || strings.Contains(logs.String(), "schema auth directive") != c.want {
			t.Errorf("additional modes %v: warnings logged = %v, want %v:\n%s", c.modes, got, c.want, logs.String())
		}
	}
}
