// Package resolvers is the glue between the generated GraphQL executor
// (graph/) and the domain: it parses arguments, calls one store or loader,
// and converts the result. Every parent→child edge goes through a loader
// (loaders.FromContext). Helpers live outside the *.resolvers.go files,
// because gqlgen regeneration moves unknown code out of them.
package resolvers

import (
	"time"

	"github.com/shopgraph/shopgraph"
)

// Resolver holds the resolvers' dependencies. The server builds it once from
// the ports the composition root (package app) hands it, and all operations
// share it; per-operation state (loaders, identity) lives in the context.
type Resolver struct {
	Catalog shopgraph.CatalogStore
	// Accounts runs the user-pool flows (sign-up, sign-in, …).
	Accounts shopgraph.Accounts
	// Keys issues, lists and revokes partner API keys (the admin API).
	Keys shopgraph.APIKeyAdmin
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}
