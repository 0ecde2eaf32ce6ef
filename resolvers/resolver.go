// Package resolvers is the glue between the generated GraphQL executor
// (graph/) and the domain: it parses arguments, calls one store or loader,
// and converts the result. Every parent→child edge goes through a loader
// (loaders.FromContext). Helpers live outside the *.resolvers.go files,
// because gqlgen regeneration moves unknown code out of them.
package resolvers

import (
	"reflect"
	"time"

	"github.com/shopgraph/shopgraph"
)

// Ports are the domain ports the GraphQL side reads and writes through. The
// composition root (package app) fills them; a new port is one field here
// and one assignment there, and every resolver and loader can reach it.
type Ports struct {
	Catalog   shopgraph.CatalogStore
	Inventory shopgraph.InventoryStore
	// Accounts runs the user-pool flows (sign-up, sign-in, …) and `me`.
	Accounts shopgraph.Accounts
	// Keys issues, lists and revokes partner API keys (the admin API).
	Keys shopgraph.APIKeyAdmin
	// Carts keeps the signed-in customers' carts.
	Carts shopgraph.CartStore
	// Orders places and reads orders and takes the warehouse's
	// confirmations.
	Orders shopgraph.OrderService
	// Search is the product search index.
	SearchIndex shopgraph.ProductSearch
	// Products changes the catalog (the admin API).
	Products shopgraph.ProductAdmin
}

// Missing names the ports that are nil.
func (p Ports) Missing() []string {
	var out []string
	v := reflect.ValueOf(p)
	for i := range v.NumField() {
		if v.Field(i).IsNil() {
			out = append(out, v.Type().Field(i).Name)
		}
	}
	return out
}

// Resolver holds the resolvers' dependencies. The server builds it once from
// the ports the composition root hands it, and all operations share it;
// per-operation state (loaders, identity) lives in the context.
type Resolver struct {
	Ports
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}
