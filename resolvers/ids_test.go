package resolvers

import (
	"encoding/base64"
	"testing"

	"github.com/shopgraph/shopgraph"
)

func TestProductID_roundTrip(t *testing.T) {
	for _, k := range []shopgraph.ProductKey{
		{Category: "electronics", ProductID: "EL-000001"},
		{Category: "home-kitchen", ProductID: "HK-1"},
		{Category: "ünïcode", ProductID: "x y/z"},
	} {
		got, err := DecodeProductID(EncodeProductID(k))
		if err != nil || got != k {
			t.Errorf("DecodeProductID(EncodeProductID(%v)) = %v, %v", k, got, err)
		}
	}
}

func TestDecodeProductID_rejects(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, id := range []string{
		"", "not base64!", enc("hello"), enc("p1|"), enc("p1|cat"), enc("p1||sku"), enc("p1|cat|"),
		enc("p2|cat|sku"), enc("p1|cat|sku|extra"),
		base64.URLEncoding.EncodeToString([]byte("p1|cat|sku")), // padded: not canonical
	} {
		if _, err := DecodeProductID(id); !shopgraph.IsCode(err, shopgraph.CodeBadRequest) {
			t.Errorf("DecodeProductID(%q) err = %v, want BadRequest", id, err)
		}
	}
}

func FuzzDecodeProductID(f *testing.F) {
	f.Add(EncodeProductID(shopgraph.ProductKey{Category: "c", ProductID: "p"}))
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, id string) {
		k, err := DecodeProductID(id)
		if err != nil {
			if !shopgraph.IsCode(err, shopgraph.CodeBadRequest) {
				t.Fatalf("non-BadRequest error %v", err)
			}
			return
		}
		if EncodeProductID(k) != id {
			t.Fatalf("id %q decodes to %v, which encodes differently", id, k)
		}
	})
}

func TestPageLimit(t *testing.T) {
	n := func(i int) *int { return &i }
	for _, c := range []struct {
		in   *int
		want int
		ok   bool
	}{{nil, 20, true}, {n(1), 1, true}, {n(100), 100, true}, {n(0), 0, false}, {n(101), 0, false}, {n(-5), 0, false}} {
		got, err := pageLimit(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("pageLimit(%v) = %d, %v", c.in, got, err)
		}
	}
}
