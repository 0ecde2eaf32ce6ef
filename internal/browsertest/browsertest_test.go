package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/internal/testenv"
)

func TestModuleRoot(t *testing.T) {
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "e2e", "playground.mjs")); err != nil {
		t.Errorf("module root %s has no e2e/playground.mjs: %v", root, err)
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
	if err == nil || !strings.Contains(err.Error(), "no-chromium is missing") {
		t.Fatalf("missing Chromium: got %v", err)
	}
	exe, err := os.Executable() // any executable file stands in for Chromium
	if err != nil {
		t.Fatal(err)
	}
	if err := missing(dir, exe); err == nil || !strings.Contains(err.Error(), "e2e/node_modules") {
		t.Fatalf("missing node_modules: got %v", err)
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
			if !strings.Contains(got, "make test-deps") || other != "" {
				t.Errorf("skipped %q, failed %q", tb.skipped, tb.failed)
			}
		})
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
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := runPlayground(ctx, root, srv.URL+"/", "{ hello }", filepath.Join(t.TempDir(), "shot.png"), nil)
	if err == nil || !strings.Contains(err.Error(), "non-loopback hosts") ||
		!strings.Contains(err.Error(), "https://cdn.playground-e2e.invalid/graphiql.min.js") {
		t.Fatalf("got %v, want a failure naming the non-loopback request", err)
	}
}

func TestRunPlayground_TimesOut(t *testing.T) {
	root := Require(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!DOCTYPE html><title>not GraphiQL</title><p>nothing here`)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	_, err := runPlayground(ctx, root, srv.URL+"/", "{ hello }", filepath.Join(t.TempDir(), "shot.png"), []string{"E2E_TIMEOUT_MS=2000"})
	if err == nil || !strings.Contains(err.Error(), "timed out after 2000 ms while waiting for GraphiQL to render") {
		t.Fatalf("got %v, want a time-out while waiting for GraphiQL", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the time-out took %v", d)
	}
}
