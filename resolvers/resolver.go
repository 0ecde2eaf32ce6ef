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

// Resolver holds the resolvers' dependencies. It is built once, in cmd/, and
// shared by all operations; per-operation state lives in the context.
type Resolver struct {
	Catalog shopgraph.CatalogStore
	// Accounts runs the user-pool flows (sign-up, sign-in, …).
	Accounts shopgraph.Accounts
	// APIKeys issues, lists and revokes partner API keys (the admin API).
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
