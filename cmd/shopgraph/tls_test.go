package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRun_serveSelfSignedTLS: SHOPGRAPH_TLS=self-signed serves HTTPS with
// a certificate for localhost kept in the state dir: a client trusting
// that file gets answers, one that does not is refused, and a restart
// serves the same certificate. Bad TLS settings are errors naming them.
func TestRun_serveSelfSignedTLS(t *testing.T) {
	state := t.TempDir()
	e := env("SHOPGRAPH_SEED_PRODUCTS", "20", "SHOPGRAPH_STATE_DIR", state, "SHOPGRAPH_TLS", "self-signed")
	base, stop, logs := startServe(t, e)
	if !strings.HasPrefix(base, "https://") || !strings.Contains(logs.String(), "serving HTTPS") {
		t.Fatalf("base %s, logs:\n%s", base, logs)
	}
	certFile := filepath.Join(state, "tls", "cert.pem")
	pemBytes, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("cert.pem holds no certificate")
	}
	trusting := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(c *http.Client, url string) (int, error) {
		res, err := c.Get(url)
		if err != nil {
			return 0, err
		}
		_ = res.Body.Close()
		return res.StatusCode, nil
	}
	if st, err := get(trusting, base+"/healthz"); err != nil || st != 200 {
		t.Fatalf("https with the certificate trusted: %d %v", st, err)
	}
	// localhost is in the certificate too (Amplify apps use it).
	if st, err := get(trusting, strings.Replace(base, "127.0.0.1", "localhost", 1)+"/healthz"); err != nil || st != 200 {
		t.Fatalf("https://localhost: %d %v", st, err)
	}
	if _, err := get(&http.Client{Timeout: 10 * time.Second}, base+"/healthz"); err == nil {
		t.Fatal("a client that does not trust the self-signed certificate was served")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_, stop, _ = startServe(t, e)
	defer stop()
	again, _ := os.ReadFile(certFile)
	if !bytes.Equal(again, pemBytes) {
		t.Fatal("a restart made a new certificate: clients told to trust the old one would be refused")
	}

	for _, c := range []struct{ env []string }{
		{[]string{"SHOPGRAPH_TLS", "files"}},
		{[]string{"SHOPGRAPH_TLS", "files", "SHOPGRAPH_TLS_CERT_FILE", "/nope.pem", "SHOPGRAPH_TLS_KEY_FILE", "/nope.key"}},
		{[]string{"SHOPGRAPH_TLS_CERT_FILE", "/nope.pem"}},
	} {
		err := run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0"}, env(append(c.env, "SHOPGRAPH_STATE_DIR", t.TempDir())...), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "SHOPGRAPH_TLS") {
			t.Errorf("%v: %v, want an error naming the TLS setting", c.env, err)
		}
	}
}
