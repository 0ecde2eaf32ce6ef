package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// loopback serves one embedded service's API on 127.0.0.1 and a free port.
type loopback struct {
	endpoint string // http://127.0.0.1:PORT
	what     string // names the service in errors, e.g. "embedded DynamoDB"
	http     *http.Server
	done     chan error // receives Serve's result, then is closed

	mu     sync.Mutex
	active map[net.Conn]struct{} // connections carrying a request now
}

// serveLoopback starts serving h; ctx bounds only the start.
func serveLoopback(ctx context.Context, what string, h http.Handler) (*loopback, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for %s: %w", what, err)
	}
	l := &loopback{
		endpoint: "http://" + ln.Addr().String(),
		what:     what,
		http:     &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		done:     make(chan error, 1),
		active:   map[net.Conn]struct{}{},
	}
	l.http.ConnState = l.connState
	go func() {
		defer close(l.done)
		if err := l.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			l.done <- err
		}
	}()
	return l, nil
}

// close stops accepting connections, waits (as long as ctx allows) for the
// requests in flight, then closes every connection, without waiting for idle
// ones as http.Server.Shutdown alone would. It returns the server's error if
// it had stopped by itself, or ctx's error if requests were cut off. Safe to
// call more than once.
func (l *loopback) close(ctx context.Context) error {
	shutdown := make(chan error, 1)
	go func() { shutdown <- l.http.Shutdown(ctx) }()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	var err error
	for l.busy() && err == nil {
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-tick.C:
		}
	}
	_ = l.http.Close()
	<-shutdown
	if serveErr, ok := <-l.done; ok && serveErr != nil {
		return fmt.Errorf("%s: %w", l.what, serveErr)
	}
	return err
}

// connState tracks which connections are carrying a request.
func (l *loopback) connState(c net.Conn, s http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s == http.StateActive {
		l.active[c] = struct{}{}
	} else {
		delete(l.active, c)
	}
}

func (l *loopback) busy() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.active) > 0
}

// credentialsOrGenerated returns c after checking it, or fresh random
// credentials when c is zero.
func credentialsOrGenerated(what string, c aws.Credentials) (aws.Credentials, error) {
	if c == (aws.Credentials{}) {
		return GenerateCredentials(), nil
	}
	if err := validateCredentials(what, c); err != nil {
		return aws.Credentials{}, err
	}
	return c, nil
}

// loopbackHTTPClient returns the HTTP client for SDK clients of an embedded
// service: a pooled loopback client that hands the transport the SDK's
// request body as a plain io.ReadCloser. Against a server that answers as
// fast as these, the SDK's own body wrapper sometimes lets net/http's write
// loop close the connection while a successful response is read
// ("deserialization failed … use of closed network connection",
// aws/aws-sdk-go-v2#2737); the plain body avoids it.
func loopbackHTTPClient() *http.Client {
	return &http.Client{Transport: plainBody{&http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}}
}

type plainBody struct{ rt http.RoundTripper }

type readCloser struct{ io.ReadCloser }

func (p plainBody) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = readCloser{r.Body}
	}
	return p.rt.RoundTrip(r)
}
