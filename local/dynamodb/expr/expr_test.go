package expr_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
	"github.com/shopgraph/shopgraph/local/dynamodb/expr"
)

// Expected messages below are DynamoDB Local's answers to the same input.

func TestParams_CheckUnused(t *testing.T) {
	tests := []struct {
		name   string
		names  map[string]string
		values attr.Item
		src    string
		want   string
	}{
		{"empty names", map[string]string{}, nil, "a = :v", "ExpressionAttributeNames must not be empty"},
		{"empty values", nil, attr.Item{}, "a = :v", "ExpressionAttributeValues must not be empty"},
		{"unused name", map[string]string{"#x": "n"}, attr.Item{":v": attr.Num("5")}, "n = :v", "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}"},
		{"unused values in Java order", nil, attr.Item{
			":v": attr.Num("5"), ":bad": attr.Str("Q"), ":l": attr.Str("l"), ":m": attr.Str("m"), ":bin": attr.Str("b"),
			":nul": attr.Str("n"), ":b": attr.Str("b"), ":s": attr.Str("s"), ":ss": attr.Str("ss"), ":t": attr.Str("t"),
		}, "n = :v", "Value provided in ExpressionAttributeValues unused in expressions: keys: {:bad, :l, :m, :bin, :nul, :b, :s, :ss, :t}"},
		{"all used", map[string]string{"#n": "n"}, attr.Item{":v": attr.Num("5")}, "#n = :v", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := expr.NewParams(tt.names, tt.values)
			if err == nil {
				if _, err = expr.ParseCondition(tt.src, p); err != nil {
					t.Fatalf("parse: %v", err)
				}
				err = p.CheckUnused()
			}
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseCondition_errors(t *testing.T) {
	values := attr.Item{":v": attr.Num("5"), ":w": attr.Num("6"), ":s": attr.Str("x"), ":b": {Kind: attr.BOOL, Bool: true}}
	tests := []struct{ src, want string }{
		{"name = :v", "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: name"},
		{"a-b = :v", `Invalid FilterExpression: Syntax error; token: "-", near: "a-b"`},
		{"1a = :v", `Invalid FilterExpression: Syntax error; token: "1", near: "1a"`},
		{"é = :v", `Invalid FilterExpression: Syntax error; token: "é", near: "é ="`},
		{"a.1 = :v", `Invalid FilterExpression: Syntax error; token: "1", near: ".1 ="`},
		{"a[01] = :v", `Invalid FilterExpression: Syntax error; token: "1", near: "01]"`},
		{"n = :v AND", `Invalid FilterExpression: Syntax error; token: "<EOF>", near: "AND"`},
		{"a = :v ) ", `Invalid FilterExpression: Syntax error; token: ")", near: ":v ) "`},
		{"a = :v AND $", `Invalid FilterExpression: Syntax error; token: "$", near: "AND $"`},
		{"name = :w AND", `Invalid FilterExpression: Syntax error; token: "<EOF>", near: "AND"`},
		{"a[2147483648] = :v", "Invalid FilterExpression: List index is not within the allowable range; index: [2147483648]"},
		{"a = :v AND #q = :v AND name = :v", "Invalid FilterExpression: Attribute name is a reserved keyword; reserved keyword: name"},
		{":zz = #q", "Invalid FilterExpression: An expression attribute value used in expression is not defined; attribute value: :zz"},
		{"#q = :zz", "Invalid FilterExpression: An expression attribute name used in the document path is not defined; attribute name: #q"},
		{"a < :b", "Invalid FilterExpression: Incorrect operand type for operator or function; operator or function: <, operand type: BOOL"},
		{"a BETWEEN :w AND :v", "Invalid FilterExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:6}, upper bound operand: AttributeValue: {N:5}"},
		{"a BETWEEN :s AND :v", "Invalid FilterExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {S:x}, upper bound operand: AttributeValue: {N:5}"},
		{"a.b = a.b", "Invalid FilterExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a, b]"},
		{"size(a)", "Invalid FilterExpression: The function is not allowed to be used this way in an expression; function: size"},
		{"Size(a) = :v", "Invalid FilterExpression: Invalid function name; function: Size"},
		{"attribute_exists(a, b)", "Invalid FilterExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"},
		{"attribute_type(a, :s)", "Invalid FilterExpression: Invalid attribute type name found; type: x, valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}"},
		{"((a = :v))", "Invalid FilterExpression: The expression has redundant parentheses;"},
		{"", "Invalid FilterExpression: The expression can not be empty;"},
		{"a = :v" + strings.Repeat(" ", 4091), "Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: 4097"},
		{strings.Repeat("(", 5000), "Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: 5000"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := expr.NewParams(nil, values)
			if err != nil {
				t.Fatal(err)
			}
			_, err = expr.ParseCondition(tt.src, p)
			var e *expr.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want *Error %q", err, tt.want)
			}
			if got := expr.Prefix("FilterExpression", err).Error(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParseKeyCondition(t *testing.T) {
	values := attr.Item{":v": attr.Str("a"), ":w": attr.Str("b"), ":n": attr.Num("1")}
	tests := []struct {
		src     string
		want    *expr.KeyCondition
		wantErr string
	}{
		{src: "pk = :v", want: &expr.KeyCondition{PartitionName: "pk", Partition: attr.Str("a")}},
		{src: "sk > :w AND pk = :v", want: &expr.KeyCondition{PartitionName: "pk", Partition: attr.Str("a"), SortName: "sk", SortOp: expr.KeyGT, Sort: []attr.Value{attr.Str("b")}}},
		{src: "pk = :v AND :w < sk", want: &expr.KeyCondition{PartitionName: "pk", Partition: attr.Str("a"), SortName: "sk", SortOp: expr.KeyGT, Sort: []attr.Value{attr.Str("b")}}},
		{src: "(pk = :v) AND begins_with(sk, :w)", want: &expr.KeyCondition{PartitionName: "pk", Partition: attr.Str("a"), SortName: "sk", SortOp: expr.KeyBeginsWith, Sort: []attr.Value{attr.Str("b")}}},
		{src: "pk = :v AND sk BETWEEN :v AND :w", want: &expr.KeyCondition{PartitionName: "pk", Partition: attr.Str("a"), SortName: "sk", SortOp: expr.KeyBetween, Sort: []attr.Value{attr.Str("a"), attr.Str("b")}}},
		{src: "pk = :v AND sk <> :w", wantErr: "Invalid operator used in KeyConditionExpression: <>"},
		{src: "pk < :v", wantErr: "Query key condition not supported"},
		{src: "sk = :w", wantErr: "Query condition missed key schema element"},
		{src: "pk = :v OR sk = :w", wantErr: "Invalid operator used in KeyConditionExpression: OR"},
		{src: "pk = :v AND pk = :v", wantErr: "KeyConditionExpressions must only contain one condition per key"},
		{src: "x = :v AND y = :w AND z = :w", wantErr: "Conditions can be of length 1 or 2 only"},
		{src: "pk = sk", wantErr: "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
		{src: "pk = :v AND size(x) = :n", wantErr: "KeyConditionExpressions cannot contain nested operations"},
		{src: "pk = :v AND x.y = :w", wantErr: "KeyConditionExpressions cannot have conditions on nested attributes"},
		{src: "pk.x = :v", wantErr: "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk"},
		{src: ":v = :w", wantErr: "Invalid condition in KeyConditionExpression: No key attribute specified"},
		{src: "begins_with(:v, sk) AND pk = :v", wantErr: "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"},
		{src: "pk = :v AND contains(sk, :w)", wantErr: "Invalid operator used in KeyConditionExpression: contains"},
		{src: "pk = :v AND begins_with(sk, :n)", wantErr: "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{src: "name = :v", wantErr: "Invalid KeyConditionExpression: Attribute name is a reserved keyword; reserved keyword: name"},
		{src: "", wantErr: "Invalid KeyConditionExpression: The expression can not be empty;"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := expr.NewParams(nil, values)
			if err != nil {
				t.Fatal(err)
			}
			got, err := expr.ParseKeyCondition(tt.src, p, "pk", "sk")
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got %v, want error %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestKeyCondition_MatchSort(t *testing.T) {
	tests := []struct {
		kc   expr.KeyCondition
		v    attr.Value
		want bool
	}{
		{expr.KeyCondition{SortName: "sk", SortOp: expr.KeyBeginsWith, Sort: []attr.Value{attr.Str("ab")}}, attr.Str("abc"), true},
		{expr.KeyCondition{SortName: "sk", SortOp: expr.KeyBeginsWith, Sort: []attr.Value{attr.Str("ab")}}, attr.Str("a"), false},
		{expr.KeyCondition{SortName: "sk", SortOp: expr.KeyBetween, Sort: []attr.Value{attr.Num("1"), attr.Num("10")}}, attr.Num("9.5"), true},
		{expr.KeyCondition{SortName: "sk", SortOp: expr.KeyBetween, Sort: []attr.Value{attr.Num("1"), attr.Num("10")}}, attr.Num("10.5"), false},
		{expr.KeyCondition{SortName: "sk", SortOp: expr.KeyLT, Sort: []attr.Value{attr.Num("2")}}, attr.Num("10"), false},
		{expr.KeyCondition{SortName: "sk", SortOp: expr.KeyGE, Sort: []attr.Value{attr.Str("b")}}, attr.Str("b"), true},
		{expr.KeyCondition{SortName: "sk", SortOp: expr.KeyEQ, Sort: []attr.Value{attr.Str("b")}}, attr.Num("1"), false},
		{expr.KeyCondition{}, attr.Str("x"), true},
	}
	for i, tt := range tests {
		if got := tt.kc.MatchSort(tt.v); got != tt.want {
			t.Errorf("%d: MatchSort(%v) = %v, want %v", i, tt.v, got, tt.want)
		}
	}
}

func TestProjection_Apply(t *testing.T) {
	item := fixedItem()
	tests := []struct {
		src     string
		want    attr.Item
		wantErr string
	}{
		{src: "n, s", want: attr.Item{"n": item["n"], "s": item["s"]}},
		{src: "m.x", want: attr.Item{"m": {Kind: attr.M, Map: map[string]attr.Value{"x": attr.Num("1")}}}},
		{src: "m.y.z, #m.x", want: attr.Item{"m": item["m"]}},
		{src: "l[2], l[0]", want: attr.Item{"l": {Kind: attr.L, List: []attr.Value{attr.Num("1"), attr.Num("3")}}}},
		{src: "l[1].x, zz, m.zz, l[9], s.x", want: attr.Item{}},
		{src: "l[0], l[0]", wantErr: "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [l, [0]], path two: [l, [0]]"},
		{src: "m.x, m", wantErr: "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m, x], path two: [m]"},
		{src: "n,", wantErr: `Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: ","`},
		{src: ",n", wantErr: `Invalid ProjectionExpression: Syntax error; token: ",", near: ",n"`},
		{src: "name", wantErr: "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name"},
		{src: "#a", wantErr: "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #a"},
		{src: "n" + strings.Repeat(" ", 4096), wantErr: "Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size;"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, err := expr.NewParams(map[string]string{"#m": "m"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			pr, err := expr.ParseProjection(tt.src, p)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got %v, want error %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := pr.Apply(item); !itemsEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUpdate_Apply_doesNotModifyInput(t *testing.T) {
	p, err := expr.NewParams(nil, attr.Item{":v": attr.Num("7"), ":ss": {Kind: attr.SS, Strs: []string{"a"}}})
	if err != nil {
		t.Fatal(err)
	}
	u, err := expr.ParseUpdate("SET m.y.z = :v, l[0] = :v REMOVE l[1] ADD n :v DELETE ss :ss", p)
	if err != nil {
		t.Fatal(err)
	}
	item := fixedItem()
	out, err := u.Apply(item)
	if err != nil {
		t.Fatal(err)
	}
	if !itemsEqual(item, fixedItem()) {
		t.Errorf("input modified: %v", item)
	}
	want := fixedItem()
	want["m"].Map["y"].Map["z"] = attr.Num("7")
	want["l"] = attr.Value{Kind: attr.L, List: []attr.Value{attr.Num("7"), attr.Num("3")}}
	want["n"] = attr.Num("12")
	want["ss"] = attr.Value{Kind: attr.SS, Strs: []string{"b"}}
	if !itemsEqual(out, want) {
		t.Errorf("got %v, want %v", out, want)
	}
	if got, want := len(u.Paths()), 5; got != want {
		t.Errorf("Paths() has %d paths, want %d", got, want)
	}
}
