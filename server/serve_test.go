package server_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/internal/testenv"
	"github.com/shopgraph/shopgraph/server"
)

// TestServe_gracefulShutdown: when the context ends (SIGTERM in main), a
// request already in flight still gets its full answer, readiness turns 503,
// and Serve returns nil once it is done.
func TestServe_gracefulShutdown(t *testing.T) {
	// Every DynamoDB request takes 300 ms, so the query is in flight when
	// shutdown starts.
	a := apptest.New(t, apptest.Options{Products: 20, RequestDelay: 300 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- server.Serve(ctx, ln, a.Handler, server.ServeOptions{ShutdownTimeout: 10 * time.Second})
	}()
	url := "http://" + ln.Addr().String() + "/graphql"

	type result struct {
		res apptest.Response
		err error
	}
	done := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"query":"{ productBySku(sku: \"`+a.Catalog.Products[0].ProductID+`\") { name } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", a.Credential)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		done <- result{res: apptest.Decode(t, res)}
	}()
	time.Sleep(100 * time.Millisecond) // the request is now waiting on DynamoDB
	cancel()

	r := <-done
	if r.err != nil {
		t.Fatalf("in-flight request failed during shutdown: %v", r.err)
	}
	if r.res.Status != http.StatusOK || len(r.res.Errors) > 0 || r.res.Data["productBySku"] == nil {
		t.Fatalf("in-flight request got %d %s", r.res.Status, r.res.Raw)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve returned %v, want nil after a clean shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer = testenv.LogBuffer

// TestServe_cancelledRequestIsNotAnError: a client that disconnects in the
// middle of a catalog page (its inventory loads in flight) is logged once,
// at Info, and never as an internal error, however many fields it cuts off.
func TestServe_cancelledRequestIsNotAnError(t *testing.T) {
	logs := &syncBuffer{}
	// Every DynamoDB request takes 200 ms: the page's Query, then its
	// inventory batch.
	a := apptest.New(t, apptest.Options{Products: 40, RequestDelay: 200 * time.Millisecond, Server: server.Config{
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}})
	category := a.Catalog.Products[0].Category
	abandon(t, a, `{"query":"{ products(category: \"`+category+`\", limit: 20) { items { sku inventory { available warehouses { available } } } } }"}`,
		300*time.Millisecond) // after the Query, during the inventory batch
	out := logs.String()
	if strings.Contains(out, "level=ERROR") {
		t.Errorf("a cancelled request logged an error:\n%s", out)
	}
	if n := strings.Count(out, `msg="request cancelled by the client"`); n != 1 {
		t.Errorf("cancellation logged %d times, want once:\n%s", n, out)
	}
}

// abandon serves a on a real listener, sends body as the app's default
// caller and disconnects after the given time (the request must still be
// running then), and returns once the server has finished the abandoned
// request and shut down.
func abandon(t *testing.T, a *apptest.App, body string, after time.Duration) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- server.Serve(ctx, ln, a.Handler, server.ServeOptions{ShutdownTimeout: 10 * time.Second})
	}()
	reqCtx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(reqCtx, http.MethodPost, "http://"+ln.Addr().String()+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", a.Credential)
	time.AfterFunc(after, cancel)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("the request finished (%d) before the client cancelled it; the delays are too short", res.StatusCode)
	}
	stop() // Serve returns once the abandoned request has finished
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}
