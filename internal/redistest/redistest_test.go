package redistest_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/internal/redistest"
)

func TestStart(t *testing.T) {
	srv := redistest.Start(t)
	if got := srv.MustDo(t, "PING"); got != "PONG" {
		t.Fatalf("PING = %q", got)
	}
	srv.MustDo(t, "SET", "k", "v")
	if got := srv.MustDo(t, "GET", "k"); got != "v" {
		t.Fatalf("GET k = %q, want v", got)
	}
	if got := srv.MustDo(t, "CONFIG", "GET", "save"); got != "save\n" {
		t.Fatalf("CONFIG GET save = %q, want persistence off", got)
	}
	if _, err := srv.Do("NOSUCHCOMMAND"); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Fatalf("an unknown command: %v, want Redis's error", err)
	}
	if !strings.HasPrefix(srv.URL, "redis://127.0.0.1:") || !strings.HasSuffix(srv.URL, "/0") {
		t.Fatalf("URL = %q", srv.URL)
	}
}

func TestServer_Restart(t *testing.T) {
	srv := redistest.Start(t)
	srv.MustDo(t, "SET", "k", "v")
	srv.Stop(t)
	if _, err := srv.Do("PING"); err == nil {
		t.Fatal("PING answered after Stop")
	}
	srv.Stop(t) // stopping a stopped server is a no-op
	srv.Restart(t)
	if got := srv.MustDo(t, "PING"); got != "PONG" {
		t.Fatalf("PING after Restart = %q", got)
	}
	if got := srv.MustDo(t, "EXISTS", "k"); got != "0" {
		t.Fatalf("EXISTS k after Restart = %q, want a fresh, empty server", got)
	}
	srv.Restart(t) // restarting a running server works too
	srv.MustDo(t, "PING")
}

func TestServer_Freeze(t *testing.T) {
	srv := redistest.Start(t)
	srv.Freeze(t)
	conn, err := net.Dial("tcp", srv.Addr) // the kernel still accepts
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	if n, err := conn.Read(make([]byte, 16)); err == nil {
		t.Fatalf("a frozen server answered %d bytes", n)
	}
	srv.Thaw(t)
	srv.MustDo(t, "PING")
	srv.Freeze(t) // cleanup stops a frozen server
}
