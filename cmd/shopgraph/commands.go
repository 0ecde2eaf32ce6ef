package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/appsync"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/loaders"
	"github.com/shopgraph/shopgraph/local/userpool"
	"github.com/shopgraph/shopgraph/schema"
	"github.com/shopgraph/shopgraph/server"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	start := time.Now()
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	fs := newFlagSet("serve", "serve [--addr ADDR] [--reseed]", stderr, true)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "address to listen on (SHOPGRAPH_ADDR)")
	fs.BoolVar(&cfg.Reseed, "reseed", false, "embedded default: delete the stored tables in SHOPGRAPH_DATA_DIR and seed the catalog again")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	embedded := useEmbedded(cfg, getenv)
	if err := checkEmbeddedIntent(cfg, getenv, embedded); err != nil {
		return err
	}
	if cfg.Reseed && !embedded {
		return usageError{"--reseed starts the embedded default over; it never deletes tables of a configured DynamoDB (use the AWS console or CLI)"}
	}
	acfg, err := appConfig(ctx, cfg, getenv, embedded, log)
	if err != nil {
		return err
	}

	tlsCfg, certFile, err := tlsConfig(cfg)
	if err != nil {
		return err
	}
	// Listen first: a busy port fails fast, before any seeding.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (SHOPGRAPH_ADDR / --addr): %w", cfg.Addr, err)
	}
	defer ln.Close()
	scheme := "http"
	if tlsCfg != nil {
		ln, scheme = tls.NewListener(ln, tlsCfg), "https"
		log.Info("serving HTTPS", "certificate", certFile)
	}

	a, err := app.New(ctx, acfg)
	if err != nil {
		if ctx.Err() != nil { // SIGINT or SIGTERM while starting (seeding)
			log.Info("interrupted while starting; stopped", "err", err)
			return nil
		}
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Close(cctx)
	}()

	base := scheme + "://" + ln.Addr().String()
	if embedded {
		// Tell `shopgraph token` and `shopgraph apikey`, run from this
		// directory, where this server and its DynamoDB are, before
		// anything can see it ready.
		remove, err := writeServerState(cfg.StateDir, serverState{PID: os.Getpid(), GraphQL: base + "/graphql",
			DynamoDBEndpoint: a.DynamoDB.Endpoint, TablePrefix: cfg.TablePrefix, Region: cfg.Region, StartedAt: time.Now().UTC(),
			DynamoDBAccessKeyID: a.DynamoDB.Credentials.AccessKeyID, DynamoDBSecretAccessKey: a.DynamoDB.Credentials.SecretAccessKey})
		if err != nil {
			return err
		}
		defer remove()
	}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen on %s (SHOPGRAPH_METRICS_ADDR): %w", cfg.MetricsAddr, err)
		}
		msrv := &http.Server{Handler: a.Handler.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
		log.Info("metrics (Prometheus)", "url", "http://"+mln.Addr().String()+"/metrics")
	}
	log.Info("shopgraph ready", "graphql", base+"/graphql", "playground", playgroundURL(cfg, embedded, base),
		"startup", time.Since(start).Round(time.Millisecond))
	if embedded {
		log.Info("dev credentials", "partner_api_key", auth.DevAPIKey,
			"user_token", cli+" token --user alice (users: alice, bob, admin, wanda)",
			"partner_keys", cli+" apikey create --partner NAME --scopes catalog:read")
	}
	return server.Serve(ctx, ln, a.Handler, server.ServeOptions{
		ShutdownTimeout: cfg.ShutdownTimeout, DrainDelay: drainDelay(cfg, embedded), Logger: log})
}

// appConfig translates the settings into the composition root's Config.
func appConfig(ctx context.Context, cfg config, getenv func(string) string, embedded bool, log *slog.Logger) (app.Config, error) {
	secret, err := cursorSecret(cfg, embedded)
	if err != nil {
		return app.Config{}, err
	}
	ddb, err := dynamoConfig(ctx, cfg, getenv, true)
	if err != nil {
		return app.Config{}, err
	}
	issuers, err := issuerConfigs(cfg)
	if err != nil {
		return app.Config{}, err
	}
	acfg := app.Config{
		DynamoDB:      ddb,
		StepFunctions: stepFunctionsConfig(cfg, ddb),
		Orders:        ordersConfig(cfg, embedded),
		CursorSecret:  secret,
		CacheTTL:      cfg.CacheTTL,
		Identity: app.IdentityConfig{
			Dev:             embedded,
			StateDir:        cfg.StateDir,
			Issuers:         issuers,
			CognitoEndpoint: cfg.CognitoEndpoint,
		},
		Server: server.Config{
			AdditionalAuthModes: additionalModes(cfg),
			MaxBodyBytes:        cfg.MaxBodyBytes, MaxDepth: cfg.MaxDepth, MaxComplexity: cfg.MaxComplexity,
			MaxFields: cfg.MaxFields, MaxResponseBytes: cfg.MaxResponse, RequestTimeout: cfg.RequestTimeout,
			DebugExtensions:      cfg.DebugExtensions,
			Loaders:              loaders.Config{Disabled: !cfg.Loaders, Wait: cfg.LoaderWait},
			Playground:           orMode(cfg.Playground, embedded),
			DisableIntrospection: !orMode(cfg.Introspection, embedded),
			CORSOrigins:          cfg.CORSOrigins,
			Realtime:             server.RealtimeConfig{MaxSubscriptions: cfg.RTMaxSubs, MaxPayloadBytes: cfg.RTMaxPayload},
		},
		Events: app.EventsConfig{SNSTopicARNs: cfg.SNSTopicARNs, SNSTrustedCertHosts: cfg.SNSCertHosts, RedisURL: cfg.RedisURL},
		Search: app.SearchConfig{Dir: searchDir(cfg, ddb)},
		Throttle: app.ThrottleConfig{
			UserRateLimit: cfg.UserRateLimit, AccountPerUser: cfg.AccountPerUser, AccountPerIP: cfg.AccountPerIP,
			TrustedProxyHops: cfg.ProxyHops,
		},
		Logger: log,
	}
	if embedded {
		acfg.SeedProducts = cfg.SeedProducts
	} else if cfg.CognitoUserPoolID != "" && len(cfg.CognitoClientIDs) > 0 {
		acfg.Identity.CognitoClientID = cfg.CognitoClientIDs[0]
	}
	return acfg, nil
}

// drainDelay is SHOPGRAPH_DRAIN_DELAY, or its default for the mode: long
// enough for a load balancer to see /readyz fail in AWS mode, nothing in the
// embedded default (Ctrl-C stops at once).
func drainDelay(cfg config, embedded bool) time.Duration {
	switch {
	case cfg.DrainDelay >= 0:
		return cfg.DrainDelay
	case embedded:
		return 0
	}
	return defaultAWSDrainDelay
}

// defaultAWSDrainDelay is SHOPGRAPH_DRAIN_DELAY's default in AWS mode.
const defaultAWSDrainDelay = 10 * time.Second

func playgroundURL(cfg config, embedded bool, base string) string {
	if !orMode(cfg.Playground, embedded) {
		return "disabled (SHOPGRAPH_PLAYGROUND=false; off by default in aws mode)"
	}
	return base + "/"
}

// orMode is a mode-dependent boolean setting: its value when set, else true
// in the embedded default and false in aws mode.
func orMode(v *bool, embedded bool) bool {
	if v != nil {
		return *v
	}
	return embedded
}

// awsOnlySettings are settings that only mean something against AWS: when
// any is set, the operator meant AWS, and `auto` must not quietly start the
// embedded default with its well-known dev credentials beside them.
var awsOnlySettings = []string{
	"SHOPGRAPH_CURSOR_SECRET", "SHOPGRAPH_COGNITO_USER_POOL_ID", "SHOPGRAPH_COGNITO_CLIENT_IDS",
	"SHOPGRAPH_COGNITO_ISSUER", "SHOPGRAPH_COGNITO_JWKS_URL", "SHOPGRAPH_COGNITO_ENDPOINT",
	"SHOPGRAPH_OIDC_ISSUER", "SHOPGRAPH_OIDC_JWKS_URL", "SHOPGRAPH_OIDC_CLIENT_IDS",
}

// checkEmbeddedIntent refuses to start the embedded default where it would
// be a mistake: in auto mode next to AWS-only settings, and on a
// non-loopback address unless SHOPGRAPH_EMBEDDED_EXPOSE allows it.
func checkEmbeddedIntent(cfg config, getenv func(string) string, embedded bool) error {
	if !embedded {
		return nil
	}
	if cfg.Mode == "auto" {
		var seen []string
		for _, k := range awsOnlySettings {
			if getenv(k) != "" {
				seen = append(seen, k)
			}
		}
		if len(seen) > 0 {
			return fmt.Errorf("SHOPGRAPH_MODE=auto found AWS-only settings (%s) but no DynamoDB configuration "+
				"(SHOPGRAPH_DYNAMODB_ENDPOINT, or AWS_REGION with credentials): set SHOPGRAPH_MODE=aws to run against AWS "+
				"(on ECS or EC2 with a role, also AWS_REGION), or SHOPGRAPH_MODE=embedded for the embedded default with its dev credentials",
				strings.Join(seen, ", "))
		}
	}
	if !cfg.EmbeddedExpose && !loopbackAddr(cfg.Addr) {
		return fmt.Errorf("the embedded default has well-known dev credentials and listens only on loopback; SHOPGRAPH_ADDR/--addr %q is not a loopback address: "+
			"use 127.0.0.1:PORT, or set SHOPGRAPH_EMBEDDED_EXPOSE=true to serve it to the network anyway", cfg.Addr)
	}
	return nil
}

// loopbackAddr reports whether host:port names a loopback host (an empty
// host means every interface).
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && host != "" && isLoopback(host)
}

func runTables(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(stdout, "Usage: "+cli+" tables create\n\nCreates the Products, Inventory, Warehouses, Categories, ApiKeys, Carts and Orders tables (with SHOPGRAPH_TABLE_PREFIX)\non the configured DynamoDB if they do not exist yet, and adds the global secondary indexes an existing\ntable lacks (waiting until DynamoDB has backfilled them). Safe to run again.")
			return nil
		}
		return usageError{"usage: " + cli + " tables create"}
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if err := parseFlags(newFlagSet("tables create", "tables create", stderr, true), args[1:]); err != nil {
		return err
	}
	ddb, _, err := openConfigured(ctx, cfg, getenv)
	if err != nil {
		return err
	}
	created, added, err := dynamo.CreateTables(ctx, ddb.Client, ddb.Tables)
	if err != nil {
		return err
	}
	for _, t := range ddb.Tables.All() {
		state := "exists"
		if slices.Contains(created, t) {
			state = "created"
		}
		for _, a := range added {
			if a.Table == t {
				state += ", added index " + a.Index
			}
		}
		fmt.Fprintf(stdout, "%-40s %s\n", t, state)
	}
	return nil
}

// openConfigured opens the configured DynamoDB (never the embedded one) and
// a store over it that needs no cursor secret (these commands never page).
func openConfigured(ctx context.Context, cfg config, getenv func(string) string) (*app.DynamoDB, *dynamo.Store, error) {
	dcfg, err := dynamoConfig(ctx, cfg, getenv, false)
	if err != nil {
		return nil, nil, err
	}
	ddb, err := app.OpenDynamoDB(ctx, dcfg)
	if err != nil {
		return nil, nil, err
	}
	store, err := ddb.Store(nil, cfg.CacheTTL, nil)
	return ddb, store, err
}

func runSeed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	fs := newFlagSet("seed", "seed [--products N]", stderr, true)
	fs.IntVar(&cfg.SeedProducts, "products", cfg.SeedProducts, "number of products to generate (SHOPGRAPH_SEED_PRODUCTS)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if cfg.SeedProducts <= 0 {
		return usageError{fmt.Sprintf("--products must be positive, got %d", cfg.SeedProducts)}
	}
	_, store, err := openConfigured(ctx, cfg, getenv)
	if err != nil {
		return err
	}
	c, err := app.Seed(ctx, store, cfg.SeedProducts, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d products in %d categories, %d warehouses, %d stock records\n",
		len(c.Products), len(c.Categories), len(c.Warehouses), len(c.Stock))
	return nil
}

func runSchema(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("schema", "schema [--appsync]", stderr, false)
	forAppSync := fs.Bool("appsync", false, "print only the SDL to deploy to AWS AppSync (no prelude, no shopgraph-only directives)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	sources, err := schemaSources()
	if err != nil {
		return err
	}
	if !*forAppSync {
		fmt.Fprintf(stdout, "# AppSync prelude (predeclared by AppSync; not deployed)\n%s\n", appsync.Prelude)
		fmt.Fprintf(stdout, "# shopgraph-only directives (stripped for AppSync)\n%s\n", appsync.ShopgraphDirectives)
		for _, s := range sources {
			fmt.Fprintf(stdout, "# %s\n%s\n", s.Name, s.Input)
		}
		return nil
	}
	s, err := appsync.LoadSchema(append(sources, appsync.ShopgraphDirectivesSource())...)
	if err != nil {
		return fmt.Errorf("load schema: %w", err)
	}
	// Warn where the directives would mean something else on AppSync, for
	// an API with shopgraph's modes.
	for _, w := range appsync.LintAuth(s, []shopgraph.AuthMode{shopgraph.AuthModeCognito, shopgraph.AuthModeAPIKey}) {
		fmt.Fprintln(stderr, "warning:", w)
	}
	return appsync.PrintSDL(stdout, s, appsync.ShopgraphOnly...)
}

func schemaSources() ([]*ast.Source, error) {
	names, err := fs.Glob(schema.Files, "*.graphql")
	if err != nil {
		return nil, err
	}
	var out []*ast.Source
	for _, n := range names {
		b, err := schema.Files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, &ast.Source{Name: "schema/" + n, Input: string(b)})
	}
	return out, nil
}

func runToken(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	fs := newFlagSet("token", "token [--user NAME] [--use id|access] [--ttl DURATION]", stderr, false)
	user := fs.String("user", "alice", "dev user: alice, bob (customers), admin (group admin), wanda (group warehouse)")
	use := fs.String("use", shopgraph.TokenUseID, "token kind: id (has email and groups) or access (what Amplify v6 sends)")
	ttl := fs.Duration("ttl", userpool.DefaultTokenTTL, "how long the token is valid")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *use != shopgraph.TokenUseID && *use != shopgraph.TokenUseAccess {
		return usageError{fmt.Sprintf("--use must be id or access, got %q", *use)}
	}
	if *ttl <= 0 {
		return usageError{fmt.Sprintf("--ttl must be positive, got %s", *ttl)}
	}
	// Only the running server's key is of use: never make a new one here.
	dev, err := userpool.OpenIssuer(userpool.IssuerOptions{Dir: cfg.StateDir, MustExist: true})
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	u, ok := userpool.DevUser(*user)
	if !ok {
		return usageError{fmt.Sprintf("unknown dev user %q (alice, bob, admin, wanda)", *user)}
	}
	tok, err := dev.Mint(u, *use, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
