package dynamo_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
)

func TestConditionFailed_embedded(t *testing.T) {
	t.Parallel()
	pinConditionFailed(t, dynamotest.Embedded(t))
}

func TestConditionFailed_dynamoDBLocal(t *testing.T) {
	t.Parallel()
	pinConditionFailed(t, dynamotest.DynamoDBLocal(t))
}

// pinConditionFailed checks isConditionFailed on the errors a real endpoint
// returns for a false condition: PutItem's ConditionalCheckFailedException
// and TransactWriteItems' TransactionCanceledException.
func pinConditionFailed(t *testing.T, tg dynamotest.Target) {
	ctx := context.Background()
	table := aws.String(tg.Tables.APIKeys)
	key := func(id string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"keyId": str(id)}
	}
	put := func(id string, cond bool) types.TransactWriteItem {
		p := &types.Put{TableName: table, Item: key(id)}
		if cond {
			p.ConditionExpression = aws.String("attribute_not_exists(keyId)")
		}
		return types.TransactWriteItem{Put: p}
	}
	if _, err := tg.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: key("taken")}); err != nil {
		t.Fatal(err)
	}

	t.Run("PutItem", func(t *testing.T) {
		_, err := tg.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: key("taken"), ConditionExpression: aws.String("attribute_not_exists(keyId)")})
		if err == nil || !dynamo.IsConditionFailed(err) {
			t.Errorf("a conditional PutItem on a taken key: %v; want a failed condition", err)
		}
	})

	t.Run("TransactWriteItems", func(t *testing.T) {
		// The second of three puts fails its condition: the transaction is
		// cancelled with reasons None, ConditionalCheckFailed, None.
		_, err := tg.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			put("new-1", true), put("taken", true), put("new-2", false),
		}})
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			t.Fatalf("TransactWriteItems with a false condition: %v; want a TransactionCanceledException", err)
		}
		var codes []string
		for _, r := range tce.CancellationReasons {
			codes = append(codes, aws.ToString(r.Code))
		}
		if len(codes) != 3 || codes[1] != "ConditionalCheckFailed" || codes[0] != "None" || codes[2] != "None" {
			t.Errorf("cancellation reasons %q, want [None ConditionalCheckFailed None]", codes)
		}
		if !dynamo.IsConditionFailed(err) {
			t.Errorf("isConditionFailed(%v) = false, want true", err)
		}
		// Nothing was written.
		for _, id := range []string{"new-1", "new-2"} {
			out, err := tg.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: key(id), ConsistentRead: aws.Bool(true)})
			if err != nil || len(out.Item) != 0 {
				t.Errorf("after a cancelled transaction, %s = %v, %v; want no item", id, out.Item, err)
			}
		}
	})

	t.Run("TransactWriteItems that succeeds", func(t *testing.T) {
		_, err := tg.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{put("new-3", true)}})
		if err != nil || dynamo.IsConditionFailed(err) {
			t.Errorf("a transaction whose condition holds: %v", err)
		}
	})
}
