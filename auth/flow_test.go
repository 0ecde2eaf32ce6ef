package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	shopgraph "github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
)

// authenticate is how the server composes the package: pick the credential,
// verify it, rate-limit API keys. keys stands in for the ApiKeys store.
func authenticate(ctx context.Context, h http.Header, v *auth.Verifier, keys map[string]auth.APIKey, lim *auth.KeyLimiter, now time.Time) (*shopgraph.Identity, error) {
	cred, err := auth.CredentialFromHeaders(h)
	if err != nil {
		return nil, err
	}
	switch cred.Kind {
	case auth.CredentialAPIKey:
		k, ok := keys[cred.KeyID]
		if !ok {
			return nil, &shopgraph.Error{Code: shopgraph.CodeUnauthenticated, Message: auth.MsgInvalidAPIKey}
		}
		id, err := k.Check(cred.Secret, now)
		if err != nil {
			return nil, err
		}
		if ok, _ := lim.Allow(k.ID, k.RateLimit); !ok {
			return nil, shopgraph.Errorf(shopgraph.CodeLimitExceeded, "Rate limit exceeded")
		}
		return &id, nil
	case auth.CredentialJWT:
		id, err := v.Verify(ctx, cred.Token)
		if err != nil {
			return nil, err
		}
		return &id, nil
	}
	return nil, nil // anonymous
}

// TestFlow runs the embedded default's whole path: the dev issuer serves its
// JWKS from the server, the CLI mints in the same directory, the dev partner
// key and a revoked key are presented, each through the request headers.
func TestFlow(t *testing.T) {
	c := newClock()
	dir := t.TempDir()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	dev, err := auth.OpenDevIssuer(auth.DevIssuerOptions{Dir: dir, JWKSURL: srv.URL + "/.well-known/jwks.json", Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/.well-known/jwks.json", dev.JWKSHandler())
	v := mustVerifier(t, []auth.IssuerConfig{dev.IssuerConfig()}, auth.VerifierOptions{Now: c.Now})

	users := auth.NewUserDirectory(auth.UserDirectoryOptions{Now: c.Now, Iterations: 1000})
	if err := auth.SeedDevUsers(users, auth.DevPassword); err != nil {
		t.Fatal(err)
	}
	admin, err := users.Authenticate("admin", auth.DevPassword)
	if err != nil {
		t.Fatal(err)
	}
	toks, err := dev.MintTokens(admin, 0)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := auth.OpenDevIssuer(auth.DevIssuerOptions{Dir: dir, Now: c.Now}) // `shopgraph token --user alice`
	if err != nil {
		t.Fatal(err)
	}
	aliceTok, err := cli.Mint(auth.DevUsers()[0], auth.TokenUseID, 0)
	if err != nil {
		t.Fatal(err)
	}

	revoked, revokedKey, err := auth.IssueAPIKey("gone", []string{auth.ScopeCatalogRead}, 0, nil, testNow.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	when := testNow.Add(-time.Minute)
	revoked.RevokedAt = &when
	keys := map[string]auth.APIKey{auth.DevAPIKeyID: auth.DevPartnerKey(testNow), revoked.ID: revoked}
	lim := auth.NewKeyLimiter(auth.KeyLimiterOptions{Now: c.Now})

	tests := []struct {
		name    string
		headers map[string]string
		check   func(*shopgraph.Identity) bool
		code    shopgraph.ErrorCode
	}{
		{"anonymous", nil, func(id *shopgraph.Identity) bool { return id == nil }, ""},
		{"admin access token (Amplify)", map[string]string{"authorization": toks.AccessToken},
			func(id *shopgraph.Identity) bool {
				return id.InGroup(auth.GroupAdmin) && id.Username == "admin" && id.TokenUse == "access"
			}, ""},
		{"admin ID token", map[string]string{"authorization": toks.IDToken},
			func(id *shopgraph.Identity) bool { return id.Claims["email"] == "admin@example.com" }, ""},
		{"CLI-minted token", map[string]string{"authorization": "Bearer " + aliceTok},
			func(id *shopgraph.Identity) bool { return id.Sub == auth.DevSub("alice") && len(id.Groups) == 0 }, ""},
		{"dev partner key", map[string]string{"x-api-key": auth.DevAPIKey},
			func(id *shopgraph.Identity) bool {
				return id.Mode == shopgraph.AuthModeAPIKey && id.HasScope(auth.ScopeInventoryRead) && id.Sub == ""
			}, ""},
		{"revoked key", map[string]string{"x-api-key": revokedKey}, nil, shopgraph.CodeUnauthenticated},
		{"unknown key", map[string]string{"x-api-key": func() string { _, _, k := auth.NewAPIKey(); return k }()}, nil, shopgraph.CodeUnauthenticated},
		{"garbage token", map[string]string{"authorization": "x.y.z"}, nil, shopgraph.CodeUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			id, err := authenticate(context.Background(), h, v, keys, lim, c.Now())
			if tt.code != "" {
				wantCode(t, err, tt.code, "")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(id) {
				t.Errorf("identity = %+v", id)
			}
		})
	}

	// An hour later the tokens have expired.
	c.Advance(time.Hour + time.Minute)
	h := http.Header{}
	h.Set("authorization", toks.AccessToken)
	_, err = authenticate(context.Background(), h, v, keys, lim, c.Now())
	wantCode(t, err, shopgraph.CodeUnauthenticated, auth.MsgTokenExpired)
}
