// Package dynamo implements shopgraph's catalog, inventory, partner API key
// and cart stores on Amazon DynamoDB with aws-sdk-go-v2: table definitions
// (CreateTables), key builders and item ↔ domain converters, batched reads
// (BatchGetItem in chunks of 100, UnprocessedKeys retried with capped,
// jittered backoff), category paging with tamper-evident cursors, cached
// warehouse and category lists, seeding (BatchWriteItem), API keys
// (conditional PutItem and UpdateItem, see apikeys.go), carts (conditional
// UpdateItem, consistent Query, see carts.go), and request
// accounting middleware (CountRequests) for the SDK client (NewClient).
//
// The same code runs against AWS DynamoDB, DynamoDB Local and the embedded
// DynamoDB (local/dynamodb): only the client's endpoint differs. The package imports the
// root package, the AWS SDK and golang.org/x/sync only; the composition root (app/) wires it.
//
// Tables (names carry a configurable prefix, see TableNames):
//
//	Products    PK category (S), SK productId (S); GSI bySku: productId (S), projection ALL
//	Inventory   PK productId (S), SK warehouse (S); available, reserved, version (N)
//	Warehouses  PK code (S); name, region
//	Categories  PK name (S); productCount (N)
//	ApiKeys     PK keyId (S); partner, scopes (L), rateLimit (N), secretHash (B),
//	            createdAt, expiresAt, revokedAt
//	Carts       PK ownerId (S), SK productId (S); category, quantity (N),
//	            createdAt, updatedAt
//
// Errors are wrapped with the operation and ids. Where the meaning is known
// they carry a *shopgraph.Error code: NotFound (no product with a SKU,
// unknown category, no API key), Conflict (an API key id taken) and
// BadRequest (page size, nextToken, an API key that cannot be stored, a
// cart change the cart rules refuse).
// Everything else (DynamoDB errors, exhausted retries) is an internal error
// whose details are for logs only.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopgraph/shopgraph"
)

// API is the part of the DynamoDB client the stores use. *dynamodb.Client
// satisfies it; tests may wrap it.
type API interface {
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	UpdateTable(ctx context.Context, in *dynamodb.UpdateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateTableOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

var (
	_ shopgraph.CatalogStore   = (*Store)(nil)
	_ shopgraph.InventoryStore = (*Store)(nil)
)

// DefaultCacheTTL is how long Categories and Warehouses are cached when
// Options.CacheTTL is 0.
const DefaultCacheTTL = time.Minute

// MinCursorSecret is the shortest accepted Options.CursorSecret, in bytes.
const MinCursorSecret = 16

// Options configure a Store.
type Options struct {
	// Tables names the tables (see TableNames). Required.
	Tables Tables
	// CursorSecret signs nextTokens (HMAC-SHA256); at least MinCursorSecret
	// bytes, and the same on every instance behind one endpoint, or a token
	// issued by one is rejected by another. Set from
	// SHOPGRAPH_CURSOR_SECRET.
	CursorSecret []byte
	// CacheTTL is how long Categories and Warehouses are cached: 0 means
	// DefaultCacheTTL, a negative value disables caching.
	CacheTTL time.Duration
	// Now is the caches' clock and the carts' (the lines' timestamps); nil
	// means time.Now.
	Now func() time.Time
}

// Store is the DynamoDB catalog, inventory, API key and cart store. It is
// safe for concurrent use. Build it with New.
type Store struct {
	api     API
	tables  Tables
	secret  []byte
	backoff backoff
	now     func() time.Time // the carts' timestamps

	categories *cache[[]shopgraph.Category]
	warehouses *cache[[]shopgraph.Warehouse]
}

// New returns a Store reading and writing the tables named in opts through
// api. It fails when a table name is missing or the cursor secret is shorter
// than MinCursorSecret bytes. It makes no request: see CreateTables.
func New(api API, opts Options) (*Store, error) {
	if api == nil {
		return nil, errors.New("dynamo: New needs a DynamoDB client")
	}
	if missing := opts.Tables.missing(); len(missing) > 0 {
		return nil, fmt.Errorf("dynamo: Options.Tables lacks the %s table name (use dynamo.TableNames)", strings.Join(missing, ", "))
	}
	if len(opts.CursorSecret) < MinCursorSecret {
		return nil, fmt.Errorf("SHOPGRAPH_CURSOR_SECRET (the nextToken signing key) must be at least %d bytes, got %d", MinCursorSecret, len(opts.CursorSecret))
	}
	ttl := opts.CacheTTL
	if ttl == 0 {
		ttl = DefaultCacheTTL
	}
	s := &Store{
		api:     api,
		tables:  opts.Tables,
		secret:  slices.Clone(opts.CursorSecret),
		backoff: defaultBackoff(),
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s.now = now
	s.categories = newCache(ttl, now, s.scanCategories)
	s.warehouses = newCache(ttl, now, s.scanWarehouses)
	return s, nil
}

// backoff is the retry policy for UnprocessedKeys and UnprocessedItems:
// capped exponential backoff with full jitter, as computed by the SDK's
// retry.ExponentialJitterBackoff. Build it with newBackoff.
type backoff struct {
	base     time.Duration        // the longest wait before the first retry
	jitter   retry.BackoffDelayer // counts in units of base (see newBackoff)
	attempts int                  // requests per batch, including the first
}

// newBackoff returns the policy that waits a random duration below base·2^n
// before retry number n (0 for the first retry), or cap once base·2^n would
// exceed cap, and gives up after attempts requests.
// ExponentialJitterBackoff counts in seconds (a random fraction of 2^n s, or
// its maximum once 2^n s would exceed it), so it is given cap in units of
// base, and its delays are scaled back by base.
func newBackoff(base, cap time.Duration, attempts int) backoff {
	return backoff{
		base:     base,
		jitter:   retry.NewExponentialJitterBackoff(time.Duration(float64(cap) / float64(base) * float64(time.Second))),
		attempts: attempts,
	}
}

// defaultBackoff: 20 ms doubling to at most 1 s, 8 requests in all (at most
// about 2.3 s of waiting).
func defaultBackoff() backoff {
	return newBackoff(20*time.Millisecond, time.Second, 8)
}

// delay returns how long to wait before retry number n (0 for the first
// retry).
func (b backoff) delay(n int) (time.Duration, error) {
	d, err := b.jitter.BackoffDelay(n, nil)
	if err != nil {
		return 0, fmt.Errorf("backoff delay: %w", err)
	}
	return time.Duration(d.Seconds() * float64(b.base)), nil
}

// wait sleeps for b.delay(n). It returns ctx's error if ctx ends first.
func (b backoff) wait(ctx context.Context, n int) error {
	d, err := b.delay(n)
	if err != nil {
		return err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
