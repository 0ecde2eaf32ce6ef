package resolvers

import (
	"context"
	"sync"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/loaders"
)

// customer returns the signed-in Cognito user's sub: the owner of the cart
// the field reads or changes. Any other caller (an API key, an OIDC user)
// gets AppSync's Unauthorized error for the field. The schema's
// @aws_cognito_user_pools refuses them before the resolver runs; this check
// keeps a mistaken directive from handing a cart to a caller who has none.
func customer(ctx context.Context, typ, field string) (string, error) {
	id := shopgraph.IdentityFromContext(ctx)
	if id == nil || id.Mode != shopgraph.AuthModeCognito || id.Sub == "" {
		return "", shopgraph.Errorf(shopgraph.CodeUnauthorized, "Not Authorized to access %s on type %s", field, typ)
	}
	return id.Sub, nil
}

// priced returns the function that turns a cart store's answer into a Cart
// result, priced with the catalog's current products (shopgraph.PriceCart).
// The products come through the operation's loaders in one batch at once
// (loaders.Products), which also primes them for the lines; when the
// selection reads lines { product { inventory } }, their stock is
// prefetched meanwhile, in one batch too. So a cart costs its store
// requests, one BatchGetItem of products and the BatchGetItems of its
// stock, however the executor schedules the lines.
func priced(ctx context.Context) func([]shopgraph.CartItem, error) (*shopgraph.Cart, error) {
	return func(items []shopgraph.CartItem, err error) (*shopgraph.Cart, error) {
		if err != nil {
			return nil, err
		}
		l := loaders.FromContext(ctx)
		keys := make([]shopgraph.ProductKey, len(items))
		ids := make([]string, len(items))
		for i, it := range items {
			keys[i], ids[i] = it.Product, it.Product.ProductID
		}
		var wg sync.WaitGroup
		if len(ids) > 0 && selects(ctx, typeField{"Cart", "lines"}, typeField{"CartLine", "product"}, typeField{"Product", "inventory"}) {
			wg.Go(func() { l.PrefetchInventory(ctx, ids) })
		}
		products, err := l.Products(ctx, keys)
		wg.Wait()
		if err != nil {
			return nil, err
		}
		c := shopgraph.PriceCart(items, products)
		return &c, nil
	}
}
