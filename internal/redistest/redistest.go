// Package redistest runs a real Redis server for a test: Debian's
// redis-server (installed by scripts/deps/redis.sh, never its system
// service), started on a free loopback port with its data folder in
// t.TempDir(), no persistence, and stopped at the test's cleanup. Only tests
// import it.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/internal/testenv"
	"github.com/shopgraph/shopgraph/internal/testproc"
)

// readyTimeout bounds how long redis-server may take to answer PING.
const readyTimeout = 10 * time.Second

// Server is one redis-server process. Its methods are safe for concurrent
// use, but Stop and Restart are meant for the test's own goroutine.
type Server struct {
	// Addr is host:port on 127.0.0.1; it stays the same across Restart.
	Addr string
	// URL is redis://Addr/0, for a client.
	URL string

	bin, dir string
	port     int

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	logs   *testproc.TailBuffer
}

// Start starts a redis-server for tb and stops it at tb's cleanup. When
// redis-server is not installed it skips the test (or, with CI=true, fails
// it), saying to run `make test-deps`.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := find()
	if err != nil {
		testenv.Missing(tb, err.Error())
	}
	s := &Server{bin: bin, dir: tb.TempDir()}
	// A free port may be taken between choosing and binding: try a few.
	for range 3 {
		if s.port, err = testproc.FreePort(); err != nil {
			tb.Fatal(err)
		}
		if err = s.launch(); err == nil || !errors.Is(err, errExitedEarly) {
			break
		}
	}
	if err != nil {
		tb.Fatal(err)
	}
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	s.URL = "redis://" + s.Addr + "/0"
	tb.Cleanup(func() {
		if err := s.stop(); err != nil {
			tb.Errorf("stop redis-server: %v", err)
		}
	})
	return s
}

// Stop shuts the server down (SHUTDOWN NOSAVE, then SIGKILL if it lingers)
// and waits until it has exited: its clients see their connections drop.
func (s *Server) Stop(tb testing.TB) {
	tb.Helper()
	if err := s.stop(); err != nil {
		tb.Fatal(err)
	}
}

// Restart stops the server if it runs and starts a fresh one (empty: it
// keeps nothing) on the same port.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	if err := s.stop(); err != nil {
		tb.Fatal(err)
	}
	var err error
	// The port was ours a moment ago; if something else took it, say so.
	for range 20 {
		if err = s.launch(); err == nil || !errors.Is(err, errExitedEarly) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		tb.Fatalf("restart redis-server on port %d: %v", s.port, err)
	}
}

// Freeze stops the server process (SIGSTOP) without closing anything: its
// connections stay open and new ones are accepted by the kernel, but nothing
// is answered, as with a hung server or a silent network. Thaw resumes it.
// Stop and cleanup thaw a frozen server first.
func (s *Server) Freeze(tb testing.TB) {
	tb.Helper()
	if err := s.signal(testproc.SigStop); err != nil {
		tb.Fatalf("freeze redis-server: %v", err)
	}
}

// Thaw resumes a frozen server (SIGCONT).
func (s *Server) Thaw(tb testing.TB) {
	tb.Helper()
	if err := s.signal(testproc.SigCont); err != nil {
		tb.Fatalf("thaw redis-server: %v", err)
	}
}

func (s *Server) signal(sig os.Signal) error {
	if sig == nil {
		return errors.New("not supported on this platform")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return errors.New("redis-server is not running")
	}
	return s.cmd.Process.Signal(sig)
}

// Do sends one command and returns its reply: a status, bulk string or
// integer as a string, an array's elements joined by newlines; a Redis error
// reply is an error. For test set-up and fault injection (PUBLISH of a raw
// payload, CLIENT KILL TYPE pubsub), not as a client.
func (s *Server) Do(args ...string) (string, error) {
	conn, err := net.DialTimeout("tcp", s.Addr, 2*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(encode(args)); err != nil {
		return "", err
	}
	return readReply(bufio.NewReader(conn))
}

// MustDo is Do, failing tb on an error.
func (s *Server) MustDo(tb testing.TB, args ...string) string {
	tb.Helper()
	reply, err := s.Do(args...)
	if err != nil {
		tb.Fatalf("redis %s: %v", strings.Join(args, " "), err)
	}
	return reply
}

// Logs returns the end of the server's output, for a failure message.
func (s *Server) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.logs == nil {
		return ""
	}
	return s.logs.String()
}

var errExitedEarly = errors.New("redis-server exited during start-up")

// notInstalledError says redis-server cannot be run here.
type notInstalledError struct{}

func (notInstalledError) Error() string {
	return "redis-server is not installed: run `make test-deps` (scripts/deps/redis.sh installs Debian's redis-server)"
}

func find() (string, error) {
	if bin, err := exec.LookPath("redis-server"); err == nil {
		return bin, nil
	}
	for _, bin := range []string{"/usr/bin/redis-server", "/usr/local/bin/redis-server"} {
		if st, err := os.Stat(bin); err == nil && !st.IsDir() {
			return bin, nil
		}
	}
	return "", notInstalledError{}
}

// launch starts redis-server in the foreground (so it is our child and dies
// with us) on s.port and waits until it answers PING.
func (s *Server) launch() error {
	logs := &testproc.TailBuffer{Max: 16 << 10}
	cmd := exec.Command(s.bin,
		"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--save", "", "--appendonly", "no", "--dir", s.dir,
		"--daemonize", "no", "--logfile", "", "--loglevel", "notice")
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = logs, logs
	testproc.SetProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	s.mu.Lock()
	s.cmd, s.exited, s.logs = cmd, exited, logs
	s.mu.Unlock()

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	deadline := time.Now().Add(readyTimeout)
	for {
		reply, err := (&Server{Addr: addr}).Do("PING")
		if err == nil && reply == "PONG" {
			return nil
		}
		select {
		case <-exited:
			s.mu.Lock()
			s.cmd = nil
			s.mu.Unlock()
			return fmt.Errorf("%w\n--- redis-server output ---\n%s", errExitedEarly, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = s.stop()
			return fmt.Errorf("redis-server did not answer PING on %s within %v (last: %q, %v)\n--- redis-server output ---\n%s",
				addr, readyTimeout, reply, err, logs.String())
		}
	}
}

// stop shuts the server down and waits for it to exit; a no-op when it is
// not running.
func (s *Server) stop() error {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if testproc.SigCont != nil {
		_ = cmd.Process.Signal(testproc.SigCont) // in case it is frozen
	}
	// SHUTDOWN NOSAVE closes the connection instead of answering.
	_, _ = (&Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))}).Do("SHUTDOWN", "NOSAVE")
	select {
	case <-exited:
		return nil
	case <-time.After(5 * time.Second):
	}
	if err := testproc.Kill(cmd); err != nil {
		select {
		case <-exited:
			return nil
		default:
			return fmt.Errorf("kill redis-server (pid %d): %w", cmd.Process.Pid, err)
		}
	}
	select {
	case <-exited:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("redis-server (pid %d) did not exit", cmd.Process.Pid)
	}
}

// encode writes a command as a RESP array of bulk strings.
func encode(args []string) []byte {
	b := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b = append(b, "$"+strconv.Itoa(len(a))+"\r\n"+a+"\r\n"...)
	}
	return b
}

// readReply reads one RESP2 reply.
func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply line")
	}
	switch body := line[1:]; line[0] {
	case '+', ':':
		return body, nil
	case '-':
		return "", errors.New(body)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return "", err // $-1: a nil reply
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil {
			return "", err
		}
		var parts []string
		for range max(n, 0) {
			p, err := readReply(r)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, "\n"), nil
	default:
		return "", fmt.Errorf("unexpected reply %q", line)
	}
}
