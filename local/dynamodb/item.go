package dynamodb

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
	"github.com/shopgraph/shopgraph/local/dynamodb/expr"
)

// legacy holds the pre-expression parameters, which are refused.
type legacy struct {
	AttributesToGet     json.RawMessage
	KeyConditions       json.RawMessage
	QueryFilter         json.RawMessage
	ScanFilter          json.RawMessage
	Expected            json.RawMessage
	AttributeUpdates    json.RawMessage
	ConditionalOperator json.RawMessage
}

// check refuses any legacy parameter that is set.
func (l *legacy) check() error {
	for _, p := range []struct {
		name string
		v    json.RawMessage
		use  string
	}{
		{"AttributesToGet", l.AttributesToGet, "ProjectionExpression"},
		{"KeyConditions", l.KeyConditions, "KeyConditionExpression"},
		{"QueryFilter", l.QueryFilter, "FilterExpression"},
		{"ScanFilter", l.ScanFilter, "FilterExpression"},
		{"Expected", l.Expected, "ConditionExpression"},
		{"AttributeUpdates", l.AttributeUpdates, "UpdateExpression"},
		{"ConditionalOperator", l.ConditionalOperator, "ConditionExpression or FilterExpression"},
	} {
		if len(p.v) > 0 && string(p.v) != "null" {
			return validationf("The embedded DynamoDB supports only expressions: the legacy parameter %s is not supported; use %s", p.name, p.use)
		}
	}
	return nil
}

// exprInput is the expression parameters common to most operations.
type exprInput struct {
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues attr.Item
}

func (e *exprInput) params() (*expr.Params, error) {
	return newParams(e.ExpressionAttributeNames, e.ExpressionAttributeValues)
}

// newParams is expr.NewParams with the checks DynamoDB makes of the maps
// themselves.
func newParams(names map[string]string, values attr.Item) (*expr.Params, error) {
	for _, k := range sortedTables(names) {
		if names[k] == "" {
			return nil, validationf("ExpressionAttributeNames contains invalid value: Empty attribute name for key %s", k)
		}
	}
	return expr.NewParams(names, values)
}

// checkNoExpressions refuses names and values given with no expression to
// use them (exprs names the request's absent expressions, as DynamoDB words
// it: "ConditionExpression is null").
func (e *exprInput) checkNoExpressions(absent string) error {
	if e.ExpressionAttributeValues != nil {
		return validation("ExpressionAttributeValues can only be specified when using expressions: " + absent)
	}
	if e.ExpressionAttributeNames != nil {
		return validation("ExpressionAttributeNames can only be specified when using expressions")
	}
	return nil
}

// parseCondition parses an optional ConditionExpression.
func parseCondition(src *string, p *expr.Params) (*expr.Condition, error) {
	if src == nil {
		return nil, nil
	}
	c, err := expr.ParseCondition(*src, p)
	if err != nil {
		return nil, expr.Prefix("ConditionExpression", err)
	}
	return c, nil
}

// parseProjection parses an optional ProjectionExpression.
func parseProjection(src *string, p *expr.Params) (*expr.Projection, error) {
	if src == nil {
		return nil, nil
	}
	return expr.ParseProjection(*src, p)
}

// onlyCondition parses the ConditionExpression src (nil: none) of a request
// that has no other expression (PutItem, DeleteItem), checking the names and
// values as DynamoDB does.
func (e *exprInput) onlyCondition(src *string) (*expr.Condition, error) {
	if src == nil {
		if err := e.checkNoExpressions("ConditionExpression is null"); err != nil {
			return nil, err
		}
	}
	p, err := e.params()
	if err != nil {
		return nil, err
	}
	cond, err := parseCondition(src, p)
	if err != nil {
		return nil, err
	}
	return cond, p.CheckUnused()
}

// checkCondition returns the client error of a write whose condition cond
// does not hold on the stored item (oldItem, raw its stored bytes; nil when
// absent): the evaluation's own error, or ConditionalCheckFailedException,
// with the old item when rvOnFailure is ALL_OLD. It returns nil when cond
// holds.
func checkCondition(cond *expr.Condition, oldItem attr.Item, raw []byte, rvOnFailure string) error {
	ok, err := evalCondition(cond, oldItem)
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	var item []byte
	if rvOnFailure == "ALL_OLD" && raw != nil {
		item = append([]byte(nil), storedJSON(raw)...)
	}
	return errConditionFailed(item)
}

// evalCondition evaluates cond (nil: true) on item (nil: no item).
func evalCondition(cond *expr.Condition, it attr.Item) (bool, error) {
	if cond == nil {
		return true, nil
	}
	if it == nil {
		it = attr.Item{}
	}
	return cond.Eval(it)
}

// capacity returns the ConsumedCapacity member for mode (nil for NONE).
func capacity(mode, table string, units float64) map[string]any {
	switch mode {
	case "TOTAL":
		return map[string]any{"TableName": table, "CapacityUnits": units}
	case "INDEXES":
		return map[string]any{"TableName": table, "CapacityUnits": units, "Table": map[string]any{"CapacityUnits": units}}
	}
	return nil
}

func checkCapacityMode(mode string) error {
	switch mode {
	case "", "NONE", "TOTAL", "INDEXES":
		return nil
	}
	return validationf("1 validation error detected: Value '%s' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]", mode)
}

// readUnits and writeUnits are DynamoDB's capacity arithmetic.
func readUnits(size int, consistent bool) float64 {
	u := math.Ceil(float64(size) / 4096)
	if u < 1 {
		u = 1
	}
	if !consistent {
		u /= 2
	}
	return u
}

func writeUnits(size int) float64 {
	u := math.Ceil(float64(size) / 1024)
	if u < 1 {
		u = 1
	}
	return u
}

// resp builds a response object from raw JSON members.
type resp struct{ b []byte }

func (r *resp) raw(name string, v []byte) {
	if r.b == nil {
		r.b = append(r.b, '{')
	} else {
		r.b = append(r.b, ',')
	}
	r.b = attr.AppendJSONString(r.b, name)
	r.b = append(r.b, ':')
	r.b = append(r.b, v...)
}

func (r *resp) value(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	r.raw(name, b)
	return nil
}

func (r *resp) int(name string, n int) { r.raw(name, strconv.AppendInt(nil, int64(n), 10)) }

func (r *resp) capacity(mode, table string, units float64) {
	if c := capacity(mode, table, units); c != nil {
		_ = r.value("ConsumedCapacity", c)
	}
}

func (r *resp) bytes() []byte {
	if r.b == nil {
		return []byte("{}")
	}
	return append(r.b, '}')
}

func checkRVOnFailure(v string) error {
	switch v {
	case "", "NONE", "ALL_OLD":
		return nil
	}
	return validationf("1 validation error detected: Value '%s' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]", v)
}

func errReturnValues() error { return validation("Return values set to invalid value") }

// The ReturnValues each write operation accepts ("" is NONE).
var (
	writeOnlyOld       = []string{"", "NONE", "ALL_OLD"}
	updateReturnValues = []string{"", "NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"}
)

// startWrite runs the checks PutItem, UpdateItem and DeleteItem share, in
// DynamoDB's order: the table name, injected faults, legacy parameters,
// ReturnValues (one of allowed), ReturnValuesOnConditionCheckFailure and
// ReturnConsumedCapacity.
func (db *DB) startWrite(ctx context.Context, op, table string, lg legacy, returnValues string, allowed []string, rvOnFailure, capacity string) error {
	if err := checkTableName(table); err != nil {
		return err
	}
	if _, err := db.checkFaults(ctx, op, table); err != nil {
		return err
	}
	if err := lg.check(); err != nil {
		return err
	}
	if !slices.Contains(allowed, returnValues) {
		return errReturnValues()
	}
	if err := checkRVOnFailure(rvOnFailure); err != nil {
		return err
	}
	return checkCapacityMode(capacity)
}

// itemJSON returns the canonical JSON of it (nil for nil).
func itemJSON(it attr.Item) []byte {
	if it == nil {
		return nil
	}
	return attr.AppendItemJSON(nil, it)
}

type putItemInput struct {
	TableName                           string
	Item                                attr.Item
	ConditionExpression                 *string
	ReturnValues                        string
	ReturnValuesOnConditionCheckFailure string
	ReturnConsumedCapacity              string
	ReturnItemCollectionMetrics         string
	exprInput
	legacy
}

func (db *DB) putItem(ctx context.Context, body []byte) ([]byte, error) {
	var in putItemInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := db.startWrite(ctx, "PutItem", in.TableName, in.legacy, in.ReturnValues, writeOnlyOld, in.ReturnValuesOnConditionCheckFailure, in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	cond, err := in.onlyCondition(in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	t, err := db.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	if in.Item == nil {
		return nil, validation("1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null")
	}
	key, size, err := t.checkItem(in.Item, false)
	if err != nil {
		return nil, err
	}
	var old []byte
	var oldSize int
	var clientErr error
	err = db.checkedUpdate(ctx, cond != nil, func(tx *bolt.Tx) error {
		old, oldSize, clientErr = nil, 0, nil
		oldItem, osz, raw, err := getStored(tx, t, key)
		if err != nil {
			return err
		}
		if clientErr = checkCondition(cond, oldItem, raw, in.ReturnValuesOnConditionCheckFailure); clientErr != nil {
			return nil
		}
		if raw != nil && in.ReturnValues == "ALL_OLD" {
			old = append([]byte(nil), storedJSON(raw)...)
		}
		oldSize = osz
		if !tx.Writable() {
			return nil
		}
		return writeItem(tx, t, key, oldItem, osz, in.Item, size)
	}, &clientErr)
	if err != nil {
		return nil, err
	}
	if clientErr != nil {
		return nil, clientErr
	}
	var r resp
	if old != nil {
		r.raw("Attributes", old)
	}
	r.capacity(in.ReturnConsumedCapacity, t.name(), writeUnits(max(size, oldSize)))
	return r.bytes(), nil
}

type getItemInput struct {
	TableName              string
	Key                    attr.Item
	ProjectionExpression   *string
	ConsistentRead         bool
	ReturnConsumedCapacity string
	exprInput
	legacy
}

func (db *DB) getItem(ctx context.Context, body []byte) ([]byte, error) {
	var in getItemInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := checkTableName(in.TableName); err != nil {
		return nil, err
	}
	if _, err := db.checkFaults(ctx, "GetItem", in.TableName); err != nil {
		return nil, err
	}
	if err := in.legacy.check(); err != nil {
		return nil, err
	}
	if err := checkCapacityMode(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	if in.ProjectionExpression == nil && in.ExpressionAttributeNames != nil {
		return nil, validation("ExpressionAttributeNames can only be specified when using expressions")
	}
	p, err := in.params()
	if err != nil {
		return nil, err
	}
	proj, err := parseProjection(in.ProjectionExpression, p)
	if err != nil {
		return nil, err
	}
	if err := p.CheckUnused(); err != nil {
		return nil, err
	}
	t, err := db.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	key, err := t.keyOf(in.Key)
	if err != nil {
		return nil, err
	}
	var r resp
	size := 0
	err = db.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(t.bucket)
		if b == nil {
			return errTableNotFound()
		}
		v := b.Get(key)
		if v == nil {
			return nil
		}
		size = storedSize(v)
		if proj == nil {
			r.raw("Item", storedJSON(v))
			return nil
		}
		it, err := decodeStored(v)
		if err != nil {
			return err
		}
		r.raw("Item", attr.AppendItemJSON(nil, proj.Apply(it)))
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.capacity(in.ReturnConsumedCapacity, t.name(), readUnits(size, in.ConsistentRead))
	return r.bytes(), nil
}

type deleteItemInput struct {
	TableName                           string
	Key                                 attr.Item
	ConditionExpression                 *string
	ReturnValues                        string
	ReturnValuesOnConditionCheckFailure string
	ReturnConsumedCapacity              string
	ReturnItemCollectionMetrics         string
	exprInput
	legacy
}

func (db *DB) deleteItem(ctx context.Context, body []byte) ([]byte, error) {
	var in deleteItemInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := db.startWrite(ctx, "DeleteItem", in.TableName, in.legacy, in.ReturnValues, writeOnlyOld, in.ReturnValuesOnConditionCheckFailure, in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	cond, err := in.onlyCondition(in.ConditionExpression)
	if err != nil {
		return nil, err
	}
	t, err := db.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	key, err := t.keyOf(in.Key)
	if err != nil {
		return nil, err
	}
	var old []byte
	var oldSize int
	var clientErr error
	err = db.checkedUpdate(ctx, cond != nil, func(tx *bolt.Tx) error {
		old, oldSize, clientErr = nil, 0, nil
		oldItem, osz, raw, err := getStored(tx, t, key)
		if err != nil {
			return err
		}
		if clientErr = checkCondition(cond, oldItem, raw, in.ReturnValuesOnConditionCheckFailure); clientErr != nil {
			return nil
		}
		if oldItem == nil {
			return nil
		}
		if in.ReturnValues == "ALL_OLD" {
			old = append([]byte(nil), storedJSON(raw)...)
		}
		oldSize = osz
		if !tx.Writable() {
			return nil
		}
		return writeItem(tx, t, key, oldItem, osz, nil, 0)
	}, &clientErr)
	if err != nil {
		return nil, err
	}
	if clientErr != nil {
		return nil, clientErr
	}
	var r resp
	if old != nil {
		r.raw("Attributes", old)
	}
	r.capacity(in.ReturnConsumedCapacity, t.name(), writeUnits(oldSize))
	return r.bytes(), nil
}

type updateItemInput struct {
	TableName                           string
	Key                                 attr.Item
	UpdateExpression                    *string
	ConditionExpression                 *string
	ReturnValues                        string
	ReturnValuesOnConditionCheckFailure string
	ReturnConsumedCapacity              string
	ReturnItemCollectionMetrics         string
	exprInput
	legacy
}

// checkUpdatePaths refuses updates of key attributes.
func checkUpdatePaths(t *table, u *expr.Update) error {
	if u == nil {
		return nil
	}
	for _, p := range u.Paths() {
		if len(p) > 0 && t.isKeyAttr(p[0].Name) {
			return validationf("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", p[0].Name)
		}
	}
	return nil
}

// applyUpdate computes the new item of an UpdateItem (or a transaction's
// Update) from the current one (nil if none).
func applyUpdate(t *table, u *expr.Update, key attr.Item, old attr.Item) (attr.Item, error) {
	base := old
	if base == nil {
		base = key.Clone()
	}
	if u == nil {
		if old == nil {
			return base, nil
		}
		return old, nil
	}
	return u.Apply(base)
}

// updatedAttrs answers UPDATED_OLD and UPDATED_NEW as DynamoDB Local
// does: for each path u updates that exists in it, the whole top-level
// attribute holding it; nil if none.
func updatedAttrs(u *expr.Update, it attr.Item) attr.Item {
	if u == nil || it == nil {
		return nil
	}
	out := attr.Item{}
	for _, p := range u.Paths() {
		if len(p) == 0 {
			continue
		}
		if _, ok := p.Get(it); ok {
			out[p[0].Name] = it[p[0].Name]
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (db *DB) updateItem(ctx context.Context, body []byte) ([]byte, error) {
	var in updateItemInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := db.startWrite(ctx, "UpdateItem", in.TableName, in.legacy, in.ReturnValues, updateReturnValues, in.ReturnValuesOnConditionCheckFailure, in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	if in.ConditionExpression == nil && in.UpdateExpression == nil {
		if err := in.checkNoExpressions("UpdateExpression and ConditionExpression are null"); err != nil {
			return nil, err
		}
	}
	p, err := in.params()
	if err != nil {
		return nil, err
	}
	var u *expr.Update
	if in.UpdateExpression != nil {
		if u, err = expr.ParseUpdate(*in.UpdateExpression, p); err != nil {
			return nil, err
		}
	}
	cond, err := parseCondition(in.ConditionExpression, p)
	if err != nil {
		return nil, err
	}
	if err := p.CheckUnused(); err != nil {
		return nil, err
	}
	t, err := db.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	key, err := t.keyOf(in.Key)
	if err != nil {
		return nil, err
	}
	if err := checkUpdatePaths(t, u); err != nil {
		return nil, err
	}
	var attrs []byte
	var units float64
	var clientErr error
	err = db.checkedUpdate(ctx, cond != nil, func(tx *bolt.Tx) error {
		attrs, units, clientErr = nil, 0, nil
		oldItem, osz, raw, err := getStored(tx, t, key)
		if err != nil {
			return err
		}
		if clientErr = checkCondition(cond, oldItem, raw, in.ReturnValuesOnConditionCheckFailure); clientErr != nil {
			return nil
		}
		nw, err := applyUpdate(t, u, in.Key, oldItem)
		if err != nil {
			clientErr = err
			return nil
		}
		_, size, err := t.checkItem(nw, true)
		if err != nil {
			clientErr = err
			return nil
		}
		switch in.ReturnValues {
		case "ALL_OLD":
			if raw != nil {
				attrs = append([]byte(nil), storedJSON(raw)...)
			}
		case "ALL_NEW":
			attrs = itemJSON(nw)
		case "UPDATED_OLD":
			attrs = itemJSON(updatedAttrs(u, oldItem))
		case "UPDATED_NEW":
			attrs = itemJSON(updatedAttrs(u, nw))
		}
		units = writeUnits(max(size, osz))
		if !tx.Writable() {
			return nil
		}
		return writeItem(tx, t, key, oldItem, osz, nw, size)
	}, &clientErr)
	if err != nil {
		return nil, err
	}
	if clientErr != nil {
		return nil, clientErr
	}
	var r resp
	if attrs != nil {
		r.raw("Attributes", attrs)
	}
	r.capacity(in.ReturnConsumedCapacity, t.name(), units)
	return r.bytes(), nil
}
