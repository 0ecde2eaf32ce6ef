package resolvers

import (
	"encoding/base64"
	"strings"

	"github.com/shopgraph/shopgraph"
)

// productIDPrefix versions the product id format.
const productIDPrefix = "p1|"

var idEncoding = base64.RawURLEncoding.Strict()

// EncodeProductID returns the opaque GraphQL id of a product: its full table
// key (category and SKU), so a loader can BatchGetItem it directly.
func EncodeProductID(k shopgraph.ProductKey) string {
	return idEncoding.EncodeToString([]byte(productIDPrefix + k.Category + "|" + k.ProductID))
}

// DecodeProductID parses an id made by EncodeProductID. Anything else is a
// BadRequest *shopgraph.Error.
func DecodeProductID(id string) (shopgraph.ProductKey, error) {
	bad := shopgraph.Errorf(shopgraph.CodeBadRequest, "malformed product id %q", truncate(id, 64))
	raw, err := idEncoding.DecodeString(id)
	if err != nil {
		return shopgraph.ProductKey{}, bad
	}
	rest, ok := strings.CutPrefix(string(raw), productIDPrefix)
	if !ok {
		return shopgraph.ProductKey{}, bad
	}
	category, sku, ok := strings.Cut(rest, "|")
	if !ok || category == "" || sku == "" || strings.Contains(sku, "|") {
		return shopgraph.ProductKey{}, bad
	}
	return shopgraph.ProductKey{Category: category, ProductID: sku}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
