package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph/local/dynamodb"
)

func TestOpen_restart(t *testing.T) {
	dir := t.TempDir()
	db, err := dynamodb.Open(dynamodb.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	c := newClientFor(t, db)
	createTable(t, c, "keep", true, types.ProjectionTypeAll)
	for i := range 30 {
		it := item("p", i, "a", i)
		if i%3 == 0 {
			it["g"] = s("three")
		}
		put(t, c, "keep", it)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = dynamodb.Open(dynamodb.Options{Dir: dir})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	c = newClientFor(t, db)
	ctx := context.Background()
	d, err := c.DescribeTable(ctx, &sdk.DescribeTableInput{TableName: aws.String("keep")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt64(d.Table.ItemCount) != 30 || aws.ToInt64(d.Table.GlobalSecondaryIndexes[0].ItemCount) != 10 {
		t.Errorf("after restart: %d items, %d in index; want 30 and 10", aws.ToInt64(d.Table.ItemCount), aws.ToInt64(d.Table.GlobalSecondaryIndexes[0].ItemCount))
	}
	q, err := c.Query(ctx, &sdk.QueryInput{TableName: aws.String("keep"), IndexName: aws.String("byG"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": s("three")}})
	if err != nil || q.Count != 10 {
		t.Errorf("GSI Query after restart: %v %v", q, err)
	}
	g, err := c.GetItem(ctx, &sdk.GetItemInput{TableName: aws.String("keep"), Key: item("p", 7)})
	if err != nil || g.Item["a"].(*types.AttributeValueMemberN).Value != "7" {
		t.Errorf("GetItem after restart: %v %v", g, err)
	}
}

// newClientFor serves db until the test ends and returns a client for it.
func newClientFor(t *testing.T, db *dynamodb.DB) *sdk.Client {
	t.Helper()
	hs := httptest.NewServer(db)
	t.Cleanup(hs.Close)
	return newClient(hs.URL)
}

func TestOpen_locked(t *testing.T) {
	dir := t.TempDir()
	db, err := dynamodb.Open(dynamodb.Options{Dir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = dynamodb.Open(dynamodb.Options{Dir: dir, NoSync: true})
	var le *dynamodb.LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() || le.Dir != dir ||
		!strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) || !strings.Contains(err.Error(), dir) {
		t.Errorf("second Open: got %v, want *LockedError naming %s and pid %d", err, dir, os.Getpid())
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = dynamodb.Open(dynamodb.Options{Dir: dir, NoSync: true})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	_ = db.Close()
}

func TestOpen_tempDirRemoved(t *testing.T) {
	db, err := dynamodb.Open(dynamodb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := raw(db, "ListTables", "{}")
	if rec.Code != 200 {
		t.Fatalf("ListTables: %d %s", rec.Code, rec.Body)
	}
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "embedded-dynamodb-*"))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "embedded-dynamodb-*"))
	removed := 0
	for _, d := range before {
		if !slices.Contains(after, d) {
			removed++
		}
	}
	if removed == 0 {
		t.Errorf("Close removed no temporary directory (%d before, %d after)", len(before), len(after))
	}
	if rec := raw(db, "CreateTable", `{"TableName":"late","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`); rec.Code != 500 {
		t.Errorf("CreateTable after Close: HTTP %d, want 500", rec.Code)
	}
}

// clock is an adjustable clock for TTL tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func TestDB_timeToLive(t *testing.T) {
	clk := &clock{now: time.Unix(1_000_000, 0)}
	srv := start(t, dynamodb.Options{NoSync: true, Now: clk.Now, TTLInterval: 5 * time.Millisecond})
	ctx := context.Background()
	c := srv.client
	createTable(t, c, "ttl", true, types.ProjectionTypeAll)
	// Items written before TTL is enabled expire too.
	put(t, c, "ttl", item("p", 1, "exp", 999_990, "g", "x"))
	if _, err := c.UpdateTimeToLive(ctx, &sdk.UpdateTimeToLiveInput{TableName: aws.String("ttl"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeTimeToLive(ctx, &sdk.DescribeTimeToLiveInput{TableName: aws.String("ttl")})
	if err != nil || d.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.TimeToLiveDescription.AttributeName) != "exp" {
		t.Fatalf("DescribeTimeToLive: %+v %v", d, err)
	}
	put(t, c, "ttl", item("p", 2, "exp", 1_000_100, "g", "x"))
	put(t, c, "ttl", item("p", 3, "exp", "not a number"))
	put(t, c, "ttl", item("p", 4))
	put(t, c, "ttl", item("p", 5, "exp", 1_000_050))
	// Updating the TTL attribute moves the expiry.
	if _, err := c.UpdateItem(ctx, &sdk.UpdateItemInput{TableName: aws.String("ttl"), Key: item("p", 5), UpdateExpression: aws.String("SET exp = :e"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":e": ni(2_000_000)}}); err != nil {
		t.Fatal(err)
	}

	remaining := func() []int {
		out, err := c.Scan(ctx, &sdk.ScanInput{TableName: aws.String("ttl"), ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		got := sks(out.Items)
		slices.Sort(got)
		return got
	}
	waitFor := func(want []int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			got := remaining()
			if fmt.Sprint(got) == fmt.Sprint(want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("items: got %v, want %v", got, want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor([]int{2, 3, 4, 5})
	clk.Set(time.Unix(1_000_100, 0))
	waitFor([]int{3, 4, 5})
	dt, err := c.DescribeTable(ctx, &sdk.DescribeTableInput{TableName: aws.String("ttl")})
	if err != nil || aws.ToInt64(dt.Table.ItemCount) != 3 || aws.ToInt64(dt.Table.GlobalSecondaryIndexes[0].ItemCount) != 0 {
		t.Errorf("counts after expiry: %v items, %v in index (%v)", aws.ToInt64(dt.Table.ItemCount), aws.ToInt64(dt.Table.GlobalSecondaryIndexes[0].ItemCount), err)
	}
	if _, err := c.UpdateTimeToLive(ctx, &sdk.UpdateTimeToLiveInput{TableName: aws.String("ttl"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(true)}}); apiCode(err) != "ValidationException" {
		t.Errorf("enabling twice: got %v", err)
	}
	if _, err := c.UpdateTimeToLive(ctx, &sdk.UpdateTimeToLiveInput{TableName: aws.String("ttl"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	clk.Set(time.Unix(3_000_000, 0))
	time.Sleep(50 * time.Millisecond)
	if got := remaining(); fmt.Sprint(got) != "[3 4 5]" {
		t.Errorf("TTL disabled: items %v, want [3 4 5]", got)
	}
}

// TestDB_fileGrowth checks that a steady update load reuses freed pages:
// 1,000 items updated 20,000 times.
func TestDB_fileGrowth(t *testing.T) {
	dir := t.TempDir()
	db, err := dynamodb.Open(dynamodb.Options{Dir: dir, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rawOK(t, db, "CreateTable", `{"TableName":"grow","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST","GlobalSecondaryIndexes":[{"IndexName":"byG","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}`)
	pad := strings.Repeat("p", 200)
	update := func(i, v int) {
		rawOK(t, db, "UpdateItem", fmt.Sprintf(`{"TableName":"grow","Key":{"pk":{"S":"k%d"}},"UpdateExpression":"SET v = :v, g = :g, #f = :pad","ExpressionAttributeNames":{"#f":"filler"},"ExpressionAttributeValues":{":v":{"N":"%d"},":g":{"S":"g%d"},":pad":{"S":"%s"}}}`, i, v, v%7, pad))
	}
	for i := range 1000 {
		update(i, 0)
	}
	size := func() int64 {
		fi, err := os.Stat(filepath.Join(dir, "dynamodb.db"))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	var wg sync.WaitGroup
	step := func(from, to int) {
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for u := from + w; u < to; u += 4 {
					update(u%1000, u)
				}
			}()
		}
		wg.Wait()
	}
	total := 20000
	if raceEnabled || testing.Short() {
		total = 8000 // the race detector makes each update ~10x slower
	}
	step(0, 5000)
	mid := size()
	step(5000, total)
	end := size()
	t.Logf("db file: %d KB after 1,000 items + 5,000 updates, %d KB after %d updates", mid/1024, end/1024, total)
	if end > 2*mid && end > 8<<20 {
		t.Errorf("db file grew from %d to %d bytes under a steady update load", mid, end)
	}
}
