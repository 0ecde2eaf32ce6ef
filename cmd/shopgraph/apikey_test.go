package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// apikey runs `shopgraph apikey args…` and returns its standard output.
func apikey(t *testing.T, e func(string) string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"apikey"}, args...), e, &out, &errOut)
	return out.String(), err
}

// statusWithKey is the HTTP status of a catalog query sent with an API key.
func statusWithKey(t *testing.T, base, key string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", strings.NewReader(`{"query":"{ categories { name } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-api-key", key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestAPIKey_embedded: `shopgraph apikey`, run with the same settings as a
// running embedded server, manages that server's keys: a created key works
// at once, is listed without its secret, and a revoked one is refused. Once
// the server stops, apikey says so.
func TestAPIKey_embedded(t *testing.T) {
	state := t.TempDir()
	e := env("SHOPGRAPH_SEED_PRODUCTS", "50", "SHOPGRAPH_STATE_DIR", state)
	base, stop, _ := startServe(t, e)

	var rec struct {
		ID, Key, Partner, Status string
		Scopes                   []string
		RateLimit                *int
		ExpiresAt                *time.Time
	}
	out, err := apikey(t, e, "create", "--partner", "acme", "--scopes", "catalog:read, inventory:read", "--ttl", "720h", "--rate-limit", "50", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatalf("create --json printed %q: %v", out, err)
	}
	if rec.Partner != "acme" || len(rec.Scopes) != 2 || rec.RateLimit == nil || *rec.RateLimit != 50 || rec.Status != "ACTIVE" ||
		rec.ExpiresAt == nil || rec.ExpiresAt.Sub(time.Now().Add(720*time.Hour)).Abs() > time.Minute || !strings.HasPrefix(rec.Key, rec.ID+".") {
		t.Errorf("create --json = %s", out)
	}
	if got := statusWithKey(t, base, rec.Key); got != 200 {
		t.Errorf("the new key: status %d, want 200", got)
	}
	data := query(t, base, `{ warehouses { code } }`, "x-api-key", rec.Key)
	if len(data["warehouses"].([]any)) != 4 {
		t.Errorf("warehouses with an inventory:read key = %v", data)
	}

	// Human-readable create: the key is on its own labelled line.
	out, err = apikey(t, e, "create", "--partner", "globex", "--scopes", "catalog:read")
	if err != nil {
		t.Fatal(err)
	}
	var second string
	for _, line := range strings.Split(out, "\n") {
		if k, ok := strings.CutPrefix(line, "key:"); ok {
			second = strings.TrimSpace(k)
		}
	}
	secondID, _, _ := strings.Cut(second, ".")
	if second == "" || !strings.Contains(out, "rate limit:  default (20/s)") || !strings.Contains(out, "expires:     never") {
		t.Fatalf("create printed:\n%s", out)
	}

	out, err = apikey(t, e, "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ID", "STATUS", rec.ID, secondID, "acme", "globex", "catalog:read,inventory:read", "50/s", "ACTIVE"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	_, secret, _ := strings.Cut(rec.Key, ".")
	if strings.Contains(out, secret) {
		t.Errorf("list shows a secret:\n%s", out)
	}

	// Revoke the key no request has used yet: the server has not cached it,
	// so the revocation shows at once (a cached key within 5 s: see
	// server.TestAdminAPI_revocationWithin5s).
	out, err = apikey(t, e, "revoke", secondID)
	if err != nil || !strings.HasPrefix(out, "revoked "+secondID+" (partner globex) at ") {
		t.Fatalf("revoke: %q %v", out, err)
	}
	if got := statusWithKey(t, base, second); got != http.StatusUnauthorized {
		t.Errorf("a revoked key: status %d, want 401", got)
	}
	var listed []struct{ ID, Status string }
	out, err = apikey(t, e, "list", "--json")
	if err != nil || json.Unmarshal([]byte(out), &listed) != nil {
		t.Fatalf("list --json: %q %v", out, err)
	}
	statuses := map[string]string{}
	for _, k := range listed {
		statuses[k.ID] = k.Status
	}
	if len(listed) != 3 || statuses[rec.ID] != "ACTIVE" || statuses[secondID] != "REVOKED" {
		t.Errorf("list --json = %s; want the dev key, %s ACTIVE and %s REVOKED", out, rec.ID, secondID)
	}
	if _, err := apikey(t, e, "revoke", "sgk_0123456789abcdef"); err == nil || !strings.Contains(err.Error(), `no API key "sgk_0123456789abcdef"`) {
		t.Errorf("revoking an unknown key: %v", err)
	}

	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(state, serverStateFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("server.json left behind after shutdown: %v", err)
	}
	if _, err := apikey(t, e, "list"); err == nil || !strings.Contains(err.Error(), "no running embedded server") {
		t.Errorf("apikey with no server running: %v, want advice to start one", err)
	}
}

// TestAPIKey_staleServerRecord: a server.json left by a server that died
// (killed, so it could not remove it) gets a clear error, not a hang.
func TestAPIKey_staleServerRecord(t *testing.T) {
	state := t.TempDir()
	if _, err := writeServerState(state, serverState{PID: 4242, GraphQL: "http://127.0.0.1:1/graphql",
		DynamoDBEndpoint: "http://127.0.0.1:1", Region: "us-east-1", StartedAt: time.Now(),
		DynamoDBAccessKeyID: "LOCALTEST", DynamoDBSecretAccessKey: "secret"}); err != nil {
		t.Fatal(err)
	}
	_, err := apikey(t, env("SHOPGRAPH_STATE_DIR", state), "list")
	if err == nil || !strings.Contains(err.Error(), "pid 4242") || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("err = %v, want one saying the recorded server (pid 4242) does not answer", err)
	}
	if err := os.WriteFile(filepath.Join(state, serverStateFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := apikey(t, env("SHOPGRAPH_STATE_DIR", state), "list"); err == nil || !strings.Contains(err.Error(), "is not a shopgraph server record") {
		t.Errorf("corrupt server.json: %v", err)
	}
}

// TestAPIKey_usageErrors: bad flags and arguments are usage errors (exit
// status 2) that say what is wrong, before any DynamoDB is contacted.
func TestAPIKey_usageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "usage: go run ./cmd/shopgraph apikey create|list|revoke"},
		{[]string{"rotate"}, `unknown apikey command "rotate"`},
		{[]string{"create", "--scopes", "catalog:read"}, "--partner is required"},
		{[]string{"create", "--partner", "acme"}, "--scopes is required"},
		{[]string{"create", "--partner", "acme", "--scopes", "catalog:read", "--expires", "tomorrow"}, "--expires must be a date-time with a zone"},
		{[]string{"create", "--partner", "acme", "--scopes", "catalog:read", "--expires", "2030-01-01T00:00:00Z", "--ttl", "1h"}, "not both"},
		{[]string{"create", "--partner", "acme", "--scopes", "catalog:read", "--ttl", "-1h"}, "--ttl must be positive"},
		{[]string{"create", "--partner", "acme", "--scopes", "catalog:read", "--rate-limit", "0"}, "--rate-limit must be at least 1"},
		{[]string{"revoke"}, "missing KEY_ID"},
		{[]string{"revoke", "a", "b"}, `unexpected argument "b"`},
		{[]string{"list", "extra"}, `unexpected argument "extra"`},
	} {
		_, err := apikey(t, env(), c.args...)
		if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("apikey %q: %v, want a usage error containing %q", c.args, err, c.want)
		}
	}
	out, err := apikey(t, env(), "--help")
	if err != nil || !strings.Contains(out, "shopgraph apikey create --partner NAME") {
		t.Errorf("apikey --help: %q %v", out, err)
	}
}

// TestSafeText: names with control characters (stored before they were
// refused) cannot forge rows or columns of `apikey list`.
func TestSafeText(t *testing.T) {
	for in, want := range map[string]string{
		"acme":                    "acme",
		"Ünïcode Partner":         "Ünïcode Partner",
		"acme\nsgk_x fake ACTIVE": `"acme\nsgk_x fake ACTIVE"`,
		"a\tb":                    `"a\tb"`,
		"a\x1b[2J":                `"a\x1b[2J"`,
		"bad\xffutf8":             `"bad\xffutf8"`,
	} {
		if got := safeText(in); got != want {
			t.Errorf("safeText(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestAPIKey_exposedServerRecord: a server.json that other users can read
// (its DynamoDB credentials exposed) is refused, with the fix.
func TestAPIKey_exposedServerRecord(t *testing.T) {
	state := t.TempDir()
	if _, err := writeServerState(state, serverState{PID: 4242, GraphQL: "http://127.0.0.1:1/graphql",
		DynamoDBEndpoint: "http://127.0.0.1:1", Region: "us-east-1", StartedAt: time.Now(),
		DynamoDBAccessKeyID: "LOCALTEST", DynamoDBSecretAccessKey: "secret"}); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(state, serverStateFile), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := apikey(t, env("SHOPGRAPH_STATE_DIR", state), "list")
	if err == nil || !strings.Contains(err.Error(), "accessible to other users") {
		t.Errorf("err = %v, want a refusal of the exposed record", err)
	}
}
