package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/local"
)

// smoke reports whether the benchmarks run once each (`make test`, which
// only checks they still work): the catalogs shrink so setup stays quick.
func smoke() bool {
	f := flag.Lookup("test.benchtime")
	return f != nil && f.Value.String() == "1x"
}

// catalogSizes are the seeded product counts of the store benchmarks.
func catalogSizes() []int {
	if smoke() {
		return []int{200}
	}
	return []int{5000, 50000}
}

// storeTargets are the two DynamoDBs compared: the embedded one as `make
// run` runs it (a data directory, fsync on every commit) and DynamoDB Local.
func storeTargets() []struct {
	name   string
	target func(testing.TB) dynamotest.Target
} {
	return []struct {
		name   string
		target func(testing.TB) dynamotest.Target
	}{
		{"embedded", func(tb testing.TB) dynamotest.Target {
			return dynamotest.EmbeddedWith(tb, local.DynamoDBOptions{Dir: tb.TempDir()})
		}},
		{"dynamodb-local", dynamotest.DynamoDBLocal},
	}
}

// latencies records one sub-benchmark's per-operation durations.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// quantile returns the q-quantile (0..1) of the recorded durations.
func (l *latencies) quantile(q float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	s := slices.Clone(l.d)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// opFigures are one operation's figures on one store and catalog size.
type opFigures struct{ p50, p99, perSec float64 }

// BenchmarkDynamoDBOperations: the store's operations through the real SDK
// on the embedded DynamoDB (durable) and on DynamoDB Local, side by side, at
// 5,000 and 50,000 seeded products: Query of 50 items of one partition,
// GSI Query, GetItem, BatchGetItem of 100 keys, TransactWriteItems of 3
// conditional decrements, and transactions/s with 8 workers. Prints
// median and p99 latencies and the embedded server's speed-up.
func BenchmarkDynamoDBOperations(b *testing.B) {
	figs := map[string]opFigures{}
	var mu sync.Mutex
	ops := []string{"Query50", "GSIQuery", "GetItem", "BatchGet100", "TransactWrite3", "TransactWrite3x8workers"}
	for _, st := range storeTargets() {
		for _, size := range catalogSizes() {
			target := st.target(b)
			a := apptest.New(b, apptest.Options{Products: size, Target: &target})
			for _, op := range ops {
				name := fmt.Sprintf("store=%s/products=%d/%s", st.name, size, op)
				b.Run(name, func(b *testing.B) {
					f := runOp(b, target, a.Catalog, op)
					mu.Lock()
					figs[name] = f
					mu.Unlock()
				})
			}
		}
	}
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nDynamoDB operations through the SDK (loopback HTTP), embedded (fsync on) vs DynamoDB Local\noperation\tproducts\tembedded p50 µs\tp99 µs\tDynamoDB Local p50 µs\tp99 µs\tp50 ratio (Local ÷ embedded)\tembedded ops/s\tLocal ops/s")
	for _, op := range ops {
		for _, size := range catalogSizes() {
			e, ok1 := figs[fmt.Sprintf("store=embedded/products=%d/%s", size, op)]
			l, ok2 := figs[fmt.Sprintf("store=dynamodb-local/products=%d/%s", size, op)]
			if ok1 && ok2 {
				fmt.Fprintf(w, "%s\t%d\t%.0f\t%.0f\t%.0f\t%.0f\t%.1fx\t%.0f\t%.0f\n", op, size, e.p50, e.p99, l.p50, l.p99, l.p50/e.p50, e.perSec, l.perSec)
			}
		}
	}
	w.Flush()
}

func runOp(b *testing.B, t dynamotest.Target, c shopgraph.CatalogSnapshot, op string) opFigures {
	ctx := context.Background()
	cl := t.Client
	category := biggest(slices.Clone(c.Categories))
	str := func(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
	productKey := func(i int) map[string]types.AttributeValue {
		p := c.Products[i%len(c.Products)]
		return map[string]types.AttributeValue{"category": str(p.Category), "productId": str(p.ProductID)}
	}
	decrement := func(worker, i int) []types.TransactWriteItem {
		items := make([]types.TransactWriteItem, 3)
		for j := range items {
			s := c.Stock[(worker*7919+i*3+j)%len(c.Stock)]
			items[j] = types.TransactWriteItem{Update: &types.Update{
				TableName: aws.String(t.Tables.Inventory),
				Key:       map[string]types.AttributeValue{"productId": str(s.ProductID), "warehouse": str(s.Warehouse)},
				// A conditional decrement whose condition holds (stock may
				// go negative here: the figure is the store's cost).
				UpdateExpression:          aws.String("SET available = available - :one"),
				ConditionExpression:       aws.String("available > :floor"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}, ":floor": &types.AttributeValueMemberN{Value: "-1000000000"}},
			}}
		}
		return items
	}
	var one func(worker, i int) error
	switch op {
	case "Query50":
		one = func(_, _ int) error {
			out, err := cl.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(t.Tables.Products), Limit: aws.Int32(50),
				KeyConditionExpression:    aws.String("category = :c"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":c": str(category)}})
			if err == nil && len(out.Items) != min(50, countIn(c, category)) {
				err = fmt.Errorf("query returned %d items", len(out.Items))
			}
			return err
		}
	case "GSIQuery":
		one = func(_, i int) error {
			out, err := cl.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(t.Tables.Products), IndexName: aws.String(dynamo.IndexBySKU),
				KeyConditionExpression:    aws.String("productId = :s"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":s": str(c.Products[i%len(c.Products)].ProductID)}})
			if err == nil && len(out.Items) != 1 {
				err = fmt.Errorf("GSI query returned %d items", len(out.Items))
			}
			return err
		}
	case "GetItem":
		one = func(_, i int) error {
			out, err := cl.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(t.Tables.Products), Key: productKey(i)})
			if err == nil && out.Item == nil {
				err = fmt.Errorf("GetItem found nothing")
			}
			return err
		}
	case "BatchGet100":
		one = func(_, i int) error {
			keys := make([]map[string]types.AttributeValue, 0, 100)
			for j := range min(100, len(c.Products)) {
				keys = append(keys, productKey(i*100+j))
			}
			out, err := cl.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{t.Tables.Products: {Keys: keys}}})
			if err == nil && (len(out.Responses[t.Tables.Products]) != len(keys) || len(out.UnprocessedKeys) > 0) {
				err = fmt.Errorf("BatchGetItem returned %d of %d items", len(out.Responses[t.Tables.Products]), len(keys))
			}
			return err
		}
	case "TransactWrite3", "TransactWrite3x8workers":
		one = func(w, i int) error {
			_, err := cl.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: decrement(w, i)})
			return err
		}
	default:
		b.Fatalf("unknown operation %s", op)
	}
	for i := range 20 { // warm up connections (and the JVM a little)
		if err := one(0, i); err != nil {
			b.Fatalf("%s: %v", op, err)
		}
	}
	var lat latencies
	var n atomic.Int64
	start := time.Now()
	if op == "TransactWrite3x8workers" {
		b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
		var workers atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			w := int(workers.Add(1))
			for i := 0; pb.Next(); i++ {
				t0 := time.Now()
				if err := one(w, i); err != nil {
					b.Error(err)
					return
				}
				lat.add(time.Since(t0))
				n.Add(1)
			}
		})
	} else {
		i := 0
		for b.Loop() {
			t0 := time.Now()
			if err := one(0, i); err != nil {
				b.Fatalf("%s: %v", op, err)
			}
			lat.add(time.Since(t0))
			i++
			n.Add(1)
		}
	}
	elapsed := time.Since(start)
	f := opFigures{p50: float64(lat.quantile(0.5).Microseconds()), p99: float64(lat.quantile(0.99).Microseconds()), perSec: float64(n.Load()) / elapsed.Seconds()}
	b.ReportMetric(f.p50, "p50-µs")
	b.ReportMetric(f.p99, "p99-µs")
	b.ReportMetric(f.perSec, "ops/s")
	return f
}

func countIn(c shopgraph.CatalogSnapshot, category string) int {
	for _, cat := range c.Categories {
		if cat.Name == category {
			return cat.ProductCount
		}
	}
	return 0
}

// BenchmarkEmbeddedRestart: restart to ready with the catalog already
// stored: open the data directory, start serving and answer a first GetItem.
// Target ≤ 1 s at 50,000 products.
func BenchmarkEmbeddedRestart(b *testing.B) {
	for _, size := range catalogSizes() {
		b.Run("products="+strconv.Itoa(size), func(b *testing.B) {
			dir := b.TempDir()
			target := dynamotest.EmbeddedWith(b, local.DynamoDBOptions{Dir: filepath.Join(dir, "data"), NoSync: true})
			a := apptest.New(b, apptest.Options{Products: size, Target: &target})
			p := a.Catalog.Products[len(a.Catalog.Products)/2]
			ctx := context.Background()
			stopEmbedded(b, target)
			var worst time.Duration
			for b.Loop() {
				t0 := time.Now()
				emb, err := local.StartDynamoDBWith(ctx, local.DynamoDBOptions{Dir: filepath.Join(dir, "data")})
				if err != nil {
					b.Fatal(err)
				}
				cl := dynamo.NewClient(emb.AWSConfig(dynamotest.Region), emb.Endpoint)
				out, err := cl.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(target.Tables.Products), Key: map[string]types.AttributeValue{
					"category": &types.AttributeValueMemberS{Value: p.Category}, "productId": &types.AttributeValueMemberS{Value: p.ProductID}}})
				if err != nil || out.Item == nil {
					b.Fatalf("first GetItem after restart: %v %v", out, err)
				}
				worst = max(worst, time.Since(t0))
				if err := emb.Close(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
			fmt.Printf("\nEmbedded DynamoDB restart to first answer with %d products stored: %.1f ms per restart (worst %.1f ms; target ≤ 1,000 ms)\n",
				size, float64(b.Elapsed().Microseconds())/1000/float64(b.N), float64(worst.Microseconds())/1000)
		})
	}
}

// stopEmbedded closes a target's embedded DynamoDB now (its cleanup then
// finds it closed), freeing its data directory for another server.
func stopEmbedded(b *testing.B, t dynamotest.Target) {
	b.Helper()
	if t.Close == nil {
		b.Fatal("target has no Close")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := t.Close(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEmbeddedFileGrowth: the data file's size after 100,000 updates of
// 1,000 items (a steady update load), against its size after the first
// write of each.
func BenchmarkEmbeddedFileGrowth(b *testing.B) {
	items, updates := 1000, 100_000
	if smoke() {
		items, updates = 100, 2000
	}
	dir := b.TempDir()
	target := dynamotest.EmbeddedWith(b, local.DynamoDBOptions{Dir: dir, NoSync: true})
	ctx := context.Background()
	cl := target.Client
	key := func(i int) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"productId": &types.AttributeValueMemberS{Value: fmt.Sprintf("P%05d", i%items)}, "warehouse": &types.AttributeValueMemberS{Value: "DFW1"}}
	}
	for i := range items {
		item := key(i)
		item["available"] = &types.AttributeValueMemberN{Value: "100"}
		item["note"] = &types.AttributeValueMemberS{Value: fmt.Sprintf("%0200d", i)}
		if _, err := cl.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(target.Tables.Inventory), Item: item}); err != nil {
			b.Fatal(err)
		}
	}
	size := func() int64 {
		st, err := os.Stat(filepath.Join(dir, "dynamodb.db"))
		if err != nil {
			b.Fatal(err)
		}
		return st.Size()
	}
	before := size()
	for b.Loop() {
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				for i := w; i < updates; i += 8 {
					if _, err := cl.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(target.Tables.Inventory), Key: key(i),
						UpdateExpression:          aws.String("SET available = available - :one, note = :n"),
						ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}, ":n": &types.AttributeValueMemberS{Value: fmt.Sprintf("%0200d", i)}}}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	after := size()
	b.ReportMetric(float64(after)/(1<<20), "file-MiB")
	fmt.Printf("\nEmbedded DynamoDB data file: %.2f MiB after %d items written, %.2f MiB after %d updates of them on top (%.2fx)\n",
		float64(before)/(1<<20), items, float64(after)/(1<<20), updates*b.N, float64(after)/float64(before))
}
