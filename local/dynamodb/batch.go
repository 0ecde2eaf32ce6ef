package dynamodb

import (
	"context"
	"encoding/json"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
	"github.com/shopgraph/shopgraph/local/dynamodb/expr"
)

// Batch limits.
const (
	maxBatchGet   = 100
	maxBatchWrite = 25
)

type keysAndAttributes struct {
	Keys                     []attr.Item
	ProjectionExpression     *string           `json:",omitempty"`
	ExpressionAttributeNames map[string]string `json:",omitempty"`
	ConsistentRead           *bool             `json:",omitempty"`
	AttributesToGet          json.RawMessage   `json:",omitempty"`
}

type batchGetInput struct {
	RequestItems           map[string]*keysAndAttributes
	ReturnConsumedCapacity string
}

// sortedTables returns the keys of m in order (request order is lost in
// JSON objects; sorted order makes Unprocessed callbacks deterministic).
func sortedTables[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// unprocessed reports whether any fn leaves the n-th entry unprocessed.
func unprocessed(fns []unprocessedFunc, n int, key attr.Item) bool {
	for _, fn := range fns {
		if fn(n, key) {
			return true
		}
	}
	return false
}

func (db *DB) batchGetItem(ctx context.Context, body []byte) ([]byte, error) {
	var in batchGetInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if len(in.RequestItems) == 0 {
		return nil, validation("BatchGetItem must have some requests set")
	}
	names := sortedTables(in.RequestItems)
	total := 0
	for _, name := range names {
		if err := checkTableName(name); err != nil {
			return nil, err
		}
		ka := in.RequestItems[name]
		if ka == nil || len(ka.Keys) == 0 {
			return nil, validationf("1 validation error detected: Value null at 'requestItems.%s.member.keys' failed to satisfy constraint: Member must have length greater than or equal to 1", name)
		}
		total += len(ka.Keys)
	}
	if total > maxBatchGet {
		return nil, validation("Too many items requested for the BatchGetItem call")
	}
	if err := checkCapacityMode(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	unproc, err := db.checkFaults(ctx, "BatchGetItem", names...)
	if err != nil {
		return nil, err
	}
	type tableReq struct {
		t     *table
		proj  *expr.Projection
		keys  [][]byte
		skip  []bool // unprocessed
		items []byte
	}
	reqs := make([]*tableReq, len(names))
	for i, name := range names {
		ka := in.RequestItems[name]
		if len(ka.AttributesToGet) > 0 && string(ka.AttributesToGet) != "null" {
			return nil, validation("The embedded DynamoDB supports only expressions: the legacy parameter AttributesToGet is not supported; use ProjectionExpression")
		}
		p, err := newParams(ka.ExpressionAttributeNames, nil)
		if err != nil {
			return nil, err
		}
		proj, err := parseProjection(ka.ProjectionExpression, p)
		if err != nil {
			return nil, err
		}
		if err := p.CheckUnused(); err != nil {
			return nil, err
		}
		t, err := db.lookup(name)
		if err != nil {
			return nil, err
		}
		tr := &tableReq{t: t, proj: proj}
		seen := map[string]bool{}
		for n, key := range ka.Keys {
			k, err := t.keyOf(key)
			if err != nil {
				return nil, err
			}
			if seen[string(k)] {
				return nil, validation("Provided list of item keys contains duplicates")
			}
			seen[string(k)] = true
			tr.keys = append(tr.keys, k)
			tr.skip = append(tr.skip, unprocessed(unproc[name], n, key))
		}
		reqs[i] = tr
	}
	err = db.view(func(tx *bolt.Tx) error {
		for _, tr := range reqs {
			tr.items = append(tr.items[:0], '[')
			b := tx.Bucket(tr.t.bucket)
			if b == nil {
				return errTableNotFound()
			}
			n := 0
			for i, k := range tr.keys {
				if tr.skip[i] {
					continue
				}
				v := b.Get(k)
				if v == nil {
					continue
				}
				if n > 0 {
					tr.items = append(tr.items, ',')
				}
				n++
				if tr.proj == nil {
					tr.items = append(tr.items, storedJSON(v)...)
					continue
				}
				it, err := decodeStored(v)
				if err != nil {
					return err
				}
				tr.items = attr.AppendItemJSON(tr.items, tr.proj.Apply(it))
			}
			tr.items = append(tr.items, ']')
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var responses, left resp
	var caps []map[string]any
	for i, tr := range reqs {
		responses.raw(names[i], tr.items)
		var keys []attr.Item
		for n, skip := range tr.skip {
			if skip {
				keys = append(keys, in.RequestItems[names[i]].Keys[n])
			}
		}
		if keys != nil {
			ka := *in.RequestItems[names[i]]
			ka.Keys = keys
			if err := left.value(names[i], ka); err != nil {
				return nil, err
			}
		}
		if c := capacity(in.ReturnConsumedCapacity, names[i], float64(len(tr.keys))/2); c != nil {
			caps = append(caps, c)
		}
	}
	var r resp
	r.raw("Responses", responses.bytes())
	r.raw("UnprocessedKeys", left.bytes())
	if caps != nil {
		if err := r.value("ConsumedCapacity", caps); err != nil {
			return nil, err
		}
	}
	return r.bytes(), nil
}

type writeRequest struct {
	PutRequest *struct {
		Item attr.Item
	} `json:",omitempty"`
	DeleteRequest *struct {
		Key attr.Item
	} `json:",omitempty"`
}

type batchWriteInput struct {
	RequestItems                map[string][]writeRequest
	ReturnConsumedCapacity      string
	ReturnItemCollectionMetrics string
}

func (db *DB) batchWriteItem(ctx context.Context, body []byte) ([]byte, error) {
	var in batchWriteInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if len(in.RequestItems) == 0 {
		return nil, validation("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	names := sortedTables(in.RequestItems)
	total := 0
	for _, name := range names {
		if err := checkTableName(name); err != nil {
			return nil, err
		}
		if len(in.RequestItems[name]) == 0 {
			return nil, validationf("The batch write request list for a table cannot be null or empty: %s", name)
		}
		total += len(in.RequestItems[name])
	}
	if total > maxBatchWrite {
		return nil, validation("Too many items requested for the BatchWriteItem call")
	}
	if err := checkCapacityMode(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	unproc, err := db.checkFaults(ctx, "BatchWriteItem", names...)
	if err != nil {
		return nil, err
	}
	type op struct {
		t    *table
		key  []byte
		item attr.Item // nil: delete
		size int
	}
	var ops []op
	left := map[string][]writeRequest{}
	units := map[string]float64{}
	for _, name := range names {
		t, err := db.lookup(name)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for n, wr := range in.RequestItems[name] {
			if (wr.PutRequest == nil) == (wr.DeleteRequest == nil) {
				return nil, validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			}
			var o op
			var key attr.Item
			if wr.PutRequest != nil {
				if wr.PutRequest.Item == nil {
					return nil, validation("1 validation error detected: Value null at 'requestItems.member.putRequest.item' failed to satisfy constraint: Member must not be null")
				}
				k, size, err := t.checkItem(wr.PutRequest.Item, false)
				if err != nil {
					return nil, err
				}
				o = op{t: t, key: k, item: wr.PutRequest.Item, size: size}
				key = t.keyAttrs(wr.PutRequest.Item)
			} else {
				k, err := t.keyOf(wr.DeleteRequest.Key)
				if err != nil {
					return nil, err
				}
				o = op{t: t, key: k}
				key = wr.DeleteRequest.Key
			}
			if seen[string(o.key)] {
				return nil, validation("Provided list of item keys contains duplicates")
			}
			seen[string(o.key)] = true
			if unprocessed(unproc[name], n, key) {
				left[name] = append(left[name], wr)
				continue
			}
			units[name] += writeUnits(o.size)
			ops = append(ops, o)
		}
	}
	err = db.update(ctx, func(tx *bolt.Tx) error {
		for _, o := range ops {
			old, osz, _, err := getStored(tx, o.t, o.key)
			if err != nil {
				return err
			}
			if o.item == nil && old == nil {
				continue
			}
			if err := writeItem(tx, o.t, o.key, old, osz, o.item, o.size); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var r resp
	if err := r.value("UnprocessedItems", left); err != nil {
		return nil, err
	}
	var caps []map[string]any
	for _, name := range names {
		if c := capacity(in.ReturnConsumedCapacity, name, units[name]); c != nil {
			caps = append(caps, c)
		}
	}
	if caps != nil {
		if err := r.value("ConsumedCapacity", caps); err != nil {
			return nil, err
		}
	}
	return r.bytes(), nil
}
