package appsync

import (
	_ "embed"

	"github.com/vektah/gqlparser/v2/ast"
)

// ShopgraphDirectivesName is the source name of shopgraph's own directives.
const ShopgraphDirectivesName = "appsync/shopgraph.graphql"

// ShopgraphDirectives declares the directives shopgraph enforces beyond
// AppSync's (partner scopes). Load it beside the user SDL; PrintSDL with
// ShopgraphOnly strips them, so the printed SDL stays deployable.
//
//go:embed shopgraph.graphql
var ShopgraphDirectives string

// ShopgraphOnly names the directives declared in ShopgraphDirectives.
var ShopgraphOnly = []string{"shopgraph_scopes"}

// ShopgraphDirectivesSource returns a new *ast.Source holding
// ShopgraphDirectives.
func ShopgraphDirectivesSource() *ast.Source {
	return &ast.Source{Name: ShopgraphDirectivesName, Input: ShopgraphDirectives}
}
