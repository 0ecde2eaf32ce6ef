package dynamodb_test

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph/local/dynamodb"
)

// benchItems is the table size of the benchmarks.
const benchItems = 5000

// seedBench creates table "bench" in dir with benchItems items (100
// partitions of 50; every item in the GSI byG under its own g),
// without fsync, and closes the store.
func seedBench(b *testing.B, dir string, items int) {
	b.Helper()
	db, err := dynamodb.Open(dynamodb.Options{Dir: dir, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	rawOK(b, db, "CreateTable", `{"TableName":"bench","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},{"AttributeName":"g","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST","GlobalSecondaryIndexes":[{"IndexName":"byG","KeySchema":[{"AttributeName":"g","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}`)
	for i := 0; i < items; i += 25 {
		body := `{"RequestItems":{"bench":[`
		for j := i; j < i+25 && j < items; j++ {
			if j > i {
				body += ","
			}
			body += fmt.Sprintf(`{"PutRequest":{"Item":{"pk":{"S":"p%d"},"sk":{"N":"%d"},"g":{"S":"g%d"},"name":{"S":"item number %d"},"price":{"N":"%d.99"},"tags":{"SS":["a","b"]}}}}`, j/50, j%50, j, j, j)
		}
		rawOK(b, db, "BatchWriteItem", body+"]}}")
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
}

// benchServer seeds a store and reopens it (durable unless noSync).
func benchServer(b *testing.B, noSync bool) *server {
	b.Helper()
	dir := b.TempDir()
	seedBench(b, dir, benchItems)
	return start(b, dynamodb.Options{Dir: dir, NoSync: noSync})
}

// reportMedian runs fn b.N times and reports the median latency.
func reportMedian(b *testing.B, fn func(i int)) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		fn(i)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "µs-median")
}

func BenchmarkQuery50(b *testing.B) {
	srv := benchServer(b, true)
	ctx := context.Background()
	reportMedian(b, func(i int) {
		out, err := srv.client.Query(ctx, &sdk.QueryInput{TableName: aws.String("bench"), KeyConditionExpression: aws.String("pk = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(fmt.Sprintf("p%d", i%100))}})
		if err != nil || out.Count != 50 {
			b.Fatalf("Query: %v %v", out, err)
		}
	})
}

func BenchmarkGSIQuery(b *testing.B) {
	srv := benchServer(b, true)
	ctx := context.Background()
	reportMedian(b, func(i int) {
		out, err := srv.client.Query(ctx, &sdk.QueryInput{TableName: aws.String("bench"), IndexName: aws.String("byG"),
			KeyConditionExpression:    aws.String("g = :g"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":g": s(fmt.Sprintf("g%d", i%benchItems))}})
		if err != nil || out.Count != 1 {
			b.Fatalf("Query: %v", err)
		}
	})
}

func BenchmarkBatchGet100(b *testing.B) {
	srv := benchServer(b, true)
	ctx := context.Background()
	reportMedian(b, func(i int) {
		keys := make([]map[string]types.AttributeValue, 100)
		for k := range keys {
			j := (i*100 + k) % benchItems
			keys[k] = map[string]types.AttributeValue{"pk": s(fmt.Sprintf("p%d", j/50)), "sk": ni(j % 50)}
		}
		out, err := srv.client.BatchGetItem(ctx, &sdk.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"bench": {Keys: keys}}})
		if err != nil || len(out.Responses["bench"]) != 100 {
			b.Fatalf("BatchGetItem (i=%d of %d): %v", i, b.N, err)
		}
	})
}

// transact3 is a 3-action transaction: a conditional update, a put and a
// condition check.
func transact3(i int) *sdk.TransactWriteItemsInput {
	j := 50 + i%(benchItems-100) // never p0 (the checked item's partition)
	return &sdk.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String("bench"), Key: map[string]types.AttributeValue{"pk": s(fmt.Sprintf("p%d", j/50)), "sk": ni(j % 50)},
			UpdateExpression: aws.String("ADD hits :one"), ConditionExpression: aws.String("attribute_exists(pk)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": ni(1)}}},
		{Put: &types.Put{TableName: aws.String("bench"), Item: map[string]types.AttributeValue{"pk": s(fmt.Sprintf("log%d", i)), "sk": ni(0), "v": ni(i)}}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("bench"), Key: map[string]types.AttributeValue{"pk": s("p0"), "sk": ni(49)},
			ConditionExpression: aws.String("attribute_exists(pk)")}},
	}}
}

func BenchmarkTransactWrite3(b *testing.B) {
	srv := benchServer(b, false)
	ctx := context.Background()
	reportMedian(b, func(i int) {
		if _, err := srv.client.TransactWriteItems(ctx, transact3(i)); err != nil {
			b.Fatalf("TransactWriteItems: %v", err)
		}
	})
}

// BenchmarkTransactWriteParallel8 is durable TransactWriteItems from 8
// concurrent clients (ns/op is per transaction).
func BenchmarkTransactWriteParallel8(b *testing.B) {
	srv := benchServer(b, false)
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism((8 + runtimeProcs() - 1) / runtimeProcs()) // ≥ 8 goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := srv.client.TransactWriteItems(ctx, transact3(int(next.Add(1)))); err != nil {
				b.Errorf("TransactWriteItems: %v", err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkOpen50k measures Open of a store holding 50,000 items.
func BenchmarkOpen50k(b *testing.B) {
	dir := b.TempDir()
	seedBench(b, dir, 50000)
	b.ResetTimer()
	for range b.N {
		db, err := dynamodb.Open(dynamodb.Options{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		rawOK(b, db, "DescribeTable", `{"TableName":"bench"}`)
		b.StopTimer()
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
