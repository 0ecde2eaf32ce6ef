package server_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/loaders"
	localddb "github.com/shopgraph/shopgraph/local/dynamodb"
	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
	"github.com/shopgraph/shopgraph/server"
)

// pageQuery is the catalog page query of the benchmarks: products with their
// inventory and warehouses.
const pageQuery = `query Page($category: String!, $limit: Int, $next: String) {
  products(category: $category, limit: $limit, nextToken: $next) {
    items {
      id sku name brand category description
      price { amount currency }
      attributes images createdAt
      inventory { available inStock warehouses { available warehouse { code name region } } }
    }
    nextToken
  }
}`

func newApp(t *testing.T) *apptest.App {
	t.Helper()
	return apptest.New(t, apptest.Options{Products: 400})
}

// biggestCategory returns the category with the most products.
func biggestCategory(a *apptest.App) shopgraph.Category {
	best := a.Catalog.Categories[0]
	for _, c := range a.Catalog.Categories {
		if c.ProductCount > best.ProductCount {
			best = c
		}
	}
	return best
}

func wantNoErrors(t *testing.T, r apptest.Response) {
	t.Helper()
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("status %d, errors %+v\n%s", r.Status, r.Errors, r.Raw)
	}
}

func wantError(t *testing.T, r apptest.Response, status int, errorType, msgPart string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status = %d, want %d\n%s", r.Status, status, r.Raw)
	}
	if len(r.Errors) != 1 {
		t.Fatalf("got %d errors, want 1\n%s", len(r.Errors), r.Raw)
	}
	e := r.Errors[0]
	if e.ErrorType != errorType || !strings.Contains(e.Message, msgPart) {
		t.Errorf("error = {errorType %q, message %q}, want {%q, containing %q}", e.ErrorType, e.Message, errorType, msgPart)
	}
	if bytes.Contains(r.Raw, []byte("dynamodb.")) || bytes.Contains(r.Raw, []byte("api error")) {
		t.Errorf("response leaks an internal error:\n%s", r.Raw)
	}
}

func TestGraphQL_catalogPage_requestCounts(t *testing.T) {
	a := newApp(t)
	cat := biggestCategory(a)
	if cat.ProductCount < 50 {
		t.Fatalf("seed has only %d products in the biggest category", cat.ProductCount)
	}
	r := a.Do(t, pageQuery, map[string]any{"category": cat.Name, "limit": 50})
	wantNoErrors(t, r)

	items := r.Data["products"].(map[string]any)["items"].([]any)
	if len(items) != 50 {
		t.Fatalf("got %d items, want 50", len(items))
	}
	for _, it := range items {
		whs := it.(map[string]any)["inventory"].(map[string]any)["warehouses"].([]any)
		if len(whs) != len(a.Catalog.Warehouses) {
			t.Fatalf("product has %d warehouse stocks, want %d", len(whs), len(a.Catalog.Warehouses))
		}
	}
	// 1 Query for the page + 200 inventory keys in 2 BatchGetItems; the
	// warehouses come from the cache.
	got := r.Extensions.DynamoDB
	if got.Requests != 3 || got.ByOperation["Query"] != 1 || got.ByOperation["BatchGetItem"] != 2 {
		t.Errorf("dynamodb requests = %+v, want 3 = 1 Query + 2 BatchGetItem", got)
	}
}

func TestGraphQL_aliasedProducts_oneBatchGetItem(t *testing.T) {
	a := newApp(t)
	var q strings.Builder
	q.WriteString("{")
	for i, p := range a.Catalog.Products[:20] {
		fmt.Fprintf(&q, " p%d: product(id: %q) { sku name }", i, p.PublicID())
	}
	q.WriteString(" }")
	r := a.Do(t, q.String(), nil)
	wantNoErrors(t, r)
	for i, p := range a.Catalog.Products[:20] {
		got := r.Data[fmt.Sprintf("p%d", i)].(map[string]any)["sku"]
		if got != p.ProductID {
			t.Errorf("p%d.sku = %v, want %s", i, got, p.ProductID)
		}
	}
	got := r.Extensions.DynamoDB
	if got.Requests != 1 || got.ByOperation["BatchGetItem"] != 1 {
		t.Errorf("dynamodb requests = %+v, want exactly 1 BatchGetItem", got)
	}
}

func TestGraphQL_loadersDisabled_oneRequestPerField(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 400, Server: server.Config{Loaders: loaders.Config{Disabled: true}}})
	r := a.Do(t, pageQuery, map[string]any{"category": biggestCategory(a).Name, "limit": 50})
	wantNoErrors(t, r)
	if got := r.Extensions.DynamoDB; got.Requests != 51 || got.ByOperation["Query"] != 1 || got.ByOperation["BatchGetItem"] != 50 {
		t.Errorf("with loaders off: %+v, want 1 Query + 50 BatchGetItem (one per inventory field)", got)
	}
}

func TestGraphQL_pagingWalksWholeCategory(t *testing.T) {
	a := newApp(t)
	cat := biggestCategory(a)
	seen := map[string]bool{}
	var next any
	for pages := 0; ; pages++ {
		if pages > cat.ProductCount {
			t.Fatal("paging does not terminate")
		}
		r := a.Do(t, `query($c: String!, $n: String) { products(category: $c, limit: 7, nextToken: $n) { items { sku } nextToken } }`,
			map[string]any{"c": cat.Name, "n": next})
		wantNoErrors(t, r)
		page := r.Data["products"].(map[string]any)
		for _, it := range page["items"].([]any) {
			sku := it.(map[string]any)["sku"].(string)
			if seen[sku] {
				t.Fatalf("sku %s returned twice", sku)
			}
			seen[sku] = true
		}
		if next = page["nextToken"]; next == nil {
			break
		}
	}
	if len(seen) != cat.ProductCount {
		t.Errorf("paged %d products, want %d", len(seen), cat.ProductCount)
	}
}

func TestGraphQL_productBySkuAndLookups(t *testing.T) {
	a := newApp(t)
	p := a.Catalog.Products[3]
	r := a.Do(t, `query($s: String!) { productBySku(sku: $s) { id sku name price { amount currency } } categories { name productCount } warehouses { code name region } }`,
		map[string]any{"s": p.ProductID})
	wantNoErrors(t, r)
	got := r.Data["productBySku"].(map[string]any)
	if got["id"] != p.PublicID() || got["name"] != p.Name {
		t.Errorf("productBySku = %v, want %s", got, p.Name)
	}
	if n := len(r.Data["categories"].([]any)); n != len(a.Catalog.Categories) {
		t.Errorf("got %d categories, want %d", n, len(a.Catalog.Categories))
	}
	if n := len(r.Data["warehouses"].([]any)); n != 4 {
		t.Errorf("got %d warehouses, want 4", n)
	}
}

func TestGraphQL_isNew(t *testing.T) {
	a := newApp(t)
	p := a.Catalog.Products[0]
	id := p.PublicID()
	q := `query($id: ID!, $at: AWSDateTime) { product(id: $id) { isNew(asOf: $at) } }`
	for _, c := range []struct {
		at   string
		want bool
	}{
		{p.CreatedAt.Add(24 * time.Hour).Format(time.RFC3339), true},
		{p.CreatedAt.Add(-time.Hour).Format(time.RFC3339), false},
		{p.CreatedAt.Add(31 * 24 * time.Hour).Format("2006-01-02T15:04-07:00"), false},
	} {
		r := a.Do(t, q, map[string]any{"id": id, "at": c.at})
		wantNoErrors(t, r)
		if got := r.Data["product"].(map[string]any)["isNew"]; got != c.want {
			t.Errorf("isNew(asOf: %s) = %v, want %v", c.at, got, c.want)
		}
	}
}

// TestGraphQL_badInput: every kind of bad input gets a specific,
// AppSync-shaped error and never a 500 or a leaked internal message.
func TestGraphQL_badInput(t *testing.T) {
	a := newApp(t)
	cat := biggestCategory(a)
	var other shopgraph.Category
	for _, c := range a.Catalog.Categories {
		if c.Name != cat.Name && c.ProductCount > 2 {
			other = c
		}
	}
	tokenFor := func(category string) string {
		r := a.Do(t, `query($c: String!) { products(category: $c, limit: 1) { nextToken } }`, map[string]any{"c": category})
		wantNoErrors(t, r)
		return r.Data["products"].(map[string]any)["nextToken"].(string)
	}
	goodToken := tokenFor(cat.Name)
	foreignToken := tokenFor(other.Name)
	forged := []byte(goodToken)
	forged[len(forged)/3] ^= 1
	product := `query($id: ID!) { product(id: $id) { sku } }`
	page := `query($c: String!, $l: Int, $n: String) { products(category: $c, limit: $l, nextToken: $n) { items { sku } } }`
	unknownID := shopgraph.ProductKey{Category: cat.Name, ProductID: "NOPE-1"}.PublicID()

	cases := []struct {
		name      string
		query     string
		vars      map[string]any
		errorType string
		msg       string
	}{
		{"unknown id", product, map[string]any{"id": unknownID}, "NotFound", "not found"},
		{"malformed id", product, map[string]any{"id": "not-an-id!"}, "BadRequest", "malformed product id"},
		{"base64 but not an id", product, map[string]any{"id": base64.RawURLEncoding.EncodeToString([]byte("hello"))}, "BadRequest", "malformed product id"},
		{"unknown sku", `{ productBySku(sku: "NOPE-1") { sku } }`, nil, "NotFound", "NOPE-1"},
		{"forged nextToken", page, map[string]any{"c": cat.Name, "n": string(forged)}, "BadRequest", "nextToken"},
		{"truncated nextToken", page, map[string]any{"c": cat.Name, "n": goodToken[:len(goodToken)-5]}, "BadRequest", "nextToken"},
		{"garbage nextToken", page, map[string]any{"c": cat.Name, "n": "%%%"}, "BadRequest", "nextToken"},
		{"foreign nextToken", page, map[string]any{"c": cat.Name, "n": foreignToken}, "BadRequest", "nextToken"},
		{"limit 0", page, map[string]any{"c": cat.Name, "l": 0}, "BadRequest", "limit must be between 1 and 100, got 0"},
		{"limit 101", page, map[string]any{"c": cat.Name, "l": 101}, "BadRequest", "limit must be between 1 and 100, got 101"},
		{"unknown category", page, map[string]any{"c": "no-such-category"}, "NotFound", "no-such-category"},
		{"AWSDateTime without zone", `query($id: ID!, $at: AWSDateTime) { product(id: $id) { isNew(asOf: $at) } }`,
			map[string]any{"id": a.Catalog.Products[0].PublicID(), "at": "2026-01-01T10:00:00"}, "BadRequest", "AWSDateTime"},
		{"AWSDateTime of the wrong JSON type", `query($id: ID!, $at: AWSDateTime) { product(id: $id) { isNew(asOf: $at) } }`,
			map[string]any{"id": a.Catalog.Products[0].PublicID(), "at": 12345}, "BadRequest", "AWSDateTime"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, a.Do(t, c.query, c.vars), http.StatusOK, c.errorType, c.msg)
		})
	}

	t.Run("query deeper than the limit", func(t *testing.T) {
		shallow := apptest.New(t, apptest.Options{Products: 10, Server: server.Config{MaxDepth: 4}})
		q := `{ products(category: "x") { items { inventory { warehouses { warehouse { code } } } } } }`
		wantError(t, shallow.Do(t, q, nil), http.StatusOK, "LimitExceeded", "query depth 6 exceeds the limit of 4")
	})
	t.Run("complexity over the limit", func(t *testing.T) {
		var q strings.Builder
		q.WriteString("{")
		for i := range 6 { // each page costs 1 + 100 × 10 = 1001
			fmt.Fprintf(&q, ` p%d: products(category: "x", limit: 100) { items { name inventory { warehouses { available warehouse { code name region } } } } }`, i)
		}
		q.WriteString(" }")
		r := a.Do(t, q.String(), nil)
		wantError(t, r, http.StatusOK, "LimitExceeded", "exceeds the limit of 5000")
		if r.Extensions.DynamoDB.Requests != 0 {
			t.Errorf("a rejected operation made %d DynamoDB requests", r.Extensions.DynamoDB.Requests)
		}
	})
	t.Run("body over 1 MiB", func(t *testing.T) {
		body := fmt.Appendf(nil, `{"query":"{ categories { name } }","variables":{"pad":%q}}`, strings.Repeat("x", 1<<20))
		r := a.DoRaw(t, "application/json", body)
		wantError(t, r, http.StatusRequestEntityTooLarge, "LimitExceeded", "exceeds the limit of 1048576 bytes")
		if r.Header.Get("x-amzn-ErrorType") != "LimitExceeded" {
			t.Errorf("x-amzn-ErrorType = %q", r.Header.Get("x-amzn-ErrorType"))
		}
	})
	t.Run("invalid JSON", func(t *testing.T) {
		wantError(t, a.DoRaw(t, "application/json", []byte(`{"query": "{ categories { name } }"`)), http.StatusBadRequest, "BadRequest", "not valid JSON")
	})
	t.Run("JSON of the wrong shape", func(t *testing.T) {
		wantError(t, a.DoRaw(t, "application/json", []byte(`{"query": 42}`)), http.StatusBadRequest, "BadRequest", `"query" must be string`)
	})
	t.Run("wrong content type", func(t *testing.T) {
		wantError(t, a.DoRaw(t, "text/plain", []byte(`{"query":"{ categories { name } }"}`)), http.StatusUnsupportedMediaType, "BadRequest", "application/json")
	})
	t.Run("unknown field is a validation error without errorType", func(t *testing.T) {
		r := a.Do(t, `{ nope }`, nil)
		if r.Status != http.StatusOK || len(r.Errors) != 1 || r.Errors[0].ErrorType != "" || r.Errors[0].Path != nil || r.Data != nil {
			t.Errorf("got status %d %s", r.Status, r.Raw)
		}
	})
	t.Run("syntax error", func(t *testing.T) {
		r := a.Do(t, `{ products(`, nil)
		if r.Status != http.StatusOK || len(r.Errors) != 1 || r.Data != nil {
			t.Errorf("got status %d %s", r.Status, r.Raw)
		}
	})
}

// TestGraphQL_internalErrorsAreMasked: a failing DynamoDB becomes a generic
// InternalError; nothing of the cause reaches the caller.
func TestGraphQL_internalErrorsAreMasked(t *testing.T) {
	a := newApp(t)
	p := a.Catalog.Products[0]
	defer a.Target.Faults.Add(localddb.Fault{Error: "InternalServerError"})()
	r := a.Do(t, `query($id: ID!) { product(id: $id) { sku } }`, map[string]any{"id": p.PublicID()})
	wantError(t, r, http.StatusOK, "InternalError", "An internal error occurred.")
	if r.Errors[0].ErrorInfo != nil || r.Errors[0].Data != nil {
		t.Errorf("errorInfo/data must be null: %s", r.Raw)
	}
}

func TestGraphQL_errorShapeIsAppSyncFlat(t *testing.T) {
	a := newApp(t)
	r := a.Do(t, `{ productBySku(sku: "NOPE") { sku } }`, nil)
	for _, key := range []string{`"errorType":"NotFound"`, `"errorInfo":null`, `"data":null`, `"path":["productBySku"]`, `"sourceName":null`} {
		if !bytes.Contains(r.Raw, []byte(key)) {
			t.Errorf("response lacks %s:\n%s", key, r.Raw)
		}
	}
}

func TestGraphQL_GET(t *testing.T) {
	a := newApp(t)
	req := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape("{ warehouses { code } }"), nil)
	req.Header.Set("Authorization", a.Credential)
	r := a.Serve(t, req)
	wantNoErrors(t, r)
	if n := len(r.Data["warehouses"].([]any)); n != 4 {
		t.Errorf("got %d warehouses", n)
	}
	bad := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape("{ warehouses { code } }")+"&variables=%7B", nil)
	bad.Header.Set("Authorization", a.Credential)
	wantError(t, a.Serve(t, bad), http.StatusBadRequest, "BadRequest", "variables")
}

func TestHealthAndReadiness(t *testing.T) {
	a := newApp(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("%s = %d %s", path, rec.Code, rec.Body)
		}
	}
	a.Handler.SetDraining()
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("/readyz while draining = %d, want 503", rec.Code)
	}
}

// TestGraphQL_unprocessedKeysAreRetried: DynamoDB may leave keys of a
// BatchGetItem unprocessed; the page is still complete, and the retries show
// in the request count (the embedded DynamoDB's fault injection: every
// inventory key is left unprocessed the first time it is asked for).
func TestGraphQL_unprocessedKeysAreRetried(t *testing.T) {
	a := newApp(t)
	var mu sync.Mutex
	seen := map[string]bool{}
	defer a.Target.Faults.Add(localddb.Fault{Table: a.Target.Tables.Inventory, Unprocessed: func(_ int, key attr.Item) bool {
		k := key["productId"].Str + "/" + key["warehouse"].Str
		mu.Lock()
		defer mu.Unlock()
		first := !seen[k]
		seen[k] = true
		return first
	}})()

	r := a.Do(t, pageQuery, map[string]any{"category": biggestCategory(a).Name, "limit": 50})
	wantNoErrors(t, r)
	for _, it := range r.Data["products"].(map[string]any)["items"].([]any) {
		if whs := it.(map[string]any)["inventory"].(map[string]any)["warehouses"].([]any); len(whs) != 4 {
			t.Fatalf("a product came back with %d of 4 warehouse stocks", len(whs))
		}
	}
	// 1 Query + 2 chunks × (first try + one retry).
	if got := r.Extensions.DynamoDB; got.ByOperation["Query"] != 1 || got.ByOperation["BatchGetItem"] != 4 {
		t.Errorf("dynamodb requests = %+v, want 1 Query + 4 BatchGetItem", got)
	}
}

// TestCORS_preflightAllowsAppSyncHeaders: browsers may send the headers
// AppSync clients use.
func TestCORS_preflightAllowsAppSyncHeaders(t *testing.T) {
	a := newApp(t)
	req := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
	req.Header.Set("Origin", "https://shop.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	// Browsers send the list lowercased and sorted.
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-amz-date,x-amz-security-token,x-amz-user-agent,x-api-key")
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		t.Fatalf("preflight status %d", rec.Code)
	}
	allowed := strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers"))
	for _, h := range []string{"content-type", "x-api-key", "authorization", "x-amz-date", "x-amz-security-token", "x-amz-user-agent"} {
		if !strings.Contains(allowed, h) {
			t.Errorf("preflight does not allow %s (got %q)", h, allowed)
		}
	}
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin = %q", got)
	}
	// A disallowed header is not granted.
	req.Header.Set("Access-Control-Request-Headers", "x-evil")
	rec = httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, req)
	if strings.Contains(strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers")), "x-evil") {
		t.Error("preflight allowed an unlisted header")
	}
}

// TestGraphQL_catalogPage_requestCountsUnderLoad: at production's 2 ms batch
// window, with 16 pages in flight, every page still costs exactly 1 Query +
// 2 BatchGetItem: the page prefetches its items' inventory in one LoadMany,
// so the 50 inventory fields cannot straddle batch windows however the
// executor schedules them.
func TestGraphQL_catalogPage_requestCountsUnderLoad(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 400, Server: server.Config{Loaders: loaders.Config{Wait: loaders.DefaultWait}}})
	cat := biggestCategory(a)
	const inFlight = 16
	counts := make(chan apptest.Response, inFlight)
	var wg sync.WaitGroup
	for range inFlight {
		wg.Go(func() { counts <- a.Do(t, pageQuery, map[string]any{"category": cat.Name, "limit": 50}) })
	}
	wg.Wait()
	close(counts)
	for r := range counts {
		wantNoErrors(t, r)
		got := r.Extensions.DynamoDB
		if got.Requests != 3 || got.ByOperation["Query"] != 1 || got.ByOperation["BatchGetItem"] != 2 {
			t.Errorf("dynamodb requests = %+v, want 3 = 1 Query + 2 BatchGetItem", got)
		}
	}
}
