package userpool_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/local/userpool"
)

const pw = "Correct-h0rse"

// newDir returns a directory with a cheap hash, for tests.
func newDir(c *clock) *userpool.Directory {
	return userpool.NewDirectory(userpool.DirectoryOptions{Now: c.Now, Iterations: 1000})
}

// mustSignUpConfirmed signs up and confirms username.
func mustSignUpConfirmed(t *testing.T, d *userpool.Directory, username string) userpool.User {
	t.Helper()
	u, code, err := d.SignUp(username, pw, username+"@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.ConfirmSignUp(username, code); err != nil {
		t.Fatal(err)
	}
	u.Confirmed = true
	return u
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		pw   string
		want string // "" = valid; else a substring of the message
	}{
		{"Passw0rd!", ""},
		{"Ünïcode-Passw0rd", ""},
		{"with Space1", ""},
		{"Pa0!", "not long enough"},
		{"Passw0!", "not long enough"},
		{"PASSW0RD!", "lowercase"},
		{"passw0rd!", "uppercase"},
		{"Password!", "numeric"},
		{"Passw0rdX", "symbol"},
		{" Passw0rd!", "space"},
		{"Passw0rd! ", "space"},
		{strings.Repeat("Aa0!", 65), "too long"},
	}
	for _, tt := range tests {
		err := userpool.ValidatePassword(tt.pw)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%q: %v", tt.pw, err)
			}
			continue
		}
		wantCode(t, err, shopgraph.CodeInvalidPassword, "")
		if !strings.Contains(err.Error(), "Password did not conform with policy: ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want a message about %q", tt.pw, err, tt.want)
		}
	}
}

func TestUserDirectory_SignUp(t *testing.T) {
	c := newClock()
	d := newDir(c)
	u, code, err := d.SignUp("Carol", pw, "carol@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "Carol" || u.Email != "carol@example.com" || u.Confirmed || u.Groups != nil {
		t.Errorf("user = %+v", u)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(u.Sub) {
		t.Errorf("sub %q is not a v4 UUID", u.Sub)
	}
	if !regexp.MustCompile(`^\d{6}$`).MatchString(code) {
		t.Errorf("code %q is not six digits", code)
	}

	tests := []struct {
		name, username, password, email string
		code                            shopgraph.ErrorCode
	}{
		{"taken", "Carol", pw, "c2@example.com", shopgraph.CodeUsernameExists},
		{"taken, other case", "carol", pw, "c2@example.com", shopgraph.CodeUsernameExists},
		{"empty username", "", pw, "x@example.com", shopgraph.CodeInvalidParameter},
		{"username with space", "a b", pw, "x@example.com", shopgraph.CodeInvalidParameter},
		{"username with control", "a\tb", pw, "x@example.com", shopgraph.CodeInvalidParameter},
		{"long username", strings.Repeat("a", 129), pw, "x@example.com", shopgraph.CodeInvalidParameter},
		{"bad email", "dave", pw, "not-an-email", shopgraph.CodeInvalidParameter},
		{"email with display name", "dave", pw, "Dave <dave@example.com>", shopgraph.CodeInvalidParameter},
		{"empty email", "dave", pw, "", shopgraph.CodeInvalidParameter},
		{"weak password", "dave", "password", "dave@example.com", shopgraph.CodeInvalidPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := d.SignUp(tt.username, tt.password, tt.email)
			wantCode(t, err, tt.code, "")
		})
	}
}

func TestUserDirectory_ConfirmSignUp(t *testing.T) {
	c := newClock()
	d := newDir(c)
	_, code, err := d.SignUp("erin", pw, "erin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Authenticate("erin", pw)
	wantCode(t, err, shopgraph.CodeUserNotConfirmed, "User is not confirmed.")

	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	wantCode(t, d.ConfirmSignUp("erin", wrong), shopgraph.CodeMismatch, "")
	wantCode(t, d.ConfirmSignUp("nobody", code), shopgraph.CodeMismatch, "")
	if err := d.ConfirmSignUp("ERIN", code); err != nil {
		t.Fatalf("confirm (case-insensitive username): %v", err)
	}
	// Confirming again is answered as for an unknown user: nothing tells
	// that erin exists.
	wantCode(t, d.ConfirmSignUp("erin", code), shopgraph.CodeMismatch, "Invalid verification code provided, please try again.")
	u, err := d.Authenticate("erin", pw)
	if err != nil || !u.Confirmed {
		t.Fatalf("Authenticate after confirm: %+v, %v", u, err)
	}
}

func TestUserDirectory_ConfirmSignUp_expiry(t *testing.T) {
	c := newClock()
	d := newDir(c)
	_, code, err := d.SignUp("finn", pw, "finn@example.com")
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(userpool.DefaultSignUpCodeTTL)
	wantCode(t, d.ConfirmSignUp("finn", code), shopgraph.CodeExpired, "")
}

func TestUserDirectory_ConfirmSignUp_attemptLimit(t *testing.T) {
	c := newClock()
	d := newDir(c)
	_, code, err := d.SignUp("gail", pw, "gail@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		wrong := fmt.Sprintf("%06d", i)
		if wrong == code {
			wrong = "999999x"
		}
		wantCode(t, d.ConfirmSignUp("gail", wrong), shopgraph.CodeMismatch, "")
	}
	// The username's codes are locked for the window, even the right one.
	wantCode(t, d.ConfirmSignUp("gail", code), shopgraph.CodeTooManyAttempts, "Attempt limit exceeded, please try after some time.")
	c.Advance(userpool.DefaultLimitWindow - time.Second)
	wantCode(t, d.ConfirmSignUp("gail", code), shopgraph.CodeTooManyAttempts, "")
	// Not burned: once the failures leave the window, the code works.
	c.Advance(time.Second)
	if err := d.ConfirmSignUp("gail", code); err != nil {
		t.Fatalf("the right code after the window: %v", err)
	}
}

func TestUserDirectory_Authenticate(t *testing.T) {
	c := newClock()
	d := newDir(c)
	want := mustSignUpConfirmed(t, d, "hank")
	tests := []struct {
		name, username, password string
		code                     shopgraph.ErrorCode
		msg                      string
	}{
		{"right", "hank", pw, "", ""},
		{"right, other case", "HANK", pw, "", ""},
		{"wrong password", "hank", pw + "x", shopgraph.CodeNotAuthorized, "Incorrect username or password."},
		{"unknown user", "nobody", pw, shopgraph.CodeNotAuthorized, "Incorrect username or password."},
		{"empty password", "hank", "", shopgraph.CodeNotAuthorized, "Incorrect username or password."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := d.Authenticate(tt.username, tt.password)
			if tt.code != "" {
				wantCode(t, err, tt.code, tt.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.Sub != want.Sub || u.Username != "hank" || u.Email != "hank@example.com" || !u.Confirmed {
				t.Errorf("user = %+v, want %+v", u, want)
			}
		})
	}
}

func TestUserDirectory_Authenticate_lockout(t *testing.T) {
	c := newClock()
	d := newDir(c)
	mustSignUpConfirmed(t, d, "ivy")
	for range 5 {
		_, err := d.Authenticate("ivy", "Wrong-pa55")
		wantCode(t, err, shopgraph.CodeNotAuthorized, "Incorrect username or password.")
	}
	// Locked for 1 s: even the right password is refused.
	_, err := d.Authenticate("ivy", pw)
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Password attempts exceeded")
	c.Advance(time.Second)
	_, err = d.Authenticate("ivy", "Wrong-pa55") // sixth failure: 2 s
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Incorrect username or password.")
	c.Advance(1500 * time.Millisecond)
	_, err = d.Authenticate("ivy", pw)
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Password attempts exceeded")
	c.Advance(time.Second)
	if _, err := d.Authenticate("ivy", pw); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
	// Success resets the count.
	_, err = d.Authenticate("ivy", "Wrong-pa55")
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Incorrect username or password.")
	if _, err := d.Authenticate("ivy", pw); err != nil {
		t.Fatalf("one failure after a reset locked the user: %v", err)
	}
}

func TestUserDirectory_ForgotPassword(t *testing.T) {
	c := newClock()
	d := newDir(c)
	u := mustSignUpConfirmed(t, d, "jack")
	refresh := d.IssueRefreshToken(u)
	const newPW = "N3w-password"

	code, err := d.ForgotPassword("jack")
	if err != nil {
		t.Fatal(err)
	}
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	tests := []struct {
		name, username, code, password string
		want                           shopgraph.ErrorCode
	}{
		{"weak new password", "jack", code, "weak", shopgraph.CodeInvalidPassword},
		{"wrong code", "jack", wrong, newPW, shopgraph.CodeMismatch},
		{"unknown user", "nobody", code, newPW, shopgraph.CodeMismatch},
		{"right", "jack", code, newPW, ""},
		{"code spent", "jack", code, newPW, shopgraph.CodeMismatch},
	}
	for _, tt := range tests {
		err := d.ConfirmForgotPassword(tt.username, tt.code, tt.password)
		if tt.want == "" {
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			continue
		}
		wantCode(t, err, tt.want, "")
	}
	if _, err := d.Authenticate("jack", newPW); err != nil {
		t.Errorf("new password: %v", err)
	}
	_, err = d.Authenticate("jack", pw)
	wantCode(t, err, shopgraph.CodeNotAuthorized, "")
	_, err = d.Refresh(refresh)
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Refresh Token has been revoked")
}

func TestUserDirectory_ForgotPassword_cases(t *testing.T) {
	c := newClock()
	d := newDir(c)
	mustSignUpConfirmed(t, d, "kate")
	if _, _, err := d.SignUp("liam", pw, "liam@example.com"); err != nil {
		t.Fatal(err)
	}

	// Unknown users get a code too (not revealing who exists), which never works.
	code, err := d.ForgotPassword("nobody")
	if err != nil || len(code) != 6 {
		t.Fatalf("unknown user: %q, %v", code, err)
	}
	wantCode(t, d.ConfirmForgotPassword("nobody", code, "N3w-password"), shopgraph.CodeMismatch, "")

	// Unconfirmed users have no verified address: they get a code that
	// never works, as unknown users do (Cognito would answer
	// InvalidParameterException, which tells that they exist).
	code, err = d.ForgotPassword("liam")
	if err != nil || len(code) != 6 {
		t.Fatalf("unconfirmed user: %q, %v", code, err)
	}
	wantCode(t, d.ConfirmForgotPassword("liam", code, "N3w-password"), shopgraph.CodeMismatch, "")

	// Expiry, and a new request replaces the code.
	first, err := d.ForgotPassword("kate")
	if err != nil {
		t.Fatal(err)
	}
	second, err := d.ForgotPassword("kate")
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		wantCode(t, d.ConfirmForgotPassword("kate", first, "N3w-password"), shopgraph.CodeMismatch, "")
	}
	c.Advance(userpool.DefaultResetCodeTTL)
	wantCode(t, d.ConfirmForgotPassword("kate", second, "N3w-password"), shopgraph.CodeExpired, "")

	// An expired code stays expired, whatever is typed.
	wantCode(t, d.ConfirmForgotPassword("kate", "123456", "N3w-password"), shopgraph.CodeExpired, "")
}

func TestUserDirectory_ConfirmForgotPassword_endsLockout(t *testing.T) {
	c := newClock()
	d := newDir(c)
	mustSignUpConfirmed(t, d, "mia")
	for range 7 {
		d.Authenticate("mia", "Wrong-pa55")
	}
	code, err := d.ForgotPassword("mia")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.ConfirmForgotPassword("mia", code, "N3w-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Authenticate("mia", "N3w-password"); err != nil {
		t.Fatalf("still locked after a reset: %v", err)
	}
}

func TestUserDirectory_refreshTokens(t *testing.T) {
	c := newClock()
	d := userpool.NewDirectory(userpool.DirectoryOptions{Now: c.Now, Iterations: 1000, RefreshTokenTTL: time.Hour})
	u := mustSignUpConfirmed(t, d, "noah")
	tok := d.IssueRefreshToken(u)
	other := d.IssueRefreshToken(u)
	if tok == other || len(tok) < 40 {
		t.Fatalf("tokens %q %q", tok, other)
	}
	got, err := d.Refresh(tok)
	if err != nil || got.Sub != u.Sub || got.Username != "noah" {
		t.Fatalf("Refresh = %+v, %v", got, err)
	}

	if err := d.RevokeRefreshToken(tok); err != nil {
		t.Fatal(err)
	}
	_, err = d.Refresh(tok)
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Refresh Token has been revoked")
	if _, err := d.Refresh(other); err != nil {
		t.Errorf("revoking one token revoked another: %v", err)
	}
	if err := d.RevokeRefreshToken(tok); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	if err := d.RevokeRefreshToken("never-issued"); err != nil {
		t.Errorf("revoking an unknown token: %v", err)
	}
	wantCode(t, d.RevokeRefreshToken(""), shopgraph.CodeInvalidParameter, "")

	_, err = d.Refresh("never-issued")
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Invalid Refresh Token")
	_, err = d.Refresh("")
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Invalid Refresh Token")

	c.Advance(time.Hour)
	_, err = d.Refresh(other)
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Refresh Token has expired")

	// A token for a user who is not in the directory refreshes nothing.
	ghost := d.IssueRefreshToken(userpool.User{Sub: "s", Username: "ghost"})
	_, err = d.Refresh(ghost)
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Invalid Refresh Token")
	// Nor does one whose sub no longer matches.
	stale := d.IssueRefreshToken(userpool.User{Sub: "old-sub", Username: "noah"})
	_, err = d.Refresh(stale)
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Invalid Refresh Token")
}

func TestUserDirectory_Add_Lookup(t *testing.T) {
	c := newClock()
	d := newDir(c)
	in := userpool.User{Sub: "fixed-sub", Username: "olga", Email: "olga@example.com", Groups: []string{"warehouse"}, Confirmed: true}
	if err := d.Add(in, pw); err != nil {
		t.Fatal(err)
	}
	in.Groups[0] = "admin" // the directory keeps its own copy
	got, err := d.Lookup("OLGA")
	if err != nil {
		t.Fatal(err)
	}
	if got.Sub != "fixed-sub" || !slices.Equal(got.Groups, []string{"warehouse"}) || !got.Confirmed {
		t.Errorf("Lookup = %+v", got)
	}
	got.Groups[0] = "admin"
	if again, _ := d.Lookup("olga"); again.Groups[0] != "warehouse" {
		t.Error("Lookup returned the directory's own slice")
	}
	_, err = d.Lookup("nobody")
	wantCode(t, err, shopgraph.CodeUserNotFound, "")

	for _, tt := range []struct {
		name string
		u    userpool.User
		pw   string
		code shopgraph.ErrorCode
	}{
		{"taken", userpool.User{Sub: "x", Username: "Olga"}, pw, shopgraph.CodeUsernameExists},
		{"no sub", userpool.User{Username: "pete"}, pw, shopgraph.CodeInvalidParameter},
		{"bad username", userpool.User{Sub: "x", Username: ""}, pw, shopgraph.CodeInvalidParameter},
		{"bad email", userpool.User{Sub: "x", Username: "pete", Email: "nope"}, pw, shopgraph.CodeInvalidParameter},
		{"weak password", userpool.User{Sub: "x", Username: "pete"}, "weak", shopgraph.CodeInvalidPassword},
	} {
		wantCode(t, d.Add(tt.u, tt.pw), tt.code, "")
	}

	// An unconfirmed added user cannot sign in.
	if err := d.Add(userpool.User{Sub: "q", Username: "quinn"}, pw); err != nil {
		t.Fatal(err)
	}
	_, err = d.Authenticate("quinn", pw)
	wantCode(t, err, shopgraph.CodeUserNotConfirmed, "")
}

// TestUserDirectory_concurrent: racing sign-ups of one name have one winner;
// sign-ins and refreshes run concurrently.
func TestUserDirectory_concurrent(t *testing.T) {
	c := newClock()
	d := newDir(c)
	base := mustSignUpConfirmed(t, d, "base")
	var wins atomic.Int64
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if _, _, err := d.SignUp("race", pw, "race@example.com"); err == nil {
				wins.Add(1)
			}
			if _, _, err := d.SignUp(fmt.Sprintf("user%d", i), pw, "u@example.com"); err != nil {
				t.Error(err)
			}
			if _, err := d.Authenticate("base", pw); err != nil {
				t.Error(err)
			}
			tok := d.IssueRefreshToken(base)
			if _, err := d.Refresh(tok); err != nil {
				t.Error(err)
			}
			d.RevokeRefreshToken(tok)
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d sign-ups of one name succeeded, want 1", wins.Load())
	}
}

func TestSeedDevUsers(t *testing.T) {
	c := newClock()
	d := newDir(c)
	if err := userpool.SeedDevUsers(d, userpool.DevPassword); err != nil {
		t.Fatal(err)
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	want := map[string][]string{"alice": nil, "bob": nil, "admin": {shopgraph.GroupAdmin}, "wanda": {shopgraph.GroupWarehouse}}
	subs := map[string]bool{}
	for name, groups := range want {
		u, err := d.Authenticate(name, userpool.DevPassword)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !slices.Equal(u.Groups, groups) || !u.Confirmed || u.Email != name+"@example.com" {
			t.Errorf("%s = %+v", name, u)
		}
		if u.Sub != userpool.DevSub(name) || !uuid.MatchString(u.Sub) {
			t.Errorf("%s sub %q, want DevSub %q, UUID-shaped", name, u.Sub, userpool.DevSub(name))
		}
		subs[u.Sub] = true
	}
	if len(subs) != 4 {
		t.Errorf("subs not distinct: %v", subs)
	}
	if len(userpool.DevUsers()) != 4 {
		t.Errorf("DevUsers = %v", userpool.DevUsers())
	}
	if userpool.DevSub("alice") == userpool.DevSub("Alice") {
		t.Error("DevSub ignores case")
	}

	wantCode(t, userpool.SeedDevUsers(d, userpool.DevPassword), shopgraph.CodeUsernameExists, "")
	wantCode(t, userpool.SeedDevUsers(newDir(c), "weak"), shopgraph.CodeInvalidPassword, "")
}

// TestDevSub_pinned pins the dev subs: data seeded against them (carts,
// orders) and tokens minted by older builds must not be orphaned by a change.
func TestDevSub_pinned(t *testing.T) {
	want := map[string]string{
		"alice": "11e0fada-ebb7-8731-a34f-cc8f690f2222",
		"bob":   "2249b13f-82bf-86c1-8719-efdf2bf11859",
		"admin": "c245e80c-a465-83ba-98e8-63ac7adfc6aa",
		"wanda": "2a676b60-51bf-88de-a705-4ccdfc3b91f7",
	}
	for _, u := range userpool.DevUsers() {
		if u.Sub != want[u.Username] || userpool.DevSub(u.Username) != u.Sub {
			t.Errorf("%s: sub %s, DevSub %s, want %s", u.Username, u.Sub, userpool.DevSub(u.Username), want[u.Username])
		}
	}
}
