package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"time"

	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/appsync"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/loaders"
	"github.com/shopgraph/shopgraph/schema"
	"github.com/shopgraph/shopgraph/server"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	start := time.Now()
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	fs := newFlagSet("serve", "serve [--addr ADDR]", stderr, true)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "address to listen on (SHOPGRAPH_ADDR)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := newLogger(cfg, stderr)

	// Listen first: a busy port fails fast, before any seeding.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (SHOPGRAPH_ADDR / --addr): %w", cfg.Addr, err)
	}
	defer ln.Close()

	be, err := openBackend(ctx, cfg, getenv, true)
	if err != nil {
		return err
	}
	defer func() { _ = be.close(context.Background()) }()
	store, err := be.store(cfg)
	if err != nil {
		return err
	}
	if be.embedded {
		log.Info("embedded default: in-process DynamoDB (minidyn)", "endpoint", be.endpoint)
		if _, err := dynamo.CreateTables(ctx, be.client, be.tables); err != nil {
			return fmt.Errorf("create tables: %w", err)
		}
		if _, err := seedCatalog(ctx, store, cfg.SeedProducts, log); err != nil {
			return err
		}
	} else {
		log.Info("using DynamoDB", "endpoint", orDefault(be.endpoint, "AWS "+cfg.Region), "table_prefix", cfg.TablePrefix)
	}
	// Warm the caches and check the tables exist, so a misconfiguration is
	// reported now rather than on the first request.
	if _, err := store.Warehouses(ctx); err != nil {
		return fmt.Errorf("read warehouses from table %s (run `shopgraph tables create` and `shopgraph seed`?): %w", be.tables.Warehouses, err)
	}
	if _, err := store.Categories(ctx); err != nil {
		return fmt.Errorf("read categories from table %s: %w", be.tables.Categories, err)
	}

	base := "http://" + ln.Addr().String()
	var dev *auth.DevIssuer
	var playgroundHeaders map[string]string
	keys := &auth.KeyManager{Store: store, Logger: log}
	var accounts shopgraph.Accounts = unavailableAccounts{}
	if be.embedded {
		if dev, err = openDevIssuer(cfg, base); err != nil {
			return err
		}
		users := auth.NewUserDirectory(auth.UserDirectoryOptions{})
		if err := auth.SeedDevUsers(users, auth.DevPassword); err != nil {
			return fmt.Errorf("seed dev users: %w", err)
		}
		accounts = &auth.LocalAccounts{Users: users, Issuer: dev, Deliver: func(user, purpose, code string) {
			log.Info("delivered code (embedded default: codes are logged, not emailed)", "user", user, "purpose", purpose, "code", code)
		}}
		if err := keys.EnsureAPIKey(ctx, auth.DevPartnerKey(time.Now())); err != nil {
			return fmt.Errorf("store the dev partner key: %w", err)
		}
		playgroundHeaders = map[string]string{"x-api-key": auth.DevAPIKey}
	}
	if !be.embedded && cfg.CognitoUserPoolID != "" && len(cfg.CognitoClientIDs) > 0 {
		accounts = &auth.CognitoAccounts{API: cip.NewFromConfig(be.awsCfg, func(o *cip.Options) {
			if cfg.CognitoEndpoint != "" {
				o.BaseEndpoint = &cfg.CognitoEndpoint
			}
		}), ClientID: cfg.CognitoClientIDs[0]}
	}
	issuers, err := issuerConfigs(cfg, dev)
	if err != nil {
		return err
	}
	authn := &deferredAuth{}
	scfg := server.Config{
		Auth:                authn,
		AdditionalAuthModes: additionalModes(cfg),
		Catalog:             store, Inventory: store, Accounts: accounts, APIKeys: keys,
		MaxBodyBytes: cfg.MaxBodyBytes, MaxDepth: cfg.MaxDepth, MaxComplexity: cfg.MaxComplexity,
		DebugExtensions:   cfg.DebugExtensions,
		Loaders:           loaders.Config{Disabled: !cfg.Loaders, Wait: cfg.LoaderWait},
		Playground:        cfg.Playground,
		PlaygroundHeaders: playgroundHeaders,
		CORSOrigins:       cfg.CORSOrigins,
		Ready:             be.ready,
		Logger:            log,
	}
	if dev != nil {
		scfg.JWKS = dev.JWKSHandler()
	}
	h, err := server.New(scfg)
	if err != nil {
		return err
	}

	// Serve first: the verifier fetches the dev issuer's JWKS from this
	// server. Until the verifier is ready, GraphQL requests get 503.
	serveCtx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	served := make(chan error, 1)
	go func() {
		served <- server.Serve(serveCtx, ln, h, server.ServeOptions{ShutdownTimeout: cfg.ShutdownTimeout, Logger: log})
	}()
	verifier, err := auth.NewVerifier(serveCtx, issuers, auth.VerifierOptions{Logger: log})
	if err != nil {
		stopServe()
		<-served
		return fmt.Errorf("JWT verifier: %w", err)
	}
	authenticator := auth.NewAuthenticator(auth.AuthenticatorOptions{
		Verifier: verifier, LookupKey: keys.Lookup, Limiter: auth.NewKeyLimiter(auth.KeyLimiterOptions{}),
	})
	keys.Revoked = authenticator.Forget
	authn.p.Store(authenticator)

	if be.embedded {
		// Tell `shopgraph apikey`, run from this directory, where this
		// server's DynamoDB is.
		remove, err := writeServerState(cfg.StateDir, serverState{PID: os.Getpid(), GraphQL: base + "/graphql",
			DynamoDBEndpoint: be.endpoint, TablePrefix: cfg.TablePrefix, Region: cfg.Region, StartedAt: time.Now().UTC()})
		if err != nil {
			stopServe()
			<-served
			return err
		}
		defer remove()
	}
	log.Info("shopgraph ready", "graphql", base+"/graphql", "playground", playgroundURL(cfg, base),
		"startup", time.Since(start).Round(time.Millisecond))
	if be.embedded {
		log.Info("dev credentials", "partner_api_key", auth.DevAPIKey,
			"user_token", "shopgraph token --user alice (users: alice, bob, admin, wanda)",
			"partner_keys", "shopgraph apikey create --partner NAME --scopes catalog:read")
	}
	return <-served
}

func playgroundURL(cfg config, base string) string {
	if !cfg.Playground {
		return "disabled (SHOPGRAPH_PLAYGROUND=false)"
	}
	return base + "/"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func runTables(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(stdout, "Usage: shopgraph tables create\n\nCreates the Products, Inventory, Warehouses, Categories and ApiKeys tables (with SHOPGRAPH_TABLE_PREFIX)\non the configured DynamoDB if they do not exist yet. Safe to run again.")
			return nil
		}
		return usageError{"usage: shopgraph tables create"}
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if err := parseFlags(newFlagSet("tables create", "tables create", stderr, true), args[1:]); err != nil {
		return err
	}
	be, err := openBackend(ctx, cfg, getenv, false)
	if err != nil {
		return err
	}
	created, err := dynamo.CreateTables(ctx, be.client, be.tables)
	if err != nil {
		return err
	}
	for _, t := range be.tables.All() {
		state := "exists"
		for _, c := range created {
			if c == t {
				state = "created"
			}
		}
		fmt.Fprintf(stdout, "%-40s %s\n", t, state)
	}
	return nil
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
	be, err := openBackend(ctx, cfg, getenv, false)
	if err != nil {
		return err
	}
	store, err := be.storeWithoutCursors(cfg)
	if err != nil {
		return err
	}
	c, err := seedCatalog(ctx, store, cfg.SeedProducts, newLogger(cfg, stderr))
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
	use := fs.String("use", auth.TokenUseID, "token kind: id (has email and groups) or access (what Amplify v6 sends)")
	ttl := fs.Duration("ttl", auth.DefaultTokenTTL, "how long the token is valid")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *use != auth.TokenUseID && *use != auth.TokenUseAccess {
		return usageError{fmt.Sprintf("--use must be id or access, got %q", *use)}
	}
	if *ttl <= 0 {
		return usageError{fmt.Sprintf("--ttl must be positive, got %s", *ttl)}
	}
	dev, err := openDevIssuer(cfg, "http://"+cfg.Addr)
	if err != nil {
		return err
	}
	for _, u := range auth.DevUsers() {
		if u.Username == *user {
			tok, err := dev.Mint(u, *use, *ttl)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, tok)
			return nil
		}
	}
	return usageError{fmt.Sprintf("unknown dev user %q (alice, bob, admin, wanda)", *user)}
}
