// Package playground serves shopgraph's developer playground: a GraphiQL page
// and the static assets it needs, embedded in the binary so the page works
// offline (no CDN).
//
// The assets are graphiql's standalone UMD build, the React/ReactDOM 18
// UMD builds and graphql-ws's UMD build (for subscriptions), vendored from npm (minified builds and their LICENSE files)
// under assets/vendor by refresh-assets.sh, plus a small bootstrap script of
// ours (assets/playground.js). Handler serves the page at its root and the
// assets below "assets/", with relative URLs, so it works at "/" and under a
// prefix with http.StripPrefix.
package playground

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// Vendored versions: the directory names under assets/vendor carry them.
const (
	// GraphiQLVersion is the vendored graphiql version: the newest release
	// with a standalone (UMD) browser build; graphiql 5 is ESM-only and needs
	// a bundler or an ESM CDN.
	GraphiQLVersion = "4.1.2"
	// ReactVersion is the vendored React and ReactDOM version. React 19 ships
	// no UMD builds; graphiql 4 supports React 18.
	ReactVersion = "18.3.1"
	// GraphQLWSVersion is the vendored graphql-ws version (its UMD build,
	// global graphqlWs), the client for subscriptions over the
	// graphql-transport-ws protocol.
	GraphQLWSVersion = "6.4.2"
)

//go:embed assets
var assetFS embed.FS

// Options configure Handler.
type Options struct {
	// Endpoint is the GraphQL endpoint the page queries, e.g. "/graphql". A
	// path is resolved against the page's URL in the browser (so "/graphql"
	// means the page's origin); an absolute http(s) URL is used as is.
	// Empty means "/graphql".
	Endpoint string
	// Title is the page title; empty means "GraphiQL".
	Title string
	// Headers prefill GraphiQL's headers pane (as a JSON object), e.g. an API
	// key. The pane opens when there are any.
	Headers map[string]string
	// DefaultQuery prefills the query editor of a browser that has no saved
	// GraphiQL tabs. A ?query= URL parameter takes precedence.
	DefaultQuery string
}

// pageConfig is what the bootstrap script reads from the page (a JSON
// document in a non-executed script element).
type pageConfig struct {
	Title        string `json:"title"`
	Endpoint     string `json:"endpoint"`
	Headers      string `json:"headers,omitempty"`
	DefaultQuery string `json:"defaultQuery,omitempty"`
}

// asset is one embedded file, ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// assets maps a path below the handler root (e.g.
// "assets/vendor/graphiql-4.1.2/graphiql.min.js") to its file.
var assets = loadAssets()

func loadAssets() map[string]asset {
	m := map[string]asset{}
	err := fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := assetFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		m[p] = asset{body: body, contentType: contentType(p), etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
		return nil
	})
	if err != nil {
		panic("playground: reading embedded assets: " + err.Error())
	}
	return m
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case "":
		return "text/plain; charset=utf-8" // LICENSE
	}
	if ct := mime.TypeByExtension(path.Ext(p)); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

// assetURL is the page-relative URL of an embedded asset, with a content
// hash so the long cache lifetime is safe when the file changes.
func assetURL(p string) string {
	a, ok := assets[p]
	if !ok {
		panic("playground: missing embedded asset " + p)
	}
	return p + "?v=" + strings.Trim(a.etag, `"`)[:12]
}

var page = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>{{.Title}}</title>
<link rel="stylesheet" href="{{.GraphiQLCSS}}">
<style>
html, body { height: 100%; margin: 0; }
#graphiql { height: 100vh; }
.playground-loading { height: 100%; display: flex; align-items: center; justify-content: center; font: 1.5rem system-ui, sans-serif; color: #666; }
</style>
</head>
<body>
<div id="graphiql"><div class="playground-loading">Loading {{.Title}}…</div></div>
<noscript>The GraphiQL playground needs JavaScript.</noscript>
<script id="playground-config" type="application/json">{{.Config}}</script>
<script src="{{.React}}"></script>
<script src="{{.ReactDOM}}"></script>
<script src="{{.GraphiQLJS}}"></script>
<script src="{{.GraphQLWS}}"></script>
<script src="{{.Bootstrap}}"></script>
</body>
</html>
`))

// Handler returns an http.Handler that serves the GraphiQL page at its root
// ("/", also "/index.html") and the embedded assets below "/assets/", for
// GET and HEAD. Anything else under it is 404. Mount it at "/" or under a
// prefix with http.StripPrefix; a request for the bare prefix (StripPrefix
// leaves an empty path) is redirected to the prefix with a trailing slash so
// the page's relative asset URLs resolve.
func Handler(opts Options) http.Handler {
	if opts.Endpoint == "" {
		opts.Endpoint = "/graphql"
	}
	if opts.Title == "" {
		opts.Title = "GraphiQL"
	}
	cfg := pageConfig{Title: opts.Title, Endpoint: opts.Endpoint, DefaultQuery: opts.DefaultQuery}
	if len(opts.Headers) > 0 {
		b, err := json.MarshalIndent(opts.Headers, "", "  ") // map keys are sorted
		if err != nil {
			panic("playground: encoding headers: " + err.Error()) // cannot happen for map[string]string
		}
		cfg.Headers = string(b)
	}
	var buf bytes.Buffer
	err := page.Execute(&buf, struct {
		Title                                                          string
		Config                                                         pageConfig
		GraphiQLCSS, GraphiQLJS, React, ReactDOM, GraphQLWS, Bootstrap string
	}{
		Title:       opts.Title,
		Config:      cfg,
		GraphiQLCSS: assetURL("assets/vendor/graphiql-" + GraphiQLVersion + "/graphiql.min.css"),
		GraphiQLJS:  assetURL("assets/vendor/graphiql-" + GraphiQLVersion + "/graphiql.min.js"),
		React:       assetURL("assets/vendor/react-" + ReactVersion + "/react.production.min.js"),
		ReactDOM:    assetURL("assets/vendor/react-dom-" + ReactVersion + "/react-dom.production.min.js"),
		GraphQLWS:   assetURL("assets/vendor/graphql-ws-" + GraphQLWSVersion + "/graphql-ws.min.js"),
		Bootstrap:   assetURL("assets/playground.js"),
	})
	if err != nil {
		panic("playground: rendering the page: " + err.Error())
	}
	return &handler{index: buf.Bytes(), csp: contentSecurityPolicy(opts.Endpoint)}
}

// contentSecurityPolicy allows the page to load only its own assets and to
// talk only to its own origin and the endpoint's, over HTTP for queries and
// over WebSocket (graphql-ws) for subscriptions. A path endpoint is on the
// page's origin, which 'self' covers, WebSocket included (CSP Level 3 lets
// 'self' match ws: and wss: on the page's host). An absolute endpoint adds
// its origin and its WebSocket origin (ws: for http:, wss: for https:).
func contentSecurityPolicy(endpoint string) string {
	connect := "'self'"
	if u, err := url.Parse(endpoint); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		ws := "ws"
		if u.Scheme == "https" {
			ws = "wss"
		}
		connect += " " + u.Scheme + "://" + u.Host + " " + ws + "://" + u.Host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'", // GraphiQL and CodeMirror set inline styles
		"font-src 'self' data:",            // GraphiQL's CSS inlines its fonts
		"img-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'self'",
	}, "; ")
}

type handler struct {
	index []byte
	csp   string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case p == "":
		redirectToSlash(w, r)
	case p == "/" || p == "/index.html":
		hdr := w.Header()
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Cache-Control", "no-cache")
		hdr.Set("Content-Security-Policy", h.csp)
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("Content-Length", fmt.Sprint(len(h.index)))
		if r.Method == http.MethodGet {
			_, _ = w.Write(h.index)
		}
	case strings.HasPrefix(p, "/assets/"):
		serveAsset(w, r, p[1:])
	default:
		http.NotFound(w, r)
	}
}

func serveAsset(w http.ResponseWriter, r *http.Request, p string) {
	a, ok := assets[p]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	hdr.Set("ETag", a.etag)
	hdr.Set("X-Content-Type-Options", "nosniff")
	// ServeContent answers If-None-Match (304) and Range requests; the
	// Content-Type set above keeps it from sniffing.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// redirectToSlash answers a request for the bare mount prefix (after
// http.StripPrefix the path is empty) with a relative redirect to the prefix
// plus "/". The redirect is built from the last segment of the original path
// only, so it cannot point to another host.
func redirectToSlash(w http.ResponseWriter, r *http.Request) {
	orig := r.URL.RawPath
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		orig = u.EscapedPath()
	}
	target := "./"
	if base := path.Base(orig); base != "/" && base != "." && base != "" {
		target = "./" + base + "/"
	}
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	// Not http.Redirect: it would resolve the target against the stripped
	// (empty) path, losing the prefix.
	w.Header().Set("Location", target)
	w.WriteHeader(http.StatusMovedPermanently)
}
