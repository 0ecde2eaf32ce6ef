package expr_test

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/local"
	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
	"github.com/shopgraph/shopgraph/local/dynamodb/expr"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// fixedItem is the item every oracle case starts from (pk/sk are its key).
func fixedItem() attr.Item {
	return attr.Item{
		"pk": attr.Str("k"), "sk": attr.Str("s"),
		"n": attr.Num("5"), "neg": attr.Num("-2.5"), "s": attr.Str("hello"), "u": attr.Str("é€😀"),
		"bi": attr.Bytes([]byte{1, 2}), "bo": {Kind: attr.BOOL, Bool: true}, "nu": {Kind: attr.NULL},
		"l":  {Kind: attr.L, List: []attr.Value{attr.Num("1"), attr.Str("x"), attr.Num("3")}},
		"m":  {Kind: attr.M, Map: map[string]attr.Value{"x": attr.Num("1"), "y": {Kind: attr.M, Map: map[string]attr.Value{"z": attr.Str("q")}}}},
		"ss": {Kind: attr.SS, Strs: []string{"a", "b"}}, "ns": {Kind: attr.NS, Strs: []string{"1", "2"}},
		"bs": {Kind: attr.BS, Bins: [][]byte{{1}, {2, 3}}},
		"e":  {Kind: attr.L, List: []attr.Value{}}, "em": {Kind: attr.M, Map: map[string]attr.Value{}},
	}
}

// oracleValues are the expression values the cases may use (each case
// sends the ones it names).
func oracleValues() attr.Item {
	return attr.Item{
		":n5": attr.Num("5"), ":n6": attr.Num("6"), ":n1": attr.Num("1"), ":n2": attr.Num("2"), ":n3": attr.Num("3"),
		":s": attr.Str("x"), ":he": attr.Str("he"), ":hello": attr.Str("hello"), ":a": attr.Str("a"), ":b": attr.Str("b"),
		":tN": attr.Str("N"), ":tS": attr.Str("S"), ":tL": attr.Str("L"), ":tQ": attr.Str("Q"),
		":bin": attr.Bytes([]byte{1}), ":bin2": attr.Bytes([]byte{2, 3}),
		":bool": {Kind: attr.BOOL, Bool: true}, ":null": {Kind: attr.NULL},
		":ss": {Kind: attr.SS, Strs: []string{"x"}}, ":ssa": {Kind: attr.SS, Strs: []string{"a"}}, ":ssab": {Kind: attr.SS, Strs: []string{"a", "b", "c"}},
		":ns": {Kind: attr.NS, Strs: []string{"1", "7"}}, ":bs": {Kind: attr.BS, Bins: [][]byte{{2, 3}}},
		":l": {Kind: attr.L, List: []attr.Value{attr.Str("x")}}, ":m": {Kind: attr.M, Map: map[string]attr.Value{"x": attr.Num("1")}},
		":big": attr.Num("9.9999999999999999999999999999999999999E+125"),
	}
}

var oracleNames = map[string]string{"#n": "n", "#m": "m", "#x": "x", "#name": "name", "#1": "l"}

var placeholderRE = regexp.MustCompile(`[#:][A-Za-z0-9_]+`)

// paramsFor returns the names and values src names (nil when none).
func paramsFor(src string) (map[string]string, attr.Item) {
	var names map[string]string
	var values attr.Item
	all := oracleValues()
	for _, ph := range placeholderRE.FindAllString(src, -1) {
		if n, ok := oracleNames[ph]; ok {
			if names == nil {
				names = map[string]string{}
			}
			names[ph] = n
		}
		if v, ok := all[ph]; ok {
			if values == nil {
				values = attr.Item{}
			}
			values[ph] = v
		}
	}
	return names, values
}

type oracle struct {
	t      *testing.T
	client *dynamodb.Client
	table  string
}

func newOracle(t *testing.T) *oracle {
	t.Helper()
	endpoint := dynamotest.DynamoDBLocalEndpoint(t)
	client := dynamodb.NewFromConfig(local.AWSConfig(dynamotest.Region), func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.RetryMaxAttempts = 1
	})
	o := &oracle{t: t, client: client, table: "expr-oracle-" + strconv.FormatInt(time.Now().UnixNano(), 36)}
	ctx := context.Background()
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(o.table),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(o.table)})
	})
	return o
}

func (o *oracle) reset() {
	o.t.Helper()
	_, err := o.client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(o.table), Item: toSDKItem(fixedItem())})
	if err != nil {
		o.t.Fatalf("put fixed item: %v", err)
	}
}

// update runs UpdateItem on the fixed item and returns the new item or the
// error message (ConditionalCheckFailedException as "conditional").
func (o *oracle) update(updateExpr, cond string) (attr.Item, string) {
	o.t.Helper()
	o.reset()
	names, values := paramsFor(updateExpr + " " + cond)
	in := &dynamodb.UpdateItemInput{
		TableName:        aws.String(o.table),
		Key:              toSDKItem(attr.Item{"pk": attr.Str("k"), "sk": attr.Str("s")}),
		UpdateExpression: aws.String(updateExpr),
		ReturnValues:     types.ReturnValueAllNew,
	}
	if cond != "" {
		in.ConditionExpression = aws.String(cond)
	}
	if names != nil {
		in.ExpressionAttributeNames = names
	}
	if values != nil {
		in.ExpressionAttributeValues = toSDKItem(values)
	}
	out, err := o.client.UpdateItem(context.Background(), in)
	if err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return nil, "conditional"
		}
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return nil, ae.ErrorMessage()
		}
		o.t.Fatalf("update item: %v", err)
	}
	return fromSDKItem(out.Attributes), ""
}

// evalLocally runs the same update with this package: parse condition and update
// (condition first, as a server does), check unused, evaluate, apply.
func evalLocally(updateExpr, cond string) (attr.Item, string) {
	names, values := paramsFor(updateExpr + " " + cond)
	p, err := expr.NewParams(names, values)
	if err != nil {
		return nil, err.Error()
	}
	var c *expr.Condition
	if cond != "" {
		if c, err = expr.ParseCondition(cond, p); err != nil {
			return nil, expr.Prefix("ConditionExpression", err).Error()
		}
	}
	u, err := expr.ParseUpdate(updateExpr, p)
	if err != nil {
		return nil, err.Error()
	}
	if err := p.CheckUnused(); err != nil {
		return nil, err.Error()
	}
	item := fixedItem()
	if c != nil {
		ok, err := c.Eval(item)
		if err != nil {
			return nil, expr.Prefix("ConditionExpression", err).Error()
		}
		if !ok {
			return nil, "conditional"
		}
	}
	out, err := u.Apply(item)
	if err != nil {
		return nil, err.Error()
	}
	return out, ""
}

func itemsEqual(a, b attr.Item) bool {
	return attr.Equal(attr.Value{Kind: attr.M, Map: a}, attr.Value{Kind: attr.M, Map: b})
}

// oracleConditions are ConditionExpressions checked against DynamoDB Local
// on the fixed item (outcome or error message).
var oracleConditions = []string{
	"n = :n5", "n <> :n5", "n < :n6", "n <= :n5", "n > :n5", "n >= :n6", "zz <> :n5", "n <> :s", "n = :s",
	"s < :s", "s > :he", "neg < :n1", "bi < :bin2", "bi > :bin", "n < :s",
	"n BETWEEN :n1 AND :n5", "n BETWEEN :n6 AND :n6", "s BETWEEN :a AND :s", "n BETWEEN :n6 AND :n5", "n BETWEEN :s AND :n5",
	"n BETWEEN :bin AND :n5", "n BETWEEN :bool AND :n5", "n BETWEEN n AND :n5",
	"n IN (:n1, :n5)", "n IN (:n1, :n2)", "zz IN (:n1)", "n IN (n, :n5)", "n IN ()",
	"attribute_exists(n)", "attribute_exists(zz)", "attribute_not_exists(zz)", "attribute_exists(m.y.z)", "attribute_exists(l[2])",
	"attribute_exists(l[3])", "attribute_exists(s.x)", "attribute_exists(:n5)", "attribute_exists(n, s)",
	"attribute_type(n, :tN)", "attribute_type(n, :tS)", "attribute_type(l, :tL)", "attribute_type(n, :tQ)", "attribute_type(n, :n5)", "attribute_type(zz, :tN)",
	"begins_with(s, :he)", "begins_with(s, :s)", "begins_with(bi, :bin)", "begins_with(n, :he)", "begins_with(s, :n5)", "begins_with(:hello, s)", "begins_with(s, s)",
	"contains(s, :he)", "contains(ss, :a)", "contains(ss, :s)", "contains(ns, :n1)", "contains(bs, :bin2)", "contains(l, :s)", "contains(l, :n3)",
	"contains(bi, :bin)", "contains(n, :n5)", "contains(m, :s)", "contains(s, s)",
	"size(s) = :n5", "size(u) = :n3", "size(u) = :n5", "size(bi) = :n2", "size(ss) = :n2", "size(l) = :n3", "size(m) = :n2", "size(e) < :n1",
	"size(n) = :n1", "size(zz) <> :n1", "size(:n5) = :n1", "size(:bool) = :n1", "size(:l) = :n1", "size(s)", "size(size(s)) = :n1",
	"n = :n5 AND s = :hello", "n = :n6 OR s = :hello", "NOT n = :n5", "NOT n = :n6 AND s = :s", "n = :n6 AND s = :s OR n = :n5",
	"n = :n6 AND (s = :s OR n = :n5)", "((n = :n5))", "(n) = :n5", "n = (:n5)", "(n = :n5) = :n5",
	"m.x = :n1", "m.y.z = :s", "l[1] = :s", "l[0] < :n2", "#n = :n5", "#m.#x = :n1", "#1[0] = :n1", "name = :n5", "#name = :n5",
	"#zz = :n5", "n = :zz", "n = n", "m.x = m.x", ":n5 = :n5", ":n5 = n", "n = :n5 AND", "n == :n5", "a-b = :n5", "1a = :n5",
	"_a = :n5", "n[99999999999] = :n1", "n = :n5 ) ", "(n = :n5", "n", "", "NOT NOT n = :n5", "Size(s) = :n1", "foo(s)",
	"attribute_exists(n) = :n5", "n = attribute_exists(s)", "if_not_exists(n, :n1) = :n1", "n < :bool", "n < :ss", "n < :l", "s = :s AND n < :null",
	"bo = :bool", "nu = :null", "em = :m", "l = :l", "ss = :ssab", "ns = :ns",
}

func TestOracle_Conditions(t *testing.T) {
	o := newOracle(t)
	for _, cond := range oracleConditions {
		wantItem, want := o.update("REMOVE zzz", cond)
		gotItem, got := evalLocally("REMOVE zzz", cond)
		if got != want || (want == "" && !itemsEqual(gotItem, wantItem)) {
			t.Errorf("condition %q:\n got %q %v\nwant %q %v", cond, got, gotItem, want, wantItem)
		}
	}
}

// oracleUpdates are UpdateExpressions checked against DynamoDB Local on the
// fixed item (resulting item or error message).
var oracleUpdates = []string{
	"SET a = :n5", "SET a = :n5, b = :n6", "set a = :n5 remove s", "REMOVE s SET a = :n5", "SET a = :n5 SET b = :n6",
	"SET a = :n5, a = :n6", "SET m.x = :n5, m = :n6", "SET m = :n5 REMOVE m.x", "SET l[0] = :n5, l[0] = :n6", "SET l[0] = :n5 REMOVE l[1]",
	"SET a = b", "SET a = s", "SET a = m.y", "SET a = l[1]", "SET a = l[5]", "SET a = n + :n5", "SET a = n - :n6", "SET a = neg + n",
	"SET a = n + s", "SET a = :n5 + :n6", "SET a = :s + :n5", "SET a = n + :n5 + :n5", "SET a = (n + :n5)", "SET a = ((:n5))", "SET a = (:n5) + :n5",
	"SET a = :n5 + (:n5 + :n5)", "SET a = if_not_exists(a, :n5)", "SET a = if_not_exists(n, :n6)", "SET a = if_not_exists(:n5, :n6)",
	"SET a = if_not_exists(zz, s)", "SET a = if_not_exists(zz, yy)", "SET a = if_not_exists(n)", "SET a = if_not_exists(zz, :n5) + :n6",
	"SET a = list_append(l, :l)", "SET a = list_append(:l, l)", "SET a = list_append(l, :n5)", "SET a = list_append(zz, :l)",
	"SET a = list_append(s, :l)", "SET a = list_append(if_not_exists(zz, :l), :l)", "SET a = if_not_exists(zz, list_append(:l, :l))",
	"SET a = size(l)", "SET a = foo(l)", "SET a.b = :n5", "SET m.y.z = :n5", "SET m.q = :n5", "SET m.q.r = :n5", "SET l[10] = :n5", "SET l[1].x = :n5",
	"SET l[7] = :n5, l[5] = :n6", "SET l[5] = :n5 REMOVE l[0]", "REMOVE l[0] SET l[1] = :n5", "SET s[0] = :n5", "SET m[0] = :n5", "SET l.x = :n5",
	"SET n = s, s = n", "SET l[1] = l[0], l[0] = l[1]", "SET #n = :n5", "SET #m.#x = :n6", "SET name = :n5", "SET a = :zz", "SET #zz = :n5",
	"REMOVE zz, l[1], m.x", "REMOVE l[10]", "REMOVE l[0], l[2]", "REMOVE l[2], l[0]", "REMOVE s.x", "REMOVE s[0]", "REMOVE m.q.r", "REMOVE m.y.z", "REMOVE :n5",
	"ADD n :n5", "ADD zz :n5", "ADD ss :ss", "ADD ns :ns", "ADD bs :bs", "ADD n :s", "ADD s :n5", "ADD ss :ns", "ADD zz :l", "ADD m.zz :n5",
	"ADD l[0] :n5", "ADD l[7] :n5", "ADD n :bool", "ADD n :null", "ADD n :m", "ADD n :bin", "ADD n :bs", "ADD m.q.r :n5", "ADD n :big", "ADD nu :n5", "ADD neg :n5, n :n6",
	"ADD n n", "DELETE ss :ss", "DELETE ss :ssa", "DELETE ss :ssab", "DELETE ns :ns", "DELETE bs :bs", "DELETE zz :ns", "DELETE n :ns", "DELETE ss :ns", "DELETE ss :s",
	"DELETE ss :l", "DELETE l[0] :ns", "DELETE m.q :ss", "DELETE m.q.r :ss", "SET n = n + :big", "SET n = :s - n", "SET a = :n5, REMOVE b",
	"REMOVE a b", "SET a = :n5,", "SET", "", " ", "SET remove = :n5", "UPDATE a = :n5", "SET a = -:n5", "SET (a) = :n5",
	"SET a=:n5 REMOVE b ADD c :n5 DELETE d :ss", "SET a = :n5 ADD a :n6", "SET #1[1] = :n5", "SET a = :n5, l[1] = :n6, m.y.z = :s",
	"SET em.a = :n5, e[0] = :n6", "SET a = attribute_exists(s)",
}

func TestOracle_Updates(t *testing.T) {
	o := newOracle(t)
	for _, u := range oracleUpdates {
		wantItem, want := o.update(u, "")
		gotItem, got := evalLocally(u, "")
		if got != want || (want == "" && !itemsEqual(gotItem, wantItem)) {
			t.Errorf("update %q:\n got %q %v\nwant %q %v", u, got, gotItem, want, wantItem)
		}
	}
}

func toSDK(v attr.Value) types.AttributeValue {
	switch v.Kind {
	case attr.S:
		return &types.AttributeValueMemberS{Value: v.Str}
	case attr.N:
		return &types.AttributeValueMemberN{Value: v.Str}
	case attr.B:
		return &types.AttributeValueMemberB{Value: v.Bin}
	case attr.BOOL:
		return &types.AttributeValueMemberBOOL{Value: v.Bool}
	case attr.NULL:
		return &types.AttributeValueMemberNULL{Value: true}
	case attr.M:
		return &types.AttributeValueMemberM{Value: toSDKItem(v.Map)}
	case attr.L:
		l := make([]types.AttributeValue, len(v.List))
		for i, e := range v.List {
			l[i] = toSDK(e)
		}
		return &types.AttributeValueMemberL{Value: l}
	case attr.SS:
		return &types.AttributeValueMemberSS{Value: v.Strs}
	case attr.NS:
		return &types.AttributeValueMemberNS{Value: v.Strs}
	case attr.BS:
		return &types.AttributeValueMemberBS{Value: v.Bins}
	}
	return nil
}

func toSDKItem(it map[string]attr.Value) map[string]types.AttributeValue {
	m := make(map[string]types.AttributeValue, len(it))
	for k, v := range it {
		m[k] = toSDK(v)
	}
	return m
}

func fromSDK(av types.AttributeValue) attr.Value {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return attr.Str(v.Value)
	case *types.AttributeValueMemberN:
		return attr.Num(v.Value)
	case *types.AttributeValueMemberB:
		return attr.Bytes(v.Value)
	case *types.AttributeValueMemberBOOL:
		return attr.Value{Kind: attr.BOOL, Bool: v.Value}
	case *types.AttributeValueMemberNULL:
		return attr.Value{Kind: attr.NULL}
	case *types.AttributeValueMemberM:
		return attr.Value{Kind: attr.M, Map: fromSDKItem(v.Value)}
	case *types.AttributeValueMemberL:
		l := make([]attr.Value, len(v.Value))
		for i, e := range v.Value {
			l[i] = fromSDK(e)
		}
		return attr.Value{Kind: attr.L, List: l}
	case *types.AttributeValueMemberSS:
		return attr.Value{Kind: attr.SS, Strs: v.Value}
	case *types.AttributeValueMemberNS:
		return attr.Value{Kind: attr.NS, Strs: v.Value}
	case *types.AttributeValueMemberBS:
		return attr.Value{Kind: attr.BS, Bins: v.Value}
	}
	return attr.Value{}
}

func fromSDKItem(m map[string]types.AttributeValue) attr.Item {
	it := make(attr.Item, len(m))
	for k, v := range m {
		it[k] = fromSDK(v)
	}
	return it
}
