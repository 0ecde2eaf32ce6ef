package dynamo

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph"
)

// fakeAPI answers BatchGetItem from a map and counts calls; the other
// methods are unused here.
type fakeAPI struct {
	API
	mu       sync.Mutex
	items    map[string]item // by productId/warehouse
	calls    int
	maxKeys  int
	fail     error
	leaveOut int // UnprocessedKeys: the last leaveOut keys of the first request
}

func (f *fakeAPI) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		return nil, f.fail
	}
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]item{}, UnprocessedKeys: map[string]types.KeysAndAttributes{}}
	for table, ka := range in.RequestItems {
		f.maxKeys = max(f.maxKeys, len(ka.Keys))
		seen := map[string]bool{}
		keys := ka.Keys
		if f.leaveOut > 0 && len(keys) > 1 {
			n := min(f.leaveOut, len(keys)-1)
			out.UnprocessedKeys[table] = types.KeysAndAttributes{Keys: keys[len(keys)-n:]}
			keys = keys[:len(keys)-n]
			f.leaveOut = 0
		}
		for _, k := range keys {
			id := k[attrProductID].(*types.AttributeValueMemberS).Value
			if seen[id] {
				return nil, errors.New("duplicate key")
			}
			seen[id] = true
			if it, ok := f.items[id]; ok {
				out.Responses[table] = append(out.Responses[table], it)
			}
		}
	}
	return out, nil
}

func testStore(t *testing.T, api API) *Store {
	t.Helper()
	s, err := New(api, Options{Tables: TableNames("t-"), CursorSecret: []byte("0123456789abcdef0123")})
	if err != nil {
		t.Fatal(err)
	}
	s.backoff = newBackoff(time.Microsecond, time.Millisecond, 8)
	return s
}

func TestBatchGet_chunksAndDedupes(t *testing.T) {
	f := &fakeAPI{items: map[string]item{}}
	var keys []shopgraph.ProductKey
	want := map[shopgraph.ProductKey]shopgraph.Product{}
	for i := range 250 {
		p := shopgraph.Product{Category: "c", ProductID: fmt.Sprintf("P%03d", i), Name: "n", Price: shopgraph.Money{Amount: 1, Currency: "USD"}}
		if i%5 != 0 { // every fifth is missing
			it, err := marshalProduct(p)
			if err != nil {
				t.Fatal(err)
			}
			f.items[p.ProductID] = it
			want[p.Key()] = p
		}
		keys = append(keys, p.Key(), p.Key())
	}
	got, err := testStore(t, f).GetProducts(context.Background(), keys)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %d products, want %d", len(got), len(want))
	}
	if f.calls != 3 || f.maxKeys != 100 {
		t.Errorf("%d calls, at most %d keys each; want 3 calls of at most 100", f.calls, f.maxKeys)
	}
}

func TestBatchGet_retriesUnprocessed(t *testing.T) {
	f := &fakeAPI{items: map[string]item{}, leaveOut: 30}
	var keys []shopgraph.ProductKey
	for i := range 100 {
		p := shopgraph.Product{Category: "c", ProductID: "P" + strconv.Itoa(i)}
		it, _ := marshalProduct(p)
		f.items[p.ProductID] = it
		keys = append(keys, p.Key())
	}
	got, err := testStore(t, f).GetProducts(context.Background(), keys)
	if err != nil || len(got) != 100 {
		t.Fatalf("got %d, %v", len(got), err)
	}
	// 70 processed, then the 30 left.
	if f.calls != 2 {
		t.Errorf("%d calls, want 2", f.calls)
	}
}

func TestBatchGet_error(t *testing.T) {
	f := &fakeAPI{fail: errors.New("boom")}
	keys := make([]shopgraph.ProductKey, 300)
	for i := range keys {
		keys[i] = shopgraph.ProductKey{Category: "c", ProductID: "P" + strconv.Itoa(i)}
	}
	got, err := testStore(t, f).GetProducts(context.Background(), keys)
	if got != nil || err == nil || !strings.Contains(err.Error(), "batch get products") || !strings.Contains(err.Error(), "boom") {
		t.Errorf("GetProducts = %v, %v; want nil and a wrapped error", got, err)
	}
	if _, err := testStore(t, f).GetInventory(context.Background(), []string{"a"}, []string{"W"}); err == nil || !strings.Contains(err.Error(), "batch get inventory") {
		t.Errorf("GetInventory error %v", err)
	}
}

func TestBackoff_delay(t *testing.T) {
	// The default policy: a random wait below 20 ms·2^n before retry n,
	// never more than 1 s, the same on every retry past the cap.
	b := defaultBackoff()
	for n := range 12 {
		limit := min(time.Second, 20*time.Millisecond<<n)
		var lo, hi time.Duration = limit, 0
		for range 200 {
			d, err := b.delay(n)
			if err != nil {
				t.Fatal(err)
			}
			if d < 0 || d > limit {
				t.Fatalf("retry %d: delay %v, want within [0, %v]", n, d, limit)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		// Jitter: 200 draws spread over the range (for n ≥ 6 the SDK's
		// backoff returns its cap itself).
		if n < 6 && (hi-lo < limit/4 || hi < limit/2) {
			t.Errorf("retry %d: 200 delays all within [%v, %v] of [0, %v]; want them spread out", n, lo, hi, limit)
		}
		if n >= 6 && (lo != time.Second || hi != time.Second) {
			t.Errorf("retry %d: delays within [%v, %v], want the 1 s cap", n, lo, hi)
		}
	}
	// Huge retry numbers do not overflow into negative or zero waits.
	b = newBackoff(20*time.Millisecond, time.Hour, 8)
	if d, err := b.delay(100); err != nil || d != time.Hour {
		t.Errorf("delay(100) capped at 1 h = %v, %v", d, err)
	}
	if d, err := b.delay(0); err != nil || d < 0 || d > 20*time.Millisecond {
		t.Errorf("delay(0), base 20 ms = %v, %v", d, err)
	}
}

func TestBackoff_wait(t *testing.T) {
	b := newBackoff(time.Millisecond, 4*time.Millisecond, 8)
	for n, limit := range []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond, 4 * time.Millisecond, 4 * time.Millisecond} {
		start := time.Now()
		if err := b.wait(context.Background(), n); err != nil {
			t.Fatal(err)
		}
		// Sleep granularity allows some slack; the cap must hold.
		if d := time.Since(start); d > limit+50*time.Millisecond {
			t.Errorf("retry %d waited %v, cap %v", n, d, limit)
		}
	}
	b = newBackoff(time.Hour, time.Hour, 8)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.wait(ctx, 100); !errors.Is(err, context.Canceled) {
		t.Errorf("wait on a cancelled context: %v", err)
	}
	// A delayer that fails (the SDK's draws crypto randomness) fails the wait.
	b.jitter = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, errors.New("no entropy") })
	if err := b.wait(context.Background(), 0); err == nil || !strings.Contains(err.Error(), "no entropy") {
		t.Errorf("wait with a failing delayer: %v", err)
	}
}

func TestCursor(t *testing.T) {
	s := testStore(t, &fakeAPI{})
	tok := s.encodeCursor(cursor{Category: "books", ProductID: "BK-000001"})
	c, err := s.decodeCursor(tok, "books")
	if err != nil || c.ProductID != "BK-000001" || c.Category != "books" {
		t.Fatalf("round trip: %+v, %v", c, err)
	}
	if strings.ContainsAny(tok, "+/=") {
		t.Errorf("token %q is not base64url without padding", tok)
	}
	payload, mac, _ := strings.Cut(tok, ".")
	sign := func(p string) string {
		return base64.RawURLEncoding.EncodeToString([]byte(p)) + "." + base64.RawURLEncoding.EncodeToString(s.mac([]byte(p)))
	}
	for name, bad := range map[string]string{
		"other category":      tok,
		"unknown field":       sign(`{"v":1,"c":"toys","p":"x","admin":true}`),
		"wrong version":       sign(`{"v":2,"c":"toys","p":"x"}`),
		"empty product":       sign(`{"v":1,"c":"toys","p":""}`),
		"trailing data":       sign(`{"v":1,"c":"toys","p":"x"} {}`),
		"not json":            sign(`hello`),
		"mac of other bytes":  payload + "." + base64.RawURLEncoding.EncodeToString(s.mac([]byte("x"))),
		"padded base64":       payload + "=." + mac,
		"two dots":            tok + ".x",
		"empty":               "",
		"product id too long": sign(`{"v":1,"c":"toys","p":"` + strings.Repeat("x", 1025) + `"}`),
	} {
		_, err := s.decodeCursor(bad, "toys")
		if !shopgraph.IsCode(err, shopgraph.CodeBadRequest) || shopgraph.ErrorMessage(err) != "invalid nextToken" {
			t.Errorf("%s: %v, want BadRequest invalid nextToken", name, err)
		}
	}
	if _, err := s.decodeCursor(sign(`{"v":1,"c":"toys","p":"x"}`), "toys"); err != nil {
		t.Errorf("a well-formed signed cursor: %v", err)
	}
}

func TestCache(t *testing.T) {
	ctx := context.Background()
	var loads atomic.Int32
	var fail atomic.Bool
	release := make(chan struct{})
	c := newCache(time.Hour, time.Now, func(ctx context.Context) ([]string, error) {
		loads.Add(1)
		<-release
		if fail.Load() {
			return nil, errors.New("down")
		}
		return []string{"x"}, nil
	})

	// A failed load is returned to every waiter and not cached.
	fail.Store(true)
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	var entered atomic.Int32
	for range 10 {
		wg.Go(func() {
			entered.Add(1)
			_, err := c.get(ctx)
			errs <- err
		})
	}
	waitFor(t, func() bool { return loads.Load() == 1 && entered.Load() == 10 })
	time.Sleep(20 * time.Millisecond) // let every caller join the flight
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err == nil || err.Error() != "down" {
			t.Errorf("waiter got %v, want the load's error", err)
		}
	}
	if loads.Load() != 1 {
		t.Errorf("%d loads for 10 concurrent callers, want 1", loads.Load())
	}
	fail.Store(false)
	if v, err := c.get(ctx); err != nil || !slices.Equal(v, []string{"x"}) {
		t.Errorf("after a failure: %v, %v", v, err)
	}
	if v, err := c.get(ctx); err != nil || len(v) != 1 || loads.Load() != 2 {
		t.Errorf("cached: %v, %v, %d loads", v, err, loads.Load())
	}
	c.invalidate()
	if _, err := c.get(ctx); err != nil || loads.Load() != 3 {
		t.Errorf("after invalidate: %v, %d loads, want 3", err, loads.Load())
	}
}

func TestCache_leaderCancelled(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	var loads atomic.Int32
	c := newCache(time.Hour, time.Now, func(ctx context.Context) (int, error) {
		if loads.Add(1) == 1 {
			close(started)
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-release:
			}
		}
		return 7, nil
	})
	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() {
		_, err := c.get(leaderCtx)
		leaderErr <- err
	}()
	<-started
	waiter := make(chan int, 1)
	go func() {
		v, _ := c.get(context.Background())
		waiter <- v
	}()
	time.Sleep(10 * time.Millisecond) // let the waiter join the flight
	cancel()
	if err := <-leaderErr; !errors.Is(err, context.Canceled) {
		t.Errorf("leader: %v", err)
	}
	// The waiter does not inherit the leader's cancellation: it loads itself.
	if v := <-waiter; v != 7 {
		t.Errorf("waiter got %d, want 7", v)
	}
	close(release)
}

func TestCache_invalidateDuringLoad(t *testing.T) {
	release := make(chan struct{})
	var loads atomic.Int32
	c := newCache(time.Hour, time.Now, func(ctx context.Context) (int32, error) {
		n := loads.Add(1)
		if n == 1 {
			<-release
		}
		return n, nil
	})
	first := make(chan int32)
	go func() {
		v, _ := c.get(context.Background())
		first <- v
	}()
	waitFor(t, func() bool { return loads.Load() == 1 })
	c.invalidate() // e.g. Seed finished while a stale load was running
	if v, _ := c.get(context.Background()); v != 2 {
		t.Errorf("get after invalidate = %d, want a new load (2)", v)
	}
	close(release)
	if v := <-first; v != 1 {
		t.Errorf("first = %d", v)
	}
	if v, _ := c.get(context.Background()); v != 2 {
		t.Errorf("the stale load was cached: got %d, want 2", v)
	}
}

func TestCache_loadPanics(t *testing.T) {
	var loads atomic.Int32
	c := newCache(time.Hour, time.Now, func(context.Context) (int, error) {
		if loads.Add(1) == 1 {
			panic("boom")
		}
		return 7, nil
	})
	// The panic is the caller's error (not a crash of the process), and it is
	// not cached.
	if v, err := c.get(context.Background()); err == nil || !strings.Contains(err.Error(), "cache load panicked: boom") || v != 0 {
		t.Errorf("get with a panicking load = %v, %v; want an error naming the panic", v, err)
	}
	if v, err := c.get(context.Background()); err != nil || v != 7 || loads.Load() != 2 {
		t.Errorf("get after a panic = %v, %v (%d loads); want 7 from a new load", v, err, loads.Load())
	}
}

func TestCache_ttl(t *testing.T) {
	var offset atomic.Int64
	clock := func() time.Time { return time.Unix(0, 0).Add(time.Duration(offset.Load())) }
	var loads atomic.Int32
	c := newCache(time.Minute, clock, func(context.Context) (int32, error) { return loads.Add(1), nil })
	get := func() int32 {
		t.Helper()
		v, err := c.get(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := get(); v != 1 {
		t.Fatalf("first get = %d", v)
	}
	offset.Store(int64(time.Minute - time.Nanosecond))
	if v := get(); v != 1 {
		t.Errorf("get just before the TTL = %d, want the cached 1", v)
	}
	offset.Store(int64(time.Minute))
	if v := get(); v != 2 {
		t.Errorf("get at the TTL = %d, want a new load (2)", v)
	}
	// A negative TTL loads every time.
	n := newCache(-1, clock, func(context.Context) (int32, error) { return loads.Add(1), nil })
	for want := int32(3); want <= 4; want++ {
		if v, err := n.get(context.Background()); err != nil || v != want {
			t.Errorf("uncached get = %d, %v; want %d", v, err, want)
		}
	}
}

func TestItems_roundTrip(t *testing.T) {
	p := shopgraph.Product{
		Category: "electronics", ProductID: "EL-000001", Name: "Arcwave Pro Wireless Earbuds",
		Description: "d", Brand: "Arcwave", Price: shopgraph.Money{Amount: 12999, Currency: "USD"},
		Attributes: map[string]any{
			"color": "black", "weightGrams": 52.5, "wireless": true, "features": []any{"USB-C", "ANC"},
			"dims": map[string]any{"w": 3.0, "h": 2.0}, "count": 3.0,
		},
		Images:    []string{"https://images.shopgraph.example/EL-000001/1.jpg"},
		CreatedAt: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC),
		UpdatedAt: time.Date(2024, 6, 1, 10, 0, 0, 5000, time.UTC),
	}
	it, err := marshalProduct(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := it["price"].(*types.AttributeValueMemberN); !ok {
		t.Errorf("price is stored as %T, want a number", it["price"])
	}
	got, err := unmarshalProduct(it)
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Errorf("round trip:\n got %#v, %v\nwant %#v", got, err, p)
	}
	if _, err := marshalProduct(shopgraph.Product{Category: "c"}); err == nil {
		t.Error("a product without an id marshalled")
	}
	if _, err := unmarshalProduct(item{"name": &types.AttributeValueMemberS{Value: "x"}}); err == nil {
		t.Error("an item without keys unmarshalled")
	}

	l := shopgraph.StockLevel{ProductID: "EL-000001", Warehouse: "SEA1", Available: 5, Reserved: 1, Version: 3}
	li, _ := marshalStock(l)
	if gl, err := unmarshalStock(li); err != nil || gl != l {
		t.Errorf("stock round trip: %+v, %v", gl, err)
	}
	w := shopgraph.Warehouse{Code: "SEA1", Name: "Seattle", Region: "us-west-2"}
	wi, _ := marshalWarehouse(w)
	if gw, err := unmarshalWarehouse(wi); err != nil || gw != w {
		t.Errorf("warehouse round trip: %+v, %v", gw, err)
	}
	c := shopgraph.Category{Name: "toys", ProductCount: 12}
	ci, _ := marshalCategory(c)
	if gc, err := unmarshalCategory(ci); err != nil || gc != c {
		t.Errorf("category round trip: %+v, %v", gc, err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}
