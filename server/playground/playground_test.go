package playground_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/server/playground"
)

var (
	configRE = regexp.MustCompile(`(?s)<script id="playground-config" type="application/json">(.*?)</script>`)
	assetRE  = regexp.MustCompile(`(?:src|href)="(assets/[^"]+)"`)
)

type pageConfig struct {
	Title        string `json:"title"`
	Endpoint     string `json:"endpoint"`
	Headers      string `json:"headers"`
	DefaultQuery string `json:"defaultQuery"`
}

func get(t *testing.T, h http.Handler, method, target string, hdr ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func config(t *testing.T, page string) pageConfig {
	t.Helper()
	m := configRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no configuration in the page:\n%s", page)
	}
	var cfg pageConfig
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatalf("configuration %q: %v", m[1], err)
	}
	return cfg
}

func TestHandler_Index(t *testing.T) {
	h := playground.Handler(playground.Options{
		Endpoint:     "/graphql",
		Title:        "shopgraph",
		Headers:      map[string]string{"x-api-key": "da2-local", "Authorization": "Bearer t"},
		DefaultQuery: "{ categories { name } }",
	})
	for _, path := range []string{"/", "/index.html"} {
		resp := get(t, h, http.MethodGet, path)
		page := body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q", path, cc)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self'", "connect-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: Content-Security-Policy %q lacks %q", path, csp, want)
			}
		}
		if !strings.Contains(page, "<title>shopgraph</title>") {
			t.Errorf("GET %s: no title in\n%s", path, page)
		}
		got := config(t, page)
		want := pageConfig{
			Title:        "shopgraph",
			Endpoint:     "/graphql",
			Headers:      "{\n  \"Authorization\": \"Bearer t\",\n  \"x-api-key\": \"da2-local\"\n}",
			DefaultQuery: "{ categories { name } }",
		}
		if got != want {
			t.Errorf("GET %s: configuration %+v, want %+v", path, got, want)
		}
		// Nothing is loaded from elsewhere: every script and stylesheet is
		// one of ours, by a relative URL.
		if n := strings.Count(page, "<script src="); n != 5 || len(assetRE.FindAllString(page, -1)) != 6 {
			t.Errorf("GET %s: want 5 scripts and 6 relative asset URLs:\n%s", path, page)
		}
		if strings.Contains(page, "//") && regexp.MustCompile(`(?:src|href)="[a-z]*:?//`).MatchString(page) {
			t.Errorf("GET %s: absolute asset URL in\n%s", path, page)
		}
	}

	resp := get(t, h, http.MethodHead, "/")
	if resp.StatusCode != http.StatusOK || body(t, resp) != "" || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("HEAD /: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestHandler_Defaults(t *testing.T) {
	page := body(t, get(t, playground.Handler(playground.Options{}), http.MethodGet, "/"))
	got := config(t, page)
	if got != (pageConfig{Title: "GraphiQL", Endpoint: "/graphql"}) {
		t.Errorf("configuration %+v", got)
	}
	if !strings.Contains(page, "<title>GraphiQL</title>") {
		t.Errorf("no default title in\n%s", page)
	}
}

func TestHandler_AbsoluteEndpointAllowedByCSP(t *testing.T) {
	for endpoint, want := range map[string]string{
		// The endpoint's origin for queries, its WebSocket origin for
		// subscriptions.
		"https://api.example.test:8443/graphql": "connect-src 'self' https://api.example.test:8443 wss://api.example.test:8443;",
		"http://127.0.0.1:4000/graphql":         "connect-src 'self' http://127.0.0.1:4000 ws://127.0.0.1:4000;",
		// A path is on the page's origin: 'self' covers HTTP and WebSocket.
		"/graphql": "connect-src 'self';",
		// Anything else adds nothing.
		"ftp://files.example.test/graphql": "connect-src 'self';",
	} {
		resp := get(t, playground.Handler(playground.Options{Endpoint: endpoint}), http.MethodGet, "/")
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, want) {
			t.Errorf("endpoint %s: Content-Security-Policy %q lacks %q", endpoint, csp, want)
		}
	}
}

func TestHandler_EscapesInjectedValues(t *testing.T) {
	const (
		title = `</title><script>alert("title")</script>`
		key   = `x-"key"</script><script>alert('key')</script>`
		value = "</script><!-- <script>alert(`value`)</script> \u2028"
		query = "query { a } </script><script>alert(1)</script> <!-- & \u2029"
	)
	h := playground.Handler(playground.Options{
		Title: title, Headers: map[string]string{key: value}, DefaultQuery: query,
		Endpoint: `/graphql"></script><script>alert(2)</script>`,
	})
	page := body(t, get(t, h, http.MethodGet, "/"))
	if n := strings.Count(page, "<script"); n != 6 {
		t.Errorf("%d <script tags, want 6 (configuration and 5 assets):\n%s", n, page)
	}
	if n := strings.Count(page, "</script>"); n != 6 {
		t.Errorf("%d </script> tags, want 6:\n%s", n, page)
	}
	for _, bad := range []string{"<script>alert", "<!--", "\u2028", "\u2029"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q:\n%s", bad, page)
		}
	}
	if !strings.Contains(page, "<title>&lt;/title&gt;&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;</title>") {
		t.Errorf("title not escaped:\n%s", page)
	}
	// The values survive the encoding exactly.
	cfg := config(t, page)
	var headers map[string]string
	if err := json.Unmarshal([]byte(cfg.Headers), &headers); err != nil {
		t.Fatalf("headers %q: %v", cfg.Headers, err)
	}
	if cfg.Title != title || cfg.DefaultQuery != query || headers[key] != value || len(headers) != 1 ||
		cfg.Endpoint != `/graphql"></script><script>alert(2)</script>` {
		t.Errorf("configuration %+v, headers %q", cfg, headers)
	}
}

func TestHandler_Assets(t *testing.T) {
	h := playground.Handler(playground.Options{})
	page := body(t, get(t, h, http.MethodGet, "/"))
	urls := assetRE.FindAllStringSubmatch(page, -1)
	if len(urls) != 6 {
		t.Fatalf("asset URLs %q", urls)
	}
	for _, m := range urls {
		u := "/" + m[1]
		resp := get(t, h, http.MethodGet, u)
		b := body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", u, resp.StatusCode)
			continue
		}
		wantCT := "text/javascript; charset=utf-8"
		if strings.Contains(u, ".css") {
			wantCT = "text/css; charset=utf-8"
		}
		if ct := resp.Header.Get("Content-Type"); ct != wantCT {
			t.Errorf("GET %s: Content-Type %q, want %q", u, ct, wantCT)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q", u, cc)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", u)
		}
		// The file is the one in the package directory.
		file := strings.SplitN(m[1], "?", 2)[0]
		want, err := os.ReadFile(filepath.FromSlash(file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal([]byte(b), want) {
			t.Errorf("GET %s: body differs from %s", u, file)
		}
		etag := resp.Header.Get("ETag")
		if etag == "" {
			t.Errorf("GET %s: no ETag", u)
			continue
		}
		if resp := get(t, h, http.MethodGet, u, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match: %d, want 304", u, resp.StatusCode)
		}
	}

	for _, lic := range []string{
		"/assets/vendor/graphiql-" + playground.GraphiQLVersion + "/LICENSE",
		"/assets/vendor/react-" + playground.ReactVersion + "/LICENSE",
		"/assets/vendor/react-dom-" + playground.ReactVersion + "/LICENSE",
		"/assets/vendor/graphql-ws-" + playground.GraphQLWSVersion + "/LICENSE",
	} {
		resp := get(t, h, http.MethodGet, lic)
		if b := body(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(b, "MIT License") ||
			resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("GET %s: %d %q", lic, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

func TestHandler_NotFound(t *testing.T) {
	h := playground.Handler(playground.Options{})
	for _, path := range []string{
		"/assets/nope.js",
		"/assets/",
		"/assets/vendor/",
		"/assets/vendor/graphiql-" + playground.GraphiQLVersion + "/graphiql.js",
		"/assets/../playground.go",
		"/playground.go",
		"/favicon.ico",
		"/graphql",
	} {
		if resp := get(t, h, http.MethodGet, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestHandler_MethodNotAllowed(t *testing.T) {
	h := playground.Handler(playground.Options{})
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		resp := get(t, h, method, "/")
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s /: %d, Allow %q", method, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
}

func TestHandler_UnderPrefix(t *testing.T) {
	h := playground.Handler(playground.Options{Title: "prefixed"})
	mux := http.NewServeMux()
	mux.Handle("/tools/playground/", http.StripPrefix("/tools/playground", h))
	mux.Handle("/ui", http.StripPrefix("/ui", h)) // the bare prefix reaches h with an empty path

	resp := get(t, mux, http.MethodGet, "/tools/playground/")
	page := body(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "<title>prefixed</title>") {
		t.Fatalf("GET /tools/playground/: %d\n%s", resp.StatusCode, page)
	}
	for _, m := range assetRE.FindAllStringSubmatch(page, -1) {
		if resp := get(t, mux, http.MethodGet, "/tools/playground/"+m[1]); resp.StatusCode != http.StatusOK {
			t.Errorf("GET /tools/playground/%s: %d", m[1], resp.StatusCode)
		}
	}

	resp = get(t, mux, http.MethodGet, "/ui?query=%7B+a+%7D")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusMovedPermanently || loc != "./ui/?query=%7B+a+%7D" {
		t.Errorf("GET /ui: %d Location %q, want a redirect to ./ui/ keeping the query", resp.StatusCode, loc)
	}

	// The redirect only ever names the last path segment, relatively.
	req := httptest.NewRequest(http.MethodGet, "//evil.example", nil)
	req.URL.Path = ""
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if loc := rec.Header().Get("Location"); loc != "./evil.example/" {
		t.Errorf("redirect for //evil.example: Location %q", loc)
	}
}

// TestAssets_Vendored keeps the vendored assets lean: minified builds with
// their licenses and the third-party notice only.
func TestAssets_Vendored(t *testing.T) {
	var total int64
	licenses := map[string]bool{}
	err := filepath.WalkDir("assets", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		total += fi.Size()
		switch base := filepath.Base(p); {
		case base == "LICENSE":
			licenses[filepath.Dir(p)] = true
		case p == filepath.Join("assets", "vendor", "NOTICE.md"):
		case p == filepath.Join("assets", "playground.js"):
		case strings.HasSuffix(base, ".min.js"), strings.HasSuffix(base, ".min.css"):
		default:
			t.Errorf("unexpected vendored file %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"graphiql-" + playground.GraphiQLVersion, "react-" + playground.ReactVersion, "react-dom-" + playground.ReactVersion,
		"graphql-ws-" + playground.GraphQLWSVersion} {
		if !licenses[filepath.Join("assets", "vendor", dir)] {
			t.Errorf("no LICENSE in assets/vendor/%s", dir)
		}
	}
	if total > 2<<20 {
		t.Errorf("assets total %d bytes, want at most 2 MiB", total)
	}
}
