// Package browsertest runs shopgraph's headless-Chromium end-to-end scripts
// (test/e2e/*.mjs, driven by playwright-core) from Go tests. It is test
// support: production code never imports it.
//
// The scripts need node, Debian's Chromium at /usr/bin/chromium and the npm
// packages of test/e2e installed in .cache/e2e/node_modules; `make test-deps`
// installs the last two (scripts/deps/chromium.sh, scripts/deps/e2e-npm.sh).
// When any is missing a test is skipped with a message naming it, or fails
// when the environment variable CI is "true", so CI cannot pass without
// running them.
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

// The npm package folder of the scripts (in the repository) and where
// scripts/deps/e2e-npm.sh installs its packages, relative to the module root.
const (
	scriptDir   = "test/e2e"
	nodeModules = ".cache/e2e/node_modules"
)

// scriptTimeout bounds one script run; the scripts bound themselves to 60 s
// for starting Chromium (E2E_LAUNCH_TIMEOUT_MS) and 60 s for the page
// (E2E_TIMEOUT_MS), this is the backstop that kills them.
const scriptTimeout = 150 * time.Second

// Result is what test/e2e/playground.mjs saw in the playground.
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
	// Layout is the page's layout once GraphiQL rendered and the query was
	// in the editor (before the script opened the doc explorer itself).
	Layout Layout
}

// Layout is GraphiQL's layout as the script measured it, in CSS pixels (its
// JSON fields are the Go field names in lower camel case). A pane that is
// closed has width 0.
type Layout struct {
	Viewport struct{ Width, Height int }
	// Ready is the playground's data-playground-ready mark: "docs" when it
	// opened the doc explorer at start, "editor" when it did not.
	Ready string
	// DocsOpen says whether the doc explorer was open.
	DocsOpen                              bool
	DocsWidth, EditorColumn, ResultColumn float64
	QueryEditor                           EditorLayout
}

// EditorLayout is the query editor's (CodeMirror's) geometry.
type EditorLayout struct {
	// ContentWidth and VisibleWidth are CodeMirror's scroll width (the
	// widest line, with the gutter) and its visible width: the lines fit
	// when ContentWidth <= VisibleWidth.
	ContentWidth, VisibleWidth float64
	// HorizontalScrollbar says whether CodeMirror showed its horizontal
	// scrollbar.
	HorizontalScrollbar bool
	// VisibleRight is the window x of the editor's visible right edge.
	VisibleRight float64
	// CharWidth is the editor font's character width.
	CharWidth float64
	// LongestLine is the longest line, and Right the window x where its
	// text ends with the editor scrolled fully left.
	LongestLine struct {
		Line, Chars int
		Text        string
		Right       float64
	}
}

// Fits reports whether every line of the query editor is visible in full,
// without scrolling sideways, and if not why.
func (e EditorLayout) Fits() (bool, string) {
	switch {
	case e.ContentWidth > e.VisibleWidth:
		return false, fmt.Sprintf("the editor's content is %.1f px wide, %.1f px are visible", e.ContentWidth, e.VisibleWidth)
	case e.LongestLine.Right > e.VisibleRight:
		return false, fmt.Sprintf("line %d (%d characters) ends at x=%.1f, right of the visible edge at x=%.1f",
			e.LongestLine.Line, e.LongestLine.Chars, e.LongestLine.Right, e.VisibleRight)
	case e.HorizontalScrollbar:
		return false, "the editor shows a horizontal scrollbar"
	}
	return true, ""
}

// Input says how the script puts the query into GraphiQL's editor.
type Input string

const (
	// InputURL passes the query as ?query= (the default).
	InputURL Input = "url"
	// InputType types the query into the editor.
	InputType Input = "type"
	// InputDefault leaves the page's default query (playground.Options
	// DefaultQuery) in the editor; it must equal the query.
	InputDefault Input = "default"
)

// Options adjust RunPlaygroundWith; the zero value runs as RunPlayground.
type Options struct {
	// Width and Height are the window's size in CSS pixels; zero means
	// 1400 and 900.
	Width, Height int
	// Input is how the query gets into the editor; empty means InputURL.
	Input Input
}

func (o Options) env() []string {
	w, h := o.Width, o.Height
	if w == 0 {
		w = 1400
	}
	if h == 0 {
		h = 900
	}
	in := o.Input
	if in == "" {
		in = InputURL
	}
	return []string{fmt.Sprintf("E2E_VIEWPORT=%dx%d", w, h), "E2E_QUERY_INPUT=" + string(in)}
}

// RunPlayground opens the GraphiQL playground at pageURL (a loopback URL) in
// headless Chromium, runs query through it (execute button) and returns what
// the page showed. It fails tb when the script fails: a step times out, the
// page throws, or the page asks for anything on a non-loopback host. It skips
// tb (fails it when CI=true) when node, Chromium or the e2e npm packages are
// missing. The window is 1400x900.
func RunPlayground(tb testing.TB, pageURL, query string) Result {
	tb.Helper()
	return RunPlaygroundWith(tb, pageURL, query, Options{})
}

// RunPlaygroundWith is RunPlayground with a window size and a way of
// putting the query into the editor.
func RunPlaygroundWith(tb testing.TB, pageURL, query string, opts Options) Result {
	tb.Helper()
	root := Require(tb)
	shot := filepath.Join(tb.TempDir(), "playground.png")
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	res, err := runPlayground(ctx, root, pageURL, query, shot, opts.env())
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

// Require returns the module root (the directory of go.mod, which holds
// test/e2e and .cache/e2e) when the browser tests can run. Otherwise it skips
// tb, or fails it when the environment variable CI is "true", naming what is
// missing and saying to run `make test-deps`.
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
	testenv.Missing(tb, fmt.Sprintf("browsertest: %v: run `make test-deps` to install the browser test dependencies", err))
}

// missing names the first missing dependency of the browser tests.
func missing(root, chromium string) error {
	if fi, err := os.Stat(chromium); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is missing (Debian's Chromium; scripts/deps/chromium.sh installs it)", chromium)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return errors.New("node is not on PATH (the browser test scripts run on Node.js)")
	}
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(scriptDir), "playground.mjs")); err != nil {
		return fmt.Errorf("the browser test script %s/playground.mjs is missing", scriptDir)
	}
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(nodeModules), "playwright-core", "package.json")); err != nil {
		return fmt.Errorf("the e2e npm packages are not installed (%s/playwright-core is missing; scripts/deps/e2e-npm.sh installs them)", nodeModules)
	}
	return nil
}

// runPlayground runs test/e2e/playground.mjs with extra environment variables
// (KEY=VALUE, after the test's own) and decodes its output.
func runPlayground(ctx context.Context, root, pageURL, query, screenshot string, env []string) (Result, error) {
	dir := filepath.Join(root, filepath.FromSlash(scriptDir))
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "playground.mjs"), pageURL, query, screenshot)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1", "CHROMIUM_PATH="+ChromiumPath,
		"E2E_NODE_MODULES="+filepath.Join(root, filepath.FromSlash(nodeModules)))
	cmd.Env = append(cmd.Env, env...)
	killGroup(cmd) // on timeout, end Chromium with node
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	if ctx.Err() != nil {
		return Result{}, fmt.Errorf("%s/playground.mjs did not finish in %v (killed)\nstderr:\n%s", scriptDir, time.Since(start).Round(time.Millisecond), stderr.String())
	}
	if err != nil {
		return Result{}, fmt.Errorf("%s/playground.mjs: %v\n%s", scriptDir, err, strings.TrimSpace(stderr.String()))
	}
	var out struct {
		Result   string   `json:"result"`
		Docs     string   `json:"docs"`
		Requests []string `json:"requests"`
		Console  []string `json:"console"`
		Layout   Layout   `json:"layout"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &out); err != nil {
		return Result{}, fmt.Errorf("%s/playground.mjs printed no JSON result (%v): %q\nstderr:\n%s", scriptDir, err, stdout.String(), stderr.String())
	}
	return Result{
		ResultText: out.Result,
		DocsText:   out.Docs,
		Requests:   out.Requests,
		Console:    out.Console,
		Screenshot: screenshot,
		Layout:     out.Layout,
	}, nil
}
