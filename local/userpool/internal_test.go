package userpool

import (
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
)

// TestThumbprint checks the RFC 7638 §3.1 example.
func TestThumbprint(t *testing.T) {
	n, err := base64.RawURLEncoding.DecodeString("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw")
	if err != nil {
		t.Fatal(err)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}
	if got, want := thumbprint(pub), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Errorf("thumbprint = %s, want %s", got, want)
	}
}

// TestUserDirectory_hashesPasswords: only a salted PBKDF2 hash is kept.
func TestUserDirectory_hashesPasswords(t *testing.T) {
	d := NewDirectory(DirectoryOptions{Iterations: 1000})
	if err := d.Add(User{Sub: "s1", Username: "ann", Confirmed: true}, "Passw0rd!"); err != nil {
		t.Fatal(err)
	}
	if err := d.Add(User{Sub: "s2", Username: "ben", Confirmed: true}, "Passw0rd!"); err != nil {
		t.Fatal(err)
	}
	a, b := d.users["ann"].pw, d.users["ben"].pw
	if string(a.sum) == "Passw0rd!" || len(a.sum) != 32 || len(a.salt) != 16 || a.iterations != 1000 {
		t.Errorf("hash = %+v", a)
	}
	if string(a.salt) == string(b.salt) || string(a.sum) == string(b.sum) {
		t.Error("two users with one password share salt or hash")
	}
}

// TestUserDirectory_refreshSweep: expired refresh tokens are dropped.
func TestUserDirectory_refreshSweep(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := NewDirectory(DirectoryOptions{Iterations: 1000, RefreshTokenTTL: time.Minute, Now: func() time.Time { return now }})
	u := User{Sub: "s", Username: "u"}
	for range 10 {
		d.IssueRefreshToken(u)
	}
	now = now.Add(2 * time.Hour)
	d.IssueRefreshToken(u)
	if n := len(d.refresh); n != 1 {
		t.Errorf("%d refresh entries kept, want 1", n)
	}
}

// TestUserDirectory_ghostsBounded: the state kept for unknown usernames
// stays within MaxTrackedUsernames, lapsed entries go first, and a flood of
// unknown usernames never touches a real user's lockout.
func TestUserDirectory_ghostsBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := NewDirectory(DirectoryOptions{Iterations: 1000, MaxTrackedUsernames: 4, Now: func() time.Time { return now }})
	if err := d.Add(User{Sub: "s", Username: "real", Confirmed: true}, "Passw0rd!"); err != nil {
		t.Fatal(err)
	}
	for range LockoutAfterFailures {
		d.Authenticate("real", "Wrong-pa55")
	}
	for i := range 50 {
		d.Authenticate(fmt.Sprintf("ghost%d", i), "Wrong-pa55")
		d.ConfirmSignUp(fmt.Sprintf("other%d", i), "000000")
		if n := len(d.ghosts); n > 4 {
			t.Fatalf("%d unknown usernames tracked, want at most 4", n)
		}
	}
	if _, err := d.Authenticate("real", "Passw0rd!"); shopgraph.ErrorMessage(err) != "Password attempts exceeded" {
		t.Errorf("the real user's lockout after a flood: %v", err)
	}

	// Lapsed entries are swept before live ones are evicted.
	d.ghosts = map[string]*throttle{}
	d.ForgotPassword("live") // state for an hour
	d.Authenticate("lapsing", "Wrong-pa55")
	now = now.Add(LockoutResetAfter)
	d.nextGhostSweep = time.Time{}
	for i := range 3 {
		d.ConfirmSignUp(fmt.Sprintf("new%d", i), "000000")
	}
	if d.ghosts["live"] == nil || d.ghosts["lapsing"] != nil {
		t.Errorf("after a sweep: live kept %v, lapsed dropped %v", d.ghosts["live"] != nil, d.ghosts["lapsing"] == nil)
	}

	// Signing up takes the username out of the ghosts.
	d.ConfirmSignUp("newcomer", "000000")
	if _, _, err := d.SignUp("newcomer", "Passw0rd!", "n@example.com"); err != nil {
		t.Fatal(err)
	}
	if d.ghosts["newcomer"] != nil {
		t.Error("a signed-up username is still a ghost")
	}
}
