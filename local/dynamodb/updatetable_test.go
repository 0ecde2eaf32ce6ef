package dynamodb_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/local/dynamodb"
)

// The differential suite (testdata/diff/updatetable.json) compares
// UpdateTable's answers request by request with DynamoDB Local; the tests
// here run the index lifecycle through the SDK on both servers, with what
// only the embedded server can do besides: restart on its data directory.

// ordersTable creates the old Orders shape: orderId, and byCustomer
// (customerId, createdAt) projecting everything.
func ordersTable(tb testing.TB, c *sdk.Client, name string) {
	tb.Helper()
	s := types.ScalarAttributeTypeS
	_, err := c.CreateTable(context.Background(), &sdk.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("orderId"), AttributeType: s},
			{AttributeName: aws.String("customerId"), AttributeType: s},
			{AttributeName: aws.String("createdAt"), AttributeType: s},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("orderId"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String("byCustomer"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("customerId"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("createdAt"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		tb.Fatalf("CreateTable %s: %v", name, err)
	}
}

// pendingIndex is the Create of the Orders table's sparse "pending" index.
func pendingIndex() *sdk.UpdateTableInput {
	s := types.ScalarAttributeTypeS
	return &sdk.UpdateTableInput{
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pendingShard"), AttributeType: s},
			{AttributeName: aws.String("createdAt"), AttributeType: s},
		},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName: aws.String("pending"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("pendingShard"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("createdAt"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"customerId", "status", "version"}},
		}}},
	}
}

// waitIndexes polls DescribeTable until every index of the table is ACTIVE
// and the named index is (want true) or is not (want false) among them.
func waitIndexes(tb testing.TB, c *sdk.Client, table, index string, want bool) *types.TableDescription {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := c.DescribeTable(context.Background(), &sdk.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			tb.Fatalf("DescribeTable %s: %v", table, err)
		}
		has, active := false, out.Table.TableStatus == types.TableStatusActive
		for _, g := range out.Table.GlobalSecondaryIndexes {
			has = has || aws.ToString(g.IndexName) == index
			active = active && g.IndexStatus == types.IndexStatusActive
		}
		if has == want && active {
			return out.Table
		}
		if time.Now().After(deadline) {
			tb.Fatalf("table %s: index %s present=%v and all ACTIVE not reached: %+v", table, index, want, out.Table.GlobalSecondaryIndexes)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// render writes items as sorted, comparable text.
func render(items []map[string]types.AttributeValue) string {
	var lines []string
	for _, it := range items {
		var parts []string
		for k, v := range it {
			switch v := v.(type) {
			case *types.AttributeValueMemberS:
				parts = append(parts, k+"=S:"+v.Value)
			case *types.AttributeValueMemberN:
				parts = append(parts, k+"=N:"+v.Value)
			default:
				parts = append(parts, fmt.Sprintf("%s=%T", k, v))
			}
		}
		sort.Strings(parts)
		lines = append(lines, strings.Join(parts, " "))
	}
	return strings.Join(lines, "\n")
}

// queryPending returns the pending index's items of shard, in index order.
func queryPending(tb testing.TB, c *sdk.Client, table, shard string) string {
	tb.Helper()
	out, err := c.Query(context.Background(), &sdk.QueryInput{
		TableName: aws.String(table), IndexName: aws.String("pending"),
		KeyConditionExpression:    aws.String("pendingShard = :s"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": s(shard)},
	})
	if err != nil {
		tb.Fatalf("Query pending %s: %v", shard, err)
	}
	return render(out.Items)
}

func indexCount(d *types.TableDescription, index string) int64 {
	for _, g := range d.GlobalSecondaryIndexes {
		if aws.ToString(g.IndexName) == index {
			return aws.ToInt64(g.ItemCount)
		}
	}
	return -1
}

// lifecycleSide is one server of TestUpdateTable_indexLifecycle.
type lifecycleSide struct {
	name    string
	client  *sdk.Client
	table   string
	restart func() *sdk.Client // nil: cannot restart (DynamoDB Local, in memory)
}

// TestUpdateTable_indexLifecycle adds the pending index to an Orders
// table with items (some without pendingShard, one with an empty one),
// queries it, writes through it, deletes it, on the embedded server and on
// DynamoDB Local with the same requests, and requires the same answers;
// the embedded server is restarted on its data directory after the
// creation and after the deletion, and must answer the same afterwards.
func TestUpdateTable_indexLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	var mu sync.Mutex
	var db *dynamodb.DB
	var hs *httptest.Server
	open := func() *sdk.Client {
		mu.Lock()
		defer mu.Unlock()
		if hs != nil {
			hs.Close()
			if err := db.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
		}
		var err error
		if db, err = dynamodb.Open(dynamodb.Options{Dir: dir}); err != nil {
			t.Fatalf("Open %s: %v", dir, err)
		}
		hs = httptest.NewServer(db)
		return newClient(hs.URL)
	}
	t.Cleanup(func() {
		hs.Close()
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	local := newLocalClient(t)
	localTable := "lifecycle" + strconv.FormatInt(time.Now().UnixNano(), 36)
	t.Cleanup(func() { _, _ = local.DeleteTable(ctx, &sdk.DeleteTableInput{TableName: aws.String(localTable)}) })
	sides := []*lifecycleSide{
		{name: "embedded", client: open(), table: "Orders", restart: open},
		{name: "DynamoDB Local", client: local, table: localTable},
	}
	// each runs fn on both sides and requires equal results.
	each := func(what string, fn func(sd *lifecycleSide) string) {
		t.Helper()
		got := make([]string, len(sides))
		for i, sd := range sides {
			got[i] = fn(sd)
		}
		if got[0] != got[1] {
			t.Errorf("%s: embedded and DynamoDB Local differ:\nembedded:\n%s\nDynamoDB Local:\n%s", what, got[0], got[1])
		}
	}
	orders := []map[string]types.AttributeValue{
		{"orderId": s("o1"), "customerId": s("c1"), "createdAt": s("2024-01"), "status": s("PENDING"), "pendingShard": s("1"), "version": n("1"), "extra": s("x")},
		{"orderId": s("o2"), "customerId": s("c1"), "createdAt": s("2024-02"), "status": s("PENDING"), "pendingShard": s("1"), "version": n("2")},
		{"orderId": s("o3"), "customerId": s("c2"), "createdAt": s("2024-03"), "status": s("PENDING"), "pendingShard": s("2"), "version": n("1")},
		{"orderId": s("o4"), "customerId": s("c1"), "createdAt": s("2024-04"), "status": s("SHIPPED"), "version": n("4")},
		{"orderId": s("o5"), "customerId": s("c2"), "createdAt": s("2024-05"), "status": s("PENDING"), "pendingShard": s("")},
		{"orderId": s("o6"), "customerId": s("c3"), "status": s("PENDING"), "pendingShard": s("1")},
	}
	for _, sd := range sides {
		ordersTable(t, sd.client, sd.table)
		for _, it := range orders {
			put(t, sd.client, sd.table, it)
		}
	}

	each("UpdateTable Create", func(sd *lifecycleSide) string {
		in := pendingIndex()
		in.TableName = aws.String(sd.table)
		out, err := sd.client.UpdateTable(ctx, in)
		if err != nil {
			t.Fatalf("%s: UpdateTable: %v", sd.name, err)
		}
		var st []string
		for _, g := range out.TableDescription.GlobalSecondaryIndexes {
			st = append(st, fmt.Sprintf("%s %s backfilling=%v count=%v", aws.ToString(g.IndexName), g.IndexStatus, aws.ToBool(g.Backfilling), g.ItemCount != nil))
		}
		sort.Strings(st)
		return strings.Join(st, "\n")
	})
	described := func(sd *lifecycleSide) string {
		d := waitIndexes(t, sd.client, sd.table, "pending", true)
		var defs []string
		for _, a := range d.AttributeDefinitions {
			defs = append(defs, aws.ToString(a.AttributeName)+" "+string(a.AttributeType))
		}
		sort.Strings(defs)
		var g *types.GlobalSecondaryIndexDescription
		for i := range d.GlobalSecondaryIndexes {
			if aws.ToString(d.GlobalSecondaryIndexes[i].IndexName) == "pending" {
				g = &d.GlobalSecondaryIndexes[i]
			}
		}
		return fmt.Sprintf("defs %v; pending %s count %d projection %s %v", defs, g.IndexStatus, aws.ToInt64(g.ItemCount), g.Projection.ProjectionType, g.Projection.NonKeyAttributes)
	}
	each("DescribeTable after the creation", described)
	queries := func(sd *lifecycleSide) string {
		return "1:\n" + queryPending(t, sd.client, sd.table, "1") + "\n2:\n" + queryPending(t, sd.client, sd.table, "2")
	}
	each("Query pending", queries)
	if got := queryPending(t, sides[0].client, sides[0].table, "1"); strings.Contains(got, "extra") || !strings.Contains(got, "orderId=S:o2") || strings.Contains(got, "o6") {
		t.Errorf("pending shard 1 = %s; want o1 and o2 (o6 has no createdAt), projected without extra", got)
	}

	// Restart the embedded server: the index, its items and count are
	// stored, and it is maintained by the writes that follow.
	before := queries(sides[0])
	beforeDesc := described(sides[0])
	sides[0].client = sides[0].restart()
	if got := queries(sides[0]); got != before {
		t.Errorf("after a restart, Query pending = %s; want %s", got, before)
	}
	if got := described(sides[0]); got != beforeDesc {
		t.Errorf("after a restart, DescribeTable = %s; want %s", got, beforeDesc)
	}
	each("writes through the new index", func(sd *lifecycleSide) string {
		put(t, sd.client, sd.table, map[string]types.AttributeValue{"orderId": s("o7"), "customerId": s("c2"), "createdAt": s("2024-07"), "status": s("PENDING"), "pendingShard": s("2"), "version": n("1")})
		_, err := sd.client.UpdateItem(ctx, &sdk.UpdateItemInput{TableName: aws.String(sd.table), Key: map[string]types.AttributeValue{"orderId": s("o1")},
			UpdateExpression: aws.String("REMOVE pendingShard")})
		if err != nil {
			t.Fatalf("%s: UpdateItem: %v", sd.name, err)
		}
		_, err = sd.client.PutItem(ctx, &sdk.PutItemInput{TableName: aws.String(sd.table), Item: map[string]types.AttributeValue{"orderId": s("o8"), "createdAt": s("2024-08"), "pendingShard": n("8")}})
		return fmt.Sprintf("wrong type: %s\n%s", apiCode(err), queries(sd))
	})
	each("DescribeTable after the writes", described)

	each("UpdateTable Delete", func(sd *lifecycleSide) string {
		_, err := sd.client.UpdateTable(ctx, &sdk.UpdateTableInput{TableName: aws.String(sd.table),
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("pending")}}}})
		if err != nil {
			t.Fatalf("%s: UpdateTable Delete: %v", sd.name, err)
		}
		d := waitIndexes(t, sd.client, sd.table, "pending", false)
		_, err = sd.client.Query(ctx, &sdk.QueryInput{TableName: aws.String(sd.table), IndexName: aws.String("pending"),
			KeyConditionExpression: aws.String("pendingShard = :s"), ExpressionAttributeValues: map[string]types.AttributeValue{":s": s("2")}})
		return fmt.Sprintf("indexes %d (byCustomer %d items), defs %d, query %s", len(d.GlobalSecondaryIndexes), indexCount(d, "byCustomer"), len(d.AttributeDefinitions), apiCode(err))
	})
	sides[0].client = sides[0].restart()
	d := waitIndexes(t, sides[0].client, sides[0].table, "pending", false)
	if len(d.GlobalSecondaryIndexes) != 1 || indexCount(d, "byCustomer") != 6 {
		t.Errorf("after a restart, the indexes are %+v; want byCustomer alone, with 6 items", d.GlobalSecondaryIndexes)
	}
	// The index can be created again; it is backfilled afresh.
	in := pendingIndex()
	in.TableName = aws.String(sides[0].table)
	if _, err := sides[0].client.UpdateTable(ctx, in); err != nil {
		t.Fatalf("UpdateTable Create again: %v", err)
	}
	d = waitIndexes(t, sides[0].client, sides[0].table, "pending", true)
	if got := queryPending(t, sides[0].client, sides[0].table, "2"); indexCount(d, "pending") != 3 || !strings.Contains(got, "o7") {
		t.Errorf("pending created again: %d items, shard 2 = %s; want 3 (o2, o3, o7)", indexCount(d, "pending"), got)
	}
}

// newLocalClient returns an SDK client of the test binary's DynamoDB Local
// (skipping the test when it is not installed) with a database of its own
// (an access key of its own).
func newLocalClient(tb testing.TB) *sdk.Client {
	tb.Helper()
	endpoint := dynamotest.DynamoDBLocalEndpoint(tb)
	return sdk.New(sdk.Options{
		BaseEndpoint:     aws.String(endpoint),
		Region:           dynamotest.Region,
		Credentials:      credentials.NewStaticCredentialsProvider("ut"+strconv.FormatInt(time.Now().UnixNano(), 36), "local", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{},
	})
}

// TestUpdateTable_concurrentWrites creates and deletes an index over and
// over while writers put and delete items that carry its key: whatever
// the interleaving, the index holds exactly the table's items that have the
// key (each write maintains the indexes its commit sees, even when it
// looked the table up before the index changed), and its count agrees.
func TestUpdateTable_concurrentWrites(t *testing.T) {
	t.Parallel()
	srv := start(t, dynamodb.Options{Dir: t.TempDir(), NoSync: true})
	c := srv.client
	ctx := context.Background()
	createTable(t, c, "busy", false, "")
	create := &sdk.UpdateTableInput{TableName: aws.String("busy"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS}},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName: aws.String("byG"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}}}
	del := &sdk.UpdateTableInput{TableName: aws.String("busy"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("byG")}}}}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				pk := fmt.Sprintf("w%d-%d", w, i%50)
				var err error
				switch i % 3 {
				case 0, 1:
					it := map[string]types.AttributeValue{"pk": s(pk)}
					if i%2 == 0 {
						it["g"] = s(fmt.Sprintf("g%d", i%5))
					}
					_, err = c.PutItem(ctx, &sdk.PutItemInput{TableName: aws.String("busy"), Item: it})
				default:
					_, err = c.DeleteItem(ctx, &sdk.DeleteItemInput{TableName: aws.String("busy"), Key: map[string]types.AttributeValue{"pk": s(pk)}})
				}
				if err != nil {
					t.Errorf("write %s: %v", pk, err)
					return
				}
			}
		})
	}
	for i := range 20 {
		in := create
		if i%2 == 1 {
			in = del
		}
		if _, err := c.UpdateTable(ctx, in); err != nil {
			t.Fatalf("UpdateTable #%d: %v", i, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := c.UpdateTable(ctx, create); err != nil {
		t.Fatalf("UpdateTable: %v", err)
	}
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()

	scan := func(index *string) []string {
		var keys []string
		p := sdk.NewScanPaginator(c, &sdk.ScanInput{TableName: aws.String("busy"), IndexName: index})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			for _, it := range out.Items {
				if _, ok := it["g"]; ok {
					keys = append(keys, it["pk"].(*types.AttributeValueMemberS).Value)
				}
			}
		}
		slices.Sort(keys)
		return keys
	}
	want, got := scan(nil), scan(aws.String("byG"))
	if !slices.Equal(got, want) {
		t.Errorf("index byG holds %d items, the table %d with g:\nindex %v\ntable %v", len(got), len(want), got, want)
	}
	d, err := c.DescribeTable(ctx, &sdk.DescribeTableInput{TableName: aws.String("busy")})
	if err != nil {
		t.Fatal(err)
	}
	if n := indexCount(d.Table, "byG"); n != int64(len(want)) {
		t.Errorf("DescribeTable: byG ItemCount %d, want %d", n, len(want))
	}
}

// TestUpdateTable_refusals pins the embedded server's own answers to the
// UpdateTable parameters it does not implement (DynamoDB Local accepts
// most of them: testdata/diff/known-differences/updatetable.json).
func TestUpdateTable_refusals(t *testing.T) {
	t.Parallel()
	srv := startTemp(t)
	c := srv.client
	ctx := context.Background()
	createTable(t, c, "plain", true, types.ProjectionTypeAll)
	for _, tc := range []struct {
		name string
		in   sdk.UpdateTableInput
		want string // in the message
	}{
		{"billing change", sdk.UpdateTableInput{BillingMode: types.BillingModeProvisioned, ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}}, "a change of BillingMode"},
		{"throughput", sdk.UpdateTableInput{ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}}, "ProvisionedThroughput"},
		{"streams", sdk.UpdateTableInput{StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}}, "StreamSpecification"},
		{"deletion protection", sdk.UpdateTableInput{DeletionProtectionEnabled: aws.Bool(true)}, "DeletionProtectionEnabled"},
		{"table class", sdk.UpdateTableInput{TableClass: types.TableClassStandardInfrequentAccess}, "TableClass"},
		{"index update", sdk.UpdateTableInput{GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Update: &types.UpdateGlobalSecondaryIndexAction{
			IndexName: aws.String("byG"), ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}}}}}, "GlobalSecondaryIndexUpdates Update"},
	} {
		in := tc.in
		in.TableName = aws.String("plain")
		_, err := c.UpdateTable(ctx, &in)
		if apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "does not support") {
			t.Errorf("UpdateTable %s: %v; want a ValidationException naming %s", tc.name, err, tc.want)
		}
	}
	// Parameters that change nothing are accepted.
	out, err := c.UpdateTable(ctx, &sdk.UpdateTableInput{TableName: aws.String("plain"), BillingMode: types.BillingModePayPerRequest,
		DeletionProtectionEnabled: aws.Bool(false), TableClass: types.TableClassStandard})
	if err != nil || len(out.TableDescription.GlobalSecondaryIndexes) != 1 || out.TableDescription.GlobalSecondaryIndexes[0].IndexStatus != types.IndexStatusActive {
		t.Errorf("UpdateTable with no-op parameters: %+v, %v; want the unchanged description", out, err)
	}
}
