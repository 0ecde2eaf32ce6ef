package userpool

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/shopgraph/shopgraph"
)

// Dev issuer defaults. The issuer has Cognito's form
// (https://cognito-idp.<region>.amazonaws.com/<pool>), so AppSync clients and
// AppSync's mode selection take it for a user pool; no AWS region is called
// "local", so it can never name a real pool.
const (
	// DevPoolID is the dev issuer's user pool id.
	DevPoolID = "local_shopgraph"
	// DevIssuerURL is the dev issuer's iss.
	DevIssuerURL = "https://cognito-idp.local.amazonaws.com/" + DevPoolID
	// DevClientID is the dev issuer's app client id (aud of ID tokens,
	// client_id of access tokens).
	DevClientID = "shopgraph-local"
	// DevKeyFile is the name of the dev issuer's key file in its directory.
	DevKeyFile = "dev-issuer-key.pem"
	// DefaultTokenTTL is the lifetime of minted tokens when none is given
	// (Cognito's default for ID and access tokens).
	DefaultTokenTTL = time.Hour
)

// ErrNoIssuerKey is the error (in the chain) of OpenIssuer with
// IssuerOptions.MustExist when the directory holds no key.
var ErrNoIssuerKey = errors.New("no dev issuer key")

// IssuerOptions configure OpenIssuer.
type IssuerOptions struct {
	// Dir holds the signing key (DevKeyFile). It is created 0700 when
	// missing. It and the key file must belong to the user running the
	// process, and others must not be able to write it or read the key
	// (see OpenIssuer). Required.
	Dir string
	// MustExist makes a missing key an error (ErrNoIssuerKey, naming Dir)
	// instead of creating one: for a process that mints tokens another
	// process, the server, must accept (`shopgraph token`), for which a new
	// key would only mint tokens the server rejects.
	MustExist bool
	// Issuer is the iss of minted tokens. Default DevIssuerURL. It must
	// begin with "https://cognito-idp.", as a Cognito user pool's does.
	Issuer string
	// ClientID is the app client id. Default DevClientID.
	ClientID string
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Issuer is the embedded default's stand-in for a Cognito user pool: it
// mints RS256 tokens shaped like Cognito's and serves the matching JWKS. Its
// key lives in a file, so every process opened on the same directory (the
// server and `shopgraph token`) signs with the same key. It is safe for
// concurrent use.
type Issuer struct {
	key      *rsa.PrivateKey
	kid      string
	jwks     []byte
	issuer   string
	clientID string
	now      func() time.Time
}

// OpenIssuer loads the RSA key at opts.Dir/DevKeyFile, or creates an
// RSA-2048 key there (file 0600, directory 0700) when there is none (with
// opts.MustExist, it fails with ErrNoIssuerKey instead). Two processes
// opening a fresh directory at once end up with the same key: the file is
// published atomically (a hard link) and the loser loads the winner's key.
//
// Whoever can write the key mints tokens the server accepts, for any user
// and group (admin included), and whoever can read it can too. So on Unix
// an existing directory and key file must be the running user's, the key
// file with no group or other permission bits (0600) and the directory with
// no group or other write bit (0700, or 0755: others may list it but not
// plant a key in it): otherwise OpenIssuer refuses them with an error
// naming the path and the fix (chmod, or remove it), rather than trust a
// key someone else may have planted or read.
//
// It also fails when Dir is empty, the issuer is not Cognito-shaped, or the
// file is unreadable or holds no RSA key of at least 2048 bits.
func OpenIssuer(opts IssuerOptions) (*Issuer, error) {
	if opts.Dir == "" {
		return nil, errors.New("userpool: dev issuer: no key directory")
	}
	if opts.Issuer == "" {
		opts.Issuer = DevIssuerURL
	}
	opts.Issuer = strings.TrimRight(strings.TrimSpace(opts.Issuer), "/")
	if !strings.HasPrefix(opts.Issuer, "https://cognito-idp.") {
		return nil, fmt.Errorf("userpool: dev issuer %q is not Cognito-shaped (https://cognito-idp.<region>.amazonaws.com/<pool>)", opts.Issuer)
	}
	if opts.ClientID == "" {
		opts.ClientID = DevClientID
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	key, err := loadOrCreateKey(opts.Dir, opts.MustExist)
	if err != nil {
		return nil, fmt.Errorf("userpool: dev issuer: %w", err)
	}
	kid := thumbprint(&key.PublicKey)
	jwks, err := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA",
		"alg": "RS256",
		"use": "sig",
		"kid": kid,
		"n":   b64(key.N.Bytes()),
		"e":   b64(big.NewInt(int64(key.E)).Bytes()),
	}}})
	if err != nil {
		return nil, fmt.Errorf("userpool: dev issuer: %w", err)
	}
	return &Issuer{key: key, kid: kid, jwks: jwks, issuer: opts.Issuer, clientID: opts.ClientID, now: opts.Now}, nil
}

// noKeyError is ErrNoIssuerKey for dir, with what to do about it.
func noKeyError(dir string) error {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return fmt.Errorf("%w in %s: run `make run` (or `go run ./cmd/shopgraph serve`) from this directory first, or set SHOPGRAPH_STATE_DIR to the server's", ErrNoIssuerKey, dir)
}

// checkDir refuses dir unless it is a directory private to the running
// user. It returns fs.ErrNotExist (wrapped) when dir is missing.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return checkPrivate(dir, fi)
}

func loadOrCreateKey(dir string, mustExist bool) (*rsa.PrivateKey, error) {
	path := filepath.Join(dir, DevKeyFile)
	err := checkDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist) && mustExist:
		return nil, noKeyError(dir)
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		if err := checkDir(dir); err != nil { // someone else's, made meanwhile
			return nil, err
		}
	case err != nil:
		return nil, err
	}
	if key, err := loadKey(path); !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if mustExist {
		return nil, noKeyError(dir)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})

	// Write a private temporary file, then link it into place: the link
	// either publishes a complete file or fails because another process
	// published first.
	tmp, err := os.CreateTemp(dir, ".dev-issuer-key-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return nil, err
	}
	err = os.Link(tmp.Name(), path)
	switch {
	case err == nil:
		return key, nil
	case errors.Is(err, fs.ErrExist):
		return loadKey(path)
	}
	// No hard links on this file system: create exclusively instead.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadKey(path)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, err
	}
	return key, f.Close()
}

// loadKey reads the key at path, refusing a file that is not private to
// the running user (checked on the open file, so it is the file read).
func loadKey(path string) (*rsa.PrivateKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file: remove it (a new key is made at the next start)", path)
	}
	if err := checkPrivate(path, fi); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	var parsed any
	switch block.Type {
	case "PRIVATE KEY":
		parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		parsed, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%s: unexpected PEM block %q", path, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: %T is not an RSA key", path, parsed)
	}
	if key.N.BitLen() < 2048 {
		return nil, fmt.Errorf("%s: RSA key of %d bits, want at least 2048", path, key.N.BitLen())
	}
	return key, nil
}

// thumbprint is the RFC 7638 JWK thumbprint of an RSA public key.
func thumbprint(pub *rsa.PublicKey) string {
	// Members in lexicographic order, no whitespace.
	canonical := `{"e":"` + b64(big.NewInt(int64(pub.E)).Bytes()) + `","kty":"RSA","n":"` + b64(pub.N.Bytes()) + `"}`
	sum := sha256.Sum256([]byte(canonical))
	return b64(sum[:])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// KeyID is the kid of the dev issuer's key (its RFC 7638 thumbprint).
func (d *Issuer) KeyID() string { return d.kid }

// Issuer is the iss of minted tokens.
func (d *Issuer) Issuer() string { return d.issuer }

// ClientID is the app client id minted tokens name.
func (d *Issuer) ClientID() string { return d.clientID }

// JWKSHandler serves the public JWKS as JSON on GET and HEAD (405
// otherwise). Mount it at the JWKSURL given to OpenIssuer, normally the
// server's /.well-known/jwks.json.
func (d *Issuer) JWKSHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		if r.Method == http.MethodGet {
			w.Write(d.jwks)
		}
	})
}

// JWKS returns the public key set as a JWKS document (what JWKSHandler
// serves), for a verifier that trusts this issuer without fetching it.
func (d *Issuer) JWKS() []byte { return slices.Clone(d.jwks) }

// Mint returns a signed token of the given use (shopgraph.TokenUseID or
// shopgraph.TokenUseAccess) for u, valid for ttl (DefaultTokenTTL when ttl <= 0), with
// Cognito's claims: sub, iss, token_use, auth_time, iat, exp, jti,
// origin_jti, event_id, cognito:groups (when u has groups), and for ID tokens
// aud, cognito:username, email and email_verified, for access tokens
// client_id, username, scope and version. It fails on an unknown use or a user
// without Sub or Username.
func (d *Issuer) Mint(u User, use string, ttl time.Duration) (string, error) {
	s := d.newSession(ttl)
	return d.mint(u, use, s)
}

// Tokens are the ID and access tokens of one sign-in, as Cognito's
// AuthenticationResult carries them (the refresh token comes from the
// Directory).
type Tokens struct {
	IDToken     string
	AccessToken string
	// ExpiresIn is both tokens' lifetime.
	ExpiresIn time.Duration
	// ExpiresAt is both tokens' exp.
	ExpiresAt time.Time
}

// MintTokens returns an ID token and an access token for u that share one
// sign-in (auth_time, origin_jti, event_id), as Cognito issues them. ttl is
// as in Mint; the errors are Mint's.
func (d *Issuer) MintTokens(u User, ttl time.Duration) (Tokens, error) {
	s := d.newSession(ttl)
	idt, err := d.mint(u, shopgraph.TokenUseID, s)
	if err != nil {
		return Tokens{}, err
	}
	at, err := d.mint(u, shopgraph.TokenUseAccess, s)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{IDToken: idt, AccessToken: at, ExpiresIn: s.exp.Sub(s.iat), ExpiresAt: s.exp}, nil
}

type session struct {
	iat, exp           time.Time
	originJTI, eventID string
}

func (d *Issuer) newSession(ttl time.Duration) session {
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	now := d.now().Truncate(time.Second)
	return session{iat: now, exp: now.Add(ttl), originJTI: uuid.NewString(), eventID: uuid.NewString()}
}

func (d *Issuer) mint(u User, use string, s session) (string, error) {
	if u.Sub == "" || u.Username == "" {
		return "", fmt.Errorf("userpool: mint: user %q has no sub or username", u.Username)
	}
	claims := jwt.MapClaims{
		"sub":        u.Sub,
		"iss":        d.issuer,
		"token_use":  use,
		"auth_time":  s.iat.Unix(),
		"iat":        s.iat.Unix(),
		"exp":        s.exp.Unix(),
		"jti":        uuid.NewString(),
		"origin_jti": s.originJTI,
		"event_id":   s.eventID,
	}
	if len(u.Groups) > 0 {
		claims["cognito:groups"] = u.Groups
	}
	switch use {
	case shopgraph.TokenUseID:
		claims["aud"] = d.clientID
		claims["cognito:username"] = u.Username
		if u.Email != "" {
			claims["email"] = u.Email
			claims["email_verified"] = u.Confirmed
		}
	case shopgraph.TokenUseAccess:
		claims["client_id"] = d.clientID
		claims["username"] = u.Username
		claims["scope"] = "aws.cognito.signin.user.admin"
		claims["version"] = 2
	default:
		return "", fmt.Errorf("userpool: mint: token use %q is neither %q nor %q", use, shopgraph.TokenUseID, shopgraph.TokenUseAccess)
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = d.kid
	signed, err := t.SignedString(d.key)
	if err != nil {
		return "", fmt.Errorf("userpool: mint: %w", err)
	}
	return signed, nil
}
