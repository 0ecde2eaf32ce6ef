// Package accountstest is the contract suite of the shopgraph.Accounts port:
// Run checks one implementation against what every implementation owes its
// callers, which is Cognito's user pool API as the port documents it (the
// exception names of shopgraph.AccountErrorCodes, the token shapes). The
// tests of each implementation run it with a Harness that supplies what
// differs between them. Production code never imports it.
package accountstest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
)

// Harness is what the suite needs of one implementation. newHarness (see
// Run) builds one per case, over a fresh user pool.
type Harness struct {
	// Accounts is the implementation under test.
	Accounts shopgraph.Accounts
	// Verify verifies a token Accounts issued, trusting only the
	// implementation's issuer and app client (an auth.Verifier's Verify).
	Verify func(ctx context.Context, token string) (shopgraph.Identity, error)
	// Code returns the code most recently delivered to username (a sign-up
	// confirmation or a password reset code); ok is false when none was.
	// Nil when the implementation delivers codes where the suite cannot read
	// them: the cases that need a delivered code (NeedsCode) must then be in
	// Skip.
	Code func(t *testing.T, username string) (code string, ok bool)
	// Confirm confirms username's sign-up without the delivered code, as an
	// administrator would (Cognito's AdminConfirmSignUp). Nil: the suite
	// confirms with ConfirmSignUp and the code Code returns.
	Confirm func(t *testing.T, username string)
	// EmailUsernames says the pool signs users in by email (Cognito's
	// UsernameAttributes [email], which every cognito-local pool has):
	// sign-up usernames are then email addresses, and tokens and profiles
	// name the user by the username the pool generated, which is the sub.
	EmailUsernames bool
	// Skip maps the names of the cases (the Case constants) the
	// implementation cannot be held to, to the reason, which the skipped
	// subtest reports. It is for gaps of an emulator, never for an
	// implementation's bugs.
	Skip map[string]string
}

// The contract's cases: the names of Run's subtests and the keys of
// Harness.Skip.
const (
	CaseSignUp                         = "SignUp"
	CaseSignUpInvalidPassword          = "SignUpInvalidPassword"
	CaseConfirmSignUp                  = "ConfirmSignUp"
	CaseConfirmSignUpWrongCode         = "ConfirmSignUpWrongCode"
	CaseConfirmSignUpConfirmed         = "ConfirmSignUpConfirmed"
	CaseSignInUnconfirmed              = "SignInUnconfirmed"
	CaseSignInWrongPassword            = "SignInWrongPassword"
	CaseSignIn                         = "SignIn"
	CaseProfile                        = "Profile"
	CaseRefreshSession                 = "RefreshSession"
	CaseSignOut                        = "SignOut"
	CaseForgotPassword                 = "ForgotPassword"
	CaseConfirmForgotPasswordWrongCode = "ConfirmForgotPasswordWrongCode"
	CaseConfirmForgotPassword          = "ConfirmForgotPassword"
	CaseConfirmForgotPasswordLimit     = "ConfirmForgotPasswordLimit"
	CaseUnknownUser                    = "UnknownUser"
	CaseConfirmSignUpUnknownUser       = "ConfirmSignUpUnknownUser"
)

type contractCase struct {
	name string
	// needsCode: the case reads a delivered code (Harness.Code).
	needsCode bool
	run       func(t *testing.T, s *suite)
}

var cases = []contractCase{
	{CaseSignUp, false, testSignUp},
	{CaseSignUpInvalidPassword, false, testSignUpInvalidPassword},
	{CaseConfirmSignUp, true, testConfirmSignUp},
	{CaseConfirmSignUpWrongCode, false, testConfirmSignUpWrongCode},
	{CaseConfirmSignUpConfirmed, false, testConfirmSignUpConfirmed},
	{CaseSignInUnconfirmed, false, testSignInUnconfirmed},
	{CaseSignInWrongPassword, false, testSignInWrongPassword},
	{CaseSignIn, false, testSignIn},
	{CaseProfile, false, testProfile},
	{CaseRefreshSession, false, testRefreshSession},
	{CaseSignOut, false, testSignOut},
	{CaseForgotPassword, false, testForgotPassword},
	{CaseConfirmForgotPasswordWrongCode, false, testConfirmForgotPasswordWrongCode},
	{CaseConfirmForgotPassword, true, testConfirmForgotPassword},
	{CaseConfirmForgotPasswordLimit, false, testConfirmForgotPasswordLimit},
	{CaseUnknownUser, false, testUnknownUser},
	{CaseConfirmSignUpUnknownUser, false, testConfirmSignUpUnknownUser},
}

// Cases returns the names of the contract's cases, in the order Run runs
// them.
func Cases() []string {
	names := make([]string, len(cases))
	for i, c := range cases {
		names[i] = c.name
	}
	return names
}

// NeedsCode reports whether the named case reads a delivered code, so that
// a harness without Code must skip it.
func NeedsCode(name string) bool {
	i := slices.IndexFunc(cases, func(c contractCase) bool { return c.name == name })
	return i >= 0 && cases[i].needsCode
}

// Run runs the contract's cases as subtests of t, each against a harness
// newHarness builds for it (with the subtest's t, so that its cleanups end
// with the case).
//
// In every case, every error any Accounts method returns must carry a
// *shopgraph.Error whose code is in the closed set (shopgraph.ErrorCode.Known)
// and is not CodeInternal: a client always reads one of Cognito's exception
// names (or BadRequest), never an internal error, for anything a user can
// cause.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			checkHarness(t, h)
			if why, ok := h.Skip[c.name]; ok {
				t.Skip(why)
			}
			if c.needsCode && h.Code == nil {
				t.Fatalf("Harness.Code is nil: list %s in Harness.Skip, with the reason", c.name)
			}
			c.run(t, &suite{h: h, a: checked{t: t, a: h.Accounts}})
		})
	}
}

func checkHarness(t *testing.T, h Harness) {
	t.Helper()
	if h.Accounts == nil || h.Verify == nil {
		t.Fatal("Harness.Accounts and Harness.Verify are required")
	}
	if h.Confirm == nil && h.Code == nil {
		t.Fatal("Harness needs Confirm or Code to confirm users")
	}
	for name := range h.Skip {
		if !slices.Contains(Cases(), name) {
			t.Errorf("Harness.Skip names %q, which is no case of the suite", name)
		}
	}
}

// checked is the implementation under test, with every error it returns
// checked against the closed set.
type checked struct {
	t *testing.T
	a shopgraph.Accounts
}

var _ shopgraph.Accounts = checked{}

// check fails the test unless err is nil or carries a *shopgraph.Error whose
// code is in the closed set and not CodeInternal. It returns err.
func (c checked) check(op string, err error) error {
	if err == nil {
		return nil
	}
	c.t.Helper()
	var e *shopgraph.Error
	switch {
	case !errors.As(err, &e):
		c.t.Errorf("%s: error %q (%T) carries no *shopgraph.Error: a client would see %s", op, err, err, shopgraph.CodeInternal)
	case !e.Code.Known():
		c.t.Errorf("%s: error %q has code %q, outside the closed set: a client would see %s", op, err, e.Code, shopgraph.CodeInternal)
	case e.Code == shopgraph.CodeInternal:
		c.t.Errorf("%s: internal error %q", op, err)
	}
	return err
}

func (c checked) SignUp(ctx context.Context, username, password, email string) (string, error) {
	c.t.Helper()
	sub, err := c.a.SignUp(ctx, username, password, email)
	return sub, c.check("SignUp", err)
}

func (c checked) ConfirmSignUp(ctx context.Context, username, code string) error {
	c.t.Helper()
	return c.check("ConfirmSignUp", c.a.ConfirmSignUp(ctx, username, code))
}

func (c checked) SignIn(ctx context.Context, username, password string) (shopgraph.Session, error) {
	c.t.Helper()
	s, err := c.a.SignIn(ctx, username, password)
	return s, c.check("SignIn", err)
}

func (c checked) RefreshSession(ctx context.Context, refreshToken string) (shopgraph.Session, error) {
	c.t.Helper()
	s, err := c.a.RefreshSession(ctx, refreshToken)
	return s, c.check("RefreshSession", err)
}

func (c checked) SignOut(ctx context.Context, refreshToken string) error {
	c.t.Helper()
	return c.check("SignOut", c.a.SignOut(ctx, refreshToken))
}

func (c checked) ForgotPassword(ctx context.Context, username string) error {
	c.t.Helper()
	return c.check("ForgotPassword", c.a.ForgotPassword(ctx, username))
}

func (c checked) ConfirmForgotPassword(ctx context.Context, username, code, newPassword string) error {
	c.t.Helper()
	return c.check("ConfirmForgotPassword", c.a.ConfirmForgotPassword(ctx, username, code, newPassword))
}

func (c checked) Profile(ctx context.Context, id shopgraph.Identity) (shopgraph.UserProfile, error) {
	c.t.Helper()
	p, err := c.a.Profile(ctx, id)
	return p, c.check("Profile", err)
}

// Passwords of the suite's users. Both satisfy Cognito's default policy (8
// characters with lowercase, uppercase, digits and symbols); weakPassword
// fails it (no uppercase, digit or symbol).
const (
	password     = "Contract-pass-1"
	newPassword  = "Contract-pass-2"
	weakPassword = "weakpassword"
)

// suite is one case's state.
type suite struct {
	h Harness
	a shopgraph.Accounts // h.Accounts, checked
	n int                // users so far
}

// user is one of the suite's users.
type user struct {
	username string // what the user signs in with
	email    string
	sub      string // set by signUp
}

// newUser returns a user nobody has signed up yet (random, in case the
// harness shares a pool between cases).
func (s *suite) newUser() user {
	s.n++
	name := fmt.Sprintf("user%d-%s", s.n, strings.ToLower(rand.Text()[:8]))
	email := name + "@example.com"
	if s.h.EmailUsernames {
		return user{username: email, email: email}
	}
	return user{username: name, email: email}
}

// tokenUsername is the username tokens and profiles carry for u.
func (s *suite) tokenUsername(u user) string {
	if s.h.EmailUsernames {
		return u.sub
	}
	return u.username
}

func (s *suite) signUp(t *testing.T) user {
	t.Helper()
	u := s.newUser()
	sub, err := s.a.SignUp(t.Context(), u.username, password, u.email)
	if err != nil {
		t.Fatalf("SignUp(%q) = %v", u.username, err)
	}
	if sub == "" {
		t.Fatalf("SignUp(%q) returned an empty sub", u.username)
	}
	u.sub = sub
	return u
}

func (s *suite) confirm(t *testing.T, u user) {
	t.Helper()
	if s.h.Confirm != nil {
		s.h.Confirm(t, u.username)
		return
	}
	code := s.code(t, u)
	if err := s.a.ConfirmSignUp(t.Context(), u.username, code); err != nil {
		t.Fatalf("ConfirmSignUp(%q) with the delivered code = %v", u.username, err)
	}
}

// confirmedUser signs up a user and confirms them.
func (s *suite) confirmedUser(t *testing.T) user {
	t.Helper()
	u := s.signUp(t)
	s.confirm(t, u)
	return u
}

// code is the code last delivered to u.
func (s *suite) code(t *testing.T, u user) string {
	t.Helper()
	code, ok := s.h.Code(t, u.username)
	if !ok || code == "" {
		t.Fatalf("no code was delivered to %q", u.username)
	}
	return code
}

// wrongCode is a well-formed code that is not the one delivered to u (when
// the harness can tell; otherwise one that is right once in a million).
func (s *suite) wrongCode(t *testing.T, u user) string {
	t.Helper()
	wrong := "000000"
	if s.h.Code != nil {
		if code, ok := s.h.Code(t, u.username); ok && code == wrong {
			wrong = "111111"
		}
	}
	return wrong
}

func (s *suite) signIn(t *testing.T, u user, pw string) shopgraph.Session {
	t.Helper()
	sess, err := s.a.SignIn(t.Context(), u.username, pw)
	if err != nil {
		t.Fatalf("SignIn(%q) = %v", u.username, err)
	}
	return sess
}

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, what string, err error, code shopgraph.ErrorCode) {
	t.Helper()
	if got := shopgraph.CodeOf(err); got != code {
		t.Errorf("%s: error %v (code %q), want %s", what, err, got, code)
	}
}

// verify checks that tok is a valid token of the given use for u, and
// returns its identity (with Token set, as the authenticator leaves it).
func (s *suite) verify(t *testing.T, u user, tok, use string) shopgraph.Identity {
	t.Helper()
	if tok == "" {
		t.Fatalf("no %s token", use)
	}
	id, err := s.h.Verify(t.Context(), tok)
	if err != nil {
		t.Fatalf("the %s token does not verify: %v", use, err)
	}
	if id.TokenUse != use {
		t.Errorf("the %s token has token_use %q", use, id.TokenUse)
	}
	if id.Sub != u.sub {
		t.Errorf("the %s token has sub %q, want the sign-up's %q", use, id.Sub, u.sub)
	}
	if want := s.tokenUsername(u); id.Username != want {
		t.Errorf("the %s token names username %q, want %q", use, id.Username, want)
	}
	id.Token = tok
	return id
}

// checkSession checks a session's tokens for u and returns the identities of
// its ID and access tokens.
func (s *suite) checkSession(t *testing.T, u user, sess shopgraph.Session) (idToken, access shopgraph.Identity) {
	t.Helper()
	if sess.RefreshToken == "" {
		t.Error("no refresh token")
	}
	idToken = s.verify(t, u, sess.IDToken, shopgraph.TokenUseID)
	access = s.verify(t, u, sess.AccessToken, shopgraph.TokenUseAccess)
	if !sess.ExpiresAt.After(time.Now()) {
		t.Errorf("ExpiresAt %v is not in the future", sess.ExpiresAt)
	}
	// ExpiresAt is when the tokens expire (Session's documentation).
	for _, id := range []shopgraph.Identity{idToken, access} {
		exp, ok := id.Claims()["exp"].(float64)
		if !ok {
			t.Errorf("the %s token's exp is %v", id.TokenUse, id.Claims()["exp"])
			continue
		}
		if d := time.Unix(int64(exp), 0).Sub(sess.ExpiresAt); d.Abs() > time.Minute {
			t.Errorf("ExpiresAt %v is %v off the %s token's exp", sess.ExpiresAt, d, id.TokenUse)
		}
	}
	return idToken, access
}

// SignUp returns a non-empty sub; a second sign-up of the same username is
// UsernameExistsException; another user gets another sub.
func testSignUp(t *testing.T, s *suite) {
	ctx := t.Context()
	u := s.signUp(t)
	_, err := s.a.SignUp(ctx, u.username, newPassword, u.email)
	wantCode(t, "second SignUp of a username", err, shopgraph.CodeUsernameExists)
	if other := s.signUp(t); other.sub == u.sub {
		t.Errorf("two users got the same sub %q", u.sub)
	}
}

// A password outside the pool's policy is InvalidPasswordException, and no
// user is created.
func testSignUpInvalidPassword(t *testing.T, s *suite) {
	ctx := t.Context()
	u := s.newUser()
	_, err := s.a.SignUp(ctx, u.username, weakPassword, u.email)
	wantCode(t, "SignUp with a weak password", err, shopgraph.CodeInvalidPassword)
	if sub, err := s.a.SignUp(ctx, u.username, password, u.email); err != nil || sub == "" {
		t.Errorf("SignUp after a refused one = %q, %v; the refused one must not create the user", sub, err)
	}
}

// ConfirmSignUp with the delivered code confirms the user, who can then
// sign in; confirming again, even with that code, is CodeMismatchException
// (see testConfirmSignUpConfirmed).
func testConfirmSignUp(t *testing.T, s *suite) {
	ctx := t.Context()
	u := s.signUp(t)
	code := s.code(t, u)
	if err := s.a.ConfirmSignUp(ctx, u.username, code); err != nil {
		t.Fatalf("ConfirmSignUp with the delivered code = %v", err)
	}
	s.signIn(t, u, password)
	err := s.a.ConfirmSignUp(ctx, u.username, code)
	wantCode(t, "ConfirmSignUp of a confirmed user with its spent code", err, shopgraph.CodeMismatch)
}

// ConfirmSignUp with a wrong code is CodeMismatchException and confirms
// nothing.
func testConfirmSignUpWrongCode(t *testing.T, s *suite) {
	ctx := t.Context()
	u := s.signUp(t)
	err := s.a.ConfirmSignUp(ctx, u.username, s.wrongCode(t, u))
	wantCode(t, "ConfirmSignUp with a wrong code", err, shopgraph.CodeMismatch)
	_, err = s.a.SignIn(ctx, u.username, password)
	wantCode(t, "SignIn after a wrong confirmation code", err, shopgraph.CodeUserNotConfirmed)
}

// ConfirmSignUp of a user who is already confirmed is CodeMismatchException,
// whatever the code: the answer for a username nobody signed up
// (testConfirmSignUpUnknownUser), so that confirming does not reveal who
// exists. Cognito itself answers NotAuthorizedException ("User cannot be
// confirmed. Current status is CONFIRMED") even with
// PreventUserExistenceErrors, which tells a stranger that the user exists;
// the port answers as for an unknown user instead (CodeMismatch is what the
// port promises for unknown users, and true of both: there is no pending
// code to match), and an adapter translates Cognito's answer.
func testConfirmSignUpConfirmed(t *testing.T, s *suite) {
	u := s.confirmedUser(t)
	err := s.a.ConfirmSignUp(t.Context(), u.username, s.wrongCode(t, u))
	wantCode(t, "ConfirmSignUp of a confirmed user", err, shopgraph.CodeMismatch)
}

// The right password of a user who has not confirmed yet is
// UserNotConfirmedException (a wrong one is still NotAuthorizedException).
func testSignInUnconfirmed(t *testing.T, s *suite) {
	ctx := t.Context()
	u := s.signUp(t)
	_, err := s.a.SignIn(ctx, u.username, password)
	wantCode(t, "SignIn before confirmation", err, shopgraph.CodeUserNotConfirmed)
	_, err = s.a.SignIn(ctx, u.username, newPassword)
	wantCode(t, "SignIn before confirmation with a wrong password", err, shopgraph.CodeNotAuthorized)
}

// A wrong password is NotAuthorizedException, and so is an unknown user (the
// sign-in operations never reveal who exists).
func testSignInWrongPassword(t *testing.T, s *suite) {
	ctx := t.Context()
	u := s.confirmedUser(t)
	_, err := s.a.SignIn(ctx, u.username, newPassword)
	wantCode(t, "SignIn with a wrong password", err, shopgraph.CodeNotAuthorized)
	_, err = s.a.SignIn(ctx, s.newUser().username, password)
	wantCode(t, "SignIn of an unknown user", err, shopgraph.CodeNotAuthorized)
}

// SignIn returns ID, access and refresh tokens and a future ExpiresAt (the
// tokens' exp); both tokens verify, with the user's sub and username and the
// right token_use.
func testSignIn(t *testing.T, s *suite) {
	u := s.confirmedUser(t)
	s.checkSession(t, u, s.signIn(t, u, password))
}

// Profile, from an ID token and from an access token (with Identity.Token
// set, for calls on the user's behalf), gives the user's username, sub and
// email.
func testProfile(t *testing.T, s *suite) {
	u := s.confirmedUser(t)
	idToken, access := s.checkSession(t, u, s.signIn(t, u, password))
	for _, id := range []shopgraph.Identity{idToken, access} {
		p, err := s.a.Profile(t.Context(), id)
		if err != nil {
			t.Errorf("Profile(%s token) = %v", id.TokenUse, err)
			continue
		}
		want := shopgraph.UserProfile{Sub: u.sub, Username: s.tokenUsername(u), Email: u.email}
		if p.Sub != want.Sub || p.Username != want.Username || p.Email != want.Email {
			t.Errorf("Profile(%s token) = %+v, want sub %q, username %q, email %q", id.TokenUse, p, want.Sub, want.Username, want.Email)
		}
	}
}

// RefreshSession gives new, verifiable ID and access tokens and keeps the
// refresh token.
func testRefreshSession(t *testing.T, s *suite) {
	u := s.confirmedUser(t)
	sess := s.signIn(t, u, password)
	r, err := s.a.RefreshSession(t.Context(), sess.RefreshToken)
	if err != nil {
		t.Fatalf("RefreshSession = %v", err)
	}
	if r.RefreshToken != sess.RefreshToken {
		t.Errorf("RefreshSession's refresh token differs from the one given")
	}
	if r.IDToken == sess.IDToken || r.AccessToken == sess.AccessToken {
		t.Errorf("RefreshSession returned the sign-in's tokens, not new ones")
	}
	s.checkSession(t, u, r)
}

// SignOut revokes the refresh token: refreshing with it is then
// NotAuthorizedException. Another session's refresh token still refreshes.
func testSignOut(t *testing.T, s *suite) {
	ctx := t.Context()
	u := s.confirmedUser(t)
	sess, other := s.signIn(t, u, password), s.signIn(t, u, password)
	if err := s.a.SignOut(ctx, sess.RefreshToken); err != nil {
		t.Fatalf("SignOut = %v", err)
	}
	_, err := s.a.RefreshSession(ctx, sess.RefreshToken)
	wantCode(t, "RefreshSession after SignOut", err, shopgraph.CodeNotAuthorized)
	if _, err := s.a.RefreshSession(ctx, other.RefreshToken); err != nil {
		t.Errorf("RefreshSession of another session after SignOut = %v", err)
	}
}

// ForgotPassword for an existing user succeeds, and changes nothing until
// the reset is confirmed.
func testForgotPassword(t *testing.T, s *suite) {
	u := s.confirmedUser(t)
	if err := s.a.ForgotPassword(t.Context(), u.username); err != nil {
		t.Fatalf("ForgotPassword = %v", err)
	}
	s.signIn(t, u, password)
}

// ConfirmForgotPassword with a wrong code is CodeMismatchException and keeps
// the old password.
func testConfirmForgotPasswordWrongCode(t *testing.T, s *suite) {
	ctx := t.Context()
	u := s.confirmedUser(t)
	if err := s.a.ForgotPassword(ctx, u.username); err != nil {
		t.Fatalf("ForgotPassword = %v", err)
	}
	err := s.a.ConfirmForgotPassword(ctx, u.username, s.wrongCode(t, u), newPassword)
	wantCode(t, "ConfirmForgotPassword with a wrong code", err, shopgraph.CodeMismatch)
	s.signIn(t, u, password)
	_, err = s.a.SignIn(ctx, u.username, newPassword)
	wantCode(t, "SignIn with the password of a refused reset", err, shopgraph.CodeNotAuthorized)
}

// ConfirmForgotPassword with the delivered code sets the new password: the
// user signs in with it, no longer with the old one, and the spent code
// fails (CodeMismatchException or ExpiredCodeException).
func testConfirmForgotPassword(t *testing.T, s *suite) {
	ctx := t.Context()
	u := s.confirmedUser(t)
	if err := s.a.ForgotPassword(ctx, u.username); err != nil {
		t.Fatalf("ForgotPassword = %v", err)
	}
	code := s.code(t, u)
	if err := s.a.ConfirmForgotPassword(ctx, u.username, code, newPassword); err != nil {
		t.Fatalf("ConfirmForgotPassword with the delivered code = %v", err)
	}
	s.checkSession(t, u, s.signIn(t, u, newPassword))
	_, err := s.a.SignIn(ctx, u.username, password)
	wantCode(t, "SignIn with the old password after a reset", err, shopgraph.CodeNotAuthorized)
	err = s.a.ConfirmForgotPassword(ctx, u.username, code, password)
	if c := shopgraph.CodeOf(err); c != shopgraph.CodeMismatch && c != shopgraph.CodeExpired {
		t.Errorf("ConfirmForgotPassword with a spent code: error %v (code %q), want %s or %s", err, c, shopgraph.CodeMismatch, shopgraph.CodeExpired)
	}
}

// maxCodeGuesses is how many wrong reset codes testConfirmForgotPasswordLimit
// allows before it wants CodeTooManyAttempts: Cognito documents between 5
// and 20 attempts an hour to request or enter a reset code.
const maxCodeGuesses = 20

// Wrong reset codes are limited per user, not per code, as Cognito limits
// them (LimitExceededException, "Attempt limit exceeded, please try after
// some time."): asking for a fresh code after each wrong guess does not
// start the count over, so within maxCodeGuesses rounds of ForgotPassword
// and a wrong code, ConfirmForgotPassword answers CodeTooManyAttempts
// (ForgotPassword may answer it too, meanwhile: a limit on requests). Then
// even the delivered code is refused (when the harness can read it), and
// the old password still signs in.
func testConfirmForgotPasswordLimit(t *testing.T, s *suite) {
	ctx := t.Context()
	u := s.confirmedUser(t)
	limited := false
	for i := 1; i <= maxCodeGuesses && !limited; i++ {
		if err := s.a.ForgotPassword(ctx, u.username); err != nil {
			wantCode(t, fmt.Sprintf("ForgotPassword after %d wrong codes", i-1), err, shopgraph.CodeTooManyAttempts)
		}
		err := s.a.ConfirmForgotPassword(ctx, u.username, s.wrongCode(t, u), newPassword)
		switch shopgraph.CodeOf(err) {
		case shopgraph.CodeMismatch:
		case shopgraph.CodeTooManyAttempts:
			limited = true
		default:
			t.Fatalf("ConfirmForgotPassword with wrong code %d: error %v (code %q), want %s or %s", i, err, shopgraph.CodeOf(err), shopgraph.CodeMismatch, shopgraph.CodeTooManyAttempts)
		}
	}
	if !limited {
		t.Fatalf("%d rounds of ForgotPassword and a wrong code were never answered %s: reset codes can be guessed", maxCodeGuesses, shopgraph.CodeTooManyAttempts)
	}
	if s.h.Code != nil {
		if code, ok := s.h.Code(t, u.username); ok {
			err := s.a.ConfirmForgotPassword(ctx, u.username, code, newPassword)
			wantCode(t, "ConfirmForgotPassword with the delivered code after the limit", err, shopgraph.CodeTooManyAttempts)
		}
	}
	s.signIn(t, u, password)
}

// The account flows do not reveal who exists (as a Cognito pool with
// PreventUserExistenceErrors does): for a username nobody signed up, sign-in
// is CodeNotAuthorized, a password reset "succeeds", and confirming a reset
// is CodeMismatch. CodeUserNotFound is never answered.
func testUnknownUser(t *testing.T, s *suite) {
	ctx := t.Context()
	u := s.newUser()
	_, err := s.a.SignIn(ctx, u.username, password)
	wantCode(t, "SignIn of an unknown user", err, shopgraph.CodeNotAuthorized)
	if err := s.a.ForgotPassword(ctx, u.username); err != nil {
		t.Errorf("ForgotPassword of an unknown user = %v, want success (nothing revealed)", err)
	}
	err = s.a.ConfirmForgotPassword(ctx, u.username, "123456", newPassword)
	wantCode(t, "ConfirmForgotPassword of an unknown user", err, shopgraph.CodeMismatch)
}

// Confirming the sign-up of a username nobody signed up is CodeMismatch, as
// for a wrong code: it does not reveal who exists.
func testConfirmSignUpUnknownUser(t *testing.T, s *suite) {
	err := s.a.ConfirmSignUp(t.Context(), s.newUser().username, "123456")
	wantCode(t, "ConfirmSignUp of an unknown user", err, shopgraph.CodeMismatch)
}
