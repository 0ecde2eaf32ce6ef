package resolvers

import (
	"context"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/graph/model"
	"github.com/shopgraph/shopgraph/loaders"
)

// placeOrderInput converts placeOrder's input (decoding the product ids).
func placeOrderInput(in model.PlaceOrderInput) (shopgraph.PlaceOrderInput, error) {
	a := in.ShippingAddress
	out := shopgraph.PlaceOrderInput{
		IdempotencyKey: in.IdempotencyKey, PaymentToken: in.PaymentToken,
		ShippingAddress: shopgraph.Address{Name: a.Name, Line1: a.Line1, Line2: deref(a.Line2), City: a.City,
			Region: deref(a.Region), PostalCode: a.PostalCode, Country: a.Country},
	}
	var err error
	out.Lines, err = orderLines(in.Lines)
	return out, err
}

// orderLines decodes the lines' product ids (nil stays nil: "no lines
// given").
func orderLines(lines []model.OrderLineInput) ([]shopgraph.OrderLineInput, error) {
	if lines == nil {
		return nil, nil
	}
	out := make([]shopgraph.OrderLineInput, 0, len(lines))
	for _, l := range lines {
		key, err := shopgraph.ParseProductID(l.ProductID)
		if err != nil {
			return nil, err
		}
		out = append(out, shopgraph.OrderLineInput{Product: key, Quantity: l.Quantity})
	}
	return out, nil
}

func orderResult(o shopgraph.Order, err error) (*shopgraph.Order, error) {
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// orderLineProduct is the line's product through the loader; a product
// that has left the catalog is shown as the order recorded it (its id,
// name and price when ordered).
func orderLineProduct(ctx context.Context, l *shopgraph.OrderLine) (*shopgraph.Product, error) {
	p, err := loaders.FromContext(ctx).Product(ctx, l.Product)
	if shopgraph.IsCode(err, shopgraph.CodeNotFound) {
		return &shopgraph.Product{Category: l.Product.Category, ProductID: l.Product.ProductID, Name: l.Name, Price: l.UnitPrice}, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// closedOrderEvents is the channel of a subscription whose events are
// pushed to its transport: it has none of its own.
var closedOrderEvents = func() chan *shopgraph.OrderEvent {
	ch := make(chan *shopgraph.OrderEvent)
	close(ch)
	return ch
}()

// renderOrderEvent is the channel of a render-only dispatch: just the
// event it renders.
func renderOrderEvent(ev any) (<-chan *shopgraph.OrderEvent, error) {
	e, ok := ev.(*shopgraph.OrderEvent)
	if !ok {
		return nil, shopgraph.Errorf(shopgraph.CodeInternal, "a subscription rendered %T, not an order event", ev)
	}
	ch := make(chan *shopgraph.OrderEvent, 1)
	ch <- e
	close(ch)
	return ch, nil
}
