package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	localddb "github.com/shopgraph/shopgraph/local/dynamodb"
)

// authFixture is the real authentication chain as the composition root
// builds it: a Verifier trusting a Cognito pool given by a static JWKS (as
// the embedded default's dev issuer is) and an OIDC issuer fetched over
// HTTP, a KeyManager over a real ApiKeys table, a KeyLimiter and a clock.
type authFixture struct {
	clock  *clock
	pool   signingKey
	oidc   signingKey
	target dynamotest.Target
	keys   *auth.KeyManager
	a      *auth.Authenticator
}

func newAuthFixture(t *testing.T) *authFixture {
	t.Helper()
	f := &authFixture{clock: newClock(), pool: mustKey(t, "pool-1"), oidc: mustKey(t, "oidc-1")}
	oidcJWKS := newJWKSServer(t, f.oidc)
	v := mustVerifier(t, []auth.IssuerConfig{
		{Issuer: poolIssuer, JWKS: jwksDoc(f.pool), ClientIDs: []string{appClient}, Mode: shopgraph.AuthModeCognito},
		{Issuer: oidcIssuer, JWKSURL: oidcJWKS.URL, ClientIDs: []string{"oidc-client"}, Mode: shopgraph.AuthModeOIDC},
	}, auth.VerifierOptions{Now: f.clock.Now})
	f.target = dynamotest.Embedded(t)
	f.keys = auth.NewKeyManager(dynamotest.NewStore(t, f.target), auth.KeyManagerOptions{Now: f.clock.Now})
	f.a = auth.NewAuthenticator(auth.AuthenticatorOptions{
		Verifier: v, Keys: f.keys, Limiter: auth.NewKeyLimiter(auth.KeyLimiterOptions{Now: f.clock.Now}), Now: f.clock.Now,
	})
	return f
}

// headers presents a header map as any transport would.
func headers(kv ...string) shopgraph.Credentials {
	h := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = append(h[kv[i]], kv[i+1])
	}
	return shopgraph.CredentialsFromHeaders(h, []string{"203.0.113.7", "127.0.0.1"})
}

// TestAuthenticator runs the real Authenticator on every kind of
// credential, through the transport-neutral Credentials.
func TestAuthenticator(t *testing.T) {
	f := newAuthFixture(t)
	ctx := context.Background()
	if err := f.keys.EnsureAPIKey(ctx, auth.DevPartnerKey(testNow)); err != nil {
		t.Fatal(err)
	}
	revoked, revokedKey, err := f.keys.CreateAPIKey(ctx, shopgraph.NewAPIKey{Partner: "gone", Scopes: []string{shopgraph.ScopeCatalogRead}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.keys.RevokeAPIKey(ctx, revoked.ID); err != nil {
		t.Fatal(err)
	}
	_, _, unknownKey := auth.NewAPIKey()
	oidcTok := sign(t, f.oidc, map[string]any{"sub": "o-1", "iss": oidcIssuer, "aud": "oidc-client",
		"iat": testNow.Unix(), "exp": testNow.Add(time.Hour).Unix()})

	tests := []struct {
		name  string
		cred  shopgraph.Credentials
		check func(*shopgraph.Identity) bool
		code  shopgraph.ErrorCode
		msg   string
	}{
		{"anonymous", headers("Content-Type", "application/json"), func(id *shopgraph.Identity) bool { return id == nil }, "", ""},
		{"access token (Amplify), static JWKS", headers("authorization", sign(t, f.pool, accessClaims())),
			func(id *shopgraph.Identity) bool {
				return id.Mode == shopgraph.AuthModeCognito && id.Username == "alice" && id.TokenUse == shopgraph.TokenUseAccess && id.Token != ""
			}, "", ""},
		{"Bearer ID token", headers("Authorization", "Bearer "+sign(t, f.pool, idClaims())),
			func(id *shopgraph.Identity) bool {
				return id.InGroup(shopgraph.GroupAdmin) && id.Claims()["email"] == "alice@example.com"
			}, "", ""},
		{"OIDC token, fetched JWKS", headers("Authorization", oidcTok),
			func(id *shopgraph.Identity) bool { return id.Mode == shopgraph.AuthModeOIDC && id.Sub == "o-1" }, "", ""},
		{"dev partner key", headers("x-api-key", auth.DevAPIKey),
			func(id *shopgraph.Identity) bool {
				return id.Mode == shopgraph.AuthModeAPIKey && id.HasScope(shopgraph.ScopeInventoryRead) && id.Sub == "" &&
					len(id.SourceIP) == 2 && id.SourceIP[0] == "203.0.113.7"
			}, "", ""},
		{"revoked key", headers("x-api-key", revokedKey), nil, shopgraph.CodeUnauthenticated, auth.MsgInvalidAPIKey},
		{"unknown key", headers("x-api-key", unknownKey), nil, shopgraph.CodeUnauthenticated, auth.MsgInvalidAPIKey},
		{"wrong secret", headers("x-api-key", auth.DevAPIKeyID+"."+revokedKey[len(revoked.ID)+1:]), nil, shopgraph.CodeUnauthenticated, auth.MsgInvalidAPIKey},
		{"garbage token", headers("authorization", "x.y.z"), nil, shopgraph.CodeUnauthenticated, auth.MsgUnparsableToken},
		{"token signed by an unknown key", headers("authorization", sign(t, mustKey(t, "pool-1"), idClaims())), nil, shopgraph.CodeUnauthenticated, auth.MsgNoValidAuthorization},
		{"one header in two cases", headers("authorization", sign(t, f.pool, idClaims()), "Authorization", sign(t, f.pool, idClaims())), nil, shopgraph.CodeUnauthenticated, auth.MsgNoValidAuthorization},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := f.a.Authenticate(ctx, tt.cred)
			if tt.code != "" {
				wantCode(t, err, tt.code, tt.msg)
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

	// An hour later the tokens have expired; the keys still work.
	f.clock.Advance(time.Hour + time.Minute)
	_, err = f.a.Authenticate(ctx, headers("authorization", sign(t, f.pool, accessClaims())))
	wantCode(t, err, shopgraph.CodeUnauthenticated, auth.MsgTokenExpired)
	if _, err := f.a.Authenticate(ctx, headers("x-api-key", auth.DevAPIKey)); err != nil {
		t.Errorf("dev key an hour later: %v", err)
	}
}

// TestAuthenticator_rateLimit: a key over its rate limit gets LimitExceeded
// with a whole-second RetryAfter; other keys are unaffected.
func TestAuthenticator_rateLimit(t *testing.T) {
	f := newAuthFixture(t)
	ctx := context.Background()
	_, slow, err := f.keys.CreateAPIKey(ctx, shopgraph.NewAPIKey{Partner: "slow", Scopes: []string{shopgraph.ScopeCatalogRead}, RateLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, other, err := f.keys.CreateAPIKey(ctx, shopgraph.NewAPIKey{Partner: "other", Scopes: []string{shopgraph.ScopeCatalogRead}, RateLimit: 1})
	if err != nil {
		t.Fatal(err)
	}
	var limited *shopgraph.Error
	for i := range 10 {
		_, err := f.a.Authenticate(ctx, headers("x-api-key", slow))
		if shopgraph.IsCode(err, shopgraph.CodeLimitExceeded) {
			limited = err.(*shopgraph.Error)
			break
		}
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if limited == nil || limited.RetryAfter < time.Second || limited.RetryAfter%time.Second != 0 {
		t.Fatalf("10 requests at once on a 1/s key: limited = %+v", limited)
	}
	if _, err := f.a.Authenticate(ctx, headers("x-api-key", other)); err != nil {
		t.Errorf("another key: %v", err)
	}
	f.clock.Advance(limited.RetryAfter)
	if _, err := f.a.Authenticate(ctx, headers("x-api-key", slow)); err != nil {
		t.Errorf("after RetryAfter: %v", err)
	}
}

// TestAuthenticator_revocationAndCache: a lookup is cached, so a revocation
// made elsewhere (another instance, straight in the table) is seen within
// KeyCacheTTL; a revocation through this KeyManager is seen at once; a
// store failure is an internal error, not a 401, and is not cached.
func TestAuthenticator_revocationAndCache(t *testing.T) {
	f := newAuthFixture(t)
	ctx := context.Background()
	rec, key, err := f.keys.CreateAPIKey(ctx, shopgraph.NewAPIKey{Partner: "acme", Scopes: []string{shopgraph.ScopeCatalogRead}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.Authenticate(ctx, headers("x-api-key", key)); err != nil {
		t.Fatal(err)
	}
	// Another instance revokes it: this one trusts its cache for KeyCacheTTL.
	elsewhere := auth.NewKeyManager(dynamotest.NewStore(t, f.target), auth.KeyManagerOptions{Now: f.clock.Now})
	if _, err := elsewhere.RevokeAPIKey(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second)
	if _, err := f.a.Authenticate(ctx, headers("x-api-key", key)); err != nil {
		t.Errorf("within KeyCacheTTL of a revocation elsewhere: %v, want the cached key", err)
	}
	f.clock.Advance(auth.KeyCacheTTL)
	_, err = f.a.Authenticate(ctx, headers("x-api-key", key))
	wantCode(t, err, shopgraph.CodeUnauthenticated, auth.MsgInvalidAPIKey)

	// Revoked through this instance's KeyManager: refused at once.
	rec2, key2, err := f.keys.CreateAPIKey(ctx, shopgraph.NewAPIKey{Partner: "acme", Scopes: []string{shopgraph.ScopeCatalogRead}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.Authenticate(ctx, headers("x-api-key", key2)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.keys.RevokeAPIKey(ctx, rec2.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.a.Authenticate(ctx, headers("x-api-key", key2))
	wantCode(t, err, shopgraph.CodeUnauthenticated, auth.MsgInvalidAPIKey)

	// The store fails: an internal error (the server answers 503), not
	// cached, so the next request after recovery reads the store again.
	_, key3, err := f.keys.CreateAPIKey(ctx, shopgraph.NewAPIKey{Partner: "acme", Scopes: []string{shopgraph.ScopeCatalogRead}})
	if err != nil {
		t.Fatal(err)
	}
	remove := f.target.Faults.Add(localddb.Fault{Error: "InternalServerError"})
	_, err = f.a.Authenticate(ctx, headers("x-api-key", key3))
	remove()
	if err == nil || shopgraph.IsCode(err, shopgraph.CodeUnauthenticated) || !shopgraph.IsCode(err, shopgraph.CodeInternal) {
		t.Errorf("store failure: %v, want an internal error", err)
	}
	if _, err := f.a.Authenticate(ctx, headers("x-api-key", key3)); err != nil {
		t.Errorf("after the store recovers: %v", err)
	}
}
