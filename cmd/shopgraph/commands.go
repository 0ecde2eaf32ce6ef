package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"slices"
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
	fs := newFlagSet("serve", "serve [--addr ADDR]", stderr, true)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "address to listen on (SHOPGRAPH_ADDR)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	embedded := useEmbedded(cfg, getenv)
	acfg, err := appConfig(ctx, cfg, getenv, embedded, log)
	if err != nil {
		return err
	}

	// Listen first: a busy port fails fast, before any seeding.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (SHOPGRAPH_ADDR / --addr): %w", cfg.Addr, err)
	}
	defer ln.Close()

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

	base := "http://" + ln.Addr().String()
	if embedded {
		// Tell `shopgraph token` and `shopgraph apikey`, run from this
		// directory, where this server and its DynamoDB are, before
		// anything can see it ready.
		remove, err := writeServerState(cfg.StateDir, serverState{PID: os.Getpid(), GraphQL: base + "/graphql",
			DynamoDBEndpoint: a.DynamoDB.Endpoint, TablePrefix: cfg.TablePrefix, Region: cfg.Region, StartedAt: time.Now().UTC()})
		if err != nil {
			return err
		}
		defer remove()
	}
	log.Info("shopgraph ready", "graphql", base+"/graphql", "playground", playgroundURL(cfg, base),
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
		DynamoDB:     ddb,
		CursorSecret: secret,
		CacheTTL:     cfg.CacheTTL,
		Identity: app.IdentityConfig{
			Dev:             embedded,
			StateDir:        cfg.StateDir,
			Issuers:         issuers,
			CognitoEndpoint: cfg.CognitoEndpoint,
		},
		Server: server.Config{
			AdditionalAuthModes: additionalModes(cfg),
			MaxBodyBytes:        cfg.MaxBodyBytes, MaxDepth: cfg.MaxDepth, MaxComplexity: cfg.MaxComplexity,
			DebugExtensions: cfg.DebugExtensions,
			Loaders:         loaders.Config{Disabled: !cfg.Loaders, Wait: cfg.LoaderWait},
			Playground:      cfg.Playground,
			CORSOrigins:     cfg.CORSOrigins,
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

func playgroundURL(cfg config, base string) string {
	if !cfg.Playground {
		return "disabled (SHOPGRAPH_PLAYGROUND=false)"
	}
	return base + "/"
}

func runTables(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(stdout, "Usage: "+cli+" tables create\n\nCreates the Products, Inventory, Warehouses, Categories and ApiKeys tables (with SHOPGRAPH_TABLE_PREFIX)\non the configured DynamoDB if they do not exist yet. Safe to run again.")
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
	created, err := dynamo.CreateTables(ctx, ddb.Client, ddb.Tables)
	if err != nil {
		return err
	}
	for _, t := range ddb.Tables.All() {
		state := "exists"
		if slices.Contains(created, t) {
			state = "created"
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
	dev, err := app.OpenDevIssuer(cfg.StateDir, nil)
	if err != nil {
		return err
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
