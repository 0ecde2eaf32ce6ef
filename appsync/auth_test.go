package appsync_test

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/appsync"
)

var (
	cognitoOnly = []shopgraph.AuthMode{shopgraph.AuthModeCognito}
	multiAuth   = []shopgraph.AuthMode{shopgraph.AuthModeCognito, shopgraph.AuthModeAPIKey}
)

func TestLintAuth(t *testing.T) {
	for _, c := range []struct {
		name  string
		sdl   string
		modes []shopgraph.AuthMode
		want  []string // one substring per expected warning, in order
	}{
		{"clean multi-auth", `
type Query @aws_cognito_user_pools @aws_api_key { item: Item! admin: Secret! @aws_cognito_user_pools(cognito_groups: ["admin"]) }
type Item @aws_cognito_user_pools @aws_api_key { id: ID! }
type Secret @aws_cognito_user_pools(cognito_groups: ["admin"]) { id: ID! }`, multiAuth, nil},
		{"no directives, default mode only", `
type Query { item: Item! }
type Item { id: ID! }`, multiAuth, nil},
		{"@aws_auth on multi-auth", `
type Query @aws_api_key @aws_cognito_user_pools { a: String @aws_auth(cognito_groups: ["admin"]) }`, multiAuth,
			[]string{"Query.a: @aws_auth is ignored by AWS AppSync on an API with more than one auth mode"}},
		{"@aws_auth with Cognito only is fine", `
type Query { a: String @aws_auth(cognito_groups: ["admin"]) }`, cognitoOnly, nil},
		{"mode the API lacks", `
type Query @aws_oidc @aws_cognito_user_pools { a: String }`, multiAuth,
			[]string{"type Query: @aws_oidc admits OPENID_CONNECT callers, but the API has no OPENID_CONNECT mode"}},
		{"return type lacks a mode", `
type Query @aws_cognito_user_pools @aws_api_key { item: Item! }
type Item @aws_cognito_user_pools { id: ID! }`, multiAuth,
			[]string{"Query.item: readable by API_KEY callers, but its type Item admits no API_KEY caller"}},
		{"a field of the return type admitting the mode is enough", `
type Query @aws_cognito_user_pools @aws_api_key { item: Item! }
type Item @aws_cognito_user_pools { id: ID! @aws_api_key @aws_cognito_user_pools secret: String }`, multiAuth, nil},
		{"undirected return type admits only the default mode", `
type Query @aws_api_key { item: Item! }
type Item { id: ID! }`, multiAuth,
			[]string{"Query.item: readable by API_KEY callers, but its type Item admits no API_KEY caller"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := appsync.LoadSchema(&ast.Source{Name: "test.graphql", Input: c.sdl})
			if err != nil {
				t.Fatal(err)
			}
			got := appsync.LintAuth(s, c.modes)
			if len(got) != len(c.want) {
				t.Fatalf("warnings:\n%s\nwant %d", strings.Join(got, "\n"), len(c.want))
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}
