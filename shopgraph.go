// Package shopgraph is the domain vocabulary of the shopgraph GraphQL BFF: the
// types the store deals in (products, inventory, warehouses, categories), the
// ports the application needs (catalog and inventory stores), the error codes
// every adapter translates its failures into, and the request-scoped context
// accessors.
//
// It imports only the standard library. Adapters (dynamo/, …) implement the
// ports; the GraphQL packages (graph/, resolvers/, loaders/, server/) consume
// them. Only cmd/ knows both sides.
package shopgraph
