package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	shopgraph "github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/testenv"
)

// testNow is the fixed start of every test clock.
var testNow = time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)

// clock and logBuffer are the shared test helpers.
type (
	clock     = testenv.Clock
	logBuffer = testenv.LogBuffer
)

func newClock() *clock { return testenv.NewClock(testNow) }

func newLogger(lb *logBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// signingKey is an RSA key with its kid.
type signingKey struct {
	kid string
	key *rsa.PrivateKey
}

func mustKey(tb testing.TB, kid string) signingKey {
	tb.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	return signingKey{kid: kid, key: k}
}

// jwksServer serves a JWKS whose keys tests can replace, and counts fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    []signingKey
	down    bool
	fetches atomic.Int64
}

func newJWKSServer(tb testing.TB, keys ...signingKey) *jwksServer {
	tb.Helper()
	s := &jwksServer{keys: keys}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwksDoc(s.keys...))
	}))
	tb.Cleanup(s.Close)
	return s
}

// jwksDoc is the JWKS document of keys' public halves.
func jwksDoc(keys ...signingKey) []byte {
	var out struct {
		Keys []map[string]string `json:"keys"`
	}
	for _, k := range keys {
		out.Keys = append(out.Keys, map[string]string{
			"kty": "RSA", "alg": "RS256", "use": "sig", "kid": k.kid,
			"n": base64.RawURLEncoding.EncodeToString(k.key.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.key.E)).Bytes()),
		})
	}
	b, _ := json.Marshal(out)
	return b
}

func (s *jwksServer) SetKeys(keys ...signingKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = keys
}

func (s *jwksServer) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// sign returns claims signed with k using RS256 and k's kid.
func sign(tb testing.TB, k signingKey, claims jwt.MapClaims) string {
	tb.Helper()
	return signWith(tb, jwt.SigningMethodRS256, k.key, k.kid, claims)
}

func signWith(tb testing.TB, m jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	tb.Helper()
	t := jwt.NewWithClaims(m, claims)
	if kid != "" {
		t.Header["kid"] = kid
	}
	s, err := t.SignedString(key)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// mustVerifier builds a Verifier whose background work ends with the test.
func mustVerifier(tb testing.TB, issuers []auth.IssuerConfig, opts auth.VerifierOptions) *auth.Verifier {
	tb.Helper()
	return testenv.MustVerifier(tb, issuers, opts)
}

// wantCode fails unless err is a *shopgraph.Error with the code and message
// (message "" means any).
func wantCode(tb testing.TB, err error, code shopgraph.ErrorCode, msg string) {
	tb.Helper()
	testenv.WantCode(tb, err, code, msg)
}
