// Package auth is shopgraph's request authentication: it turns the
// credentials AppSync clients present (on HTTP requests, and on AppSync
// real-time connections and subscription starts) into a shopgraph.Identity.
//
// The pieces, each usable on its own and wired together by the composition
// root (package app):
//
//   - ParseCredential picks the one credential of a shopgraph.Credentials in
//     AppSync's order: an x-api-key, else an Authorization JWT, else none
//     (anonymous).
//   - Verifier checks RS256 JWTs from Cognito user pools and OIDC issuers
//     against each issuer's JWKS (fetched and cached, or given statically)
//     and builds the caller's Identity.
//   - API keys (NewAPIKey, ParseAPIKey, APIKey, IssueAPIKey) are partner
//     credentials of the form "<keyId>.<secret>"; only the secret's SHA-256 is
//     ever stored. KeyManager issues, lists and revokes them over the
//     shopgraph.APIKeyStore port and caches lookups; KeyLimiter rate-limits
//     them per key.
//   - Authenticator composes these: shopgraph.Authenticator for every
//     transport.
//
// Every credential failure is a *shopgraph.Error with code
// shopgraph.CodeUnauthenticated and a caller-safe, AppSync-like message (see
// the Msg constants); details are logged, never returned.
//
// The package imports only the root package, the standard library,
// golang-jwt, keyfunc/jwkset, hashicorp/golang-lru and golang.org/x/time.
package auth
