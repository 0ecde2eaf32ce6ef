package server_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/apptest"
)

// TestThrottle_signedInUser: a signed-in user gets HTTP 429 with
// Retry-After and errorType LimitExceeded once over the per-user rate, as an
// API key does, while another user is unaffected.
func TestThrottle_signedInUser(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5, Throttle: app.ThrottleConfig{UserRateLimit: 2}})
	alice := map[string]string{"Authorization": a.Token(t, "alice", shopgraph.TokenUseAccess)}
	limited := 0
	for range 20 { // burst is twice the rate: 4
		r := a.DoWith(t, alice, `{ categories { name } }`, nil)
		switch r.Status {
		case http.StatusOK:
		case http.StatusTooManyRequests:
			limited++
			if secs, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || secs < 1 ||
				len(r.Errors) != 1 || r.Errors[0].ErrorType != "LimitExceeded" || r.Header.Get("x-amzn-ErrorType") != "LimitExceeded" {
				t.Fatalf("429 without Retry-After or LimitExceeded: %v %s", r.Header, r.Raw)
			}
		default:
			t.Fatalf("status %d: %s", r.Status, r.Raw)
		}
	}
	if limited < 10 {
		t.Errorf("20 requests at once at 2/s: %d limited, want most of them", limited)
	}
	bob := map[string]string{"Authorization": a.Token(t, "bob", shopgraph.TokenUseAccess)}
	if r := a.DoWith(t, bob, `{ categories { name } }`, nil); r.Status != http.StatusOK {
		t.Errorf("another user: %d %s", r.Status, r.Raw)
	}
}

// TestThrottle_accountMutations: sign-in attempts are limited per username
// (whatever address they come from) and per client address (whatever
// usernames it tries); the operation does not run once over a limit.
func TestThrottle_accountMutations(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5, Throttle: app.ThrottleConfig{AccountPerUser: 3, AccountPerIP: 5}})
	signIn := func(user, ip string) apptest.Response {
		t.Helper()
		body := []byte(`{"query":"mutation { signIn(username: \"` + user + `\", password: \"Wrong-pass-1\") { idToken } }"}`)
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-api-key", auth.DevAPIKey)
		req.RemoteAddr = ip + ":40000"
		return a.Serve(t, req)
	}
	errType := func(r apptest.Response) string {
		t.Helper()
		if r.Status != http.StatusOK || len(r.Errors) != 1 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		return r.Errors[0].ErrorType
	}
	// Per username: 3 guesses from 3 addresses, then refused from a 4th.
	for i, ip := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
		if got := errType(signIn("alice", ip)); got != "NotAuthorizedException" {
			t.Fatalf("guess %d: %s", i+1, got)
		}
	}
	if got := errType(signIn("alice", "198.51.100.4")); got != "LimitExceeded" {
		t.Errorf("4th guess at alice within a minute: %s, want LimitExceeded", got)
	}
	// Per address: 5 operations for 5 usernames, then refused.
	for i, user := range []string{"u1", "u2", "u3", "u4", "u5"} {
		if got := errType(signIn(user, "203.0.113.9")); got != "NotAuthorizedException" {
			t.Fatalf("address op %d: %s", i+1, got)
		}
	}
	if got := errType(signIn("u6", "203.0.113.9")); got != "LimitExceeded" {
		t.Errorf("6th operation from one address within a minute: %s, want LimitExceeded", got)
	}
	// X-Forwarded-For is not trusted by default: a forged header does not
	// give a fresh address.
	body := []byte(`{"query":"mutation { signIn(username: \"u7\", password: \"Wrong-pass-1\") { idToken } }"}`)
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("x-api-key", auth.DevAPIKey)
	req.Header.Set("X-Forwarded-For", "192.0.2.77")
	req.RemoteAddr = "203.0.113.9:40000"
	if got := errType(a.Serve(t, req)); got != "LimitExceeded" {
		t.Errorf("forged X-Forwarded-For escaped the address limit: %s", got)
	}
}
