package dynamo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph"
)

var _ shopgraph.CartStore = (*Store)(nil)

// Attribute names of Carts items besides the key (attrOwnerID,
// attrProductID) and attrCategory, and of the product's currency.
const (
	attrQuantity  = "quantity"
	attrCreatedAt = "createdAt"
	attrUpdatedAt = "updatedAt"
	attrCurrency  = "currency"
)

// cartItem is a Carts item: one line of an owner's cart. Times are RFC 3339
// strings in UTC; createdAt is when the line was added, updatedAt when its
// quantity last changed.
type cartItem struct {
	OwnerID   string `dynamodbav:"ownerId"`
	ProductID string `dynamodbav:"productId"`
	Category  string `dynamodbav:"category"`
	Quantity  int    `dynamodbav:"quantity"`
	CreatedAt string `dynamodbav:"createdAt"`
	UpdatedAt string `dynamodbav:"updatedAt"`
}

// cartKey returns the Carts table key of an owner's line of a product.
func cartKey(owner, productID string) item {
	return item{
		attrOwnerID:   &types.AttributeValueMemberS{Value: owner},
		attrProductID: &types.AttributeValueMemberS{Value: productID},
	}
}

func number(n int) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: strconv.Itoa(n)}
}

// unmarshalCartItem converts a Carts item to a cart item, times in UTC.
func unmarshalCartItem(av item) (shopgraph.CartItem, error) {
	var it cartItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return shopgraph.CartItem{}, fmt.Errorf("unmarshal cart item: %w", err)
	}
	if it.ProductID == "" || it.Category == "" {
		return shopgraph.CartItem{}, fmt.Errorf("unmarshal cart item: missing %s or %s", attrProductID, attrCategory)
	}
	added, err := parseTime(it.CreatedAt)
	if err != nil {
		return shopgraph.CartItem{}, fmt.Errorf("cart item %s createdAt: %w", it.ProductID, err)
	}
	updated, err := parseTime(it.UpdatedAt)
	if err != nil {
		return shopgraph.CartItem{}, fmt.Errorf("cart item %s updatedAt: %w", it.ProductID, err)
	}
	return shopgraph.CartItem{
		Product:   shopgraph.ProductKey{Category: it.Category, ProductID: it.ProductID},
		Quantity:  it.Quantity,
		AddedAt:   added,
		UpdatedAt: updated,
	}, nil
}

// checkOwner rejects an owner that cannot be a DynamoDB key. Owners are
// verified user subs, so this is a caller's bug: an internal error.
func checkOwner(owner string) error {
	if !validPartitionKey(owner) {
		return fmt.Errorf("cart owner must be non-empty and at most %d bytes", maxPartitionKeyBytes)
	}
	return nil
}

// Cart implements shopgraph.CartStore with one strongly consistent Query of
// the owner's lines (one more per MB of lines, which a cart within the rules
// never reaches).
func (s *Store) Cart(ctx context.Context, owner string) ([]shopgraph.CartItem, error) {
	if err := checkOwner(owner); err != nil {
		return nil, err
	}
	items, err := s.cartItems(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("cart of %s: %w", owner, err)
	}
	return items, nil
}

// cartItems reads the owner's lines (consistently), oldest first, ties by
// product id. It returns an empty, non-nil slice for an empty cart.
func (s *Store) cartItems(ctx context.Context, owner string) ([]shopgraph.CartItem, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.tables.Carts),
		KeyConditionExpression:    aws.String("#o = :o"),
		ExpressionAttributeNames:  map[string]string{"#o": attrOwnerID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": &types.AttributeValueMemberS{Value: owner}},
		ConsistentRead:            aws.Bool(true),
	}
	out := []shopgraph.CartItem{}
	for pages := dynamodb.NewQueryPaginator(s.api, in); pages.HasMorePages(); {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("query %s: %w", s.tables.Carts, err)
		}
		for _, av := range page.Items {
			it, err := unmarshalCartItem(av)
			if err != nil {
				return nil, fmt.Errorf("query %s: %w", s.tables.Carts, err)
			}
			out = append(out, it)
		}
	}
	slices.SortFunc(out, func(a, b shopgraph.CartItem) int {
		return cmp.Or(a.AddedAt.Compare(b.AddedAt), strings.Compare(a.Product.ProductID, b.Product.ProductID))
	})
	return out, nil
}

// checkCartProduct checks that a product may be put in a cart: it is in the
// catalog (one GetItem of the product's id and currency, eventually
// consistent like every catalog read) and priced in shopgraph.Currency. It
// returns a BadRequest *shopgraph.Error saying which rule the product
// breaks.
func (s *Store) checkCartProduct(ctx context.Context, k shopgraph.ProductKey) error {
	unknown := shopgraph.Errorf(shopgraph.CodeBadRequest, "unknown product %.64q in category %.64q", k.ProductID, k.Category)
	if !validPartitionKey(k.Category) || !validSortKey(k.ProductID) {
		return unknown
	}
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                aws.String(s.tables.Products),
		Key:                      productKey(k),
		ProjectionExpression:     aws.String("#p, #cur"),
		ExpressionAttributeNames: map[string]string{"#p": attrProductID, "#cur": attrCurrency},
	})
	if err != nil {
		return fmt.Errorf("get product %s/%s from %s: %w", k.Category, k.ProductID, s.tables.Products, err)
	}
	if len(out.Item) == 0 {
		return unknown
	}
	cur, _ := out.Item[attrCurrency].(*types.AttributeValueMemberS)
	if cur == nil || cur.Value != shopgraph.Currency {
		got := ""
		if cur != nil {
			got = cur.Value
		}
		return shopgraph.Errorf(shopgraph.CodeBadRequest, "product %q is priced in %.16q, not in the store's currency %s: it cannot be put in a cart",
			k.ProductID, got, shopgraph.Currency)
	}
	return nil
}

// AddToCart implements shopgraph.CartStore. After the checks that need no
// request (quantity, owner) and the product's (checkCartProduct), one
// UpdateItem adds the units, atomically: `SET quantity =
// if_not_exists(quantity, 0) + :q`, conditional on the line being new or
// holding at most MaxLineQuantity - :q units, so concurrent additions never
// push a line past the limit. One consistent Query then reads the cart,
// which is the result and also checks the line limit: when the line is new
// and the cart now has more than MaxCartLines lines, the line is deleted
// again (DeleteItem, conditional on its createdAt being this call's) and the
// addition refused. Every concurrent adder of a new line checks after its
// own write, so the last of them always sees the excess: a cart never keeps
// more than MaxCartLines lines (unless a process dies between the write and
// the delete), though racing adders may all be refused.
func (s *Store) AddToCart(ctx context.Context, owner string, k shopgraph.ProductKey, quantity int) ([]shopgraph.CartItem, error) {
	if err := shopgraph.CheckLineQuantity(quantity); err != nil {
		return nil, err
	}
	if err := checkOwner(owner); err != nil {
		return nil, err
	}
	if err := s.checkCartProduct(ctx, k); err != nil {
		return nil, fmt.Errorf("add to cart: %w", err)
	}
	now := formatTime(s.now())
	out, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(s.tables.Carts),
		Key:                 cartKey(owner, k.ProductID),
		UpdateExpression:    aws.String("SET #q = if_not_exists(#q, :zero) + :q, #c = :c, #ca = if_not_exists(#ca, :now), #ua = :now"),
		ConditionExpression: aws.String("attribute_not_exists(#q) OR #q <= :room"),
		ExpressionAttributeNames: map[string]string{
			"#q": attrQuantity, "#c": attrCategory, "#ca": attrCreatedAt, "#ua": attrUpdatedAt,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":zero": number(0), ":q": number(quantity), ":room": number(shopgraph.MaxLineQuantity - quantity),
			":c": &types.AttributeValueMemberS{Value: k.Category}, ":now": &types.AttributeValueMemberS{Value: now},
		},
		ReturnValues:                        types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, ok := errors.AsType[*types.ConditionalCheckFailedException](err); ok {
		return nil, lineFull(k.ProductID, quantity, ccf.Item)
	}
	if err != nil {
		return nil, fmt.Errorf("add %s to the cart of %s: update item in %s: %w", k.ProductID, owner, s.tables.Carts, err)
	}
	items, err := s.cartItems(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("add %s to the cart of %s: %w", k.ProductID, owner, err)
	}
	if created := len(out.Attributes) == 0; created && len(items) > shopgraph.MaxCartLines {
		_, err := s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:                 aws.String(s.tables.Carts),
			Key:                       cartKey(owner, k.ProductID),
			ConditionExpression:       aws.String("#ca = :now"),
			ExpressionAttributeNames:  map[string]string{"#ca": attrCreatedAt},
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": &types.AttributeValueMemberS{Value: now}},
		})
		if err != nil && !isConditionFailed(err) { // a failed condition: the line is gone already
			return nil, fmt.Errorf("add %s to the cart of %s: undo the line over the limit: delete item from %s: %w", k.ProductID, owner, s.tables.Carts, err)
		}
		return nil, shopgraph.Errorf(shopgraph.CodeBadRequest, "the cart is full: it holds at most %d lines (products); remove one before adding product %q",
			shopgraph.MaxCartLines, k.ProductID)
	}
	return items, nil
}

// lineFull is AddToCart's error for a line that would hold too many units;
// old is the line as it was (when the emulator returns it).
func lineFull(productID string, quantity int, old item) error {
	if n, ok := old[attrQuantity].(*types.AttributeValueMemberN); ok {
		if have, err := strconv.Atoi(n.Value); err == nil {
			return shopgraph.Errorf(shopgraph.CodeBadRequest, "the cart holds %d of product %q: adding %d would make %d, and a line holds at most %d",
				have, productID, quantity, have+quantity, shopgraph.MaxLineQuantity)
		}
	}
	return shopgraph.Errorf(shopgraph.CodeBadRequest, "adding %d of product %q would put more than %d in its cart line",
		quantity, productID, shopgraph.MaxLineQuantity)
}

// UpdateCartItem implements shopgraph.CartStore: after the quantity, owner
// and product checks, one UpdateItem sets the line's quantity, conditional
// on the line existing (a missing line is a BadRequest and no line is
// created), then one consistent Query reads the cart.
func (s *Store) UpdateCartItem(ctx context.Context, owner string, k shopgraph.ProductKey, quantity int) ([]shopgraph.CartItem, error) {
	if err := shopgraph.CheckLineQuantity(quantity); err != nil {
		return nil, err
	}
	if err := checkOwner(owner); err != nil {
		return nil, err
	}
	if err := s.checkCartProduct(ctx, k); err != nil {
		return nil, fmt.Errorf("update cart item: %w", err)
	}
	_, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.tables.Carts),
		Key:                      cartKey(owner, k.ProductID),
		UpdateExpression:         aws.String("SET #q = :q, #ua = :now"),
		ConditionExpression:      aws.String("attribute_exists(#q)"),
		ExpressionAttributeNames: map[string]string{"#q": attrQuantity, "#ua": attrUpdatedAt},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":q": number(quantity), ":now": &types.AttributeValueMemberS{Value: formatTime(s.now())},
		},
	})
	if isConditionFailed(err) {
		return nil, shopgraph.Errorf(shopgraph.CodeBadRequest, "product %q is not in the cart", k.ProductID)
	}
	if err != nil {
		return nil, fmt.Errorf("update %s in the cart of %s: update item in %s: %w", k.ProductID, owner, s.tables.Carts, err)
	}
	items, err := s.cartItems(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("update %s in the cart of %s: %w", k.ProductID, owner, err)
	}
	return items, nil
}

// RemoveFromCart implements shopgraph.CartStore with one DeleteItem (none
// for a product id that cannot be a key) and one consistent Query. The
// product need not be in the catalog any more.
func (s *Store) RemoveFromCart(ctx context.Context, owner string, k shopgraph.ProductKey) ([]shopgraph.CartItem, error) {
	if err := checkOwner(owner); err != nil {
		return nil, err
	}
	if validSortKey(k.ProductID) {
		_, err := s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: aws.String(s.tables.Carts),
			Key:       cartKey(owner, k.ProductID),
		})
		if err != nil {
			return nil, fmt.Errorf("remove %s from the cart of %s: delete item from %s: %w", k.ProductID, owner, s.tables.Carts, err)
		}
	}
	items, err := s.cartItems(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("remove %s from the cart of %s: %w", k.ProductID, owner, err)
	}
	return items, nil
}

// ClearCart implements shopgraph.CartStore: one consistent Query finds the
// lines, and BatchWriteItem deletes them, 25 per request (UnprocessedItems
// retried with backoff). An empty cart costs the Query only. A line added
// concurrently, after the Query, stays.
func (s *Store) ClearCart(ctx context.Context, owner string) ([]shopgraph.CartItem, error) {
	if err := checkOwner(owner); err != nil {
		return nil, err
	}
	items, err := s.cartItems(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("clear the cart of %s: %w", owner, err)
	}
	reqs := make([]writeRequest, len(items))
	for i, it := range items {
		reqs[i] = writeRequest{table: s.tables.Carts, item: cartKey(owner, it.Product.ProductID), del: true}
	}
	if err := batchWrite(ctx, s.api, s.backoff, reqs, nil); err != nil {
		return nil, fmt.Errorf("clear the cart of %s (%d lines): %w", owner, len(items), err)
	}
	return []shopgraph.CartItem{}, nil
}
