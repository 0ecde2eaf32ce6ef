package resolvers

import (
	"slices"
	"testing"
)

func TestPorts_Missing(t *testing.T) {
	if got := (Ports{}).Missing(); !slices.Equal(got, []string{"Catalog", "Inventory", "Accounts", "Keys", "Carts", "Orders", "SearchIndex", "Products"}) {
		t.Errorf("Missing() of no ports = %v", got)
	}
}
