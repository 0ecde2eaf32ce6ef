// Package cognitotest is test support for the Cognito adapter: it starts cognito-local
// (npm, installed by scripts/deps/cognito-local.sh) on loopback. Production
// code never imports it.
package cognitotest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/shopgraph/shopgraph/internal/testenv"
)

// CognitoLocal starts cognito-local (npm, installed by
// scripts/deps/cognito-local.sh) on a free loopback port with Cognito's
// issuer domain, and returns a client for it.
func Start(t testing.TB) (client *cip.Client, endpoint string) {
	t.Helper()
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, ".cache", "cognito-local", "node_modules", ".bin", "cognito-local")
	if _, err := os.Stat(bin); err != nil {
		testenv.Missing(t, "cognito-local is not installed: run `make test-deps`")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".cognito"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := `{"TokenConfig":{"IssuerDomain":"https://cognito-idp.us-east-1.amazonaws.com"}}`
	if err := os.WriteFile(filepath.Join(dir, ".cognito", "config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOST=127.0.0.1", fmt.Sprintf("PORT=%d", port))
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	endpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(30 * time.Second); ; {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cognito-local did not start:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	client = cip.New(cip.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	return client, endpoint
}
