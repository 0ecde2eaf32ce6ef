package auth_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	shopgraph "github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
)

const (
	poolIssuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool"
	oidcIssuer = "https://login.example.test/"
	appClient  = "app-client-1"
)

// verifierFixture is a Cognito pool and an OIDC issuer with their own keys
// and JWKS servers, behind one Verifier.
type verifierFixture struct {
	pool, oidc       signingKey
	poolJWKS, oidcJS *jwksServer
	clock            *clock
	logs             *logBuffer
	v                *auth.Verifier
}

func newVerifierFixture(t *testing.T) *verifierFixture {
	t.Helper()
	f := &verifierFixture{pool: mustKey(t, "pool-1"), oidc: mustKey(t, "oidc-1"), clock: newClock(), logs: &logBuffer{}}
	f.poolJWKS = newJWKSServer(t, f.pool)
	f.oidcJS = newJWKSServer(t, f.oidc)
	f.v = mustVerifier(t, []auth.IssuerConfig{
		{Issuer: poolIssuer, JWKSURL: f.poolJWKS.URL, ClientIDs: []string{appClient}, Mode: shopgraph.AuthModeCognito},
		{Issuer: oidcIssuer, JWKSURL: f.oidcJS.URL, ClientIDs: []string{"oidc-client"}, Mode: shopgraph.AuthModeOIDC},
	}, auth.VerifierOptions{Now: f.clock.Now, Logger: newLogger(f.logs)})
	return f
}

// idClaims and accessClaims are valid Cognito claims at testNow.
func idClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"sub": "sub-alice", "iss": poolIssuer, "aud": appClient, "token_use": "id",
		"cognito:username": "alice", "cognito:groups": []string{"admin"}, "email": "alice@example.com",
		"auth_time": testNow.Unix(), "iat": testNow.Unix(), "exp": testNow.Add(time.Hour).Unix(),
	}
}

func accessClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"sub": "sub-alice", "iss": poolIssuer, "client_id": appClient, "token_use": "access",
		"username": "alice", "scope": "aws.cognito.signin.user.admin",
		"auth_time": testNow.Unix(), "iat": testNow.Unix(), "exp": testNow.Add(time.Hour).Unix(),
	}
}

func with(c jwt.MapClaims, kv ...any) jwt.MapClaims {
	out := maps.Clone(c)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func TestVerifier_Verify(t *testing.T) {
	f := newVerifierFixture(t)
	other := mustKey(t, "pool-1") // same kid, different key: a forger

	pubDER, err := x509.MarshalPKIXPublicKey(&f.pool.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	tampered := func() string {
		good := sign(t, f.pool, idClaims())
		parts := strings.Split(good, ".")
		forged := sign(t, other, with(idClaims(), "cognito:username", "mallory", "sub", "sub-mallory"))
		return parts[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2]
	}

	type want struct {
		msg      string // "" means accepted
		reason   string // logged reason of a rejection
		username string
		tokenUse string
		groups   []string
		mode     shopgraph.AuthMode
	}
	tests := []struct {
		name  string
		token string
		want  want
	}{
		{"valid ID token", sign(t, f.pool, idClaims()), want{username: "alice", tokenUse: "id", groups: []string{"admin"}, mode: shopgraph.AuthModeCognito}},
		{"valid access token", sign(t, f.pool, accessClaims()), want{username: "alice", tokenUse: "access", mode: shopgraph.AuthModeCognito}},
		{"Bearer prefix", "Bearer " + sign(t, f.pool, accessClaims()), want{username: "alice", tokenUse: "access", mode: shopgraph.AuthModeCognito}},
		{"lower-case bearer prefix", "bearer " + sign(t, f.pool, accessClaims()), want{username: "alice", tokenUse: "access", mode: shopgraph.AuthModeCognito}},
		{"iss with trailing slash", sign(t, f.pool, with(idClaims(), "iss", poolIssuer+"/")), want{username: "alice", tokenUse: "id", groups: []string{"admin"}, mode: shopgraph.AuthModeCognito}},
		{"aud as a list", sign(t, f.pool, with(idClaims(), "aud", []string{"x", appClient})), want{username: "alice", tokenUse: "id", groups: []string{"admin"}, mode: shopgraph.AuthModeCognito}},
		{"expired within leeway", sign(t, f.pool, with(idClaims(), "exp", testNow.Add(-20*time.Second).Unix())), want{username: "alice", tokenUse: "id", groups: []string{"admin"}, mode: shopgraph.AuthModeCognito}},
		{"OIDC token", sign(t, f.oidc, jwt.MapClaims{"sub": "o-1", "iss": oidcIssuer, "aud": "oidc-client", "iat": testNow.Unix(), "exp": testNow.Add(time.Hour).Unix()}), want{mode: shopgraph.AuthModeOIDC}},
		{"OIDC token, client in azp", sign(t, f.oidc, jwt.MapClaims{"sub": "o-1", "iss": "https://login.example.test", "aud": "api", "azp": "oidc-client", "exp": testNow.Add(time.Hour).Unix()}), want{mode: shopgraph.AuthModeOIDC}},
		{"OIDC token cannot grant groups", sign(t, f.oidc, jwt.MapClaims{"sub": "o-1", "iss": oidcIssuer, "aud": "oidc-client", "cognito:groups": []string{"admin"}, "token_use": "id", "exp": testNow.Add(time.Hour).Unix()}), want{mode: shopgraph.AuthModeOIDC}},

		{"empty", "", want{msg: auth.MsgNoValidAuthorization, reason: "empty token"}},
		{"only Bearer", "Bearer ", want{msg: auth.MsgNoValidAuthorization, reason: "empty token"}},
		{"garbage", "not a token", want{msg: auth.MsgUnparsableToken, reason: "malformed token"}},
		{"garbage with dots", "a.b.c", want{msg: auth.MsgUnparsableToken, reason: "malformed token"}},
		{"huge", strings.Repeat("a", 20000), want{msg: auth.MsgUnparsableToken, reason: "token too large"}},
		{"expired", sign(t, f.pool, with(idClaims(), "exp", testNow.Add(-time.Minute).Unix())), want{msg: auth.MsgTokenExpired, reason: "expired"}},
		{"no exp", sign(t, f.pool, with(idClaims(), "exp", nil)), want{msg: auth.MsgNoValidAuthorization, reason: "invalid claims"}},
		{"not yet valid", sign(t, f.pool, with(idClaims(), "nbf", testNow.Add(time.Minute).Unix())), want{msg: auth.MsgNoValidAuthorization, reason: "not yet valid"}},
		{"nbf within leeway", sign(t, f.pool, with(idClaims(), "nbf", testNow.Add(20*time.Second).Unix())), want{username: "alice", tokenUse: "id", groups: []string{"admin"}, mode: shopgraph.AuthModeCognito}},
		{"issued in the future", sign(t, f.pool, with(idClaims(), "iat", testNow.Add(time.Minute).Unix())), want{msg: auth.MsgNoValidAuthorization, reason: "not yet valid"}},
		{"unknown issuer", sign(t, f.pool, with(idClaims(), "iss", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other")), want{msg: auth.MsgNoValidAuthorization, reason: "unknown issuer"}},
		{"no issuer", sign(t, f.pool, with(idClaims(), "iss", nil)), want{msg: auth.MsgNoValidAuthorization, reason: "unknown issuer"}},
		{"pool token signed by the OIDC issuer's key", signWith(t, jwt.SigningMethodRS256, f.oidc.key, "oidc-1", idClaims()), want{msg: auth.MsgNoValidAuthorization, reason: "no usable key"}},
		{"OIDC token signed by the pool's key", sign(t, f.pool, jwt.MapClaims{"sub": "o-1", "iss": oidcIssuer, "aud": "oidc-client", "exp": testNow.Add(time.Hour).Unix()}), want{msg: auth.MsgNoValidAuthorization, reason: "no usable key"}},
		{"wrong audience", sign(t, f.pool, with(idClaims(), "aud", "other-client")), want{msg: auth.MsgNoValidAuthorization, reason: "audience not allowed"}},
		{"ID token without aud", sign(t, f.pool, with(idClaims(), "aud", nil, "client_id", appClient)), want{msg: auth.MsgNoValidAuthorization, reason: "audience not allowed"}},
		{"wrong client", sign(t, f.pool, with(accessClaims(), "client_id", "other-client")), want{msg: auth.MsgNoValidAuthorization, reason: "client not allowed"}},
		{"access token with aud only", sign(t, f.pool, with(accessClaims(), "client_id", nil, "aud", appClient)), want{msg: auth.MsgNoValidAuthorization, reason: "client not allowed"}},
		{"OIDC wrong audience", sign(t, f.oidc, jwt.MapClaims{"sub": "o-1", "iss": oidcIssuer, "aud": "nope", "exp": testNow.Add(time.Hour).Unix()}), want{msg: auth.MsgNoValidAuthorization, reason: "client not allowed"}},
		{"refresh token_use", sign(t, f.pool, with(idClaims(), "token_use", "refresh")), want{msg: auth.MsgNoValidAuthorization, reason: "bad token_use"}},
		{"no token_use", sign(t, f.pool, with(idClaims(), "token_use", nil)), want{msg: auth.MsgNoValidAuthorization, reason: "bad token_use"}},
		{"no sub", sign(t, f.pool, with(idClaims(), "sub", nil)), want{msg: auth.MsgNoValidAuthorization, reason: "no sub"}},
		{"malformed groups", sign(t, f.pool, with(idClaims(), "cognito:groups", "admin")), want{msg: auth.MsgNoValidAuthorization, reason: "malformed cognito:groups"}},
		{"tampered payload", tampered(), want{msg: auth.MsgNoValidAuthorization, reason: "bad signature or algorithm"}},
		{"tampered signature", sign(t, f.pool, idClaims())[:len(sign(t, f.pool, idClaims()))-4] + "AAAA", want{msg: auth.MsgNoValidAuthorization, reason: "bad signature or algorithm"}},
		{"forged with another key, same kid", sign(t, other, idClaims()), want{msg: auth.MsgNoValidAuthorization, reason: "bad signature or algorithm"}},
		{"alg none", signWith(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "pool-1", idClaims()), want{msg: auth.MsgNoValidAuthorization, reason: "bad signature or algorithm"}},
		{"alg none, no signature part", strings.TrimSuffix(signWith(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "pool-1", idClaims()), "."), want{msg: auth.MsgUnparsableToken, reason: "malformed token"}},
		{"HS256 keyed with the RSA public key (PEM)", signWith(t, jwt.SigningMethodHS256, pubPEM, "pool-1", idClaims()), want{msg: auth.MsgNoValidAuthorization, reason: "bad signature or algorithm"}},
		{"HS256 keyed with the RSA public key (DER)", signWith(t, jwt.SigningMethodHS256, pubDER, "pool-1", idClaims()), want{msg: auth.MsgNoValidAuthorization, reason: "bad signature or algorithm"}},
		{"RS512 with the right key", signWith(t, jwt.SigningMethodRS512, f.pool.key, "pool-1", idClaims()), want{msg: auth.MsgNoValidAuthorization, reason: "bad signature or algorithm"}},
		{"PS256 with the right key", signWith(t, jwt.SigningMethodPS256, f.pool.key, "pool-1", idClaims()), want{msg: auth.MsgNoValidAuthorization, reason: "bad signature or algorithm"}},
		{"no kid", signWith(t, jwt.SigningMethodRS256, f.pool.key, "", idClaims()), want{msg: auth.MsgNoValidAuthorization, reason: "no usable key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.logs.Reset()
			id, err := f.v.Verify(context.Background(), tt.token)
			if tt.want.msg != "" {
				wantCode(t, err, shopgraph.CodeUnauthenticated, tt.want.msg)
				if logs := f.logs.String(); !strings.Contains(logs, `reason="`+tt.want.reason+`"`) && !strings.Contains(logs, "reason="+tt.want.reason+" ") {
					t.Errorf("log %q lacks reason %s", logs, tt.want.reason)
				}
				if tt.token != "" && len(tt.token) > 40 && strings.Contains(f.logs.String(), tt.token[len(tt.token)-40:]) {
					t.Errorf("the token leaked into the log")
				}
				if id.Sub != "" || id.Token != "" {
					t.Errorf("identity %+v returned with an error", id)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v (log: %s)", err, f.logs.String())
			}
			if id.Mode != tt.want.mode || id.Username != tt.want.username || id.TokenUse != tt.want.tokenUse || !slices.Equal(id.Groups, tt.want.groups) {
				t.Errorf("identity = mode %s username %q use %q groups %v; want %+v", id.Mode, id.Username, id.TokenUse, id.Groups, tt.want)
			}
			if claims := id.Claims(); id.Sub == "" || claims["sub"] != id.Sub || id.Issuer != claims["iss"] {
				t.Errorf("identity sub %q issuer %q claims %v", id.Sub, id.Issuer, claims)
			}
			wantStrategy := ""
			if id.Mode == shopgraph.AuthModeCognito {
				wantStrategy = "ALLOW"
			}
			if id.DefaultAuthStrategy != wantStrategy {
				t.Errorf("DefaultAuthStrategy = %q, want %q", id.DefaultAuthStrategy, wantStrategy)
			}
		})
	}
}

func TestVerifier_Verify_identityShape(t *testing.T) {
	f := newVerifierFixture(t)
	id, err := f.v.Verify(context.Background(), sign(t, f.pool, idClaims()))
	if err != nil {
		t.Fatal(err)
	}
	if id.Sub != "sub-alice" || id.Issuer != poolIssuer || id.Claims()["email"] != "alice@example.com" || id.Claims()["exp"] != float64(testNow.Add(time.Hour).Unix()) {
		t.Errorf("identity = %+v", id)
	}
	if !id.InGroup("admin") || id.InGroup("warehouse") {
		t.Errorf("groups = %v", id.Groups)
	}
	id, err = f.v.Verify(context.Background(), sign(t, f.pool, accessClaims()))
	if err != nil {
		t.Fatal(err)
	}
	if id.Groups != nil {
		t.Errorf("groups without cognito:groups = %#v, want nil", id.Groups)
	}
}

func TestVerifier_Verify_anyClientWhenNoAllowList(t *testing.T) {
	k := mustKey(t, "k")
	js := newJWKSServer(t, k)
	c := newClock()
	v := mustVerifier(t, []auth.IssuerConfig{{Issuer: poolIssuer, JWKSURL: js.URL, Mode: shopgraph.AuthModeCognito}}, auth.VerifierOptions{Now: c.Now})
	for _, claims := range []jwt.MapClaims{with(idClaims(), "aud", "whatever"), with(accessClaims(), "client_id", "whatever")} {
		if _, err := v.Verify(context.Background(), sign(t, k, claims)); err != nil {
			t.Errorf("token_use %v: %v", claims["token_use"], err)
		}
	}
}

func TestVerifier_Verify_leeway(t *testing.T) {
	k := mustKey(t, "k")
	js := newJWKSServer(t, k)
	c := newClock()
	tests := []struct {
		leeway  time.Duration
		expired time.Duration // how long ago the token expired
		ok      bool
	}{
		{0, 29 * time.Second, true}, // default 30 s
		{0, 31 * time.Second, false},
		{time.Second, 2 * time.Second, false},
		{5 * time.Minute, 4 * time.Minute, true},
	}
	for _, tt := range tests {
		v := mustVerifier(t, []auth.IssuerConfig{{Issuer: poolIssuer, JWKSURL: js.URL, Mode: shopgraph.AuthModeCognito}}, auth.VerifierOptions{Now: c.Now, Leeway: tt.leeway})
		_, err := v.Verify(context.Background(), sign(t, k, with(idClaims(), "exp", testNow.Add(-tt.expired).Unix())))
		if (err == nil) != tt.ok {
			t.Errorf("leeway %s, expired %s ago: err = %v, want ok %v", tt.leeway, tt.expired, err, tt.ok)
		}
	}
}

// TestVerifier_unknownKID: a token with an unknown kid refetches the JWKS
// once, so a rotated key verifies; another unknown kid within a minute does
// not refetch; after a minute it may again.
func TestVerifier_unknownKID(t *testing.T) {
	old, rotated, later := mustKey(t, "old"), mustKey(t, "rotated"), mustKey(t, "later")
	js := newJWKSServer(t, old)
	c := newClock()
	logs := &logBuffer{}
	v := mustVerifier(t, []auth.IssuerConfig{{Issuer: poolIssuer, JWKSURL: js.URL, Mode: shopgraph.AuthModeCognito}}, auth.VerifierOptions{Now: c.Now, Logger: newLogger(logs)})
	ctx := context.Background()
	if n := js.fetches.Load(); n != 1 {
		t.Fatalf("fetches after NewVerifier = %d, want 1", n)
	}
	if _, err := v.Verify(ctx, sign(t, old, idClaims())); err != nil {
		t.Fatal(err)
	}

	// The issuer rotates; the first token with the new kid refetches.
	js.SetKeys(rotated)
	if _, err := v.Verify(ctx, sign(t, rotated, idClaims())); err != nil {
		t.Fatalf("rotated key: %v (log: %s)", err, logs)
	}
	if n := js.fetches.Load(); n != 2 {
		t.Fatalf("fetches after rotation = %d, want 2", n)
	}
	// The refetch replaced the set: the old key is gone.
	_, err := v.Verify(ctx, sign(t, old, idClaims()))
	wantCode(t, err, shopgraph.CodeUnauthenticated, auth.MsgNoValidAuthorization)
	if n := js.fetches.Load(); n != 2 {
		t.Fatalf("an unknown kid within a minute refetched: fetches = %d, want 2", n)
	}

	// Within the minute, more unknown kids do not refetch, even valid ones.
	js.SetKeys(rotated, later)
	c.Advance(30 * time.Second)
	for range 5 {
		_, err := v.Verify(ctx, sign(t, later, idClaims()))
		wantCode(t, err, shopgraph.CodeUnauthenticated, auth.MsgNoValidAuthorization)
	}
	if n := js.fetches.Load(); n != 2 {
		t.Fatalf("fetches = %d, want 2 (rate limited)", n)
	}
	if _, err := v.Verify(ctx, sign(t, rotated, idClaims())); err != nil {
		t.Fatalf("known key while rate limited: %v", err)
	}

	// After a minute one more refetch is allowed.
	c.Advance(31 * time.Second)
	if _, err := v.Verify(ctx, sign(t, later, idClaims())); err != nil {
		t.Fatalf("after a minute: %v (log: %s)", err, logs)
	}
	if n := js.fetches.Load(); n != 3 {
		t.Fatalf("fetches = %d, want 3", n)
	}
}

// TestVerifier_unknownKID_concurrent: requests racing on a freshly rotated
// key share one refetch and all succeed.
func TestVerifier_unknownKID_concurrent(t *testing.T) {
	old, rotated := mustKey(t, "old"), mustKey(t, "rotated")
	js := newJWKSServer(t, old)
	c := newClock()
	v := mustVerifier(t, []auth.IssuerConfig{{Issuer: poolIssuer, JWKSURL: js.URL, Mode: shopgraph.AuthModeCognito}}, auth.VerifierOptions{Now: c.Now})
	js.SetKeys(rotated)
	token := sign(t, rotated, idClaims())
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), token)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := js.fetches.Load(); n != 2 {
		t.Errorf("fetches = %d, want 2", n)
	}
}

// TestNewVerifier_jwksUnreachableAtStart: the embedded default's JWKS is
// served by the server being started, so NewVerifier must not need it; the
// first token fetches it.
func TestNewVerifier_jwksUnreachableAtStart(t *testing.T) {
	k := mustKey(t, "k")
	js := newJWKSServer(t, k)
	js.SetDown(true)
	logs := &logBuffer{}
	c := newClock()
	v := mustVerifier(t, []auth.IssuerConfig{{Issuer: poolIssuer, JWKSURL: js.URL, Mode: shopgraph.AuthModeCognito}}, auth.VerifierOptions{Now: c.Now, Logger: newLogger(logs)})
	if !strings.Contains(logs.String(), "JWKS fetch failed") {
		t.Errorf("the failed first fetch was not logged: %s", logs)
	}
	js.SetDown(false)
	if _, err := v.Verify(context.Background(), sign(t, k, idClaims())); err != nil {
		t.Fatalf("first token after the JWKS came up: %v", err)
	}
}

// TestNewVerifier_defaultJWKSURL: without a JWKSURL the keys are fetched
// from <issuer>/.well-known/jwks.json, as Cognito and cognito-local publish
// them. The tokens have cognito-local's shape: an http issuer
// http://HOST:PORT/<poolId>, the fixed kid CognitoLocal, access tokens with
// client_id and no aud.
func TestNewVerifier_defaultJWKSURL(t *testing.T) {
	k := mustKey(t, "CognitoLocal")
	js := newJWKSServer(t, k)
	var paths []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		js.Config.Handler.ServeHTTP(w, r)
	}))
	defer srv.Close()
	iss := srv.URL + "/us-east-1_X"
	v := mustVerifier(t, []auth.IssuerConfig{{Issuer: iss + "/", ClientIDs: []string{appClient}, Mode: shopgraph.AuthModeCognito}}, auth.VerifierOptions{Now: newClock().Now})
	for _, claims := range []jwt.MapClaims{idClaims(), accessClaims()} {
		id, err := v.Verify(context.Background(), sign(t, k, with(claims, "iss", iss)))
		if err != nil {
			t.Fatal(err)
		}
		if id.Mode != shopgraph.AuthModeCognito || id.Username != "alice" {
			t.Errorf("identity = %+v", id)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(paths) == 0 || paths[0] != "/us-east-1_X/.well-known/jwks.json" {
		t.Errorf("JWKS fetched from %v", paths)
	}
}

func TestNewVerifier_errors(t *testing.T) {
	const jwks = "http://127.0.0.1:1/jwks.json"
	tests := []struct {
		name    string
		issuers []auth.IssuerConfig
		opts    auth.VerifierOptions
	}{
		{"empty issuer", []auth.IssuerConfig{{Issuer: " ", JWKSURL: jwks, Mode: shopgraph.AuthModeCognito}}, auth.VerifierOptions{}},
		{"API key mode", []auth.IssuerConfig{{Issuer: poolIssuer, JWKSURL: jwks, Mode: shopgraph.AuthModeAPIKey}}, auth.VerifierOptions{}},
		{"no mode", []auth.IssuerConfig{{Issuer: poolIssuer, JWKSURL: jwks}}, auth.VerifierOptions{}},
		{"duplicate issuer", []auth.IssuerConfig{
			{Issuer: poolIssuer, JWKSURL: jwks, Mode: shopgraph.AuthModeCognito},
			{Issuer: poolIssuer + "/", JWKSURL: jwks, Mode: shopgraph.AuthModeOIDC},
		}, auth.VerifierOptions{}},
		{"relative JWKS URL", []auth.IssuerConfig{{Issuer: poolIssuer, JWKSURL: "/jwks.json", Mode: shopgraph.AuthModeCognito}}, auth.VerifierOptions{}},
		{"file JWKS URL", []auth.IssuerConfig{{Issuer: poolIssuer, JWKSURL: "file:///etc/passwd", Mode: shopgraph.AuthModeCognito}}, auth.VerifierOptions{}},
		{"negative leeway", nil, auth.VerifierOptions{Leeway: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if _, err := auth.NewVerifier(ctx, tt.issuers, tt.opts); err == nil {
				t.Error("NewVerifier succeeded")
			}
		})
	}
}

func TestNewVerifier_noIssuers(t *testing.T) {
	v := mustVerifier(t, nil, auth.VerifierOptions{})
	_, err := v.Verify(context.Background(), sign(t, mustKey(t, "k"), idClaims()))
	wantCode(t, err, shopgraph.CodeUnauthenticated, auth.MsgNoValidAuthorization)
}

func TestStripBearer(t *testing.T) {
	for in, want := range map[string]string{
		"abc":          "abc",
		"Bearer abc":   "abc",
		"BEARER  abc ": "abc",
		" bearer abc":  "abc",
		"Bearer":       "",
		"Bearerabc":    "Bearerabc",
		"":             "",
	} {
		if got := auth.StripBearer(in); got != want {
			t.Errorf("StripBearer(%q) = %q, want %q", in, got, want)
		}
	}
}
