package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMakeRun_embeddedWhateverTheEnvironment: `make run` sets
// SHOPGRAPH_MODE=embedded, and without it AWS settings in the environment
// select AWS mode, whose error names SHOPGRAPH_MODE.
func TestMakeRun_embeddedWhateverTheEnvironment(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	out, err := exec.Command("make", "-s", "-n", "-C", "../..", "run").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n run: %v\n%s", err, out)
	}
	var recipe string
	for line := range strings.Lines(string(out)) {
		if strings.Contains(line, " serve") {
			recipe = strings.TrimSpace(line)
		}
	}
	if !strings.Contains(recipe, "SHOPGRAPH_MODE=embedded") {
		t.Fatalf("make run's command %q does not set SHOPGRAPH_MODE=embedded", recipe)
	}
	err = run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, env(awsSettings(t)...), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SHOPGRAPH_MODE") {
		t.Errorf("serve with AWS settings and no SHOPGRAPH_MODE: %v, want an error naming SHOPGRAPH_MODE", err)
	}
}

// awsSettings are the settings of an AWS developer's shell, for a small
// embedded server.
func awsSettings(t *testing.T) []string {
	return []string{"AWS_REGION", "eu-west-1", "AWS_PROFILE", "someone", "SHOPGRAPH_SEED_PRODUCTS", "40", "SHOPGRAPH_STATE_DIR", t.TempDir()}
}

// TestServe_lifecycle follows one server, started as `make run` starts it
// in an AWS developer's shell (AWS_REGION set, SHOPGRAPH_MODE=embedded), from
// start to stop:
//   - it is the embedded default despite the AWS settings;
//   - server.json exists by the time /readyz first answers 200, so a script
//     that waits for readiness and then runs `token` or `apikey` finds it;
//   - on shutdown, /readyz answers 503 for the drain delay while GraphQL
//     requests are still served, then the server stops cleanly.
func TestServe_lifecycle(t *testing.T) {
	t.Parallel()
	settings := append(awsSettings(t), "SHOPGRAPH_MODE", "embedded", "SHOPGRAPH_DRAIN_DELAY", "2s")
	state := env(settings...)("SHOPGRAPH_STATE_DIR")
	addr := freeAddr(t)
	base := "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := make(chan error, 1)
	logs := &syncBuffer{}
	go func() { stopped <- run(ctx, []string{"serve", "--addr", addr}, env(settings...), logs, logs) }()

	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(60 * time.Second); ; {
		res, err := client.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-stopped:
			t.Fatalf("serve exited: %v\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("never ready:\n%s", logs)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(state, serverStateFile)); err != nil {
		t.Errorf("/readyz answered 200 before %s was written: %v", serverStateFile, err)
	}
	if !strings.Contains(logs.String(), "embedded default") {
		t.Errorf("SHOPGRAPH_MODE=embedded with AWS_REGION set did not start the embedded default:\n%s", logs)
	}
	query(t, base, `{ warehouses { code } }`)

	cancel() // SIGTERM
	deadline := time.Now().Add(time.Second)
	for status(t, base+"/readyz") != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never answered 503 during the drain delay:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Draining, not closed: requests are still answered.
	query(t, base, `{ categories { name } }`)
	select {
	case err := <-stopped:
		t.Fatalf("serve stopped during the drain delay: %v", err)
	default:
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still serving after the drain delay and shutdown")
	}
	if !strings.Contains(logs.String(), "draining") || !strings.Contains(logs.String(), "shut down cleanly") {
		t.Errorf("logs:\n%s", logs)
	}
}

// TestMain_exitStatusOnSignal: the built binary shuts down cleanly on SIGINT
// (Ctrl-C) and SIGTERM (a container stop) and exits 0.
func TestMain_exitStatusOnSignal(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "shopgraph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
			cmd.Env = append(os.Environ(), "SHOPGRAPH_MODE=embedded", "SHOPGRAPH_SEED_PRODUCTS=40", "SHOPGRAPH_STATE_DIR="+t.TempDir())
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			ready := make(chan bool, 1)
			go func() {
				sc := bufio.NewScanner(stderr)
				sent := false
				for sc.Scan() {
					fmt.Fprintln(&logs, sc.Text())
					if !sent && strings.Contains(sc.Text(), `msg="shopgraph ready"`) {
						ready <- true
						sent = true
					}
				}
				if !sent {
					ready <- false
				}
			}()
			select {
			case ok := <-ready:
				if !ok {
					_ = cmd.Wait()
					t.Fatalf("exited before ready:\n%s", logs.String())
				}
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("not ready after 60 s")
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("after %s: %v, want exit status 0\n%s", sig, err, logs.String())
			}
		})
	}
}

func status(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServe_refusesEmbeddedByMistake: settings that only mean something on
// AWS, with no DynamoDB configured (as on ECS or EC2 with an instance role
// and no AWS_* variable), stop `auto` from starting the embedded default and
// its dev credentials; the embedded default refuses a non-loopback address
// unless SHOPGRAPH_EMBEDDED_EXPOSE allows it.
func TestServe_refusesEmbeddedByMistake(t *testing.T) {
	t.Parallel()
	prod := env("SHOPGRAPH_CURSOR_SECRET", "0123456789abcdef0123", "SHOPGRAPH_COGNITO_USER_POOL_ID", "us-east-1_Pool1",
		"SHOPGRAPH_COGNITO_CLIENT_IDS", "abc", "SHOPGRAPH_STATE_DIR", t.TempDir())
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, prod, io.Discard, io.Discard)
	for _, want := range []string{"SHOPGRAPH_MODE", "SHOPGRAPH_CURSOR_SECRET", "SHOPGRAPH_COGNITO_USER_POOL_ID", "SHOPGRAPH_COGNITO_CLIENT_IDS"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("auto mode with AWS-only settings: %v, want an error naming %s", err, want)
		}
	}
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.10:8080"} {
		err := run(context.Background(), []string{"serve", "--addr", addr}, env("SHOPGRAPH_STATE_DIR", t.TempDir()), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "SHOPGRAPH_EMBEDDED_EXPOSE") {
			t.Errorf("embedded default on %s: %v, want an error naming SHOPGRAPH_EMBEDDED_EXPOSE", addr, err)
		}
	}
}

// TestToken_noServerState: `token` run where no embedded server keeps its
// state says so, and creates no key whose tokens the server would reject.
func TestToken_noServerState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	err := run(context.Background(), []string{"token", "--user", "alice"}, env("SHOPGRAPH_STATE_DIR", dir), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no dev issuer key") || !strings.Contains(err.Error(), "SHOPGRAPH_STATE_DIR") {
		t.Errorf("token in an empty state dir: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("token created %v in the state dir", entries)
	}
}
