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
// become ACTIVE, and for an index it added to appear in its description.
const tableActiveTimeout = 3 * time.Minute

// indexActiveTimeout bounds how long CreateTables waits while an index is
// CREATING (AWS backfills a new index from the table's items in the
// background, which takes minutes on a big table).
const indexActiveTimeout = 30 * time.Minute

// AddedIndex names a global secondary index CreateTables added to a table
// that existed without it.
type AddedIndex struct {
	Table string
	Index string
}

// CreateTables creates the tables named in t that do not exist yet and
// returns the names of those it created (in Tables.All order). It is
// idempotent and safe to run against AWS, DynamoDB Local and the embedded
// DynamoDB alike:
// it asks DescribeTable first, creates on ResourceNotFoundException and
// treats ResourceInUseException (a concurrent creator) as "exists". It waits
// until every table is ACTIVE (an emulator that reports no TableStatus counts
// as ready), polling DescribeTable for at most a few minutes per table, and
// fails when an existing table's key schema, or the key schema of one of
// its global secondary indexes, differs from what the store needs. It polls
// rather than using SDK waiters, so that an emulator's immediate ACTIVE
// costs no waiter delay.
//
// An existing table that lacks a global secondary index the store needs
// (a table created before the index was added to the store, such as an
// Orders table without "pending") gets it: CreateTables adds each missing
// index with UpdateTable (one index per call, as DynamoDB allows, with the
// AttributeDefinitions of its key attributes) and waits until DynamoDB has
// backfilled it from the table's items and reports it ACTIVE (for at most
// 30 minutes per index; run it again to keep waiting), and returns those
// it added in added. An index someone else is adding at the same time is
// waited for, not reported. CreateTables logs nothing: callers report
// created and added.
func CreateTables(ctx context.Context, api API, t Tables) (created []string, added []AddedIndex, err error) {
	if missing := t.missing(); len(missing) > 0 {
		return nil, nil, fmt.Errorf("create tables: no name for %v (use dynamo.TableNames)", missing)
	}
	for _, def := range tableDefinitions(t) {
		name := aws.ToString(def.TableName)
		desc, err := describeTable(ctx, api, name)
		if err != nil {
			return created, added, fmt.Errorf("create tables: describe %s: %w", name, err)
		}
		if desc == nil {
			out, err := api.CreateTable(ctx, def)
			var inUse *types.ResourceInUseException
			switch {
			case errors.As(err, &inUse):
				// Created concurrently by someone else: fine.
			case err != nil:
				return created, added, fmt.Errorf("create tables: create %s: %w", name, err)
			default:
				created = append(created, name)
				desc = out.TableDescription
			}
		}
		desc, err = waitActive(ctx, api, name, desc, "")
		if err != nil {
			return created, added, fmt.Errorf("create tables: %w", err)
		}
		missing, err := checkKeys(def, desc)
		if err != nil {
			return created, added, fmt.Errorf("create tables: %w", err)
		}
		for _, g := range missing {
			d, mine, err := addIndex(ctx, api, def, g)
			if err != nil {
				return created, added, fmt.Errorf("create tables: %w", err)
			}
			if mine {
				added = append(added, AddedIndex{Table: name, Index: aws.ToString(g.IndexName)})
			}
			desc = d
		}
		if err := checkSchema(def, desc); err != nil {
			return created, added, fmt.Errorf("create tables: %w", err)
		}
	}
	return created, added, nil
}

// addIndex adds the global secondary index g of def to the existing table
// with UpdateTable and waits until it is ACTIVE. mine is false when the
// UpdateTable failed because someone else is adding the index (DynamoDB
// then answers ValidationException, LimitExceededException or
// ResourceInUseException): the index is waited for all the same.
func addIndex(ctx context.Context, api API, def *dynamodb.CreateTableInput, g types.GlobalSecondaryIndex) (desc *types.TableDescription, mine bool, err error) {
	name, index := aws.ToString(def.TableName), aws.ToString(g.IndexName)
	var defs []types.AttributeDefinition
	for _, k := range g.KeySchema {
		i := slices.IndexFunc(def.AttributeDefinitions, func(d types.AttributeDefinition) bool {
			return aws.ToString(d.AttributeName) == aws.ToString(k.AttributeName)
		})
		if i < 0 {
			return nil, false, fmt.Errorf("add index %s to %s: no attribute definition of its key %s", index, name, aws.ToString(k.AttributeName))
		}
		defs = append(defs, def.AttributeDefinitions[i])
	}
	_, uerr := api.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName:            def.TableName,
		AttributeDefinitions: defs,
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName:             g.IndexName,
			KeySchema:             g.KeySchema,
			Projection:            g.Projection,
			ProvisionedThroughput: g.ProvisionedThroughput,
			OnDemandThroughput:    g.OnDemandThroughput,
			WarmThroughput:        g.WarmThroughput,
		}}},
	})
	if uerr != nil {
		d, err := describeTable(ctx, api, name)
		if err != nil || d == nil || findIndex(d, index) == nil {
			return nil, false, fmt.Errorf("add index %s (%s) to %s: %w", index, keyString(g.KeySchema), name, uerr)
		}
	}
	// The answer describes the index CREATING: describe again at once (the
	// embedded DynamoDB has backfilled it already).
	desc, err = waitActive(ctx, api, name, nil, index)
	if err != nil {
		return nil, false, fmt.Errorf("add index %s to %s: %w", index, name, err)
	}
	return desc, uerr == nil, nil
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
// status at all, as some emulators do) with all its indexes, and, when
// index is not "", lists that index. desc is the last description, if any
// (nil: describe at once). It waits at most tableActiveTimeout, or
// indexActiveTimeout while an index is CREATING.
func waitActive(ctx context.Context, api API, name string, desc *types.TableDescription, index string) (*types.TableDescription, error) {
	start := time.Now()
	delay := 100 * time.Millisecond
	for {
		if desc != nil && ready(desc) && (index == "" || findIndex(desc, index) != nil) {
			return desc, nil
		}
		if desc != nil {
			switch desc.TableStatus {
			case types.TableStatusDeleting, types.TableStatusInaccessibleEncryptionCredentials, types.TableStatusArchived, types.TableStatusArchiving:
				return nil, fmt.Errorf("table %s is %s", name, desc.TableStatus)
			}
			limit := tableActiveTimeout
			if creating(desc) {
				limit = indexActiveTimeout
			}
			if time.Since(start) >= limit {
				return nil, fmt.Errorf("%s after %v: %w", notReady(desc, name, index), limit, context.DeadlineExceeded)
			}
			t := time.NewTimer(min(delay, max(limit-time.Since(start), 0)))
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("%s: %w", notReady(desc, name, index), ctx.Err())
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

// creating reports whether an index of d is being created (backfilled).
func creating(d *types.TableDescription) bool {
	return slices.ContainsFunc(d.GlobalSecondaryIndexes, func(g types.GlobalSecondaryIndexDescription) bool {
		return g.IndexStatus == types.IndexStatusCreating
	})
}

// notReady says what waitActive is still waiting for in d.
func notReady(d *types.TableDescription, name, index string) string {
	if d.TableStatus != "" && d.TableStatus != types.TableStatusActive {
		return fmt.Sprintf("table %s is still %s", name, d.TableStatus)
	}
	for _, g := range d.GlobalSecondaryIndexes {
		if g.IndexStatus != "" && g.IndexStatus != types.IndexStatusActive {
			s := fmt.Sprintf("index %s of table %s is still %s", aws.ToString(g.IndexName), name, g.IndexStatus)
			if aws.ToBool(g.Backfilling) {
				s += " (backfilling)"
			}
			return s
		}
	}
	return fmt.Sprintf("table %s does not list the index %s yet", name, index)
}

// findIndex returns the description of d's global secondary index name, or
// nil.
func findIndex(d *types.TableDescription, name string) *types.GlobalSecondaryIndexDescription {
	for i := range d.GlobalSecondaryIndexes {
		if aws.ToString(d.GlobalSecondaryIndexes[i].IndexName) == name {
			return &d.GlobalSecondaryIndexes[i]
		}
	}
	return nil
}

// checkKeys compares an existing table's key schema and the key schemas of
// its GSIs with the definition the store needs, and returns the GSIs of the
// definition the table lacks.
func checkKeys(def *dynamodb.CreateTableInput, d *types.TableDescription) (missing []types.GlobalSecondaryIndex, err error) {
	name := aws.ToString(def.TableName)
	if len(d.KeySchema) > 0 && !sameKeys(def.KeySchema, d.KeySchema) {
		return nil, fmt.Errorf("table %s exists with key schema %s, but the store needs %s: use another SHOPGRAPH_TABLE_PREFIX or delete the table",
			name, keyString(d.KeySchema), keyString(def.KeySchema))
	}
	for _, want := range def.GlobalSecondaryIndexes {
		g := findIndex(d, aws.ToString(want.IndexName))
		if g == nil {
			missing = append(missing, want)
			continue
		}
		if len(g.KeySchema) > 0 && !sameKeys(want.KeySchema, g.KeySchema) {
			return nil, fmt.Errorf("table %s index %s has key schema %s, but the store needs %s: delete the index (CreateTables adds it again) or use another SHOPGRAPH_TABLE_PREFIX",
				name, aws.ToString(want.IndexName), keyString(g.KeySchema), keyString(want.KeySchema))
		}
	}
	return missing, nil
}

// checkSchema is checkKeys, failing also when a GSI is missing.
func checkSchema(def *dynamodb.CreateTableInput, d *types.TableDescription) error {
	missing, err := checkKeys(def, d)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("table %s exists without the global secondary index %s (%s) the store needs",
			aws.ToString(def.TableName), aws.ToString(missing[0].IndexName), keyString(missing[0].KeySchema))
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

// TableDefinitions returns the CreateTable input of every table named in t,
// in Tables.All order: what CreateTables creates when a table is missing.
// deploy builds the CloudFormation template's tables from it. Each call
// returns new values.
func TableDefinitions(t Tables) []*dynamodb.CreateTableInput { return tableDefinitions(t) }
