package dynamo

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph"
)

// item is one DynamoDB item.
type item = map[string]types.AttributeValue

// DynamoDB's key size limits: a key longer than these cannot exist, so the
// stores answer "absent" for it without asking (DynamoDB would reject the
// request).
const (
	maxPartitionKeyBytes = 2048
	maxSortKeyBytes      = 1024
)

func validPartitionKey(s string) bool { return s != "" && len(s) <= maxPartitionKeyBytes }
func validSortKey(s string) bool      { return s != "" && len(s) <= maxSortKeyBytes }

// productKey returns the Products table key of k.
func productKey(k shopgraph.ProductKey) item {
	return item{
		attrCategory:  &types.AttributeValueMemberS{Value: k.Category},
		attrProductID: &types.AttributeValueMemberS{Value: k.ProductID},
	}
}

// inventoryKey returns the Inventory table key of a product's stock in
// a warehouse.
func inventoryKey(productID, warehouse string) item {
	return item{
		attrProductID: &types.AttributeValueMemberS{Value: productID},
		attrWarehouse: &types.AttributeValueMemberS{Value: warehouse},
	}
}

// productItem is a Products item.
type productItem struct {
	Category    string         `dynamodbav:"category"`
	ProductID   string         `dynamodbav:"productId"`
	Name        string         `dynamodbav:"name"`
	Description string         `dynamodbav:"description,omitempty"`
	Brand       string         `dynamodbav:"brand,omitempty"`
	Price       int64          `dynamodbav:"price"`
	Currency    string         `dynamodbav:"currency"`
	Attributes  map[string]any `dynamodbav:"attributes,omitempty"`
	Images      []string       `dynamodbav:"images,omitempty"`
	CreatedAt   string         `dynamodbav:"createdAt"`
	UpdatedAt   string         `dynamodbav:"updatedAt"`
}

// marshalProduct converts a product to its Products item. Attribute values
// must be JSON-compatible (string, number, bool, []any, map[string]any).
func marshalProduct(p shopgraph.Product) (item, error) {
	if !validPartitionKey(p.Category) || !validSortKey(p.ProductID) {
		return nil, fmt.Errorf("product %q in category %q: category and product id must be non-empty and within DynamoDB's key size limits", p.ProductID, p.Category)
	}
	av, err := attributevalue.MarshalMap(productItem{
		Category:    p.Category,
		ProductID:   p.ProductID,
		Name:        p.Name,
		Description: p.Description,
		Brand:       p.Brand,
		Price:       p.Price.Amount,
		Currency:    p.Price.Currency,
		Attributes:  p.Attributes,
		Images:      p.Images,
		CreatedAt:   formatTime(p.CreatedAt),
		UpdatedAt:   formatTime(p.UpdatedAt),
	})
	if err != nil {
		return nil, fmt.Errorf("marshal product %s: %w", p.ProductID, err)
	}
	return av, nil
}

// unmarshalProduct converts a Products item (or a bySku index item) to a
// product. Numbers in Attributes come back as float64.
func unmarshalProduct(av item) (shopgraph.Product, error) {
	var it productItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return shopgraph.Product{}, fmt.Errorf("unmarshal product item: %w", err)
	}
	if it.Category == "" || it.ProductID == "" {
		return shopgraph.Product{}, fmt.Errorf("unmarshal product item: missing %s or %s", attrCategory, attrProductID)
	}
	created, err := parseTime(it.CreatedAt)
	if err != nil {
		return shopgraph.Product{}, fmt.Errorf("product %s createdAt: %w", it.ProductID, err)
	}
	updated, err := parseTime(it.UpdatedAt)
	if err != nil {
		return shopgraph.Product{}, fmt.Errorf("product %s updatedAt: %w", it.ProductID, err)
	}
	return shopgraph.Product{
		Category:    it.Category,
		ProductID:   it.ProductID,
		Name:        it.Name,
		Description: it.Description,
		Brand:       it.Brand,
		Price:       shopgraph.Money{Amount: it.Price, Currency: it.Currency},
		Attributes:  it.Attributes,
		Images:      it.Images,
		CreatedAt:   created,
		UpdatedAt:   updated,
	}, nil
}

// stockItem is an Inventory item.
type stockItem struct {
	ProductID string `dynamodbav:"productId"`
	Warehouse string `dynamodbav:"warehouse"`
	Available int    `dynamodbav:"available"`
	Reserved  int    `dynamodbav:"reserved"`
	Version   int64  `dynamodbav:"version"`
}

// marshalStock converts a stock level to its Inventory item.
func marshalStock(l shopgraph.StockLevel) (item, error) {
	if !validPartitionKey(l.ProductID) || !validSortKey(l.Warehouse) {
		return nil, fmt.Errorf("stock of %q in warehouse %q: product id and warehouse must be non-empty and within DynamoDB's key size limits", l.ProductID, l.Warehouse)
	}
	av, err := attributevalue.MarshalMap(stockItem{ProductID: l.ProductID, Warehouse: l.Warehouse, Available: l.Available, Reserved: l.Reserved, Version: l.Version})
	if err != nil {
		return nil, fmt.Errorf("marshal stock %s/%s: %w", l.ProductID, l.Warehouse, err)
	}
	return av, nil
}

// unmarshalStock converts an Inventory item to a stock level.
func unmarshalStock(av item) (shopgraph.StockLevel, error) {
	var it stockItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return shopgraph.StockLevel{}, fmt.Errorf("unmarshal inventory item: %w", err)
	}
	if it.ProductID == "" || it.Warehouse == "" {
		return shopgraph.StockLevel{}, fmt.Errorf("unmarshal inventory item: missing %s or %s", attrProductID, attrWarehouse)
	}
	return shopgraph.StockLevel{ProductID: it.ProductID, Warehouse: it.Warehouse, Available: it.Available, Reserved: it.Reserved, Version: it.Version}, nil
}

// warehouseItem is a Warehouses item.
type warehouseItem struct {
	Code   string `dynamodbav:"code"`
	Name   string `dynamodbav:"name"`
	Region string `dynamodbav:"region"`
}

// marshalWarehouse converts a warehouse to its Warehouses item.
func marshalWarehouse(w shopgraph.Warehouse) (item, error) {
	if !validPartitionKey(w.Code) {
		return nil, fmt.Errorf("warehouse %q: code must be non-empty and within DynamoDB's key size limit", w.Code)
	}
	av, err := attributevalue.MarshalMap(warehouseItem(w))
	if err != nil {
		return nil, fmt.Errorf("marshal warehouse %s: %w", w.Code, err)
	}
	return av, nil
}

// unmarshalWarehouse converts a Warehouses item to a warehouse.
func unmarshalWarehouse(av item) (shopgraph.Warehouse, error) {
	var it warehouseItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return shopgraph.Warehouse{}, fmt.Errorf("unmarshal warehouse item: %w", err)
	}
	if it.Code == "" {
		return shopgraph.Warehouse{}, fmt.Errorf("unmarshal warehouse item: missing %s", attrCode)
	}
	return shopgraph.Warehouse(it), nil
}

// categoryItem is a Categories item.
type categoryItem struct {
	Name         string `dynamodbav:"name"`
	ProductCount int    `dynamodbav:"productCount"`
}

// marshalCategory converts a category to its Categories item.
func marshalCategory(c shopgraph.Category) (item, error) {
	if !validPartitionKey(c.Name) {
		return nil, fmt.Errorf("category %q: name must be non-empty and within DynamoDB's key size limit", c.Name)
	}
	av, err := attributevalue.MarshalMap(categoryItem(c))
	if err != nil {
		return nil, fmt.Errorf("marshal category %s: %w", c.Name, err)
	}
	return av, nil
}

// unmarshalCategory converts a Categories item to a category.
func unmarshalCategory(av item) (shopgraph.Category, error) {
	var it categoryItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return shopgraph.Category{}, fmt.Errorf("unmarshal category item: %w", err)
	}
	if it.Name == "" {
		return shopgraph.Category{}, fmt.Errorf("unmarshal category item: missing %s", attrName)
	}
	return shopgraph.Category(it), nil
}

// Timestamps are stored as RFC 3339 strings in UTC, so they sort and read
// well in the console.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}
