package dynamodb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph/local/dynamodb"
	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

func TestDB_ServeHTTP(t *testing.T) {
	srv := startTemp(t)
	createTable(t, srv.client, "wire", true, "")
	cases := []struct {
		name   string
		method string
		target string
		body   string
		status int
		typ    string // suffix of __type
	}{
		{"ok", "POST", "DynamoDB_20120810.ListTables", `{}`, 200, ""},
		{"unknown operation", "POST", "DynamoDB_20120810.Frobnicate", `{}`, 400, "#UnknownOperationException"},
		{"unsupported operation", "POST", "DynamoDB_20120810.CreateBackup", `{}`, 400, "#UnknownOperationException"},
		{"other service", "POST", "Kinesis_20131202.ListStreams", `{}`, 400, "#UnknownOperationException"},
		{"bad JSON", "POST", "DynamoDB_20120810.GetItem", `{"TableName":`, 400, "#SerializationException"},
		{"wrong JSON type", "POST", "DynamoDB_20120810.Query", `{"TableName":"wire","Limit":"x"}`, 400, "#SerializationException"},
		{"bad attribute value", "POST", "DynamoDB_20120810.PutItem", `{"TableName":"wire","Item":{"pk":{"S":"a","N":"1"}}}`, 400, "#ValidationException"},
		{"not a number", "POST", "DynamoDB_20120810.PutItem", `{"TableName":"wire","Item":{"pk":{"S":"a"},"sk":{"N":"one"}}}`, 400, "#ValidationException"},
		{"GET", "GET", "DynamoDB_20120810.ListTables", ``, 405, "#UnknownOperationException"},
		{"oversized", "POST", "DynamoDB_20120810.PutItem", `{"TableName":"wire","Item":{"pk":{"S":"` + strings.Repeat("x", 16<<20) + `"}}}`, 413, "#ValidationException"},
		{"missing table", "POST", "DynamoDB_20120810.GetItem", `{"TableName":"nope","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}}`, 400, "#ResourceNotFoundException"},
		{"legacy", "POST", "DynamoDB_20120810.Query", `{"TableName":"wire","KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"a"}]}}}`, 400, "#ValidationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.http.URL, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Amz-Target", tc.target)
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body bytes.Buffer
			_, _ = body.ReadFrom(resp.Body)
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d (%s)", resp.StatusCode, tc.status, body.String())
			}
			if got := resp.Header.Get("Content-Type"); got != "application/x-amz-json-1.0" {
				t.Errorf("Content-Type %q", got)
			}
			if resp.Header.Get("X-Amzn-Requestid") == "" {
				t.Error("no x-amzn-RequestId")
			}
			if got, want := resp.Header.Get("X-Amz-Crc32"), strconv.FormatUint(uint64(crc32.ChecksumIEEE(body.Bytes())), 10); got != want {
				t.Errorf("X-Amz-Crc32 %s, want %s", got, want)
			}
			var e struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(body.Bytes(), &e); err != nil {
				t.Fatalf("response is not JSON: %v", err)
			}
			if !strings.HasSuffix(e.Type, tc.typ) || (tc.typ == "") != (e.Type == "") {
				t.Errorf("__type %q, want …%s", e.Type, tc.typ)
			}
			if tc.typ != "" && e.Message == "" {
				t.Error("error without a message")
			}
			if tc.name == "unknown operation" && !strings.Contains(e.Message, "Frobnicate") {
				t.Errorf("message %q does not name the operation", e.Message)
			}
		})
	}
}

// TestDB_ServeHTTP_neverPanics sends every operation malformed and odd
// bodies: each must be answered (no panic, no 500).
func TestDB_ServeHTTP_neverPanics(t *testing.T) {
	db, err := dynamodb.Open(dynamodb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rawOK(t, db, "CreateTable", `{"TableName":"odd","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"B"},{"AttributeName":"g","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST","GlobalSecondaryIndexes":[{"IndexName":"byG","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}]}`)
	ops := []string{"CreateTable", "DescribeTable", "DeleteTable", "ListTables", "UpdateTimeToLive", "DescribeTimeToLive", "PutItem", "GetItem",
		"UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem", "TransactWriteItems", "TransactGetItems"}
	bodies := []string{
		`{}`, `null`, `[]`, `"x"`, `{"TableName":null}`, `{"TableName":"odd"}`, `{"TableName":"odd","Key":{}}`,
		`{"TableName":"odd","Key":{"pk":{"S":"a"},"sk":{"B":"AAE="}},"Item":{"pk":{"S":"a"},"sk":{"B":"AAE="},"g":{"N":"1"}}}`,
		`{"TableName":"odd","Key":{"pk":{"S":"a"},"sk":{"S":"x"}}}`,
		`{"TableName":"odd","Item":{"pk":{"S":"a"},"sk":{"B":""}}}`,
		`{"TableName":"odd","IndexName":"byG","KeyConditionExpression":"g = :g","ExpressionAttributeValues":{":g":{"N":"1"}},"ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"B":"AA=="},"g":{"S":"x"}}}`,
		`{"TableName":"odd","KeyConditionExpression":"pk = :p AND begins_with(sk, :b)","ExpressionAttributeValues":{":p":{"S":"a"},":b":{"B":"/w=="}},"ScanIndexForward":false}`,
		`{"TableName":"odd","KeyConditionExpression":"pk = :p AND sk BETWEEN :b AND :a","ExpressionAttributeValues":{":p":{"S":"a"},":a":{"B":"AA=="},":b":{"B":"/w=="}}}`,
		`{"TableName":"odd","Segment":0,"TotalSegments":3,"FilterExpression":"size(pk) > :n","ExpressionAttributeValues":{":n":{"N":"0"}}}`,
		`{"RequestItems":{"odd":{"Keys":[{"pk":{"S":"a"},"sk":{"B":"AAE="}}]}}}`,
		`{"RequestItems":{"odd":[{"PutRequest":{"Item":{"pk":{"S":"a"},"sk":{"B":"AAE="}}}},{"DeleteRequest":{}}]}}`,
		`{"TransactItems":[{"Get":{}},{"Put":{}},{}]}`,
		`{"TransactItems":[{"Update":{"TableName":"odd","Key":{"pk":{"S":"a"},"sk":{"B":"AAE="}},"UpdateExpression":"SET g = :s","ExpressionAttributeValues":{":s":{"S":"x"}}}}]}`,
		`{"TableName":"odd","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"g"}}`,
		`{"TableName":"odd","KeySchema":[{"KeyType":"RANGE"}],"AttributeDefinitions":[{}],"GlobalSecondaryIndexes":[{}]}`,
	}
	for _, op := range ops {
		for _, b := range bodies {
			rec := raw(db, op, b)
			if rec.Code >= 500 {
				t.Errorf("%s %s: HTTP %d %s", op, b, rec.Code, rec.Body)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Errorf("%s %s: invalid JSON answer %q", op, b, rec.Body)
			}
		}
	}
}

func TestFaults_Add(t *testing.T) {
	srv := startTemp(t)
	ctx := context.Background()
	c := srv.client
	createTable(t, c, "flt", true, "")
	createTable(t, c, "other", true, "")
	put(t, c, "flt", item("p", 1))
	get := func(table string) error {
		_, err := c.GetItem(ctx, &sdk.GetItemInput{TableName: aws.String(table), Key: item("p", 1)})
		return err
	}
	for _, kind := range []string{"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded", "InternalServerError"} {
		remove := srv.db.Faults().Add(dynamodb.Fault{Operation: "GetItem", Table: "flt", Error: kind})
		if got := apiCode(get("flt")); got != kind {
			t.Errorf("fault %s: got %q", kind, got)
		}
		if err := get("other"); err != nil {
			t.Errorf("fault %s on another table: %v", kind, err)
		}
		remove()
		if err := get("flt"); err != nil {
			t.Errorf("after removing %s: %v", kind, err)
		}
	}

	// Times counts down; a fault does not touch the data.
	srv.db.Faults().Add(dynamodb.Fault{Operation: "PutItem", Error: "InternalServerError", Times: 2})
	for i := range 3 {
		_, err := c.PutItem(ctx, &sdk.PutItemInput{TableName: aws.String("flt"), Item: item("p", 2, "n", i)})
		if (i < 2) != (err != nil) {
			t.Errorf("PutItem %d: %v", i, err)
		}
	}
	g, _ := c.GetItem(ctx, &sdk.GetItemInput{TableName: aws.String("flt"), Key: item("p", 2)})
	if g == nil || g.Item["n"].(*types.AttributeValueMemberN).Value != "2" {
		t.Errorf("after two failed puts: %v", g)
	}

	// Delay honours the request's context.
	srv.db.Faults().Add(dynamodb.Fault{Operation: "Scan", Delay: time.Hour})
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	_, err := c.Scan(short, &sdk.ScanInput{TableName: aws.String("flt")})
	if err == nil || time.Since(t0) > 5*time.Second {
		t.Errorf("delayed Scan: %v after %v", err, time.Since(t0))
	}
	srv.db.Faults().Clear()

	// Unprocessed entries come back in UnprocessedKeys / UnprocessedItems.
	srv.db.Faults().Add(dynamodb.Fault{Table: "flt", Unprocessed: func(n int, key attr.Item) bool { return n%2 == 1 }})
	var keys []map[string]types.AttributeValue
	var writes []types.WriteRequest
	for i := range 6 {
		keys = append(keys, item("p", i))
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: item("p", i, "w", 1)}})
	}
	bw, err := c.BatchWriteItem(ctx, &sdk.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"flt": writes}})
	if err != nil || len(bw.UnprocessedItems["flt"]) != 3 {
		t.Fatalf("BatchWriteItem with fault: %v %v", bw, err)
	}
	bg, err := c.BatchGetItem(ctx, &sdk.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"flt": {Keys: keys}}})
	if err != nil || len(bg.UnprocessedKeys["flt"].Keys) != 3 || len(bg.Responses["flt"]) != 3 {
		t.Fatalf("BatchGetItem with fault: %v %v", bg, err)
	}
	for _, it := range bg.Responses["flt"] {
		if _, ok := it["w"]; !ok {
			t.Errorf("processed item %v was not written", it)
		}
	}
	srv.db.Faults().Clear()
	bg, err = c.BatchGetItem(ctx, &sdk.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"flt": {Keys: keys}}})
	if err != nil || len(bg.UnprocessedKeys) != 0 || len(bg.Responses["flt"]) != 4 { // p0, p2, p4 written; p1 existed
		t.Errorf("BatchGetItem after Clear: %v %v", bg, err)
	}
	var ise *types.InternalServerError
	srv.db.Faults().Add(dynamodb.Fault{Error: "InternalServerError", Times: 1})
	if err := get("flt"); !errors.As(err, &ise) {
		t.Errorf("InternalServerError fault: got %T %v", err, err)
	}
}

var _ = httptest.NewRecorder
