package userpool_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
)

// testNow is the fixed start of every test clock.
var testNow = time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: testNow} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
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

// mustVerifier builds a Verifier whose background work ends with the test.
func mustVerifier(tb testing.TB, issuers []auth.IssuerConfig, opts auth.VerifierOptions) *auth.Verifier {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	v, err := auth.NewVerifier(ctx, issuers, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// wantCode fails unless err is a *shopgraph.Error with the code and message
// (message "" means any).
func wantCode(tb testing.TB, err error, code shopgraph.ErrorCode, msg string) {
	tb.Helper()
	var e *shopgraph.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error %v (%T) is not a *shopgraph.Error", err, err)
	}
	if e.Code != code || (msg != "" && e.Message != msg) {
		tb.Fatalf("error = %q / %q, want %q / %q", e.Code, e.Message, code, msg)
	}
}
