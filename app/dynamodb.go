package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/local"
	localddb "github.com/shopgraph/shopgraph/local/dynamodb"
	"github.com/shopgraph/shopgraph/seed"
)

// DynamoDBConfig says which DynamoDB the application talks to. The same SDK
// client runs either way; only the endpoint differs.
type DynamoDBConfig struct {
	// Embedded starts the embedded-default DynamoDB in the process (on a
	// loopback port) and creates the tables in it that do not exist yet.
	// Endpoint and AWS are then ignored.
	Embedded bool
	// DataDir is where the embedded DynamoDB keeps its data, durably
	// (SHOPGRAPH_DATA_DIR); empty means a temporary store removed at Close
	// (tests). One process at a time may use it.
	DataDir string
	// Reset deletes the embedded DynamoDB's tables (and everything in
	// them) before creating them again: `serve --reseed`.
	Reset bool
	// Endpoint is the DynamoDB endpoint URL (DynamoDB Local, an emulator);
	// empty means AWS's regional endpoint.
	Endpoint string
	// AWS is the SDK configuration (region, credentials) for a configured
	// DynamoDB. For the embedded one, only its Region is used.
	AWS aws.Config
	// Tables names the tables (dynamo.TableNames of the table prefix).
	Tables dynamo.Tables
	// ClientOptions tune the SDK client (tests wrap its HTTP client).
	ClientOptions []func(*dynamodb.Options)
}

// DynamoDB is an open DynamoDB: the client every store uses, where it is,
// and the table names.
type DynamoDB struct {
	Client   *dynamodb.Client
	Endpoint string // "" for AWS's regional endpoint
	// AWS is the client configuration: for the embedded DynamoDB, which
	// verifies SigV4, its per-start credentials (recorded for `apikey`).
	AWS aws.Config
	// Credentials are the embedded DynamoDB's (zero for a configured one).
	Credentials aws.Credentials
	Embedded    bool
	Tables      dynamo.Tables
	// Opened is how long the embedded DynamoDB took to open its data.
	Opened  time.Duration
	dataDir string // the embedded DynamoDB's; "" otherwise
	close   func(context.Context) error
}

// seededMarker is the file, in the embedded DynamoDB's data directory, that
// says the demo catalog was seeded completely (a seed cut short by Ctrl-C
// leaves tables that are not empty but not whole either).
const seededMarker = "catalog-seeded"

// seedOnce seeds the demo catalog into an empty Products table. On the
// embedded DynamoDB it also starts over when an earlier seeding did not
// finish, and records when one has.
func (a *App) seedOnce(ctx context.Context, products int, log *slog.Logger) error {
	d := a.DynamoDB
	empty, err := d.Empty(ctx)
	if err != nil {
		return err
	}
	marker := ""
	if d.dataDir != "" {
		marker = filepath.Join(d.dataDir, seededMarker)
	}
	if _, statErr := os.Stat(marker); !empty && marker != "" && errors.Is(statErr, fs.ErrNotExist) {
		log.Warn("the catalog's seeding did not finish last time: seeding again", "data_dir", d.dataDir)
		if err := d.reset(ctx); err != nil {
			return err
		}
		empty = true
	}
	if !empty {
		log.Info("catalog already stored: not seeding (serve --reseed starts over)", "products_table", d.Tables.Products)
		return nil
	}
	if a.Catalog, err = Seed(ctx, a.Store, products, log); err != nil {
		return err
	}
	if marker != "" {
		if err := os.WriteFile(marker, []byte(strconv.Itoa(products)+" products\n"), 0o600); err != nil {
			return fmt.Errorf("record the finished seeding in SHOPGRAPH_DATA_DIR: %w", err)
		}
	}
	return nil
}

// createTables creates the embedded DynamoDB's tables that do not exist.
func (d *DynamoDB) createTables(ctx context.Context) error {
	if _, _, err := dynamo.CreateTables(ctx, d.Client, d.Tables); err != nil {
		return fmt.Errorf("create tables in the embedded DynamoDB: %w", err)
	}
	return nil
}

// reset starts the embedded DynamoDB over (--reseed, or a seeding that did
// not finish): it forgets the finished seeding first, so that a reset cut
// short is redone at the next start, then deletes the tables and creates
// them empty.
func (d *DynamoDB) reset(ctx context.Context) error {
	if d.dataDir != "" {
		if err := os.Remove(filepath.Join(d.dataDir, seededMarker)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("reset the embedded DynamoDB: %w", err)
		}
	}
	if err := deleteTables(ctx, d.Client, d.Tables); err != nil {
		return err
	}
	return d.createTables(ctx)
}

// OpenDynamoDB connects to the configured DynamoDB, or starts the embedded
// one (and creates its tables). Close releases it.
func OpenDynamoDB(ctx context.Context, cfg DynamoDBConfig) (*DynamoDB, error) {
	if !cfg.Embedded {
		return &DynamoDB{
			Client:   dynamo.NewClient(cfg.AWS, cfg.Endpoint, cfg.ClientOptions...),
			Endpoint: cfg.Endpoint,
			AWS:      cfg.AWS,
			Tables:   cfg.Tables,
			close:    func(context.Context) error { return nil },
		}, nil
	}
	emb, err := local.StartDynamoDBWith(ctx, local.DynamoDBOptions{Dir: cfg.DataDir})
	if locked, ok := errors.AsType[*localddb.LockedError](err); ok {
		return nil, fmt.Errorf("SHOPGRAPH_DATA_DIR %s is in use by process %d (another shopgraph serve?): stop it, or give this server another SHOPGRAPH_DATA_DIR", locked.Dir, locked.PID)
	}
	if err != nil {
		return nil, fmt.Errorf("start the embedded DynamoDB in SHOPGRAPH_DATA_DIR %q: %w", cfg.DataDir, err)
	}
	opts := append([]func(*dynamodb.Options){func(o *dynamodb.Options) { o.HTTPClient = emb.HTTPClient() }}, cfg.ClientOptions...)
	d := &DynamoDB{
		Client:      dynamo.NewClient(emb.AWSConfig(cfg.AWS.Region), emb.Endpoint, opts...),
		AWS:         emb.AWSConfig(cfg.AWS.Region),
		Credentials: emb.Credentials,
		Endpoint:    emb.Endpoint,
		Embedded:    true,
		Tables:      cfg.Tables,
		Opened:      emb.Opened,
		close:       emb.Close,
	}
	d.dataDir = cfg.DataDir
	if cfg.Reset {
		err = d.reset(ctx)
	} else {
		err = d.createTables(ctx)
	}
	if err != nil {
		_ = d.Close(context.Background())
		return nil, err
	}
	return d, nil
}

// Close stops the embedded DynamoDB (waiting, as long as ctx allows, for
// requests in flight); for a configured one it does nothing.
func (d *DynamoDB) Close(ctx context.Context) error { return d.close(ctx) }

// Store returns the store over d's tables. A nil cursorSecret is replaced
// by a random one, for commands that never page (seed, apikey) and for the
// embedded default, whose tokens need not outlive the process.
func (d *DynamoDB) Store(cursorSecret []byte, cacheTTL time.Duration, now func() time.Time) (*dynamo.Store, error) {
	if cursorSecret == nil {
		cursorSecret = make([]byte, 32)
		_, _ = rand.Read(cursorSecret)
	}
	return dynamo.New(d.Client, dynamo.Options{Tables: d.Tables, CursorSecret: cursorSecret, CacheTTL: cacheTTL, Now: now})
}

// Ready checks that DynamoDB answers and the Products table exists (the
// server's /readyz).
func (d *DynamoDB) Ready(ctx context.Context) error {
	_, err := d.Client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(d.Tables.Products)})
	return err
}

// deleteTables deletes the tables that exist (the embedded default's
// --reseed).
func deleteTables(ctx context.Context, c *dynamodb.Client, t dynamo.Tables) error {
	for _, name := range t.All() {
		_, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		if _, missing := errors.AsType[*types.ResourceNotFoundException](err); err != nil && !missing {
			return fmt.Errorf("delete table %s: %w", name, err)
		}
	}
	return nil
}

// Empty reports whether the Products table holds no item (one Scan of at
// most one item).
func (d *DynamoDB) Empty(ctx context.Context) (bool, error) {
	out, err := d.Client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(d.Tables.Products), Limit: aws.Int32(1), Select: types.SelectCount})
	if err != nil {
		return false, fmt.Errorf("check whether table %s is empty: %w", d.Tables.Products, err)
	}
	return out.ScannedCount == 0, nil
}

// Seed generates the deterministic demo catalog of n products and writes it
// to store, logging progress every 2 s.
func Seed(ctx context.Context, store *dynamo.Store, n int, log *slog.Logger) (shopgraph.CatalogSnapshot, error) {
	c := seed.Generate(seed.Options{Products: n})
	start, last := time.Now(), time.Now()
	err := store.Seed(ctx, c, func(done, total int) {
		if time.Since(last) >= 2*time.Second {
			last = time.Now()
			log.Info("seeding", "items", done, "of", total)
		}
	})
	if err != nil {
		return c, fmt.Errorf("seed catalog: %w", err)
	}
	log.Info("seeded catalog", "products", len(c.Products), "categories", len(c.Categories),
		"warehouses", len(c.Warehouses), "stock_records", len(c.Stock), "took", time.Since(start).Round(time.Millisecond))
	return c, nil
}
