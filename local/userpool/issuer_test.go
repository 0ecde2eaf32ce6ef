package userpool_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/local/userpool"
)

// devServer serves a Issuer's JWKS the way the embedded server does.
func devServer(t *testing.T, d *userpool.Issuer) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/.well-known/jwks.json", d.JWKSHandler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// openDev opens a dev issuer in dir.
func openDev(t *testing.T, dir string, c *clock) *userpool.Issuer {
	t.Helper()
	d, err := userpool.OpenIssuer(userpool.IssuerOptions{Dir: dir, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// trust is the verifier configuration that trusts d as the composition root
// builds it: d's static JWKS, no fetch.
func trust(d *userpool.Issuer) auth.IssuerConfig {
	return auth.IssuerConfig{Issuer: d.Issuer(), ClientIDs: []string{d.ClientID()}, Mode: shopgraph.AuthModeCognito, JWKS: d.JWKS()}
}

// startDev opens a dev issuer in dir and a verifier that trusts it.
func startDev(t *testing.T, dir string, c *clock) (*userpool.Issuer, *auth.Verifier) {
	t.Helper()
	d := openDev(t, dir, c)
	return d, mustVerifier(t, []auth.IssuerConfig{trust(d)}, auth.VerifierOptions{Now: c.Now})
}

func alice() userpool.User {
	return userpool.User{Sub: userpool.DevSub("alice"), Username: "alice", Email: "alice@example.com", Confirmed: true}
}

func TestDevIssuer_Mint_verifies(t *testing.T) {
	c := newClock()
	d, v := startDev(t, t.TempDir(), c)
	admin := userpool.User{Sub: userpool.DevSub("admin"), Username: "admin", Email: "admin@example.com", Groups: []string{"admin"}, Confirmed: true}
	tests := []struct {
		user userpool.User
		use  string
	}{
		{alice(), shopgraph.TokenUseID},
		{alice(), shopgraph.TokenUseAccess},
		{admin, shopgraph.TokenUseID},
		{admin, shopgraph.TokenUseAccess},
	}
	for _, tt := range tests {
		t.Run(tt.user.Username+"/"+tt.use, func(t *testing.T) {
			tok, err := d.Mint(tt.user, tt.use, 0)
			if err != nil {
				t.Fatal(err)
			}
			id, err := v.Verify(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			if id.Mode != shopgraph.AuthModeCognito || id.Sub != tt.user.Sub || id.Username != tt.user.Username ||
				id.TokenUse != tt.use || !slices.Equal(id.Groups, tt.user.Groups) || id.Issuer != userpool.DevIssuerURL {
				t.Errorf("identity = %+v", id)
			}
			if exp := id.Claims()["exp"].(float64); exp != float64(testNow.Add(userpool.DefaultTokenTTL).Unix()) {
				t.Errorf("exp = %v, want now + 1h", exp)
			}
		})
	}
}

// TestDevIssuer_Mint_claims checks the Cognito claim set of each token use.
func TestDevIssuer_Mint_claims(t *testing.T) {
	c := newClock()
	d := openDev(t, t.TempDir(), c)
	u := userpool.User{Sub: "s-1", Username: "wanda", Email: "wanda@example.com", Groups: []string{"warehouse"}, Confirmed: true}
	common := []string{"sub", "iss", "token_use", "auth_time", "iat", "exp", "jti", "origin_jti", "event_id", "cognito:groups"}
	tests := []struct {
		use     string
		present []string
		absent  []string
		values  map[string]any
	}{
		{shopgraph.TokenUseID, append(slices.Clone(common), "aud", "cognito:username", "email", "email_verified"), []string{"client_id", "username", "scope"},
			map[string]any{"aud": userpool.DevClientID, "cognito:username": "wanda", "email": "wanda@example.com", "email_verified": true, "token_use": "id"}},
		{shopgraph.TokenUseAccess, append(slices.Clone(common), "client_id", "username", "scope"), []string{"aud", "cognito:username", "email"},
			map[string]any{"client_id": userpool.DevClientID, "username": "wanda", "token_use": "access", "scope": "aws.cognito.signin.user.admin"}},
	}
	for _, tt := range tests {
		t.Run(tt.use, func(t *testing.T) {
			tok, err := d.Mint(u, tt.use, 10*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			claims := jwt.MapClaims{}
			parsed, _, err := jwt.NewParser().ParseUnverified(tok, claims)
			if err != nil {
				t.Fatal(err)
			}
			if parsed.Header["kid"] != d.KeyID() || parsed.Header["alg"] != "RS256" {
				t.Errorf("header = %v", parsed.Header)
			}
			for _, k := range tt.present {
				if _, ok := claims[k]; !ok {
					t.Errorf("claim %s missing", k)
				}
			}
			for _, k := range tt.absent {
				if _, ok := claims[k]; ok {
					t.Errorf("claim %s present", k)
				}
			}
			for k, want := range tt.values {
				if claims[k] != want {
					t.Errorf("claim %s = %v, want %v", k, claims[k], want)
				}
			}
			if claims["exp"].(float64)-claims["iat"].(float64) != 600 {
				t.Errorf("ttl = %v s", claims["exp"].(float64)-claims["iat"].(float64))
			}
		})
	}
}

func TestDevIssuer_MintTokens(t *testing.T) {
	c := newClock()
	d, v := startDev(t, t.TempDir(), c)
	toks, err := d.MintTokens(alice(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if toks.ExpiresIn != time.Hour || !toks.ExpiresAt.Equal(testNow.Add(time.Hour)) {
		t.Errorf("expiry = %s / %s", toks.ExpiresIn, toks.ExpiresAt)
	}
	idt, err := v.Verify(context.Background(), toks.IDToken)
	if err != nil {
		t.Fatal(err)
	}
	at, err := v.Verify(context.Background(), toks.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if idt.TokenUse != "id" || at.TokenUse != "access" {
		t.Errorf("uses %q %q", idt.TokenUse, at.TokenUse)
	}
	for _, k := range []string{"origin_jti", "event_id", "auth_time"} {
		if idt.Claims()[k] != at.Claims()[k] {
			t.Errorf("%s differs: %v vs %v", k, idt.Claims()[k], at.Claims()[k])
		}
	}
	if idt.Claims()["jti"] == at.Claims()["jti"] {
		t.Error("both tokens have the same jti")
	}
}

func TestDevIssuer_Mint_errors(t *testing.T) {
	d := openDev(t, t.TempDir(), newClock())
	for _, tt := range []struct {
		name string
		user userpool.User
		use  string
	}{
		{"refresh use", alice(), "refresh"},
		{"empty use", alice(), ""},
		{"no sub", userpool.User{Username: "x"}, shopgraph.TokenUseID},
		{"no username", userpool.User{Sub: "s"}, shopgraph.TokenUseAccess},
	} {
		if _, err := d.Mint(tt.user, tt.use, 0); err == nil {
			t.Errorf("%s: Mint succeeded", tt.name)
		}
	}
}

// TestOpenDevIssuer_secondProcess: `shopgraph token`, run in the server's
// working directory, loads the same key, so the server accepts its tokens.
func TestOpenDevIssuer_secondProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), ".shopgraph")
	c := newClock()
	server, v := startDev(t, dir, c)

	cli, err := userpool.OpenIssuer(userpool.IssuerOptions{Dir: dir, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if cli.KeyID() != server.KeyID() {
		t.Fatalf("kid %s != %s", cli.KeyID(), server.KeyID())
	}
	tok, err := cli.Mint(alice(), shopgraph.TokenUseAccess, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("server rejected the CLI's token: %v", err)
	}

	// A different directory is a different key: the server refuses.
	stranger, err := userpool.OpenIssuer(userpool.IssuerOptions{Dir: t.TempDir(), Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	tok, err = stranger.Mint(alice(), shopgraph.TokenUseAccess, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), tok)
	wantCode(t, err, shopgraph.CodeUnauthenticated, auth.MsgNoValidAuthorization)
}

func TestOpenDevIssuer_filePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	dir := filepath.Join(t.TempDir(), "state", "dev")
	openDev(t, dir, newClock())
	fi, err := os.Stat(filepath.Join(dir, userpool.DevKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %o, want 600", perm)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := di.Mode().Perm(); perm != 0o700 {
		t.Errorf("dir mode %o, want 700", perm)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("dir holds %d entries, want only the key", len(entries))
	}
}

// TestOpenDevIssuer_concurrentCreate: processes racing on a fresh directory
// agree on one key.
func TestOpenDevIssuer_concurrentCreate(t *testing.T) {
	dir := t.TempDir()
	kids := make([]string, 6)
	var wg sync.WaitGroup
	for i := range kids {
		wg.Go(func() {
			d, err := userpool.OpenIssuer(userpool.IssuerOptions{Dir: dir})
			if err != nil {
				t.Error(err)
				return
			}
			kids[i] = d.KeyID()
		})
	}
	wg.Wait()
	for _, k := range kids {
		if k != kids[0] {
			t.Fatalf("kids differ: %v", kids)
		}
	}
}

func TestOpenDevIssuer_errors(t *testing.T) {
	writeKey := func(t *testing.T, data []byte) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, userpool.DevKeyFile), data, 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallDER, _ := x509.MarshalPKCS8PrivateKey(small)
	tests := []struct {
		name string
		opts func(t *testing.T) userpool.IssuerOptions
	}{
		{"no dir", func(t *testing.T) userpool.IssuerOptions { return userpool.IssuerOptions{} }},
		{"not a Cognito issuer", func(t *testing.T) userpool.IssuerOptions {
			return userpool.IssuerOptions{Dir: t.TempDir(), Issuer: "https://login.example.test/pool"}
		}},
		{"garbage key file", func(t *testing.T) userpool.IssuerOptions {
			return userpool.IssuerOptions{Dir: writeKey(t, []byte("not pem"))}
		}},
		{"wrong PEM type", func(t *testing.T) userpool.IssuerOptions {
			return userpool.IssuerOptions{Dir: writeKey(t, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}))}
		}},
		{"key too small", func(t *testing.T) userpool.IssuerOptions {
			return userpool.IssuerOptions{Dir: writeKey(t, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: smallDER}))}
		}},
		{"key file is a directory", func(t *testing.T) userpool.IssuerOptions {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, userpool.DevKeyFile), 0o700); err != nil {
				t.Fatal(err)
			}
			return userpool.IssuerOptions{Dir: dir}
		}},
		{"dir is a file", func(t *testing.T) userpool.IssuerOptions {
			f := filepath.Join(t.TempDir(), "state")
			if err := os.WriteFile(f, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return userpool.IssuerOptions{Dir: f}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := userpool.OpenIssuer(tt.opts(t)); err == nil {
				t.Error("OpenIssuer succeeded")
			}
		})
	}
}

func TestOpenDevIssuer_loadsPKCS1(t *testing.T) {
	k := mustKey(t, "")
	dir := t.TempDir()
	data := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.key)})
	if err := os.WriteFile(filepath.Join(dir, userpool.DevKeyFile), data, 0o600); err != nil {
		t.Fatal(err)
	}
	c := newClock()
	d, v := startDev(t, dir, c)
	tok, err := d.Mint(alice(), shopgraph.TokenUseID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
}

func TestDevIssuer_JWKSHandler(t *testing.T) {
	d := openDev(t, t.TempDir(), newClock())
	srv := devServer(t, d)
	resp, err := http.Get(srv.URL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	body, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("keys = %v", set.Keys)
	}
	k := set.Keys[0]
	if k["kid"] != d.KeyID() || k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" || k["e"] != "AQAB" || k["n"] == "" {
		t.Errorf("key = %v", k)
	}
	if _, ok := k["d"]; ok || strings.Contains(string(body), `"p"`) {
		t.Error("the JWKS leaks private key material")
	}

	resp, err = http.Post(srv.URL+"/.well-known/jwks.json", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST status %d, want 405", resp.StatusCode)
	}
}

// TestDevIssuer_identity: the issuer's iss (normalized), client id and
// static JWKS, which is exactly what its JWKS handler serves: a verifier that
// fetches the handler's URL accepts the same tokens as one given JWKS().
func TestDevIssuer_identity(t *testing.T) {
	c := newClock()
	d, err := userpool.OpenIssuer(userpool.IssuerOptions{Dir: t.TempDir(), ClientID: "c1", Issuer: "https://cognito-idp.local.amazonaws.com/local_x/", Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if d.Issuer() != "https://cognito-idp.local.amazonaws.com/local_x" || d.ClientID() != "c1" {
		t.Errorf("Issuer %q, ClientID %q", d.Issuer(), d.ClientID())
	}
	if !strings.HasPrefix(userpool.DevIssuerURL, "https://cognito-idp.") {
		t.Errorf("DevIssuerURL %s is not Cognito-shaped", userpool.DevIssuerURL)
	}
	srv := devServer(t, d)
	resp, err := http.Get(srv.URL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(served) != string(d.JWKS()) {
		t.Errorf("served JWKS %s, JWKS() %s", served, d.JWKS())
	}
	fetched := trust(d)
	fetched.JWKS, fetched.JWKSURL = nil, srv.URL+"/.well-known/jwks.json"
	tok, err := d.Mint(alice(), shopgraph.TokenUseAccess, 0)
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]auth.IssuerConfig{"static": trust(d), "fetched": fetched} {
		v := mustVerifier(t, []auth.IssuerConfig{cfg}, auth.VerifierOptions{Now: c.Now})
		if id, err := v.Verify(context.Background(), tok); err != nil || id.Username != "alice" {
			t.Errorf("%s JWKS: %+v, %v", name, id, err)
		}
	}
}

// plantedKeyDir returns a private directory holding a valid key file made
// elsewhere, as someone who planted it would have; the tests then expose the
// directory or the file.
func plantedKeyDir(t *testing.T) (dir, keyFile string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "state")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	keyFile = filepath.Join(dir, userpool.DevKeyFile)
	der, err := x509.MarshalPKCS8PrivateKey(mustKey(t, "").key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, keyFile
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// wantRefused fails unless OpenIssuer refuses opts with an error naming
// every one of want.
func wantRefused(t *testing.T, opts userpool.IssuerOptions, want ...string) {
	t.Helper()
	iss, err := userpool.OpenIssuer(opts)
	if err == nil {
		t.Fatalf("OpenIssuer accepted it (kid %s)", iss.KeyID())
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
}

// TestOpenDevIssuer_refusesExposedKey: a key file others may read or write
// is refused, naming the file and the fix.
func TestOpenDevIssuer_refusesExposedKey(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o620, 0o644, 0o666} {
		t.Run(mode.String(), func(t *testing.T) {
			dir, key := plantedKeyDir(t)
			chmod(t, key, mode)
			wantRefused(t, userpool.IssuerOptions{Dir: dir}, key, "accessible to other users", fmt.Sprintf("%04o", mode), "chmod 600 "+key, "remove it")
			wantRefused(t, userpool.IssuerOptions{Dir: dir, MustExist: true}, key)
		})
	}
	// The fix it names works.
	dir, key := plantedKeyDir(t)
	chmod(t, key, 0o640)
	chmod(t, key, 0o600)
	openDev(t, dir, newClock())
}

// TestOpenDevIssuer_refusesOpenDir: a directory others may write (where
// they could have planted the key) is refused, naming it and the fix; one
// they may only list is not, since the key file in it must be private.
func TestOpenDevIssuer_refusesOpenDir(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	for _, mode := range []os.FileMode{0o777, 0o770, 0o730, 0o703} {
		t.Run("planted key, "+mode.String(), func(t *testing.T) {
			dir, _ := plantedKeyDir(t)
			chmod(t, dir, mode)
			wantRefused(t, userpool.IssuerOptions{Dir: dir}, dir, "writable by other users", "chmod 700 "+dir, "remove it")
		})
		t.Run("empty, "+mode.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			chmod(t, dir, mode)
			wantRefused(t, userpool.IssuerOptions{Dir: dir}, dir, "chmod 700 "+dir)
			if _, err := os.Stat(filepath.Join(dir, userpool.DevKeyFile)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a key was made in a refused directory: %v", err)
			}
		})
	}
	for _, mode := range []os.FileMode{0o755, 0o750, 0o711} {
		t.Run("readable only, "+mode.String(), func(t *testing.T) {
			dir, _ := plantedKeyDir(t)
			chmod(t, dir, mode)
			openDev(t, dir, newClock())
		})
	}
}

// TestOpenDevIssuer_refusesOtherOwner: a key file or directory that belongs
// to someone else is refused, whatever its mode.
func TestOpenDevIssuer_refusesOtherOwner(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix owners")
	}
	if os.Getuid() != 0 {
		t.Skip("giving a file to another user (chown to uid 65534) needs root")
	}
	const nobody = 65534
	t.Run("key file", func(t *testing.T) {
		dir, key := plantedKeyDir(t)
		if err := os.Chown(key, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		wantRefused(t, userpool.IssuerOptions{Dir: dir}, key, "owned by uid 65534", "remove it")
	})
	t.Run("directory", func(t *testing.T) {
		dir, _ := plantedKeyDir(t)
		if err := os.Chown(dir, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		wantRefused(t, userpool.IssuerOptions{Dir: dir}, dir, "owned by uid 65534", "remove it")
	})
}

// TestOpenDevIssuer_mustExist: with MustExist, a directory without a key
// (or no directory at all) is ErrNoIssuerKey, naming the directory and what
// to do, and nothing is created; an existing key opens as usual.
func TestOpenDevIssuer_mustExist(t *testing.T) {
	for name, dir := range map[string]string{
		"empty dir":   t.TempDir(),
		"missing dir": filepath.Join(t.TempDir(), "nope", ".shopgraph"),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := userpool.OpenIssuer(userpool.IssuerOptions{Dir: dir, MustExist: true})
			if !errors.Is(err, userpool.ErrNoIssuerKey) {
				t.Fatalf("error %v, want ErrNoIssuerKey", err)
			}
			for _, want := range []string{"no dev issuer key in " + dir + ":", "make run", "go run ./cmd/shopgraph serve", "SHOPGRAPH_STATE_DIR"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, userpool.DevKeyFile)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("MustExist made a key: %v", err)
			}
		})
	}
	t.Run("relative dir", func(t *testing.T) {
		t.Chdir(t.TempDir())
		wd, _ := os.Getwd()
		_, err := userpool.OpenIssuer(userpool.IssuerOptions{Dir: ".shopgraph", MustExist: true})
		if !errors.Is(err, userpool.ErrNoIssuerKey) || !strings.Contains(err.Error(), filepath.Join(wd, ".shopgraph")) {
			t.Errorf("error %v, want ErrNoIssuerKey naming the absolute directory", err)
		}
	})
	t.Run("existing key", func(t *testing.T) {
		dir, _ := plantedKeyDir(t)
		server := openDev(t, dir, newClock())
		cli, err := userpool.OpenIssuer(userpool.IssuerOptions{Dir: dir, MustExist: true})
		if err != nil {
			t.Fatal(err)
		}
		if cli.KeyID() != server.KeyID() {
			t.Errorf("kid %s, want the server's %s", cli.KeyID(), server.KeyID())
		}
	})
}
