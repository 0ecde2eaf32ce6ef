// Package server is shopgraph's http.Handler: the AppSync-compatible GraphQL
// HTTP transport, the AppSync error presenter and wire shape, request limits
// (body size, fields, depth, introspection, complexity, account mutations,
// response size, execution deadline), per-operation loaders and DynamoDB
// request accounting, the GraphiQL playground, health endpoints, and a
// graceful HTTP server.
package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/appsync"
	"github.com/shopgraph/shopgraph/graph"
	"github.com/shopgraph/shopgraph/loaders"
	"github.com/shopgraph/shopgraph/resolvers"
	"github.com/shopgraph/shopgraph/server/playground"
)

// Defaults for Config's limits.
const (
	DefaultMaxBodyBytes  = 1 << 20
	DefaultMaxDepth      = 15
	DefaultMaxComplexity = 5000
	// DefaultMaxFields is about 9 times the fields of GraphiQL's full
	// introspection query (about 230, fragments expanded) and 80 times
	// those of the largest catalog page.
	DefaultMaxFields = 2000
	// DefaultMaxResponseBytes is about 40 times the largest legitimate
	// response (a page of 100 products with inventory, about 115 KB; the
	// full introspection result is about 46 KB).
	DefaultMaxResponseBytes = 5 << 20
	// DefaultRequestTimeout is AppSync's resolver timeout.
	DefaultRequestTimeout = 30 * time.Second
)

// Config configures the handler. The zero value of every limit means its
// default.
type Config struct {
	// Auth authenticates every GraphQL request (required).
	Auth shopgraph.Authenticator
	// DefaultAuthMode is the mode that may read fields without auth
	// directives; default AMAZON_COGNITO_USER_POOLS.
	DefaultAuthMode shopgraph.AuthMode
	// AdditionalAuthModes are the other modes Auth accepts (default
	// API_KEY). They only inform the schema warnings logged at start
	// (appsync.LintAuth); enforcement follows the caller's mode.
	AdditionalAuthModes []shopgraph.AuthMode

	// Ports are the domain ports the resolvers and loaders use (all
	// required).
	Ports resolvers.Ports

	MaxBodyBytes int64 // request body limit; default 1 MiB
	// MaxDepth limits selection depth (introspection fields not counted:
	// their nesting has fixed limits, as in graphql-js); default 15.
	MaxDepth int
	// MaxComplexity limits an operation's cost, an upper bound of the
	// fields it resolves: each field costs 1, introspection included, and a
	// list multiplies its items' cost by its length (a products page by its
	// limit, an introspection list by its length in the schema, warehouses
	// by 4, categories by 50, API keys by 100); default 5000.
	MaxComplexity int
	// MaxFields limits the fields an operation selects, aliases and
	// fragment spreads counted each time; default 2000.
	MaxFields int
	// MaxResponseBytes caps a response's size: a larger one is replaced by
	// a LimitExceeded error; default 5 MiB.
	MaxResponseBytes int64
	// RequestTimeout is how long an operation may execute: then its
	// context expires, work stops and the remaining fields fail with
	// ExecutionTimeout; default 30 s (AppSync's resolver timeout).
	RequestTimeout time.Duration
	// DisableIntrospection refuses __schema and __type (as AppSync can);
	// __typename is still answered.
	DisableIntrospection bool

	// DebugExtensions adds extensions.dynamodb (request counts) to responses.
	DebugExtensions bool
	// Loaders tunes the per-operation loaders.
	Loaders loaders.Config

	// Playground serves GraphiQL at "/" when true.
	Playground bool
	// PlaygroundHeaders prefill the playground's headers pane.
	PlaygroundHeaders map[string]string

	// CORSOrigins are the browser origins allowed to call /graphql; empty
	// means any origin ("*"), as on AppSync.
	CORSOrigins []string

	// Realtime tunes the AppSync real-time transport (/graphql/realtime).
	Realtime RealtimeConfig
	// SNSIntake, when set, is served at POST /events/sns: the order events
	// topic's SNS HTTPS subscription.
	SNSIntake http.Handler

	// JWKS, when set, is served at /.well-known/jwks.json (the embedded
	// default's dev issuer).
	JWKS http.Handler

	// Ready reports whether the backends are reachable (for /readyz); nil
	// means always ready.
	Ready func(context.Context) error

	Logger *slog.Logger
	// Now is the resolvers' clock; nil means time.Now.
	Now func() time.Time
}

// Handler is shopgraph's HTTP handler.
type Handler struct {
	mux      *http.ServeMux
	cfg      Config
	draining atomic.Bool
	rtGroups *renderGroups
	rtConns  atomic.Int64
	metrics  *metrics
}

// RealtimeGroups reports how many shared executions the real-time
// subscriptions run and how many subscriptions they serve, for metrics.
func (h *Handler) RealtimeGroups() (groups, subscriptions int) { return h.rtGroups.stats() }

// New builds the handler. It returns an error when the configuration is
// invalid (naming the setting).
func New(cfg Config) (*Handler, error) {
	if cfg.Auth == nil {
		return nil, errors.New("server: Config.Auth is required")
	}
	if missing := cfg.Ports.Missing(); len(missing) > 0 {
		return nil, fmt.Errorf("server: Config.Ports lacks %s", strings.Join(missing, ", "))
	}
	if cfg.DefaultAuthMode == "" {
		cfg.DefaultAuthMode = shopgraph.AuthModeCognito
	}
	if cfg.AdditionalAuthModes == nil {
		cfg.AdditionalAuthModes = []shopgraph.AuthMode{shopgraph.AuthModeAPIKey}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// Zero means the default; a negative value is refused below.
	cfg.MaxBodyBytes = cmp.Or(cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	cfg.MaxDepth = cmp.Or(cfg.MaxDepth, DefaultMaxDepth)
	cfg.MaxComplexity = cmp.Or(cfg.MaxComplexity, DefaultMaxComplexity)
	cfg.MaxFields = cmp.Or(cfg.MaxFields, DefaultMaxFields)
	cfg.MaxResponseBytes = cmp.Or(cfg.MaxResponseBytes, DefaultMaxResponseBytes)
	cfg.RequestTimeout = cmp.Or(cfg.RequestTimeout, DefaultRequestTimeout)
	switch {
	case cfg.MaxBodyBytes < 0:
		return nil, fmt.Errorf("max body bytes must be positive, got %d", cfg.MaxBodyBytes)
	case cfg.MaxDepth < 0:
		return nil, fmt.Errorf("max depth must be positive, got %d", cfg.MaxDepth)
	case cfg.MaxComplexity < 0:
		return nil, fmt.Errorf("max complexity must be positive, got %d", cfg.MaxComplexity)
	case cfg.MaxFields < 0:
		return nil, fmt.Errorf("max fields must be positive, got %d", cfg.MaxFields)
	case cfg.MaxResponseBytes < 0:
		return nil, fmt.Errorf("max response bytes must be positive, got %d", cfg.MaxResponseBytes)
	case cfg.RequestTimeout < 0:
		return nil, fmt.Errorf("request timeout must be positive, got %s", cfg.RequestTimeout)
	}

	h := &Handler{mux: http.NewServeMux(), cfg: cfg, rtGroups: newRenderGroups()}
	h.metrics = newMetrics(h)
	gql := h.authenticate(h.graphQL(httpTransport{maxBodyBytes: cfg.MaxBodyBytes}))
	rt := cfg.Realtime.withDefaults()
	realtime := h.graphQL(realtimeTransport{groups: h.rtGroups, conns: &h.rtConns, auth: cfg.Auth, cfg: rt, origins: cfg.CORSOrigins, log: cfg.Logger, now: cfg.Now})
	graphqlWS := h.graphQL(transport.Websocket{
		Implementation: transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{
			InsecureSkipVerify: len(cfg.CORSOrigins) == 0, OriginPatterns: cfg.CORSOrigins}},
		InitFunc:              h.graphqlWSInit,
		InitTimeout:           rt.InitTimeout,
		KeepAlivePingInterval: rt.KeepAlive,
		PayloadReadLimit:      &rt.MaxMessageBytes,
	})
	h.mux.HandleFunc("/graphql/realtime", func(w http.ResponseWriter, r *http.Request) {
		if !(realtimeTransport{}).Supports(r) {
			writeRequestError(w, http.StatusBadRequest, shopgraph.CodeBadRequest,
				"/graphql/realtime is the AppSync real-time endpoint: open a WebSocket to it with the graphql-ws subprotocol")
			return
		}
		realtime.ServeHTTP(w, r)
	})
	h.mux.Handle("/graphql", corsFor(cfg.CORSOrigins).Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (realtimeTransport{}).Supports(r) {
			graphqlWS.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sourceIPKey{}, sourceIPs(r))))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			w.Header().Set("Allow", "GET, POST")
			writeRequestError(w, http.StatusMethodNotAllowed, shopgraph.CodeBadRequest, "use GET or POST for /graphql")
			return
		}
		gql.ServeHTTP(w, r)
	})))
	h.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeStatus(w, http.StatusOK, "ok")
	})
	h.mux.HandleFunc("GET /readyz", h.readyz)
	if cfg.JWKS != nil {
		h.mux.Handle("GET /.well-known/jwks.json", cfg.JWKS)
	}
	if cfg.SNSIntake != nil {
		h.mux.Handle("/events/sns", cfg.SNSIntake)
	}
	if cfg.Playground {
		h.mux.Handle("/", playground.Handler(playground.Options{
			Endpoint: "/graphql", Title: "shopgraph", Headers: cfg.PlaygroundHeaders,
			DefaultQuery: defaultPlaygroundQuery,
		}))
	}
	return h, nil
}

const defaultPlaygroundQuery = `# Welcome to shopgraph. Press the run button (or Ctrl-Enter).
query Catalog {
  categories { name productCount }
  products(category: "electronics", limit: 5) {
    items {
      id sku name brand
      price { amount currency }
      inventory { available inStock warehouses { warehouse { code name } available } }
    }
    nextToken
  }
}
`

// corsHeaders are the request headers AppSync clients send (Amplify and the
// AppSync Apollo links: API key, JWT, SigV4 date and token, user agent).
var corsHeaders = []string{"content-type", "x-api-key", "authorization", "x-amz-date",
	"x-amz-security-token", "x-amz-user-agent", "x-request-id"}

// corsFor answers browser preflights for the GraphQL endpoint.
func corsFor(origins []string) *cors.Cors {
	if len(origins) == 0 {
		origins = []string{"*"}
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: corsHeaders,
		ExposedHeaders: []string{"x-amzn-RequestId", "x-amzn-ErrorType"},
		MaxAge:         600,
	})
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := r.Header.Get("X-Request-Id")
	if requestID == "" || len(requestID) > 128 {
		requestID = newRequestID()
	}
	w.Header().Set("X-Amzn-RequestId", requestID)
	st := &requestState{}
	ctx := context.WithValue(shopgraph.NewContextWithRequestID(r.Context(), requestID), stateKey{}, st)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.cfg.Logger.ErrorContext(ctx, "panic in handler", "panic", p, "request_id", requestID)
			if !rec.wrote {
				writeRequestError(rec, http.StatusInternalServerError, shopgraph.CodeInternal, shopgraph.InternalMessage)
			}
		}
		h.cfg.Logger.DebugContext(ctx, "request", "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "cancelled", st.cancelled.Load(), "duration", time.Since(start), "request_id", requestID)
	}()
	h.mux.ServeHTTP(rec, r.WithContext(ctx))
}

// SetDraining marks the handler as shutting down: /readyz answers 503 so
// load balancers stop sending new traffic while in-flight requests finish.
func (h *Handler) SetDraining() { h.draining.Store(true) }

func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) {
	if h.draining.Load() {
		writeStatus(w, http.StatusServiceUnavailable, "draining")
		return
	}
	if h.cfg.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := h.cfg.Ready(ctx); err != nil {
			h.cfg.Logger.WarnContext(ctx, "not ready", "err", err)
			writeStatus(w, http.StatusServiceUnavailable, "backend unavailable")
			return
		}
	}
	writeStatus(w, http.StatusOK, "ready")
}

func writeStatus(w http.ResponseWriter, code int, status string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = fmt.Fprintf(w, "{\"status\":%q}\n", status)
}

// graphQL builds the gqlgen server with shopgraph's transport, limits,
// presenter, per-operation loaders and request accounting.
func (h *Handler) graphQL(transport graphql.Transport) http.Handler {
	cfg := h.cfg
	gcfg := graph.Config{Resolvers: &resolvers.Resolver{Ports: cfg.Ports, Now: cfg.Now}}
	es := graph.NewExecutableSchema(gcfg)
	srv := handler.New(es)
	// The operation limits enforce graphql-js's introspection depth rule
	// themselves, with a LimitExceeded error like the other limits.
	srv.SetValidationRulesFn(func() *rules.Rules {
		r := rules.NewDefaultRules()
		r.RemoveRule(rules.MaxIntrospectionDepth.Name)
		return r
	})
	// One field middleware, not two: it runs for every field of every
	// response (a catalog page has over a thousand).
	srv.AroundFields(guardFields(es.Schema(), cfg.DefaultAuthMode))
	// AWS_IAM is the AppSync deployment's mode for its own events pipeline
	// (publishOrderStatus); shopgraph accepts no IAM caller, so those
	// fields are closed here, as intended.
	modes := append(append([]shopgraph.AuthMode{cfg.DefaultAuthMode}, cfg.AdditionalAuthModes...), appsync.AuthModeIAM)
	for _, w := range appsync.LintAuth(es.Schema(), modes) {
		cfg.Logger.Warn("schema auth directive", "warning", w)
	}
	srv.AddTransport(transport)
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if !cfg.DisableIntrospection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(newOperationLimits(es.Schema(), cfg))
	srv.AroundResponses(h.metrics.around)
	srv.AroundResponses(withDeadline(cfg.RequestTimeout))
	srv.AroundResponses(limitResponse(cfg.MaxResponseBytes))
	srv.SetErrorPresenter(errorPresenter(cfg.Logger, cfg.RequestTimeout))
	srv.SetRecoverFunc(recoverFunc(cfg.Logger))
	stores := loaders.Stores{Catalog: cfg.Ports.Catalog, Inventory: cfg.Ports.Inventory}
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		stats := &shopgraph.RequestStats{}
		ctx = shopgraph.NewContextWithRequestStats(ctx, stats)
		ctx = loaders.NewContext(ctx, loaders.New(stores, cfg.Loaders))
		responses := next(ctx)
		if !cfg.DebugExtensions {
			return responses
		}
		return func(ctx context.Context) *graphql.Response {
			resp := responses(ctx)
			if resp == nil {
				return nil
			}
			total, byOp := stats.Snapshot()
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			resp.Extensions["dynamodb"] = map[string]any{"requests": total, "byOperation": byOp}
			return resp
		}
	})
	return srv
}
