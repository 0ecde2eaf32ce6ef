package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/internal/testenv"
)

func TestModuleRoot(t *testing.T) {
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(scriptDir), "playground.mjs")); err != nil {
		t.Errorf("module root %s has no %s/playground.mjs: %v", root, scriptDir, err)
	}
}

// fakeTB records Skip and Fatal instead of ending the test.
type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper()                      {}
func (f *fakeTB) Skip(args ...any)             { f.skipped = fmt.Sprint(args...) }
func (f *fakeTB) Fatal(args ...any)            { f.failed = fmt.Sprint(args...) }
func (f *fakeTB) Skipf(s string, args ...any)  { f.skipped = fmt.Sprintf(s, args...) }
func (f *fakeTB) Fatalf(s string, args ...any) { f.failed = fmt.Sprintf(s, args...) }

func TestRequire_MissingDependencies(t *testing.T) {
	dir := t.TempDir()
	err := missing(dir, filepath.Join(dir, "no-chromium"))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "no-chromium")+" is missing") ||
		!strings.Contains(err.Error(), "scripts/deps/chromium.sh") {
		t.Fatalf("missing Chromium: got %v", err)
	}
	exe, err := os.Executable() // any executable file stands in for Chromium
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not on PATH; the remaining cases need it")
	}
	if err := missing(dir, exe); err == nil || !strings.Contains(err.Error(), scriptDir+"/playground.mjs is missing") {
		t.Fatalf("missing script: got %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(scriptDir)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(scriptDir), "playground.mjs"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err = missing(dir, exe)
	if err == nil || !strings.Contains(err.Error(), "the e2e npm packages are not installed") ||
		!strings.Contains(err.Error(), ".cache/e2e/node_modules/playwright-core is missing") {
		t.Fatalf("missing npm packages: got %v", err)
	}

	for _, ci := range []string{"", "true"} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("CI", ci)
			var tb fakeTB
			require(&tb, missing(dir, exe))
			got, other := tb.skipped, tb.failed
			if ci == "true" {
				got, other = tb.failed, tb.skipped
			}
			if !strings.Contains(got, "make test-deps") || !strings.Contains(got, "e2e npm packages") || other != "" {
				t.Errorf("skipped %q, failed %q", tb.skipped, tb.failed)
			}
		})
	}
}

func TestOptions_Env(t *testing.T) {
	for _, tc := range []struct {
		opts Options
		want []string
	}{
		{Options{}, []string{"E2E_VIEWPORT=1400x900", "E2E_QUERY_INPUT=url"}},
		{Options{Width: 1920, Height: 1080, Input: InputDefault}, []string{"E2E_VIEWPORT=1920x1080", "E2E_QUERY_INPUT=default"}},
		{Options{Width: 800, Input: InputType}, []string{"E2E_VIEWPORT=800x900", "E2E_QUERY_INPUT=type"}},
	} {
		if got := tc.opts.env(); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: env %q, want %q", tc.opts, got, tc.want)
		}
	}
}

func TestEditorLayout_Fits(t *testing.T) {
	fit := EditorLayout{ContentWidth: 800, VisibleWidth: 838, VisibleRight: 920}
	fit.LongestLine.Line, fit.LongestLine.Chars, fit.LongestLine.Right = 8, 86, 895
	if ok, why := fit.Fits(); !ok {
		t.Errorf("%+v: does not fit: %s", fit, why)
	}
	wide := fit
	wide.ContentWidth = 817
	wide.VisibleWidth = 378
	if ok, why := wide.Fits(); ok || !strings.Contains(why, "378.0 px are visible") {
		t.Errorf("content wider than the editor: %v %q", ok, why)
	}
	clipped := fit
	clipped.LongestLine.Right = 921
	if ok, why := clipped.Fits(); ok || !strings.Contains(why, "line 8 (86 characters) ends at x=921.0") {
		t.Errorf("line past the visible edge: %v %q", ok, why)
	}
	bar := fit
	bar.HorizontalScrollbar = true
	if ok, _ := bar.Fits(); ok {
		t.Error("a horizontal scrollbar counts as not fitting")
	}
}

func TestRunPlayground_FailsOnNonLoopbackRequest(t *testing.T) {
	root := Require(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// .invalid never resolves; the script blocks the request anyway.
		fmt.Fprint(w, `<!DOCTYPE html><title>cdn</title><script src="https://cdn.playground-e2e.invalid/graphiql.min.js"></script>`)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	_, err := runPlayground(ctx, root, srv.URL+"/", "{ hello }", filepath.Join(t.TempDir(), "shot.png"), nil)
	if err == nil || !strings.Contains(err.Error(), "non-loopback hosts") ||
		!strings.Contains(err.Error(), "https://cdn.playground-e2e.invalid/graphiql.min.js") {
		t.Fatalf("got %v, want a failure naming the non-loopback request", err)
	}
}

// TestRunPlayground_TimesOut: the page's budget (E2E_TIMEOUT_MS) starts once
// Chromium is up, so however long the browser takes to start the script
// reports the step the page was stuck in. The page never arrives (the server
// holds the request), so the script is in one step, loading it, when its
// one deadline fires; nothing here depends on how fast anything runs.
func TestRunPlayground_TimesOut(t *testing.T) {
	root := Require(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // never answer: the page stays loading
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release) // before srv.Close, which waits for the handler
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	_, err := runPlayground(ctx, root, srv.URL+"/", "{ hello }", filepath.Join(t.TempDir(), "shot.png"), []string{"E2E_TIMEOUT_MS=1500"})
	want := regexp.MustCompile(`(?m)^playground\.mjs: timed out after 1500 ms while loading ` + regexp.QuoteMeta(srv.URL+"/") + `$`)
	if err == nil || !want.MatchString(err.Error()) {
		t.Fatalf("got %v, want a failure matching %s", err, want)
	}
	if strings.Contains(err.Error(), "did not finish") || strings.Count(err.Error(), "timed out") != 1 {
		t.Errorf("want one time-out message, from the script itself: %v", err)
	}
}

// TestRunPlayground_LaunchTimesOut: starting Chromium has a budget of its own
// (E2E_LAUNCH_TIMEOUT_MS), reported as such. 1 ms is less than any browser
// takes to start.
func TestRunPlayground_LaunchTimesOut(t *testing.T) {
	root := Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	_, err := runPlayground(ctx, root, "http://127.0.0.1:9/", "{ hello }", filepath.Join(t.TempDir(), "shot.png"),
		[]string{"E2E_LAUNCH_TIMEOUT_MS=1"})
	want := regexp.MustCompile(`(?m)^playground\.mjs: timed out after 1 ms while launching ` + regexp.QuoteMeta(ChromiumPath) + `$`)
	if err == nil || !want.MatchString(err.Error()) {
		t.Fatalf("got %v, want a failure matching %s", err, want)
	}
}

// TestRunPlayground_BadOptions: the script refuses malformed settings
// instead of running with defaults.
func TestRunPlayground_BadOptions(t *testing.T) {
	root := Require(t)
	for _, env := range []string{"E2E_VIEWPORT=wide", "E2E_QUERY_INPUT=paste", "E2E_TIMEOUT_MS=soon"} {
		ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
		_, err := runPlayground(ctx, root, "http://127.0.0.1:9/", "{ hello }", filepath.Join(t.TempDir(), "shot.png"), []string{env})
		cancel()
		name := strings.SplitN(env, "=", 2)[0]
		if err == nil || !strings.Contains(err.Error(), "exit status 2") || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: got %v, want a usage error naming %s", env, err, name)
		}
	}
}
