package dynamotest

import (
	"context"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// SetStock writes a product's Inventory items in every one of warehouses:
// available[w] units available (0 when absent), none reserved.
func SetStock(tb testing.TB, client *dynamodb.Client, table, productID string, warehouses []string, available map[string]int) {
	tb.Helper()
	for _, wh := range warehouses {
		_, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table),
			Item: map[string]types.AttributeValue{
				"productId": &types.AttributeValueMemberS{Value: productID}, "warehouse": &types.AttributeValueMemberS{Value: wh},
				"available": &types.AttributeValueMemberN{Value: strconv.Itoa(available[wh])}, "reserved": &types.AttributeValueMemberN{Value: "0"},
				"version": &types.AttributeValueMemberN{Value: "1"},
			}})
		if err != nil {
			tb.Fatal(err)
		}
	}
}
