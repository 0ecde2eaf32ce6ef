package userpool_test

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/testenv"
)

// testNow is the fixed start of every test clock.
var testNow = time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)

type clock = testenv.Clock

func newClock() *clock { return testenv.NewClock(testNow) }

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
