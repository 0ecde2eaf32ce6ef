package dynamo_test

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/seed"
)

func TestCatalogWrite_embedded(t *testing.T) {
	t.Parallel()
	runCatalogWrite(t, dynamotest.Embedded(t))
}

func TestCatalogWrite_dynamoDBLocal(t *testing.T) {
	t.Parallel()
	runCatalogWrite(t, dynamotest.DynamoDBLocal(t))
}

func TestCatalogScan_embedded(t *testing.T) {
	t.Parallel()
	runCatalogScan(t, dynamotest.Embedded(t))
}

func TestCatalogScan_dynamoDBLocal(t *testing.T) {
	t.Parallel()
	runCatalogScan(t, dynamotest.DynamoDBLocal(t))
}

// categoryCounts returns the store's categories as name → product count.
func categoryCounts(t *testing.T, store *dynamo.Store) map[string]int {
	t.Helper()
	cats, err := store.Categories(context.Background())
	if err != nil {
		t.Fatalf("Categories: %v", err)
	}
	out := make(map[string]int, len(cats))
	for _, c := range cats {
		out[c.Name] = c.ProductCount
	}
	return out
}

// getProduct reads one product with GetProducts; ok is false when absent.
func getProduct(t *testing.T, store *dynamo.Store, key shopgraph.ProductKey) (shopgraph.Product, bool) {
	t.Helper()
	got, err := store.GetProducts(context.Background(), []shopgraph.ProductKey{key})
	if err != nil {
		t.Fatalf("GetProducts(%v): %v", key, err)
	}
	p, ok := got[key]
	return p, ok
}

func wantCounts(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: category counts = %v, want %v", what, got, want)
	}
}

func runCatalogWrite(t *testing.T, target dynamotest.Target) {
	ctx := context.Background()
	s := seedTarget(t, target, 40)
	store := s.store
	counts := categoryCounts(t, store)
	for _, c := range s.cat.Categories {
		if counts[c.Name] != c.ProductCount {
			t.Fatalf("seeded counts = %v, want those of %+v", counts, s.cat.Categories)
		}
	}
	existing := s.cat.Products[0]
	other := s.cat.Products[1]
	for _, p := range s.cat.Products[1:] {
		if p.Category != existing.Category {
			other = p
			break
		}
	}
	if other.Category == existing.Category {
		t.Fatal("the seeded catalog has one category only")
	}
	at := time.Date(2026, 3, 4, 5, 6, 7, 8, time.FixedZone("x", 3600))

	t.Run("create", func(t *testing.T) {
		p := shopgraph.Product{
			Category: existing.Category, ProductID: "NEW-000001", Name: "New thing", Brand: "Acme",
			Price:      shopgraph.Money{Amount: 1999, Currency: "EUR"},
			Attributes: map[string]any{"weight": 2, "colour": "red"}, Images: []string{"a.png"},
			CreatedAt: at, UpdatedAt: at,
		}
		stored, created, err := store.PutProduct(ctx, p)
		if err != nil || !created {
			t.Fatalf("PutProduct(new) = %v, %v; want created", created, err)
		}
		got, ok := getProduct(t, store, p.Key())
		if !ok || !reflect.DeepEqual(got, stored) {
			t.Errorf("GetProducts after create = %#v, %v;\nwant the stored %#v", got, ok, stored)
		}
		if stored.Attributes["weight"] != float64(2) || !stored.CreatedAt.Equal(at) || stored.CreatedAt.Location() != time.UTC || stored.Name != p.Name {
			t.Errorf("stored = %#v; want p as read back (float64 numbers, UTC times)", stored)
		}
		want := maps.Clone(counts)
		want[p.Category]++
		wantCounts(t, "after create", categoryCounts(t, store), want)
		counts = want
	})

	t.Run("create in a new category", func(t *testing.T) {
		p := shopgraph.Product{Category: "brand-new", ProductID: "NEW-000002", Name: "Odd one",
			Price: shopgraph.Money{Amount: 5, Currency: "USD"}, CreatedAt: at, UpdatedAt: at}
		if _, ok := counts[p.Category]; ok {
			t.Fatalf("category %s exists already", p.Category)
		}
		_, created, err := store.PutProduct(ctx, p)
		if err != nil || !created {
			t.Fatalf("PutProduct(new category) = %v, %v; want created", created, err)
		}
		want := maps.Clone(counts)
		want[p.Category] = 1
		wantCounts(t, "after create in a new category", categoryCounts(t, store), want)
		counts = want
		page, err := store.ListProducts(ctx, shopgraph.ListProductsInput{Category: p.Category, Limit: 10})
		if err != nil || len(page.Items) != 1 || page.Items[0].ProductID != p.ProductID {
			t.Errorf("ListProducts(%s) = %+v, %v; want the one product", p.Category, page, err)
		}
	})

	t.Run("replace", func(t *testing.T) {
		p := existing
		p.Name, p.Price.Amount, p.CreatedAt, p.UpdatedAt = "Renamed", existing.Price.Amount+100, time.Time{}, at
		stored, created, err := store.PutProduct(ctx, p)
		if err != nil || created {
			t.Fatalf("PutProduct(replace) = %v, %v; want replaced", created, err)
		}
		if !stored.CreatedAt.Equal(existing.CreatedAt) || existing.CreatedAt.IsZero() {
			t.Errorf("replaced CreatedAt = %v, want the old %v kept", stored.CreatedAt, existing.CreatedAt)
		}
		got, _ := getProduct(t, store, p.Key())
		if !reflect.DeepEqual(got, stored) || got.Name != "Renamed" || got.Price.Amount != p.Price.Amount || !got.UpdatedAt.Equal(at) {
			t.Errorf("GetProducts after replace = %#v;\nwant %#v", got, stored)
		}
		wantCounts(t, "after replace", categoryCounts(t, store), counts)

		// A CreatedAt given is stored as given.
		p.CreatedAt = at
		stored, created, err = store.PutProduct(ctx, p)
		if err != nil || created || !stored.CreatedAt.Equal(at) {
			t.Errorf("PutProduct(replace with CreatedAt) = %v, %v, %v; want replaced with CreatedAt %v", stored.CreatedAt, created, err, at)
		}
		if got, _ := getProduct(t, store, p.Key()); !got.CreatedAt.Equal(at) {
			t.Errorf("stored CreatedAt = %v, want %v", got.CreatedAt, at)
		}
		wantCounts(t, "after second replace", categoryCounts(t, store), counts)
	})

	t.Run("SKU in another category", func(t *testing.T) {
		before, _ := getProduct(t, store, other.Key())
		p := before
		p.Category, p.Name = existing.Category, "Moved"
		_, _, err := store.PutProduct(ctx, p)
		if shopgraph.CodeOf(err) != shopgraph.CodeConflict || !strings.Contains(err.Error(), other.Category) {
			t.Fatalf("PutProduct(SKU of %s into %s) = %v; want a Conflict naming %s", other.Category, p.Category, err, other.Category)
		}
		if _, ok := getProduct(t, store, p.Key()); ok {
			t.Error("the conflicting product was written")
		}
		if after, _ := getProduct(t, store, other.Key()); !reflect.DeepEqual(after, before) {
			t.Errorf("the original changed: %#v, was %#v", after, before)
		}
		wantCounts(t, "after conflict", categoryCounts(t, store), counts)
	})

	t.Run("invalid key", func(t *testing.T) {
		for _, p := range []shopgraph.Product{{Category: "", ProductID: "X"}, {Category: "c", ProductID: ""}, {Category: "c", ProductID: strings.Repeat("x", 1025)}} {
			if _, _, err := store.PutProduct(ctx, p); shopgraph.CodeOf(err) != shopgraph.CodeBadRequest {
				t.Errorf("PutProduct(%.20q in %q) = %v; want BadRequest", p.ProductID, p.Category, err)
			}
		}
		wantCounts(t, "after invalid keys", categoryCounts(t, store), counts)
	})

	t.Run("delete", func(t *testing.T) {
		before, ok := getProduct(t, store, other.Key())
		if !ok {
			t.Fatal("product to delete is missing")
		}
		got, err := store.DeleteProduct(ctx, other.Key())
		if err != nil || !reflect.DeepEqual(got, before) {
			t.Fatalf("DeleteProduct = %#v, %v;\nwant %#v", got, err, before)
		}
		if _, ok := getProduct(t, store, other.Key()); ok {
			t.Error("the deleted product is still there")
		}
		want := maps.Clone(counts)
		want[other.Category]--
		wantCounts(t, "after delete", categoryCounts(t, store), want)
		counts = want
		// Its stock records are kept.
		if len(s.stock[other.ProductID]) == 0 {
			t.Fatalf("product %s has no seeded stock", other.ProductID)
		}
		inv, err := store.GetInventory(ctx, []string{other.ProductID}, []string{s.stock[other.ProductID][0].Warehouse})
		if err != nil || len(inv) != 1 || len(inv[0].Warehouses) != 1 {
			t.Errorf("GetInventory of the deleted product = %+v, %v; want its stock kept", inv, err)
		}
		// The SKU is free again: it can go into another category.
		moved := before
		moved.Category = existing.Category
		if _, created, err := store.PutProduct(ctx, moved); err != nil || !created {
			t.Errorf("PutProduct(deleted SKU into %s) = %v, %v; want created", moved.Category, created, err)
		}
		want = maps.Clone(counts)
		want[moved.Category]++
		wantCounts(t, "after moving the SKU", categoryCounts(t, store), want)
		counts = want
	})

	t.Run("delete to zero", func(t *testing.T) {
		if _, err := store.DeleteProduct(ctx, shopgraph.ProductKey{Category: "brand-new", ProductID: "NEW-000002"}); err != nil {
			t.Fatalf("DeleteProduct: %v", err)
		}
		want := maps.Clone(counts)
		want["brand-new"] = 0 // kept, with no products
		wantCounts(t, "after deleting a category's last product", categoryCounts(t, store), want)
		counts = want
	})

	t.Run("delete missing", func(t *testing.T) {
		for _, k := range []shopgraph.ProductKey{
			other.Key(), // deleted above
			{Category: existing.Category, ProductID: "NO-SUCH"},
			{Category: "no-such-category", ProductID: existing.ProductID},
			{Category: "", ProductID: "X"},
		} {
			if _, err := store.DeleteProduct(ctx, k); shopgraph.CodeOf(err) != shopgraph.CodeNotFound {
				t.Errorf("DeleteProduct(%v) = %v; want NotFound", k, err)
			}
		}
		wantCounts(t, "after deleting missing products", categoryCounts(t, store), counts)
	})

	t.Run("delete without a category entry", func(t *testing.T) {
		// A product seeded without its category: deleting it counts nothing.
		p := shopgraph.Product{Category: "uncounted", ProductID: "UNC-1", Name: "x", Price: shopgraph.Money{Amount: 1, Currency: "USD"}}
		if err := store.Seed(ctx, shopgraph.CatalogSnapshot{Products: []shopgraph.Product{p}}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := store.DeleteProduct(ctx, p.Key()); err != nil {
			t.Fatalf("DeleteProduct: %v", err)
		}
		if _, ok := getProduct(t, store, p.Key()); ok {
			t.Error("the product is still there")
		}
		wantCounts(t, "after deleting an uncounted product", categoryCounts(t, store), counts)
	})

	t.Run("concurrent creates count once", func(t *testing.T) {
		p := shopgraph.Product{Category: existing.Category, ProductID: "RACE-1", Name: "Race",
			Price: shopgraph.Money{Amount: 1, Currency: "USD"}, CreatedAt: at, UpdatedAt: at}
		const n = 6
		var wg sync.WaitGroup
		var createdN atomic.Int32
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, created, err := store.PutProduct(ctx, p)
				errs[i] = err
				if created {
					createdN.Add(1)
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("concurrent PutProduct: %v", err)
		}
		if createdN.Load() != 1 {
			t.Errorf("%d of %d concurrent puts created the product, want 1", createdN.Load(), n)
		}
		want := maps.Clone(counts)
		want[p.Category]++
		wantCounts(t, "after concurrent creates", categoryCounts(t, store), want)
		counts = want

		// Concurrent deletes: one deletes, the others find nothing.
		var deleted atomic.Int32
		for i := range n {
			wg.Go(func() {
				_, err := store.DeleteProduct(ctx, p.Key())
				switch shopgraph.CodeOf(err) {
				case "":
					deleted.Add(1)
				case shopgraph.CodeNotFound:
				default:
					errs[i] = err
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil || deleted.Load() != 1 {
			t.Errorf("concurrent DeleteProduct: %d deleted, errors %v; want 1 deleted, the others NotFound", deleted.Load(), err)
		}
		want = maps.Clone(counts)
		want[p.Category]--
		wantCounts(t, "after concurrent deletes", categoryCounts(t, store), want)
	})
}

// scanRecorder wraps the client: it cuts every Scan page to 3 items (so the
// segments paginate) and records the segments scanned.
type scanRecorder struct {
	dynamo.API
	mu       sync.Mutex
	segments map[string]map[int32]int // table → segment → pages
	total    []int32
}

func (r *scanRecorder) Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	c := *in
	c.Limit = aws.Int32(3)
	r.mu.Lock()
	if r.segments == nil {
		r.segments = map[string]map[int32]int{}
	}
	table := aws.ToString(in.TableName)
	if r.segments[table] == nil {
		r.segments[table] = map[int32]int{}
	}
	r.segments[table][aws.ToInt32(in.Segment)]++
	r.total = append(r.total, aws.ToInt32(in.TotalSegments))
	r.mu.Unlock()
	return r.API.Scan(ctx, &c, optFns...)
}

func runCatalogScan(t *testing.T, target dynamotest.Target) {
	ctx := context.Background()
	cat := seed.Generate(seed.Options{Products: 40})
	rec := &scanRecorder{API: target.Client}
	store, err := dynamo.New(rec, dynamo.Options{Tables: target.Tables, CursorSecret: []byte(dynamotest.CursorSecret)})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Seed(ctx, cat, nil); err != nil {
		t.Fatalf("seed: %v", err)
	}

	// serial checks that each is never called concurrently.
	var inEach atomic.Int32
	serial := func() {
		if inEach.Add(1) != 1 {
			t.Error("each called concurrently")
		}
		time.Sleep(50 * time.Microsecond)
		inEach.Add(-1)
	}

	t.Run("ScanProducts", func(t *testing.T) {
		var got []shopgraph.Product
		if err := store.ScanProducts(ctx, func(p shopgraph.Product) error {
			serial()
			got = append(got, p)
			return nil
		}); err != nil {
			t.Fatalf("ScanProducts: %v", err)
		}
		byKey := func(a, b shopgraph.Product) int {
			return cmp.Or(strings.Compare(a.Category, b.Category), strings.Compare(a.ProductID, b.ProductID))
		}
		want := slices.Clone(cat.Products)
		slices.SortFunc(want, byKey)
		slices.SortFunc(got, byKey)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ScanProducts yielded %d products, want the %d seeded", len(got), len(want))
			for i := range min(len(got), len(want)) {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("first difference:\n got %#v\nwant %#v", got[i], want[i])
					break
				}
			}
		}
	})

	t.Run("ScanStock", func(t *testing.T) {
		var got []shopgraph.StockLevel
		if err := store.ScanStock(ctx, func(l shopgraph.StockLevel) error {
			serial()
			got = append(got, l)
			return nil
		}); err != nil {
			t.Fatalf("ScanStock: %v", err)
		}
		byKey := func(a, b shopgraph.StockLevel) int {
			return cmp.Or(strings.Compare(a.ProductID, b.ProductID), strings.Compare(a.Warehouse, b.Warehouse))
		}
		want := slices.Clone(cat.Stock)
		slices.SortFunc(want, byKey)
		slices.SortFunc(got, byKey)
		if len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("ScanStock yielded %d levels, want the %d seeded", len(got), len(want))
		}
	})

	t.Run("segments", func(t *testing.T) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		for _, table := range []string{target.Tables.Products, target.Tables.Inventory} {
			segs := rec.segments[table]
			if len(segs) != 4 {
				t.Errorf("%s: scanned segments %v, want 4", table, segs)
			}
			pages := 0
			for _, n := range segs {
				pages += n
			}
			if pages <= 4 {
				t.Errorf("%s: %d Scan pages in all, want several per segment", table, pages)
			}
		}
		for _, n := range rec.total {
			if n != 4 {
				t.Errorf("a Scan had TotalSegments %d, want 4", n)
				break
			}
		}
	})

	t.Run("errors stop the scan", func(t *testing.T) {
		errStop := errors.New("stop here")
		const after = 5
		calls := 0
		err := store.ScanProducts(ctx, func(shopgraph.Product) error {
			calls++
			if calls == after {
				return errStop
			}
			return nil
		})
		if !errors.Is(err, errStop) || !strings.Contains(err.Error(), target.Tables.Products) {
			t.Errorf("ScanProducts = %v; want the callback's error, naming %s", err, target.Tables.Products)
		}
		if calls != after {
			t.Errorf("ScanProducts called each %d times, want %d (none after the error)", calls, after)
		}
		calls = 0
		err = store.ScanStock(ctx, func(shopgraph.StockLevel) error {
			calls++
			if calls == after {
				return errStop
			}
			return nil
		})
		if !errors.Is(err, errStop) || !strings.Contains(err.Error(), target.Tables.Inventory) {
			t.Errorf("ScanStock = %v; want the callback's error, naming %s", err, target.Tables.Inventory)
		}
		if calls != after {
			t.Errorf("ScanStock called each %d times, want %d (none after the error)", calls, after)
		}
		if shopgraph.CodeOf(err) != shopgraph.CodeInternal {
			t.Errorf("CodeOf(scan error) = %s, want Internal", shopgraph.CodeOf(err))
		}
	})
}
