package server_test

import (
	"testing"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/apptest"
)

// TestAccounts_flow: sign up, confirm, sign in, `me` with the ID and the
// access token, refresh, sign out, and a revoked refresh token that no
// longer refreshes, through GraphQL on the embedded user directory.
func TestAccounts_flow(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	key := map[string]string{"x-api-key": auth.DevAPIKey}
	do := func(h map[string]string, q string, vars map[string]any) apptest.Response {
		t.Helper()
		return a.DoWith(t, h, q, vars)
	}
	ok := func(r apptest.Response) map[string]any {
		t.Helper()
		if r.Status != 200 || len(r.Errors) > 0 {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		return r.Data
	}
	errType := func(r apptest.Response) string {
		t.Helper()
		if len(r.Errors) != 1 {
			t.Fatalf("want one error: %s", r.Raw)
		}
		return r.Errors[0].ErrorType
	}
	vars := map[string]any{"u": "carol", "p": "Carol-pass-1", "e": "carol@example.com"}

	if got := errType(do(key, `mutation($u: String!, $e: AWSEmail!) { signUp(username: $u, password: "short", email: $e) { userSub } }`, vars)); got != "InvalidPasswordException" {
		t.Errorf("weak password: errorType %q", got)
	}
	d := ok(do(key, `mutation($u: String!, $p: String!, $e: AWSEmail!) { signUp(username: $u, password: $p, email: $e) { userSub userConfirmed } }`, vars))
	if d["signUp"].(map[string]any)["userConfirmed"] != false {
		t.Errorf("signUp = %v", d)
	}
	if got := errType(do(key, `mutation($u: String!, $p: String!) { signIn(username: $u, password: $p) { idToken } }`, vars)); got != "UserNotConfirmedException" {
		t.Errorf("sign-in before confirming: errorType %q", got)
	}
	ok(do(key, `mutation($u: String!, $c: String!) { confirmSignUp(username: $u, code: $c) }`, map[string]any{"u": "carol", "c": a.Codes.Last("carol")}))
	if got := errType(do(key, `mutation($u: String!) { signIn(username: $u, password: "Wrong-pass-1") { idToken } }`, vars)); got != "NotAuthorizedException" {
		t.Errorf("wrong password: errorType %q", got)
	}
	s := ok(do(key, `mutation($u: String!, $p: String!) { signIn(username: $u, password: $p) { idToken accessToken refreshToken expiresIn expiresAt } }`, vars))["signIn"].(map[string]any)
	if s["expiresIn"].(float64) <= 0 {
		t.Errorf("expiresIn = %v", s["expiresIn"])
	}
	for _, tok := range []string{s["idToken"].(string), s["accessToken"].(string)} {
		me := ok(do(map[string]string{"Authorization": tok}, `{ me { sub username email groups } }`, nil))["me"].(map[string]any)
		if me["username"] != "carol" || me["email"] != "carol@example.com" {
			t.Errorf("me = %v", me)
		}
	}
	admin := ok(do(map[string]string{"Authorization": a.Token(t, "admin", shopgraph.TokenUseAccess)}, `{ me { groups } }`, nil))["me"].(map[string]any)
	if gs := admin["groups"].([]any); len(gs) != 1 || gs[0] != "admin" {
		t.Errorf("admin groups = %v", gs)
	}
	if r := do(key, `{ me { sub } }`, nil); errType(r) != "Unauthorized" || r.Data != nil {
		t.Errorf("me with an API key: %s", r.Raw)
	}

	rt := map[string]any{"r": s["refreshToken"]}
	ok(do(key, `mutation($r: String!) { refreshSession(refreshToken: $r) { idToken } }`, rt))
	ok(do(key, `mutation($r: String!) { signOut(refreshToken: $r) }`, rt))
	if got := errType(do(key, `mutation($r: String!) { refreshSession(refreshToken: $r) { idToken } }`, rt)); got != "NotAuthorizedException" {
		t.Errorf("refresh after sign-out: errorType %q", got)
	}

	ok(do(key, `mutation { forgotPassword(username: "carol") }`, nil))
	ok(do(key, `mutation($c: String!) { confirmForgotPassword(username: "carol", code: $c, newPassword: "Carol-new-2") }`, map[string]any{"c": a.Codes.Last("carol")}))
	ok(do(key, `mutation { signIn(username: "carol", password: "Carol-new-2") { idToken } }`, nil))
}
