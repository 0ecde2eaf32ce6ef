package server

import (
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/appsync"
)

const authzSDL = `
type Query {
  open: String
  keyOnly: String @aws_api_key
  both: String @aws_api_key @aws_cognito_user_pools
  admins: String @aws_cognito_user_pools(cognito_groups: ["admin"])
  legacy: String @aws_auth(cognito_groups: ["warehouse", "admin"])
  typed: Partner
}
type Partner @aws_api_key {
  name: String
  secret: String @aws_cognito_user_pools(cognito_groups: ["admin"])
}
`

func TestFieldAllowed(t *testing.T) {
	s, err := appsync.LoadSchema(&ast.Source{Name: "authz.graphql", Input: authzSDL})
	if err != nil {
		t.Fatal(err)
	}
	var (
		key      = &shopgraph.Identity{Mode: shopgraph.AuthModeAPIKey}
		customer = &shopgraph.Identity{Mode: shopgraph.AuthModeCognito, Sub: "c"}
		admin    = &shopgraph.Identity{Mode: shopgraph.AuthModeCognito, Sub: "a", Groups: []string{"admin"}}
		wanda    = &shopgraph.Identity{Mode: shopgraph.AuthModeCognito, Sub: "w", Groups: []string{"warehouse"}}
		oidc     = &shopgraph.Identity{Mode: shopgraph.AuthModeOIDC, Sub: "o"}
	)
	cases := []struct {
		typ, field string
		id         *shopgraph.Identity
		want       bool
	}{
		{"Query", "open", customer, true}, // no directive: default mode (Cognito) only
		{"Query", "open", key, false},
		{"Query", "open", oidc, false},
		{"Query", "open", nil, false},
		{"Query", "keyOnly", key, true},
		{"Query", "keyOnly", customer, false}, // the default mode is not implied
		{"Query", "both", key, true},
		{"Query", "both", customer, true},
		{"Query", "admins", customer, false},
		{"Query", "admins", admin, true},
		{"Query", "admins", key, false},
		{"Query", "legacy", wanda, true},
		{"Query", "legacy", customer, false},
		{"Partner", "name", key, true}, // type directive covers its fields
		{"Partner", "name", customer, false},
		{"Partner", "secret", key, false}, // field directive replaces the type's
		{"Partner", "secret", admin, true},
	}
	for _, c := range cases {
		def := s.Types[c.typ]
		got := fieldAllowed(c.id, def, def.Fields.ForName(c.field), shopgraph.AuthModeCognito)
		if got != c.want {
			who := "anonymous"
			if c.id != nil {
				who = string(c.id.Mode) + "/" + c.id.Sub
			}
			t.Errorf("%s.%s for %s = %v, want %v", c.typ, c.field, who, got, c.want)
		}
	}
}
