// Package userpool is the embedded default's stand-in for an Amazon Cognito
// user pool, behind the same port (shopgraph.Accounts) and the same token
// shapes as the real one:
//
//   - Issuer mints RS256 ID and access tokens with Cognito's claims, from a
//     key kept on disk so that `shopgraph token`, run in the server's
//     directory, mints tokens the server accepts; it publishes its JWKS. It
//     refuses a key file other users could read or write, or a directory
//     they could write or that is not the running user's
//     (IssuerOptions.MustExist also refuses to make a new key).
//   - Directory is an in-memory user store with Cognito's sign-up,
//     confirmation, sign-in, refresh and password-reset rules and exception
//     names (shopgraph.AccountErrorCodes). It answers usernames nobody signed
//     up with as it answers real ones, lockouts and limits included, and
//     limits guessing per username: wrong passwords by Cognito's lockout
//     (LockoutAfterFailures), wrong codes and reset requests per hour
//     (DirectoryOptions.CodeFailureLimit, ResetRequestLimit).
//   - Accounts implements shopgraph.Accounts over the two.
//   - DevUsers, SeedDevUsers and DevPassword are the documented dev users.
//
// It belongs to the embedded-default wing (local/): it imports only the
// root package, golang-jwt and google/uuid, and knows nothing of how the
// server authenticates requests.
package userpool
