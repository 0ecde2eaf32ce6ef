// Package shopgraph is the domain vocabulary of the shopgraph GraphQL BFF: the
// types the store deals in (products, inventory, warehouses, categories, the
// catalog snapshot, partner API keys, sessions, carts and their rules), the
// ports the application needs (CatalogStore, InventoryStore, CartStore,
// APIKeyStore, APIKeyAdmin, Accounts, Authenticator), the identity vocabulary (auth modes, Identity, Credentials,
// groups, scopes, token uses), the closed set of error codes every adapter
// translates its failures into, and the request-scoped context accessors.
//
// It imports only the standard library. Adapters (dynamo/, cognito/, auth/,
// …) and the embedded-default wing (local/…) implement the ports; the GraphQL
// packages (graph/, resolvers/, loaders/, server/) consume them. Only the
// composition root (app/) and cmd/ know both sides.
package shopgraph
