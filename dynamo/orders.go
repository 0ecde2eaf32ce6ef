package dynamo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph"
)

var _ shopgraph.OrderStore = (*Store)(nil)

// IndexByCustomer is the Orders table's global secondary index keyed by
// customerId and createdAt, projecting all attributes.
const IndexByCustomer = "byCustomer"

// IndexPending is the Orders table's sparse global secondary index of the
// orders still PENDING, keyed by pendingShard (one of PendingShards values,
// from the order id) and createdAt; it projects customerId, status and
// version. The reconciler reads it.
const IndexPending = "pending"

// PendingShards is how many pendingShard values spread the pending index's
// writes.
const PendingShards = 8

// Attribute names of Orders items.
const (
	attrOrderID    = "orderId"
	attrCustomerID = "customerId"
	attrStatus     = "status"
	attrVersion    = "version"
	attrReserved   = "reserved"
	// attrPendingShard is set while the order is PENDING; the workflows'
	// transitions out of PENDING remove it.
	attrPendingShard = "pendingShard"
)

// orderTimeFormat is how order times are stored: the workflows write
// $$.State.EnteredTime, which has this shape, so both sort alike.
const orderTimeFormat = "2006-01-02T15:04:05.000Z"

func formatOrderTime(t time.Time) string { return t.UTC().Format(orderTimeFormat) }

// orderItem is an Orders item. Money is in minor units of Currency.
type orderItem struct {
	OrderID         string            `dynamodbav:"orderId"`
	CustomerID      string            `dynamodbav:"customerId"`
	Status          string            `dynamodbav:"status"`
	Version         int               `dynamodbav:"version"`
	Lines           []orderLineItem   `dynamodbav:"lines"`
	Total           int64             `dynamodbav:"total"`
	Currency        string            `dynamodbav:"currency"`
	Address         addressItem       `dynamodbav:"shippingAddress"`
	PaymentRef      string            `dynamodbav:"paymentRef"`
	AuthorizationID string            `dynamodbav:"authorizationId,omitempty"`
	IdempotencyKey  string            `dynamodbav:"idempotencyKey"`
	PayloadHash     string            `dynamodbav:"payloadHash"`
	ExecutionARN    string            `dynamodbav:"executionArn,omitempty"`
	Reserved        bool              `dynamodbav:"reserved"`
	Callbacks       map[string]string `dynamodbav:"callbacks"`
	History         []historyItem     `dynamodbav:"statusHistory"`
	CreatedAt       string            `dynamodbav:"createdAt"`
	UpdatedAt       string            `dynamodbav:"updatedAt"`
	PendingShard    string            `dynamodbav:"pendingShard,omitempty"`
}

type orderLineItem struct {
	Category    string           `dynamodbav:"category"`
	ProductID   string           `dynamodbav:"productId"`
	Name        string           `dynamodbav:"name"`
	UnitPrice   int64            `dynamodbav:"unitPrice"`
	Currency    string           `dynamodbav:"currency"`
	Quantity    int              `dynamodbav:"quantity"`
	Allocations []allocationItem `dynamodbav:"allocations"`
}

type allocationItem struct {
	Warehouse string `dynamodbav:"warehouse"`
	Quantity  int    `dynamodbav:"quantity"`
}

type addressItem struct {
	Name       string `dynamodbav:"name"`
	Line1      string `dynamodbav:"line1"`
	Line2      string `dynamodbav:"line2"`
	City       string `dynamodbav:"city"`
	Region     string `dynamodbav:"region"`
	PostalCode string `dynamodbav:"postalCode"`
	Country    string `dynamodbav:"country"`
}

type historyItem struct {
	Status string `dynamodbav:"status"`
	At     string `dynamodbav:"at"`
	Reason string `dynamodbav:"reason"`
}

func toOrderItem(o shopgraph.Order) orderItem {
	it := orderItem{
		OrderID: o.ID, CustomerID: o.CustomerID, Status: string(o.Status), Version: o.Version,
		Total: o.Total.Amount, Currency: o.Total.Currency, Address: addressItem(o.ShippingAddress),
		PaymentRef: o.PaymentRef, AuthorizationID: o.AuthorizationID, IdempotencyKey: o.IdempotencyKey,
		PayloadHash: o.PayloadHash, ExecutionARN: o.ExecutionARN, Reserved: o.Reserved, Callbacks: o.Callbacks,
		CreatedAt: formatOrderTime(o.CreatedAt), UpdatedAt: formatOrderTime(o.UpdatedAt),
	}
	if it.Callbacks == nil {
		it.Callbacks = map[string]string{}
	}
	if o.Status == shopgraph.OrderPending {
		it.PendingShard = pendingShard(o.ID)
	}
	for _, l := range o.Lines {
		li := orderLineItem{Category: l.Product.Category, ProductID: l.Product.ProductID, Name: l.Name,
			UnitPrice: l.UnitPrice.Amount, Currency: l.UnitPrice.Currency, Quantity: l.Quantity, Allocations: []allocationItem{}}
		for _, a := range l.Allocations {
			li.Allocations = append(li.Allocations, allocationItem(a))
		}
		it.Lines = append(it.Lines, li)
	}
	it.History = []historyItem{}
	for _, h := range o.History {
		it.History = append(it.History, historyItem{Status: string(h.Status), At: formatOrderTime(h.At), Reason: h.Reason})
	}
	return it
}

func parseOrderTime(s string) (time.Time, error) {
	if t, err := time.Parse(orderTimeFormat, s); err == nil {
		return t, nil
	}
	return parseTime(s)
}

func unmarshalOrder(av item) (shopgraph.Order, error) {
	var it orderItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return shopgraph.Order{}, fmt.Errorf("unmarshal order: %w", err)
	}
	o := shopgraph.Order{
		ID: it.OrderID, CustomerID: it.CustomerID, Status: shopgraph.OrderStatus(it.Status), Version: it.Version,
		Total: shopgraph.Money{Amount: it.Total, Currency: it.Currency}, ShippingAddress: shopgraph.Address(it.Address),
		PaymentRef: it.PaymentRef, AuthorizationID: it.AuthorizationID, IdempotencyKey: it.IdempotencyKey,
		PayloadHash: it.PayloadHash, ExecutionARN: it.ExecutionARN, Reserved: it.Reserved, Callbacks: it.Callbacks,
	}
	var err error
	if o.CreatedAt, err = parseOrderTime(it.CreatedAt); err != nil {
		return o, fmt.Errorf("order %s createdAt: %w", o.ID, err)
	}
	if o.UpdatedAt, err = parseOrderTime(it.UpdatedAt); err != nil {
		return o, fmt.Errorf("order %s updatedAt: %w", o.ID, err)
	}
	for _, l := range it.Lines {
		ol := shopgraph.OrderLine{Product: shopgraph.ProductKey{Category: l.Category, ProductID: l.ProductID}, Name: l.Name,
			UnitPrice: shopgraph.Money{Amount: l.UnitPrice, Currency: l.Currency}, Quantity: l.Quantity}
		for _, a := range l.Allocations {
			ol.Allocations = append(ol.Allocations, shopgraph.Allocation(a))
		}
		o.Lines = append(o.Lines, ol)
	}
	for _, h := range it.History {
		at, err := parseOrderTime(h.At)
		if err != nil {
			return o, fmt.Errorf("order %s history: %w", o.ID, err)
		}
		o.History = append(o.History, shopgraph.StatusChange{Status: shopgraph.OrderStatus(h.Status), At: at, Reason: h.Reason})
	}
	return o, nil
}

// pendingShard is the pending index's partition of an order: one of
// PendingShards, from its id.
func pendingShard(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return strconv.Itoa(int(h.Sum32() % PendingShards))
}

func orderKey(id string) item {
	return item{attrOrderID: &types.AttributeValueMemberS{Value: id}}
}

// CreateOrder implements shopgraph.OrderStore: one PutItem under
// attribute_not_exists(orderId); when the order exists, one consistent
// GetItem returns it.
func (s *Store) CreateOrder(ctx context.Context, o shopgraph.Order) (shopgraph.Order, bool, error) {
	if !validPartitionKey(o.ID) || !validPartitionKey(o.CustomerID) {
		return shopgraph.Order{}, false, fmt.Errorf("create order: order and customer ids must be non-empty keys")
	}
	av, err := attributevalue.MarshalMap(toOrderItem(o))
	if err != nil {
		return shopgraph.Order{}, false, fmt.Errorf("marshal order %s: %w", o.ID, err)
	}
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.tables.Orders, Item: av,
		ConditionExpression: aws.String("attribute_not_exists(orderId)")})
	if isConditionFailed(err) {
		existing, err := s.Order(ctx, o.ID)
		return existing, false, err
	}
	if err != nil {
		return shopgraph.Order{}, false, fmt.Errorf("put order %s: %w", o.ID, err)
	}
	return o, true, nil
}

// Order implements shopgraph.OrderStore with one consistent GetItem.
func (s *Store) Order(ctx context.Context, id string) (shopgraph.Order, error) {
	if !validPartitionKey(id) {
		return shopgraph.Order{}, shopgraph.Errorf(shopgraph.CodeNotFound, "no order %q", id)
	}
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.tables.Orders, Key: orderKey(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return shopgraph.Order{}, fmt.Errorf("get order %s: %w", id, err)
	}
	if out.Item == nil {
		return shopgraph.Order{}, shopgraph.Errorf(shopgraph.CodeNotFound, "no order %q", id)
	}
	return unmarshalOrder(out.Item)
}

// OrdersByCustomer implements shopgraph.OrderStore: Query of the byCustomer
// index, newest first, filtered by status when given (further Queries fill
// a page the filter thinned).
func (s *Store) OrdersByCustomer(ctx context.Context, customerID string, status shopgraph.OrderStatus, limit int, nextToken string) (shopgraph.OrderPage, error) {
	if limit < 1 || limit > 100 {
		return shopgraph.OrderPage{}, shopgraph.Errorf(shopgraph.CodeBadRequest, "limit must be between 1 and 100, got %d", limit)
	}
	in := &dynamodb.QueryInput{
		TableName: &s.tables.Orders, IndexName: aws.String(IndexByCustomer),
		KeyConditionExpression:    aws.String("customerId = :c"),
		ExpressionAttributeValues: item{":c": &types.AttributeValueMemberS{Value: customerID}},
		ScanIndexForward:          aws.Bool(false),
	}
	if status != "" {
		in.FilterExpression = aws.String("#status = :s")
		in.ExpressionAttributeNames = map[string]string{"#status": attrStatus}
		in.ExpressionAttributeValues[":s"] = &types.AttributeValueMemberS{Value: string(status)}
	}
	if nextToken != "" {
		c, err := s.decodeCursor(nextToken, "orders/"+customerID)
		if err != nil {
			return shopgraph.OrderPage{}, err
		}
		// ProductID carries "createdAt\x00orderId" of the last order.
		created, id, ok := cutLast(c.ProductID)
		if !ok {
			return shopgraph.OrderPage{}, errInvalidToken()
		}
		in.ExclusiveStartKey = item{attrOrderID: &types.AttributeValueMemberS{Value: id},
			attrCustomerID: &types.AttributeValueMemberS{Value: customerID}, "createdAt": &types.AttributeValueMemberS{Value: created}}
	}
	var page shopgraph.OrderPage
	for {
		in.Limit = aws.Int32(int32(limit - len(page.Items)))
		out, err := s.api.Query(ctx, in)
		if err != nil {
			return shopgraph.OrderPage{}, fmt.Errorf("query orders of %s: %w", customerID, err)
		}
		for _, av := range out.Items {
			o, err := unmarshalOrder(av)
			if err != nil {
				return shopgraph.OrderPage{}, err
			}
			page.Items = append(page.Items, o)
		}
		if out.LastEvaluatedKey == nil {
			return page, nil
		}
		if len(page.Items) == limit {
			last := page.Items[len(page.Items)-1]
			page.NextToken = s.encodeCursor(cursor{Category: "orders/" + customerID, ProductID: formatOrderTime(last.CreatedAt) + "\x00" + last.ID})
			return page, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func cutLast(s string) (before, after string, ok bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == 0 {
			return s[:i], s[i+1:], true
		}
	}
	return "", "", false
}

// maxReserveAttempts bounds how often a reservation is recomputed when
// concurrent reservations took the stock it planned on.
const maxReserveAttempts = 8

// ReserveInventory implements shopgraph.OrderStore: it plans each line's
// units across the warehouses with stock (the fullest first, so few
// splits), then commits one TransactWriteItems: a conditional decrement
// (available >= quantity) per allocation and the order's update, on
// condition that it is PENDING and not reserved. A condition that fails on
// stock means another order took it: the plan is made again.
func (s *Store) ReserveInventory(ctx context.Context, orderID string) (shopgraph.Order, error) {
	for range maxReserveAttempts {
		o, err := s.Order(ctx, orderID)
		if err != nil {
			return o, err
		}
		if o.Reserved {
			return o, nil
		}
		if o.Status != shopgraph.OrderPending {
			return o, shopgraph.ErrOrderSuperseded
		}
		planned, err := s.planReservation(ctx, o)
		if err != nil {
			return o, err
		}
		err = s.commitReservation(ctx, planned)
		if err == nil {
			return planned, nil
		}
		if !isConditionFailed(err) {
			return o, fmt.Errorf("reserve order %s: %w", orderID, err)
		}
		// Either the order moved on or the stock did: look again.
	}
	return shopgraph.Order{}, shopgraph.Errorf(shopgraph.CodeOutOfStock, "the stock of order %s kept changing while it was reserved", orderID)
}

// planReservation allocates o's lines from the current stock.
func (s *Store) planReservation(ctx context.Context, o shopgraph.Order) (shopgraph.Order, error) {
	whs, err := s.Warehouses(ctx)
	if err != nil {
		return o, err
	}
	codes := make([]string, len(whs))
	for i, w := range whs {
		codes[i] = w.Code
	}
	ids := make([]string, len(o.Lines))
	for i, l := range o.Lines {
		ids[i] = l.Product.ProductID
	}
	inv, err := s.GetInventory(ctx, ids, codes)
	if err != nil {
		return o, err
	}
	planned := o
	planned.Lines = slices.Clone(o.Lines)
	taken := map[[2]string]int{} // a product listed twice draws on the same stock
	count := 0
	for i, l := range planned.Lines {
		levels := slices.Clone(inv[i].Warehouses)
		slices.SortFunc(levels, func(a, b shopgraph.StockLevel) int {
			return cmp.Or(cmp.Compare(b.Available, a.Available), cmp.Compare(a.Warehouse, b.Warehouse))
		})
		need := l.Quantity
		l.Allocations = nil
		for _, lv := range levels {
			free := lv.Available - taken[[2]string{lv.ProductID, lv.Warehouse}]
			if need == 0 || free <= 0 {
				continue
			}
			q := min(need, free)
			l.Allocations = append(l.Allocations, shopgraph.Allocation{Warehouse: lv.Warehouse, Quantity: q})
			taken[[2]string{lv.ProductID, lv.Warehouse}] += q
			need -= q
			count++
		}
		if need > 0 {
			return o, shopgraph.Errorf(shopgraph.CodeOutOfStock, "%s: only %d of %d in stock", l.Name, l.Quantity-need, l.Quantity)
		}
		planned.Lines[i] = l
	}
	if count+1 > 100 {
		return o, shopgraph.Errorf(shopgraph.CodeOutOfStock, "order %s would take stock from %d warehouse records, more than one transaction holds", o.ID, count)
	}
	planned.Reserved = true
	return planned, nil
}

// lineAllocations is the order's lines, with their allocations, as stored.
func lineAllocations(o shopgraph.Order) (types.AttributeValue, error) {
	return attributevalue.Marshal(toOrderItem(o).Lines)
}

func (s *Store) commitReservation(ctx context.Context, planned shopgraph.Order) error {
	lines, err := lineAllocations(planned)
	if err != nil {
		return err
	}
	items := s.stockUpdates(planned, "SET available = available - :q, reserved = reserved + :q, version = version + :one", aws.String("available >= :q"))
	items = append(items, types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.tables.Orders,
		Key:                       orderKey(planned.ID),
		UpdateExpression:          aws.String("SET #reserved = :true, #lines = :lines"),
		ConditionExpression:       aws.String("#status = :pending AND #reserved = :false"),
		ExpressionAttributeNames:  map[string]string{"#status": attrStatus, "#reserved": attrReserved, "#lines": "lines"},
		ExpressionAttributeValues: item{":true": &types.AttributeValueMemberBOOL{Value: true}, ":false": &types.AttributeValueMemberBOOL{Value: false}, ":pending": &types.AttributeValueMemberS{Value: string(shopgraph.OrderPending)}, ":lines": lines},
	}})
	_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	return err
}

// stockUpdates are the transaction's Inventory updates of o's allocations:
// update (with :q the allocation's quantity) on condition cond, if any.
func (s *Store) stockUpdates(o shopgraph.Order, update string, cond *string) []types.TransactWriteItem {
	var items []types.TransactWriteItem
	for _, l := range o.Lines {
		for _, a := range l.Allocations {
			items = append(items, types.TransactWriteItem{Update: &types.Update{
				TableName:                 &s.tables.Inventory,
				Key:                       inventoryKey(l.Product.ProductID, a.Warehouse),
				UpdateExpression:          &update,
				ConditionExpression:       cond,
				ExpressionAttributeValues: item{":q": number(a.Quantity), ":one": number(1)},
			}})
		}
	}
	return items
}

// ReleaseInventory implements shopgraph.OrderStore: one TransactWriteItems
// returning every allocation and marking the order released, on condition
// that it is reserved (so a second release changes nothing).
func (s *Store) ReleaseInventory(ctx context.Context, orderID string) error {
	o, err := s.Order(ctx, orderID)
	if err != nil || !o.Reserved {
		return err
	}
	items := s.stockUpdates(o, "SET available = available + :q, reserved = reserved - :q, version = version + :one", nil)
	items = append(items, types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.tables.Orders,
		Key:                       orderKey(orderID),
		UpdateExpression:          aws.String("SET #reserved = :false"),
		ConditionExpression:       aws.String("#reserved = :true"),
		ExpressionAttributeNames:  map[string]string{"#reserved": attrReserved},
		ExpressionAttributeValues: item{":true": &types.AttributeValueMemberBOOL{Value: true}, ":false": &types.AttributeValueMemberBOOL{Value: false}},
	}})
	_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if isConditionFailed(err) {
		return nil // released already
	}
	if err != nil {
		return fmt.Errorf("release order %s: %w", orderID, err)
	}
	return nil
}

// attrRestocked marks an order whose returned units are back in stock.
const attrRestocked = "restocked"

// RestockReturn implements shopgraph.OrderStore: one TransactWriteItems
// adding each returned line's units back to the warehouses its allocations
// took them from (in allocation order), and marking the order restocked on
// condition that it was not (so a second call changes nothing). A line
// that is not the order's, or more units than the line took, is
// BadRequest.
func (s *Store) RestockReturn(ctx context.Context, orderID string, lines []shopgraph.OrderLineInput) error {
	o, err := s.Order(ctx, orderID)
	if err != nil {
		return err
	}
	back := o
	back.Lines = nil
	for _, in := range lines {
		i := slices.IndexFunc(o.Lines, func(l shopgraph.OrderLine) bool { return l.Product == in.Product })
		if i < 0 || in.Quantity < 1 || in.Quantity > o.Lines[i].Quantity {
			return shopgraph.Errorf(shopgraph.CodeBadRequest, "order %s cannot take back %d of %s", orderID, in.Quantity, in.Product.ProductID)
		}
		l := o.Lines[i]
		need := in.Quantity
		var allocs []shopgraph.Allocation
		for _, a := range l.Allocations {
			if need == 0 {
				break
			}
			q := min(need, a.Quantity)
			allocs = append(allocs, shopgraph.Allocation{Warehouse: a.Warehouse, Quantity: q})
			need -= q
		}
		if need > 0 {
			return shopgraph.Errorf(shopgraph.CodeBadRequest, "order %s took only %d of %s from its warehouses", orderID, in.Quantity-need, in.Product.ProductID)
		}
		l.Allocations = allocs
		back.Lines = append(back.Lines, l)
	}
	items := s.stockUpdates(back, "SET available = available + :q, version = version + :one", nil)
	items = append(items, types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.tables.Orders,
		Key:                       orderKey(orderID),
		UpdateExpression:          aws.String("SET #restocked = :true"),
		ConditionExpression:       aws.String("attribute_exists(orderId) AND attribute_not_exists(#restocked)"),
		ExpressionAttributeNames:  map[string]string{"#restocked": attrRestocked},
		ExpressionAttributeValues: item{":true": &types.AttributeValueMemberBOOL{Value: true}},
	}})
	if len(items) > 100 {
		return shopgraph.Errorf(shopgraph.CodeBadRequest, "order %s: a return of %d stock records is more than one transaction holds", orderID, len(items)-1)
	}
	_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if isConditionFailed(err) {
		return nil // restocked already
	}
	if err != nil {
		return fmt.Errorf("restock the return of order %s: %w", orderID, err)
	}
	return nil
}

// RecordPayment implements shopgraph.OrderStore with one conditional
// UpdateItem.
func (s *Store) RecordPayment(ctx context.Context, orderID, authorizationID string) error {
	_, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.tables.Orders, Key: orderKey(orderID),
		UpdateExpression:          aws.String("SET authorizationId = :a"),
		ConditionExpression:       aws.String("#status = :pending AND (attribute_not_exists(authorizationId) OR authorizationId = :a)"),
		ExpressionAttributeNames:  map[string]string{"#status": attrStatus},
		ExpressionAttributeValues: item{":a": &types.AttributeValueMemberS{Value: authorizationID}, ":pending": &types.AttributeValueMemberS{Value: string(shopgraph.OrderPending)}},
	})
	if isConditionFailed(err) {
		return shopgraph.ErrOrderSuperseded
	}
	if err != nil {
		return fmt.Errorf("record payment of order %s: %w", orderID, err)
	}
	return nil
}

// RecordCallback implements shopgraph.OrderStore with one UpdateItem.
func (s *Store) RecordCallback(ctx context.Context, orderID, purpose, token string) error {
	while := shopgraph.CallbackStatus(purpose)
	if while == "" {
		return fmt.Errorf("record callback of order %s: unknown purpose %q", orderID, purpose)
	}
	_, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.tables.Orders, Key: orderKey(orderID),
		UpdateExpression:                    aws.String("SET callbacks.#p = :t"),
		ConditionExpression:                 aws.String("#status = :while"),
		ExpressionAttributeNames:            map[string]string{"#p": purpose, "#status": attrStatus},
		ExpressionAttributeValues:           item{":t": &types.AttributeValueMemberS{Value: token}, ":while": &types.AttributeValueMemberS{Value: string(while)}},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if cf, ok := errors.AsType[*types.ConditionalCheckFailedException](err); ok {
		if len(cf.Item) == 0 {
			return shopgraph.Errorf(shopgraph.CodeNotFound, "no order %q", orderID)
		}
		return shopgraph.ErrOrderSuperseded
	}
	if err != nil {
		return fmt.Errorf("record %s callback of order %s: %w", purpose, orderID, err)
	}
	return nil
}

// PendingOrders implements shopgraph.OrderStore: one Query per shard of
// the sparse pending index (createdAt < placedBefore, oldest first), merged.
func (s *Store) PendingOrders(ctx context.Context, placedBefore time.Time, limit int) ([]shopgraph.Order, error) {
	var out []shopgraph.Order
	for shard := range PendingShards {
		p := dynamodb.NewQueryPaginator(s.api, &dynamodb.QueryInput{
			TableName: &s.tables.Orders, IndexName: aws.String(IndexPending),
			KeyConditionExpression:    aws.String("pendingShard = :s AND createdAt < :before"),
			ExpressionAttributeValues: item{":s": &types.AttributeValueMemberS{Value: strconv.Itoa(shard)}, ":before": &types.AttributeValueMemberS{Value: formatOrderTime(placedBefore)}},
			Limit:                     aws.Int32(int32(limit)),
		})
		for n := 0; p.HasMorePages() && n < limit; {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("pending orders: %w", err)
			}
			for _, av := range page.Items {
				var it orderItem
				if err := attributevalue.UnmarshalMap(av, &it); err != nil {
					return nil, fmt.Errorf("pending orders: %w", err)
				}
				created, err := parseOrderTime(it.CreatedAt)
				if err != nil {
					return nil, fmt.Errorf("pending order %s createdAt: %w", it.OrderID, err)
				}
				out = append(out, shopgraph.Order{ID: it.OrderID, CustomerID: it.CustomerID, Status: shopgraph.OrderStatus(it.Status), Version: it.Version, CreatedAt: created})
				n++
			}
		}
	}
	slices.SortFunc(out, func(a, b shopgraph.Order) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out[:min(len(out), limit)], nil
}
