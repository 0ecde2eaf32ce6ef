package attr_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

// The tests in this file check the case tables against DynamoDB Local
// itself, over its wire API (raw JSON, so invalid values can be sent). They
// skip when DynamoDB Local is not installed, unless CI=true.

// oracle is a table on DynamoDB Local with a string partition key "pk".
type oracle struct {
	t        *testing.T
	endpoint string
	table    string
	client   *http.Client
}

var oracleTables atomic.Int64

func newOracle(t *testing.T) *oracle {
	t.Helper()
	o := &oracle{
		t:        t,
		endpoint: dynamotest.DynamoDBLocalEndpoint(t),
		table:    fmt.Sprintf("attr_oracle_%d_%d", time.Now().UnixNano(), oracleTables.Add(1)),
		client:   &http.Client{Timeout: 30 * time.Second},
	}
	if _, msg := o.call("CreateTable", map[string]any{
		"TableName":            o.table,
		"AttributeDefinitions": []map[string]string{{"AttributeName": "pk", "AttributeType": "S"}},
		"KeySchema":            []map[string]string{{"AttributeName": "pk", "KeyType": "HASH"}},
		"BillingMode":          "PAY_PER_REQUEST",
	}); msg != "" {
		t.Fatalf("CreateTable: %s", msg)
	}
	t.Cleanup(func() {
		if _, msg := o.call("DeleteTable", map[string]any{"TableName": o.table}); msg != "" {
			t.Errorf("DeleteTable: %s", msg)
		}
	})
	return o
}

// call sends one request (body: a JSON-encodable value or json.RawMessage)
// and returns the answer's body, or its error as "Type: Message".
func (o *oracle) call(op string, body any) (map[string]json.RawMessage, string) {
	o.t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		o.t.Fatalf("encode %s request: %v", op, err)
	}
	req, err := http.NewRequest(http.MethodPost, o.endpoint, bytes.NewReader(data))
	if err != nil {
		o.t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	// DynamoDB Local checks no signature; the access key selects its
	// database.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=attrtest/20240101/"+dynamotest.Region+"/dynamodb/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := o.client.Do(req)
	if err != nil {
		o.t.Fatalf("%s: %v", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		o.t.Fatalf("%s: read: %v", op, err)
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil && len(raw) > 0 {
		o.t.Fatalf("%s: decode %q: %v", op, raw, err)
	}
	if resp.StatusCode != http.StatusOK {
		var typ, msg string
		_ = json.Unmarshal(out["__type"], &typ)
		_ = json.Unmarshal(out["Message"], &msg)
		if msg == "" {
			_ = json.Unmarshal(out["message"], &msg)
		}
		return nil, typ[strings.LastIndex(typ, "#")+1:] + ": " + msg
	}
	return out, ""
}

// put stores item (raw JSON) and returns DynamoDB Local's error, if any.
func (o *oracle) put(item string) string {
	o.t.Helper()
	_, msg := o.call("PutItem", map[string]any{"TableName": o.table, "Item": json.RawMessage(item)})
	return msg
}

// get returns attribute name of the item with key pk, as raw JSON.
func (o *oracle) get(pk, name string) []byte {
	o.t.Helper()
	out, msg := o.call("GetItem", map[string]any{
		"TableName":      o.table,
		"Key":            map[string]any{"pk": map[string]string{"S": pk}},
		"ConsistentRead": true,
	})
	if msg != "" {
		o.t.Fatalf("GetItem: %s", msg)
	}
	var item map[string]json.RawMessage
	if err := json.Unmarshal(out["Item"], &item); err != nil {
		o.t.Fatalf("GetItem: no item: %v", err)
	}
	return item[name]
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestCanonicalNumber_dynamoDBLocal(t *testing.T) {
	o := newOracle(t)
	for i, tc := range numberCases {
		t.Run(tc.in, func(t *testing.T) {
			o.t = t
			pk := fmt.Sprintf("n%d", i)
			msg := o.put(`{"pk":{"S":"` + pk + `"},"v":{"N":` + quote(tc.in) + `}}`)
			if tc.err != "" {
				if want := "ValidationException: " + tc.err; msg != want {
					t.Fatalf("DynamoDB Local: %q, want %q", msg, want)
				}
				return
			}
			if msg != "" {
				t.Fatalf("DynamoDB Local: %s", msg)
			}
			var got struct{ N string }
			if err := json.Unmarshal(o.get(pk, "v"), &got); err != nil {
				t.Fatal(err)
			}
			if got.N != tc.want {
				t.Fatalf("DynamoDB Local returns %q, the table says %q", got.N, tc.want)
			}
		})
	}
}

func TestDecodeItem_dynamoDBLocal(t *testing.T) {
	o := newOracle(t)
	for i, tc := range valueCases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.localDiffers != "" {
				t.Skip("deliberate difference: " + tc.localDiffers)
			}
			o.t = t
			pk := fmt.Sprintf("v%d", i)
			msg := o.put(`{"pk":{"S":"` + pk + `"},"v":` + tc.in + `}`)
			if tc.err != "" {
				if want := "ValidationException: " + tc.err; msg != want {
					t.Fatalf("DynamoDB Local: %q, want %q", msg, want)
				}
				return
			}
			if msg != "" {
				t.Fatalf("DynamoDB Local: %s", msg)
			}
			stored, err := attr.DecodeValue(o.get(pk, "v"))
			if err != nil {
				t.Fatalf("decoding DynamoDB Local's answer: %v", err)
			}
			ours, err := decodeAsItem(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !attr.Equal(stored, ours) {
				t.Fatalf("DynamoDB Local stored %s, we decode %s", attr.AppendValueJSON(nil, stored), attr.AppendValueJSON(nil, ours))
			}
		})
	}
}

func TestAddNumbers_dynamoDBLocal(t *testing.T) {
	o := newOracle(t)
	for i, tc := range arithCases {
		t.Run(tc.a+tc.op+tc.b, func(t *testing.T) {
			o.t = t
			pk := fmt.Sprintf("a%d", i)
			if msg := o.put(`{"pk":{"S":"` + pk + `"},"n":{"N":` + quote(tc.a) + `}}`); msg != "" {
				t.Fatalf("PutItem: %s", msg)
			}
			out, msg := o.call("UpdateItem", map[string]any{
				"TableName":                 o.table,
				"Key":                       map[string]any{"pk": map[string]string{"S": pk}},
				"UpdateExpression":          "SET n = n " + tc.op + " :v",
				"ExpressionAttributeValues": map[string]any{":v": map[string]string{"N": tc.b}},
				"ReturnValues":              "UPDATED_NEW",
			})
			if tc.err != "" {
				if want := "ValidationException: " + tc.err; msg != want {
					t.Fatalf("DynamoDB Local: %q, want %q", msg, want)
				}
				return
			}
			if msg != "" {
				t.Fatalf("DynamoDB Local: %s", msg)
			}
			var got struct{ N struct{ N string } }
			if err := json.Unmarshal(out["Attributes"], &got); err != nil {
				t.Fatal(err)
			}
			// DynamoDB Local answers BigDecimal's scale ("2.00"); compare
			// numerically.
			if attr.CompareNumbers(got.N.N, tc.want) != 0 {
				t.Fatalf("DynamoDB Local computes %s, the table says %s", got.N.N, tc.want)
			}
		})
	}
}

// TestSize_dynamoDBLocal checks each size against DynamoDB Local's 400 KB
// item limit: an item padded to exactly 400 KB by our count is accepted,
// one byte more is not.
func TestSize_dynamoDBLocal(t *testing.T) {
	const limit = 400 * 1024
	o := newOracle(t)
	for _, tc := range sizeCases {
		t.Run(tc.in, func(t *testing.T) {
			o.t = t
			// pk "s" (2+1) + v (1+size) + p (1+pad)
			pad := limit - 3 - 1 - tc.want - 1
			item := func(n int) string {
				return `{"pk":{"S":"s"},"v":` + tc.in + `,"p":{"S":"` + strings.Repeat("x", n) + `"}}`
			}
			if msg := o.put(item(pad)); msg != "" {
				t.Fatalf("padded to 400 KB by our count: %s (value smaller than %d)", msg, tc.want)
			}
			if msg := o.put(item(pad + 1)); !strings.Contains(msg, "Item size has exceeded the maximum allowed size") {
				t.Fatalf("one byte over: %q (value larger than %d)", msg, tc.want)
			}
		})
	}
}
