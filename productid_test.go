package shopgraph_test

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
		got, err := shopgraph.ParseProductID(k.PublicID())
		if err != nil || got != k {
			t.Errorf("ParseProductID(%v.PublicID()) = %v, %v", k, got, err)
		}
	}
}

func TestParseProductID_rejects(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, id := range []string{
		"", "not base64!", enc("hello"), enc("p1|"), enc("p1|cat"), enc("p1||sku"), enc("p1|cat|"),
		enc("p2|cat|sku"), enc("p1|cat|sku|extra"),
		base64.URLEncoding.EncodeToString([]byte("p1|cat|sku")), // padded: not canonical
	} {
		if _, err := shopgraph.ParseProductID(id); !shopgraph.IsCode(err, shopgraph.CodeBadRequest) {
			t.Errorf("ParseProductID(%q) err = %v, want BadRequest", id, err)
		}
	}
}

func FuzzParseProductID(f *testing.F) {
	f.Add(shopgraph.ProductKey{Category: "c", ProductID: "p"}.PublicID())
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, id string) {
		k, err := shopgraph.ParseProductID(id)
		if err != nil {
			if !shopgraph.IsCode(err, shopgraph.CodeBadRequest) {
				t.Fatalf("non-BadRequest error %v", err)
			}
			return
		}
		if k.PublicID() != id {
			t.Fatalf("id %q decodes to %v, which encodes differently", id, k)
		}
	})
}
