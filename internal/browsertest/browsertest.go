// Package browsertest runs shopgraph's headless-Chromium end-to-end scripts
// (e2e/*.mjs, driven by playwright-core) from Go tests. It is test support:
// production code never imports it.
//
// The scripts need Debian's Chromium at /usr/bin/chromium and the npm
// packages of e2e/ installed in e2e/node_modules; `make test-deps` installs
// both (scripts/deps/chromium.sh, scripts/deps/e2e-npm.sh). When either is
// missing a test is skipped, or fails when the environment variable CI is
// "true", so CI cannot pass without running them.
package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/internal/testenv"
)

// ChromiumPath is where the scripts expect Debian's Chromium.
const ChromiumPath = "/usr/bin/chromium"

// scriptTimeout bounds one script run; the scripts bound themselves to 60 s
// (E2E_TIMEOUT_MS), this is the backstop that kills them.
const scriptTimeout = 90 * time.Second

// Result is what e2e/playground.mjs saw in the playground.
type Result struct {
	// ResultText is the text of GraphiQL's result pane (the JSON response).
	ResultText string
	// DocsText is the text of the documentation explorer, opened on the
	// Query type.
	DocsText string
	// Requests are the URLs of every request the page made, in order.
	Requests []string
	// Console holds the page's console errors and warnings.
	Console []string
	// Screenshot is the path of a PNG of the page at the end, in
	// tb.TempDir() (see ArtifactsEnv to keep it).
	Screenshot string
}

// RunPlayground opens the GraphiQL playground at pageURL (a loopback URL) in
// headless Chromium, runs query through it (execute button) and returns what
// the page showed. It fails tb when the script fails: a step times out, the
// page throws, or the page asks for anything on a non-loopback host. It skips
// tb (fails it when CI=true) when Chromium or e2e/node_modules is missing.
func RunPlayground(tb testing.TB, pageURL, query string) Result {
	tb.Helper()
	root := Require(tb)
	shot := filepath.Join(tb.TempDir(), "playground.png")
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	res, err := runPlayground(ctx, root, pageURL, query, shot, nil)
	if err != nil {
		tb.Fatalf("browsertest: %v", err)
	}
	keepScreenshot(tb, shot)
	return res
}

// ArtifactsEnv names the environment variable that, when set to a
// directory, makes RunPlayground keep a copy of each screenshot there, named
// after the test (tb.TempDir is removed when the test ends).
const ArtifactsEnv = "BROWSERTEST_ARTIFACTS"

func keepScreenshot(tb testing.TB, shot string) {
	tb.Helper()
	dir := os.Getenv(ArtifactsEnv)
	if dir == "" {
		return
	}
	b, err := os.ReadFile(shot)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == os.PathSeparator || r == ' ' {
			return '_'
		}
		return r
	}, tb.Name())
	dst := filepath.Join(dir, name+".png")
	if err == nil {
		err = os.WriteFile(dst, b, 0o644)
	}
	if err != nil {
		tb.Errorf("browsertest: keeping the screenshot: %v", err)
		return
	}
	tb.Logf("browsertest: screenshot kept in %s", dst)
}

// Require returns the module root (the directory of go.mod, which holds e2e/)
// when the browser tests can run. Otherwise it skips tb, or fails it when the
// environment variable CI is "true", saying to run `make test-deps`.
func Require(tb testing.TB) string {
	tb.Helper()
	root, err := testenv.ModuleRoot()
	if err != nil {
		tb.Fatalf("browsertest: %v", err)
	}
	require(tb, missing(root, ChromiumPath))
	return root
}

// require skips or fails tb when err (a missing dependency) is not nil.
func require(tb testing.TB, err error) {
	tb.Helper()
	if err == nil {
		return
	}
	msg := fmt.Sprintf("browsertest: %v: run `make test-deps` to install the browser test dependencies", err)
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
		return
	}
	tb.Skip(msg)
}

// missing names the first missing dependency of the browser tests.
func missing(root, chromium string) error {
	if fi, err := os.Stat(chromium); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is missing", chromium)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return errors.New("node is not on PATH")
	}
	if _, err := os.Stat(filepath.Join(root, "e2e", "node_modules", "playwright-core", "package.json")); err != nil {
		return errors.New("e2e/node_modules (playwright-core) is missing")
	}
	return nil
}

// runPlayground runs e2e/playground.mjs with extra environment variables
// (KEY=VALUE) and decodes its output.
func runPlayground(ctx context.Context, root, pageURL, query, screenshot string, env []string) (Result, error) {
	cmd := exec.CommandContext(ctx, "node", filepath.Join(root, "e2e", "playground.mjs"), pageURL, query, screenshot)
	cmd.Dir = filepath.Join(root, "e2e")
	cmd.Env = append(os.Environ(), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1", "CHROMIUM_PATH="+ChromiumPath)
	cmd.Env = append(cmd.Env, env...)
	killGroup(cmd) // on timeout, end Chromium with node
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if ctx.Err() != nil {
		return Result{}, fmt.Errorf("e2e/playground.mjs did not finish in %v (killed)\nstderr:\n%s", time.Since(start).Round(time.Millisecond), stderr.String())
	}
	if err != nil {
		return Result{}, fmt.Errorf("e2e/playground.mjs: %v\n%s", err, strings.TrimSpace(stderr.String()))
	}
	var out struct {
		Result   string   `json:"result"`
		Docs     string   `json:"docs"`
		Requests []string `json:"requests"`
		Console  []string `json:"console"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &out); err != nil {
		return Result{}, fmt.Errorf("e2e/playground.mjs printed no JSON result (%v): %q\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	return Result{
		ResultText: out.Result,
		DocsText:   out.Docs,
		Requests:   out.Requests,
		Console:    out.Console,
		Screenshot: screenshot,
	}, nil
}
