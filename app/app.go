// Package app is shopgraph's composition root: New builds the whole
// application (the DynamoDB client and stores, request authentication, the
// account and key-management ports, the HTTP handler) from one Config.
// cmd/shopgraph and the test harness (internal/apptest) both call it, so a
// new port is wired here and only here.
//
// It is the one package besides cmd/ that knows the concrete adapters and the
// embedded-default wing (local/...). Which AWS service or stand-in backs a
// port is decided by Config alone; everything behind the ports runs the same
// code in every mode.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/cognito"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/events"
	"github.com/shopgraph/shopgraph/events/redis"
	"github.com/shopgraph/shopgraph/local/userpool"
	"github.com/shopgraph/shopgraph/resolvers"
	"github.com/shopgraph/shopgraph/search"
	"github.com/shopgraph/shopgraph/server"
	"github.com/shopgraph/shopgraph/workflows"
)

// Config is everything New needs. cmd/shopgraph fills it from settings; the
// test harness from its options.
type Config struct {
	// DynamoDB is where the tables are.
	DynamoDB DynamoDBConfig
	// StepFunctions is where order workflows run.
	StepFunctions StepFunctionsConfig
	// Orders configures orders: the payment provider, the simulated
	// warehouse, the deployed workflows.
	Orders OrdersConfig
	// SeedProducts, when positive, seeds the demo catalog (that many
	// products) at start if the Products table is empty: the embedded
	// default does, once; its data then survives restarts.
	SeedProducts int
	// CursorSecret signs nextToken cursors: at least 16 bytes, the same on
	// every instance. nil means a random one (the embedded default only).
	CursorSecret []byte
	// CacheTTL is how long categories and warehouses are cached (0: the
	// store's default).
	CacheTTL time.Duration

	// Identity is who may call and how users sign in.
	Identity IdentityConfig
	// Throttle bounds how often each caller may call.
	Throttle ThrottleConfig
	// Events configures how order events reach subscribers.
	Events EventsConfig
	// Search configures the product search index.
	Search SearchConfig

	// Server carries the HTTP settings (limits, loaders, playground, CORS,
	// debug extensions, auth modes). New fills in every port, the JWKS
	// handler, the readiness check, the logger and the clock.
	Server server.Config

	// Logger receives the application's logs (nil: discarded).
	Logger *slog.Logger
	// Now is the clock of tokens, keys, caches and resolvers (nil:
	// time.Now).
	Now func() time.Time
}

// EventsConfig configures the order events' intake and fan-out.
type EventsConfig struct {
	// SNSTopicARNs are the order events topics whose SNS HTTPS
	// subscription /events/sns accepts (SHOPGRAPH_SNS_TOPIC_ARNS); none
	// leaves the endpoint off.
	SNSTopicARNs []string
	// SNSTrustedCertHosts are hosts trusted besides SNS's own to serve
	// signing certificates (SHOPGRAPH_SNS_TRUSTED_CERT_HOSTS; tests only).
	SNSTrustedCertHosts []string
	// SNSHTTPClient fetches signing certificates and confirms
	// subscriptions (nil: a client with a 10 s timeout).
	SNSHTTPClient *http.Client
	// RedisURL, when set, fans events out to every instance through Redis
	// pub/sub (SHOPGRAPH_REDIS_URL); empty: the in-process hub.
	RedisURL string
}

// IdentityConfig selects the identity side: which token issuers are
// trusted, and who answers the account mutations.
type IdentityConfig struct {
	// Dev runs the embedded default's identity: the local user pool
	// (local/userpool) with the dev users, its dev issuer trusted with its
	// key set handed over directly (never fetched), its JWKS served at
	// /.well-known/jwks.json, and the documented dev partner key stored in
	// the ApiKeys table.
	Dev bool
	// StateDir holds the dev issuer's key, shared with `shopgraph token`.
	// Required with Dev.
	StateDir string
	// PasswordIterations is the local user pool's PBKDF2 work factor (0:
	// its default; tests lower it).
	PasswordIterations int
	// DeliverCode receives the local user pool's confirmation and reset
	// codes, which Cognito would email (nil: they are logged).
	DeliverCode func(username, purpose, code string)

	// Issuers are further JWT issuers to trust: a Cognito user pool, an
	// OIDC provider.
	Issuers []auth.IssuerConfig
	// CognitoClientID, when set (and not Dev), runs the account mutations
	// against the Cognito user pool through this app client, which must
	// allow USER_PASSWORD_AUTH and have no secret. The Cognito client uses
	// DynamoDB.AWS (region, credentials).
	CognitoClientID string
	// CognitoEndpoint overrides the Cognito API endpoint (cognito-local).
	CognitoEndpoint string
}

// ThrottleConfig sets the per-caller limits. Zero values mean the defaults
// of package auth.
type ThrottleConfig struct {
	// UserRateLimit is each signed-in user's requests per second (API keys
	// carry their own limits).
	UserRateLimit int
	// AccountPerUser and AccountPerIP bound the account mutations per
	// username and per client address, per minute.
	AccountPerUser, AccountPerIP int
	// TrustedProxyHops is how many proxies append to X-Forwarded-For in
	// front of the server (0: the TCP peer is the client).
	TrustedProxyHops int
}

// App is a built application.
type App struct {
	// Handler serves HTTP: GraphQL, the playground, health.
	Handler *server.Handler
	// DynamoDB is the open DynamoDB and Store the stores over it.
	DynamoDB *DynamoDB
	Store    *dynamo.Store
	// StepFunctions runs the order workflows (the local engine in the
	// embedded default).
	StepFunctions *StepFunctions
	// Orders places and reads orders; Workflows starts and answers their
	// workflows; OrderEvents gets every order-status event the embedded
	// default's workflows publish.
	Orders      *shopgraph.OrderDesk
	Workflows   *workflows.Engine
	OrderEvents *OrderEvents
	// Events carries order events to subscriptions (the in-process hub).
	Events      shopgraph.OrderEventBus
	closeEvents func()
	eventStats  func() events.Stats
	orders      *orders
	// Catalog is what SeedProducts seeded (empty when nothing was seeded,
	// this time).
	Catalog shopgraph.CatalogSnapshot
	// Search is the product search index; Catalogs changes the catalog
	// and keeps the index current.
	Search         *search.Index
	Catalogs       *shopgraph.CatalogDesk
	catalogChanges *redis.CatalogChanges
	// Keys manages partner API keys; Authenticator authenticates every
	// request.
	Keys          *auth.KeyManager
	Authenticator *auth.Authenticator
	// Issuer and Users are the local user pool (Identity.Dev only).
	Issuer *userpool.Issuer
	Users  *userpool.Directory

	stop context.CancelFunc
}

// New builds the application: it opens DynamoDB (starting the embedded one
// when configured), seeds it when asked, checks the tables answer and warms
// the caches, then wires identity and the HTTP handler. Errors name the
// setting or the step that failed (and nothing is left running). The
// returned App must be closed.
func New(ctx context.Context, cfg Config) (a *App, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	// Background work (JWKS refreshes) lives until Close.
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	a = &App{stop: stop}
	defer func() {
		if err != nil {
			_ = a.Close(context.Background())
			a = nil
		}
	}()

	if a.DynamoDB, err = OpenDynamoDB(ctx, cfg.DynamoDB); err != nil {
		return a, err
	}
	if a.DynamoDB.Embedded {
		log.Info("embedded default: in-process DynamoDB", "endpoint", a.DynamoDB.Endpoint,
			"data_dir", orDefault(cfg.DynamoDB.DataDir, "(temporary)"), "opened_in", a.DynamoDB.Opened.Round(time.Microsecond))
	} else {
		log.Info("using DynamoDB", "endpoint", orDefault(cfg.DynamoDB.Endpoint, "AWS "+cfg.DynamoDB.AWS.Region),
			"products_table", cfg.DynamoDB.Tables.Products)
	}
	if cfg.CursorSecret == nil && !a.DynamoDB.Embedded {
		return a, errors.New("SHOPGRAPH_CURSOR_SECRET must be set (at least 16 bytes, the same on every instance) when using a configured DynamoDB")
	}
	if a.Store, err = a.DynamoDB.Store(cfg.CursorSecret, cfg.CacheTTL, cfg.Now); err != nil {
		return a, err
	}
	if cfg.SeedProducts > 0 {
		if err := a.seedOnce(ctx, cfg.SeedProducts, log); err != nil {
			return a, err
		}
	}
	// Warm the caches and check the tables exist, so a misconfiguration is
	// reported now rather than on the first request.
	if _, err := a.Store.Warehouses(ctx); err != nil {
		return a, fmt.Errorf("read warehouses from table %s (run `go run ./cmd/shopgraph tables create` and `go run ./cmd/shopgraph seed`?): %w",
			cfg.DynamoDB.Tables.Warehouses, err)
	}
	if _, err := a.Store.Categories(ctx); err != nil {
		return a, fmt.Errorf("read categories from table %s: %w", cfg.DynamoDB.Tables.Categories, err)
	}
	if err := a.openSearch(ctx, bg, cfg, a.Store); err != nil {
		return a, err
	}
	if err := a.openOrders(ctx, cfg); err != nil {
		return a, err
	}
	a.orders.startReconciler(bg, log)

	a.Keys = auth.NewKeyManager(a.Store, auth.KeyManagerOptions{Now: cfg.Now, Logger: log})
	accounts, issuers, err := a.identity(ctx, cfg)
	if err != nil {
		return a, err
	}
	verifier, err := auth.NewVerifier(bg, issuers, auth.VerifierOptions{Logger: log, Now: cfg.Now})
	if err != nil {
		return a, fmt.Errorf("JWT verifier: %w", err)
	}
	a.Authenticator = auth.NewAuthenticator(auth.AuthenticatorOptions{
		Verifier: verifier, Keys: a.Keys, Now: cfg.Now, UserRateLimit: cfg.Throttle.UserRateLimit,
		Limiter: auth.NewKeyLimiter(auth.KeyLimiterOptions{Now: cfg.Now}),
	})
	accounts = auth.ThrottleAccounts(accounts, auth.AccountThrottleOptions{
		PerUser: cfg.Throttle.AccountPerUser, PerIP: cfg.Throttle.AccountPerIP,
		TrustedProxyHops: cfg.Throttle.TrustedProxyHops, Now: cfg.Now,
	})

	scfg := cfg.Server
	scfg.Auth = a.Authenticator
	if scfg.SNSIntake, err = a.snsIntake(cfg); err != nil {
		return a, err
	}
	scfg.Ports = resolvers.Ports{Catalog: a.Store, Inventory: a.Store, Carts: a.Store, Orders: a.Orders, Accounts: accounts, Keys: a.Keys,
		SearchIndex: a.Search, Products: a.Catalogs}
	scfg.Ready = a.DynamoDB.Ready
	scfg.Logger = log
	scfg.Now = cfg.Now
	if a.Issuer != nil {
		scfg.JWKS = a.Issuer.JWKSHandler()
		if scfg.PlaygroundHeaders == nil {
			scfg.PlaygroundHeaders = map[string]string{"x-api-key": auth.DevAPIKey}
		}
	}
	if a.Handler, err = server.New(scfg); err != nil {
		return a, err
	}
	a.registerMetrics(a.Handler.Registry())
	return a, nil
}

// registerMetrics adds the application's own metrics to the handler's:
// the search index's size and the order events' subscriptions and
// deliveries on this instance.
func (a *App) registerMetrics(reg prometheus.Registerer) {
	ix, stats := a.Search, a.eventStats
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	counter := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f)
	}
	reg.MustRegister(
		gauge("shopgraph_search_indexed_products", "Products in this instance's search index.",
			func() float64 { return float64(ix.Fingerprint().Len()) }),
		gauge("shopgraph_events_subscriptions", "Order event subscriptions open on this instance.",
			func() float64 { return float64(stats().Subscribers) }),
		counter("shopgraph_events_published_total", "Order events that reached this instance's hub.",
			func() float64 { return float64(stats().Published) }),
		counter("shopgraph_events_delivered_total", "Order events handed to subscriptions (one event to three is three).",
			func() float64 { return float64(stats().Delivered) }),
		counter("shopgraph_events_slow_subscriptions_total", "Subscriptions cut off because they fell too far behind.",
			func() float64 { return float64(stats().Dropped) }),
	)
}

// openOrders builds the order side and starts Step Functions with its task
// handlers and events (the local engine in the embedded default, with the
// workflows installed).
func (a *App) openOrders(ctx context.Context, cfg Config) error {
	log := cfg.Logger
	o, err := a.newOrders(cfg)
	if err != nil {
		return err
	}
	a.orders, a.Orders, a.Workflows = o, o.desk, o.engine
	if err := a.openEvents(ctx, cfg); err != nil {
		return err
	}
	o.desk.Events = a.Events
	a.OrderEvents = &OrderEvents{log: log, bus: a.Events}
	sfcfg := cfg.StepFunctions
	lambda := o.lambda()
	for name, h := range sfcfg.Lambda {
		lambda[name] = h
	}
	sfcfg.Lambda, sfcfg.SNS = lambda, a.OrderEvents
	if a.StepFunctions, err = OpenStepFunctions(ctx, sfcfg, a.DynamoDB.Client, log); err != nil {
		return err
	}
	if a.StepFunctions.Local != nil {
		st := a.StepFunctions.Local.Service.Stats()
		log.Info("embedded default: in-process Step Functions", "endpoint", a.StepFunctions.Endpoint,
			"data_dir", orDefault(cfg.StepFunctions.DataDir, "(temporary)"), "resumed_executions", st.Resumed)
	} else {
		log.Info("using Step Functions", "endpoint", orDefault(cfg.StepFunctions.Endpoint, "AWS "+cfg.StepFunctions.AWS.Region))
	}
	return o.wire(ctx, a.StepFunctions, cfg.DynamoDB.Tables.Orders, log)
}

// identity builds the account port and the list of trusted issuers: the
// local user pool in the embedded default, Cognito when configured, and
// otherwise an Accounts that explains where to sign in.
func (a *App) identity(ctx context.Context, cfg Config) (shopgraph.Accounts, []auth.IssuerConfig, error) {
	id := cfg.Identity
	issuers := id.Issuers
	if id.Dev {
		if id.StateDir == "" {
			return nil, nil, errors.New("SHOPGRAPH_STATE_DIR must be set for the embedded default's dev issuer")
		}
		iss, err := openDevIssuer(id.StateDir, cfg.Now)
		if err != nil {
			return nil, nil, err
		}
		a.Issuer = iss
		a.Users = userpool.NewDirectory(userpool.DirectoryOptions{Now: cfg.Now, Iterations: id.PasswordIterations})
		if err := userpool.SeedDevUsers(a.Users, userpool.DevPassword); err != nil {
			return nil, nil, fmt.Errorf("seed dev users: %w", err)
		}
		deliver := id.DeliverCode
		if deliver == nil {
			deliver = func(user, purpose, code string) {
				cfg.Logger.Info("delivered code (embedded default: codes are logged, not emailed)", "user", user, "purpose", purpose, "code", code)
			}
		}
		if err := a.Keys.EnsureAPIKey(ctx, auth.DevPartnerKey(cfg.Now())); err != nil {
			return nil, nil, fmt.Errorf("store the dev partner key: %w", err)
		}
		trusted := auth.IssuerConfig{Issuer: iss.Issuer(), ClientIDs: []string{iss.ClientID()}, Mode: shopgraph.AuthModeCognito, JWKS: iss.JWKS()}
		return &userpool.Accounts{Users: a.Users, Issuer: iss, Deliver: deliver}, append([]auth.IssuerConfig{trusted}, issuers...), nil
	}
	if id.CognitoClientID != "" {
		client := cip.NewFromConfig(cfg.DynamoDB.AWS, func(o *cip.Options) {
			if id.CognitoEndpoint != "" {
				o.BaseEndpoint = &id.CognitoEndpoint
			}
		})
		return &cognito.Accounts{API: client, ClientID: id.CognitoClientID}, issuers, nil
	}
	return unavailableAccounts{}, issuers, nil
}

// openDevIssuer opens the embedded default's dev issuer, whose key lives in
// stateDir so that `shopgraph token` can mint tokens the running server
// accepts.
func openDevIssuer(stateDir string, now func() time.Time) (*userpool.Issuer, error) {
	iss, err := userpool.OpenIssuer(userpool.IssuerOptions{Dir: stateDir, Now: now})
	if err != nil {
		return nil, fmt.Errorf("open dev issuer in SHOPGRAPH_STATE_DIR %q: %w", stateDir, err)
	}
	return iss, nil
}

// Close releases the application: background work stops, the local Step
// Functions, if any, stops its executions where they are (they resume at
// the next start), and the embedded DynamoDB, if any, shuts down (waiting,
// as long as ctx allows, for requests in flight). Call it after the HTTP
// server has stopped.
func (a *App) Close(ctx context.Context) error {
	a.stop()
	var errs []error
	if a.orders != nil {
		a.orders.warehouse.Close()
		if a.orders.done != nil {
			<-a.orders.done
		}
	}
	if a.StepFunctions != nil {
		errs = append(errs, a.StepFunctions.Close(ctx))
	}
	if a.closeEvents != nil {
		a.closeEvents()
	}
	if a.catalogChanges != nil {
		errs = append(errs, a.catalogChanges.Close())
	}
	if a.Search != nil {
		errs = append(errs, a.Search.Close())
	}
	if a.DynamoDB != nil {
		errs = append(errs, a.DynamoDB.Close(ctx))
	}
	return errors.Join(errs...)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
