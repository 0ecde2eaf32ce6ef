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

// Keys of the meta bucket.
var (
	metaBucket   = []byte("meta")
	tokensBucket = []byte("tokens")
)

const (
	metaDescPrefix  = 'd' // 'd' + table name → tableMeta JSON
	metaStatsPrefix = 's' // 's' + table id → item counts and sizes
	metaTTLPrefix   = 'l' // 'l' + table id → TTL attribute name (only while enabled)
	metaGenPrefix   = 'v' // 'v' + table id → the description's generation (8 bytes, big endian; absent: 0)
)

// keySchemaElem, attrDef, projection and gsiMeta are the wire (and stored)
// shapes of a table's schema.
type keySchemaElem struct {
	AttributeName string
	KeyType       string
}

type attrDef struct {
	AttributeName string
	AttributeType string
}

type projection struct {
	ProjectionType   string   `json:",omitempty"`
	NonKeyAttributes []string `json:",omitempty"`
}

type throughput struct {
	ReadCapacityUnits  *int64 `json:",omitempty"`
	WriteCapacityUnits *int64 `json:",omitempty"`
}

type gsiMeta struct {
	IndexName             string
	KeySchema             []keySchemaElem
	Projection            projection
	ProvisionedThroughput *throughput `json:",omitempty"`
}

// tableMeta is a table's stored description.
type tableMeta struct {
	Name                 string
	ID                   uint64
	KeySchema            []keySchemaElem
	AttributeDefinitions []attrDef
	GSIs                 []gsiMeta `json:",omitempty"`
	// GSIBuckets numbers each GSI's bucket, in GSIs order; nil means
	// 0, 1, 2, … (tables whose indexes never changed). UpdateTable sets it.
	GSIBuckets []int `json:",omitempty"`
	// NextGSIBucket is the number the next index UpdateTable creates gets
	// (numbers are never reused, so a request holding an older description
	// can never read or write another index's bucket).
	NextGSIBucket int `json:",omitempty"`
	BillingMode   string
	RCU, WCU      int64
	CreatedMillis int64
	TTLAttr       string `json:",omitempty"` // last TTL attribute name
	TTLEnabled    bool   `json:",omitempty"`
	// Gen counts the changes of the description (UpdateTimeToLive,
	// UpdateTable); the same number is kept under the table's generation
	// key, which every write checks (see current).
	Gen uint64 `json:",omitempty"`
}

// gsiBucket returns the bucket number of the i-th GSI of m.
func (m *tableMeta) gsiBucket(i int) int {
	if len(m.GSIBuckets) == len(m.GSIs) {
		return m.GSIBuckets[i]
	}
	return i
}

// keyDef is one key attribute: its name and type (S, N or B). Name is ""
// for an absent sort key.
type keyDef struct {
	Name string
	Kind attr.Kind
}

// index is a global secondary index.
type index struct {
	name     string
	pos      int // position in table.gsis (its stats slot is pos+1)
	hash     keyDef
	rng      keyDef
	projType string              // KEYS_ONLY, INCLUDE or ALL
	include  map[string]struct{} // INCLUDE's NonKeyAttributes
	bucket   []byte
}

// table is a table's description as the server uses it (immutable; a
// schema change replaces it).
type table struct {
	meta     tableMeta
	hash     keyDef
	rng      keyDef
	gsis     []*index
	bucket   []byte // items
	ttlBkt   []byte // TTL index: expiry (8 bytes) + item key
	statsKey []byte
	ttlKey   []byte
	genKey   []byte
}

func (t *table) name() string { return t.meta.Name }

// gsi returns the named index or nil.
func (t *table) gsi(name string) *index {
	for _, g := range t.gsis {
		if g.name == name {
			return g
		}
	}
	return nil
}

// isKeyAttr reports whether name is one of the table's key attributes.
func (t *table) isKeyAttr(name string) bool {
	return name == t.hash.Name || (t.rng.Name != "" && name == t.rng.Name)
}

func idBytes(prefix byte, id uint64, extra ...byte) []byte {
	b := make([]byte, 0, 9+len(extra))
	b = append(b, prefix)
	b = binary.BigEndian.AppendUint64(b, id)
	return append(b, extra...)
}

func kindOf(t string) attr.Kind {
	switch t {
	case "S":
		return attr.S
	case "N":
		return attr.N
	case "B":
		return attr.B
	}
	return attr.Invalid
}

// newTable derives the server's view of a stored description.
func newTable(m tableMeta) *table {
	types := map[string]attr.Kind{}
	for _, d := range m.AttributeDefinitions {
		types[d.AttributeName] = kindOf(d.AttributeType)
	}
	keys := func(ks []keySchemaElem) (h, r keyDef) {
		for _, k := range ks {
			d := keyDef{Name: k.AttributeName, Kind: types[k.AttributeName]}
			if k.KeyType == "HASH" {
				h = d
			} else {
				r = d
			}
		}
		return h, r
	}
	t := &table{meta: m}
	t.hash, t.rng = keys(m.KeySchema)
	t.bucket = idBytes('t', m.ID)
	t.ttlBkt = idBytes('x', m.ID)
	t.statsKey = idBytes(metaStatsPrefix, m.ID)
	t.ttlKey = idBytes(metaTTLPrefix, m.ID)
	t.genKey = idBytes(metaGenPrefix, m.ID)
	for i, g := range m.GSIs {
		n := m.gsiBucket(i)
		ix := &index{name: g.IndexName, pos: i, projType: g.Projection.ProjectionType,
			bucket: idBytes('g', m.ID, byte(n>>8), byte(n))}
		ix.hash, ix.rng = keys(g.KeySchema)
		if ix.projType == "INCLUDE" {
			ix.include = map[string]struct{}{}
			for _, a := range g.Projection.NonKeyAttributes {
				ix.include[a] = struct{}{}
			}
		}
		t.gsis = append(t.gsis, ix)
	}
	return t
}

// loadTables reads every table description into the cache.
func (db *DB) loadTables() error {
	tables := map[string]*table{}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{metaBucket, tokensBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		c := tx.Bucket(metaBucket).Cursor()
		for k, v := c.Seek([]byte{metaDescPrefix}); len(k) > 0 && k[0] == metaDescPrefix; k, v = c.Next() {
			var m tableMeta
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode description of table %q: %w", k[1:], err)
			}
			tables[m.Name] = newTable(m)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("embedded DynamoDB: load tables: %w", err)
	}
	db.tables = tables
	return nil
}

// descKey is the meta bucket's key of a table's description.
func descKey(name string) []byte { return append([]byte{metaDescPrefix}, name...) }

// readMeta decodes the stored description of the named table; ok is false
// when there is none.
func readMeta(meta *bolt.Bucket, name string) (m tableMeta, ok bool, err error) {
	raw := meta.Get(descKey(name))
	if raw == nil {
		return m, false, nil
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, false, fmt.Errorf("decode description of table %q: %w", name, err)
	}
	return m, true, nil
}

// putMeta stores m as its table's description with the next generation
// (m.Gen is incremented), under the description and generation keys.
func putMeta(meta *bolt.Bucket, m *tableMeta) error {
	m.Gen++
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := meta.Put(descKey(m.Name), raw); err != nil {
		return err
	}
	return meta.Put(idBytes(metaGenPrefix, m.ID), binary.BigEndian.AppendUint64(nil, m.Gen))
}

// current returns t as tx has it committed: t itself, or, when its
// description changed since t was looked up (an UpdateTable or
// UpdateTimeToLive committed in between, possibly in the same commit
// group), the table decoded afresh from tx. A table deleted (or replaced by
// a new one of the same name) is ResourceNotFoundException. Every write
// goes through it (writeItem), so no write maintains an index set that is
// no longer the table's.
func current(tx *bolt.Tx, t *table) (*table, error) {
	meta := tx.Bucket(metaBucket)
	var gen uint64
	if v := meta.Get(t.genKey); len(v) == 8 {
		gen = binary.BigEndian.Uint64(v)
	}
	if gen == t.meta.Gen {
		return t, nil
	}
	m, ok, err := readMeta(meta, t.name())
	if err != nil {
		return nil, err
	}
	if !ok || m.ID != t.meta.ID {
		return nil, errTableNotFound()
	}
	return newTable(m), nil
}

// install makes nt (a new description of an existing table, just
// committed) the one requests use, unless the table was deleted or
// replaced meanwhile, or a newer generation is already installed (two
// description changes committing in one order and installing in the
// other).
func (db *DB) install(nt *table) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if cur := db.tables[nt.name()]; cur != nil && cur.meta.ID == nt.meta.ID && cur.meta.Gen < nt.meta.Gen {
		db.tables[nt.name()] = nt
	}
}

// lookup returns the named table or ResourceNotFoundException.
func (db *DB) lookup(name string) (*table, error) {
	db.mu.RLock()
	t := db.tables[name]
	db.mu.RUnlock()
	if t == nil {
		return nil, errTableNotFound()
	}
	return t, nil
}

// validTableName reports whether s is a valid table or index name.
func validTableName(s string) bool {
	if len(s) < 3 || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func checkTableName(s string) error {
	if !validTableName(s) {
		return validation("Invalid table/index name.  Table/index names must be between 3 and 255 characters long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'")
	}
	return nil
}

// maxGSIs is DynamoDB's (default) limit of global secondary indexes per
// table.
const maxGSIs = 20

type createTableInput struct {
	TableName                 string
	KeySchema                 []keySchemaElem
	AttributeDefinitions      []attrDef
	GlobalSecondaryIndexes    []gsiMeta
	LocalSecondaryIndexes     json.RawMessage
	BillingMode               string
	ProvisionedThroughput     *throughput
	StreamSpecification       json.RawMessage
	SSESpecification          json.RawMessage
	Tags                      json.RawMessage
	TableClass                string
	DeletionProtectionEnabled bool
}

// checkKeySchema validates one key schema against the definitions.
func checkKeySchema(ks []keySchemaElem, defs map[string]string, used map[string]bool) error {
	if len(ks) == 0 {
		return validation("No defined key schema.  A key schema containing at least a hash key must be defined for all tables")
	}
	if len(ks) > 2 {
		return validation("Too many key schema elements: at most one hash key and one range key are allowed")
	}
	hashes, ranges := 0, 0
	for i, k := range ks {
		switch k.KeyType {
		case "HASH":
			hashes++
			if i != 0 {
				return validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
			}
		case "RANGE":
			ranges++
		default:
			return validationf("1 validation error detected: Value '%s' at 'keySchema.%d.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]", k.KeyType, i+1)
		}
		if k.AttributeName == "" {
			return validation("1 validation error detected: Value null at 'keySchema.member.attributeName' failed to satisfy constraint: Member must not be null")
		}
	}
	if hashes != 1 {
		return validation("No Hash Key specified in schema.  All Dynamo DB tables must have exactly one hash key")
	}
	if ranges > 1 {
		return validation("Too many range keys: at most one range key is allowed")
	}
	if len(ks) == 2 && ks[0].AttributeName == ks[1].AttributeName {
		return validation("Both the Hash Key and the Range Key element in the KeySchema have the same name")
	}
	for _, k := range ks {
		if _, ok := defs[k.AttributeName]; !ok {
			if k.KeyType == "HASH" {
				return validation("Hash Key not specified in Attribute Definitions.  Type unknown.")
			}
			return validation("Range Key not specified in Attribute Definitions.  Type unknown.")
		}
		used[k.AttributeName] = true
	}
	return nil
}

func (db *DB) createTable(ctx context.Context, body []byte) ([]byte, error) {
	var in createTableInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := checkTableName(in.TableName); err != nil {
		return nil, err
	}
	if _, err := db.checkFaults(ctx, "CreateTable", in.TableName); err != nil {
		return nil, err
	}
	if len(in.LocalSecondaryIndexes) > 0 && string(in.LocalSecondaryIndexes) != "null" {
		return nil, validation("The embedded DynamoDB does not support LocalSecondaryIndexes")
	}
	if len(in.AttributeDefinitions) == 0 {
		return nil, validation("No Attribute Schema Defined")
	}
	defs := map[string]string{}
	for i, d := range in.AttributeDefinitions {
		if kindOf(d.AttributeType) == attr.Invalid {
			return nil, validationf("1 validation error detected: Value '%s' at 'attributeDefinitions.%d.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]", d.AttributeType, i+1)
		}
		if _, dup := defs[d.AttributeName]; dup {
			return nil, validation("Cannot have two attributes with the same name")
		}
		defs[d.AttributeName] = d.AttributeType
	}
	used := map[string]bool{}
	if err := checkKeySchema(in.KeySchema, defs, used); err != nil {
		return nil, err
	}
	if len(in.GlobalSecondaryIndexes) > maxGSIs {
		return nil, validation("GlobalSecondaryIndex count exceeds the per-table limit")
	}
	names := map[string]bool{}
	for i, g := range in.GlobalSecondaryIndexes {
		if err := checkTableName(g.IndexName); err != nil {
			return nil, err
		}
		if names[g.IndexName] {
			return nil, validationf("One or more parameter values were invalid: Duplicate index name: %s", g.IndexName)
		}
		names[g.IndexName] = true
		for _, k := range g.KeySchema {
			if _, ok := defs[k.AttributeName]; !ok && k.AttributeName != "" {
				return nil, validationf("Attribute %s is not defined in AttributeDefinitions", k.AttributeName)
			}
		}
		if err := checkKeySchema(g.KeySchema, defs, used); err != nil {
			return nil, err
		}
		switch g.Projection.ProjectionType {
		case "ALL", "KEYS_ONLY":
			if len(g.Projection.NonKeyAttributes) > 0 {
				return nil, validationf("One or more parameter values were invalid: ProjectionType is %s, but NonKeyAttributes is specified", g.Projection.ProjectionType)
			}
		case "INCLUDE":
			if len(g.Projection.NonKeyAttributes) == 0 {
				return nil, validation("One or more parameter values were invalid: NonKeyAttributes must be specified when ProjectionType is INCLUDE")
			}
		case "":
			return nil, validation("One or more parameter values were invalid: Unknown ProjectionType: null")
		default:
			return nil, validationf("1 validation error detected: Value '%s' at 'globalSecondaryIndexes.%d.member.projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]", g.Projection.ProjectionType, i+1)
		}
	}
	if len(used) != len(defs) {
		return nil, validation("The number of attributes in key schema must match the number of attributes defined in attribute definitions.")
	}
	mode := in.BillingMode
	switch mode {
	case "", "PROVISIONED":
		mode = "PROVISIONED"
		if in.ProvisionedThroughput == nil {
			return nil, validation("No provisioned throughput specified for the table")
		}
		if p := in.ProvisionedThroughput; p.ReadCapacityUnits == nil || p.WriteCapacityUnits == nil || *p.ReadCapacityUnits < 1 || *p.WriteCapacityUnits < 1 {
			return nil, validation("Table read and write throughput must be at least 1, and cannot be null")
		}
		for _, g := range in.GlobalSecondaryIndexes {
			if g.ProvisionedThroughput == nil {
				return nil, validationf("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: %s", g.IndexName)
			}
		}
	case "PAY_PER_REQUEST":
		if in.ProvisionedThroughput != nil {
			return nil, validation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
	default:
		return nil, validationf("1 validation error detected: Value '%s' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", in.BillingMode)
	}
	m := tableMeta{
		Name:                 in.TableName,
		KeySchema:            in.KeySchema,
		AttributeDefinitions: in.AttributeDefinitions,
		GSIs:                 in.GlobalSecondaryIndexes,
		BillingMode:          mode,
		CreatedMillis:        db.now().UnixMilli(),
	}
	if p := in.ProvisionedThroughput; p != nil {
		if p.ReadCapacityUnits != nil {
			m.RCU = *p.ReadCapacityUnits
		}
		if p.WriteCapacityUnits != nil {
			m.WCU = *p.WriteCapacityUnits
		}
	}
	var t *table
	var exists bool
	err := db.update(ctx, func(tx *bolt.Tx) error {
		t, exists = nil, false
		meta := tx.Bucket(metaBucket)
		dk := descKey(in.TableName)
		if meta.Get(dk) != nil {
			exists = true
			return nil
		}
		id, err := meta.NextSequence()
		if err != nil {
			return err
		}
		mm := m
		mm.ID = id
		nt := newTable(mm)
		if _, err := tx.CreateBucket(nt.bucket); err != nil {
			return err
		}
		for _, g := range nt.gsis {
			if _, err := tx.CreateBucket(g.bucket); err != nil {
				return err
			}
		}
		raw, err := json.Marshal(mm)
		if err != nil {
			return err
		}
		if err := meta.Put(dk, raw); err != nil {
			return err
		}
		if err := meta.Put(nt.statsKey, make([]byte, 16*(1+len(nt.gsis)))); err != nil {
			return err
		}
		t = nt
		return nil
	})
	if err != nil {
		return nil, err
	}
	if exists {
		return nil, dynamoErr("ResourceInUseException", "Cannot create preexisting table")
	}
	db.mu.Lock()
	db.tables[t.name()] = t
	db.mu.Unlock()
	return db.describeJSON("TableDescription", t, make([]uint64, 2*(1+len(t.gsis))))
}

// readStats returns the table's counts and sizes: [items, bytes] then the
// same per GSI.
func readStats(tx *bolt.Tx, t *table) []uint64 {
	raw := tx.Bucket(metaBucket).Get(t.statsKey)
	st := make([]uint64, 2*(1+len(t.gsis)))
	for i := range st {
		if len(raw) >= 8*(i+1) {
			st[i] = binary.LittleEndian.Uint64(raw[8*i:])
		}
	}
	return st
}

type tableDescription struct {
	AttributeDefinitions      []attrDef
	TableName                 string
	KeySchema                 []keySchemaElem
	TableStatus               string
	CreationDateTime          float64
	ProvisionedThroughput     provisionedDesc
	TableSizeBytes            uint64
	ItemCount                 uint64
	TableArn                  string
	BillingModeSummary        *billingSummary  `json:",omitempty"`
	GlobalSecondaryIndexes    []gsiDescription `json:",omitempty"`
	DeletionProtectionEnabled bool
}

type provisionedDesc struct {
	LastIncreaseDateTime   float64
	LastDecreaseDateTime   float64
	NumberOfDecreasesToday int
	ReadCapacityUnits      int64
	WriteCapacityUnits     int64
}

type billingSummary struct {
	BillingMode                       string
	LastUpdateToPayPerRequestDateTime float64
}

type gsiDescription struct {
	IndexName             string
	KeySchema             []keySchemaElem
	Projection            projection
	IndexStatus           string
	Backfilling           *bool            `json:",omitempty"` // only while CREATING
	ProvisionedThroughput *provisionedDesc `json:",omitempty"`
	// IndexSizeBytes and ItemCount are absent while the index is CREATING.
	IndexSizeBytes *uint64 `json:",omitempty"`
	ItemCount      *uint64 `json:",omitempty"`
	IndexArn       string
}

func tableArn(name string) string { return "arn:aws:dynamodb:ddblocal:000000000000:table/" + name }

// describeJSON encodes {field: TableDescription}.
func (db *DB) describeJSON(field string, t *table, st []uint64) ([]byte, error) {
	return json.Marshal(map[string]any{field: describe(t, st)})
}

// describe returns t's TableDescription, with the counts and sizes st
// (readStats).
func describe(t *table, st []uint64) tableDescription {
	m := t.meta
	created := float64(m.CreatedMillis) / 1000
	d := tableDescription{
		AttributeDefinitions:  m.AttributeDefinitions,
		TableName:             m.Name,
		KeySchema:             m.KeySchema,
		TableStatus:           "ACTIVE",
		CreationDateTime:      created,
		ProvisionedThroughput: provisionedDesc{ReadCapacityUnits: m.RCU, WriteCapacityUnits: m.WCU},
		ItemCount:             st[0],
		TableSizeBytes:        st[1],
		TableArn:              tableArn(m.Name),
	}
	if m.BillingMode == "PAY_PER_REQUEST" {
		d.BillingModeSummary = &billingSummary{BillingMode: m.BillingMode, LastUpdateToPayPerRequestDateTime: created}
	}
	for i, g := range m.GSIs {
		gd := gsiDescription{
			IndexName:      g.IndexName,
			KeySchema:      g.KeySchema,
			Projection:     g.Projection,
			IndexStatus:    "ACTIVE",
			ItemCount:      &st[2*(i+1)],
			IndexSizeBytes: &st[2*(i+1)+1],
			IndexArn:       tableArn(m.Name) + "/index/" + g.IndexName,
		}
		if p := g.ProvisionedThroughput; p != nil {
			pd := &provisionedDesc{}
			if p.ReadCapacityUnits != nil {
				pd.ReadCapacityUnits = *p.ReadCapacityUnits
			}
			if p.WriteCapacityUnits != nil {
				pd.WriteCapacityUnits = *p.WriteCapacityUnits
			}
			gd.ProvisionedThroughput = pd
		}
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, gd)
	}
	return d
}

type tableNameInput struct{ TableName string }

func (db *DB) describeTable(ctx context.Context, body []byte) ([]byte, error) {
	var in tableNameInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := checkTableName(in.TableName); err != nil {
		return nil, err
	}
	if _, err := db.checkFaults(ctx, "DescribeTable", in.TableName); err != nil {
		return nil, err
	}
	t, err := db.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	var st []uint64
	if err := db.view(func(tx *bolt.Tx) error {
		// The stats layout follows the committed index list.
		ct, err := current(tx, t)
		if err != nil {
			return err
		}
		t, st = ct, readStats(tx, ct)
		return nil
	}); err != nil {
		return nil, err
	}
	return db.describeJSON("Table", t, st)
}

func (db *DB) deleteTable(ctx context.Context, body []byte) ([]byte, error) {
	var in tableNameInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := checkTableName(in.TableName); err != nil {
		return nil, err
	}
	if _, err := db.checkFaults(ctx, "DeleteTable", in.TableName); err != nil {
		return nil, err
	}
	var t *table
	var st []uint64
	err := db.update(ctx, func(tx *bolt.Tx) error {
		t, st = nil, nil
		meta := tx.Bucket(metaBucket)
		m, ok, err := readMeta(meta, in.TableName)
		if err != nil || !ok {
			return err
		}
		dt := newTable(m)
		st = readStats(tx, dt)
		buckets := [][]byte{dt.bucket}
		for _, g := range dt.gsis {
			buckets = append(buckets, g.bucket)
		}
		if tx.Bucket(dt.ttlBkt) != nil {
			buckets = append(buckets, dt.ttlBkt)
		}
		for _, b := range buckets {
			if err := tx.DeleteBucket(b); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
				return fmt.Errorf("delete bucket of table %q: %w", in.TableName, err)
			}
		}
		for _, k := range [][]byte{descKey(in.TableName), dt.statsKey, dt.ttlKey, dt.genKey} {
			if err := meta.Delete(k); err != nil {
				return err
			}
		}
		t = dt
		return nil
	})
	if err != nil {
		return nil, err
	}
	if t == nil {
		return nil, errTableNotFound()
	}
	db.mu.Lock()
	if cur := db.tables[in.TableName]; cur != nil && cur.meta.ID == t.meta.ID {
		delete(db.tables, in.TableName)
	}
	db.mu.Unlock()
	return db.describeJSON("TableDescription", t, st)
}

type listTablesInput struct {
	ExclusiveStartTableName string
	Limit                   *int
}

func (db *DB) listTables(ctx context.Context, body []byte) ([]byte, error) {
	var in listTablesInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 {
			return nil, validation("Limit must be greater than or equal to 1")
		}
		if *in.Limit > 100 {
			return nil, validation("Limit in ListTables must be <= 100")
		}
		limit = *in.Limit
	}
	if in.ExclusiveStartTableName != "" {
		if err := checkTableName(in.ExclusiveStartTableName); err != nil {
			return nil, err
		}
	}
	if _, err := db.checkFaults(ctx, "ListTables"); err != nil {
		return nil, err
	}
	db.mu.RLock()
	names := make([]string, 0, len(db.tables))
	for name := range db.tables {
		if in.ExclusiveStartTableName == "" || name > in.ExclusiveStartTableName {
			names = append(names, name)
		}
	}
	db.mu.RUnlock()
	slices.Sort(names)
	out := struct {
		TableNames             []string
		LastEvaluatedTableName string `json:",omitempty"`
	}{TableNames: names}
	if len(names) > limit {
		out.TableNames = names[:limit]
		out.LastEvaluatedTableName = names[limit-1]
	}
	return json.Marshal(out)
}

type updateTTLInput struct {
	TableName               string
	TimeToLiveSpecification *struct {
		Enabled       *bool
		AttributeName string
	}
}

func (db *DB) updateTimeToLive(ctx context.Context, body []byte) ([]byte, error) {
	var in updateTTLInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := checkTableName(in.TableName); err != nil {
		return nil, err
	}
	spec := in.TimeToLiveSpecification
	if spec == nil || spec.Enabled == nil {
		return nil, validation("1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null")
	}
	if spec.AttributeName == "" || len(spec.AttributeName) > 255 {
		return nil, validation("1 validation error detected: Value at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length between 1 and 255")
	}
	if _, err := db.checkFaults(ctx, "UpdateTimeToLive", in.TableName); err != nil {
		return nil, err
	}
	enable := *spec.Enabled
	var nt *table
	var clientErr error
	err := db.update(ctx, func(tx *bolt.Tx) error {
		nt, clientErr = nil, nil
		meta := tx.Bucket(metaBucket)
		m, ok, err := readMeta(meta, in.TableName)
		if err != nil {
			return err
		}
		if !ok {
			clientErr = errTableNotFound()
			return nil
		}
		switch {
		case enable && m.TTLEnabled:
			clientErr = validation("TimeToLive is already enabled")
			return nil
		case !enable && !m.TTLEnabled:
			clientErr = validation("TimeToLive is already disabled")
			return nil
		case !enable && m.TTLAttr != spec.AttributeName:
			clientErr = validation("TimeToLive is active on a different AttributeName")
			return nil
		}
		m.TTLEnabled, m.TTLAttr = enable, spec.AttributeName
		if err := putMeta(meta, &m); err != nil {
			return err
		}
		t := newTable(m)
		if enable {
			if err := buildTTLIndex(tx, t, spec.AttributeName); err != nil {
				return err
			}
			if err := meta.Put(t.ttlKey, []byte(spec.AttributeName)); err != nil {
				return err
			}
		} else {
			if err := tx.DeleteBucket(t.ttlBkt); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
				return err
			}
			if err := meta.Delete(t.ttlKey); err != nil {
				return err
			}
		}
		nt = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	if clientErr != nil {
		return nil, clientErr
	}
	db.install(nt)
	return json.Marshal(map[string]any{"TimeToLiveSpecification": map[string]any{"Enabled": enable, "AttributeName": spec.AttributeName}})
}

func (db *DB) describeTimeToLive(ctx context.Context, body []byte) ([]byte, error) {
	var in tableNameInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := checkTableName(in.TableName); err != nil {
		return nil, err
	}
	if _, err := db.checkFaults(ctx, "DescribeTimeToLive", in.TableName); err != nil {
		return nil, err
	}
	t, err := db.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	d := map[string]any{"TimeToLiveStatus": "DISABLED"}
	if t.meta.TTLEnabled {
		d = map[string]any{"TimeToLiveStatus": "ENABLED", "AttributeName": t.meta.TTLAttr}
	}
	return json.Marshal(map[string]any{"TimeToLiveDescription": d})
}
