package dynamo_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	localddb "github.com/shopgraph/shopgraph/local/dynamodb"
	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

// These tests use the embedded DynamoDB's fault injection, which only the
// in-process server has.

// fastRetries makes the SDK retry transient errors at once (its default
// backoff would make a failure test take seconds).
func fastRetries(o *dynamodb.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = 3
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
	})
}

func withStats(ctx context.Context) (context.Context, *shopgraph.RequestStats) {
	var s shopgraph.RequestStats
	return shopgraph.NewContextWithRequestStats(ctx, &s), &s
}

func ops(s *shopgraph.RequestStats) map[string]int {
	_, by := s.Snapshot()
	return by
}

func TestStore_unprocessedKeysAreRetried(t *testing.T) {
	t.Parallel()
	target := dynamotest.Embedded(t)
	s := seedTarget(t, target, 30)
	dynamo.SetRetryPolicy(s.store, time.Millisecond, 5*time.Millisecond, dynamo.DefaultRetryAttempts)
	ctx := context.Background()

	// Every BatchGetItem processes only its first key and returns the rest
	// as UnprocessedKeys.
	onlyFirst := func(n int, _ attr.Item) bool { return n > 0 }
	defer target.Faults.Add(localddb.Fault{Table: target.Tables.Products, Unprocessed: onlyFirst})()
	defer target.Faults.Add(localddb.Fault{Table: target.Tables.Inventory, Unprocessed: onlyFirst})()

	keys := []shopgraph.ProductKey{s.cat.Products[0].Key(), s.cat.Products[1].Key(), s.cat.Products[2].Key(), s.cat.Products[3].Key(), s.cat.Products[1].Key()}
	sctx, stats := withStats(ctx)
	got, err := s.store.GetProducts(sctx, keys)
	if err != nil {
		t.Fatalf("GetProducts with unprocessed keys: %v", err)
	}
	if len(got) != 4 {
		t.Errorf("GetProducts returned %d products, want 4", len(got))
	}
	if by := ops(stats); by["BatchGetItem"] != 4 || len(by) != 1 {
		t.Errorf("GetProducts of 4 keys, one processed per request, made %v; want 4 BatchGetItem", by)
	}

	sctx, stats = withStats(ctx)
	inv, err := s.store.GetInventory(sctx, []string{s.cat.Products[0].ProductID}, []string{"DFW1", "FRA1", "IAD1"})
	if err != nil || len(inv) != 1 || len(inv[0].Warehouses) != 3 {
		t.Fatalf("GetInventory with unprocessed keys = %+v, %v", inv, err)
	}
	if by := ops(stats); by["BatchGetItem"] != 3 {
		t.Errorf("GetInventory of 3 keys made %v, want 3 BatchGetItem", by)
	}

	// More keys than attempts: it gives up with an internal error, not a
	// partial result.
	many := make([]shopgraph.ProductKey, 0, 12)
	for _, p := range s.cat.Products[:12] {
		many = append(many, p.Key())
	}
	sctx, stats = withStats(ctx)
	got, err = s.store.GetProducts(sctx, many)
	if err == nil || got != nil {
		t.Fatalf("GetProducts with 12 keys, 1 per request = %d products, %v; want an error after %d requests", len(got), err, dynamo.DefaultRetryAttempts)
	}
	if !strings.Contains(err.Error(), "batch get products") || !strings.Contains(err.Error(), "unprocessed") || shopgraph.CodeOf(err) != shopgraph.CodeInternal {
		t.Errorf("error %q: want an internal error naming the operation and the unprocessed keys", err)
	}
	if by := ops(stats); by["BatchGetItem"] != dynamo.DefaultRetryAttempts {
		t.Errorf("gave up after %v, want %d BatchGetItem", by, dynamo.DefaultRetryAttempts)
	}
}

func TestStore_unprocessedKeysHonourContext(t *testing.T) {
	t.Parallel()
	target := dynamotest.Embedded(t)
	s := seedTarget(t, target, 10)
	dynamo.SetRetryPolicy(s.store, time.Hour, time.Hour, 8) // would wait for ages
	target.Faults.Add(localddb.Fault{Table: target.Tables.Products, Unprocessed: func(n int, _ attr.Item) bool { return n > 0 }})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.store.GetProducts(ctx, []shopgraph.ProductKey{s.cat.Products[0].Key(), s.cat.Products[1].Key()})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("GetProducts error %v, want one wrapping context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("GetProducts returned after %v, long after its context ended", d)
	}
}

func TestStore_unprocessedItemsOnSeed(t *testing.T) {
	t.Parallel()
	target := dynamotest.Embedded(t)
	store := dynamotest.NewStore(t, target)
	dynamo.SetRetryPolicy(store, time.Millisecond, 5*time.Millisecond, dynamo.DefaultRetryAttempts)
	// Each BatchWriteItem leaves every other item of each table unprocessed.
	odd := func(n int, _ attr.Item) bool { return n%2 == 1 }
	for _, table := range target.Tables.All() {
		target.Faults.Add(localddb.Fault{Table: table, Unprocessed: odd})
	}
	s := index(store, seedCatalog(40))
	ctx, stats := withStats(context.Background())
	if err := store.Seed(ctx, s.cat, nil); err != nil {
		t.Fatalf("Seed with unprocessed items: %v", err)
	}
	items := len(s.cat.Warehouses) + len(s.cat.Categories) + len(s.cat.Products) + len(s.cat.Stock)
	if by := ops(stats); by["BatchWriteItem"] <= (items+24)/25 {
		t.Errorf("Seed made %v, want more than %d BatchWriteItem (retries)", by, (items+24)/25)
	}
	target.Faults.Clear()
	keys := make([]shopgraph.ProductKey, 0, len(s.cat.Products))
	for _, p := range s.cat.Products {
		keys = append(keys, p.Key())
	}
	got, err := store.GetProducts(context.Background(), keys)
	if err != nil || len(got) != len(s.cat.Products) {
		t.Fatalf("after seeding: %d products, %v; want %d", len(got), err, len(s.cat.Products))
	}
	ids := make([]string, 0, len(s.cat.Products))
	for _, p := range s.cat.Products {
		ids = append(ids, p.ProductID)
	}
	inv, err := store.GetInventory(context.Background(), ids, []string{"DFW1", "FRA1", "IAD1", "SEA1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range inv {
		if len(i.Warehouses) != 4 {
			t.Fatalf("after seeding, %s has %d stock levels, want 4", i.ProductID, len(i.Warehouses))
		}
	}
}

func TestStore_failuresAreReturnedAndNotCached(t *testing.T) {
	t.Parallel()
	target := dynamotest.Embedded(t)
	s := seedTarget(t, target, 20)
	// A store whose client retries transient errors without waiting.
	target.Client = target.NewClient(fastRetries)
	store := dynamotest.NewStore(t, target)
	ctx := context.Background()

	failing := target.Faults.Add(localddb.Fault{Error: "InternalServerError"})
	sctx, stats := withStats(ctx)
	whs, err := store.Warehouses(sctx)
	if err == nil || whs != nil {
		t.Fatalf("Warehouses during a failure = %v, %v; want an error", whs, err)
	}
	if !strings.Contains(err.Error(), "list warehouses") || !strings.Contains(err.Error(), "InternalServerError") || shopgraph.CodeOf(err) != shopgraph.CodeInternal {
		t.Errorf("error %q: want an internal error naming the operation and the cause", err)
	}
	// Every HTTP attempt counts, retries included.
	if by := ops(stats); by["Scan"] != 3 {
		t.Errorf("a failing Scan made %v, want 3 attempts counted", by)
	}
	if _, err := store.Categories(ctx); err == nil {
		t.Error("Categories during a failure: no error")
	}
	got, err := store.GetProducts(ctx, []shopgraph.ProductKey{s.cat.Products[0].Key()})
	if err == nil || got != nil || !strings.Contains(err.Error(), "batch get products") {
		t.Errorf("GetProducts during a failure = %v, %v; want a wrapped error and no map", got, err)
	}
	if _, err := store.GetInventory(ctx, []string{s.cat.Products[0].ProductID}, []string{"DFW1"}); err == nil || !strings.Contains(err.Error(), "batch get inventory") {
		t.Errorf("GetInventory during a failure: %v", err)
	}
	if _, err := store.ProductBySKU(ctx, s.cat.Products[0].ProductID); err == nil || shopgraph.IsCode(err, shopgraph.CodeNotFound) {
		t.Errorf("ProductBySKU during a failure: %v, want an internal error (not NotFound)", err)
	}
	if _, err := store.ListProducts(ctx, shopgraph.ListProductsInput{Category: s.cat.Categories[0].Name, Limit: 5}); err == nil || shopgraph.IsCode(err, shopgraph.CodeNotFound) {
		t.Errorf("ListProducts during a failure: %v, want an internal error", err)
	}

	// The failures were not cached: once DynamoDB recovers, so does the store.
	failing()
	whs, err = store.Warehouses(ctx)
	if err != nil || len(whs) != 4 {
		t.Errorf("Warehouses after recovery = %v, %v", whs, err)
	}
	cats, err := store.Categories(ctx)
	if err != nil || len(cats) != len(s.cat.Categories) {
		t.Errorf("Categories after recovery = %v, %v", cats, err)
	}
	// And a cached value survives a later failure until it expires.
	defer target.Faults.Add(localddb.Fault{Error: "InternalServerError"})()
	if whs, err := store.Warehouses(ctx); err != nil || len(whs) != 4 {
		t.Errorf("cached Warehouses during a failure = %v, %v", whs, err)
	}
}

func TestStore_cache(t *testing.T) {
	t.Parallel()
	target := dynamotest.Embedded(t)
	s := seedTarget(t, target, 20)
	ctx := context.Background()
	scans := func(f func(ctx context.Context)) int {
		sctx, stats := withStats(ctx)
		f(sctx)
		return ops(stats)["Scan"]
	}
	twice := func(store *dynamo.Store) func(ctx context.Context) {
		return func(ctx context.Context) {
			for range 2 {
				if _, err := store.Warehouses(ctx); err != nil {
					t.Fatal(err)
				}
				if _, err := store.Categories(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if n := scans(twice(s.store)); n != 2 {
		t.Errorf("cold cache, Warehouses and Categories twice: %d scans, want 2", n)
	}
	if n := scans(twice(s.store)); n != 0 {
		t.Errorf("warm cache: %d scans, want 0", n)
	}
	// Seed invalidates, and the new data shows at once.
	more := seedCatalog(25)
	if err := s.store.Seed(ctx, more, nil); err != nil {
		t.Fatal(err)
	}
	if n := scans(twice(s.store)); n != 2 {
		t.Errorf("after Seed: %d scans, want 2", n)
	}
	cats, _ := s.store.Categories(ctx)
	if cats[0] != more.Categories[0] {
		t.Errorf("after Seed, Categories()[0] = %+v, want %+v", cats[0], more.Categories[0])
	}

	// Negative TTL: no caching.
	uncached, err := dynamo.New(target.Client, dynamo.Options{Tables: target.Tables, CursorSecret: []byte(dynamotest.CursorSecret), CacheTTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	if n := scans(twice(uncached)); n != 4 {
		t.Errorf("CacheTTL < 0: %d scans, want 4", n)
	}
	// The TTL expires (on a test clock, so a slow machine cannot expire it
	// early).
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	short, err := dynamo.New(target.Client, dynamo.Options{Tables: target.Tables, CursorSecret: []byte(dynamotest.CursorSecret), CacheTTL: time.Minute, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	scans(twice(short))
	offset.Store(int64(time.Minute))
	if n := scans(twice(short)); n != 2 {
		t.Errorf("after the TTL: %d scans, want 2", n)
	}

	// Concurrent callers on a cold cache share one Scan.
	fresh := dynamotest.NewStore(t, target)
	sctx, stats := withStats(ctx)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if ws, err := fresh.Warehouses(sctx); err != nil || len(ws) != 4 {
				t.Errorf("concurrent Warehouses = %v, %v", ws, err)
			}
		})
	}
	wg.Wait()
	if n := ops(stats)["Scan"]; n != 1 {
		t.Errorf("20 concurrent Warehouses on a cold cache made %d scans, want 1", n)
	}
}

func TestNew_validatesOptions(t *testing.T) {
	client := dynamodb.New(dynamodb.Options{Region: "us-east-1"})
	for name, opts := range map[string]dynamo.Options{
		"short secret": {Tables: dynamo.TableNames("x-"), CursorSecret: []byte("too-short")},
		"no secret":    {Tables: dynamo.TableNames("x-")},
		"no tables":    {CursorSecret: []byte(dynamotest.CursorSecret)},
	} {
		if _, err := dynamo.New(client, opts); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	_, err := dynamo.New(client, dynamo.Options{Tables: dynamo.TableNames("x-"), CursorSecret: []byte("0123456789abcde")})
	if err == nil || !strings.Contains(err.Error(), "SHOPGRAPH_CURSOR_SECRET") {
		t.Errorf("a 15-byte secret: %v, want an error naming SHOPGRAPH_CURSOR_SECRET", err)
	}
	if _, err := dynamo.New(client, dynamo.Options{Tables: dynamo.TableNames(""), CursorSecret: []byte("0123456789abcdef")}); err != nil {
		t.Errorf("a 16-byte secret: %v", err)
	}
}

func TestTableNames(t *testing.T) {
	got := dynamo.TableNames("dev-")
	want := dynamo.Tables{Products: "dev-Products", Inventory: "dev-Inventory", Warehouses: "dev-Warehouses", Categories: "dev-Categories", APIKeys: "dev-ApiKeys", Carts: "dev-Carts", Orders: "dev-Orders"}
	if got != want {
		t.Errorf("TableNames = %+v, want %+v", got, want)
	}
}

func TestCreateTables_embedded(t *testing.T) {
	t.Parallel()
	target := dynamotest.Embedded(t) // creates test-* tables
	ctx := context.Background()
	tables := dynamo.TableNames("other-")
	created, added, err := dynamo.CreateTables(ctx, target.Client, tables)
	if err != nil || !slices.Equal(created, tables.All()) || len(created) != 7 || len(added) != 0 {
		t.Fatalf("CreateTables on an empty prefix = %v, %v; want all seven created, in Tables.All order", created, err)
	}
	created, added, err = dynamo.CreateTables(ctx, target.Client, tables)
	if err != nil || len(created) != 0 || len(added) != 0 {
		t.Fatalf("CreateTables again = %v, %v; want nothing created", created, err)
	}
	// A table that exists with another key schema is reported.
	clash := tables
	clash.Products = tables.Inventory
	if _, _, err := dynamo.CreateTables(ctx, target.Client, clash); err == nil || !strings.Contains(err.Error(), "key schema") {
		t.Errorf("CreateTables with Products named like an existing Inventory table: %v, want a key schema error", err)
	}
	clash = tables
	clash.Carts = tables.Inventory
	if _, _, err := dynamo.CreateTables(ctx, target.Client, clash); err == nil || !strings.Contains(err.Error(), "key schema") || !strings.Contains(err.Error(), "ownerId") {
		t.Errorf("CreateTables with Carts named like an existing Inventory table: %v, want a key schema error naming ownerId", err)
	}
	clash = tables
	clash.APIKeys = tables.Warehouses
	if _, _, err := dynamo.CreateTables(ctx, target.Client, clash); err == nil || !strings.Contains(err.Error(), "key schema") || !strings.Contains(err.Error(), "keyId") {
		t.Errorf("CreateTables with ApiKeys named like an existing Warehouses table: %v, want a key schema error naming keyId", err)
	}
	// A table name left empty is reported before any request.
	noKeys := tables
	noKeys.APIKeys = ""
	if _, _, err := dynamo.CreateTables(ctx, target.Client, noKeys); err == nil || !strings.Contains(err.Error(), "ApiKeys") {
		t.Errorf("CreateTables without an ApiKeys name: %v, want an error naming ApiKeys", err)
	}
	noCarts := tables
	noCarts.Carts = ""
	if _, _, err := dynamo.CreateTables(ctx, target.Client, noCarts); err == nil || !strings.Contains(err.Error(), "Carts") {
		t.Errorf("CreateTables without a Carts name: %v, want an error naming Carts", err)
	}
	noOrders := tables
	noOrders.Orders = ""
	if _, _, err := dynamo.CreateTables(ctx, target.Client, noOrders); err == nil || !strings.Contains(err.Error(), "Orders") {
		t.Errorf("CreateTables without an Orders name: %v, want an error naming Orders", err)
	}
	// Request accounting sees CreateTables' calls too.
	sctx, stats := withStats(ctx)
	if _, _, err := dynamo.CreateTables(sctx, target.Client, dynamo.TableNames("third-")); err != nil {
		t.Fatal(err)
	}
	if by := ops(stats); by["DescribeTable"] != 7 || by["CreateTable"] != 7 {
		t.Errorf("CreateTables of 7 new tables made %v, want 7 DescribeTable and 7 CreateTable", by)
	}
}

func TestCountRequests_idempotent(t *testing.T) {
	t.Parallel()
	target := dynamotest.Embedded(t)
	// A client that adds the middleware again must count once, not twice or
	// fail.
	c := target.NewClient(func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, dynamo.CountRequests) })
	ctx, stats := withStats(context.Background())
	if _, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(target.Tables.Products)}); err != nil {
		t.Fatal(err)
	}
	if by := ops(stats); by["DescribeTable"] != 1 {
		t.Errorf("counted %v, want 1 DescribeTable", by)
	}
	// No stats in the context: nothing to count, nothing fails.
	if _, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(target.Tables.Products)}); err != nil {
		t.Fatal(err)
	}
}
