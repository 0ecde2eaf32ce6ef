package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/shopgraph/shopgraph/internal/dynamotest"
)

// TestDynamoDBBehaviour pins, on the raw SDK client, the DynamoDB behaviour
// the store relies on or works around, on the embedded DynamoDB and on
// DynamoDB Local (which behaves like DynamoDB here). Each case says what the
// store does about it. They once differed on minidyn (see git history);
// the embedded DynamoDB's differential suite (local/dynamodb) compares far
// more, and the README names what still differs.
func TestDynamoDBBehaviour_embedded(t *testing.T) {
	t.Parallel()
	pinBehaviour(t, dynamotest.Embedded(t))
}

func TestDynamoDBBehaviour_dynamoDBLocal(t *testing.T) {
	t.Parallel()
	pinBehaviour(t, dynamotest.DynamoDBLocal(t))
}

func pinBehaviour(t *testing.T, tg dynamotest.Target) {
	ctx := context.Background()
	c := tg.Client
	products := tg.Tables.Products
	key := func(cat, id string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"category": str(cat), "productId": str(id)}
	}
	for i := range 5 {
		if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
			products: {{PutRequest: &types.PutRequest{Item: key("a", fmt.Sprintf("P%d", i))}}},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	query := func(esk map[string]types.AttributeValue, limit int32) (*dynamodb.QueryOutput, error) {
		in := &dynamodb.QueryInput{
			TableName:                 aws.String(products),
			KeyConditionExpression:    aws.String("category = :c"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":c": str("a")},
			ExclusiveStartKey:         esk,
		}
		if limit > 0 {
			in.Limit = aws.Int32(limit)
		}
		return c.Query(ctx, in)
	}

	t.Run("duplicate keys in one BatchGetItem are rejected", func(t *testing.T) {
		// The store deduplicates keys.
		k := key("a", "P1")
		_, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{products: {Keys: []map[string]types.AttributeValue{k, k}}}})
		wantAPIError(t, err, "ValidationException", "duplicates")
	})

	t.Run("duplicate keys in one BatchWriteItem are rejected", func(t *testing.T) {
		// Store.Seed deduplicates (last item wins).
		k := key("a", "P1")
		_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
			products: {{PutRequest: &types.PutRequest{Item: k}}, {PutRequest: &types.PutRequest{Item: k}}},
		}})
		wantAPIError(t, err, "ValidationException", "duplicates")
	})

	t.Run("an empty string key value is rejected", func(t *testing.T) {
		// The store never sends one: such keys are answered "absent"
		// (GetProducts, GetInventory) or NotFound (ProductBySKU) without a
		// request.
		_, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{products: {Keys: []map[string]types.AttributeValue{key("", "P1")}}}})
		wantAPIError(t, err, "ValidationException", "empty string")
	})

	t.Run("DescribeTable says ACTIVE, GSIs too", func(t *testing.T) {
		// CreateTables waits for ACTIVE.
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(products)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Table.TableStatus != types.TableStatusActive {
			t.Errorf("TableStatus %q, want ACTIVE", out.Table.TableStatus)
		}
		if n := len(out.Table.GlobalSecondaryIndexes); n != 1 || out.Table.GlobalSecondaryIndexes[0].IndexStatus != types.IndexStatusActive {
			t.Errorf("GSIs %+v, want bySku ACTIVE", out.Table.GlobalSecondaryIndexes)
		}
	})

	t.Run("ListTables", func(t *testing.T) {
		out, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
		if err != nil || !slices.Contains(out.TableNames, products) {
			t.Errorf("ListTables: %v, %v; want %s listed", out, err, products)
		}
	})

	t.Run("ExclusiveStartKey of a missing item continues after its position", func(t *testing.T) {
		// Store tokens point at the last item of a page, so this shows only
		// when that item is deleted between two page requests.
		out, err := query(key("a", "P1x"), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Items) != 3 { // P2, P3, P4
			t.Errorf("%d items after a missing start key, want 3", len(out.Items))
		}
	})

	t.Run("ExclusiveStartKey from another partition is rejected", func(t *testing.T) {
		// The store never sends one: a token is bound to its category by
		// its MAC.
		_, err := query(key("b", "P1"), 0)
		wantAPIError(t, err, "ValidationException", "starting key")
	})

	t.Run("Query returning exactly Limit items has a LastEvaluatedKey", func(t *testing.T) {
		// So ListProducts asks for Limit+1 items to avoid an empty last
		// page.
		out, err := query(nil, 5)
		if err != nil || len(out.Items) != 5 || len(out.LastEvaluatedKey) == 0 {
			t.Errorf("Query Limit 5 of 5 items: %d items, LastEvaluatedKey %v, %v; want 5 and a key", len(out.Items), out.LastEvaluatedKey, err)
		}
		out, err = query(nil, 6)
		if err != nil || len(out.Items) != 5 || len(out.LastEvaluatedKey) != 0 {
			t.Errorf("Query Limit 6 of 5 items: %d items, LastEvaluatedKey %v, %v; want 5 and none", len(out.Items), out.LastEvaluatedKey, err)
		}
	})

	t.Run("BatchGetItem over 100 keys is rejected", func(t *testing.T) {
		keys := make([]map[string]types.AttributeValue, 101)
		for i := range keys {
			keys[i] = key("a", fmt.Sprint("X", i))
		}
		_, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{products: {Keys: keys}}})
		wantAPIError(t, err, "ValidationException", "Too many items")
	})
}

func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code || !strings.Contains(api.ErrorMessage(), msg) {
		t.Errorf("error %v, want %s containing %q", err, code, msg)
	}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
