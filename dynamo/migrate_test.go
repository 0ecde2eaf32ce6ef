package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
)

// The Orders table gained the sparse "pending" index after deployments
// (and `make run` data directories) had created it with byCustomer alone:
// CreateTables adds the index to such a table, backfilled from its items.

func TestCreateTables_addsMissingIndex_embedded(t *testing.T) {
	t.Parallel()
	target := dynamotest.Embedded(t)
	by := runIndexMigration(t, target)
	// Describe the seven tables, create six, add the index to Orders with
	// one UpdateTable and see it ACTIVE at the next DescribeTable.
	if by["CreateTable"] != 6 || by["UpdateTable"] != 1 || by["DescribeTable"] != 8 {
		t.Errorf("CreateTables made %v; want 6 CreateTable, 1 UpdateTable, 8 DescribeTable", by)
	}
}

func TestCreateTables_addsMissingIndex_dynamoDBLocal(t *testing.T) {
	t.Parallel()
	runIndexMigration(t, dynamotest.DynamoDBLocal(t))
}

var migrationPrefixes atomic.Int64

// migrationTables returns table names of their own on the target (DynamoDB
// Local's database is shared by the tests), deleted at cleanup.
func migrationTables(t *testing.T, target dynamotest.Target) dynamo.Tables {
	tables := dynamo.TableNames(fmt.Sprintf("mig%d-%d-", time.Now().UnixNano()%1e9, migrationPrefixes.Add(1)))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, name := range tables.All() {
			_, err := target.Client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
			var nf *types.ResourceNotFoundException
			if err != nil && !errors.As(err, &nf) {
				t.Logf("delete %s: %v", name, err)
			}
		}
	})
	return tables
}

// createOldOrders creates the Orders table as it was before "pending":
// orderId, and byCustomer (customerId, createdAt) projecting everything;
// with extra, one more index.
func createOldOrders(t *testing.T, c *dynamodb.Client, name string, extra ...types.GlobalSecondaryIndex) {
	t.Helper()
	s := types.ScalarAttributeTypeS
	key := func(name string, kt types.KeyType) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(name), KeyType: kt}
	}
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("orderId"), AttributeType: s},
			{AttributeName: aws.String("customerId"), AttributeType: s},
			{AttributeName: aws.String("createdAt"), AttributeType: s},
		},
		KeySchema: []types.KeySchemaElement{key("orderId", types.KeyTypeHash)},
		GlobalSecondaryIndexes: append([]types.GlobalSecondaryIndex{{
			IndexName:  aws.String(dynamo.IndexByCustomer),
			KeySchema:  []types.KeySchemaElement{key("customerId", types.KeyTypeHash), key("createdAt", types.KeyTypeRange)},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}}, extra...),
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("create the old Orders table %s: %v", name, err)
	}
}

func num(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// runIndexMigration creates the old Orders table with a few orders (some
// PENDING, carrying pendingShard; others not), runs CreateTables and
// checks that "pending" was added, is ACTIVE, and holds exactly the orders
// carrying pendingShard, with its projection. It returns CreateTables'
// requests by operation.
func runIndexMigration(t *testing.T, target dynamotest.Target) map[string]int {
	ctx := context.Background()
	c := target.Client
	tables := migrationTables(t, target)
	createOldOrders(t, c, tables.Orders)
	orders := []map[string]types.AttributeValue{
		{"orderId": str("o1"), "customerId": str("c1"), "createdAt": str("2024-05-01T10:00:00Z"), "status": str("PENDING"), "pendingShard": str("3"), "version": num("1"), "total": num("12.5")},
		{"orderId": str("o2"), "customerId": str("c2"), "createdAt": str("2024-05-01T09:00:00Z"), "status": str("PENDING"), "pendingShard": str("3"), "version": num("2"), "total": num("3")},
		{"orderId": str("o3"), "customerId": str("c1"), "createdAt": str("2024-05-02T10:00:00Z"), "status": str("CONFIRMED"), "version": num("3"), "total": num("7")},
		{"orderId": str("o4"), "customerId": str("c3"), "createdAt": str("2024-05-03T10:00:00Z"), "status": str("PENDING"), "pendingShard": str("5"), "version": num("1")},
		{"orderId": str("o5"), "customerId": str("c3"), "createdAt": str("2024-05-04T10:00:00Z"), "status": str("CANCELLED"), "version": num("2")},
	}
	for _, it := range orders {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tables.Orders), Item: it}); err != nil {
			t.Fatalf("put an order: %v", err)
		}
	}

	sctx, stats := withStats(ctx)
	created, added, err := dynamo.CreateTables(sctx, c, tables)
	if err != nil {
		t.Fatalf("CreateTables on the old Orders table: %v", err)
	}
	by := ops(stats)
	wantCreated := slices.DeleteFunc(tables.All(), func(n string) bool { return n == tables.Orders })
	if !slices.Equal(created, wantCreated) {
		t.Errorf("CreateTables created %v; want %v (Orders existed)", created, wantCreated)
	}
	if want := []dynamo.AddedIndex{{Table: tables.Orders, Index: dynamo.IndexPending}}; !slices.Equal(added, want) {
		t.Errorf("CreateTables added %v; want %v", added, want)
	}

	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tables.Orders)})
	if err != nil {
		t.Fatal(err)
	}
	var pending *types.GlobalSecondaryIndexDescription
	for i, g := range d.Table.GlobalSecondaryIndexes {
		if aws.ToString(g.IndexName) == dynamo.IndexPending {
			pending = &d.Table.GlobalSecondaryIndexes[i]
		}
		if g.IndexStatus != types.IndexStatusActive {
			t.Errorf("index %s is %s after CreateTables; want ACTIVE", aws.ToString(g.IndexName), g.IndexStatus)
		}
	}
	if pending == nil {
		t.Fatalf("Orders has no index %s after CreateTables: %+v", dynamo.IndexPending, d.Table.GlobalSecondaryIndexes)
	}
	var keys []string
	for _, k := range pending.KeySchema {
		keys = append(keys, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
	}
	include := slices.Clone(pending.Projection.NonKeyAttributes)
	sort.Strings(include)
	if !slices.Equal(keys, []string{"pendingShard HASH", "createdAt RANGE"}) || pending.Projection.ProjectionType != types.ProjectionTypeInclude ||
		!slices.Equal(include, []string{"customerId", "status", "version"}) {
		t.Errorf("index %s: keys %v, projection %s %v; want pendingShard, createdAt, INCLUDE customerId, status, version", dynamo.IndexPending, keys, pending.Projection.ProjectionType, include)
	}
	if n := aws.ToInt64(pending.ItemCount); n != 3 {
		t.Errorf("index %s counts %d items; want 3 (the orders carrying pendingShard)", dynamo.IndexPending, n)
	}

	// The orders carrying pendingShard are in the index, by shard and
	// creation time, with the projected attributes only.
	query := func(shard string) []string {
		out, err := c.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String(tables.Orders), IndexName: aws.String(dynamo.IndexPending),
			KeyConditionExpression:    aws.String("pendingShard = :s"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": str(shard)},
		})
		if err != nil {
			t.Fatalf("Query %s %s: %v", dynamo.IndexPending, shard, err)
		}
		var got []string
		for _, it := range out.Items {
			var names []string
			for k := range it {
				names = append(names, k)
			}
			sort.Strings(names)
			got = append(got, it["orderId"].(*types.AttributeValueMemberS).Value+" "+strings.Join(names, ","))
		}
		return got
	}
	const attrs = "createdAt,customerId,orderId,pendingShard,status,version"
	if got, want := query("3"), []string{"o2 " + attrs, "o1 " + attrs}; !slices.Equal(got, want) {
		t.Errorf("pending shard 3 = %v; want %v", got, want)
	}
	if got, want := query("5"), []string{"o4 " + attrs}; !slices.Equal(got, want) {
		t.Errorf("pending shard 5 = %v; want %v", got, want)
	}
	scan, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(tables.Orders), IndexName: aws.String(dynamo.IndexPending)})
	if err != nil || scan.Count != 3 {
		t.Errorf("Scan of %s: %v items, %v; want 3", dynamo.IndexPending, scan, err)
	}
	// The store's own index is unchanged.
	out, err := c.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(tables.Orders), IndexName: aws.String(dynamo.IndexByCustomer),
		KeyConditionExpression:    aws.String("customerId = :c"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": str("c1")},
	})
	if err != nil || out.Count != 2 {
		t.Errorf("Query byCustomer c1: %v, %v; want o1 and o3", out, err)
	}

	// Nothing left to do the second time.
	created, added, err = dynamo.CreateTables(ctx, c, tables)
	if err != nil || len(created) != 0 || len(added) != 0 {
		t.Errorf("CreateTables again = %v, %v, %v; want nothing created or added", created, added, err)
	}

	// An existing "pending" index keyed otherwise is an error, as before.
	other := migrationTables(t, target)
	createOldOrders(t, c, other.Orders, types.GlobalSecondaryIndex{
		IndexName: aws.String(dynamo.IndexPending),
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("customerId"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("createdAt"), KeyType: types.KeyTypeRange},
		},
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
	})
	if _, added, err := dynamo.CreateTables(ctx, c, other); err == nil || len(added) != 0 ||
		!strings.Contains(err.Error(), "index pending has key schema (customerId HASH, createdAt RANGE)") {
		t.Errorf("CreateTables with pending keyed on customerId = %v, %v; want the key schema error", added, err)
	}
	return by
}
