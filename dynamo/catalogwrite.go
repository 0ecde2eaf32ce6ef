package dynamo

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"

	"github.com/shopgraph/shopgraph"
)

var (
	_ shopgraph.CatalogWriter  = (*Store)(nil)
	_ shopgraph.CatalogScanner = (*Store)(nil)
)

// maxCatalogWriteAttempts bounds how often PutProduct and DeleteProduct
// read the product again and retry when a concurrent write made their
// transaction's condition fail.
const maxCatalogWriteAttempts = 8

// scanSegments is how many segments ScanProducts and ScanStock scan in
// parallel.
const scanSegments = 4

// PutProduct implements shopgraph.CatalogWriter. It checks, with a Query of
// the bySku index, that no product with p's SKU exists in another category
// (CodeConflict), reads p's key with a consistent GetItem, then commits one
// TransactWriteItems:
//
//   - a new product: a Put under attribute_not_exists(category) and an
//     Update of its Categories item, ADD productCount 1 (which creates the
//     item, with count 1, for a category that has none);
//   - a replaced product: a Put under attribute_exists(category); the count
//     is unchanged.
//
// When the condition fails (the product was created or deleted meanwhile)
// it starts again, at most maxCatalogWriteAttempts times, then gives up with
// CodeConflict. A zero CreatedAt is the replaced product's CreatedAt, or
// for a new product its UpdatedAt; UpdatedAt is stored as given (the caller
// sets it).
// A key DynamoDB cannot store (empty, or longer than its key limits) is
// CodeBadRequest. The product returned is p as it reads back (times in UTC,
// attribute numbers as float64). The Categories cache is invalidated after
// a write.
//
// The SKU check reads an index, which AWS keeps eventually consistent: two
// concurrent puts of one SKU into different categories, or a put right after
// the SKU's deletion from another category, may slip past it or be refused
// wrongly. The admin API's writes are rare enough for that to be accepted.
func (s *Store) PutProduct(ctx context.Context, p shopgraph.Product) (shopgraph.Product, bool, error) {
	if !validPartitionKey(p.Category) || !validSortKey(p.ProductID) {
		return shopgraph.Product{}, false, shopgraph.Errorf(shopgraph.CodeBadRequest,
			"product %.64q in category %.64q: category and product id must be non-empty and within DynamoDB's key size limits", p.ProductID, p.Category)
	}
	for range maxCatalogWriteAttempts {
		if err := s.checkSKUCategory(ctx, p); err != nil {
			return shopgraph.Product{}, false, err
		}
		existing, raw, err := s.getProduct(ctx, p.Key())
		found := raw != nil
		if err != nil {
			return shopgraph.Product{}, false, fmt.Errorf("put product %s in %s: %w", p.ProductID, p.Category, err)
		}
		stored := p
		if stored.CreatedAt.IsZero() {
			stored.CreatedAt = stored.UpdatedAt
			if found {
				stored.CreatedAt = existing.CreatedAt
			}
		}
		av, err := marshalProduct(stored)
		if err != nil {
			return shopgraph.Product{}, false, fmt.Errorf("put product: %w", err)
		}
		put := &types.Put{
			TableName:                &s.tables.Products,
			Item:                     av,
			ConditionExpression:      aws.String("attribute_exists(#c)"),
			ExpressionAttributeNames: map[string]string{"#c": attrCategory},
		}
		items := []types.TransactWriteItem{{Put: put}}
		if !found {
			put.ConditionExpression = aws.String("attribute_not_exists(#c)")
			items = append(items, types.TransactWriteItem{Update: &types.Update{
				TableName:                 &s.tables.Categories,
				Key:                       categoryKey(p.Category),
				UpdateExpression:          aws.String("ADD #n :one"),
				ExpressionAttributeNames:  map[string]string{"#n": attrProductCount},
				ExpressionAttributeValues: item{":one": number(1)},
			}})
		}
		_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			s.invalidate()
			back, err := unmarshalProduct(av)
			if err != nil {
				return shopgraph.Product{}, false, fmt.Errorf("put product %s in %s: %w", p.ProductID, p.Category, err)
			}
			return back, !found, nil
		}
		if !isConditionFailed(err) {
			return shopgraph.Product{}, false, fmt.Errorf("put product %s in %s: transact write %s, %s: %w", p.ProductID, p.Category, s.tables.Products, s.tables.Categories, err)
		}
		// Created or deleted meanwhile: look again.
	}
	return shopgraph.Product{}, false, shopgraph.Errorf(shopgraph.CodeConflict,
		"product %s in category %s kept changing while it was written; try again", p.ProductID, p.Category)
}

// checkSKUCategory returns a CodeConflict *Error when a product with p's SKU
// exists in a category other than p's, from a Query of the bySku index.
func (s *Store) checkSKUCategory(ctx context.Context, p shopgraph.Product) error {
	pages := dynamodb.NewQueryPaginator(s.api, &dynamodb.QueryInput{
		TableName:                 aws.String(s.tables.Products),
		IndexName:                 aws.String(IndexBySKU),
		KeyConditionExpression:    aws.String("#p = :p"),
		ProjectionExpression:      aws.String("#c, #p"),
		ExpressionAttributeNames:  map[string]string{"#p": attrProductID, "#c": attrCategory},
		ExpressionAttributeValues: item{":p": &types.AttributeValueMemberS{Value: p.ProductID}},
	})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("put product %s: query %s index %s: %w", p.ProductID, s.tables.Products, IndexBySKU, err)
		}
		for _, it := range out.Items {
			c, ok := it[attrCategory].(*types.AttributeValueMemberS)
			if !ok {
				return fmt.Errorf("put product %s: %s index %s: item without %s", p.ProductID, s.tables.Products, IndexBySKU, attrCategory)
			}
			if c.Value != p.Category {
				return shopgraph.Errorf(shopgraph.CodeConflict, "SKU %s exists in category %s; delete it there first", p.ProductID, c.Value)
			}
		}
	}
	return nil
}

// DeleteProduct implements shopgraph.CatalogWriter. It reads the product
// with a consistent GetItem (none: CodeNotFound), then commits one
// TransactWriteItems: a Delete conditioned on the product still being as
// read (it exists, with the same updatedAt), and an Update of its
// Categories item, ADD productCount -1, conditioned on the item existing
// with a positive count. When the product changed meanwhile it starts
// again (deleted meanwhile: CodeNotFound), at most maxCatalogWriteAttempts
// times, then gives up with CodeConflict. It returns the product it
// deleted and invalidates the Categories cache.
//
// A category whose count reaches 0 is kept, listing 0 products. A category
// without an entry or with no count left (seeded inconsistently) is not
// counted below zero: the product is deleted alone. The product's stock
// records in Inventory are kept: nothing reaches them without the product,
// and they are harmless.
func (s *Store) DeleteProduct(ctx context.Context, key shopgraph.ProductKey) (shopgraph.Product, error) {
	notFound := shopgraph.Errorf(shopgraph.CodeNotFound, "no product %s in category %s", key.ProductID, key.Category)
	if !validPartitionKey(key.Category) || !validSortKey(key.ProductID) {
		return shopgraph.Product{}, notFound
	}
	count := true // whether the category's count is decremented
	for range maxCatalogWriteAttempts {
		existing, raw, err := s.getProduct(ctx, key)
		if err != nil {
			return shopgraph.Product{}, fmt.Errorf("delete product %s in %s: %w", key.ProductID, key.Category, err)
		}
		if raw == nil {
			return shopgraph.Product{}, notFound
		}
		del := &types.Delete{
			TableName:                &s.tables.Products,
			Key:                      productKey(key),
			ConditionExpression:      aws.String("attribute_exists(#c) AND attribute_not_exists(#u)"),
			ExpressionAttributeNames: map[string]string{"#c": attrCategory, "#u": attrUpdatedAt},
		}
		if u, ok := raw[attrUpdatedAt]; ok { // compared as stored
			del.ConditionExpression = aws.String("attribute_exists(#c) AND #u = :u")
			del.ExpressionAttributeValues = item{":u": u}
		}
		items := []types.TransactWriteItem{{Delete: del}}
		if count {
			items = append(items, types.TransactWriteItem{Update: &types.Update{
				TableName:                 &s.tables.Categories,
				Key:                       categoryKey(key.Category),
				UpdateExpression:          aws.String("ADD #n :minusone"),
				ConditionExpression:       aws.String("attribute_exists(#k) AND #n > :zero"),
				ExpressionAttributeNames:  map[string]string{"#k": attrName, "#n": attrProductCount},
				ExpressionAttributeValues: item{":minusone": number(-1), ":zero": number(0)},
			}})
		}
		_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			s.invalidate()
			return existing, nil
		}
		if !isConditionFailed(err) {
			return shopgraph.Product{}, fmt.Errorf("delete product %s in %s: transact write %s, %s: %w", key.ProductID, key.Category, s.tables.Products, s.tables.Categories, err)
		}
		if count && !conditionFailedAt(err, 0) && conditionFailedAt(err, 1) {
			count = false // no count to decrement
		}
		// Otherwise the product changed or went meanwhile: look again.
	}
	return shopgraph.Product{}, shopgraph.Errorf(shopgraph.CodeConflict,
		"product %s in category %s kept changing while it was deleted; try again", key.ProductID, key.Category)
}

// conditionFailedAt reports whether err is a TransactionCanceledException
// whose i-th item (from 0) failed its condition.
func conditionFailedAt(err error, i int) bool {
	var tce *types.TransactionCanceledException
	return errors.As(err, &tce) && i < len(tce.CancellationReasons) &&
		aws.ToString(tce.CancellationReasons[i].Code) == "ConditionalCheckFailed"
}

// getProduct reads one product with a consistent GetItem, returning it
// and its item; the item is nil when there is none.
func (s *Store) getProduct(ctx context.Context, key shopgraph.ProductKey) (shopgraph.Product, item, error) {
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.tables.Products, Key: productKey(key), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return shopgraph.Product{}, nil, fmt.Errorf("get %s: %w", s.tables.Products, err)
	}
	if out.Item == nil {
		return shopgraph.Product{}, nil, nil
	}
	p, err := unmarshalProduct(out.Item)
	if err != nil {
		return shopgraph.Product{}, nil, err
	}
	return p, out.Item, nil
}

// categoryKey returns the Categories table key of a category.
func categoryKey(name string) item {
	return item{attrName: &types.AttributeValueMemberS{Value: name}}
}

// attrProductCount is the Categories items' count of products.
const attrProductCount = "productCount"

// ScanProducts implements shopgraph.CatalogScanner with a parallel Scan of
// the Products table (scanSegments segments, each paginated). each is never
// called concurrently, and not again once it returned an error: the scan
// stops and returns that error, wrapped.
func (s *Store) ScanProducts(ctx context.Context, each func(shopgraph.Product) error) error {
	return parallelScan(ctx, s.api, s.tables.Products, unmarshalProduct, each)
}

// ScanStock implements shopgraph.CatalogScanner with a parallel Scan of the
// Inventory table, as ScanProducts does. Site is left zero.
func (s *Store) ScanStock(ctx context.Context, each func(shopgraph.StockLevel) error) error {
	return parallelScan(ctx, s.api, s.tables.Inventory, unmarshalStock, each)
}

// parallelScan scans table in scanSegments parallel segments, converting
// every item with conv and calling each with it, one call at a time. The
// first error (of a Scan, conv or each) stops every segment and is returned,
// wrapped with the table name.
func parallelScan[T any](ctx context.Context, api API, table string, conv func(item) (T, error), each func(T) error) error {
	var (
		mu       sync.Mutex
		firstErr error // of conv or each
	)
	errStopped := errors.New("scan stopped")
	g, gctx := errgroup.WithContext(ctx)
	for seg := range scanSegments {
		g.Go(func() error {
			pages := dynamodb.NewScanPaginator(api, &dynamodb.ScanInput{
				TableName:     aws.String(table),
				Segment:       aws.Int32(int32(seg)),
				TotalSegments: aws.Int32(scanSegments),
			})
			for pages.HasMorePages() {
				out, err := pages.NextPage(gctx)
				if err != nil {
					return fmt.Errorf("scan %s segment %d of %d: %w", table, seg, scanSegments, err)
				}
				for _, it := range out.Items {
					v, err := conv(it)
					mu.Lock()
					if firstErr == nil && err == nil {
						err = each(v)
					}
					if firstErr == nil && err != nil {
						firstErr = err
					}
					stopped := firstErr != nil
					mu.Unlock()
					if stopped {
						return errStopped
					}
				}
			}
			return nil
		})
	}
	err := g.Wait()
	mu.Lock()
	defer mu.Unlock()
	if firstErr != nil {
		return fmt.Errorf("scan %s: %w", table, firstErr)
	}
	return err
}
