package dynamodb

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

// UpdateTable: global secondary index changes.
//
// One Create or one Delete per call, as DynamoDB allows (more is
// LimitExceededException). A Create is validated as DynamoDB validates it
// (the request's AttributeDefinitions must define every key attribute of
// the new index, even one the table already defines) and backfilled from
// the table's items in the same durable write transaction that stores the
// new description: when UpdateTable answers, the index is complete and
// DescribeTable shows it ACTIVE with its item count. The answer itself
// describes the new index as DynamoDB's does, CREATING (Backfilling false,
// no counts yet), so clients wait for ACTIVE the way they must on AWS, and
// find it at their first DescribeTable. A Delete drops the index's bucket
// at once; the answer shows the index DELETING, DescribeTable no longer
// lists it. AttributeDefinitions are then those of the table's and its
// indexes' key attributes (DynamoDB drops the ones no key uses any more).
//
// Other UpdateTable parameters: a BillingMode equal to the table's, a
// TableClass of STANDARD and DeletionProtectionEnabled false change nothing
// and are accepted (alone they answer the table's description). Anything
// else (a change of billing mode, ProvisionedThroughput, an index's
// Update, StreamSpecification, SSESpecification, ReplicaUpdates,
// OnDemandThroughput, WarmThroughput, deletion protection, another table
// class, global-table settings) is refused with a ValidationException
// naming it, before anything changes.

type gsiCreateAction struct {
	IndexName             string
	KeySchema             []keySchemaElem
	Projection            *projection
	ProvisionedThroughput *throughput
	// OnDemandThroughput and WarmThroughput are ignored, as in CreateTable.
}

type gsiDeleteAction struct{ IndexName string }

type gsiUpdate struct {
	Create *gsiCreateAction
	Delete *gsiDeleteAction
	Update json.RawMessage
}

type updateTableInput struct {
	TableName                   string
	AttributeDefinitions        []attrDef
	GlobalSecondaryIndexUpdates []gsiUpdate
	BillingMode                 string
	DeletionProtectionEnabled   *bool
	TableClass                  string
	ProvisionedThroughput       json.RawMessage
	StreamSpecification         json.RawMessage
	SSESpecification            json.RawMessage
	ReplicaUpdates              json.RawMessage
	OnDemandThroughput          json.RawMessage
	WarmThroughput              json.RawMessage
	MultiRegionConsistency      json.RawMessage
	GlobalTableWitnessUpdates   json.RawMessage
}

// present reports whether an optional JSON member was given (not absent,
// not null).
func present(raw json.RawMessage) bool { return len(raw) > 0 && string(raw) != "null" }

// errUpdateUnsupported refuses an UpdateTable parameter the embedded
// DynamoDB does not implement.
func errUpdateUnsupported(what string) *apiError {
	return validationf("The embedded DynamoDB does not support %s in UpdateTable: it supports only GlobalSecondaryIndexUpdates Create and Delete (with their AttributeDefinitions)", what)
}

func errOneIndexChange() *apiError {
	return dynamoErr("LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table")
}

// tableUpdate is a validated UpdateTable: the table's new description
// (before putMeta bumps its generation) and the index change.
type tableUpdate struct {
	m       tableMeta
	created bool // the last GSI of m is new
	deleted int  // position of the deleted GSI in the old description; -1 for none
}

func (u *tableUpdate) changes() bool { return u.created || u.deleted >= 0 }

// planTableUpdate validates in against the table's current description old
// and returns the update, or the client error DynamoDB answers.
func planTableUpdate(old tableMeta, in *updateTableInput) (tableUpdate, error) {
	u := tableUpdate{m: old, deleted: -1}
	options := in.BillingMode != "" || in.DeletionProtectionEnabled != nil || in.TableClass != "" ||
		present(in.ProvisionedThroughput) || present(in.StreamSpecification) || present(in.SSESpecification) ||
		present(in.ReplicaUpdates) || present(in.OnDemandThroughput) || present(in.WarmThroughput) ||
		present(in.MultiRegionConsistency) || present(in.GlobalTableWitnessUpdates)
	if len(in.GlobalSecondaryIndexUpdates) == 0 && !options {
		return u, validation("Nothing to update")
	}
	if err := checkTableOptions(old, in); err != nil {
		return u, err
	}
	if len(in.GlobalSecondaryIndexUpdates) == 0 {
		return u, nil
	}
	actions := 0
	for _, up := range in.GlobalSecondaryIndexUpdates {
		n := 0
		if up.Create != nil {
			n++
		}
		if up.Delete != nil {
			n++
		}
		if present(up.Update) {
			n++
		}
		if n == 0 {
			return u, validation("Update global secondary index action is null")
		}
		actions += n
	}
	if actions > 1 {
		return u, errOneIndexChange()
	}
	up := in.GlobalSecondaryIndexUpdates[0]
	if present(up.Update) {
		return u, errUpdateUnsupported("GlobalSecondaryIndexUpdates Update (an index's throughput)")
	}
	defs, err := checkUpdateDefinitions(old, in.AttributeDefinitions)
	if err != nil {
		return u, err
	}
	buckets := make([]int, len(old.GSIs))
	for i := range old.GSIs {
		buckets[i] = old.gsiBucket(i)
	}
	next := max(old.NextGSIBucket, len(old.GSIs))
	m := old
	m.NextGSIBucket = next
	if c := up.Create; c != nil {
		if len(in.AttributeDefinitions) == 0 {
			return u, validation("No Attribute Schema Defined")
		}
		if err := checkNewIndex(old, c, defs); err != nil {
			return u, err
		}
		if next > 0xFFFF {
			return u, dynamoErr("LimitExceededException", "The embedded DynamoDB numbers a table's indexes in 16 bits: no more can be created on this table")
		}
		g := gsiMeta{
			IndexName:             c.IndexName,
			KeySchema:             slices.Clone(c.KeySchema),
			Projection:            projection{ProjectionType: c.Projection.ProjectionType, NonKeyAttributes: slices.Clone(c.Projection.NonKeyAttributes)},
			ProvisionedThroughput: c.ProvisionedThroughput,
		}
		m.GSIs = append(slices.Clone(old.GSIs), g)
		m.GSIBuckets = append(buckets, next)
		m.NextGSIBucket = next + 1
		m.AttributeDefinitions = slices.Clone(old.AttributeDefinitions)
		for _, d := range in.AttributeDefinitions {
			if !slices.ContainsFunc(m.AttributeDefinitions, func(e attrDef) bool { return e.AttributeName == d.AttributeName }) {
				m.AttributeDefinitions = append(m.AttributeDefinitions, d)
			}
		}
		u.created = true
	} else {
		name := up.Delete.IndexName
		if err := checkTableName(name); err != nil {
			return u, err
		}
		i := slices.IndexFunc(old.GSIs, func(g gsiMeta) bool { return g.IndexName == name })
		if i < 0 {
			return u, dynamoErr("ResourceNotFoundException", "Requested resource not found")
		}
		m.GSIs = slices.Delete(slices.Clone(old.GSIs), i, i+1)
		m.GSIBuckets = slices.Delete(buckets, i, i+1)
		u.deleted = i
	}
	m.AttributeDefinitions = usedDefinitions(m)
	u.m = m
	return u, nil
}

// checkTableOptions accepts the UpdateTable parameters other than the
// index changes only where they change nothing.
func checkTableOptions(old tableMeta, in *updateTableInput) error {
	switch in.BillingMode {
	case "", old.BillingMode:
	case "PROVISIONED", "PAY_PER_REQUEST":
		return errUpdateUnsupported(fmt.Sprintf("a change of BillingMode (table %s is %s)", old.Name, old.BillingMode))
	default:
		return validationf("1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", in.BillingMode)
	}
	for _, p := range []struct {
		name string
		v    json.RawMessage
	}{
		{"ProvisionedThroughput", in.ProvisionedThroughput},
		{"StreamSpecification (Streams)", in.StreamSpecification},
		{"SSESpecification", in.SSESpecification},
		{"ReplicaUpdates (global tables)", in.ReplicaUpdates},
		{"OnDemandThroughput", in.OnDemandThroughput},
		{"WarmThroughput", in.WarmThroughput},
		{"MultiRegionConsistency (global tables)", in.MultiRegionConsistency},
		{"GlobalTableWitnessUpdates (global tables)", in.GlobalTableWitnessUpdates},
	} {
		if present(p.v) {
			return errUpdateUnsupported(p.name)
		}
	}
	if d := in.DeletionProtectionEnabled; d != nil && *d {
		return errUpdateUnsupported("DeletionProtectionEnabled true (deletion protection)")
	}
	switch in.TableClass {
	case "", "STANDARD":
	case "STANDARD_INFREQUENT_ACCESS":
		return errUpdateUnsupported("TableClass STANDARD_INFREQUENT_ACCESS")
	default:
		return validationf("1 validation error detected: Value '%s' at 'tableClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, STANDARD_INFREQUENT_ACCESS]", in.TableClass)
	}
	return nil
}

// checkUpdateDefinitions validates UpdateTable's AttributeDefinitions and
// returns them by name: valid types, no name twice, and no attribute the
// table defines given another type.
func checkUpdateDefinitions(old tableMeta, defs []attrDef) (map[string]string, error) {
	stored := map[string]string{}
	for _, d := range old.AttributeDefinitions {
		stored[d.AttributeName] = d.AttributeType
	}
	out := map[string]string{}
	for i, d := range defs {
		if kindOf(d.AttributeType) == attr.Invalid {
			return nil, validationf("1 validation error detected: Value '%s' at 'attributeDefinitions.%d.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]", d.AttributeType, i+1)
		}
		if _, dup := out[d.AttributeName]; dup {
			return nil, validation("Cannot have two attributes with the same name")
		}
		if t, ok := stored[d.AttributeName]; ok && t != d.AttributeType {
			return nil, validation("invalid attribute, SchemaElement redefined should be of same type as previously defined")
		}
		out[d.AttributeName] = d.AttributeType
	}
	return out, nil
}

// checkNewIndex validates a Create action against the table (old) and the
// request's attribute definitions (defs).
func checkNewIndex(old tableMeta, c *gsiCreateAction, defs map[string]string) error {
	if err := checkTableName(c.IndexName); err != nil {
		return err
	}
	if slices.ContainsFunc(old.GSIs, func(g gsiMeta) bool { return g.IndexName == c.IndexName }) {
		return validation("Attempting to create an index which already exists")
	}
	if len(old.GSIs) >= maxGSIs {
		return dynamoErr("LimitExceededException", "Number of global secondary indexes exceeds per-table limit")
	}
	for _, k := range c.KeySchema {
		if _, ok := defs[k.AttributeName]; ok || k.AttributeName == "" {
			continue
		}
		if slices.ContainsFunc(old.AttributeDefinitions, func(d attrDef) bool { return d.AttributeName == k.AttributeName }) {
			// DynamoDB wants the new index's key attributes in the request
			// even when the table defines them already.
			return validation("Invalid KeySchema: Some index key attribute have no definition")
		}
		return validationf("Attribute %s is not defined in AttributeDefinitions", k.AttributeName)
	}
	if err := checkKeySchema(c.KeySchema, defs, map[string]bool{}); err != nil {
		return err
	}
	p := c.Projection
	if p == nil || p.ProjectionType == "" {
		return validation("Indexes must have a projection specified")
	}
	switch p.ProjectionType {
	case "ALL", "KEYS_ONLY":
		if len(p.NonKeyAttributes) > 0 {
			return validationf("One or more parameter values were invalid: ProjectionType is %s, but NonKeyAttributes is specified", p.ProjectionType)
		}
	case "INCLUDE":
		if len(p.NonKeyAttributes) == 0 {
			return validation("If Projection type INCLUDE is specified, some non-key attributes to include in the projection must be specified as well")
		}
	default:
		return validationf("1 validation error detected: Value '%s' at 'globalSecondaryIndexUpdates.1.member.create.projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]", p.ProjectionType)
	}
	switch t := c.ProvisionedThroughput; {
	case t == nil && old.BillingMode == "PROVISIONED":
		return validationf("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: %s", c.IndexName)
	case t != nil && (t.ReadCapacityUnits == nil || t.WriteCapacityUnits == nil || *t.ReadCapacityUnits < 1 || *t.WriteCapacityUnits < 1):
		return validationf("One or more parameter values were invalid: the read and write throughput of index %s must be at least 1, and cannot be null", c.IndexName)
	}
	return nil
}

// usedDefinitions returns m's attribute definitions of the attributes a
// key of the table or of one of its indexes uses, in their order.
func usedDefinitions(m tableMeta) []attrDef {
	used := map[string]bool{}
	for _, k := range m.KeySchema {
		used[k.AttributeName] = true
	}
	for _, g := range m.GSIs {
		for _, k := range g.KeySchema {
			used[k.AttributeName] = true
		}
	}
	var out []attrDef
	for _, d := range m.AttributeDefinitions {
		if used[d.AttributeName] {
			out = append(out, d)
		}
	}
	return out
}

// indexable reports whether v can be the value of the index key k, as a
// backfill requires: of k's type, not empty, within the key size limit.
func indexable(v attr.Value, k keyDef, limit int) bool {
	switch {
	case v.Kind != k.Kind:
		return false
	case k.Kind == attr.S && v.Str == "", k.Kind == attr.B && len(v.Bin) == 0:
		return false
	}
	return attr.Size(v) <= limit
}

// backfill creates g's bucket (g is t's new index) and indexes every item
// of t in it, as DynamoDB's backfill does: an item lacking one of g's key
// attributes is not in the index (sparse), nor is one whose key attribute
// has another type, an empty value or a value over the key size limits
// (DynamoDB skips those index key violations). It returns the index's item
// count and size.
func backfill(tx *bolt.Tx, t *table, g *index) (count, size uint64, err error) {
	if err := tx.DeleteBucket(g.bucket); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
		return 0, 0, err
	}
	gb, err := tx.CreateBucket(g.bucket)
	if err != nil {
		return 0, 0, fmt.Errorf("create the bucket of index %s.%s: %w", t.name(), g.name, err)
	}
	b := tx.Bucket(t.bucket)
	if b == nil {
		return 0, 0, errTableNotFound()
	}
	err = b.ForEach(func(k, v []byte) error {
		it, err := decodeStored(v)
		if err != nil {
			return err
		}
		if h, ok := it[g.hash.Name]; !ok || !indexable(h, g.hash, maxHashKey) {
			return nil
		}
		if g.rng.Name != "" {
			if r, ok := it[g.rng.Name]; !ok || !indexable(r, g.rng, maxRangeKey) {
				return nil
			}
		}
		ik := g.key(t, it, k)
		p := g.project(t, it)
		ps := storedSize(v)
		if g.projType != "ALL" {
			ps = attr.ItemSize(p)
		}
		if err := gb.Put(ik, encodeStored(p, ps)); err != nil {
			return fmt.Errorf("put index entry: %w", err)
		}
		count++
		size += uint64(ps)
		return nil
	})
	return count, size, err
}

// putStats stores the table's counts and sizes (readStats' layout).
func putStats(meta *bolt.Bucket, t *table, st []uint64) error {
	raw := make([]byte, 0, 8*len(st))
	for _, v := range st {
		raw = binary.LittleEndian.AppendUint64(raw, v)
	}
	return meta.Put(t.statsKey, raw)
}

// updateTable serves UpdateTable (see the comment at the top of the file).
// An unknown table is ResourceNotFoundException before any other check, as
// in DynamoDB Local.
func (db *DB) updateTable(ctx context.Context, body []byte) ([]byte, error) {
	var in updateTableInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := checkTableName(in.TableName); err != nil {
		return nil, err
	}
	if _, err := db.checkFaults(ctx, "UpdateTable", in.TableName); err != nil {
		return nil, err
	}
	if _, err := db.lookup(in.TableName); err != nil {
		return nil, err
	}
	var (
		old, nt   *table
		oldSt, st []uint64
		u         tableUpdate
		clientErr error
	)
	err := db.update(ctx, func(tx *bolt.Tx) error {
		old, nt, oldSt, st, clientErr = nil, nil, nil, nil, nil
		meta := tx.Bucket(metaBucket)
		m, ok, err := readMeta(meta, in.TableName)
		if err != nil {
			return err
		}
		if !ok {
			clientErr = errTableNotFound()
			return nil
		}
		old = newTable(m)
		oldSt = readStats(tx, old)
		if u, clientErr = planTableUpdate(m, &in); clientErr != nil {
			return nil
		}
		if !u.changes() {
			nt, st = old, oldSt
			return nil
		}
		if err := putMeta(meta, &u.m); err != nil {
			return err
		}
		nt = newTable(u.m)
		if u.created {
			count, size, err := backfill(tx, nt, nt.gsis[len(nt.gsis)-1])
			if err != nil {
				return err
			}
			st = append(slices.Clone(oldSt), count, size)
		} else {
			if err := tx.DeleteBucket(old.gsis[u.deleted].bucket); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
				return fmt.Errorf("delete the bucket of index %s.%s: %w", in.TableName, old.gsis[u.deleted].name, err)
			}
			st = slices.Delete(slices.Clone(oldSt), 2*(u.deleted+1), 2*(u.deleted+2))
		}
		return putStats(meta, nt, st)
	})
	if err != nil {
		return nil, err
	}
	if clientErr != nil {
		return nil, clientErr
	}
	var d tableDescription
	switch {
	case u.created:
		db.install(nt)
		d = describe(nt, st)
		gd := &d.GlobalSecondaryIndexes[len(d.GlobalSecondaryIndexes)-1]
		backfilling := false
		gd.IndexStatus, gd.Backfilling, gd.ItemCount, gd.IndexSizeBytes = "CREATING", &backfilling, nil, nil
	case u.deleted >= 0:
		db.install(nt)
		d = describe(old, oldSt)
		d.AttributeDefinitions = nt.meta.AttributeDefinitions
		var count, size uint64
		gd := &d.GlobalSecondaryIndexes[u.deleted]
		gd.IndexStatus, gd.ItemCount, gd.IndexSizeBytes = "DELETING", &count, &size
	default:
		d = describe(nt, st)
	}
	return json.Marshal(map[string]any{"TableDescription": d})
}
