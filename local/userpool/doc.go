// Package userpool is the embedded default's stand-in for an Amazon Cognito
// user pool, behind the same port (shopgraph.Accounts) and the same token
// shapes as the real one:
//
//   - Issuer mints RS256 ID and access tokens with Cognito's claims, from a
//     key kept on disk so that `shopgraph token`, run in the server's
//     directory, mints tokens the server accepts; it publishes its JWKS.
//   - Directory is an in-memory user store with Cognito's sign-up,
//     confirmation, sign-in, refresh and password-reset rules and exception
//     names (shopgraph.AccountErrorCodes).
//   - Accounts implements shopgraph.Accounts over the two.
//   - DevUsers, SeedDevUsers and DevPassword are the documented dev users.
//
// It belongs to the embedded-default wing (local/): it imports only the
// root package, golang-jwt and google/uuid, and knows nothing of how the
// server authenticates requests.
package userpool
