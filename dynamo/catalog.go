package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph"
)

// GetProducts fetches products by full key with BatchGetItem: duplicate keys
// are fetched once, 100 keys per request, requests in parallel. Missing
// products are absent from the map (a key that cannot exist, such as one
// with an empty part, is not even asked for). Unprocessed keys are retried
// with backoff; when they remain after 8 requests, or on any DynamoDB error,
// it returns an internal error and no map.
func (s *Store) GetProducts(ctx context.Context, keys []shopgraph.ProductKey) (map[shopgraph.ProductKey]shopgraph.Product, error) {
	valid := make([]shopgraph.ProductKey, 0, len(keys))
	for _, k := range keys {
		if validPartitionKey(k.Category) && validSortKey(k.ProductID) {
			valid = append(valid, k)
		}
	}
	items, err := batchGet(ctx, s.api, s.backoff, s.tables.Products, valid, productKey)
	if err != nil {
		return nil, fmt.Errorf("batch get products (%d keys): %w", len(keys), err)
	}
	out := make(map[shopgraph.ProductKey]shopgraph.Product, len(items))
	for _, it := range items {
		p, err := unmarshalProduct(it)
		if err != nil {
			return nil, fmt.Errorf("batch get products: %w", err)
		}
		out[p.Key()] = p
	}
	return out, nil
}

// ProductBySKU finds a product by SKU (its product id) with a Query on the
// bySku index. It returns a NotFound *shopgraph.Error `no product with SKU
// "x"` when there is none.
func (s *Store) ProductBySKU(ctx context.Context, sku string) (shopgraph.Product, error) {
	if !validPartitionKey(sku) {
		return shopgraph.Product{}, shopgraph.Errorf(shopgraph.CodeNotFound, "no product with SKU %q", sku)
	}
	out, err := s.api.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.tables.Products),
		IndexName:                 aws.String(IndexBySKU),
		KeyConditionExpression:    aws.String("#p = :p"),
		ExpressionAttributeNames:  map[string]string{"#p": attrProductID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: sku}},
	})
	if err != nil {
		return shopgraph.Product{}, fmt.Errorf("product by SKU %q: query %s index %s: %w", sku, s.tables.Products, IndexBySKU, err)
	}
	if len(out.Items) == 0 {
		return shopgraph.Product{}, shopgraph.Errorf(shopgraph.CodeNotFound, "no product with SKU %q", sku)
	}
	p, err := unmarshalProduct(out.Items[0])
	if err != nil {
		return shopgraph.Product{}, fmt.Errorf("product by SKU %q: %w", sku, err)
	}
	return p, nil
}

// ListProducts returns one page of a category, ordered by product id, with
// one Query. It returns a BadRequest *shopgraph.Error when Limit is outside
// 1..MaxPageSize, the category is empty, or NextToken is not a token this
// store issued for this category (forged, truncated, garbage, other
// category); and a NotFound one `unknown category "x" (known categories:
// a, b, …)` when the category is not in the Categories table (read through
// the Categories cache).
//
// NextToken is empty on the last page: the Query asks for one item more
// than the page, so a category whose size is a multiple of Limit does not
// end with an empty page. (A page cut short by DynamoDB's 1 MB limit still
// carries a token and may be shorter than Limit.)
func (s *Store) ListProducts(ctx context.Context, in shopgraph.ListProductsInput) (shopgraph.ProductPage, error) {
	if in.Limit < 1 || in.Limit > shopgraph.MaxPageSize {
		return shopgraph.ProductPage{}, shopgraph.Errorf(shopgraph.CodeBadRequest, "limit must be between 1 and %d, got %d", shopgraph.MaxPageSize, in.Limit)
	}
	if in.Category == "" {
		return shopgraph.ProductPage{}, shopgraph.Errorf(shopgraph.CodeBadRequest, "category is required")
	}
	cats, err := s.categories.get(ctx)
	if err != nil {
		return shopgraph.ProductPage{}, fmt.Errorf("list products in %q: %w", in.Category, err)
	}
	if _, ok := slices.BinarySearchFunc(cats, in.Category, func(c shopgraph.Category, name string) int { return strings.Compare(c.Name, name) }); !ok {
		names := make([]string, len(cats))
		for i, c := range cats {
			names[i] = c.Name
		}
		return shopgraph.ProductPage{}, shopgraph.Errorf(shopgraph.CodeNotFound, "unknown category %.64q (known categories: %s)", in.Category, strings.Join(names, ", "))
	}
	q := &dynamodb.QueryInput{
		TableName:                 aws.String(s.tables.Products),
		KeyConditionExpression:    aws.String("#c = :c"),
		ExpressionAttributeNames:  map[string]string{"#c": attrCategory},
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberS{Value: in.Category}},
		Limit:                     aws.Int32(int32(in.Limit + 1)),
	}
	if in.NextToken != "" {
		c, err := s.decodeCursor(in.NextToken, in.Category)
		if err != nil {
			return shopgraph.ProductPage{}, fmt.Errorf("list products in %q: %w", in.Category, err)
		}
		q.ExclusiveStartKey = productKey(shopgraph.ProductKey{Category: c.Category, ProductID: c.ProductID})
	}
	out, err := s.api.Query(ctx, q)
	if err != nil {
		return shopgraph.ProductPage{}, fmt.Errorf("list products in %q: query %s: %w", in.Category, s.tables.Products, err)
	}
	more := len(out.LastEvaluatedKey) > 0
	items := out.Items
	if len(items) > in.Limit {
		items, more = items[:in.Limit], true
	}
	page := shopgraph.ProductPage{Items: make([]shopgraph.Product, 0, len(items))}
	for _, it := range items {
		p, err := unmarshalProduct(it)
		if err != nil {
			return shopgraph.ProductPage{}, fmt.Errorf("list products in %q: %w", in.Category, err)
		}
		page.Items = append(page.Items, p)
	}
	if more {
		var lastID string
		if len(page.Items) > 0 {
			lastID = page.Items[len(page.Items)-1].ProductID
		} else if v, ok := out.LastEvaluatedKey[attrProductID].(*types.AttributeValueMemberS); ok {
			lastID = v.Value // an empty page that DynamoDB still cut short
		}
		if lastID != "" {
			page.NextToken = s.encodeCursor(cursor{Category: in.Category, ProductID: lastID})
		}
	}
	return page, nil
}

// Categories lists every category with its product count, by name, from the
// Categories table (a paginated Scan), cached for the store's CacheTTL. The
// returned slice is the caller's.
func (s *Store) Categories(ctx context.Context) ([]shopgraph.Category, error) {
	cats, err := s.categories.get(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(cats), nil
}

// Warehouses lists every warehouse, by code, from the Warehouses table (a
// paginated Scan), cached for the store's CacheTTL. The returned slice is the
// caller's.
func (s *Store) Warehouses(ctx context.Context) ([]shopgraph.Warehouse, error) {
	ws, err := s.warehouses.get(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(ws), nil
}

func (s *Store) scanCategories(ctx context.Context) ([]shopgraph.Category, error) {
	var out []shopgraph.Category
	err := scanAll(ctx, s.api, &dynamodb.ScanInput{TableName: aws.String(s.tables.Categories)}, func(it item) error {
		c, err := unmarshalCategory(it)
		out = append(out, c)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	slices.SortFunc(out, func(a, b shopgraph.Category) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (s *Store) scanWarehouses(ctx context.Context) ([]shopgraph.Warehouse, error) {
	var out []shopgraph.Warehouse
	err := scanAll(ctx, s.api, &dynamodb.ScanInput{TableName: aws.String(s.tables.Warehouses)}, func(it item) error {
		w, err := unmarshalWarehouse(it)
		out = append(out, w)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list warehouses: %w", err)
	}
	slices.SortFunc(out, func(a, b shopgraph.Warehouse) int { return strings.Compare(a.Code, b.Code) })
	return out, nil
}

// scanAll runs the Scan in, page by page (a dynamodb.ScanPaginator), calling
// each for every item.
func scanAll(ctx context.Context, api API, in *dynamodb.ScanInput, each func(item) error) error {
	table := aws.ToString(in.TableName)
	for pages := dynamodb.NewScanPaginator(api, in); pages.HasMorePages(); {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("scan %s: %w", table, err)
		}
		for _, it := range out.Items {
			if err := each(it); err != nil {
				return fmt.Errorf("scan %s: %w", table, err)
			}
		}
	}
	return nil
}
