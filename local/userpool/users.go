package userpool

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"math/big"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	shopgraph "github.com/shopgraph/shopgraph"
)

// User is an account in a user pool: what the sign-in mutations and `me`
// return and what Issuer.Mint puts into tokens.
type User struct {
	Sub      string
	Username string
	Email    string
	Groups   []string
	// Confirmed is false between SignUp and ConfirmSignUp.
	Confirmed bool
}

// Defaults of DirectoryOptions.
const (
	// DefaultPBKDF2Iterations is OWASP's recommendation for PBKDF2-HMAC-SHA256.
	DefaultPBKDF2Iterations = 600_000
	// DefaultRefreshTokenTTL is Cognito's default refresh-token lifetime.
	DefaultRefreshTokenTTL = 30 * 24 * time.Hour
	// DefaultSignUpCodeTTL is how long a sign-up confirmation code is valid.
	DefaultSignUpCodeTTL = 24 * time.Hour
	// DefaultResetCodeTTL is how long a forgot-password code is valid.
	DefaultResetCodeTTL = time.Hour
)

const (
	minPasswordLen   = 8
	maxPasswordLen   = 256
	maxUsernameLen   = 128
	maxEmailLen      = 2048
	maxCodeAttempts  = 5                // wrong codes before a code is burned
	lockoutAfter     = 5                // consecutive wrong passwords before lockout
	maxLockout       = 15 * time.Minute // Cognito's ceiling
	refreshSweepTick = time.Hour
)

// Cognito's messages, reused where Cognito's behaviour is mirrored.
const (
	msgIncorrectCredentials = "Incorrect username or password."
	msgAttemptsExceeded     = "Password attempts exceeded"
	msgCodeMismatch         = "Invalid verification code provided, please try again."
	msgCodeExpired          = "Invalid code provided, please request a code again."
	msgCodeLimit            = "Attempt limit exceeded, please try after some time."
	msgInvalidRefresh       = "Invalid Refresh Token"
)

// DirectoryOptions tune a Directory. The zero value is usable.
type DirectoryOptions struct {
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Iterations is the PBKDF2-HMAC-SHA256 work factor for new password
	// hashes. Default DefaultPBKDF2Iterations (about 0.1 s per hash); tests
	// may lower it. Existing hashes keep the count they were made with.
	Iterations int
	// RefreshTokenTTL is the lifetime of refresh tokens. Default
	// DefaultRefreshTokenTTL.
	RefreshTokenTTL time.Duration
	// SignUpCodeTTL and ResetCodeTTL are the lifetimes of confirmation and
	// forgot-password codes. Defaults DefaultSignUpCodeTTL and
	// DefaultResetCodeTTL.
	SignUpCodeTTL, ResetCodeTTL time.Duration
}

// Directory is the embedded default's local user pool: an in-memory,
// concurrency-safe store of users, password hashes, pending codes and
// refresh tokens, with Cognito's sign-up, sign-in, password-reset and
// refresh-token semantics. Nothing survives the process.
//
// Errors are *shopgraph.Error with Cognito's exception names as codes
// (shopgraph.CodeNotAuthorized, shopgraph.CodeUsernameExists, ...) and Cognito-like messages. Like a
// pool with PreventUserExistenceErrors enabled, the operations do not reveal
// whether a user exists: sign-in answers shopgraph.CodeNotAuthorized, codes answer
// shopgraph.CodeMismatch, and ForgotPassword "succeeds" for unknown users.
type Directory struct {
	now        func() time.Time
	iterations int
	refreshTTL time.Duration
	signUpTTL  time.Duration
	resetTTL   time.Duration

	mu        sync.Mutex
	users     map[string]*userRecord // by usernameKey
	refresh   map[[sha256.Size]byte]*refreshEntry
	nextSweep time.Time
}

type userRecord struct {
	user        User
	pw          passwordHash
	confirm     *pendingCode // set while unconfirmed
	reset       *pendingCode // set after ForgotPassword
	failures    int          // consecutive wrong passwords
	lockedUntil time.Time
}

type passwordHash struct {
	salt       []byte
	iterations int
	sum        []byte
}

type pendingCode struct {
	code     string
	expires  time.Time
	attempts int
}

type refreshEntry struct {
	key, sub string
	expires  time.Time
	revoked  bool
}

// NewDirectory returns an empty directory.
func NewDirectory(opts DirectoryOptions) *Directory {
	d := &Directory{
		now:        opts.Now,
		iterations: opts.Iterations,
		refreshTTL: opts.RefreshTokenTTL,
		signUpTTL:  opts.SignUpCodeTTL,
		resetTTL:   opts.ResetCodeTTL,
		users:      map[string]*userRecord{},
		refresh:    map[[sha256.Size]byte]*refreshEntry{},
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.iterations <= 0 {
		d.iterations = DefaultPBKDF2Iterations
	}
	if d.refreshTTL <= 0 {
		d.refreshTTL = DefaultRefreshTokenTTL
	}
	if d.signUpTTL <= 0 {
		d.signUpTTL = DefaultSignUpCodeTTL
	}
	if d.resetTTL <= 0 {
		d.resetTTL = DefaultResetCodeTTL
	}
	return d
}

// usernameKey is the lookup key of a username: usernames are
// case-insensitive, as in new Cognito pools.
func usernameKey(username string) string { return strings.ToLower(username) }

// ValidatePassword checks Cognito's default password policy: 8 to 256
// characters with a lowercase letter, an uppercase letter, a digit and a
// symbol, and no leading or trailing space. A failure is an
// shopgraph.CodeInvalidPassword error naming the first unmet rule in Cognito's words.
func ValidatePassword(password string) error {
	fail := func(why string) error {
		return shopgraph.Errorf(shopgraph.CodeInvalidPassword, "Password did not conform with policy: %s", why)
	}
	n := utf8.RuneCountInString(password)
	switch {
	case n < minPasswordLen:
		return fail("Password not long enough")
	case n > maxPasswordLen:
		return fail("Password is too long")
	case strings.TrimSpace(password) != password:
		return fail("Password must not begin or end with a space")
	case !strings.ContainsFunc(password, unicode.IsLower):
		return fail("Password must have lowercase characters")
	case !strings.ContainsFunc(password, unicode.IsUpper):
		return fail("Password must have uppercase characters")
	case !strings.ContainsFunc(password, func(r rune) bool { return r >= '0' && r <= '9' }):
		return fail("Password must have numeric characters")
	case !strings.ContainsAny(password, "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- "):
		return fail("Password must have symbol characters")
	}
	return nil
}

func validateUsername(username string) error {
	n := utf8.RuneCountInString(username)
	if n == 0 || n > maxUsernameLen || !utf8.ValidString(username) {
		return shopgraph.Errorf(shopgraph.CodeInvalidParameter, "Username must be 1 to %d characters", maxUsernameLen)
	}
	for _, r := range username {
		if !unicode.In(r, unicode.L, unicode.M, unicode.S, unicode.N, unicode.P) {
			return shopgraph.Errorf(shopgraph.CodeInvalidParameter, "Username may contain only letters, marks, symbols, digits and punctuation")
		}
	}
	return nil
}

func validateEmail(email string) error {
	if len(email) > maxEmailLen {
		return shopgraph.Errorf(shopgraph.CodeInvalidParameter, "Invalid email address format.")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email {
		return shopgraph.Errorf(shopgraph.CodeInvalidParameter, "Invalid email address format.")
	}
	return nil
}

func (d *Directory) hash(password string, salt []byte, iterations int) []byte {
	sum, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		// Only FIPS-140 mode refuses these parameters (salt >= 16 bytes,
		// key >= 14 bytes), so this cannot happen.
		panic("userpool: pbkdf2: " + err.Error())
	}
	return sum
}

func (d *Directory) newHash(password string) passwordHash {
	salt := make([]byte, 16)
	rand.Read(salt)
	return passwordHash{salt: salt, iterations: d.iterations, sum: d.hash(password, salt, d.iterations)}
}

func (d *Directory) matches(h passwordHash, password string) bool {
	return subtle.ConstantTimeCompare(d.hash(password, h.salt, h.iterations), h.sum) == 1
}

// newCode returns a random six-digit code.
func newCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic("userpool: crypto/rand: " + err.Error()) // crypto/rand does not fail
	}
	return fmt.Sprintf("%06d", n.Int64())
}

func cloneUser(u User) User {
	u.Groups = slices.Clone(u.Groups)
	return u
}

// SignUp registers an unconfirmed user with a random sub and returns it with
// the confirmation code (which Cognito would send by email; the embedded
// default logs or shows it). The code is valid for SignUpCodeTTL.
//
// Errors: shopgraph.CodeInvalidParameter for a malformed username or email,
// shopgraph.CodeInvalidPassword for a password that fails ValidatePassword,
// shopgraph.CodeUsernameExists for a taken username (confirmed or not; usernames are
// case-insensitive).
func (d *Directory) SignUp(username, password, email string) (User, string, error) {
	if err := validateUsername(username); err != nil {
		return User{}, "", err
	}
	if err := validateEmail(email); err != nil {
		return User{}, "", err
	}
	if err := ValidatePassword(password); err != nil {
		return User{}, "", err
	}
	key := usernameKey(username)
	if d.exists(key) { // spare the hash
		return User{}, "", shopgraph.Errorf(shopgraph.CodeUsernameExists, "User already exists")
	}
	pw := d.newHash(password)
	u := User{Sub: uuid.NewString(), Username: username, Email: email}
	code := newCode()

	d.mu.Lock()
	defer d.mu.Unlock()
	if d.users[key] != nil {
		return User{}, "", shopgraph.Errorf(shopgraph.CodeUsernameExists, "User already exists")
	}
	d.users[key] = &userRecord{user: u, pw: pw, confirm: &pendingCode{code: code, expires: d.now().Add(d.signUpTTL)}}
	return cloneUser(u), code, nil
}

func (d *Directory) exists(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.users[key] != nil
}

// Add stores u as given (sub, groups, confirmation) with password, like
// Cognito's AdminCreateUser followed by AdminSetUserPassword. It is for
// seeding and tests. Errors: shopgraph.CodeInvalidParameter (malformed username or
// email, empty sub), shopgraph.CodeInvalidPassword, shopgraph.CodeUsernameExists.
func (d *Directory) Add(u User, password string) error {
	if err := validateUsername(u.Username); err != nil {
		return err
	}
	if u.Email != "" {
		if err := validateEmail(u.Email); err != nil {
			return err
		}
	}
	if u.Sub == "" {
		return shopgraph.Errorf(shopgraph.CodeInvalidParameter, "User %q has no sub", u.Username)
	}
	if err := ValidatePassword(password); err != nil {
		return err
	}
	key := usernameKey(u.Username)
	if d.exists(key) {
		return shopgraph.Errorf(shopgraph.CodeUsernameExists, "User already exists")
	}
	pw := d.newHash(password)

	d.mu.Lock()
	defer d.mu.Unlock()
	if d.users[key] != nil {
		return shopgraph.Errorf(shopgraph.CodeUsernameExists, "User already exists")
	}
	rec := &userRecord{user: cloneUser(u), pw: pw}
	if !u.Confirmed {
		rec.confirm = &pendingCode{code: newCode(), expires: d.now().Add(d.signUpTTL)}
	}
	d.users[key] = rec
	return nil
}

// Lookup returns the user named username (case-insensitive). Error:
// shopgraph.CodeUserNotFound. It is for trusted callers (`me`, `shopgraph token`), not
// for answering anonymous requests.
func (d *Directory) Lookup(username string) (User, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	rec := d.users[usernameKey(username)]
	if rec == nil {
		return User{}, shopgraph.Errorf(shopgraph.CodeUserNotFound, "User does not exist.")
	}
	return cloneUser(rec.user), nil
}

// checkCode verifies code against p under d.mu: nil when it matches,
// otherwise the error to return (and the attempt is counted).
func checkCode(p *pendingCode, code string, now time.Time) error {
	switch {
	case p == nil:
		return shopgraph.Errorf(shopgraph.CodeMismatch, msgCodeMismatch)
	case p.attempts >= maxCodeAttempts:
		return shopgraph.Errorf(shopgraph.CodeTooManyAttempts, msgCodeLimit)
	case !now.Before(p.expires):
		return shopgraph.Errorf(shopgraph.CodeExpired, msgCodeExpired)
	case subtle.ConstantTimeCompare([]byte(code), []byte(p.code)) != 1:
		p.attempts++
		return shopgraph.Errorf(shopgraph.CodeMismatch, msgCodeMismatch)
	}
	return nil
}

// ConfirmSignUp confirms username's sign-up with the code SignUp returned.
// Errors: shopgraph.CodeMismatch for a wrong code or an unknown user,
// shopgraph.CodeExpired, shopgraph.CodeTooManyAttempts after 5 wrong codes,
// shopgraph.CodeNotAuthorized when the user is already confirmed.
func (d *Directory) ConfirmSignUp(username, code string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	rec := d.users[usernameKey(username)]
	if rec == nil {
		return shopgraph.Errorf(shopgraph.CodeMismatch, msgCodeMismatch)
	}
	if rec.user.Confirmed {
		return shopgraph.Errorf(shopgraph.CodeNotAuthorized, "User cannot be confirmed. Current status is CONFIRMED")
	}
	if err := checkCode(rec.confirm, code, d.now()); err != nil {
		return err
	}
	rec.user.Confirmed = true
	rec.confirm = nil
	return nil
}

// Authenticate checks username's password (USER_PASSWORD_AUTH) and returns
// the user. Errors: shopgraph.CodeNotAuthorized "Incorrect username or password." for a
// wrong password or an unknown user (which costs the same hash), and
// "Password attempts exceeded" while locked out: after 5 consecutive wrong
// passwords each further failure locks the user for 1 s, doubling up to
// 15 min, as Cognito does; shopgraph.CodeUserNotConfirmed for the right password of an
// unconfirmed user.
func (d *Directory) Authenticate(username, password string) (User, error) {
	key := usernameKey(username)
	d.mu.Lock()
	rec := d.users[key]
	var pw passwordHash
	if rec != nil {
		if d.now().Before(rec.lockedUntil) {
			d.mu.Unlock()
			return User{}, shopgraph.Errorf(shopgraph.CodeNotAuthorized, msgAttemptsExceeded)
		}
		pw = rec.pw
	}
	d.mu.Unlock()

	if rec == nil {
		d.hash(password, make([]byte, 16), d.iterations) // same cost as a real check
		return User{}, shopgraph.Errorf(shopgraph.CodeNotAuthorized, msgIncorrectCredentials)
	}
	ok := d.matches(pw, password)

	d.mu.Lock()
	defer d.mu.Unlock()
	if d.users[key] != rec { // deleted or replaced meanwhile
		return User{}, shopgraph.Errorf(shopgraph.CodeNotAuthorized, msgIncorrectCredentials)
	}
	if !ok {
		rec.failures++
		if n := rec.failures - lockoutAfter; n >= 0 {
			rec.lockedUntil = d.now().Add(min(time.Second<<min(n, 20), maxLockout))
		}
		return User{}, shopgraph.Errorf(shopgraph.CodeNotAuthorized, msgIncorrectCredentials)
	}
	rec.failures = 0
	rec.lockedUntil = time.Time{}
	if !rec.user.Confirmed {
		return User{}, shopgraph.Errorf(shopgraph.CodeUserNotConfirmed, "User is not confirmed.")
	}
	return cloneUser(rec.user), nil
}

// ForgotPassword starts a password reset and returns the code (which Cognito
// would send by email), valid for ResetCodeTTL; a new call replaces the
// previous code. For an unknown user it returns a code that never works, so
// the answer does not reveal whether the user exists. Error:
// shopgraph.CodeInvalidParameter for an unconfirmed user, who has no verified address
// (Cognito's rule).
func (d *Directory) ForgotPassword(username string) (string, error) {
	code := newCode()
	d.mu.Lock()
	defer d.mu.Unlock()
	rec := d.users[usernameKey(username)]
	if rec == nil {
		return code, nil
	}
	if !rec.user.Confirmed {
		return "", shopgraph.Errorf(shopgraph.CodeInvalidParameter, "Cannot reset password for the user as there is no registered/verified email or phone_number")
	}
	rec.reset = &pendingCode{code: code, expires: d.now().Add(d.resetTTL)}
	return code, nil
}

// ConfirmForgotPassword sets username's password to newPassword when code
// is the one ForgotPassword returned; it also ends any lockout and revokes
// all of the user's refresh tokens (a reset usually means the old password
// leaked; Cognito itself keeps them). Errors: shopgraph.CodeInvalidPassword,
// shopgraph.CodeMismatch for a wrong code, an unknown user or no pending reset,
// shopgraph.CodeExpired, shopgraph.CodeTooManyAttempts after 5 wrong codes.
func (d *Directory) ConfirmForgotPassword(username, code, newPassword string) error {
	if err := ValidatePassword(newPassword); err != nil {
		return err
	}
	key := usernameKey(username)
	d.mu.Lock()
	rec := d.users[key]
	if rec == nil {
		d.mu.Unlock()
		return shopgraph.Errorf(shopgraph.CodeMismatch, msgCodeMismatch)
	}
	if err := checkCode(rec.reset, code, d.now()); err != nil {
		d.mu.Unlock()
		return err
	}
	rec.reset = nil // the code is spent before the slow hash
	d.mu.Unlock()

	pw := d.newHash(newPassword)

	d.mu.Lock()
	defer d.mu.Unlock()
	if d.users[key] != rec {
		return shopgraph.Errorf(shopgraph.CodeMismatch, msgCodeMismatch)
	}
	rec.pw = pw
	rec.failures = 0
	rec.lockedUntil = time.Time{}
	for _, e := range d.refresh {
		if e.key == key && e.sub == rec.user.Sub {
			e.revoked = true
		}
	}
	return nil
}

// IssueRefreshToken returns a new opaque refresh token for u (who should
// have just authenticated), valid for RefreshTokenTTL. Only its SHA-256 is
// kept.
func (d *Directory) IssueRefreshToken(u User) string {
	raw := make([]byte, 32)
	rand.Read(raw)
	token := b64(raw)
	now := d.now()

	d.mu.Lock()
	defer d.mu.Unlock()
	if now.After(d.nextSweep) {
		for h, e := range d.refresh {
			if !now.Before(e.expires) {
				delete(d.refresh, h)
			}
		}
		d.nextSweep = now.Add(refreshSweepTick)
	}
	d.refresh[sha256.Sum256([]byte(token))] = &refreshEntry{key: usernameKey(u.Username), sub: u.Sub, expires: now.Add(d.refreshTTL)}
	return token
}

// Refresh returns the current state of the user a refresh token was issued
// to (REFRESH_TOKEN_AUTH), so new tokens carry current groups. Errors, all
// shopgraph.CodeNotAuthorized: "Invalid Refresh Token" (unknown token, or the user is
// gone or was replaced), "Refresh Token has been revoked", "Refresh Token
// has expired".
func (d *Directory) Refresh(token string) (User, error) {
	h := sha256.Sum256([]byte(token))
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.refresh[h]
	switch {
	case e == nil:
		return User{}, shopgraph.Errorf(shopgraph.CodeNotAuthorized, msgInvalidRefresh)
	case e.revoked:
		return User{}, shopgraph.Errorf(shopgraph.CodeNotAuthorized, "Refresh Token has been revoked")
	case !d.now().Before(e.expires):
		return User{}, shopgraph.Errorf(shopgraph.CodeNotAuthorized, "Refresh Token has expired")
	}
	rec := d.users[e.key]
	if rec == nil || rec.user.Sub != e.sub || !rec.user.Confirmed {
		return User{}, shopgraph.Errorf(shopgraph.CodeNotAuthorized, msgInvalidRefresh)
	}
	return cloneUser(rec.user), nil
}

// RevokeRefreshToken revokes a refresh token (Cognito's RevokeToken, which
// Amplify's signOut calls); Refresh then fails. Revoking an unknown or
// already revoked token succeeds, as OAuth revocation (RFC 7009) does.
// Tokens already minted from it stay valid until they expire: JWTs are not
// revocable. Error: shopgraph.CodeInvalidParameter for an empty token.
func (d *Directory) RevokeRefreshToken(token string) error {
	if token == "" {
		return shopgraph.Errorf(shopgraph.CodeInvalidParameter, "Refresh token is required")
	}
	h := sha256.Sum256([]byte(token))
	d.mu.Lock()
	defer d.mu.Unlock()
	if e := d.refresh[h]; e != nil {
		e.revoked = true
	}
	return nil
}
