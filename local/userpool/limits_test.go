package userpool_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/local/userpool"
)

// otherThan returns a six-digit code that is not code.
func otherThan(code string, i int) string {
	wrong := fmt.Sprintf("%06d", i)
	if wrong == code {
		wrong = fmt.Sprintf("%06d", i+1)
	}
	return wrong
}

// TestUserDirectory_ConfirmForgotPassword_bruteForce replays the review's
// attack (a fresh code, then guesses, over and over): the count of wrong
// codes is the username's, so a new code does not start it over, and once
// it reaches the limit even the right code is refused until the window has
// passed.
func TestUserDirectory_ConfirmForgotPassword_bruteForce(t *testing.T) {
	c := newClock()
	d := newDir(c)
	mustSignUpConfirmed(t, d, "vera")
	const newPW = "N3w-password"
	guesses, refused := 0, 0
	var last string
	for round := range 50 {
		if code, err := d.ForgotPassword("vera"); err == nil {
			last = code
		} else {
			wantCode(t, err, shopgraph.CodeTooManyAttempts, "Attempt limit exceeded, please try after some time.")
		}
		for i := range 5 {
			err := d.ConfirmForgotPassword("vera", otherThan(last, round*5+i), newPW)
			switch shopgraph.CodeOf(err) {
			case shopgraph.CodeMismatch:
				guesses++
			case shopgraph.CodeTooManyAttempts:
				refused++
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
	if guesses != userpool.DefaultCodeFailureLimit {
		t.Errorf("%d wrong codes were checked in an hour, want %d", guesses, userpool.DefaultCodeFailureLimit)
	}
	wantCode(t, d.ConfirmForgotPassword("vera", last, newPW), shopgraph.CodeTooManyAttempts, "Attempt limit exceeded, please try after some time.")

	// The window rolls: the failures were all at one instant, so they all
	// leave it an hour later, and the right code (still valid: ResetCodeTTL
	// is an hour too, so ask for a new one) works.
	c.Advance(userpool.DefaultLimitWindow)
	code, err := d.ForgotPassword("vera")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.ConfirmForgotPassword("vera", code, newPW); err != nil {
		t.Fatalf("the right code after the window: %v", err)
	}
	if _, err := d.Authenticate("vera", newPW); err != nil {
		t.Errorf("new password: %v", err)
	}
}

// TestUserDirectory_codeFailures_rolling: the limit counts the failures of
// the last LimitWindow, wherever they fall, and sign-up and reset codes
// share it.
func TestUserDirectory_codeFailures_rolling(t *testing.T) {
	c := newClock()
	d := userpool.NewDirectory(userpool.DirectoryOptions{Now: c.Now, Iterations: 1000, CodeFailureLimit: 3, LimitWindow: 10 * time.Minute, ResetCodeTTL: time.Hour})
	mustSignUpConfirmed(t, d, "walt")
	code, err := d.ForgotPassword("walt")
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, d.ConfirmForgotPassword("walt", otherThan(code, 0), pw), shopgraph.CodeMismatch, "") // t=0
	c.Advance(4 * time.Minute)
	wantCode(t, d.ConfirmSignUp("walt", "000000"), shopgraph.CodeMismatch, "") // t=4, confirmed: no code to match
	c.Advance(4 * time.Minute)
	wantCode(t, d.ConfirmForgotPassword("walt", otherThan(code, 1), pw), shopgraph.CodeMismatch, "") // t=8
	wantCode(t, d.ConfirmForgotPassword("walt", code, "N3w-password"), shopgraph.CodeTooManyAttempts, "")
	wantCode(t, d.ConfirmSignUp("walt", "000000"), shopgraph.CodeTooManyAttempts, "")
	c.Advance(2 * time.Minute) // t=10: the first failure has left the window
	wantCode(t, d.ConfirmForgotPassword("walt", otherThan(code, 2), pw), shopgraph.CodeMismatch, "")
	wantCode(t, d.ConfirmForgotPassword("walt", code, "N3w-password"), shopgraph.CodeTooManyAttempts, "")
	c.Advance(4 * time.Minute) // t=14: the one at 4 has left too
	if err := d.ConfirmForgotPassword("walt", code, "N3w-password"); err != nil {
		t.Fatalf("the right code with room in the window: %v", err)
	}
}

// TestUserDirectory_ForgotPassword_throttle: at most ResetRequestLimit
// codes per username per window, for unknown usernames alike.
func TestUserDirectory_ForgotPassword_throttle(t *testing.T) {
	c := newClock()
	d := newDir(c)
	mustSignUpConfirmed(t, d, "xena")
	for _, name := range []string{"xena", "XENA-nobody"} {
		for i := range userpool.DefaultResetRequestLimit {
			if _, err := d.ForgotPassword(name); err != nil {
				t.Fatalf("%s: request %d: %v", name, i+1, err)
			}
			c.Advance(time.Minute)
		}
		_, err := d.ForgotPassword(name)
		wantCode(t, err, shopgraph.CodeTooManyAttempts, "Attempt limit exceeded, please try after some time.")
	}
	// Case-insensitive: one username, one budget.
	_, err := d.ForgotPassword("Xena")
	wantCode(t, err, shopgraph.CodeTooManyAttempts, "")
	// Rolling: xena's first request, at 0, leaves the window at 1 h.
	c.Advance(userpool.DefaultLimitWindow - 10*time.Minute)
	if _, err := d.ForgotPassword("xena"); err != nil {
		t.Fatalf("after the first request left the window: %v", err)
	}
	_, err = d.ForgotPassword("xena")
	wantCode(t, err, shopgraph.CodeTooManyAttempts, "")
}

// outcome is what a caller sees of one call.
type outcome struct {
	code shopgraph.ErrorCode
	msg  string
}

func outcomeOf(err error) outcome {
	return outcome{shopgraph.CodeOf(err), shopgraph.ErrorMessage(err)}
}

// TestUserDirectory_unknownUsersLookReal runs one script of anonymous calls
// (wrong passwords into the lockout and out of it, wrong sign-up codes,
// reset requests into their limit, wrong and expired reset codes) against a
// confirmed user, an unconfirmed one and a username nobody signed up with,
// and wants the same answers, call for call.
func TestUserDirectory_unknownUsersLookReal(t *testing.T) {
	script := func(t *testing.T, c *clock, d *userpool.Directory, name string) []outcome {
		var out []outcome
		add := func(err error) { out = append(out, outcomeOf(err)) }
		for range 7 { // lockout after 5, then refusals
			_, err := d.Authenticate(name, "Wrong-pa55")
			add(err)
		}
		c.Advance(time.Second)
		_, err := d.Authenticate(name, "Wrong-pa55") // 6th counted: 2 s
		add(err)
		c.Advance(time.Second)
		_, err = d.Authenticate(name, "Wrong-pa55")
		add(err)
		c.Advance(userpool.LockoutResetAfter)
		_, err = d.Authenticate(name, "Wrong-pa55") // counted from 1 again
		add(err)
		// Codes that are never right (not digits), so the script is the
		// same whoever runs it.
		for i := range 7 { // limited after 5
			add(d.ConfirmSignUp(name, fmt.Sprintf("x%05d", i)))
		}
		c.Advance(userpool.DefaultLimitWindow)
		for range 7 { // limited after 5
			_, err := d.ForgotPassword(name)
			add(err)
		}
		for i := range 4 {
			add(d.ConfirmForgotPassword(name, fmt.Sprintf("y%05d", i), "N3w-password"))
		}
		c.Advance(userpool.DefaultResetCodeTTL)
		add(d.ConfirmForgotPassword(name, "z00000", "N3w-password")) // the last code expired, even nobody's
		add(d.ConfirmForgotPassword(name, "z00000", "weak"))
		return out
	}
	run := func(t *testing.T, name string, setup func(*userpool.Directory)) []outcome {
		c := newClock()
		d := newDir(c)
		setup(d)
		return script(t, c, d, name)
	}
	confirmed := run(t, "yuri", func(d *userpool.Directory) { mustSignUpConfirmed(t, d, "yuri") })
	unconfirmed := run(t, "yuri", func(d *userpool.Directory) {
		if _, _, err := d.SignUp("yuri", pw, "yuri@example.com"); err != nil {
			t.Fatal(err)
		}
	})
	unknown := run(t, "yuri", func(*userpool.Directory) {})
	for i := range confirmed {
		if confirmed[i] != unknown[i] || unconfirmed[i] != unknown[i] {
			t.Errorf("call %d: confirmed %v, unconfirmed %v, unknown %v", i, confirmed[i], unconfirmed[i], unknown[i])
		}
	}
	// The script did meet every answer it means to compare.
	seen := map[outcome]bool{}
	for _, o := range unknown {
		seen[o] = true
	}
	for _, want := range []outcome{
		{shopgraph.CodeNotAuthorized, "Incorrect username or password."},
		{shopgraph.CodeNotAuthorized, "Password attempts exceeded"},
		{shopgraph.CodeMismatch, "Invalid verification code provided, please try again."},
		{shopgraph.CodeTooManyAttempts, "Attempt limit exceeded, please try after some time."},
		{shopgraph.CodeExpired, "Invalid code provided, please request a code again."},
		{"", ""},
	} {
		if !seen[want] {
			t.Errorf("the script never saw %v: %v", want, unknown)
		}
	}
}

// TestUserDirectory_Authenticate_lockoutUnknown: a username nobody signed
// up with is locked out like a real one.
func TestUserDirectory_Authenticate_lockoutUnknown(t *testing.T) {
	c := newClock()
	d := newDir(c)
	for range userpool.LockoutAfterFailures {
		_, err := d.Authenticate("nobody", "Wrong-pa55")
		wantCode(t, err, shopgraph.CodeNotAuthorized, "Incorrect username or password.")
	}
	_, err := d.Authenticate("NoBody", pw)
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Password attempts exceeded")
	c.Advance(time.Second)
	_, err = d.Authenticate("nobody", pw)
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Incorrect username or password.")
}

// TestUserDirectory_Authenticate_lockoutBounded: a stranger's wrong
// passwords lock a user out for at most MaxLockout each, and the count
// starts over after LockoutResetAfter without attempts, as on Cognito.
func TestUserDirectory_Authenticate_lockoutBounded(t *testing.T) {
	c := newClock()
	d := newDir(c)
	mustSignUpConfirmed(t, d, "zack")
	// A stranger guesses each time the lockout ends: every guess is
	// checked, so the n-th lockout lasted no longer than 1 s << (n-5).
	for n := 1; n < 15; n++ {
		_, err := d.Authenticate("zack", "Wrong-pa55")
		wantCode(t, err, shopgraph.CodeNotAuthorized, "Incorrect username or password.")
		if n >= userpool.LockoutAfterFailures {
			c.Advance(time.Second << (n - userpool.LockoutAfterFailures))
		}
	}
	// The 15th would lock for 1024 s: it locks for MaxLockout, refusing
	// even zack's password until its very end.
	_, err := d.Authenticate("zack", "Wrong-pa55")
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Incorrect username or password.")
	c.Advance(userpool.MaxLockout - time.Second)
	_, err = d.Authenticate("zack", pw)
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Password attempts exceeded")
	c.Advance(time.Second)
	if _, err := d.Authenticate("zack", pw); err != nil {
		t.Fatalf("at the end of the longest lockout: %v", err)
	}

	// Quiet for LockoutResetAfter after a lockout: the count starts over,
	// so one more wrong password does not lock zack out again.
	for range userpool.LockoutAfterFailures {
		d.Authenticate("zack", "Wrong-pa55")
	}
	c.Advance(userpool.LockoutResetAfter)
	_, err = d.Authenticate("zack", "Wrong-pa55")
	wantCode(t, err, shopgraph.CodeNotAuthorized, "Incorrect username or password.")
	if _, err := d.Authenticate("zack", pw); err != nil {
		t.Fatalf("after a quiet period and one wrong password: %v", err)
	}
}

// TestUserDirectory_Authenticate_concurrentGuesses: guesses sent at once
// are checked one at a time, so they meet the lockout the earlier ones
// earned rather than all slipping in before it.
func TestUserDirectory_Authenticate_concurrentGuesses(t *testing.T) {
	c := newClock()
	d := newDir(c)
	mustSignUpConfirmed(t, d, "abel")
	for _, name := range []string{"abel", "nobody"} {
		var mu sync.Mutex
		checked := 0
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				_, err := d.Authenticate(name, "Wrong-pa55")
				if shopgraph.ErrorMessage(err) == "Incorrect username or password." {
					mu.Lock()
					checked++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if checked != userpool.LockoutAfterFailures {
			t.Errorf("%s: %d of 40 concurrent guesses were checked, want %d", name, checked, userpool.LockoutAfterFailures)
		}
	}
}
