package testenv

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
)

// Clock is a settable test clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading start.
func NewClock(start time.Time) *Clock { return &Clock{t: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// LogBuffer is a log sink safe for concurrent writers.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Reset discards everything written so far.
func (l *LogBuffer) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Reset()
}

// WantCode fails tb unless err is a *shopgraph.Error with the code and the
// message (message "" means any).
func WantCode(tb testing.TB, err error, code shopgraph.ErrorCode, msg string) {
	tb.Helper()
	var e *shopgraph.Error
	if !errors.As(err, &e) {
		tb.Fatalf("error %v (%T) is not a *shopgraph.Error", err, err)
	}
	if e.Code != code || (msg != "" && e.Message != msg) {
		tb.Fatalf("error = %q / %q, want %q / %q", e.Code, e.Message, code, msg)
	}
}

// MustVerifier builds an auth.Verifier whose background work (JWKS
// refreshes) ends with the test.
func MustVerifier(tb testing.TB, issuers []auth.IssuerConfig, opts auth.VerifierOptions) *auth.Verifier {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	v, err := auth.NewVerifier(ctx, issuers, opts)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
