package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// TLS modes SHOPGRAPH_TLS may name.
const (
	tlsOff        = "off"
	tlsSelfSigned = "self-signed"
	tlsFiles      = "files"
)

// selfSignedValidity is how long a generated certificate is valid; one
// within a day of expiring is made anew.
const selfSignedValidity = 365 * 24 * time.Hour

// tlsConfig is the server's TLS configuration for the settings, or nil
// when TLS is off. self-signed keeps its certificate in the state dir
// (tls/cert.pem, tls/key.pem) so browsers and clients that were told to
// trust it keep doing so across restarts.
func tlsConfig(cfg config) (*tls.Config, string, error) {
	var cert tls.Certificate
	var where string
	var err error
	switch cfg.TLS {
	case tlsOff:
		if cfg.TLSCertFile != "" || cfg.TLSKeyFile != "" {
			return nil, "", errors.New("SHOPGRAPH_TLS_CERT_FILE and SHOPGRAPH_TLS_KEY_FILE are set but SHOPGRAPH_TLS is off: set SHOPGRAPH_TLS=files to use them")
		}
		return nil, "", nil
	case tlsFiles:
		if cfg.TLSCertFile == "" || cfg.TLSKeyFile == "" {
			return nil, "", errors.New("SHOPGRAPH_TLS=files needs both SHOPGRAPH_TLS_CERT_FILE and SHOPGRAPH_TLS_KEY_FILE")
		}
		if cert, err = tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile); err != nil {
			return nil, "", fmt.Errorf("SHOPGRAPH_TLS_CERT_FILE / SHOPGRAPH_TLS_KEY_FILE: %w", err)
		}
		where = cfg.TLSCertFile
	case tlsSelfSigned:
		dir := filepath.Join(cfg.StateDir, "tls")
		if cert, err = selfSignedCert(dir, time.Now()); err != nil {
			return nil, "", fmt.Errorf("SHOPGRAPH_TLS=self-signed: %w", err)
		}
		where = filepath.Join(dir, "cert.pem")
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}}, where, nil
}

// selfSignedCert loads the certificate kept in dir, or makes one for
// localhost, 127.0.0.1 and ::1 when there is none (or it is about to
// expire).
func selfSignedCert(dir string, now time.Time) (tls.Certificate, error) {
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if cert, err := tls.LoadX509KeyPair(certFile, keyFile); err == nil {
		if leaf, err := x509.ParseCertificate(cert.Certificate[0]); err == nil && now.Add(24*time.Hour).Before(leaf.NotAfter) {
			return cert, nil
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "shopgraph embedded default (self-signed)"},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.Add(selfSignedValidity),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return tls.Certificate{}, err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return tls.Certificate{}, err
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return tls.Certificate{}, err
	}
	return tls.LoadX509KeyPair(certFile, keyFile)
}
