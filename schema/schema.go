// Package schema embeds shopgraph's GraphQL SDL: one AppSync-deployable
// .graphql file per area. The AWS scalars and @aws_* directives are not
// declared here; appsync.LoadSchema adds AppSync's prelude.
package schema

import "embed"

// Files holds the SDL files (*.graphql) at its root.
//
//go:embed *.graphql
var Files embed.FS
