package server

import (
	"slices"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph"
)

// directiveModes maps AppSync's auth directives to the mode each admits.
var directiveModes = map[string]shopgraph.AuthMode{
	"aws_api_key":            shopgraph.AuthModeAPIKey,
	"aws_cognito_user_pools": shopgraph.AuthModeCognito,
	"aws_auth":               shopgraph.AuthModeCognito,
	"aws_oidc":               shopgraph.AuthModeOIDC,
}

// authDirectives returns the AppSync auth directives in list.
func authDirectives(list ast.DirectiveList) ast.DirectiveList {
	var out ast.DirectiveList
	for _, d := range list {
		if _, ok := directiveModes[d.Name]; ok || d.Name == "aws_iam" || d.Name == "aws_lambda" {
			out = append(out, d)
		}
	}
	return out
}

// fieldAllowed applies AppSync's authorization rules to one field:
//   - the field's own auth directives replace its type's;
//   - with no directive on either, only the API's default mode may read it;
//   - once any directive applies, the default mode is not implied;
//   - @aws_cognito_user_pools(cognito_groups:) and @aws_auth(cognito_groups:)
//     admit Cognito callers in at least one listed group.
//
// A nil identity (anonymous) is never allowed.
func fieldAllowed(id *shopgraph.Identity, parent *ast.Definition, field *ast.FieldDefinition, defaultMode shopgraph.AuthMode) bool {
	if id == nil {
		return false
	}
	dirs := authDirectives(field.Directives)
	if len(dirs) == 0 && parent != nil {
		dirs = authDirectives(parent.Directives)
	}
	if len(dirs) == 0 {
		return id.Mode == defaultMode
	}
	for _, d := range dirs {
		if directiveModes[d.Name] != id.Mode {
			continue
		}
		groups := stringList(d.Arguments.ForName("cognito_groups"))
		if len(groups) == 0 || slices.ContainsFunc(groups, id.InGroup) {
			return true
		}
	}
	return false
}

// stringList returns a directive argument's list of string literals.
func stringList(arg *ast.Argument) []string {
	if arg == nil || arg.Value == nil {
		return nil
	}
	var out []string
	for _, c := range arg.Value.Children {
		if c.Value != nil && c.Value.Kind == ast.StringValue {
			out = append(out, c.Value.Raw)
		}
	}
	if arg.Value.Kind == ast.StringValue {
		out = append(out, arg.Value.Raw)
	}
	return out
}
