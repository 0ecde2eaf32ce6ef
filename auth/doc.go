// Package auth is shopgraph's identity-and-access adapter: it turns the
// credentials AppSync clients send into a shopgraph.Identity, and it holds the
// embedded default's stand-ins for a Cognito user pool.
//
// The pieces, each usable on its own and wired together in cmd/:
//
//   - CredentialFromHeaders picks the request's one credential in AppSync's
//     order (appsync.md §1.4): an x-api-key, else an Authorization JWT, else
//     none (anonymous).
//   - Verifier checks RS256 JWTs from Cognito user pools and OIDC issuers
//     against each issuer's JWKS and builds the caller's Identity.
//   - API keys (NewAPIKey, ParseAPIKey, APIKey, KeyLimiter) are partner
//     credentials of the form "<keyId>.<secret>"; only the secret's SHA-256 is
//     ever stored.
//   - DevIssuer mints Cognito-shaped tokens with a key persisted on disk, and
//     UserDirectory is an in-memory user store behind the sign-in mutations,
//     with SeedDevUsers for the documented dev users.
//
// Every request-level credential failure is a *shopgraph.Error with code
// shopgraph.CodeUnauthenticated and a caller-safe, AppSync-like message (see
// the Msg constants); details are logged, never returned. User-directory
// failures carry Cognito's exception names as codes (see shopgraph.CodeNotAuthorized and
// its siblings), so the sign-in mutations read like Cognito's API.
//
// The package imports only the root package, the standard library,
// golang-jwt, keyfunc/jwkset and golang.org/x/time.
package auth
