package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/shopgraph/shopgraph/local/dynamodb"
)

// apiCode returns the error code of an SDK error ("" for nil).
func apiCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "not an API error: " + err.Error()
}

func TestDB_tableOperations(t *testing.T) {
	srv := startTemp(t)
	ctx := context.Background()
	c := srv.client
	createTable(t, c, "alpha", true, types.ProjectionTypeKeysOnly)
	for _, name := range []string{"beta", "gamma"} {
		createTable(t, c, name, false, "")
	}
	_, err := c.CreateTable(ctx, &sdk.CreateTableInput{
		TableName: aws.String("alpha"), BillingMode: types.BillingModePayPerRequest,
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
	})
	if got := apiCode(err); got != "ResourceInUseException" {
		t.Errorf("CreateTable existing: got %q, want ResourceInUseException", got)
	}

	bad := []struct {
		name string
		in   *sdk.CreateTableInput
	}{
		{"short name", &sdk.CreateTableInput{TableName: aws.String("ab")}},
		{"unused definition", &sdk.CreateTableInput{TableName: aws.String("xyz"), BillingMode: types.BillingModePayPerRequest,
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("x"), AttributeType: types.ScalarAttributeTypeS}}}},
		{"undefined key", &sdk.CreateTableInput{TableName: aws.String("xyz"), BillingMode: types.BillingModePayPerRequest,
			KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("x"), AttributeType: types.ScalarAttributeTypeS}}}},
		{"no throughput", &sdk.CreateTableInput{TableName: aws.String("xyz"),
			KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}}}},
		{"local index", &sdk.CreateTableInput{TableName: aws.String("xyz"), BillingMode: types.BillingModePayPerRequest,
			KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
			AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
			LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("lsi"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}}, Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}}},
	}
	for _, tc := range bad {
		if _, err := c.CreateTable(ctx, tc.in); apiCode(err) != "ValidationException" {
			t.Errorf("CreateTable %s: got %v, want ValidationException", tc.name, err)
		}
	}

	put(t, c, "alpha", item("p", 1, "g", "x", "a", 1))
	put(t, c, "alpha", item("p", 2, "a", 2)) // not in the index
	d, err := c.DescribeTable(ctx, &sdk.DescribeTableInput{TableName: aws.String("alpha")})
	if err != nil {
		t.Fatalf("DescribeTable: %v", err)
	}
	tab := d.Table
	if tab.TableStatus != types.TableStatusActive || aws.ToInt64(tab.ItemCount) != 2 || aws.ToInt64(tab.TableSizeBytes) == 0 ||
		aws.ToString(tab.TableArn) != "arn:aws:dynamodb:ddblocal:000000000000:table/alpha" ||
		tab.BillingModeSummary == nil || tab.BillingModeSummary.BillingMode != types.BillingModePayPerRequest || tab.CreationDateTime == nil {
		t.Errorf("DescribeTable: unexpected %+v", tab)
	}
	if len(tab.GlobalSecondaryIndexes) != 1 || aws.ToInt64(tab.GlobalSecondaryIndexes[0].ItemCount) != 1 ||
		tab.GlobalSecondaryIndexes[0].IndexStatus != types.IndexStatusActive {
		t.Errorf("DescribeTable GSIs: %+v", tab.GlobalSecondaryIndexes)
	}

	var names []string
	var start *string
	for {
		out, err := c.ListTables(ctx, &sdk.ListTablesInput{Limit: aws.Int32(2), ExclusiveStartTableName: start})
		if err != nil {
			t.Fatalf("ListTables: %v", err)
		}
		names = append(names, out.TableNames...)
		if start = out.LastEvaluatedTableName; start == nil {
			break
		}
	}
	if want := []string{"alpha", "beta", "gamma"}; !slices.Equal(names, want) {
		t.Errorf("ListTables pages: got %v, want %v", names, want)
	}

	if _, err := c.DeleteTable(ctx, &sdk.DeleteTableInput{TableName: aws.String("alpha")}); err != nil {
		t.Fatalf("DeleteTable: %v", err)
	}
	for _, err := range []error{
		func() error {
			_, err := c.DeleteTable(ctx, &sdk.DeleteTableInput{TableName: aws.String("alpha")})
			return err
		}(),
		func() error {
			_, err := c.DescribeTable(ctx, &sdk.DescribeTableInput{TableName: aws.String("alpha")})
			return err
		}(),
		func() error {
			_, err := c.GetItem(ctx, &sdk.GetItemInput{TableName: aws.String("alpha"), Key: item("p", 1)})
			return err
		}(),
	} {
		if apiCode(err) != "ResourceNotFoundException" {
			t.Errorf("after DeleteTable: got %v, want ResourceNotFoundException", err)
		}
	}
	// A recreated table starts empty.
	createTable(t, c, "alpha", true, "")
	out, err := c.Scan(ctx, &sdk.ScanInput{TableName: aws.String("alpha")})
	if err != nil || out.Count != 0 {
		t.Errorf("Scan of recreated table: %v, %v", out, err)
	}
}

func TestDB_itemOperations(t *testing.T) {
	srv := startTemp(t)
	ctx := context.Background()
	c := srv.client
	createTable(t, c, "items", true, types.ProjectionTypeAll)
	put(t, c, "items", item("p", 1, "a", 1, "b", "x"))

	attrs := func(m map[string]types.AttributeValue) string {
		var keys []string
		for k, v := range m {
			switch v := v.(type) {
			case *types.AttributeValueMemberN:
				keys = append(keys, k+"="+v.Value)
			case *types.AttributeValueMemberS:
				keys = append(keys, k+"="+v.Value)
			default:
				keys = append(keys, k+"=?")
			}
		}
		slices.Sort(keys)
		return strings.Join(keys, ",")
	}
	updates := []struct {
		rv   types.ReturnValue
		want string
	}{
		{types.ReturnValueNone, ""},
		{types.ReturnValueAllOld, "a=2,b=x,pk=p,sk=1"},
		{types.ReturnValueAllNew, "a=4,b=x,pk=p,sk=1"},
		{types.ReturnValueUpdatedOld, "a=4"},
		{types.ReturnValueUpdatedNew, "a=6"},
	}
	for _, tc := range updates {
		out, err := c.UpdateItem(ctx, &sdk.UpdateItemInput{
			TableName: aws.String("items"), Key: item("p", 1),
			UpdateExpression:          aws.String("SET a = a + :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": ni(1)},
			ReturnValues:              tc.rv,
		})
		if err != nil {
			t.Fatalf("UpdateItem %s: %v", tc.rv, err)
		}
		if got := attrs(out.Attributes); got != tc.want {
			t.Errorf("UpdateItem %s: got %q, want %q", tc.rv, got, tc.want)
		}
	}

	out, err := c.PutItem(ctx, &sdk.PutItemInput{TableName: aws.String("items"), Item: item("p", 1, "c", "z"), ReturnValues: types.ReturnValueAllOld})
	if err != nil || attrs(out.Attributes) != "a=6,b=x,pk=p,sk=1" {
		t.Errorf("PutItem ALL_OLD: %v %v", attrs(out.Attributes), err)
	}
	_, err = c.PutItem(ctx, &sdk.PutItemInput{TableName: aws.String("items"), Item: item("p", 1), ReturnValues: types.ReturnValueAllNew})
	if apiCode(err) != "ValidationException" {
		t.Errorf("PutItem ALL_NEW: got %v, want ValidationException", err)
	}

	_, err = c.PutItem(ctx, &sdk.PutItemInput{
		TableName: aws.String("items"), Item: item("p", 1),
		ConditionExpression:                 aws.String("attribute_not_exists(pk)"),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || attrs(ccf.Item) != "c=z,pk=p,sk=1" {
		t.Errorf("conditional PutItem: got %v (item %v), want ConditionalCheckFailedException with the item", err, ccf)
	}

	g, err := c.GetItem(ctx, &sdk.GetItemInput{TableName: aws.String("items"), Key: item("p", 1), ProjectionExpression: aws.String("c"), ConsistentRead: aws.Bool(true)})
	if err != nil || attrs(g.Item) != "c=z" {
		t.Errorf("GetItem projection: %v %v", attrs(g.Item), err)
	}

	_, err = c.UpdateItem(ctx, &sdk.UpdateItemInput{TableName: aws.String("items"), Key: item("p", 1),
		UpdateExpression: aws.String("SET pk = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("q")}})
	if apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), "Cannot update attribute pk. This attribute is part of the key") {
		t.Errorf("key update: got %v", err)
	}
	_, err = c.PutItem(ctx, &sdk.PutItemInput{TableName: aws.String("items"), Item: map[string]types.AttributeValue{"pk": ni(1), "sk": ni(1)}})
	if apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), "Type mismatch for key pk expected: S actual: N") {
		t.Errorf("key type mismatch: got %v", err)
	}
	_, err = c.PutItem(ctx, &sdk.PutItemInput{TableName: aws.String("items"), Item: item("p", 9, "big", strings.Repeat("x", 400*1024))})
	if apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), "Item size has exceeded the maximum allowed size") {
		t.Errorf("oversized item: got %v", err)
	}
	_, err = c.PutItem(ctx, &sdk.PutItemInput{TableName: aws.String("items"), Item: item("p", 9), Expected: map[string]types.ExpectedAttributeValue{"a": {Exists: aws.Bool(false)}}})
	if apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), "Expected") {
		t.Errorf("legacy parameter: got %v", err)
	}

	d, err := c.DeleteItem(ctx, &sdk.DeleteItemInput{TableName: aws.String("items"), Key: item("p", 1), ReturnValues: types.ReturnValueAllOld,
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil || attrs(d.Attributes) != "c=z,pk=p,sk=1" || d.ConsumedCapacity == nil || aws.ToFloat64(d.ConsumedCapacity.CapacityUnits) <= 0 {
		t.Errorf("DeleteItem ALL_OLD: %v %+v %v", attrs(d.Attributes), d.ConsumedCapacity, err)
	}
	g, err = c.GetItem(ctx, &sdk.GetItemInput{TableName: aws.String("items"), Key: item("p", 1)})
	if err != nil || g.Item != nil {
		t.Errorf("GetItem after delete: %v %v", g.Item, err)
	}
	// UpdateItem creates a missing item.
	u, err := c.UpdateItem(ctx, &sdk.UpdateItemInput{TableName: aws.String("items"), Key: item("q", 1),
		UpdateExpression: aws.String("SET a = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": ni(7)}, ReturnValues: types.ReturnValueAllNew})
	if err != nil || attrs(u.Attributes) != "a=7,pk=q,sk=1" {
		t.Errorf("UpdateItem upsert: %v %v", attrs(u.Attributes), err)
	}
}

func TestDB_batches(t *testing.T) {
	srv := startTemp(t)
	ctx := context.Background()
	c := srv.client
	createTable(t, c, "batch", true, "")
	var writes []types.WriteRequest
	for i := range 25 {
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: item("p", i, "a", i)}})
	}
	w, err := c.BatchWriteItem(ctx, &sdk.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"batch": writes}})
	if err != nil || len(w.UnprocessedItems) != 0 {
		t.Fatalf("BatchWriteItem: %v %v", w, err)
	}
	writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: item("p", 99)}})
	if _, err := c.BatchWriteItem(ctx, &sdk.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"batch": writes}}); apiCode(err) != "ValidationException" {
		t.Errorf("BatchWriteItem of 26: got %v", err)
	}
	dup := []types.WriteRequest{{PutRequest: &types.PutRequest{Item: item("p", 1)}}, {DeleteRequest: &types.DeleteRequest{Key: item("p", 1)}}}
	if _, err := c.BatchWriteItem(ctx, &sdk.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"batch": dup}}); apiCode(err) != "ValidationException" {
		t.Errorf("BatchWriteItem duplicates: got %v", err)
	}

	var keys []map[string]types.AttributeValue
	for i := range 30 {
		keys = append(keys, item("p", i))
	}
	g, err := c.BatchGetItem(ctx, &sdk.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"batch": {Keys: keys, ProjectionExpression: aws.String("a")}}})
	if err != nil || len(g.Responses["batch"]) != 25 || g.UnprocessedKeys == nil || len(g.UnprocessedKeys) != 0 {
		t.Fatalf("BatchGetItem: %d items, unprocessed %v, %v", len(g.Responses["batch"]), g.UnprocessedKeys, err)
	}
	for _, it := range g.Responses["batch"] {
		if len(it) != 1 || it["a"] == nil {
			t.Errorf("BatchGetItem projection: %v", it)
			break
		}
	}
	dupKeys := []map[string]types.AttributeValue{item("p", 1), item("p", 1)}
	if _, err := c.BatchGetItem(ctx, &sdk.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"batch": {Keys: dupKeys}}}); apiCode(err) != "ValidationException" ||
		!strings.Contains(err.Error(), "Provided list of item keys contains duplicates") {
		t.Errorf("BatchGetItem duplicates: got %v", err)
	}
	for i := 30; i < 101; i++ {
		keys = append(keys, item("p", i))
	}
	if _, err := c.BatchGetItem(ctx, &sdk.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"batch": {Keys: keys}}}); apiCode(err) != "ValidationException" {
		t.Errorf("BatchGetItem of 101: got %v", err)
	}
}

func TestDB_transactWriteItems(t *testing.T) {
	srv := startTemp(t)
	ctx := context.Background()
	c := srv.client
	createTable(t, c, "txs", true, types.ProjectionTypeAll)
	put(t, c, "txs", item("p", 1, "a", 1))

	// A failed condition cancels everything, with reasons in request order.
	_, err := c.TransactWriteItems(ctx, &sdk.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("txs"), Item: item("p", 2)}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("txs"), Key: item("p", 1), ConditionExpression: aws.String("a = :two"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":two": ni(2)}, ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		{Delete: &types.Delete{TableName: aws.String("txs"), Key: item("p", 3)}},
		{Update: &types.Update{TableName: aws.String("txs"), Key: item("p", 4), UpdateExpression: aws.String("SET a = :two"),
			ConditionExpression: aws.String("attribute_exists(pk)"), ExpressionAttributeValues: map[string]types.AttributeValue{":two": ni(2)}}},
	}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("TransactWriteItems: got %v, want TransactionCanceledException", err)
	}
	var codes []string
	for _, r := range tce.CancellationReasons {
		codes = append(codes, aws.ToString(r.Code))
	}
	if want := []string{"None", "ConditionalCheckFailed", "None", "ConditionalCheckFailed"}; !slices.Equal(codes, want) {
		t.Errorf("CancellationReasons: got %v, want %v", codes, want)
	}
	if tce.CancellationReasons[1].Item["a"] == nil {
		t.Errorf("CancellationReasons[1].Item: got %v, want the old item", tce.CancellationReasons[1].Item)
	}
	if g, _ := c.GetItem(ctx, &sdk.GetItemInput{TableName: aws.String("txs"), Key: item("p", 2)}); g == nil || g.Item != nil {
		t.Errorf("cancelled transaction wrote its Put: %v", g)
	}

	_, err = c.TransactWriteItems(ctx, &sdk.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("txs"), Item: item("p", 1)}},
		{Delete: &types.Delete{TableName: aws.String("txs"), Key: item("p", 1)}},
	}})
	if apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), "multiple operations on one item") {
		t.Errorf("two actions on one item: got %v", err)
	}

	// Idempotency: the same token and request applies once.
	incr := &sdk.TransactWriteItemsInput{ClientRequestToken: aws.String("token-1"), TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String("txs"), Key: item("p", 1), UpdateExpression: aws.String("ADD a :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": ni(1)}}},
	}}
	for range 2 {
		if _, err := c.TransactWriteItems(ctx, incr); err != nil {
			t.Fatalf("TransactWriteItems with token: %v", err)
		}
	}
	g, err := c.GetItem(ctx, &sdk.GetItemInput{TableName: aws.String("txs"), Key: item("p", 1)})
	if err != nil || g.Item["a"].(*types.AttributeValueMemberN).Value != "2" {
		t.Errorf("after two idempotent increments: %v %v, want a=2", g.Item, err)
	}
	incr.TransactItems[0].Update.ExpressionAttributeValues[":one"] = ni(5)
	if _, err := c.TransactWriteItems(ctx, incr); apiCode(err) != "IdempotentParameterMismatchException" {
		t.Errorf("same token, other request: got %v", err)
	}

	tg, err := c.TransactGetItems(ctx, &sdk.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String("txs"), Key: item("p", 1)}},
		{Get: &types.Get{TableName: aws.String("txs"), Key: item("p", 9)}},
	}})
	if err != nil || len(tg.Responses) != 2 || tg.Responses[0].Item == nil || tg.Responses[1].Item != nil {
		t.Errorf("TransactGetItems: %+v %v", tg, err)
	}
}

// TestDB_transactWriteItems_concurrent checks that concurrent conditional
// increments never lose an update.
func TestDB_transactWriteItems_concurrent(t *testing.T) {
	srv := start(t, dynamodb.Options{Dir: t.TempDir(), NoSync: true})
	ctx := context.Background()
	c := srv.client
	createTable(t, c, "ctr", true, "")
	put(t, c, "ctr", item("c", 0, "v", 0))
	const workers, each = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := 0; done < each; {
				g, err := c.GetItem(ctx, &sdk.GetItemInput{TableName: aws.String("ctr"), Key: item("c", 0), ConsistentRead: aws.Bool(true)})
				if err != nil {
					errs <- err
					return
				}
				cur := g.Item["v"].(*types.AttributeValueMemberN).Value
				_, err = c.TransactWriteItems(ctx, &sdk.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Update: &types.Update{TableName: aws.String("ctr"), Key: item("c", 0), UpdateExpression: aws.String("SET v = v + :one"),
						ConditionExpression:       aws.String("v = :cur"),
						ExpressionAttributeValues: map[string]types.AttributeValue{":one": ni(1), ":cur": n(cur)}}},
					{Put: &types.Put{TableName: aws.String("ctr"), Item: item("log", 0, "last", cur)}},
				}})
				var tce *types.TransactionCanceledException
				switch {
				case err == nil:
					done++
				case errors.As(err, &tce):
				default:
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("worker: %v", err)
	}
	g, err := c.GetItem(ctx, &sdk.GetItemInput{TableName: aws.String("ctr"), Key: item("c", 0)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := g.Item["v"].(*types.AttributeValueMemberN).Value, fmt.Sprint(workers*each); got != want {
		t.Errorf("counter: got %s, want %s", got, want)
	}
}
