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
	// DefaultCodeFailureLimit is how many wrong codes (sign-up confirmation
	// and password reset together) one username is answered with
	// CodeMismatch in any LimitWindow before the codes are locked. With a
	// six-digit code, 5 an hour caps a guesser at a 5-in-a-million chance an
	// hour (about 4% a year of guessing without pause), however many fresh
	// codes ForgotPassword hands out.
	DefaultCodeFailureLimit = 5
	// DefaultResetRequestLimit is how many ForgotPassword requests one
	// username is granted in any LimitWindow.
	DefaultResetRequestLimit = 5
	// DefaultLimitWindow is the rolling window of CodeFailureLimit and
	// ResetRequestLimit.
	DefaultLimitWindow = time.Hour
	// DefaultMaxTrackedUsernames bounds the usernames nobody signed up with
	// whose failed attempts the directory remembers (see
	// DirectoryOptions.MaxTrackedUsernames): a few hundred bytes each.
	DefaultMaxTrackedUsernames = 10_000
)

// The sign-in lockout, Cognito's documented policy (it is not configurable
// there either). After LockoutAfterFailures consecutive wrong passwords for
// a username, each further wrong password locks the username for 1 s,
// doubling with each one up to MaxLockout; attempts during a lockout are
// refused ("Password attempts exceeded", even with the right password) and
// not counted. The count starts over after a successful sign-in, a password
// reset, or LockoutResetAfter without any sign-in attempt (refused ones
// included).
//
// Usernames nobody signed up with are locked out the same way (see
// Directory), so the lockout tells nothing about who exists. A stranger can
// use it to keep a real user from signing in, as on Cognito, but only for
// as long as they keep guessing: each lockout needs a fresh wrong password
// after the previous one ended, lasts at most MaxLockout, and the user can
// still reset their password.
const (
	LockoutAfterFailures = 5                // wrong passwords before the first lockout
	MaxLockout           = 15 * time.Minute // the longest lockout
	LockoutResetAfter    = 15 * time.Minute // quiet time that starts the count over
)

const (
	minPasswordLen   = 8
	maxPasswordLen   = 256
	maxUsernameLen   = 128
	maxEmailLen      = 2048
	refreshSweepTick = time.Hour
	ghostSweepTick   = time.Minute
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

// DirectoryOptions tune a Directory. The zero value is usable; a field at
// zero (or below) takes its default.
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
	// CodeFailureLimit is how many wrong codes ConfirmSignUp and
	// ConfirmForgotPassword, together, answer for one username in any
	// LimitWindow. Beyond it both answer shopgraph.CodeTooManyAttempts,
	// whatever code is presented (even the right one), until the oldest
	// failure leaves the window; a fresh code from ForgotPassword does not
	// reset the count. Default DefaultCodeFailureLimit.
	CodeFailureLimit int
	// ResetRequestLimit is how many ForgotPassword requests one username is
	// granted in any LimitWindow; beyond it ForgotPassword answers
	// shopgraph.CodeTooManyAttempts. Default DefaultResetRequestLimit.
	ResetRequestLimit int
	// LimitWindow is the rolling window of CodeFailureLimit and
	// ResetRequestLimit. Default DefaultLimitWindow.
	LimitWindow time.Duration
	// MaxTrackedUsernames bounds how many usernames nobody signed up with
	// the directory keeps lockout and limit state for (state of real users
	// is kept with them). Past the bound, state that has lapsed is dropped
	// first, then arbitrary entries: a flood of that many distinct unknown
	// usernames can shorten the simulated lockouts of unknown usernames,
	// never a real user's. Default DefaultMaxTrackedUsernames.
	MaxTrackedUsernames int
}

// Directory is the embedded default's local user pool: an in-memory,
// concurrency-safe store of users, password hashes, pending codes and
// refresh tokens, with Cognito's sign-up, sign-in, password-reset and
// refresh-token semantics. Nothing survives the process.
//
// Errors are *shopgraph.Error with Cognito's exception names as codes
// (shopgraph.CodeNotAuthorized, shopgraph.CodeUsernameExists, ...) and
// Cognito-like messages.
//
// Like a pool with PreventUserExistenceErrors enabled, and more strictly,
// the anonymous operations answer a username nobody signed up with exactly
// as they answer a real one: Authenticate answers CodeNotAuthorized (after
// the same hash, with the same lockout), ConfirmSignUp and
// ConfirmForgotPassword answer CodeMismatch (with the same limit on wrong
// codes), ForgotPassword "succeeds" (with the same request limit) for
// unknown and unconfirmed users alike, handing out a code that never works,
// and its expiry is simulated too. State is kept per username key (the
// lowercased username) whether or not the user exists, within
// MaxTrackedUsernames. What still tells users apart is what Cognito's API
// cannot hide: SignUp answers CodeUsernameExists for a taken username, the
// right password of an unconfirmed user is CodeUserNotConfirmed, and the
// sign-up code of a user who never confirmed expires (CodeExpired).
//
// There are no per-code attempt counters: the limits are per username and
// time-bounded, so a stranger's wrong guesses can hold a user's codes for
// at most a LimitWindow at a time, never burn them for good.
type Directory struct {
	now          func() time.Time
	iterations   int
	refreshTTL   time.Duration
	signUpTTL    time.Duration
	resetTTL     time.Duration
	codeFailures int
	resetLimit   int
	window       time.Duration
	maxGhosts    int

	mu             sync.Mutex
	users          map[string]*userRecord // by usernameKey
	ghosts         map[string]*throttle   // by usernameKey, for usernames not in users
	refresh        map[[sha256.Size]byte]*refreshEntry
	nextSweep      time.Time
	nextGhostSweep time.Time
}

type userRecord struct {
	user    User
	pw      passwordHash
	confirm *pendingCode // set while unconfirmed
	limits  throttle
}

// throttle is the abuse-limiting state of one username key: that of a real
// user lives in its userRecord, that of an unknown username in
// Directory.ghosts. Both go through the same code, so that the answers do
// not tell them apart. Its fields are guarded by Directory.mu, except gate.
type throttle struct {
	// gate serializes password checks of the username, so that concurrent
	// guesses meet the lockout the earlier ones earned.
	gate sync.Mutex
	// active counts Authenticate calls using this state (a ghost in use is
	// not evicted).
	active      int
	failures    int       // counted wrong passwords
	lockedUntil time.Time // sign-in lockout
	lastSignIn  time.Time // last sign-in attempt, for LockoutResetAfter
	// codeFailures and resetRequests are the times of the latest wrong
	// codes and ForgotPassword requests, oldest first, at most the limit.
	codeFailures  []time.Time
	resetRequests []time.Time
	// reset is the pending forgot-password code; dead for unknown and
	// unconfirmed users.
	reset *pendingCode
}

type passwordHash struct {
	salt       []byte
	iterations int
	sum        []byte
}

type pendingCode struct {
	code    string
	expires time.Time
	dead    bool // never matches: handed out so as not to reveal the user
}

// matches reports whether code is p's, in constant time.
func (p *pendingCode) matches(code string) bool {
	return subtle.ConstantTimeCompare([]byte(code), []byte(p.code)) == 1 && !p.dead
}

type refreshEntry struct {
	key, sub string
	expires  time.Time
	revoked  bool
}

// NewDirectory returns an empty directory.
func NewDirectory(opts DirectoryOptions) *Directory {
	d := &Directory{
		now:          opts.Now,
		iterations:   opts.Iterations,
		refreshTTL:   opts.RefreshTokenTTL,
		signUpTTL:    opts.SignUpCodeTTL,
		resetTTL:     opts.ResetCodeTTL,
		codeFailures: opts.CodeFailureLimit,
		resetLimit:   opts.ResetRequestLimit,
		window:       opts.LimitWindow,
		maxGhosts:    opts.MaxTrackedUsernames,
		users:        map[string]*userRecord{},
		ghosts:       map[string]*throttle{},
		refresh:      map[[sha256.Size]byte]*refreshEntry{},
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
	if d.codeFailures <= 0 {
		d.codeFailures = DefaultCodeFailureLimit
	}
	if d.resetLimit <= 0 {
		d.resetLimit = DefaultResetRequestLimit
	}
	if d.window <= 0 {
		d.window = DefaultLimitWindow
	}
	if d.maxGhosts <= 0 {
		d.maxGhosts = DefaultMaxTrackedUsernames
	}
	return d
}

// throttleFor returns the limits of key under d.mu: rec's when the user
// exists, else the ghost entry of the unknown username, made when missing.
func (d *Directory) throttleFor(key string, rec *userRecord, now time.Time) *throttle {
	if rec != nil {
		return &rec.limits
	}
	if t := d.ghosts[key]; t != nil {
		return t
	}
	if len(d.ghosts) >= d.maxGhosts {
		d.evictGhosts(now)
	}
	t := &throttle{}
	d.ghosts[key] = t
	return t
}

// evictGhosts makes room in d.ghosts under d.mu: it drops the entries whose
// state has lapsed (at most once per ghostSweepTick), then, while the map is
// still full, arbitrary entries not in use. Entries in use (at most one per
// concurrent Authenticate) may take the map past its bound.
func (d *Directory) evictGhosts(now time.Time) {
	if !now.Before(d.nextGhostSweep) {
		for k, t := range d.ghosts {
			if t.lapsed(now, d.window) {
				delete(d.ghosts, k)
			}
		}
		d.nextGhostSweep = now.Add(ghostSweepTick)
	}
	for k, t := range d.ghosts {
		if len(d.ghosts) < d.maxGhosts {
			return
		}
		if t.active == 0 {
			delete(d.ghosts, k)
		}
	}
}

// lapsed reports whether t holds nothing that still matters at now: a
// fresh throttle would answer the same.
func (t *throttle) lapsed(now time.Time, window time.Duration) bool {
	return t.active == 0 &&
		(t.failures == 0 || !now.Before(t.lastSignIn.Add(LockoutResetAfter))) && !now.Before(t.lockedUntil) &&
		len(within(t.codeFailures, now, window)) == 0 && len(within(t.resetRequests, now, window)) == 0 &&
		(t.reset == nil || !now.Before(t.reset.expires))
}

// within drops the times of ts that are at least window before now.
func within(ts []time.Time, now time.Time, window time.Duration) []time.Time {
	return slices.DeleteFunc(ts, func(t time.Time) bool { return !now.Before(t.Add(window)) })
}

// record appends now to ts, keeping the latest limit times.
func record(ts []time.Time, now time.Time, limit int) []time.Time {
	ts = append(ts, now)
	if len(ts) > limit {
		ts = slices.Delete(ts, 0, len(ts)-limit)
	}
	return ts
}

// codesLocked reports, under d.mu, whether t's wrong codes have reached the
// limit within the window.
func (d *Directory) codesLocked(t *throttle, now time.Time) bool {
	t.codeFailures = within(t.codeFailures, now, d.window)
	return len(t.codeFailures) >= d.codeFailures
}

// codeMismatch counts a wrong code against t, under d.mu, and returns the
// error to answer.
func (d *Directory) codeMismatch(t *throttle, now time.Time) error {
	t.codeFailures = record(t.codeFailures, now, d.codeFailures)
	return shopgraph.Errorf(shopgraph.CodeMismatch, msgCodeMismatch)
}

// lockoutFor is the lockout after the failures-th wrong password.
func lockoutFor(failures int) time.Duration {
	n := failures - LockoutAfterFailures
	return min(time.Second<<min(n, 20), MaxLockout)
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
	delete(d.ghosts, key)
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
	delete(d.ghosts, key)
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

// ConfirmSignUp confirms username's sign-up with the code SignUp returned.
// Errors: shopgraph.CodeMismatch for a wrong code, an unknown user or a user
// who is already confirmed (all alike, so as not to reveal who exists),
// shopgraph.CodeExpired for a code past SignUpCodeTTL,
// shopgraph.CodeTooManyAttempts, whatever the code, once the username has
// had CodeFailureLimit wrong codes in the last LimitWindow.
//
// Cognito answers a confirmed user CodeNotAuthorized ("User cannot be
// confirmed. Current status is CONFIRMED"), which tells that the user
// exists; this directory does not.
func (d *Directory) ConfirmSignUp(username, code string) error {
	key := usernameKey(username)
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	rec := d.users[key]
	t := d.throttleFor(key, rec, now)
	if d.codesLocked(t, now) {
		return shopgraph.Errorf(shopgraph.CodeTooManyAttempts, msgCodeLimit)
	}
	var p *pendingCode
	if rec != nil {
		p = rec.confirm // nil once confirmed
	}
	if p != nil && !now.Before(p.expires) {
		return shopgraph.Errorf(shopgraph.CodeExpired, msgCodeExpired)
	}
	if p == nil || !p.matches(code) {
		return d.codeMismatch(t, now)
	}
	rec.user.Confirmed = true
	rec.confirm = nil
	t.codeFailures = nil
	return nil
}

// Authenticate checks username's password (USER_PASSWORD_AUTH) and returns
// the user. Errors: shopgraph.CodeNotAuthorized "Incorrect username or
// password." for a wrong password or an unknown user (which costs the same
// hash), and "Password attempts exceeded" while the username is locked out
// (see LockoutAfterFailures; unknown usernames are locked out alike);
// shopgraph.CodeUserNotConfirmed for the right password of an unconfirmed
// user. Checks of one username run one at a time.
func (d *Directory) Authenticate(username, password string) (User, error) {
	key := usernameKey(username)
	d.mu.Lock()
	rec := d.users[key]
	t := d.throttleFor(key, rec, d.now())
	t.active++
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		t.active--
		d.mu.Unlock()
	}()
	t.gate.Lock()
	defer t.gate.Unlock()

	d.mu.Lock()
	now := d.now()
	t.lastSignIn, t.failures = now, t.failuresAt(now)
	if now.Before(t.lockedUntil) {
		d.mu.Unlock()
		return User{}, shopgraph.Errorf(shopgraph.CodeNotAuthorized, msgAttemptsExceeded)
	}
	var pw passwordHash
	if rec != nil {
		pw = rec.pw
	}
	d.mu.Unlock()

	ok := false
	if rec == nil {
		d.hash(password, make([]byte, 16), d.iterations) // same cost as a real check
	} else {
		ok = d.matches(pw, password)
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	if !ok || d.users[key] != rec { // wrong, unknown, or signed up meanwhile
		t.failures++
		if t.failures >= LockoutAfterFailures {
			t.lockedUntil = d.now().Add(lockoutFor(t.failures))
		}
		return User{}, shopgraph.Errorf(shopgraph.CodeNotAuthorized, msgIncorrectCredentials)
	}
	t.failures = 0
	t.lockedUntil = time.Time{}
	if !rec.user.Confirmed {
		return User{}, shopgraph.Errorf(shopgraph.CodeUserNotConfirmed, "User is not confirmed.")
	}
	return cloneUser(rec.user), nil
}

// failuresAt is t's count of wrong passwords at now: zero after
// LockoutResetAfter without a sign-in attempt.
func (t *throttle) failuresAt(now time.Time) int {
	if !now.Before(t.lastSignIn.Add(LockoutResetAfter)) {
		return 0
	}
	return t.failures
}

// ForgotPassword starts a password reset and returns the code (which Cognito
// would send by email), valid for ResetCodeTTL; a new call replaces the
// previous code (but not the count of wrong codes, see CodeFailureLimit).
// For an unknown user, and for an unconfirmed one (who has no verified
// address), it returns a code that never works, so that the answer does not
// reveal who exists. Error: shopgraph.CodeTooManyAttempts once the username
// has had ResetRequestLimit requests in the last LimitWindow (unknown
// usernames alike).
func (d *Directory) ForgotPassword(username string) (string, error) {
	code := newCode()
	key := usernameKey(username)
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	rec := d.users[key]
	t := d.throttleFor(key, rec, now)
	if t.resetRequests = within(t.resetRequests, now, d.window); len(t.resetRequests) >= d.resetLimit {
		return "", shopgraph.Errorf(shopgraph.CodeTooManyAttempts, msgCodeLimit)
	}
	t.resetRequests = record(t.resetRequests, now, d.resetLimit)
	t.reset = &pendingCode{code: code, expires: now.Add(d.resetTTL), dead: rec == nil || !rec.user.Confirmed}
	return code, nil
}

// ConfirmForgotPassword sets username's password to newPassword when code
// is the one ForgotPassword returned; it also ends any sign-in lockout,
// clears the count of wrong codes and revokes all of the user's refresh
// tokens (a reset usually means the old password leaked; Cognito itself
// keeps them). Errors: shopgraph.CodeInvalidPassword;
// shopgraph.CodeMismatch for a wrong code, an unknown or unconfirmed user or
// no pending reset; shopgraph.CodeExpired for a code past ResetCodeTTL;
// shopgraph.CodeTooManyAttempts, whatever the code, once the username has
// had CodeFailureLimit wrong codes in the last LimitWindow.
func (d *Directory) ConfirmForgotPassword(username, code, newPassword string) error {
	if err := ValidatePassword(newPassword); err != nil {
		return err
	}
	key := usernameKey(username)
	now := d.now()
	d.mu.Lock()
	rec := d.users[key]
	t := d.throttleFor(key, rec, now)
	if d.codesLocked(t, now) {
		d.mu.Unlock()
		return shopgraph.Errorf(shopgraph.CodeTooManyAttempts, msgCodeLimit)
	}
	p := t.reset
	if p != nil && !now.Before(p.expires) {
		d.mu.Unlock()
		return shopgraph.Errorf(shopgraph.CodeExpired, msgCodeExpired)
	}
	if p == nil || !p.matches(code) || rec == nil {
		err := d.codeMismatch(t, now)
		d.mu.Unlock()
		return err
	}
	t.reset = nil // the code is spent before the slow hash
	d.mu.Unlock()

	pw := d.newHash(newPassword)

	d.mu.Lock()
	defer d.mu.Unlock()
	if d.users[key] != rec {
		return shopgraph.Errorf(shopgraph.CodeMismatch, msgCodeMismatch)
	}
	rec.pw = pw
	t.failures = 0
	t.lockedUntil = time.Time{}
	t.codeFailures = nil
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
