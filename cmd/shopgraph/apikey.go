package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/appsync"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/dynamo"
)

var apikeyUsage = `Usage:
  go run ./cmd/shopgraph apikey create --partner NAME --scopes SCOPE[,SCOPE…] [--expires TIME | --ttl DURATION] [--rate-limit N] [--json]
  go run ./cmd/shopgraph apikey list [--json]
  go run ./cmd/shopgraph apikey revoke [--json] KEY_ID

Manages partner API keys in the ApiKeys table: the configured DynamoDB
(SHOPGRAPH_DYNAMODB_ENDPOINT or AWS settings), or in the embedded default the
running server's, found through SHOPGRAPH_STATE_DIR/server.json (run from the
server's directory, as for token).

Scopes: ` + strings.Join(shopgraph.Scopes(), ", ") + `. The full key is printed only
by create: only a hash of its secret is stored. A revoked key stops working
within 5 seconds on every instance.

Run "go run ./cmd/shopgraph apikey COMMAND --help" for a command's flags.`

// runAPIKey is `shopgraph apikey create|list|revoke`.
func runAPIKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, apikeyUsage)
		return usageError{"usage: " + cli + " apikey create|list|revoke"}
	}
	sub, args := args[0], args[1:]
	if sub == "help" || sub == "-h" || sub == "--help" {
		fmt.Fprintln(stdout, apikeyUsage)
		return nil
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	var asJSON bool
	// act runs the command and returns its result as text and as JSON.
	var act func(context.Context, shopgraph.APIKeyAdmin) (text func(io.Writer), asJSON any, err error)
	switch sub {
	case "create":
		fs := newFlagSet("apikey create", "apikey create --partner NAME --scopes SCOPE[,SCOPE…] [--expires TIME | --ttl DURATION] [--rate-limit N] [--json]", stderr, false)
		partner := fs.String("partner", "", "the partner the key is for (required)")
		scopes := fs.String("scopes", "", "comma-separated scopes: "+strings.Join(shopgraph.Scopes(), ", ")+" (required)")
		expires := fs.String("expires", "", "when the key stops working, as an AWSDateTime such as 2027-01-31T00:00:00Z (default: never)")
		ttl := fs.Duration("ttl", 0, "how long the key works from now, such as 720h (instead of --expires)")
		rate := fs.Int("rate-limit", 0, fmt.Sprintf("requests per second, 1 to %d (default %d, burst twice the rate)", auth.MaxRateLimit, auth.DefaultKeyRateLimit))
		fs.BoolVar(&asJSON, "json", false, "print the new key as JSON")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		in, err := newKeyFromFlags(*partner, *scopes, *expires, *ttl, *rate, flagSet(fs, "rate-limit"), time.Now())
		if err != nil {
			return err
		}
		act = func(ctx context.Context, keys shopgraph.APIKeyAdmin) (func(io.Writer), any, error) {
			rec, full, err := keys.CreateAPIKey(ctx, in)
			return func(w io.Writer) { printCreated(w, rec, full) }, toJSON(rec, full, time.Now()), err
		}
	case "list":
		fs := newFlagSet("apikey list", "apikey list [--json]", stderr, false)
		fs.BoolVar(&asJSON, "json", false, "print the keys as JSON")
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		act = func(ctx context.Context, keys shopgraph.APIKeyAdmin) (func(io.Writer), any, error) {
			list, err := keys.ListAPIKeys(ctx)
			now := time.Now()
			out := make([]apiKeyJSON, len(list))
			for i, k := range list {
				out[i] = toJSON(k, "", now)
			}
			return func(w io.Writer) { printKeys(w, list, now) }, out, err
		}
	case "revoke":
		fs := newFlagSet("apikey revoke", "apikey revoke [--json] KEY_ID", stderr, false)
		fs.BoolVar(&asJSON, "json", false, "print the revoked key as JSON")
		id, err := parseWithOneArg(fs, args, "KEY_ID")
		if err != nil {
			return err
		}
		act = func(ctx context.Context, keys shopgraph.APIKeyAdmin) (func(io.Writer), any, error) {
			k, err := keys.RevokeAPIKey(ctx, id)
			return func(w io.Writer) {
				fmt.Fprintf(w, "revoked %s (partner %s) at %s; every instance refuses it within %s\n",
					k.ID, safeText(k.Partner), timeOr(k.RevokedAt, "?"), auth.KeyCacheTTL)
			}, toJSON(k, "", time.Now()), err
		}
	default:
		fmt.Fprintln(stderr, apikeyUsage)
		return usageError{fmt.Sprintf("unknown apikey command %q", sub)}
	}

	ddb, store, err := keyStore(ctx, cfg, getenv)
	if err != nil {
		return err
	}
	text, asJSONValue, err := act(ctx, auth.NewKeyManager(store, auth.KeyManagerOptions{}))
	if err != nil {
		if shopgraph.CodeOf(err) != "" && shopgraph.CodeOf(err) != shopgraph.CodeInternal {
			return invalidInput{shopgraph.ErrorMessage(err)}
		}
		return fmt.Errorf("apikey %s on table %s: %w", sub, ddb.Tables.APIKeys, err)
	}
	if asJSON {
		return writeJSON(stdout, asJSONValue)
	}
	text(stdout)
	return nil
}

// keyStore is the DynamoDB holding the keys, and a store over it: the
// configured one, or the running embedded server's.
func keyStore(ctx context.Context, cfg config, getenv func(string) string) (*app.DynamoDB, *dynamo.Store, error) {
	if !useEmbedded(cfg, getenv) {
		return openConfigured(ctx, cfg, getenv)
	}
	ddb, err := runningEmbedded(ctx, cfg.StateDir)
	if err != nil {
		return nil, nil, err
	}
	store, err := ddb.Store(nil, cfg.CacheTTL, nil)
	return ddb, store, err
}

// newKeyFromFlags validates create's flags; the key manager validates the
// rest (partner, scopes, limits) with the same messages as the admin API.
func newKeyFromFlags(partner, scopes, expires string, ttl time.Duration, rate int, rateSet bool, now time.Time) (shopgraph.NewAPIKey, error) {
	in := shopgraph.NewAPIKey{Partner: partner, RateLimit: rate}
	if partner == "" {
		return in, usageError{"--partner is required"}
	}
	if scopes == "" {
		return in, usageError{"--scopes is required (" + strings.Join(shopgraph.Scopes(), ", ") + ")"}
	}
	for _, s := range strings.Split(scopes, ",") {
		in.Scopes = append(in.Scopes, strings.TrimSpace(s))
	}
	if rateSet && rate < 1 {
		return in, usageError{fmt.Sprintf("--rate-limit must be at least 1 request per second (omit it for the default), got %d", rate)}
	}
	switch {
	case expires != "" && ttl != 0:
		return in, usageError{"give --expires or --ttl, not both"}
	case expires != "":
		t, err := appsync.ParseAWSDateTime(expires)
		if err != nil {
			return in, usageError{fmt.Sprintf("--expires must be a date-time with a zone, such as 2027-01-31T00:00:00Z, got %q", expires)}
		}
		in.ExpiresAt = &t
	case ttl < 0:
		return in, usageError{fmt.Sprintf("--ttl must be positive, got %s", ttl)}
	case ttl > 0:
		t := now.Add(ttl).UTC().Truncate(time.Second)
		in.ExpiresAt = &t
	}
	return in, nil
}

func printCreated(w io.Writer, rec shopgraph.APIKeyRecord, key string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "id:\t%s\n", rec.ID)
	fmt.Fprintf(tw, "key:\t%s\n", key)
	fmt.Fprintf(tw, "partner:\t%s\n", safeText(rec.Partner))
	fmt.Fprintf(tw, "scopes:\t%s\n", strings.Join(rec.Scopes, ", "))
	fmt.Fprintf(tw, "expires:\t%s\n", timeOr(rec.ExpiresAt, "never"))
	fmt.Fprintf(tw, "rate limit:\t%s\n", rateLimit(rec.RateLimit))
	_ = tw.Flush()
	fmt.Fprintln(w, "\nSend the key as the x-api-key header. It is shown only now: only a hash of its secret is stored.")
}

func printKeys(w io.Writer, keys []shopgraph.APIKeyRecord, now time.Time) {
	if len(keys) == 0 {
		fmt.Fprintln(w, "no API keys")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPARTNER\tSCOPES\tRATE LIMIT\tCREATED\tEXPIRES\tSTATUS")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, safeText(k.Partner), safeText(strings.Join(k.Scopes, ",")), rateLimit(k.RateLimit),
			k.CreatedAt.UTC().Format(time.RFC3339), timeOr(k.ExpiresAt, "never"), k.Status(now))
	}
	_ = tw.Flush()
}

// safeText is s for a terminal table: a value with anything but printable
// characters (a newline or tab that would forge rows or columns, escape
// sequences, invalid UTF-8; stored before such names were refused) is shown
// Go-quoted, escapes visible.
func safeText(s string) string {
	if !auth.Printable(s) {
		return strconv.Quote(s)
	}
	return s
}

func rateLimit(n int) string {
	if n == 0 {
		return fmt.Sprintf("default (%d/s)", auth.DefaultKeyRateLimit)
	}
	return fmt.Sprintf("%d/s", n)
}

func timeOr(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.UTC().Format(time.RFC3339)
}

// apiKeyJSON is a key as `--json` prints it: the admin API's ApiKey fields
// (and key, once, for a new key).
type apiKeyJSON struct {
	ID        string     `json:"id"`
	Key       string     `json:"key,omitempty"`
	Partner   string     `json:"partner"`
	Scopes    []string   `json:"scopes"`
	RateLimit *int       `json:"rateLimit"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt"`
	RevokedAt *time.Time `json:"revokedAt"`
	Status    string     `json:"status"`
}

func toJSON(k shopgraph.APIKeyRecord, key string, now time.Time) apiKeyJSON {
	out := apiKeyJSON{ID: k.ID, Key: key, Partner: k.Partner, Scopes: k.Scopes, CreatedAt: k.CreatedAt.UTC(),
		ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt, Status: string(k.Status(now))}
	if k.RateLimit > 0 {
		out.RateLimit = &k.RateLimit
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
