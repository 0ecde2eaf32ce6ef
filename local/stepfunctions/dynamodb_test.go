package stepfunctions_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph/internal/asltest"
	localddb "github.com/shopgraph/shopgraph/local/dynamodb"
	"github.com/shopgraph/shopgraph/local/stepfunctions"
	"github.com/shopgraph/shopgraph/local/stepfunctions/asl"
)

// TestDynamoDBIntegration runs the dynamodb:* integrations against the
// embedded DynamoDB through the real client: a conditional put, a get, an
// update returning the new values, and a second conditional put whose
// DynamoDB.ConditionalCheckFailedException a Catch handles.
func TestDynamoDBIntegration(t *testing.T) {
	db, err := localddb.Open(localddb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(db)
	t.Cleanup(func() { srv.Close(); _ = db.Close() })
	client := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	ctx := context.Background()
	if _, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("Orders"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	h := start(t, stepfunctions.Options{Clock: asltest.NewFastClock(), DynamoDB: client})
	m := h.create(t, "orders", `{"StartAt": "Put", "States": {
		"Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "ResultPath": null, "Next": "Get",
			"Parameters": {"TableName": "Orders", "Item": {"id": {"S.$": "$.id"}, "status": {"S": "PENDING"}, "version": {"N": "1"}},
				"ConditionExpression": "attribute_not_exists(id)"}},
		"Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "ResultSelector": {"status.$": "$.Item.status.S"},
			"ResultPath": "$.read", "Next": "Update",
			"Parameters": {"TableName": "Orders", "Key": {"id": {"S.$": "$.id"}}}},
		"Update": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:updateItem", "Next": "PutAgain",
			"ResultSelector": {"status.$": "$.Attributes.status.S", "version.$": "$.Attributes.version.N"}, "ResultPath": "$.updated",
			"Parameters": {"TableName": "Orders", "Key": {"id": {"S.$": "$.id"}},
				"UpdateExpression": "SET #s = :new, version = version + :one",
				"ConditionExpression": "#s = :old",
				"ExpressionAttributeNames": {"#s": "status"},
				"ExpressionAttributeValues": {":new": {"S": "CONFIRMED"}, ":old": {"S": "PENDING"}, ":one": {"N": "1"}},
				"ReturnValues": "ALL_NEW"}},
		"PutAgain": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": true,
			"Parameters": {"TableName": "Orders", "Item": {"id": {"S.$": "$.id"}}, "ConditionExpression": "attribute_not_exists(id)"},
			"Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "ResultPath": "$.duplicate", "Next": "Done"}]},
		"Done": {"Type": "Pass", "End": true}}}`)
	d := h.wait(t, h.startExec(t, m, "", `{"id": "o-1"}`))
	if d.Status != "SUCCEEDED" {
		t.Fatalf("%s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	out := decodeObject(t, aws.ToString(d.Output))
	if read := out["read"].(map[string]any); read["status"] != "PENDING" {
		t.Fatalf("read %v", read)
	}
	if up := out["updated"].(map[string]any); up["status"] != "CONFIRMED" || up["version"] != "2" {
		t.Fatalf("updated %v", up)
	}
	dup, ok := out["duplicate"].(map[string]any)
	if !ok || dup["Error"] != "DynamoDB.ConditionalCheckFailedException" {
		t.Fatalf("duplicate put: %v", out["duplicate"])
	}
	got, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("Orders"), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "o-1"}}})
	if err != nil || got.Item["status"].(*ddbtypes.AttributeValueMemberS).Value != "CONFIRMED" {
		t.Fatalf("stored item %v %v", err, got.Item)
	}
}

func decodeObject(t *testing.T, s string) map[string]any {
	t.Helper()
	v, err := asl.DecodeJSON([]byte(s))
	if err != nil {
		t.Fatalf("output %q: %v", s, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("output %s is not an object", s)
	}
	return m
}
