package shopgraph

import (
	"context"
	"time"
)

// Cart rules.
const (
	// MaxCartLines is the most lines (distinct products) a cart holds.
	MaxCartLines = 100
	// MaxLineQuantity is the most units of one product a cart line holds;
	// the least is 1.
	MaxLineQuantity = 99
)

// Currency is the store's currency: carts are priced in it, so an empty
// cart's subtotal is zero of it, and a product priced in another currency
// cannot be put in a cart. The demo catalog prices everything in it
// (seed.Currency).
const Currency = "USD"

// CheckLineQuantity returns nil when q is a valid quantity for a cart line
// (1..MaxLineQuantity), and a BadRequest *Error saying so otherwise.
func CheckLineQuantity(q int) error {
	if q < 1 || q > MaxLineQuantity {
		return Errorf(CodeBadRequest, "quantity must be between 1 and %d, got %d", MaxLineQuantity, q)
	}
	return nil
}

// CartItem is one stored line of a customer's cart (a row of the Carts
// table): which product, how many units, and when the line was added and
// last changed. It holds no price: prices come from the catalog whenever the
// cart is read (PriceCart).
type CartItem struct {
	Product   ProductKey
	Quantity  int
	AddedAt   time.Time
	UpdatedAt time.Time
}

// CartLine is a cart line priced from the catalog.
type CartLine struct {
	Product  Product
	Quantity int
	// LineTotal is the product's current price times Quantity.
	LineTotal Money
}

// Cart is a customer's cart as the API shows it: its lines priced from the
// catalog, in the order they were added.
type Cart struct {
	Lines []CartLine
	// Subtotal is the sum of the lines' totals, in Currency.
	Subtotal Money
	// ItemCount is the number of units across the lines.
	ItemCount int
	// UpdatedAt is the latest time a line of the cart was added or changed;
	// nil for an empty cart.
	UpdatedAt *time.Time
}

// PriceCart prices a cart's stored items with the catalog's current
// products (products need hold only the items' products; more is fine).
// Lines keep the items' order. An item whose product is no longer in the
// catalog, or no longer priced in Currency, cannot be bought: it is left out
// of the lines, the subtotal and the item count (it still counts toward
// MaxCartLines until it is removed). UpdatedAt considers every item.
func PriceCart(items []CartItem, products map[ProductKey]Product) Cart {
	c := Cart{Lines: make([]CartLine, 0, len(items)), Subtotal: Money{Currency: Currency}}
	var latest time.Time
	for _, it := range items {
		if it.UpdatedAt.After(latest) {
			latest = it.UpdatedAt
		}
		p, ok := products[it.Product]
		if !ok || p.Price.Currency != Currency {
			continue
		}
		total := Money{Amount: p.Price.Amount * int64(it.Quantity), Currency: Currency}
		c.Lines = append(c.Lines, CartLine{Product: p, Quantity: it.Quantity, LineTotal: total})
		c.Subtotal.Amount += total.Amount
		c.ItemCount += it.Quantity
	}
	if !latest.IsZero() {
		c.UpdatedAt = &latest
	}
	return c
}

// CartStore keeps customers' carts (the Carts table), one cart per owner
// (a signed-in user's sub). It checks the cart rules itself, so every
// caller gets the same answers: quantities 1..MaxLineQuantity per line, at
// most MaxCartLines lines, and only products that exist in the catalog and
// are priced in Currency.
//
// Every method that changes a cart returns the owner's items afterwards,
// oldest line first (ties by product id), as Cart does. Errors are *Error
// values with CodeBadRequest and a message that says why (a quantity out
// of range, an unknown product, a full cart, a line that is not in the
// cart); anything else is an internal error. A refused change changes
// nothing. All methods are safe for concurrent use, also on one cart.
type CartStore interface {
	// Cart returns the owner's items, read consistently (a change is seen
	// at once). An owner without a cart has no items.
	Cart(ctx context.Context, owner string) ([]CartItem, error)
	// AddToCart adds quantity units of a product, to its line when the
	// cart has one (the line may then hold at most MaxLineQuantity units)
	// or as a new line (the cart may then have at most MaxCartLines).
	AddToCart(ctx context.Context, owner string, product ProductKey, quantity int) ([]CartItem, error)
	// UpdateCartItem sets the quantity of the product's line, which must
	// be in the cart.
	UpdateCartItem(ctx context.Context, owner string, product ProductKey, quantity int) ([]CartItem, error)
	// RemoveFromCart removes the product's line; removing a line that is
	// not in the cart changes nothing and is not an error.
	RemoveFromCart(ctx context.Context, owner string, product ProductKey) ([]CartItem, error)
	// ClearCart removes every line. It returns no items.
	ClearCart(ctx context.Context, owner string) ([]CartItem, error)
}
