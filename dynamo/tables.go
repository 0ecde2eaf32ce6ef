package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute names of the tables' keys.
const (
	attrCategory  = "category"
	attrProductID = "productId"
	attrWarehouse = "warehouse"
	attrCode      = "code"
	attrName      = "name"
	attrKeyID     = "keyId"
	attrOwnerID   = "ownerId"
)

// IndexBySKU is the name of the Products table's global secondary index keyed
// by productId (the SKU), projecting all attributes.
const IndexBySKU = "bySku"

// Tables names the seven tables a Store uses.
type Tables struct {
	Products   string
	Inventory  string
	Warehouses string
	Categories string
	APIKeys    string
	Carts      string
	Orders     string
}

// TableNames returns the table names for a prefix: prefix + "Products",
// prefix + "Inventory", prefix + "Warehouses", prefix + "Categories",
// prefix + "ApiKeys", prefix + "Carts", prefix + "Orders".
func TableNames(prefix string) Tables {
	return Tables{
		Products:   prefix + "Products",
		Inventory:  prefix + "Inventory",
		Warehouses: prefix + "Warehouses",
		Categories: prefix + "Categories",
		APIKeys:    prefix + "ApiKeys",
		Carts:      prefix + "Carts",
		Orders:     prefix + "Orders",
	}
}

// All returns the seven names in a fixed order: Products, Inventory,
// Warehouses, Categories, ApiKeys, Carts, Orders.
func (t Tables) All() []string {
	return []string{t.Products, t.Inventory, t.Warehouses, t.Categories, t.APIKeys, t.Carts, t.Orders}
}

func (t Tables) missing() []string {
	var out []string
	for i, name := range t.All() {
		if name == "" {
			out = append(out, [...]string{"Products", "Inventory", "Warehouses", "Categories", "ApiKeys", "Carts", "Orders"}[i])
		}
	}
	return out
}

// tableDefinitions returns the CreateTable input of every table, in
// Tables.All order. Every table is on-demand (PAY_PER_REQUEST).
func tableDefinitions(t Tables) []*dynamodb.CreateTableInput {
	s := types.ScalarAttributeTypeS
	attr := func(name string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: s}
	}
	hash := func(name string) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(name), KeyType: types.KeyTypeHash}
	}
	rng := func(name string) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(name), KeyType: types.KeyTypeRange}
	}
	onDemand := types.BillingModePayPerRequest
	return []*dynamodb.CreateTableInput{
		{
			TableName:            aws.String(t.Products),
			AttributeDefinitions: []types.AttributeDefinition{attr(attrCategory), attr(attrProductID)},
			KeySchema:            []types.KeySchemaElement{hash(attrCategory), rng(attrProductID)},
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
				IndexName:  aws.String(IndexBySKU),
				KeySchema:  []types.KeySchemaElement{hash(attrProductID)},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
			}},
			BillingMode: onDemand,
		},
		{
			TableName:            aws.String(t.Inventory),
			AttributeDefinitions: []types.AttributeDefinition{attr(attrProductID), attr(attrWarehouse)},
			KeySchema:            []types.KeySchemaElement{hash(attrProductID), rng(attrWarehouse)},
			BillingMode:          onDemand,
		},
		{
			TableName:            aws.String(t.Warehouses),
			AttributeDefinitions: []types.AttributeDefinition{attr(attrCode)},
			KeySchema:            []types.KeySchemaElement{hash(attrCode)},
			BillingMode:          onDemand,
		},
		{
			TableName:            aws.String(t.Categories),
			AttributeDefinitions: []types.AttributeDefinition{attr(attrName)},
			KeySchema:            []types.KeySchemaElement{hash(attrName)},
			BillingMode:          onDemand,
		},
		{
			TableName:            aws.String(t.APIKeys),
			AttributeDefinitions: []types.AttributeDefinition{attr(attrKeyID)},
			KeySchema:            []types.KeySchemaElement{hash(attrKeyID)},
			BillingMode:          onDemand,
		},
		{
			TableName:            aws.String(t.Carts),
			AttributeDefinitions: []types.AttributeDefinition{attr(attrOwnerID), attr(attrProductID)},
			KeySchema:            []types.KeySchemaElement{hash(attrOwnerID), rng(attrProductID)},
			BillingMode:          onDemand,
		},
		{
			TableName:            aws.String(t.Orders),
			AttributeDefinitions: []types.AttributeDefinition{attr(attrOrderID), attr(attrCustomerID), attr(attrCreatedAt), attr(attrPendingShard)},
			KeySchema:            []types.KeySchemaElement{hash(attrOrderID)},
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
				IndexName:  aws.String(IndexByCustomer),
				KeySchema:  []types.KeySchemaElement{hash(attrCustomerID), rng(attrCreatedAt)},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
			}, {
				// Sparse: only PENDING orders carry pendingShard (every
				// transition out of PENDING removes it).
				IndexName: aws.String(IndexPending),
				KeySchema: []types.KeySchemaElement{hash(attrPendingShard), rng(attrCreatedAt)},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude,
					NonKeyAttributes: []string{attrCustomerID, attrStatus, attrVersion}},
			}},
			BillingMode: onDemand,
		},
	}
}

// tableActiveTimeout bounds how long CreateTables waits for one table to
// become ACTIVE.
const tableActiveTimeout = 3 * time.Minute

// CreateTables creates the tables named in t that do not exist yet and
// returns the names of those it created (in Tables.All order). It is
// idempotent and safe to run against AWS, DynamoDB Local and the embedded
// DynamoDB alike:
// it asks DescribeTable first, creates on ResourceNotFoundException and
// treats ResourceInUseException (a concurrent creator) as "exists". It waits
// until every table is ACTIVE (an emulator that reports no TableStatus counts
// as ready), polling DescribeTable for at most a few minutes per table, and
// fails when an existing table's key schema or the bySku index differ from
// what the store needs. It polls rather than using SDK waiters, so that an
// emulator's immediate ACTIVE costs no waiter delay.
func CreateTables(ctx context.Context, api API, t Tables) (created []string, err error) {
	if missing := t.missing(); len(missing) > 0 {
		return nil, fmt.Errorf("create tables: no name for %v (use dynamo.TableNames)", missing)
	}
	for _, def := range tableDefinitions(t) {
		name := aws.ToString(def.TableName)
		desc, err := describeTable(ctx, api, name)
		if err != nil {
			return created, fmt.Errorf("create tables: describe %s: %w", name, err)
		}
		if desc == nil {
			out, err := api.CreateTable(ctx, def)
			var inUse *types.ResourceInUseException
			switch {
			case errors.As(err, &inUse):
				// Created concurrently by someone else: fine.
			case err != nil:
				return created, fmt.Errorf("create tables: create %s: %w", name, err)
			default:
				created = append(created, name)
				desc = out.TableDescription
			}
		}
		desc, err = waitActive(ctx, api, name, desc)
		if err != nil {
			return created, fmt.Errorf("create tables: %w", err)
		}
		if err := checkSchema(def, desc); err != nil {
			return created, fmt.Errorf("create tables: %w", err)
		}
	}
	return created, nil
}

// describeTable returns the table's description, or nil when it does not
// exist.
func describeTable(ctx context.Context, api API, name string) (*types.TableDescription, error) {
	out, err := api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var notFound *types.ResourceNotFoundException
	if errors.As(err, &notFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if out.Table == nil {
		return nil, fmt.Errorf("describe %s: response has no table description", name)
	}
	return out.Table, nil
}

// waitActive polls DescribeTable until the table is ACTIVE (or reports no
// status at all, as some emulators do). desc is the last description, if any.
func waitActive(ctx context.Context, api API, name string, desc *types.TableDescription) (*types.TableDescription, error) {
	ctx, cancel := context.WithTimeout(ctx, tableActiveTimeout)
	defer cancel()
	delay := 100 * time.Millisecond
	for {
		if desc != nil && ready(desc) {
			return desc, nil
		}
		if desc != nil {
			switch desc.TableStatus {
			case types.TableStatusDeleting, types.TableStatusInaccessibleEncryptionCredentials, types.TableStatusArchived, types.TableStatusArchiving:
				return nil, fmt.Errorf("table %s is %s", name, desc.TableStatus)
			}
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("table %s is still %s: %w", name, desc.TableStatus, ctx.Err())
			case <-t.C:
			}
			delay = min(2*delay, 2*time.Second)
		}
		d, err := describeTable(ctx, api, name)
		if err != nil {
			return nil, fmt.Errorf("describe %s: %w", name, err)
		}
		if d == nil {
			// Eventually consistent right after CreateTable on AWS: try again.
			d = &types.TableDescription{TableName: aws.String(name), TableStatus: types.TableStatusCreating}
		}
		desc = d
	}
}

// ready reports whether a table and its indexes can be used.
func ready(d *types.TableDescription) bool {
	if d.TableStatus != "" && d.TableStatus != types.TableStatusActive {
		return false
	}
	return !slices.ContainsFunc(d.GlobalSecondaryIndexes, func(g types.GlobalSecondaryIndexDescription) bool {
		return g.IndexStatus != "" && g.IndexStatus != types.IndexStatusActive
	})
}

// checkSchema compares an existing table's key schema (and GSIs) with the
// definition the store needs.
func checkSchema(def *dynamodb.CreateTableInput, d *types.TableDescription) error {
	name := aws.ToString(def.TableName)
	if len(d.KeySchema) > 0 && !sameKeys(def.KeySchema, d.KeySchema) {
		return fmt.Errorf("table %s exists with key schema %s, but the store needs %s: use another SHOPGRAPH_TABLE_PREFIX or delete the table",
			name, keyString(d.KeySchema), keyString(def.KeySchema))
	}
	for _, want := range def.GlobalSecondaryIndexes {
		i := slices.IndexFunc(d.GlobalSecondaryIndexes, func(g types.GlobalSecondaryIndexDescription) bool {
			return aws.ToString(g.IndexName) == aws.ToString(want.IndexName)
		})
		if i < 0 {
			return fmt.Errorf("table %s exists without the global secondary index %s (%s) the store needs",
				name, aws.ToString(want.IndexName), keyString(want.KeySchema))
		}
		if got := d.GlobalSecondaryIndexes[i].KeySchema; len(got) > 0 && !sameKeys(want.KeySchema, got) {
			return fmt.Errorf("table %s index %s has key schema %s, but the store needs %s",
				name, aws.ToString(want.IndexName), keyString(got), keyString(want.KeySchema))
		}
	}
	return nil
}

func sameKeys(a, b []types.KeySchemaElement) bool {
	return slices.EqualFunc(a, b, func(x, y types.KeySchemaElement) bool {
		return aws.ToString(x.AttributeName) == aws.ToString(y.AttributeName) && x.KeyType == y.KeyType
	})
}

func keyString(ks []types.KeySchemaElement) string {
	s := "("
	for i, k := range ks {
		if i > 0 {
			s += ", "
		}
		s += aws.ToString(k.AttributeName) + " " + string(k.KeyType)
	}
	return s + ")"
}
