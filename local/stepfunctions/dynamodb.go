package stepfunctions

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph/local/stepfunctions/asl"
)

var dynamoDBFields = map[string]map[string]bool{
	"getItem": fieldSet("TableName", "Key", "ConsistentRead", "ProjectionExpression", "ExpressionAttributeNames",
		"ReturnConsumedCapacity", "AttributesToGet"),
	"putItem": fieldSet("TableName", "Item", "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues",
		"ReturnValues", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics", "ReturnValuesOnConditionCheckFailure"),
	"updateItem": fieldSet("TableName", "Key", "UpdateExpression", "ConditionExpression", "ExpressionAttributeNames",
		"ExpressionAttributeValues", "ReturnValues", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics",
		"ReturnValuesOnConditionCheckFailure"),
	"deleteItem": fieldSet("TableName", "Key", "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues",
		"ReturnValues", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics", "ReturnValuesOnConditionCheckFailure"),
}

var dynamoDBRequired = map[string][]string{
	"getItem": {"TableName", "Key"}, "putItem": {"TableName", "Item"},
	"updateItem": {"TableName", "Key"}, "deleteItem": {"TableName", "Key"},
}

// callDynamoDB is arn:aws:states:::dynamodb:<op>, through the DynamoDB
// client: parameters and results use DynamoDB's JSON attribute values, as
// on AWS, and a failure is DynamoDB.<exception>.
func (s *Service) callDynamoDB(ctx context.Context, op string, req asl.TaskRequest) (any, error) {
	p, err := params(req)
	if err != nil {
		return nil, err
	}
	if err := checkFields(req, p, dynamoDBFields[op], dynamoDBRequired[op]...); err != nil {
		return nil, err
	}
	c := paramReader{req: req, p: p}
	table := c.str("TableName")
	names := c.strMap("ExpressionAttributeNames")
	values := c.item("ExpressionAttributeValues")
	cond := c.optStr("ConditionExpression")
	rv := types.ReturnValue(c.str("ReturnValues"))
	rvFail := types.ReturnValuesOnConditionCheckFailure(c.str("ReturnValuesOnConditionCheckFailure"))
	key, item := c.item("Key"), c.item("Item")
	update, projection := c.optStr("UpdateExpression"), c.optStr("ProjectionExpression")
	if c.err != nil {
		return nil, c.err
	}
	db := s.opts.DynamoDB
	out := map[string]any{}
	switch op {
	case "getItem":
		consistent, _ := p["ConsistentRead"].(bool)
		r, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: &consistent,
			ProjectionExpression: projection, ExpressionAttributeNames: names})
		if err != nil {
			return nil, dynamoDBError(ctx, err)
		}
		if r.Item != nil {
			out["Item"] = wireItem(r.Item)
		}
	case "putItem":
		r, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item, ConditionExpression: cond,
			ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: rv, ReturnValuesOnConditionCheckFailure: rvFail})
		if err != nil {
			return nil, dynamoDBError(ctx, err)
		}
		if r.Attributes != nil {
			out["Attributes"] = wireItem(r.Attributes)
		}
	case "updateItem":
		r, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &table, Key: key, UpdateExpression: update,
			ConditionExpression: cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: rv,
			ReturnValuesOnConditionCheckFailure: rvFail})
		if err != nil {
			return nil, dynamoDBError(ctx, err)
		}
		if r.Attributes != nil {
			out["Attributes"] = wireItem(r.Attributes)
		}
	case "deleteItem":
		r, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &table, Key: key, ConditionExpression: cond,
			ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: rv, ReturnValuesOnConditionCheckFailure: rvFail})
		if err != nil {
			return nil, dynamoDBError(ctx, err)
		}
		if r.Attributes != nil {
			out["Attributes"] = wireItem(r.Attributes)
		}
	}
	return withSdkMetadata(out), nil
}

func dynamoDBError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return serviceError("DynamoDB", "AmazonDynamoDBv2", err)
}

// paramReader reads typed parameters, keeping the first problem.
type paramReader struct {
	req asl.TaskRequest
	p   map[string]any
	err error
}

func (c *paramReader) fail(field, want string) {
	if c.err == nil {
		c.err = &asl.Error{Name: "States.Runtime", Cause: fmt.Sprintf("The field '%s' of the state '%s' must be %s", field, c.req.State, want)}
	}
}

func (c *paramReader) str(k string) string {
	v, ok := c.p[k]
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		c.fail(k, "a string")
	}
	return s
}

func (c *paramReader) optStr(k string) *string {
	if _, ok := c.p[k]; !ok {
		return nil
	}
	s := c.str(k)
	return &s
}

func (c *paramReader) strMap(k string) map[string]string {
	v, ok := c.p[k]
	if !ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		c.fail(k, "an object of strings")
		return nil
	}
	out := make(map[string]string, len(m))
	for name, x := range m {
		s, ok := x.(string)
		if !ok {
			c.fail(k, "an object of strings")
			return nil
		}
		out[name] = s
	}
	return out
}

func (c *paramReader) item(k string) map[string]types.AttributeValue {
	v, ok := c.p[k]
	if !ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		c.fail(k, "an object of DynamoDB attribute values")
		return nil
	}
	out := make(map[string]types.AttributeValue, len(m))
	for name, x := range m {
		av, err := attributeValue(x)
		if err != nil {
			c.fail(k+"."+name, "a DynamoDB attribute value ("+err.Error()+")")
			return nil
		}
		out[name] = av
	}
	return out
}

// attributeValue converts DynamoDB JSON ({"S": "x"}, {"N": "1"}, …) to an
// attribute value.
func attributeValue(v any) (types.AttributeValue, error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return nil, fmt.Errorf("an object with exactly one type key")
	}
	for typ, x := range m {
		switch typ {
		case "S":
			if s, ok := x.(string); ok {
				return &types.AttributeValueMemberS{Value: s}, nil
			}
		case "N":
			switch n := x.(type) {
			case string:
				return &types.AttributeValueMemberN{Value: n}, nil
			case json.Number:
				return &types.AttributeValueMemberN{Value: n.String()}, nil
			}
		case "B":
			if s, ok := x.(string); ok {
				b, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					return nil, fmt.Errorf("the B value must be base64")
				}
				return &types.AttributeValueMemberB{Value: b}, nil
			}
		case "BOOL":
			if b, ok := x.(bool); ok {
				return &types.AttributeValueMemberBOOL{Value: b}, nil
			}
		case "NULL":
			if b, ok := x.(bool); ok && b {
				return &types.AttributeValueMemberNULL{Value: true}, nil
			}
		case "SS", "NS", "BS":
			list, ok := x.([]any)
			if !ok {
				break
			}
			var ss []string
			var bs [][]byte
			for _, el := range list {
				var s string
				switch e := el.(type) {
				case string:
					s = e
				case json.Number:
					s = e.String()
				default:
					return nil, fmt.Errorf("%s must be a list of strings", typ)
				}
				if typ == "BS" {
					b, err := base64.StdEncoding.DecodeString(s)
					if err != nil {
						return nil, fmt.Errorf("the BS values must be base64")
					}
					bs = append(bs, b)
				} else {
					ss = append(ss, s)
				}
			}
			switch typ {
			case "SS":
				return &types.AttributeValueMemberSS{Value: ss}, nil
			case "NS":
				return &types.AttributeValueMemberNS{Value: ss}, nil
			}
			return &types.AttributeValueMemberBS{Value: bs}, nil
		case "L":
			list, ok := x.([]any)
			if !ok {
				break
			}
			out := make([]types.AttributeValue, len(list))
			for i, el := range list {
				av, err := attributeValue(el)
				if err != nil {
					return nil, err
				}
				out[i] = av
			}
			return &types.AttributeValueMemberL{Value: out}, nil
		case "M":
			obj, ok := x.(map[string]any)
			if !ok {
				break
			}
			out := make(map[string]types.AttributeValue, len(obj))
			for k, el := range obj {
				av, err := attributeValue(el)
				if err != nil {
					return nil, err
				}
				out[k] = av
			}
			return &types.AttributeValueMemberM{Value: out}, nil
		default:
			return nil, fmt.Errorf("unknown type %q", typ)
		}
		return nil, fmt.Errorf("%s has a value of the wrong type", typ)
	}
	return nil, fmt.Errorf("an object with exactly one type key")
}

// wireItem converts attribute values to DynamoDB JSON.
func wireItem(item map[string]types.AttributeValue) map[string]any {
	out := make(map[string]any, len(item))
	for k, v := range item {
		out[k] = wireValue(v)
	}
	return out
}

func wireValue(v types.AttributeValue) any {
	b64 := base64.StdEncoding.EncodeToString
	strs := func(ss []string) []any {
		out := make([]any, len(ss))
		for i, s := range ss {
			out[i] = s
		}
		return out
	}
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": x.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": x.Value}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": b64(x.Value)}
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": x.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": true}
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": strs(x.Value)}
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": strs(x.Value)}
	case *types.AttributeValueMemberBS:
		bs := make([]string, len(x.Value))
		for i, b := range x.Value {
			bs[i] = b64(b)
		}
		return map[string]any{"BS": strs(bs)}
	case *types.AttributeValueMemberL:
		out := make([]any, len(x.Value))
		for i, el := range x.Value {
			out[i] = wireValue(el)
		}
		return map[string]any{"L": out}
	case *types.AttributeValueMemberM:
		return map[string]any{"M": wireItem(x.Value)}
	}
	return nil
}
