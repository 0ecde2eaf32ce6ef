package dynamodb_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// sks returns the sk numbers of items.
func sks(items []map[string]types.AttributeValue) []int {
	var out []int
	for _, it := range items {
		v, _ := strconv.Atoi(it["sk"].(*types.AttributeValueMemberN).Value)
		out = append(out, v)
	}
	return out
}

func seq(from, to, step int) []int {
	var out []int
	for i := from; (step > 0 && i <= to) || (step < 0 && i >= to); i += step {
		out = append(out, i)
	}
	return out
}

func TestDB_Query(t *testing.T) {
	srv := startTemp(t)
	ctx := context.Background()
	c := srv.client
	createTable(t, c, "qry", true, types.ProjectionTypeInclude)
	for i := -5; i <= 20; i++ {
		g := "even"
		if i%2 != 0 {
			g = "odd"
		}
		put(t, c, "qry", item("p", i, "g", g, "a", i*10, "b", "x"))
		put(t, c, "qry", item("other", i, "a", i))
	}
	vals := func(kv ...any) map[string]types.AttributeValue {
		m := map[string]types.AttributeValue{}
		for i := 0; i < len(kv); i += 2 {
			switch v := kv[i+1].(type) {
			case int:
				m[kv[i].(string)] = ni(v)
			case string:
				m[kv[i].(string)] = s(v)
			}
		}
		return m
	}
	cases := []struct {
		name    string
		in      sdk.QueryInput
		want    []int // sk of all items, across pages
		perPage int   // expected items on a full page (0: no claim)
	}{
		{"all", sdk.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: vals(":p", "p")}, seq(-5, 20, 1), 0},
		{"between", sdk.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :a AND :b"), ExpressionAttributeValues: vals(":p", "p", ":a", -1, ":b", 3)}, seq(-1, 3, 1), 0},
		{"lt backward", sdk.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk < :a"), ExpressionAttributeValues: vals(":p", "p", ":a", 2), ScanIndexForward: aws.Bool(false)}, seq(1, -5, -1), 0},
		{"ge limit", sdk.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk >= :a"), ExpressionAttributeValues: vals(":p", "p", ":a", 10), Limit: aws.Int32(3)}, seq(10, 20, 1), 3},
		{"gt limit backward", sdk.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk > :a"), ExpressionAttributeValues: vals(":p", "p", ":a", 10), Limit: aws.Int32(4), ScanIndexForward: aws.Bool(false)}, seq(20, 11, -1), 4},
		{"le", sdk.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk <= :a"), ExpressionAttributeValues: vals(":p", "p", ":a", -4)}, []int{-5, -4}, 0},
		{"eq", sdk.QueryInput{KeyConditionExpression: aws.String("pk = :p AND sk = :a"), ExpressionAttributeValues: vals(":p", "p", ":a", 7)}, []int{7}, 0},
		{"filter limit", sdk.QueryInput{KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("a > :x"), ExpressionAttributeValues: vals(":p", "p", ":x", 150), Limit: aws.Int32(5)}, seq(16, 20, 1), 0},
		{"gsi", sdk.QueryInput{IndexName: aws.String("byG"), KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: vals(":g", "odd"), Limit: aws.Int32(3)}, seq(-5, 19, 2), 3},
		{"gsi range backward", sdk.QueryInput{IndexName: aws.String("byG"), KeyConditionExpression: aws.String("g = :g AND sk > :a"), ExpressionAttributeValues: vals(":g", "even", ":a", 10), ScanIndexForward: aws.Bool(false), Limit: aws.Int32(2)}, seq(20, 12, -2), 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.TableName = aws.String("qry")
			var got []int
			for page := 0; ; page++ {
				out, err := c.Query(ctx, &in)
				if err != nil {
					t.Fatalf("Query page %d: %v", page, err)
				}
				if tc.perPage > 0 && out.LastEvaluatedKey != nil && len(out.Items) != tc.perPage {
					t.Errorf("page %d: %d items, want %d", page, len(out.Items), tc.perPage)
				}
				if tc.in.IndexName != nil && len(out.Items) > 0 {
					if _, ok := out.Items[0]["b"]; ok {
						t.Errorf("GSI INCLUDE projection returned b: %v", out.Items[0])
					}
				}
				got = append(got, sks(out.Items)...)
				if out.LastEvaluatedKey == nil {
					break
				}
				in.ExclusiveStartKey = out.LastEvaluatedKey
				if page > 50 {
					t.Fatal("too many pages")
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}

	t.Run("count", func(t *testing.T) {
		out, err := c.Query(ctx, &sdk.QueryInput{TableName: aws.String("qry"), KeyConditionExpression: aws.String("pk = :p"),
			FilterExpression: aws.String("a >= :x"), ExpressionAttributeValues: vals(":p", "p", ":x", 0), Select: types.SelectCount})
		if err != nil || out.Count != 21 || out.ScannedCount != 26 || out.Items != nil {
			t.Errorf("COUNT: count %d scanned %d items %v err %v", out.Count, out.ScannedCount, out.Items, err)
		}
	})

	errCases := []struct {
		name string
		in   sdk.QueryInput
		msg  string
	}{
		{"consistent gsi", sdk.QueryInput{IndexName: aws.String("byG"), ConsistentRead: aws.Bool(true), KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: vals(":g", "odd")}, "Consistent reads are not supported on global secondary indexes"},
		{"start key other partition", sdk.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: vals(":p", "p"), ExclusiveStartKey: item("other", 1)}, "The provided starting key does not match the range key predicate"},
		{"start key short", sdk.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: vals(":p", "p"), ExclusiveStartKey: map[string]types.AttributeValue{"pk": s("p")}}, "Exclusive Start Key must have same size as table's key schema"},
		{"gsi start key without index key", sdk.QueryInput{IndexName: aws.String("byG"), KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: vals(":g", "odd"), ExclusiveStartKey: item("p", 1)}, "The provided starting key is invalid"},
		{"unknown index", sdk.QueryInput{IndexName: aws.String("nope"), KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: vals(":g", "odd")}, "The table does not have the specified index: nope"},
		{"wrong key type", sdk.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: vals(":p", 1)}, "Condition parameter type does not match schema type"},
		{"all attributes on include index", sdk.QueryInput{IndexName: aws.String("byG"), Select: types.SelectAllAttributes, KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: vals(":g", "odd")}, "projection type is not ALL"},
		{"limit 0", sdk.QueryInput{KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: vals(":p", "p"), Limit: aws.Int32(0)}, "Limit must be greater than or equal to 1"},
	}
	for _, tc := range errCases {
		in := tc.in
		in.TableName = aws.String("qry")
		_, err := c.Query(ctx, &in)
		if apiCode(err) != "ValidationException" || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want ValidationException %q", tc.name, err, tc.msg)
		}
	}
}

func TestDB_Query_pageLimit(t *testing.T) {
	srv := startTemp(t)
	ctx := context.Background()
	c := srv.client
	createTable(t, c, "big", true, "")
	blob := strings.Repeat("x", 100*1024)
	for i := range 25 { // 2.5 MB in one partition
		put(t, c, "big", item("p", i, "d", blob))
	}
	var pages []int
	in := &sdk.QueryInput{TableName: aws.String("big"), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p")}, ProjectionExpression: aws.String("sk")}
	total := 0
	for {
		out, err := c.Query(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, len(out.Items))
		total += len(out.Items)
		if out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	// Each item is 100 KB and a bit: a page ends with the item that reaches 1 MB.
	if want := []int{11, 11, 3}; !slices.Equal(pages, want) {
		t.Errorf("pages: got %v, want %v", pages, want)
	}
	if total != 25 {
		t.Errorf("total %d, want 25", total)
	}
}

func TestDB_Scan(t *testing.T) {
	srv := startTemp(t)
	ctx := context.Background()
	c := srv.client
	createTable(t, c, "scn", false, types.ProjectionTypeKeysOnly)
	for i := range 200 {
		it := map[string]types.AttributeValue{"pk": s("k" + strconv.Itoa(i)), "a": ni(i)}
		if i%4 == 0 {
			it["g"] = s("four")
		}
		put(t, c, "scn", it)
	}
	scanAll := func(in sdk.ScanInput) (map[string]bool, int) {
		seen := map[string]bool{}
		pages := 0
		for {
			out, err := c.Scan(ctx, &in)
			if err != nil {
				t.Fatalf("Scan: %v", err)
			}
			pages++
			for _, it := range out.Items {
				k := it["pk"].(*types.AttributeValueMemberS).Value
				if seen[k] {
					t.Fatalf("Scan returned %s twice", k)
				}
				seen[k] = true
			}
			if out.LastEvaluatedKey == nil {
				return seen, pages
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
	}
	all, pages := scanAll(sdk.ScanInput{TableName: aws.String("scn"), Limit: aws.Int32(30)})
	if len(all) != 200 || pages != 7 {
		t.Errorf("paged Scan: %d items in %d pages, want 200 in 7", len(all), pages)
	}
	union := map[string]bool{}
	for seg := range 4 {
		part, _ := scanAll(sdk.ScanInput{TableName: aws.String("scn"), Segment: aws.Int32(int32(seg)), TotalSegments: aws.Int32(4), Limit: aws.Int32(17)})
		if len(part) == 0 || len(part) == 200 {
			t.Errorf("segment %d has %d items: not split", seg, len(part))
		}
		for k := range part {
			if union[k] {
				t.Errorf("%s in two segments", k)
			}
			union[k] = true
		}
	}
	if len(union) != 200 {
		t.Errorf("segments cover %d items, want 200", len(union))
	}
	idx, _ := scanAll(sdk.ScanInput{TableName: aws.String("scn"), IndexName: aws.String("byG"), Limit: aws.Int32(7)})
	if len(idx) != 50 {
		t.Errorf("index Scan: %d items, want 50", len(idx))
	}
	out, err := c.Scan(ctx, &sdk.ScanInput{TableName: aws.String("scn"), FilterExpression: aws.String("a < :x"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":x": ni(10)}, Select: types.SelectCount})
	if err != nil || out.Count != 10 || out.ScannedCount != 200 {
		t.Errorf("filtered COUNT Scan: %d/%d %v", out.Count, out.ScannedCount, err)
	}
	_, err = c.Scan(ctx, &sdk.ScanInput{TableName: aws.String("scn"), Segment: aws.Int32(4), TotalSegments: aws.Int32(4)})
	if apiCode(err) != "ValidationException" {
		t.Errorf("Segment out of range: got %v", err)
	}
}
