package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/shopgraph/shopgraph/internal/dynamotest"
)

// TestEmulatorDifferences pins, on the raw SDK client, the ways minidyn and
// DynamoDB Local (which behaves like DynamoDB here) differ where it matters
// to the store, and the shared behaviour the store relies on. Each case says
// what the store does about it. If an emulator changes, this test says so
// before the contract suite fails for a less obvious reason.
func TestEmulatorDifferences_minidyn(t *testing.T) {
	t.Parallel()
	pinDifferences(t, dynamotest.Minidyn(t))
}

func TestEmulatorDifferences_dynamoDBLocal(t *testing.T) {
	t.Parallel()
	pinDifferences(t, dynamotest.DynamoDBLocal(t))
}

func pinDifferences(t *testing.T, tg dynamotest.Target) {
	ctx := context.Background()
	c := tg.Client
	local := tg.Minidyn == nil // DynamoDB Local
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

	t.Run("duplicate keys in one BatchGetItem", func(t *testing.T) {
		// DynamoDB Local (like DynamoDB) rejects the request; minidyn answers
		// it, returning the item twice. The store deduplicates keys.
		k := key("a", "P1")
		out, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{products: {Keys: []map[string]types.AttributeValue{k, k}}}})
		if local {
			wantAPIError(t, err, "ValidationException", "duplicates")
		} else if err != nil || len(out.Responses[products]) != 2 {
			t.Errorf("minidyn: %v, %v; want the item twice, no error", out, err)
		}
	})

	t.Run("duplicate keys in one BatchWriteItem", func(t *testing.T) {
		// Same for writes. Store.Seed deduplicates (last item wins).
		k := key("a", "P1")
		_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
			products: {{PutRequest: &types.PutRequest{Item: k}}, {PutRequest: &types.PutRequest{Item: k}}},
		}})
		if local {
			wantAPIError(t, err, "ValidationException", "duplicates")
		} else if err != nil {
			t.Errorf("minidyn: %v, want no error", err)
		}
	})

	t.Run("empty string key value", func(t *testing.T) {
		// DynamoDB rejects an empty string in a key attribute; minidyn looks
		// the key up and finds nothing. The store never sends one: such keys
		// are answered "absent" (GetProducts, GetInventory) or NotFound
		// (ProductBySKU) without a request.
		_, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{products: {Keys: []map[string]types.AttributeValue{key("", "P1")}}}})
		if local {
			wantAPIError(t, err, "ValidationException", "empty string")
		} else if err != nil {
			t.Errorf("minidyn: %v, want no error", err)
		}
	})

	t.Run("DescribeTable TableStatus", func(t *testing.T) {
		// DynamoDB Local says ACTIVE; minidyn leaves TableStatus empty (so
		// SDK waiters never finish). CreateTables treats "" as ready.
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(products)})
		if err != nil {
			t.Fatal(err)
		}
		want := types.TableStatus("")
		if local {
			want = types.TableStatusActive
		}
		if out.Table.TableStatus != want {
			t.Errorf("TableStatus %q, want %q", out.Table.TableStatus, want)
		}
		if n := len(out.Table.GlobalSecondaryIndexes); n != 1 || out.Table.GlobalSecondaryIndexes[0].IndexStatus != types.IndexStatusActive {
			t.Errorf("GSIs %+v, want bySku ACTIVE", out.Table.GlobalSecondaryIndexes)
		}
	})

	t.Run("ListTables", func(t *testing.T) {
		// minidyn does not serve ListTables (a plain-text 400 the SDK cannot
		// decode). CreateTables never calls it.
		_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
		if local && err != nil {
			t.Errorf("DynamoDB Local ListTables: %v", err)
		}
		if !local && (err == nil || !strings.Contains(err.Error(), "deserialization failed")) {
			t.Errorf("minidyn ListTables: %v, want a deserialization error", err)
		}
	})

	t.Run("ExclusiveStartKey of a missing item", func(t *testing.T) {
		// DynamoDB continues after the key's position; minidyn ends paging
		// silently. Store tokens point at the last item of a page, so this
		// shows only when that item is deleted between two page requests.
		out, err := query(key("a", "P1x"), 0)
		if err != nil {
			t.Fatal(err)
		}
		want := 3 // P2, P3, P4
		if !local {
			want = 0
		}
		if len(out.Items) != want {
			t.Errorf("%d items after a missing start key, want %d", len(out.Items), want)
		}
	})

	t.Run("ExclusiveStartKey from another partition", func(t *testing.T) {
		// DynamoDB rejects it; minidyn ends paging. The store never sends
		// one: a token is bound to its category by its MAC.
		out, err := query(key("b", "P1"), 0)
		if local {
			wantAPIError(t, err, "ValidationException", "starting key")
		} else if err != nil || len(out.Items) != 0 {
			t.Errorf("minidyn: %v, %v; want no items, no error", out, err)
		}
	})

	t.Run("same: Query returning exactly Limit items has a LastEvaluatedKey", func(t *testing.T) {
		// Both return a LastEvaluatedKey when the page is full even if
		// nothing follows, so ListProducts asks for Limit+1 items to avoid
		// an empty last page.
		out, err := query(nil, 5)
		if err != nil || len(out.Items) != 5 || len(out.LastEvaluatedKey) == 0 {
			t.Errorf("Query Limit 5 of 5 items: %d items, LastEvaluatedKey %v, %v; want 5 and a key", len(out.Items), out.LastEvaluatedKey, err)
		}
		out, err = query(nil, 6)
		if err != nil || len(out.Items) != 5 || len(out.LastEvaluatedKey) != 0 {
			t.Errorf("Query Limit 6 of 5 items: %d items, LastEvaluatedKey %v, %v; want 5 and none", len(out.Items), out.LastEvaluatedKey, err)
		}
	})

	t.Run("same: BatchGetItem over 100 keys is rejected", func(t *testing.T) {
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
