package attr_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

// benchItem is a ~1 KB item of 10 attributes with a nested map, a list and
// a number set.
var benchItem = []byte(`{
 "pk":{"S":"USER#0123456789abcdef"},
 "sk":{"S":"ORDER#2024-05-01T12:34:56Z#000042"},
 "total":{"N":"1234.56"},
 "count":{"N":"17"},
 "active":{"BOOL":true},
 "note":{"S":"` + strings.Repeat("lorem ipsum ", 30) + `"},
 "tags":{"SS":["red","green","blue","yellow"]},
 "scores":{"NS":["1","2.5","-3","400","0.0001","12345678901234567890"]},
 "address":{"M":{"street":{"S":"1 Main St"},"city":{"S":"Springfield"},"zip":{"S":"12345"},"geo":{"M":{"lat":{"N":"44.0462"},"lng":{"N":"-123.0220"}}}}},
 "lines":{"L":[{"M":{"sku":{"S":"A-1"},"qty":{"N":"2"}}},{"M":{"sku":{"S":"B-2"},"qty":{"N":"1"}}},{"NULL":true}]}
}`)

func BenchmarkDecodeItem(b *testing.B) {
	b.SetBytes(int64(len(benchItem)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := attr.DecodeItem(benchItem); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendItemJSON(b *testing.B) {
	it, err := attr.DecodeItem(benchItem)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 2048)
	b.SetBytes(int64(len(benchItem)))
	b.ReportAllocs()
	for b.Loop() {
		buf = attr.AppendItemJSON(buf[:0], it)
	}
}

func BenchmarkDecodeEncodeItem(b *testing.B) {
	buf := make([]byte, 0, 2048)
	b.SetBytes(int64(len(benchItem)))
	b.ReportAllocs()
	for b.Loop() {
		it, err := attr.DecodeItem(benchItem)
		if err != nil {
			b.Fatal(err)
		}
		buf = attr.AppendItemJSON(buf[:0], it)
	}
}

// BenchmarkDecodeEncodeItem_encodingJSON is the reflection baseline: the
// same item through encoding/json into generic maps (no validation).
func BenchmarkDecodeEncodeItem_encodingJSON(b *testing.B) {
	b.SetBytes(int64(len(benchItem)))
	b.ReportAllocs()
	for b.Loop() {
		var m map[string]map[string]any
		if err := json.Unmarshal(benchItem, &m); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendKey(b *testing.B) {
	pk, sk := attr.Str("USER#0123456789abcdef"), attr.Num("1234.56")
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = attr.AppendKey(attr.AppendKey(buf[:0], pk), sk)
	}
}

func BenchmarkCompareNumbers(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		attr.CompareNumbers("1234.56", "1234.5601")
	}
}
