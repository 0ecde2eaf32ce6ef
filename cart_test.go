package shopgraph_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
)

func TestCheckLineQuantity(t *testing.T) {
	for q, ok := range map[int]bool{-1: false, 0: false, 1: true, 50: true, 99: true, 100: false, 1 << 40: false} {
		err := shopgraph.CheckLineQuantity(q)
		if ok != (err == nil) {
			t.Errorf("CheckLineQuantity(%d) = %v, want ok=%v", q, err, ok)
		}
		if err != nil && (!shopgraph.IsCode(err, shopgraph.CodeBadRequest) || shopgraph.ErrorMessage(err) == "") {
			t.Errorf("CheckLineQuantity(%d) = %v, want a BadRequest with a reason", q, err)
		}
	}
}

func TestPriceCart(t *testing.T) {
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	usd := func(n int64) shopgraph.Money { return shopgraph.Money{Amount: n, Currency: shopgraph.Currency} }
	a := shopgraph.Product{Category: "toys", ProductID: "A", Price: usd(250)}
	b := shopgraph.Product{Category: "books", ProductID: "B", Price: usd(1999)}
	eur := shopgraph.Product{Category: "books", ProductID: "E", Price: shopgraph.Money{Amount: 100, Currency: "EUR"}}
	gone := shopgraph.ProductKey{Category: "toys", ProductID: "GONE"}
	items := []shopgraph.CartItem{
		{Product: b.Key(), Quantity: 3, AddedAt: t0, UpdatedAt: t0.Add(time.Minute)},
		{Product: gone, Quantity: 7, AddedAt: t0, UpdatedAt: t0.Add(time.Hour)}, // latest change, but left out
		{Product: a.Key(), Quantity: 2, AddedAt: t0.Add(time.Second), UpdatedAt: t0.Add(time.Second)},
		{Product: eur.Key(), Quantity: 1, AddedAt: t0, UpdatedAt: t0},
	}
	products := map[shopgraph.ProductKey]shopgraph.Product{a.Key(): a, b.Key(): b, eur.Key(): eur}
	got := shopgraph.PriceCart(items, products)
	latest := t0.Add(time.Hour)
	want := shopgraph.Cart{
		Lines: []shopgraph.CartLine{
			{Product: b, Quantity: 3, LineTotal: usd(5997)},
			{Product: a, Quantity: 2, LineTotal: usd(500)},
		},
		Subtotal:  usd(6497),
		ItemCount: 5,
		UpdatedAt: &latest,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PriceCart =\n %+v\nwant\n %+v", got, want)
	}

	empty := shopgraph.PriceCart(nil, nil)
	if empty.Lines == nil || len(empty.Lines) != 0 || empty.Subtotal != usd(0) || empty.ItemCount != 0 || empty.UpdatedAt != nil {
		t.Errorf("PriceCart of no items = %+v, want no lines (non-nil), a zero %s subtotal, no updatedAt", empty, shopgraph.Currency)
	}
}
