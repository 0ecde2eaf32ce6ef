package attr_test

import (
	"testing"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

// sizeCases are value sizes measured against DynamoDB Local's 400 KB item
// limit (TestSize_dynamoDBLocal re-measures them).
var sizeCases = []struct {
	in   string
	want int
}{
	{`{"S":"abc"}`, 3},
	{`{"S":""}`, 0},
	{`{"S":"é"}`, 2},
	{`{"N":"0"}`, 1},
	{`{"N":"1"}`, 2},
	{`{"N":"12"}`, 2},
	{`{"N":"123"}`, 3},
	{`{"N":"-1"}`, 3},
	{`{"N":"-12"}`, 3},
	{`{"N":"10"}`, 2},
	{`{"N":"100"}`, 2},
	{`{"N":"1000"}`, 2},
	{`{"N":"0.1"}`, 2},
	{`{"N":"0.01"}`, 2},
	{`{"N":"0.001"}`, 2},
	{`{"N":"1.5"}`, 3},
	{`{"N":"12.5"}`, 3},
	{`{"N":"123.45"}`, 4},
	{`{"N":"12345678901234567890123456789012345678"}`, 20},
	{`{"N":"-12345678901234567890123456789012345678"}`, 21},
	{`{"N":"1E+125"}`, 2},
	{`{"N":"1E-130"}`, 2},
	{`{"B":"YWJj"}`, 3},
	{`{"B":""}`, 0},
	{`{"BOOL":true}`, 1},
	{`{"NULL":true}`, 1},
	{`{"L":[]}`, 3},
	{`{"M":{}}`, 3},
	{`{"L":[{"S":"abc"}]}`, 7},
	{`{"L":[{"S":"abc"},{"S":"d"}]}`, 9},
	{`{"L":[{"NULL":true}]}`, 5},
	{`{"L":[{"L":[]}]}`, 7},
	{`{"M":{"k":{"S":"abc"}}}`, 8},
	{`{"M":{"kk":{"S":"abc"},"j":{"N":"1"}}}`, 13},
	{`{"M":{"a":{"M":{}}}}`, 8},
	{`{"SS":["abc"]}`, 3},
	{`{"SS":["abc","de"]}`, 5},
	{`{"SS":[""]}`, 0},
	{`{"NS":["1","12","123"]}`, 7},
	{`{"BS":["YWJj","YQ=="]}`, 4},
}

func TestSize(t *testing.T) {
	for _, tc := range sizeCases {
		t.Run(tc.in, func(t *testing.T) {
			v, err := attr.DecodeValue([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := attr.Size(v); got != tc.want {
				t.Errorf("Size = %d, want %d", got, tc.want)
			}
			it := attr.Item{"name": v, "é": attr.Str("x")}
			if got, want := attr.ItemSize(it), 4+tc.want+2+1; got != want {
				t.Errorf("ItemSize = %d, want %d", got, want)
			}
		})
	}
	if got := attr.Size(attr.Value{}); got != 0 {
		t.Errorf("Size(Invalid) = %d", got)
	}
}
