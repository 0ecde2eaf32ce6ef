package accountstest_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/accountstest"
	"github.com/shopgraph/shopgraph/local/userpool"
)

// mutants are broken variants of the embedded default's Accounts, each with
// the cases that must catch it (and no others may fail).
var mutants = map[string]struct {
	wrap func(shopgraph.Accounts) shopgraph.Accounts
	want []string
}{
	// Every error becomes a plain error, which clients see as internal.
	"plainErrors": {
		wrap: func(a shopgraph.Accounts) shopgraph.Accounts {
			return mutant{Accounts: a, mapErr: func(err error) error { return errors.New(shopgraph.ErrorMessage(err)) }}
		},
		want: errorCases,
	},
	// Every error gets a code outside the closed set.
	"unknownCodes": {
		wrap: func(a shopgraph.Accounts) shopgraph.Accounts {
			return mutant{Accounts: a, mapErr: func(err error) error { return shopgraph.Errorf("TeapotException", "%v", err) }}
		},
		want: errorCases,
	},
	// An unconfirmed user's right password answers like a wrong one.
	"hidesUnconfirmed": {
		wrap: func(a shopgraph.Accounts) shopgraph.Accounts {
			return mutant{Accounts: a, mapErr: func(err error) error {
				if shopgraph.IsCode(err, shopgraph.CodeUserNotConfirmed) {
					return shopgraph.Errorf(shopgraph.CodeNotAuthorized, "Incorrect username or password.")
				}
				return err
			}}
		},
		want: []string{accountstest.CaseConfirmSignUpWrongCode, accountstest.CaseSignInUnconfirmed},
	},
	"signOutKeepsToken": {
		wrap: func(a shopgraph.Accounts) shopgraph.Accounts { return mutant{Accounts: a, noSignOut: true} },
		want: []string{accountstest.CaseSignOut},
	},
	"sessionExpired": {
		wrap: func(a shopgraph.Accounts) shopgraph.Accounts {
			return mutant{Accounts: a, mapSession: func(s shopgraph.Session) shopgraph.Session { s.ExpiresAt = time.Now(); return s }}
		},
		want: []string{accountstest.CaseSignIn, accountstest.CaseProfile, accountstest.CaseRefreshSession, accountstest.CaseConfirmForgotPassword},
	},
	"refreshReplacesToken": {
		wrap: func(a shopgraph.Accounts) shopgraph.Accounts { return mutant{Accounts: a, newRefresh: true} },
		want: []string{accountstest.CaseRefreshSession},
	},
	// Too many wrong codes answer like one wrong code: no limit.
	"noCodeLimit": {
		wrap: func(a shopgraph.Accounts) shopgraph.Accounts {
			return mutant{Accounts: a, mapErr: func(err error) error {
				if shopgraph.IsCode(err, shopgraph.CodeTooManyAttempts) {
					return shopgraph.Errorf(shopgraph.CodeMismatch, "Invalid verification code provided, please try again.")
				}
				return err
			}}
		},
		want: []string{accountstest.CaseConfirmForgotPasswordLimit},
	},
	// A confirmed user's ConfirmSignUp answers as Cognito's does, telling
	// that the user exists.
	"revealsConfirmed": {
		wrap: func(a shopgraph.Accounts) shopgraph.Accounts { return &confirmedMutant{Accounts: a} },
		want: []string{accountstest.CaseConfirmSignUp, accountstest.CaseConfirmSignUpConfirmed},
	},
	"profileWithoutEmail": {
		wrap: func(a shopgraph.Accounts) shopgraph.Accounts { return mutant{Accounts: a, noEmail: true} },
		want: []string{accountstest.CaseProfile},
	},
}

// errorCases are the cases that see an error.
var errorCases = []string{
	accountstest.CaseSignUp, accountstest.CaseSignUpInvalidPassword, accountstest.CaseConfirmSignUp,
	accountstest.CaseConfirmSignUpWrongCode, accountstest.CaseConfirmSignUpConfirmed,
	accountstest.CaseSignInUnconfirmed, accountstest.CaseSignInWrongPassword, accountstest.CaseSignOut,
	accountstest.CaseConfirmForgotPasswordWrongCode, accountstest.CaseConfirmForgotPassword,
	accountstest.CaseConfirmForgotPasswordLimit, accountstest.CaseUnknownUser, accountstest.CaseConfirmSignUpUnknownUser,
}

// TestRun_catchesViolations proves the suite is not vacuous: it runs it
// against each mutant, in a child process (a failing subtest fails its
// parent), and checks that exactly the expected cases fail.
func TestRun_catchesViolations(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestMutants$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "ACCOUNTSTEST_MUTANTS=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the suite passed every mutant:\n%s", out)
	}
	failed := map[string][]string{}
	for _, m := range regexp.MustCompile(`--- FAIL: TestMutants/(\w+)/(\w+)`).FindAllStringSubmatch(string(out), -1) {
		failed[m[1]] = append(failed[m[1]], m[2])
	}
	for _, name := range slices.Sorted(maps.Keys(mutants)) {
		want := slices.Sorted(slices.Values(mutants[name].want))
		if got := slices.Sorted(slices.Values(failed[name])); !slices.Equal(got, want) {
			t.Errorf("mutant %s failed cases %v, want %v", name, got, want)
		}
	}
	// The closed-set check of every error, beside the cases' own assertions.
	for _, msg := range []string{"carries no *shopgraph.Error", "outside the closed set"} {
		if !strings.Contains(string(out), msg) {
			t.Errorf("no error was reported as %q", msg)
		}
	}
	if t.Failed() {
		t.Logf("child output:\n%s", out)
	}
}

// TestMutants runs the suite against every mutant; only
// TestRun_catchesViolations runs it, in its child process.
func TestMutants(t *testing.T) {
	if os.Getenv("ACCOUNTSTEST_MUTANTS") == "" {
		t.Skip("runs in TestRun_catchesViolations' child process")
	}
	keyDir := t.TempDir()
	for _, name := range slices.Sorted(maps.Keys(mutants)) {
		t.Run(name, func(t *testing.T) {
			accountstest.Run(t, func(t *testing.T) accountstest.Harness {
				h := userpoolHarness(t, keyDir)
				h.Accounts = mutants[name].wrap(h.Accounts)
				return h
			})
		})
	}
}

// TestRun_userpool: the suite passes the unbroken implementation the
// mutants wrap.
func TestRun_userpool(t *testing.T) {
	keyDir := t.TempDir()
	accountstest.Run(t, func(t *testing.T) accountstest.Harness { return userpoolHarness(t, keyDir) })
}

func TestHarnessChecks(t *testing.T) {
	if got := accountstest.Cases(); len(got) != len(slices.Compact(slices.Sorted(slices.Values(got)))) {
		t.Errorf("case names are not unique: %v", got)
	}
	for _, c := range []string{accountstest.CaseConfirmSignUp, accountstest.CaseConfirmForgotPassword} {
		if !accountstest.NeedsCode(c) {
			t.Errorf("NeedsCode(%s) = false", c)
		}
	}
	if accountstest.NeedsCode(accountstest.CaseSignIn) || accountstest.NeedsCode("nonsense") {
		t.Error("NeedsCode is true for a case that reads no code")
	}
}

// userpoolHarness is the embedded default's harness (as in
// local/userpool/accounts_test.go).
func userpoolHarness(t *testing.T, keyDir string) accountstest.Harness {
	iss, err := userpool.OpenIssuer(userpool.IssuerOptions{Dir: keyDir})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	codes := map[string]string{}
	a := &userpool.Accounts{
		Users:  userpool.NewDirectory(userpool.DirectoryOptions{Iterations: 1000}),
		Issuer: iss,
		Deliver: func(username, _, code string) {
			mu.Lock()
			defer mu.Unlock()
			codes[username] = code
		},
	}
	v, err := auth.NewVerifier(t.Context(), []auth.IssuerConfig{{
		Issuer: iss.Issuer(), ClientIDs: []string{iss.ClientID()}, Mode: shopgraph.AuthModeCognito, JWKS: iss.JWKS(),
	}}, auth.VerifierOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return accountstest.Harness{Accounts: a, Verify: v.Verify, Code: func(_ *testing.T, username string) (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		code, ok := codes[username]
		return code, ok
	}}
}

// mutant breaks an Accounts in one way.
type mutant struct {
	shopgraph.Accounts
	mapErr     func(error) error
	mapSession func(shopgraph.Session) shopgraph.Session
	noSignOut  bool
	newRefresh bool
	noEmail    bool
}

func (m mutant) err(err error) error {
	if err != nil && m.mapErr != nil {
		return m.mapErr(err)
	}
	return err
}

func (m mutant) session(s shopgraph.Session, err error) (shopgraph.Session, error) {
	if err == nil && m.mapSession != nil {
		s = m.mapSession(s)
	}
	return s, m.err(err)
}

func (m mutant) SignUp(ctx context.Context, username, password, email string) (string, error) {
	sub, err := m.Accounts.SignUp(ctx, username, password, email)
	return sub, m.err(err)
}

func (m mutant) ConfirmSignUp(ctx context.Context, username, code string) error {
	return m.err(m.Accounts.ConfirmSignUp(ctx, username, code))
}

func (m mutant) SignIn(ctx context.Context, username, password string) (shopgraph.Session, error) {
	return m.session(m.Accounts.SignIn(ctx, username, password))
}

func (m mutant) RefreshSession(ctx context.Context, refreshToken string) (shopgraph.Session, error) {
	s, err := m.Accounts.RefreshSession(ctx, refreshToken)
	if m.newRefresh && err == nil {
		s.RefreshToken = strings.ToUpper(s.RefreshToken) + "x"
	}
	return m.session(s, err)
}

func (m mutant) SignOut(ctx context.Context, refreshToken string) error {
	if m.noSignOut {
		return nil
	}
	return m.err(m.Accounts.SignOut(ctx, refreshToken))
}

func (m mutant) ForgotPassword(ctx context.Context, username string) error {
	return m.err(m.Accounts.ForgotPassword(ctx, username))
}

func (m mutant) ConfirmForgotPassword(ctx context.Context, username, code, newPassword string) error {
	return m.err(m.Accounts.ConfirmForgotPassword(ctx, username, code, newPassword))
}

func (m mutant) Profile(ctx context.Context, id shopgraph.Identity) (shopgraph.UserProfile, error) {
	p, err := m.Accounts.Profile(ctx, id)
	if m.noEmail {
		p.Email = ""
	}
	return p, m.err(err)
}

// confirmedMutant answers ConfirmSignUp of a user it saw confirmed with
// Cognito's NotAuthorizedException.
type confirmedMutant struct {
	shopgraph.Accounts
	mu        sync.Mutex
	confirmed map[string]bool
}

func (m *confirmedMutant) ConfirmSignUp(ctx context.Context, username, code string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.confirmed[username] {
		return shopgraph.Errorf(shopgraph.CodeNotAuthorized, "User cannot be confirmed. Current status is CONFIRMED")
	}
	err := m.Accounts.ConfirmSignUp(ctx, username, code)
	if err == nil {
		if m.confirmed == nil {
			m.confirmed = map[string]bool{}
		}
		m.confirmed[username] = true
	}
	return err
}
