package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/internal/apptest"
)

// loadConns is how many connections the load driver keeps busy.
const loadConns = 16

// loadFigures are one load run's results.
type loadFigures struct {
	requests      int64
	perSec        float64
	p50, p99      time.Duration
	cpuPerRequest time.Duration // this process's CPU (server, in-process DynamoDB and driver) per request
}

// drive sends body to url from loadConns connections for d, over real TCP,
// and returns what it measured. Every response must be 200 with no GraphQL
// errors (checked on a sample) or the benchmark fails.
func drive(b *testing.B, url string, body []byte, header [2]string, d time.Duration) loadFigures {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: loadConns, MaxConnsPerHost: loadConns}}
	defer client.CloseIdleConnections()
	var lat latencies
	var n atomic.Int64
	var failed atomic.Value
	cpu0 := processCPU()
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range loadConns {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				if header[0] != "" {
					req.Header.Set(header[0], header[1])
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				out, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || i%50 == 0 && bytes.Contains(out, []byte(`"errors"`)) {
					failed.Store(fmt.Sprintf("status %d: %.300s", res.StatusCode, out))
					return
				}
				lat.add(time.Since(t0))
				n.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f != nil {
		b.Fatalf("load run failed: %s", f)
	}
	cpu := processCPU() - cpu0
	return loadFigures{requests: n.Load(), perSec: float64(n.Load()) / elapsed.Seconds(), p50: lat.quantile(0.5), p99: lat.quantile(0.99),
		cpuPerRequest: cpu / time.Duration(max(1, n.Load()))}
}

// processCPU is this process's user + system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCatalogPageLoad: the catalog page (50 products with inventory
// and warehouses, 5,000 seeded products) of every category through the whole
// server over real TCP under a load driver of 16 connections, on the
// embedded DynamoDB and on DynamoDB Local; with, on the same server, the
// trivial query `{ warehouses { code } }`, and the same driver against a
// plain handler that returns the page's exact response bytes (the ceiling).
// Prints requests/s, p50/p99 and CPU per request. Target: every category's
// page ≥ 500 requests/s on the embedded default.
func BenchmarkCatalogPageLoad(b *testing.B) {
	products, d := 5000, 2*time.Second
	if smoke() {
		products, d = 200, 100*time.Millisecond
	}
	type row struct {
		store, what string
		f           loadFigures
	}
	var rows []row
	for _, st := range storeTargets() {
		target := st.target(b)
		a := apptest.New(b, apptest.Options{Products: products, Target: &target, Server: loadersConfig(true),
			Throttle: app.ThrottleConfig{UserRateLimit: 1 << 30}})
		srv := httptest.NewServer(a.Handler)
		b.Cleanup(srv.Close)
		auth := [2]string{"Authorization", a.Credential}
		cats := a.Catalog.Categories
		if smoke() {
			cats = cats[:2]
		}
		for _, c := range cats {
			body, _ := json.Marshal(map[string]any{"query": pageQuery, "variables": map[string]any{"category": c.Name, "limit": 50}})
			name := fmt.Sprintf("store=%s/page=%s", st.name, c.Name)
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					f := drive(b, srv.URL+"/graphql", body, auth, d)
					rows = append(rows, row{st.name, "page " + c.Name, f})
					b.ReportMetric(f.perSec, "requests/s")
				}
			})
		}
		trivial, _ := json.Marshal(map[string]any{"query": "{ warehouses { code } }"})
		b.Run("store="+st.name+"/trivial", func(b *testing.B) {
			for b.Loop() {
				f := drive(b, srv.URL+"/graphql", trivial, auth, d)
				rows = append(rows, row{st.name, "{ warehouses { code } }", f})
				b.ReportMetric(f.perSec, "requests/s")
			}
		})
		if st.name == "embedded" {
			// The ceiling: the biggest category's exact page bytes from a
			// handler that does nothing else.
			body, _ := json.Marshal(map[string]any{"query": pageQuery, "variables": map[string]any{"category": biggest(cats), "limit": 50}})
			req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(auth[0], auth[1])
			rec := httptest.NewRecorder()
			a.Handler.ServeHTTP(rec, req)
			page := rec.Body.Bytes()
			plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(page)
			}))
			b.Cleanup(plain.Close)
			b.Run("ceiling", func(b *testing.B) {
				for b.Loop() {
					f := drive(b, plain.URL, body, [2]string{}, d)
					rows = append(rows, row{"-", fmt.Sprintf("plain handler, the page's %d bytes", len(page)), f})
					b.ReportMetric(f.perSec, "requests/s")
				}
			})
		}
	}
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(w, "\nCatalog page under load (%d connections, %v per run, real TCP, %d products); CPU is this process's (server, in-process DynamoDB, driver) per request\nstore\trequest\trequests/s\tp50 ms\tp99 ms\tCPU ms/request\n", loadConns, d, products)
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%.0f\t%.2f\t%.2f\t%.2f\n", r.store, r.what, r.f.perSec, float64(r.f.p50.Microseconds())/1000, float64(r.f.p99.Microseconds())/1000, float64(r.f.cpuPerRequest.Microseconds())/1000)
	}
	w.Flush()
}
