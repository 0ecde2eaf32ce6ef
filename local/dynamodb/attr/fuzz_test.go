package attr_test

import (
	"testing"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

// FuzzDecodeValue checks that any input decodes without panicking and that
// whatever decodes re-encodes to a fixed point.
func FuzzDecodeValue(f *testing.F) {
	for _, tc := range valueCases {
		f.Add([]byte(tc.in))
	}
	f.Add([]byte(`{"M":{"a":{"NS":["1e3","-0.5"]},"b":{"BS":["AAH/"]}}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		v, err := attr.DecodeValue(in)
		if err != nil {
			if _, ok := err.(*attr.Error); !ok {
				t.Fatalf("error %T is not *attr.Error", err)
			}
			return
		}
		enc := attr.AppendValueJSON(nil, v)
		back, err := attr.DecodeValue(enc)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", enc, err)
		}
		if !attr.Equal(v, back) {
			t.Fatalf("round trip of %s differs", enc)
		}
		if enc2 := attr.AppendValueJSON(nil, back); string(enc2) != string(enc) {
			t.Fatalf("encoding not stable: %s vs %s", enc, enc2)
		}
		_ = attr.Size(v)
		_ = attr.Depth(v)
	})
}
