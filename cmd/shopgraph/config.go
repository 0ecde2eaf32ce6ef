package main

import (
	"flag"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// config is every setting shopgraph reads. Each comes from an environment
// variable (name in the setting table below) and, for some, a flag that
// overrides it. The README lists the same table.
type config struct {
	Addr            string
	Mode            string
	DynamoEndpoint  string
	SFNEndpoint     string
	NewOrderSFN     string
	CancelOrderSFN  string
	ReturnOrderSFN  string
	ReturnDelay     time.Duration
	ReturnWindow    time.Duration
	ReconcileEvery  time.Duration
	ReconcileAge    time.Duration
	Payments        string
	ShipDelay       time.Duration
	DeliverDelay    time.Duration
	Region          string
	TablePrefix     string
	SeedProducts    int
	CursorSecret    string
	CacheTTL        time.Duration
	DebugExtensions bool
	MaxBodyBytes    int64
	MaxDepth        int
	MaxComplexity   int
	MaxFields       int
	MaxResponse     int64
	RequestTimeout  time.Duration
	Loaders         bool
	LoaderWait      time.Duration
	Playground      *bool // nil: the mode's default
	Introspection   *bool // nil: the mode's default
	EmbeddedExpose  bool
	UserRateLimit   int
	AccountPerUser  int
	AccountPerIP    int
	ProxyHops       int
	StateDir        string
	DataDir         string
	Reseed          bool

	CognitoUserPoolID string
	CognitoClientIDs  []string
	CognitoIssuer     string
	CognitoJWKSURL    string
	CognitoEndpoint   string
	OIDCIssuer        string
	OIDCJWKSURL       string
	OIDCClientIDs     []string
	CORSOrigins       []string
	TLS               string
	TLSCertFile       string
	TLSKeyFile        string
	RedisURL          string
	SearchDir         string
	MetricsAddr       string
	SNSTopicARNs      []string
	SNSCertHosts      []string
	RTMaxSubs         int
	RTMaxPayload      int
	ShutdownTimeout   time.Duration
	DrainDelay        time.Duration // -1: the mode's default
	LogLevel          string
	LogFormat         string
}

// setting describes one configuration value.
type setting struct {
	env, def, help string
	set            func(c *config, v string) error
}

func str(dst func(*config) *string) func(*config, string) error {
	return func(c *config, v string) error { *dst(c) = v; return nil }
}

// httpURL accepts an empty value or an http(s) URL with a host.
func httpURL(name string, dst func(*config) *string) func(*config, string) error {
	return func(c *config, v string) error {
		if v != "" {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("%s must be an http(s) URL such as http://127.0.0.1:8083, got %q", name, v)
			}
		}
		*dst(c) = v
		return nil
	}
}

func positiveInt[T int | int64](env string, dst func(*config) *T) func(*config, string) error {
	return func(c *config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 || int64(T(n)) != n {
			return fmt.Errorf("%s must be a positive integer, got %q", env, v)
		}
		*dst(c) = T(n)
		return nil
	}
}

func duration(env string, dst func(*config) *time.Duration) func(*config, string) error {
	return func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("%s must be a non-negative duration such as 30s or 2ms, got %q", env, v)
		}
		*dst(c) = d
		return nil
	}
}

func positiveDuration(env string, dst func(*config) *time.Duration) func(*config, string) error {
	return func(c *config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("%s must be a positive duration such as 30s or 720h, got %q", env, v)
		}
		*dst(c) = d
		return nil
	}
}

// modeBool is a boolean whose default depends on the mode ("" leaves it
// nil).
func modeBool(env string, dst func(*config) **bool) func(*config, string) error {
	return func(c *config, v string) error {
		if v == "" {
			*dst(c) = nil
			return nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s must be true or false, got %q", env, v)
		}
		*dst(c) = &b
		return nil
	}
}

func nonNegativeInt(env string, dst func(*config) *int) func(*config, string) error {
	return func(c *config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("%s must be a non-negative integer, got %q", env, v)
		}
		*dst(c) = n
		return nil
	}
}

func boolean(env string, dst func(*config) *bool) func(*config, string) error {
	return func(c *config, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s must be true or false, got %q", env, v)
		}
		*dst(c) = b
		return nil
	}
}

func list(dst func(*config) *[]string) func(*config, string) error {
	return func(c *config, v string) error {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				*dst(c) = append(*dst(c), x)
			}
		}
		return nil
	}
}

func oneOf(env string, allowed []string, dst func(*config) *string) func(*config, string) error {
	return func(c *config, v string) error {
		if slices.Contains(allowed, v) {
			*dst(c) = v
			return nil
		}
		return fmt.Errorf("%s must be one of %s, got %q", env, strings.Join(allowed, ", "), v)
	}
}

// settings is the one source of truth for configuration: names, defaults,
// help text (printed by --help and mirrored in the README).
var settings = []setting{
	{"SHOPGRAPH_ADDR", "127.0.0.1:8080", "address to listen on (flag --addr)", str(func(c *config) *string { return &c.Addr })},
	{"SHOPGRAPH_MODE", "auto", "auto, embedded or aws: auto is embedded unless SHOPGRAPH_DYNAMODB_ENDPOINT or AWS settings (AWS_REGION, AWS_DEFAULT_REGION, AWS_PROFILE, AWS_ACCESS_KEY_ID) are present",
		oneOf("SHOPGRAPH_MODE", []string{"auto", "embedded", "aws"}, func(c *config) *string { return &c.Mode })},
	{"SHOPGRAPH_DYNAMODB_ENDPOINT", "", "DynamoDB endpoint URL, e.g. http://127.0.0.1:8000 for DynamoDB Local (empty: AWS's regional endpoint)", str(func(c *config) *string { return &c.DynamoEndpoint })},
	{"SHOPGRAPH_SFN_ENDPOINT", "", "Step Functions endpoint URL in aws mode (empty: AWS's regional endpoint; same region and credentials as DynamoDB); the embedded default runs its own in process",
		httpURL("SHOPGRAPH_SFN_ENDPOINT", func(c *config) *string { return &c.SFNEndpoint })},
	{"SHOPGRAPH_NEW_ORDER_STATE_MACHINE_ARN", "", "the deployed NewOrder state machine (aws mode; deploy/); unset, orders are stored PENDING and started once it is set. The embedded default installs its own",
		str(func(c *config) *string { return &c.NewOrderSFN })},
	{"SHOPGRAPH_CANCEL_ORDER_STATE_MACHINE_ARN", "", "the deployed CancelOrder state machine (aws mode; deploy/); unset, cancelOrder fails",
		str(func(c *config) *string { return &c.CancelOrderSFN })},
	{"SHOPGRAPH_RETURN_ORDER_STATE_MACHINE_ARN", "", "the deployed ReturnOrder state machine (aws mode; deploy/); unset, returnOrder fails",
		str(func(c *config) *string { return &c.ReturnOrderSFN })},
	{"SHOPGRAPH_RETURN_WINDOW", "720h", "how long after delivery an order may be returned (30 days)",
		positiveDuration("SHOPGRAPH_RETURN_WINDOW", func(c *config) *time.Duration { return &c.ReturnWindow })},
	{"SHOPGRAPH_RECONCILE_INTERVAL", "30s", "how often the reconciler starts the workflows of orders left PENDING without one (every instance runs it); 0 turns it off",
		duration("SHOPGRAPH_RECONCILE_INTERVAL", func(c *config) *time.Duration { return &c.ReconcileEvery })},
	{"SHOPGRAPH_RECONCILE_AGE", "1m", "how long an order stays PENDING before the reconciler starts its workflow",
		positiveDuration("SHOPGRAPH_RECONCILE_AGE", func(c *config) *time.Duration { return &c.ReconcileAge })},
	{"SHOPGRAPH_PAYMENTS", "simulated", "the payment provider: simulated (the only one so far: tok_declined is declined, tok_flaky fails twice then succeeds)",
		oneOf("SHOPGRAPH_PAYMENTS", []string{"simulated"}, func(c *config) *string { return &c.Payments })},
	{"SHOPGRAPH_WAREHOUSE_SHIP_DELAY", "10s", "how long the embedded default's simulated warehouse takes to ship a confirmed order; 0 turns it off (markOrderShipped)",
		duration("SHOPGRAPH_WAREHOUSE_SHIP_DELAY", func(c *config) *time.Duration { return &c.ShipDelay })},
	{"SHOPGRAPH_WAREHOUSE_DELIVER_DELAY", "30s", "how long the simulated warehouse takes to deliver a shipped order; 0 turns it off (markOrderDelivered)",
		duration("SHOPGRAPH_WAREHOUSE_DELIVER_DELAY", func(c *config) *time.Duration { return &c.DeliverDelay })},
	{"SHOPGRAPH_WAREHOUSE_RETURN_DELAY", "30s", "how long the simulated warehouse takes to receive a returned order; 0 turns it off (markReturnReceived)",
		duration("SHOPGRAPH_WAREHOUSE_RETURN_DELAY", func(c *config) *time.Duration { return &c.ReturnDelay })},
	{"AWS_REGION", "us-east-1", "AWS region (AWS_DEFAULT_REGION is read too)", str(func(c *config) *string { return &c.Region })},
	{"SHOPGRAPH_TABLE_PREFIX", "shopgraph-", "prefix of every DynamoDB table name", str(func(c *config) *string { return &c.TablePrefix })},
	{"SHOPGRAPH_SEED_PRODUCTS", "5000", "products the embedded default seeds at start, and the seed command loads (flag --products)", positiveInt("SHOPGRAPH_SEED_PRODUCTS", func(c *config) *int { return &c.SeedProducts })},
	{"SHOPGRAPH_CURSOR_SECRET", "", "HMAC key (at least 16 bytes) that signs nextToken cursors; required in aws mode and identical on every instance; random per process in the embedded default", str(func(c *config) *string { return &c.CursorSecret })},
	{"SHOPGRAPH_CACHE_TTL", "1m", "how long categories and warehouses are cached", duration("SHOPGRAPH_CACHE_TTL", func(c *config) *time.Duration { return &c.CacheTTL })},
	{"SHOPGRAPH_DEBUG_EXTENSIONS", "false", "add extensions.dynamodb (DynamoDB requests by operation) to every response", boolean("SHOPGRAPH_DEBUG_EXTENSIONS", func(c *config) *bool { return &c.DebugExtensions })},
	{"SHOPGRAPH_MAX_BODY_BYTES", "1048576", "largest request body accepted", positiveInt("SHOPGRAPH_MAX_BODY_BYTES", func(c *config) *int64 { return &c.MaxBodyBytes })},
	{"SHOPGRAPH_MAX_DEPTH", "15", "deepest selection nesting accepted (introspection has its own fixed nesting limits)", positiveInt("SHOPGRAPH_MAX_DEPTH", func(c *config) *int { return &c.MaxDepth })},
	{"SHOPGRAPH_MAX_COMPLEXITY", "5000", "largest operation cost accepted: each field costs 1, introspection included, and a list multiplies its items (a products page by its limit, introspection lists by their length)", positiveInt("SHOPGRAPH_MAX_COMPLEXITY", func(c *config) *int { return &c.MaxComplexity })},
	{"SHOPGRAPH_MAX_FIELDS", "2000", "most fields an operation may select, aliases, fragments and introspection included (GraphiQL's full introspection query selects about 220)", positiveInt("SHOPGRAPH_MAX_FIELDS", func(c *config) *int { return &c.MaxFields })},
	{"SHOPGRAPH_MAX_RESPONSE_BYTES", "5242880", "largest response body; a larger one is replaced by a LimitExceeded error", positiveInt("SHOPGRAPH_MAX_RESPONSE_BYTES", func(c *config) *int64 { return &c.MaxResponse })},
	{"SHOPGRAPH_REQUEST_TIMEOUT", "30s", "how long an operation may run; then it stops with errorType ExecutionTimeout (AppSync's resolver timeout is 30 s)", duration("SHOPGRAPH_REQUEST_TIMEOUT", func(c *config) *time.Duration { return &c.RequestTimeout })},
	{"SHOPGRAPH_LOADERS", "true", "batch and cache DynamoDB reads per operation (false: one request per field, for comparison only)", boolean("SHOPGRAPH_LOADERS", func(c *config) *bool { return &c.Loaders })},
	{"SHOPGRAPH_LOADER_WAIT", "2ms", "how long a loader collects keys before it sends a batch", duration("SHOPGRAPH_LOADER_WAIT", func(c *config) *time.Duration { return &c.LoaderWait })},
	{"SHOPGRAPH_PLAYGROUND", "", "serve the GraphiQL playground at / (default true in the embedded default, false in aws mode)", modeBool("SHOPGRAPH_PLAYGROUND", func(c *config) **bool { return &c.Playground })},
	{"SHOPGRAPH_INTROSPECTION", "", "answer GraphQL introspection (__schema, __type) (default true in the embedded default, false in aws mode, as AppSync can disable it)", modeBool("SHOPGRAPH_INTROSPECTION", func(c *config) **bool { return &c.Introspection })},
	{"SHOPGRAPH_EMBEDDED_EXPOSE", "false", "let the embedded default (well-known dev credentials) listen on a non-loopback address", boolean("SHOPGRAPH_EMBEDDED_EXPOSE", func(c *config) *bool { return &c.EmbeddedExpose })},
	{"SHOPGRAPH_USER_RATE_LIMIT", "20", "requests per second per signed-in user (burst twice that); API keys carry their own limit (default 20)", positiveInt("SHOPGRAPH_USER_RATE_LIMIT", func(c *config) *int { return &c.UserRateLimit })},
	{"SHOPGRAPH_ACCOUNT_RATE_PER_USER", "10", "account mutations (sign-up, sign-in, confirmations, password reset) per username per minute", positiveInt("SHOPGRAPH_ACCOUNT_RATE_PER_USER", func(c *config) *int { return &c.AccountPerUser })},
	{"SHOPGRAPH_ACCOUNT_RATE_PER_IP", "60", "account mutations per client address per minute", positiveInt("SHOPGRAPH_ACCOUNT_RATE_PER_IP", func(c *config) *int { return &c.AccountPerIP })},
	{"SHOPGRAPH_TRUSTED_PROXY_HOPS", "0", "how many proxies (load balancers) in front append to X-Forwarded-For; the client address is that many entries before the TCP peer (0: the TCP peer, X-Forwarded-For ignored)", nonNegativeInt("SHOPGRAPH_TRUSTED_PROXY_HOPS", func(c *config) *int { return &c.ProxyHops })},
	{"SHOPGRAPH_CORS_ORIGINS", "*", "comma-separated browser origins allowed to call /graphql (* for any)", list(func(c *config) *[]string { return &c.CORSOrigins })},
	{"SHOPGRAPH_TLS", "off", "serve HTTPS: off, self-signed (a certificate for localhost made once and kept in SHOPGRAPH_STATE_DIR/tls; Amplify v6 subscriptions need wss://) or files (SHOPGRAPH_TLS_CERT_FILE and SHOPGRAPH_TLS_KEY_FILE)",
		oneOf("SHOPGRAPH_TLS", []string{tlsOff, tlsSelfSigned, tlsFiles}, func(c *config) *string { return &c.TLS })},
	{"SHOPGRAPH_TLS_CERT_FILE", "", "PEM certificate chain for SHOPGRAPH_TLS=files", str(func(c *config) *string { return &c.TLSCertFile })},
	{"SHOPGRAPH_TLS_KEY_FILE", "", "PEM private key for SHOPGRAPH_TLS=files", str(func(c *config) *string { return &c.TLSKeyFile })},
	{"SHOPGRAPH_REDIS_URL", "", "redis://[user:password@]host:port[/db] (rediss:// for TLS): fan order events out to every instance's subscribers through Redis pub/sub; empty: in process (one instance)", str(func(c *config) *string { return &c.RedisURL })},
	{"SHOPGRAPH_SNS_TOPIC_ARNS", "", "comma-separated order events topic ARNs whose SNS HTTPS subscription POST /events/sns accepts (signature-verified); empty: the endpoint is off. The embedded default feeds its events in process", list(func(c *config) *[]string { return &c.SNSTopicARNs })},
	{"SHOPGRAPH_SNS_TRUSTED_CERT_HOSTS", "", "comma-separated hosts trusted besides sns.<region>.amazonaws.com to serve SNS signing certificates (tests and local stand-ins only)", list(func(c *config) *[]string { return &c.SNSCertHosts })},
	{"SHOPGRAPH_REALTIME_MAX_SUBSCRIPTIONS", "100", "subscriptions per real-time connection (as AppSync); one more is MaxSubscriptionsReachedError", positiveInt("SHOPGRAPH_REALTIME_MAX_SUBSCRIPTIONS", func(c *config) *int { return &c.RTMaxSubs })},
	{"SHOPGRAPH_REALTIME_MAX_PAYLOAD_BYTES", "245760", "largest subscription event payload (240 KB, as AppSync); a larger event is an error for that subscription, never a silent drop", positiveInt("SHOPGRAPH_REALTIME_MAX_PAYLOAD_BYTES", func(c *config) *int { return &c.RTMaxPayload })},
	{"SHOPGRAPH_STATE_DIR", ".shopgraph", "where the embedded default keeps its dev issuer key and server.json (its address and DynamoDB endpoint), for the token and apikey commands", str(func(c *config) *string { return &c.StateDir })},
	{"SHOPGRAPH_DATA_DIR", "", "where the embedded default's DynamoDB keeps its tables, durably across restarts; one server at a time (default SHOPGRAPH_STATE_DIR/dynamodb)", str(func(c *config) *string { return &c.DataDir })},
	{"SHOPGRAPH_METRICS_ADDR", "", "address to serve Prometheus metrics on, at any path (GraphQL operations by type and outcome, their latency, errors by errorType, DynamoDB requests, real-time groups, order events, search index size, Go runtime); a listener of its own, out of the API's reach; empty: off", str(func(c *config) *string { return &c.MetricsAddr })},
	{"SHOPGRAPH_SEARCH_DIR", "", "where this instance keeps its product search index, so a restart with an unchanged catalog does not rebuild it (default SHOPGRAPH_DATA_DIR/search in the embedded default, SHOPGRAPH_STATE_DIR/search otherwise); one server at a time", str(func(c *config) *string { return &c.SearchDir })},
	{"SHOPGRAPH_COGNITO_USER_POOL_ID", "", "Cognito user pool whose ID and access tokens are accepted (default mode AMAZON_COGNITO_USER_POOLS), e.g. us-east-1_AbCdEf123", str(func(c *config) *string { return &c.CognitoUserPoolID })},
	{"SHOPGRAPH_COGNITO_CLIENT_IDS", "", "comma-separated app client ids accepted from that pool (empty: any)", list(func(c *config) *[]string { return &c.CognitoClientIDs })},
	{"SHOPGRAPH_COGNITO_ISSUER", "", "the pool's token issuer (default https://cognito-idp.<region>.amazonaws.com/<pool id>; set it for cognito-local)", str(func(c *config) *string { return &c.CognitoIssuer })},
	{"SHOPGRAPH_COGNITO_JWKS_URL", "", "the pool's JWKS URL (default <issuer>/.well-known/jwks.json)", str(func(c *config) *string { return &c.CognitoJWKSURL })},
	{"SHOPGRAPH_COGNITO_ENDPOINT", "", "Cognito API endpoint for the sign-in mutations (empty: AWS's; set it for cognito-local). The mutations use the first of SHOPGRAPH_COGNITO_CLIENT_IDS, which must allow USER_PASSWORD_AUTH", str(func(c *config) *string { return &c.CognitoEndpoint })},
	{"SHOPGRAPH_OIDC_ISSUER", "", "an additional OPENID_CONNECT issuer (off when empty)", str(func(c *config) *string { return &c.OIDCIssuer })},
	{"SHOPGRAPH_OIDC_JWKS_URL", "", "the OIDC issuer's JWKS URL (default <issuer>/.well-known/jwks.json)", str(func(c *config) *string { return &c.OIDCJWKSURL })},
	{"SHOPGRAPH_OIDC_CLIENT_IDS", "", "comma-separated audiences accepted from the OIDC issuer (empty: any)", list(func(c *config) *[]string { return &c.OIDCClientIDs })},
	{"SHOPGRAPH_DRAIN_DELAY", "", "on SIGTERM or SIGINT, how long /readyz answers 503 while requests are still served, before shutting down, so a load balancer stops sending traffic (default 10s in aws mode, 0 in the embedded default)",
		func(c *config, v string) error {
			if v == "" {
				c.DrainDelay = -1
				return nil
			}
			return duration("SHOPGRAPH_DRAIN_DELAY", func(c *config) *time.Duration { return &c.DrainDelay })(c, v)
		}},
	{"SHOPGRAPH_SHUTDOWN_TIMEOUT", "25s", "how long in-flight requests may take to finish once shutting down (after the drain delay)", duration("SHOPGRAPH_SHUTDOWN_TIMEOUT", func(c *config) *time.Duration { return &c.ShutdownTimeout })},
	{"SHOPGRAPH_LOG_LEVEL", "info", "debug, info, warn or error", oneOf("SHOPGRAPH_LOG_LEVEL", []string{"debug", "info", "warn", "error"}, func(c *config) *string { return &c.LogLevel })},
	{"SHOPGRAPH_LOG_FORMAT", "text", "text or json", oneOf("SHOPGRAPH_LOG_FORMAT", []string{"text", "json"}, func(c *config) *string { return &c.LogFormat })},
}

// loadConfig reads every setting from getenv, applying defaults.
func loadConfig(getenv func(string) string) (config, error) {
	var c config
	for _, s := range settings {
		v := getenv(s.env)
		if s.env == "AWS_REGION" && v == "" {
			v = getenv("AWS_DEFAULT_REGION")
		}
		if v == "" {
			v = s.def
		}
		if err := s.set(&c, v); err != nil {
			return c, err
		}
	}
	return c, nil
}

// awsSettingsPresent reports whether the environment configures AWS.
func awsSettingsPresent(getenv func(string) string) bool {
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID"} {
		if getenv(k) != "" {
			return true
		}
	}
	return false
}

// settingsUsage prints the settings table for --help.
func settingsUsage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprintln(w, "\nSettings (environment variables):")
	for _, s := range settings {
		def := s.def
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(w, "  %-28s default %s\n      %s\n", s.env, def, s.help)
	}
}
