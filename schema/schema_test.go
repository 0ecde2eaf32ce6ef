package schema_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/appsync"
	"github.com/shopgraph/shopgraph/schema"
)

// TestSchema_isAppSyncValid: the user-facing SDL loads beside AppSync's
// prelude and follows AppSync's rules (no custom scalars, no AWS-prefixed
// types, only directives AppSync knows).
func TestSchema_isAppSyncValid(t *testing.T) {
	names, err := fs.Glob(schema.Files, "*.graphql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no SDL files embedded: %v", err)
	}
	var sources []*ast.Source
	for _, n := range names {
		b, err := schema.Files.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &ast.Source{Name: n, Input: string(b)})
	}
	s, err := appsync.LoadSchema(append(sources, appsync.ShopgraphDirectivesSource())...)
	if err != nil {
		t.Fatalf("schema does not load: %v", err)
	}
	if err := appsync.Validate(s, appsync.ShopgraphOnly...); err != nil {
		t.Fatalf("schema breaks AppSync's rules: %v", err)
	}
	if s.Query == nil || s.Query.Fields.ForName("products") == nil {
		t.Fatal("Query.products missing")
	}
	// Its auth directives mean the same on AppSync as here, with or without
	// an OIDC provider. AWS_IAM is the AppSync API's mode for its events
	// pipeline (publishOrderStatus), which shopgraph itself never admits.
	for _, modes := range [][]shopgraph.AuthMode{
		{shopgraph.AuthModeCognito, shopgraph.AuthModeAPIKey, appsync.AuthModeIAM},
		{shopgraph.AuthModeCognito, shopgraph.AuthModeAPIKey, shopgraph.AuthModeOIDC, appsync.AuthModeIAM},
	} {
		if w := appsync.LintAuth(s, modes); len(w) > 0 {
			t.Errorf("auth warnings with modes %v:\n%s", modes, strings.Join(w, "\n"))
		}
	}
}
