package server

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ServeOptions configures Serve.
type ServeOptions struct {
	// ShutdownTimeout bounds how long in-flight requests may take to finish
	// after ctx is done; default 25 s.
	ShutdownTimeout time.Duration
	// DrainDelay is how long, once ctx is done, /readyz answers 503 while
	// requests are still served, before the listener closes: time for a
	// load balancer to see the instance go unready. 0: shut down at once.
	DrainDelay time.Duration
	// ReadTimeout bounds reading one request, body included; default 30
	// s. (WebSocket connections are not bound by it.)
	ReadTimeout time.Duration
	Logger      *slog.Logger
}

// Serve serves h on ln until ctx is done, then shuts down gracefully: it
// marks the handler draining (/readyz → 503), keeps serving for DrainDelay,
// then stops accepting connections and waits up to ShutdownTimeout for
// in-flight requests to finish. It returns nil after a clean shutdown.
func Serve(ctx context.Context, ln net.Listener, h *Handler, opts ServeOptions) error {
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = 25 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cmp.Or(opts.ReadTimeout, 30*time.Second),
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	h.SetDraining()
	if opts.DrainDelay > 0 {
		opts.Logger.Info("draining: /readyz answers 503, requests are still served", "drain_delay", opts.DrainDelay)
		t := time.NewTimer(opts.DrainDelay)
		select {
		case <-t.C:
		case err := <-errc:
			t.Stop()
			return err
		}
	}
	opts.Logger.Info("shutting down: finishing in-flight requests", "timeout", opts.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), opts.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return err
	}
	opts.Logger.Info("shut down cleanly")
	return nil
}
