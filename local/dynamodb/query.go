package dynamodb

import (
	"bytes"
	"context"
	"hash/fnv"
	"math/bits"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
	"github.com/shopgraph/shopgraph/local/dynamodb/expr"
)

// maxPage is the 1 MB of item data one Query or Scan page reads at most.
const maxPage = 1 << 20

type readInput struct {
	TableName              string
	IndexName              *string
	KeyConditionExpression *string
	FilterExpression       *string
	ProjectionExpression   *string
	Select                 string
	Limit                  *int
	ExclusiveStartKey      attr.Item
	ScanIndexForward       *bool
	ConsistentRead         bool
	ReturnConsumedCapacity string
	Segment                *int
	TotalSegments          *int
	exprInput
	legacy
}

// keyRange is what a Query or Scan reads of one bucket, in key order.
type keyRange struct {
	bucket    []byte
	prefix    []byte // every key read has this prefix (nil: any)
	lower     []byte // nil: none
	lowerExcl bool   // lower excludes keys having it as a prefix
	upper     []byte // nil: none
	upperIncl bool   // upper includes keys having it as a prefix
	start     []byte // ExclusiveStartKey's encoding, or nil
	backward  bool
}

// prefixEnd returns the smallest byte string greater than every string
// having prefix p, or nil if there is none.
func prefixEnd(p []byte) []byte {
	e := append([]byte(nil), p...)
	for i := len(e) - 1; i >= 0; i-- {
		if e[i] < 0xff {
			e[i]++
			return e[:i+1]
		}
	}
	return nil
}

func (r *keyRange) inLower(k []byte) bool {
	if r.lower == nil {
		return true
	}
	if r.lowerExcl {
		return bytes.Compare(k, r.lower) > 0 && !bytes.HasPrefix(k, r.lower)
	}
	return bytes.Compare(k, r.lower) >= 0
}

func (r *keyRange) inUpper(k []byte) bool {
	if r.upper == nil {
		return true
	}
	if r.upperIncl {
		return bytes.Compare(k, r.upper) <= 0 || bytes.HasPrefix(k, r.upper)
	}
	return bytes.Compare(k, r.upper) < 0
}

// first positions c at the range's first key (nil if empty).
func (r *keyRange) first(c *bolt.Cursor) (k, v []byte) {
	if !r.backward {
		switch {
		case r.start != nil:
			k, v = c.Seek(r.start)
			if k != nil && bytes.Equal(k, r.start) {
				k, v = c.Next()
			}
		case r.lower != nil:
			k, v = c.Seek(r.lower)
			for k != nil && r.lowerExcl && bytes.HasPrefix(k, r.lower) {
				k, v = c.Next()
			}
		case r.prefix != nil:
			k, v = c.Seek(r.prefix)
		default:
			k, v = c.First()
		}
		return k, v
	}
	seekBefore := func(b []byte) ([]byte, []byte) {
		if b == nil {
			return c.Last()
		}
		if k, _ := c.Seek(b); k == nil {
			return c.Last()
		}
		return c.Prev()
	}
	switch {
	case r.start != nil:
		return seekBefore(r.start)
	case r.upper != nil && r.upperIncl:
		return seekBefore(prefixEnd(r.upper))
	case r.upper != nil:
		return seekBefore(r.upper)
	case r.prefix != nil:
		return seekBefore(prefixEnd(r.prefix))
	}
	return c.Last()
}

// in reports whether k is in the range (the iteration stops at the first
// key that is not).
func (r *keyRange) in(k []byte) bool {
	if k == nil || (r.prefix != nil && !bytes.HasPrefix(k, r.prefix)) {
		return false
	}
	if r.backward {
		return r.inLower(k)
	}
	return r.inUpper(k)
}

// readPlan is a validated Query or Scan.
type readPlan struct {
	t          *table
	g          *index // nil: the table
	rng        keyRange
	filter     *expr.Condition
	proj       *expr.Projection
	count      bool // Select COUNT
	limit      int  // 0: none
	segment    int
	segments   int // 0: no segmentation
	capMode    string
	consistent bool
}

// validateSelect checks Select against the projection and index.
func validateSelect(in *readInput, g *index, op string) (string, error) {
	sel := in.Select
	switch sel {
	case "":
		if in.ProjectionExpression != nil {
			sel = "SPECIFIC_ATTRIBUTES"
		} else if g != nil {
			sel = "ALL_PROJECTED_ATTRIBUTES"
		} else {
			sel = "ALL_ATTRIBUTES"
		}
	case "ALL_ATTRIBUTES":
		if in.ProjectionExpression != nil {
			return "", validation("Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES")
		}
		if g != nil && g.projType != "ALL" {
			return "", validationf("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index %s because its projection type is not ALL", g.name)
		}
	case "ALL_PROJECTED_ATTRIBUTES":
		if in.ProjectionExpression != nil {
			return "", validation("Cannot specify the ProjectionExpression when choosing to get ALL_PROJECTED_ATTRIBUTES")
		}
		if g == nil {
			return "", validationf("ALL_PROJECTED_ATTRIBUTES can be used only when %s using an IndexName", map[string]string{"Query": "Querying", "Scan": "Scanning"}[op])
		}
	case "SPECIFIC_ATTRIBUTES":
		if in.ProjectionExpression == nil {
			return "", validation("Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES")
		}
	case "COUNT":
		if in.ProjectionExpression != nil {
			return "", validation("Cannot specify the ProjectionExpression when choosing to get only the Count")
		}
	default:
		return "", validationf("1 validation error detected: Value '%s' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]", in.Select)
	}
	return sel, nil
}

// startKey validates an ExclusiveStartKey and returns its encoding in the
// read bucket.
func startKey(t *table, g *index, esk attr.Item) ([]byte, error) {
	if esk == nil {
		return nil, nil
	}
	names := []keyDef{t.hash}
	if t.rng.Name != "" {
		names = append(names, t.rng)
	}
	if g != nil {
		for _, k := range []keyDef{g.hash, g.rng} {
			if k.Name != "" && !t.isKeyAttr(k.Name) {
				names = append(names, k)
			}
		}
	}
	if len(esk) != len(names) {
		if g == nil {
			return nil, validation("Exclusive Start Key must have same size as table's key schema")
		}
		return nil, validation("The provided starting key is invalid")
	}
	for _, k := range names {
		v, ok := esk[k.Name]
		if !ok {
			return nil, validation("The provided starting key is invalid")
		}
		if v.Kind != k.Kind {
			return nil, validation("The provided starting key is invalid: The provided key element does not match the schema")
		}
	}
	tk := t.encodeKey(esk)
	if g == nil {
		return tk, nil
	}
	return g.key(t, esk, tk), nil
}

// planRead validates the parts common to Query and Scan.
func (db *DB) planRead(ctx context.Context, op string, in *readInput) (*readPlan, *expr.Params, error) {
	if err := checkTableName(in.TableName); err != nil {
		return nil, nil, err
	}
	if _, err := db.checkFaults(ctx, op, in.TableName); err != nil {
		return nil, nil, err
	}
	if err := in.legacy.check(); err != nil {
		return nil, nil, err
	}
	if err := checkCapacityMode(in.ReturnConsumedCapacity); err != nil {
		return nil, nil, err
	}
	if in.Limit != nil && *in.Limit < 1 {
		return nil, nil, validation("Limit must be greater than or equal to 1")
	}
	if in.IndexName != nil {
		if err := checkTableName(*in.IndexName); err != nil {
			return nil, nil, err
		}
	}
	t, err := db.lookup(in.TableName)
	if err != nil {
		return nil, nil, err
	}
	pl := &readPlan{t: t, capMode: in.ReturnConsumedCapacity, consistent: in.ConsistentRead}
	if in.IndexName != nil {
		if pl.g = t.gsi(*in.IndexName); pl.g == nil {
			return nil, nil, validationf("The table does not have the specified index: %s", *in.IndexName)
		}
		if in.ConsistentRead {
			return nil, nil, validation("Consistent reads are not supported on global secondary indexes")
		}
	}
	sel, err := validateSelect(in, pl.g, op)
	if err != nil {
		return nil, nil, err
	}
	pl.count = sel == "COUNT"
	if in.Limit != nil {
		pl.limit = *in.Limit
	}
	p, err := in.params()
	if err != nil {
		return nil, nil, err
	}
	if in.FilterExpression != nil {
		if pl.filter, err = expr.ParseCondition(*in.FilterExpression, p); err != nil {
			return nil, nil, expr.Prefix("FilterExpression", err)
		}
	}
	if pl.proj, err = parseProjection(in.ProjectionExpression, p); err != nil {
		return nil, nil, err
	}
	if pl.g != nil && pl.proj != nil && pl.g.projType != "ALL" {
		var missing []string
		for _, path := range pl.proj.Paths {
			if len(path) > 0 && !pl.g.projects(t, path[0].Name) && !contains(missing, path[0].Name) {
				missing = append(missing, path[0].Name)
			}
		}
		if missing != nil {
			return nil, nil, validationf("One or more parameter values were invalid: Global secondary index %s does not project [%s]", pl.g.name, strings.Join(missing, ", "))
		}
	}
	pl.rng.bucket = t.bucket
	if pl.g != nil {
		pl.rng.bucket = pl.g.bucket
	}
	return pl, p, nil
}

func (db *DB) query(ctx context.Context, body []byte) ([]byte, error) {
	var in readInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	pl, p, err := db.planRead(ctx, "Query", &in)
	if err != nil {
		return nil, err
	}
	if in.KeyConditionExpression == nil {
		return nil, validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	hash, rng := pl.t.hash, pl.t.rng
	if pl.g != nil {
		hash, rng = pl.g.hash, pl.g.rng
	}
	kc, err := expr.ParseKeyCondition(*in.KeyConditionExpression, p, hash.Name, rng.Name)
	if err != nil {
		return nil, err
	}
	if err := p.CheckUnused(); err != nil {
		return nil, err
	}
	if in.FilterExpression != nil {
		if name, ok := topLevelNames(*in.FilterExpression, in.ExpressionAttributeNames, hash.Name, rng.Name); ok {
			return nil, validationf("Filter Expression can only contain non-primary key attributes: Primary key attribute: %s", name)
		}
	}
	if kc.Partition.Kind != hash.Kind {
		return nil, validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
	}
	for _, v := range kc.Sort {
		if kc.SortName != "" && v.Kind != rng.Kind {
			return nil, validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
		}
	}
	for i, v := range append([]attr.Value{kc.Partition}, kc.Sort...) {
		if (v.Kind == attr.S && v.Str == "") || (v.Kind == attr.B && len(v.Bin) == 0) {
			name, what := hash.Name, "string"
			if i > 0 {
				name = kc.SortName
			}
			if v.Kind == attr.B {
				what = "binary"
			}
			if pl.g != nil {
				return nil, validationf("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty %s value. IndexName: %s, IndexKey: %s", what, pl.g.name, name)
			}
			return nil, validationf("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty %s value. Key: %s", what, name)
		}
	}
	if kc.SortName != "" && kc.SortOp == expr.KeyBeginsWith && rng.Kind == attr.N {
		return nil, validation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
	}
	r := &pl.rng
	r.prefix = attr.AppendKey(nil, kc.Partition)
	r.backward = in.ScanIndexForward != nil && !*in.ScanIndexForward
	if kc.SortName != "" {
		bound := func(v attr.Value) []byte { return attr.AppendKey(append([]byte(nil), r.prefix...), v) }
		switch kc.SortOp {
		case expr.KeyEQ:
			r.lower, r.upper, r.upperIncl = bound(kc.Sort[0]), bound(kc.Sort[0]), true
		case expr.KeyLT:
			r.upper = bound(kc.Sort[0])
		case expr.KeyLE:
			r.upper, r.upperIncl = bound(kc.Sort[0]), true
		case expr.KeyGT:
			r.lower, r.lowerExcl = bound(kc.Sort[0]), true
		case expr.KeyGE:
			r.lower = bound(kc.Sort[0])
		case expr.KeyBetween:
			r.lower, r.upper, r.upperIncl = bound(kc.Sort[0]), bound(kc.Sort[1]), true
		case expr.KeyBeginsWith:
			r.prefix = attr.AppendKeyPrefix(r.prefix, kc.Sort[0])
		}
	}
	if in.ExclusiveStartKey != nil {
		start, err := startKey(pl.t, pl.g, in.ExclusiveStartKey)
		if err != nil {
			return nil, err
		}
		// The start key must lie in the queried partition and sort range.
		if !bytes.HasPrefix(start, r.prefix) || !r.inLower(start) || !r.inUpper(start) {
			return nil, validation("The provided starting key does not match the range key predicate")
		}
		r.start = start
	}
	return db.runRead(pl)
}

func (db *DB) scan(ctx context.Context, body []byte) ([]byte, error) {
	var in readInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if in.KeyConditionExpression != nil {
		in.KeyConditionExpression = nil // not a Scan parameter: ignored as DynamoDB does
	}
	pl, p, err := db.planRead(ctx, "Scan", &in)
	if err != nil {
		return nil, err
	}
	if err := p.CheckUnused(); err != nil {
		return nil, err
	}
	switch {
	case in.Segment != nil && in.TotalSegments == nil:
		return nil, validation("If segment is specified, total segment must also be specified")
	case in.Segment == nil && in.TotalSegments != nil:
		return nil, validation("If total segments is specified, a particular segment must also be specified for this request")
	case in.TotalSegments != nil:
		total, seg := *in.TotalSegments, *in.Segment
		if total < 1 {
			return nil, validationf("1 validation error detected: Value '%d' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal to 1", total)
		}
		if total > 1000000 {
			return nil, validationf("1 validation error detected: Value '%d' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000", total)
		}
		if seg < 0 {
			return nil, validationf("1 validation error detected: Value '%d' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0", seg)
		}
		if seg >= total {
			return nil, validationf("1 validation error detected: Value '%d' at 'segment' failed to satisfy constraint: Member must have value less than or equal to %d", seg, total-1)
		}
		pl.segment, pl.segments = seg, total
	}
	if in.ExclusiveStartKey != nil {
		start, err := startKey(pl.t, pl.g, in.ExclusiveStartKey)
		if err != nil {
			return nil, err
		}
		pl.rng.start = start
	}
	return db.runRead(pl)
}

// segmentOf returns the scan segment of an item's partition.
func segmentOf(partition attr.Value, total int) int {
	h := fnv.New64a()
	_, _ = h.Write(attr.AppendKey(nil, partition))
	hi, _ := bits.Mul64(h.Sum64(), uint64(total))
	return int(hi)
}

// runRead executes a validated Query or Scan.
func (db *DB) runRead(pl *readPlan) ([]byte, error) {
	var r resp
	err := db.view(func(tx *bolt.Tx) error {
		r = resp{}
		b := tx.Bucket(pl.rng.bucket)
		if b == nil && pl.g != nil && tx.Bucket(pl.t.bucket) != nil {
			// Deleted by an UpdateTable since the request looked it up.
			return validationf("The table does not have the specified index: %s", pl.g.name)
		}
		if b == nil {
			return errTableNotFound()
		}
		c := b.Cursor()
		items := make([]byte, 0, 4096)
		items = append(items, '[')
		count, scanned, size := 0, 0, 0
		var last []byte // stored value of the last item evaluated
		stopped := false
		partName := pl.t.hash.Name
		if pl.g != nil {
			partName = pl.g.hash.Name
		}
		for k, v := pl.rng.first(c); pl.rng.in(k); {
			var it attr.Item
			decoded := false
			decode := func() error {
				if decoded {
					return nil
				}
				var err error
				it, err = decodeStored(v)
				decoded = true
				return err
			}
			if pl.segments > 0 {
				if err := decode(); err != nil {
					return err
				}
				if segmentOf(it[partName], pl.segments) != pl.segment {
					if pl.rng.backward {
						k, v = c.Prev()
					} else {
						k, v = c.Next()
					}
					continue
				}
			}
			scanned++
			size += storedSize(v)
			last = v
			match := true
			if pl.filter != nil {
				if err := decode(); err != nil {
					return err
				}
				ok, err := pl.filter.Eval(it)
				if err != nil {
					return err
				}
				match = ok
			}
			if match {
				count++
				if !pl.count {
					if count > 1 {
						items = append(items, ',')
					}
					if pl.proj != nil {
						if err := decode(); err != nil {
							return err
						}
						items = attr.AppendItemJSON(items, pl.proj.Apply(it))
					} else {
						items = append(items, storedJSON(v)...)
					}
				}
			}
			if pl.rng.backward {
				k, v = c.Prev()
			} else {
				k, v = c.Next()
			}
			if (pl.limit > 0 && scanned >= pl.limit) || size >= maxPage {
				stopped = pl.rng.in(k) || pl.limit > 0 && scanned >= pl.limit
				break
			}
		}
		if !pl.count {
			r.raw("Items", append(items, ']'))
		}
		r.int("Count", count)
		r.int("ScannedCount", scanned)
		if stopped && last != nil {
			it, err := decodeStored(last)
			if err != nil {
				return err
			}
			lek := pl.t.keyAttrs(it)
			if pl.g != nil {
				for _, kd := range []keyDef{pl.g.hash, pl.g.rng} {
					if kd.Name != "" {
						lek[kd.Name] = it[kd.Name]
					}
				}
			}
			r.raw("LastEvaluatedKey", attr.AppendItemJSON(nil, lek))
		}
		name := pl.t.name()
		r.capacity(pl.capMode, name, readUnits(size, pl.consistent))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r.bytes(), nil
}

// topLevelNames scans a (successfully parsed) filter expression for the
// top-level attribute names its paths start with, and returns the first that
// is one of keys.
func topLevelNames(src string, names map[string]string, keys ...string) (string, bool) {
	isKey := func(n string) bool {
		for _, k := range keys {
			if k != "" && n == k {
				return true
			}
		}
		return false
	}
	prev := byte(0) // last non-space character before the current token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '#' || c == ':' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i + 1
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			tok := src[i:j]
			k := j
			for k < len(src) && src[k] == ' ' {
				k++
			}
			call := k < len(src) && src[k] == '('
			if prev != '.' && c != ':' && !call {
				name := tok
				if c == '#' {
					name = names[tok]
				}
				switch strings.ToUpper(tok) {
				case "AND", "OR", "NOT", "BETWEEN", "IN":
				default:
					if isKey(name) {
						return name, true
					}
				}
			}
			prev = 'a'
			i = j
			continue
		}
		prev = c
		i++
	}
	return "", false
}
