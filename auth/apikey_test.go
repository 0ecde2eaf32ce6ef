package auth_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	shopgraph "github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
)

func TestNewAPIKey(t *testing.T) {
	idRE := regexp.MustCompile(`^sgk_[0-9a-f]{16}$`)
	secretRE := regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	seen := map[string]bool{}
	for range 100 {
		id, secret, full := auth.NewAPIKey()
		if !idRE.MatchString(id) || !secretRE.MatchString(secret) || full != id+"."+secret {
			t.Fatalf("NewAPIKey = %q %q %q", id, secret, full)
		}
		if seen[id] || seen[secret] {
			t.Fatal("repeated id or secret")
		}
		seen[id], seen[secret] = true, true
		pid, psecret, err := auth.ParseAPIKey(full)
		if err != nil || pid != id || psecret != secret {
			t.Fatalf("ParseAPIKey(%q) = %q %q %v", full, pid, psecret, err)
		}
	}
}

func TestParseAPIKey(t *testing.T) {
	id, secret, full := auth.NewAPIKey()
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"valid", full, true},
		{"surrounding space", " " + full + " ", true},
		{"dev key", auth.DevAPIKey, true},
		{"empty", "", false},
		{"no dot", id + secret, false},
		{"id only", id, false},
		{"secret only", secret, false},
		{"AppSync-style key", "da2-abcdefghijklmnopqrstuvwxyz", false},
		{"wrong prefix", "sk_" + id[4:] + "." + secret, false},
		{"upper-case hex", strings.ToUpper(id[:4]) + strings.ToUpper(id[4:]) + "." + secret, false},
		{"short id", id[:len(id)-1] + "." + secret, false},
		{"non-hex id", id[:len(id)-1] + "g." + secret, false},
		{"short secret", id + "." + secret[:42], false},
		{"padded secret", id + "." + secret + "=", false},
		{"standard base64 secret", id + "." + strings.NewReplacer("-", "+", "_", "/").Replace(secret) + "+", false},
		{"extra dot", full + ".x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotID, gotSecret, err := auth.ParseAPIKey(tt.in)
			if tt.ok {
				if err != nil || gotID == "" || gotSecret == "" {
					t.Fatalf("ParseAPIKey = %q %q %v", gotID, gotSecret, err)
				}
				return
			}
			wantCode(t, err, shopgraph.CodeUnauthenticated, auth.MsgInvalidAPIKey)
		})
	}
}

func TestSecretMatches(t *testing.T) {
	_, secret, _ := auth.NewAPIKey()
	_, other, _ := auth.NewAPIKey()
	h := auth.HashSecret(secret)
	if len(h) != 32 || string(h) == secret {
		t.Fatalf("hash = %x", h)
	}
	tests := []struct {
		secret string
		hash   []byte
		want   bool
	}{
		{secret, h, true},
		{other, h, false},
		{secret[:42], h, false},
		{"", h, false},
		{secret, nil, false},
		{secret, h[:31], false},
	}
	for i, tt := range tests {
		if got := auth.SecretMatches(tt.secret, tt.hash); got != tt.want {
			t.Errorf("case %d: SecretMatches = %v, want %v", i, got, tt.want)
		}
	}
}

func TestAPIKey_Usable(t *testing.T) {
	now := testNow
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	tests := []struct {
		name string
		key  auth.APIKey
		msg  string // "" = usable
	}{
		{"plain", auth.APIKey{}, ""},
		{"expires later", auth.APIKey{ExpiresAt: at(time.Second)}, ""},
		{"expired now", auth.APIKey{ExpiresAt: at(0)}, auth.MsgAPIKeyExpired},
		{"expired", auth.APIKey{ExpiresAt: at(-time.Hour)}, auth.MsgAPIKeyExpired},
		{"revoked", auth.APIKey{RevokedAt: at(-time.Second)}, auth.MsgInvalidAPIKey},
		{"revocation scheduled", auth.APIKey{RevokedAt: at(time.Minute)}, ""},
		{"revoked and expired", auth.APIKey{RevokedAt: at(-time.Second), ExpiresAt: at(-time.Hour)}, auth.MsgInvalidAPIKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.key.Usable(now)
			if tt.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, shopgraph.CodeUnauthenticated, tt.msg)
		})
	}
}

func TestIssueAPIKey_Check(t *testing.T) {
	exp := testNow.Add(24 * time.Hour)
	k, full, err := auth.IssueAPIKey("acme", []string{shopgraph.ScopeSearchRead, shopgraph.ScopeCatalogRead}, 5, &exp, testNow)
	if err != nil {
		t.Fatal(err)
	}
	exp = exp.Add(time.Hour) // the key keeps its own copy
	if k.Partner != "acme" || k.RateLimit != 5 || !k.CreatedAt.Equal(testNow) || !k.ExpiresAt.Equal(testNow.Add(24*time.Hour)) || k.RevokedAt != nil {
		t.Errorf("key = %+v", k)
	}
	id, secret, err := auth.ParseAPIKey(full)
	if err != nil || id != k.ID {
		t.Fatalf("full key %q: id %q, %v", full, id, err)
	}
	if strings.Contains(string(k.SecretHash), secret) || !auth.SecretMatches(secret, k.SecretHash) {
		t.Error("the stored hash does not match the secret")
	}

	ident, err := k.Check(secret, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if ident.Mode != shopgraph.AuthModeAPIKey || ident.KeyID != k.ID || ident.Partner != "acme" ||
		!ident.HasScope(shopgraph.ScopeCatalogRead) || ident.HasScope(shopgraph.ScopeInventoryRead) || ident.Sub != "" {
		t.Errorf("identity = %+v", ident)
	}
	_, wrong, _ := auth.NewAPIKey()
	_, err = k.Check(wrong, testNow)
	wantCode(t, err, shopgraph.CodeUnauthenticated, auth.MsgInvalidAPIKey)
	_, err = k.Check(secret, testNow.Add(25*time.Hour))
	wantCode(t, err, shopgraph.CodeUnauthenticated, auth.MsgAPIKeyExpired)

	past := testNow.Add(-time.Second)
	for _, tt := range []struct {
		name    string
		partner string
		scopes  []string
		rate    int
		exp     *time.Time
	}{
		{"no partner", " ", []string{shopgraph.ScopeCatalogRead}, 0, nil},
		{"no scopes", "acme", nil, 0, nil},
		{"unknown scope", "acme", []string{"orders:write"}, 0, nil},
		{"negative rate", "acme", []string{shopgraph.ScopeCatalogRead}, -1, nil},
		{"expiry in the past", "acme", []string{shopgraph.ScopeCatalogRead}, 0, &past},
		{"newline in partner", "acme\nsgk_0123456789abcdef fake ACTIVE", []string{shopgraph.ScopeCatalogRead}, 0, nil},
		{"tab in partner", "acme\tx", []string{shopgraph.ScopeCatalogRead}, 0, nil},
		{"escape in partner", "acme\x1b[2J", []string{shopgraph.ScopeCatalogRead}, 0, nil},
		{"invalid UTF-8 in partner", "acme\xff", []string{shopgraph.ScopeCatalogRead}, 0, nil},
	} {
		_, _, err := auth.IssueAPIKey(tt.partner, tt.scopes, tt.rate, tt.exp, testNow)
		if err == nil {
			t.Errorf("%s: IssueAPIKey succeeded", tt.name)
			continue
		}
		wantCode(t, err, shopgraph.CodeBadRequest, "")
	}
}

func TestValidateScopes(t *testing.T) {
	tests := []struct {
		scopes []string
		want   string // "" = valid; else a substring of the message
	}{
		{[]string{shopgraph.ScopeCatalogRead}, ""},
		{shopgraph.Scopes(), ""},
		{nil, "at least one scope"},
		{[]string{}, "at least one scope"},
		{[]string{shopgraph.ScopeCatalogRead, "orders:write"}, `unknown scope "orders:write"`},
		{[]string{"Catalog:Read"}, `unknown scope "Catalog:Read"`},
		{[]string{""}, `unknown scope ""`},
		{[]string{shopgraph.ScopeSearchRead, shopgraph.ScopeSearchRead}, `"search:read" is listed twice`},
	}
	for _, tt := range tests {
		err := auth.ValidateScopes(tt.scopes)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%v: %v", tt.scopes, err)
			}
			continue
		}
		wantCode(t, err, shopgraph.CodeBadRequest, "")
		if !strings.Contains(shopgraph.ErrorMessage(err), tt.want) {
			t.Errorf("%v: %q lacks %q", tt.scopes, shopgraph.ErrorMessage(err), tt.want)
		}
	}
}

func TestAllScopes(t *testing.T) {
	all := shopgraph.Scopes()
	if !slices.Equal(all, []string{"catalog:read", "inventory:read", "search:read", "account:write"}) {
		t.Errorf("AllScopes = %v", all)
	}
	all[0] = "changed"
	if shopgraph.Scopes()[0] != "catalog:read" {
		t.Error("AllScopes shares its slice")
	}
}

func TestDevPartnerKey(t *testing.T) {
	k := auth.DevPartnerKey(testNow)
	id, secret, err := auth.ParseAPIKey(auth.DevAPIKey)
	if err != nil {
		t.Fatal(err)
	}
	if id != k.ID {
		t.Errorf("id %s != %s", id, k.ID)
	}
	ident, err := k.Check(secret, testNow.Add(365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ident.Scopes, shopgraph.Scopes()) || ident.Partner != auth.DevAPIKeyPartner {
		t.Errorf("identity = %+v", ident)
	}
}
