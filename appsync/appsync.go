// Package appsync makes shopgraph's GraphQL schema and values behave like
// AWS AppSync's. It holds:
//
//   - The AppSync prelude (Prelude, PreludeSource): the nine AWS scalars and the
//     @aws_* directives that AppSync predeclares for every API. It is loaded
//     beside the user SDL but never deployed. Beside it, shopgraph's own
//     directives (ShopgraphDirectives, ShopgraphDirectivesSource,
//     ShopgraphOnly), which shopgraph enforces and PrintSDL strips.
//   - gqlgen custom-scalar functions for the AWS scalars (MarshalAWSDate,
//     UnmarshalAWSDate, ValidateAWSDate, …, in the scalars*.go files), bound
//     in gqlgen.yml as "github.com/shopgraph/shopgraph/appsync.AWSDate" and so
//     on. Input values are validated to AppSync's rules and string values are
//     passed through exactly as received. Every rejected value is reported as
//     a *shopgraph.Error with code shopgraph.CodeBadRequest. ParseAWSDateTime
//     converts an AWSDateTime to a time.Time with the parser that validates
//     it.
//   - The SDL printer and schema helpers (sdl.go): LoadSchema loads user SDL
//     with the prelude and tolerates user redeclarations of the prelude;
//     PrintSDL prints the SDL to deploy to AppSync; Validate checks AppSync's
//     rules for user SDL.
//   - The auth directive table (auth.go): AuthDirectiveModes maps each AppSync
//     auth directive to the auth mode it admits, and AuthDirectives,
//     EffectiveAuthDirectives, CognitoGroups and StringList read the
//     directives that govern a field. LintAuth warns about auth directives
//     that AppSync does not enforce the way they read.
//
// The package keeps no state: its package-level variables (Prelude,
// ShopgraphDirectives, ShopgraphOnly, AuthDirectiveModes) are tables to treat
// as constants, and every function is safe for concurrent use.
package appsync

import (
	_ "embed"

	"github.com/vektah/gqlparser/v2/ast"
)

// PreludeName is the source name of the AppSync prelude, as used in
// PreludeSource and in positions of errors that point into it.
const PreludeName = "appsync/prelude.graphql"

// Prelude is the GraphQL SDL that AWS AppSync predeclares for every API: the
// nine AWS scalars and the @aws_* directives. Load it beside the user SDL
// (LoadSchema does); never deploy it. Treat it as a constant.
//
//go:embed prelude.graphql
var Prelude string

// PreludeSource returns a new *ast.Source holding Prelude, named PreludeName.
// It is not marked BuiltIn: the AWS scalars are ordinary, introspectable types.
// Each call returns a fresh value, which the caller may keep or modify.
func PreludeSource() *ast.Source {
	return &ast.Source{Name: PreludeName, Input: Prelude}
}

// isPreludeScalar reports whether name is one of the scalars declared in
// Prelude. TestPreludeNames keeps it in step with prelude.graphql.
func isPreludeScalar(name string) bool {
	switch name {
	case "AWSDate", "AWSTime", "AWSDateTime", "AWSTimestamp", "AWSEmail",
		"AWSJSON", "AWSURL", "AWSPhone", "AWSIPAddress":
		return true
	}
	return false
}

// isPreludeDirective reports whether name (without the @) is one of the
// directives declared in Prelude. TestPreludeNames keeps it in step with
// prelude.graphql.
func isPreludeDirective(name string) bool {
	switch name {
	case "aws_subscribe", "aws_publish", "aws_auth", "aws_cognito_user_pools",
		"aws_api_key", "aws_iam", "aws_oidc", "aws_lambda":
		return true
	}
	return false
}
