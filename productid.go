package shopgraph

import (
	"encoding/base64"
	"strings"
)

// productIDPrefix versions the product id format.
const productIDPrefix = "p1|"

var productIDEncoding = base64.RawURLEncoding.Strict()

// PublicID is the product's opaque API id: its full table key (category
// and SKU), so a loader can get it directly. (A method without a context,
// so GraphQL resolves it inline, not on a goroutine per product.)
func (p Product) PublicID() string { return p.Key().PublicID() }

// PublicID is the opaque API id of the product with key k.
func (k ProductKey) PublicID() string {
	return productIDEncoding.EncodeToString([]byte(productIDPrefix + k.Category + "|" + k.ProductID))
}

// ParseProductID parses an id made by PublicID. Anything else is a
// BadRequest *Error.
func ParseProductID(id string) (ProductKey, error) {
	shown := id
	if len(shown) > 64 {
		shown = shown[:64] + "…"
	}
	bad := Errorf(CodeBadRequest, "malformed product id %q", shown)
	raw, err := productIDEncoding.DecodeString(id)
	if err != nil {
		return ProductKey{}, bad
	}
	rest, ok := strings.CutPrefix(string(raw), productIDPrefix)
	if !ok {
		return ProductKey{}, bad
	}
	category, sku, ok := strings.Cut(rest, "|")
	if !ok || category == "" || sku == "" || strings.Contains(sku, "|") {
		return ProductKey{}, bad
	}
	return ProductKey{Category: category, ProductID: sku}, nil
}
