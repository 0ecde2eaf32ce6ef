package resolvers

import (
	"github.com/shopgraph/shopgraph"
)

// EncodeProductID returns the opaque GraphQL id of a product
// (shopgraph.ProductKey.PublicID).
func EncodeProductID(k shopgraph.ProductKey) string { return k.PublicID() }

// DecodeProductID parses an id made by EncodeProductID
// (shopgraph.ParseProductID).
func DecodeProductID(id string) (shopgraph.ProductKey, error) { return shopgraph.ParseProductID(id) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
