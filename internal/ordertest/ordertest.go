// Package ordertest makes orders for tests: a PENDING order of one
// product, as placeOrder would store it.
package ordertest

import (
	"time"

	"github.com/shopgraph/shopgraph"
)

// Pending is customer's PENDING order (idempotency key key) of quantity
// units of p, paid with the payment method ref, placed at at: version 1,
// priced from p, shipped to a fixed German address.
func Pending(customer, key string, p shopgraph.Product, quantity int, ref string, at time.Time) shopgraph.Order {
	at = at.UTC()
	return shopgraph.Order{
		ID: shopgraph.OrderID(customer, key), CustomerID: customer, Status: shopgraph.OrderPending, Version: 1,
		Lines:           []shopgraph.OrderLine{{Product: p.Key(), Name: p.Name, UnitPrice: p.Price, Quantity: quantity}},
		Total:           shopgraph.Money{Amount: int64(quantity) * p.Price.Amount, Currency: p.Price.Currency},
		ShippingAddress: shopgraph.Address{Name: "A", Line1: "1 Road", City: "Town", PostalCode: "12345", Country: "DE"},
		PaymentRef:      ref, IdempotencyKey: key, History: []shopgraph.StatusChange{{Status: shopgraph.OrderPending, At: at}},
		CreatedAt: at, UpdatedAt: at,
	}
}
