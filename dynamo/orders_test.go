package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
)

func TestOrderStore_embedded(t *testing.T) {
	t.Parallel()
	runOrderContract(t, dynamotest.Embedded(t))
}

func TestOrderStore_dynamoDBLocal(t *testing.T) {
	t.Parallel()
	runOrderContract(t, dynamotest.DynamoDBLocal(t))
}

type orderFixture struct {
	target   dynamotest.Target
	store    *dynamo.Store
	products []shopgraph.Product
	whs      []string
}

// stock sets a product's available units per warehouse (0 elsewhere).
func (f orderFixture) stock(t *testing.T, productID string, available map[string]int) {
	t.Helper()
	dynamotest.SetStock(t, f.target.Client, f.target.Tables.Inventory, productID, f.whs, available)
}

// levels is a product's [available, reserved] per warehouse with stock.
func (f orderFixture) levels(t *testing.T, productID string) map[string][2]int {
	t.Helper()
	inv, err := f.store.GetInventory(context.Background(), []string{productID}, f.whs)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][2]int{}
	for _, l := range inv[0].Warehouses {
		if l.Available != 0 || l.Reserved != 0 {
			out[l.Warehouse] = [2]int{l.Available, l.Reserved}
		}
	}
	return out
}

func (f orderFixture) order(customer, key string, created time.Time, lines ...shopgraph.OrderLine) shopgraph.Order {
	var total int64
	for _, l := range lines {
		total += l.Total().Amount
	}
	return shopgraph.Order{
		ID: shopgraph.OrderID(customer, key), CustomerID: customer, Status: shopgraph.OrderPending, Version: 1, Lines: lines,
		Total:           shopgraph.Money{Amount: total, Currency: "USD"},
		ShippingAddress: shopgraph.Address{Name: "N", Line1: "L", City: "C", PostalCode: "P", Country: "US"},
		PaymentRef:      "pm_x", IdempotencyKey: key, History: []shopgraph.StatusChange{{Status: shopgraph.OrderPending, At: created}},
		CreatedAt: created, UpdatedAt: created,
	}
}

func (f orderFixture) line(p shopgraph.Product, q int) shopgraph.OrderLine {
	return shopgraph.OrderLine{Product: p.Key(), Name: p.Name, UnitPrice: p.Price, Quantity: q}
}

func runOrderContract(t *testing.T, target dynamotest.Target) {
	store, err := dynamo.New(target.Client, dynamo.Options{Tables: target.Tables, CursorSecret: []byte(dynamotest.CursorSecret)})
	if err != nil {
		t.Fatal(err)
	}
	cat := seedCatalog(20)
	if err := store.Seed(context.Background(), cat, nil); err != nil {
		t.Fatal(err)
	}
	f := orderFixture{target: target, store: store, products: cat.Products}
	for _, w := range cat.Warehouses {
		f.whs = append(f.whs, w.Code)
	}
	t.Run("create", func(t *testing.T) { testOrderCreate(t, f) })
	t.Run("reserve and release", func(t *testing.T) { testOrderReserve(t, f) })
	t.Run("no oversell", func(t *testing.T) { testOrderNoOversell(t, f) })
	t.Run("superseded", func(t *testing.T) { testOrderSuperseded(t, f) })
	t.Run("by customer", func(t *testing.T) { testOrdersByCustomer(t, f) })
	t.Run("pending", func(t *testing.T) { testPendingOrders(t, f) })
}

func testOrderCreate(t *testing.T, f orderFixture) {
	ctx := context.Background()
	at := time.Date(2031, 1, 2, 3, 4, 5, 6e6, time.UTC)
	o := f.order("create-1", "k", at, f.line(f.products[0], 2))
	stored, created, err := f.store.CreateOrder(ctx, o)
	if err != nil || !created || stored.ID != o.ID {
		t.Fatalf("CreateOrder: %v %v", created, err)
	}
	again := o
	again.Total.Amount++
	stored, created, err = f.store.CreateOrder(ctx, again)
	if err != nil || created || stored.Total != o.Total {
		t.Fatalf("CreateOrder again: created %v, total %v, %v; want the first order back", created, stored.Total, err)
	}
	got, err := f.store.Order(ctx, o.ID)
	if err != nil || got.Status != shopgraph.OrderPending || !got.CreatedAt.Equal(at) || got.Lines[0].Quantity != 2 ||
		got.ShippingAddress != o.ShippingAddress || len(got.History) != 1 || got.Version != 1 {
		t.Fatalf("Order: %+v %v", got, err)
	}
	if _, err := f.store.Order(ctx, "ord_missing"); !shopgraph.IsCode(err, shopgraph.CodeNotFound) {
		t.Fatalf("a missing order: %v, want NotFound", err)
	}
	// A shipment callback is recorded only while the order is CONFIRMED.
	if err := f.store.RecordCallback(ctx, o.ID, shopgraph.CallbackShipment, "tok-0"); !errors.Is(err, shopgraph.ErrOrderSuperseded) {
		t.Fatalf("a shipment callback for a PENDING order: %v, want ErrOrderSuperseded", err)
	}
	confirmed := f.order("create-1", "k-confirmed", at, f.line(f.products[0], 1))
	confirmed.Status = shopgraph.OrderConfirmed
	if _, _, err := f.store.CreateOrder(ctx, confirmed); err != nil {
		t.Fatal(err)
	}
	if err := f.store.RecordCallback(ctx, confirmed.ID, shopgraph.CallbackShipment, "tok-1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.store.Order(ctx, confirmed.ID); got.Callbacks["shipment"] != "tok-1" {
		t.Fatalf("callbacks %v", got.Callbacks)
	}
	if err := f.store.RecordCallback(ctx, "ord_missing", shopgraph.CallbackShipment, "t"); !shopgraph.IsCode(err, shopgraph.CodeNotFound) {
		t.Fatalf("a callback for a missing order: %v", err)
	}
}

// testPendingOrders: the sparse pending index lists PENDING orders placed
// before the time asked, oldest first, across its shards, and no other.
func testPendingOrders(t *testing.T, f orderFixture) {
	ctx := context.Background()
	base := time.Date(2020, 5, 1, 0, 0, 0, 0, time.UTC) // before every other test's orders
	var want []string
	for i := range 12 {
		o := f.order("pending-1", fmt.Sprintf("p-%02d", i), base.Add(time.Duration(i)*time.Minute), f.line(f.products[3], 1))
		if i%4 == 3 {
			o.Status = shopgraph.OrderConfirmed // not pending: not indexed
		} else if i < 10 {
			want = append(want, o.ID)
		}
		if _, _, err := f.store.CreateOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.store.PendingOrders(ctx, base.Add(10*time.Minute), 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range got {
		ids = append(ids, o.ID)
		if o.Status != shopgraph.OrderPending || o.CustomerID != "pending-1" || o.Version != 1 {
			t.Fatalf("pending order %+v: want status, customer and version read", o)
		}
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("PendingOrders = %v\nwant %v (placed before the 10th minute, oldest first, PENDING only)", ids, want)
	}
	if got, err := f.store.PendingOrders(ctx, base.Add(10*time.Minute), 3); err != nil || len(got) != 3 || got[0].ID != want[0] || got[2].ID != want[2] {
		t.Fatalf("PendingOrders limit 3 = %v, %v; want the 3 oldest", got, err)
	}
}

func testOrderReserve(t *testing.T, f orderFixture) {
	ctx := context.Background()
	p, q := f.products[1], f.products[2]
	f.stock(t, p.ProductID, map[string]int{f.whs[0]: 2, f.whs[1]: 5})
	f.stock(t, q.ProductID, map[string]int{f.whs[0]: 1})
	o := f.order("reserve-1", "k", time.Now(), f.line(p, 6), f.line(q, 1))
	if _, _, err := f.store.CreateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	reserved, err := f.store.ReserveInventory(ctx, o.ID)
	if err != nil || !reserved.Reserved {
		t.Fatalf("ReserveInventory: %v", err)
	}
	if got := f.levels(t, p.ProductID); got[f.whs[1]] != [2]int{0, 5} || got[f.whs[0]] != [2]int{1, 1} {
		t.Fatalf("stock of p: %v (the fuller warehouse first)", got)
	}
	if _, err := f.store.ReserveInventory(ctx, o.ID); err != nil {
		t.Fatalf("ReserveInventory again: %v", err)
	}
	if got := f.levels(t, q.ProductID); got[f.whs[0]] != [2]int{0, 1} {
		t.Fatalf("a second reservation changed the stock: %v", got)
	}
	for range 2 {
		if err := f.store.ReleaseInventory(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.levels(t, p.ProductID); got[f.whs[0]] != [2]int{2, 0} || got[f.whs[1]] != [2]int{5, 0} {
		t.Fatalf("stock after two releases: %v, want it restored once", got)
	}
	big := f.order("reserve-2", "k", time.Now(), f.line(q, 2))
	if _, _, err := f.store.CreateOrder(ctx, big); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.ReserveInventory(ctx, big.ID); !shopgraph.IsCode(err, shopgraph.CodeOutOfStock) {
		t.Fatalf("more than the stock: %v, want OutOfStock", err)
	}
}

func testOrderNoOversell(t *testing.T, f orderFixture) {
	ctx := context.Background()
	p := f.products[3]
	f.stock(t, p.ProductID, map[string]int{f.whs[0]: 2, f.whs[2]: 3})
	var wg sync.WaitGroup
	results := make([]error, 12)
	for i := range 12 {
		wg.Go(func() {
			o := f.order(fmt.Sprintf("oversell-%d", i), "k", time.Now(), f.line(p, 1))
			if _, _, err := f.store.CreateOrder(ctx, o); err != nil {
				results[i] = err
				return
			}
			_, results[i] = f.store.ReserveInventory(ctx, o.ID)
		})
	}
	wg.Wait()
	ok, out := 0, 0
	for _, err := range results {
		switch {
		case err == nil:
			ok++
		case shopgraph.IsCode(err, shopgraph.CodeOutOfStock):
			out++
		default:
			t.Fatalf("reservation: %v", err)
		}
	}
	if ok != 5 || out != 7 {
		t.Fatalf("%d reserved, %d out of stock; want 5 and 7", ok, out)
	}
	if got := f.levels(t, p.ProductID); got[f.whs[0]] != [2]int{0, 2} || got[f.whs[2]] != [2]int{0, 3} {
		t.Fatalf("stock %v", got)
	}
}

func testOrderSuperseded(t *testing.T, f orderFixture) {
	ctx := context.Background()
	p := f.products[4]
	f.stock(t, p.ProductID, map[string]int{f.whs[0]: 5})
	o := f.order("superseded-1", "k", time.Now(), f.line(p, 1))
	if _, _, err := f.store.CreateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	if err := f.store.RecordPayment(ctx, o.ID, "auth-1"); err != nil {
		t.Fatal(err)
	}
	if err := f.store.RecordPayment(ctx, o.ID, "auth-1"); err != nil {
		t.Fatalf("recording the same payment again: %v", err)
	}
	if err := f.store.RecordPayment(ctx, o.ID, "auth-2"); !errors.Is(err, shopgraph.ErrOrderSuperseded) {
		t.Fatalf("a second, different payment: %v", err)
	}
	_, err := f.target.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(f.target.Tables.Orders),
		Key:                       map[string]types.AttributeValue{"orderId": &types.AttributeValueMemberS{Value: o.ID}},
		UpdateExpression:          aws.String("SET #s = :c"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberS{Value: "CANCELLED"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.ReserveInventory(ctx, o.ID); !errors.Is(err, shopgraph.ErrOrderSuperseded) {
		t.Fatalf("reserving a cancelled order: %v, want ErrOrderSuperseded", err)
	}
	if got := f.levels(t, p.ProductID); got[f.whs[0]] != [2]int{5, 0} {
		t.Fatalf("stock %v", got)
	}
}

func testOrdersByCustomer(t *testing.T, f orderFixture) {
	ctx := context.Background()
	base := time.Date(2032, 5, 6, 7, 8, 9, 0, time.UTC)
	for i := range 5 {
		o := f.order("paged", fmt.Sprintf("k%d", i), base.Add(time.Duration(i)*time.Minute), f.line(f.products[5], 1))
		if i == 2 {
			o.Status = shopgraph.OrderCancelled
		}
		if _, _, err := f.store.CreateOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	token := ""
	for range 5 {
		page, err := f.store.OrdersByCustomer(ctx, "paged", "", 2, token)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Items {
			keys = append(keys, o.IdempotencyKey)
		}
		if token = page.NextToken; token == "" {
			break
		}
	}
	if fmt.Sprint(keys) != "[k4 k3 k2 k1 k0]" {
		t.Fatalf("pages gave %v, want newest first without gaps or repeats", keys)
	}
	page, err := f.store.OrdersByCustomer(ctx, "paged", shopgraph.OrderPending, 3, "")
	if err != nil || len(page.Items) != 3 || page.Items[0].IdempotencyKey != "k4" || page.Items[2].IdempotencyKey != "k1" {
		t.Fatalf("pending orders: %+v %v", page, err)
	}
	if _, err := f.store.OrdersByCustomer(ctx, "paged", "", 2, "forged.token"); !shopgraph.IsCode(err, shopgraph.CodeBadRequest) {
		t.Fatalf("a forged token: %v, want BadRequest", err)
	}
	first, _ := f.store.OrdersByCustomer(ctx, "paged", "", 1, "")
	if _, err := f.store.OrdersByCustomer(ctx, "someone-else", "", 1, first.NextToken); !shopgraph.IsCode(err, shopgraph.CodeBadRequest) {
		t.Fatalf("another customer's token: %v, want BadRequest", err)
	}
	if _, err := f.store.OrdersByCustomer(ctx, "paged", "", 0, ""); !shopgraph.IsCode(err, shopgraph.CodeBadRequest) {
		t.Fatalf("limit 0: %v", err)
	}
}
