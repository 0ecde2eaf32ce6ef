package dynamodb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

// maxItemSize is DynamoDB's item size limit.
const maxItemSize = 400 * 1024

// encodeStored encodes an item as stored: its size (4 bytes, little
// endian) then its canonical JSON.
func encodeStored(it attr.Item, size int) []byte {
	b := make([]byte, 4, 4+size+size/2+16)
	binary.LittleEndian.PutUint32(b, uint32(size))
	return attr.AppendItemJSON(b, it)
}

// storedSize returns a stored value's item size; storedJSON its JSON.
func storedSize(v []byte) int    { return int(binary.LittleEndian.Uint32(v)) }
func storedJSON(v []byte) []byte { return v[4:] }

// decodeStored decodes a stored value.
func decodeStored(v []byte) (attr.Item, error) {
	it, err := attr.DecodeItem(v[4:])
	if err != nil {
		return nil, fmt.Errorf("decode stored item: %w", err)
	}
	return it, nil
}

// Key value size limits.
const (
	maxHashKey  = 2048
	maxRangeKey = 1024
)

// keyValue checks one key attribute value of a request (a Key or an Item)
// and returns it; limit is the key's size limit.
func keyValue(it attr.Item, k keyDef, limit int) (attr.Value, error) {
	v, ok := it[k.Name]
	if !ok {
		return v, validation("One of the required keys was not given a value")
	}
	if v.Kind != k.Kind {
		return v, validationf("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", k.Name, k.Kind, v.Kind)
	}
	if k.Kind == attr.S && v.Str == "" {
		return v, validationf("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: %s", k.Name)
	}
	if k.Kind == attr.B && len(v.Bin) == 0 {
		return v, validationf("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: %s", k.Name)
	}
	if attr.Size(v) > limit {
		return v, validation("Hash primary key values must be under 2048 bytes, and range primary key values must be under 1024 bytes")
	}
	return v, nil
}

// encodeKey returns the table key of it (which must hold valid key values).
func (t *table) encodeKey(it attr.Item) []byte {
	k := attr.AppendKey(nil, it[t.hash.Name])
	if t.rng.Name != "" {
		k = attr.AppendKey(k, it[t.rng.Name])
	}
	return k
}

// keyOf validates key (a Key parameter: exactly the key attributes) and
// returns its encoding.
func (t *table) keyOf(key attr.Item) ([]byte, error) {
	n := 1
	if t.rng.Name != "" {
		n = 2
	}
	if len(key) != n {
		return nil, validation("The number of conditions on the keys is invalid")
	}
	if err := t.checkKeyValues(key); err != nil {
		return nil, err
	}
	return t.encodeKey(key), nil
}

// checkKeyValues checks the key attributes of a key or an item.
func (t *table) checkKeyValues(it attr.Item) error {
	if _, err := keyValue(it, t.hash, maxHashKey); err != nil {
		return err
	}
	if t.rng.Name != "" {
		if _, err := keyValue(it, t.rng, maxRangeKey); err != nil {
			return err
		}
	}
	return nil
}

// keyAttrs returns the key attributes of item.
func (t *table) keyAttrs(it attr.Item) attr.Item {
	k := attr.Item{t.hash.Name: it[t.hash.Name]}
	if t.rng.Name != "" {
		k[t.rng.Name] = it[t.rng.Name]
	}
	return k
}

// checkItem validates a whole item to be written: key attributes, index
// key types, size. It returns the item's key and size.
func (t *table) checkItem(it attr.Item, update bool) ([]byte, int, error) {
	if err := t.checkKeyValues(it); err != nil {
		return nil, 0, err
	}
	if err := t.checkIndexKeys(it); err != nil {
		return nil, 0, err
	}
	for name, v := range it {
		if len(name) > 65535 {
			return nil, 0, validation("One or more parameter values were invalid: An attribute name exceeds the maximum length of 65535 bytes")
		}
		if name == "" || !mapKeysNonEmpty(v) {
			return nil, 0, validation("Empty attribute name")
		}
	}
	size := attr.ItemSize(it)
	if size > maxItemSize {
		if update {
			return nil, 0, validation("Item size to update has exceeded the maximum allowed size")
		}
		return nil, 0, validation("Item size has exceeded the maximum allowed size")
	}
	return t.encodeKey(it), size, nil
}

// checkIndexKeys checks the GSI key attributes an item to be written has:
// of the index's type, not empty.
func (t *table) checkIndexKeys(it attr.Item) error {
	for _, g := range t.gsis {
		for _, k := range []keyDef{g.hash, g.rng} {
			if k.Name == "" {
				continue
			}
			v, ok := it[k.Name]
			if !ok {
				continue
			}
			if v.Kind != k.Kind {
				return validationf("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s", k.Name, k.Kind, v.Kind, g.name)
			}
			if (k.Kind == attr.S && v.Str == "") || (k.Kind == attr.B && len(v.Bin) == 0) {
				return validationf("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: %s, IndexKey: %s", g.name, k.Name)
			}
		}
	}
	return nil
}

// mapKeysNonEmpty reports whether no map inside v has an empty key.
func mapKeysNonEmpty(v attr.Value) bool {
	switch v.Kind {
	case attr.M:
		for k, e := range v.Map {
			if k == "" || !mapKeysNonEmpty(e) {
				return false
			}
		}
	case attr.L:
		for _, e := range v.List {
			if !mapKeysNonEmpty(e) {
				return false
			}
		}
	}
	return true
}

// sizeAndKeysPresent is checkItem's part that a transaction reports as a
// plain ValidationException: every key attribute present, size in bounds.
func (t *table) sizeAndKeysPresent(it attr.Item) error {
	for _, k := range []keyDef{t.hash, t.rng} {
		if _, ok := it[k.Name]; k.Name != "" && !ok {
			return validation("One of the required keys was not given a value")
		}
	}
	if attr.ItemSize(it) > maxItemSize {
		return validation("Item size has exceeded the maximum allowed size")
	}
	return nil
}

// gsiKey returns item's key in g, or nil when item lacks g's key
// attributes (it is not in the index).
func (g *index) key(t *table, it attr.Item, tableKey []byte) []byte {
	h, ok := it[g.hash.Name]
	if !ok || h.Kind != g.hash.Kind {
		return nil
	}
	k := attr.AppendKey(make([]byte, 0, 32+len(tableKey)), h)
	if g.rng.Name != "" {
		r, ok := it[g.rng.Name]
		if !ok || r.Kind != g.rng.Kind {
			return nil
		}
		k = attr.AppendKey(k, r)
	}
	return append(k, tableKey...)
}

// project returns the part of item g stores.
func (g *index) project(t *table, it attr.Item) attr.Item {
	if g.projType == "ALL" {
		return it
	}
	p := attr.Item{}
	for _, name := range []string{t.hash.Name, t.rng.Name, g.hash.Name, g.rng.Name} {
		if v, ok := it[name]; ok && name != "" {
			p[name] = v
		}
	}
	for name := range g.include {
		if v, ok := it[name]; ok {
			p[name] = v
		}
	}
	return p
}

// projects reports whether attribute name is stored in g.
func (g *index) projects(t *table, name string) bool {
	if g.projType == "ALL" || t.isKeyAttr(name) || name == g.hash.Name || name == g.rng.Name {
		return true
	}
	_, ok := g.include[name]
	return ok
}

// writeItem replaces the item at key (old, oldSize: the current item or
// nil) with nw (nil deletes), maintaining the GSIs, the TTL index and the
// table's counts, in tx. It maintains the indexes the table has in tx
// (current): when an UpdateTable changed them after the caller looked t
// up, nw is checked against the new index key types (a ValidationException
// then, which rolls the write back).
func writeItem(tx *bolt.Tx, t *table, key []byte, old attr.Item, oldSize int, nw attr.Item, newSize int) error {
	b := tx.Bucket(t.bucket)
	if b == nil {
		return errTableNotFound()
	}
	ct, err := current(tx, t)
	if err != nil {
		return err
	}
	if ct != t {
		if nw != nil {
			if err := ct.checkIndexKeys(nw); err != nil {
				return err
			}
		}
		t = ct
	}
	delta := make([]int64, 2*(1+len(t.gsis)))
	if old != nil {
		delta[0]--
		delta[1] -= int64(oldSize)
	}
	if nw != nil {
		delta[0]++
		delta[1] += int64(newSize)
		if err := b.Put(key, encodeStored(nw, newSize)); err != nil {
			return fmt.Errorf("put item: %w", err)
		}
	} else if old != nil {
		if err := b.Delete(key); err != nil {
			return fmt.Errorf("delete item: %w", err)
		}
	}
	for _, g := range t.gsis {
		gb := tx.Bucket(g.bucket)
		if gb == nil {
			return fmt.Errorf("index bucket of %s.%s missing", t.name(), g.name)
		}
		var ok, nk []byte
		if old != nil {
			ok = g.key(t, old, key)
		}
		if nw != nil {
			nk = g.key(t, nw, key)
		}
		if ok != nil {
			delta[2*(g.pos+1)]--
			delta[2*(g.pos+1)+1] -= int64(attr.ItemSize(g.project(t, old)))
			if nk == nil || string(ok) != string(nk) {
				if err := gb.Delete(ok); err != nil {
					return fmt.Errorf("delete index entry: %w", err)
				}
			}
		}
		if nk != nil {
			p := g.project(t, nw)
			ps := newSize
			if g.projType != "ALL" {
				ps = attr.ItemSize(p)
			}
			delta[2*(g.pos+1)]++
			delta[2*(g.pos+1)+1] += int64(ps)
			if err := gb.Put(nk, encodeStored(p, ps)); err != nil {
				return fmt.Errorf("put index entry: %w", err)
			}
		}
	}
	meta := tx.Bucket(metaBucket)
	if ttlAttr := meta.Get(t.ttlKey); ttlAttr != nil {
		if err := updateTTLEntry(tx, t, string(ttlAttr), key, old, nw); err != nil {
			return err
		}
	}
	return addStats(meta, t, delta)
}

// addStats adds delta to the table's stored counts.
func addStats(meta *bolt.Bucket, t *table, delta []int64) error {
	raw := meta.Get(t.statsKey)
	st := make([]byte, 8*len(delta))
	copy(st, raw)
	for i, d := range delta {
		v := int64(binary.LittleEndian.Uint64(st[8*i:])) + d
		if v < 0 {
			v = 0
		}
		binary.LittleEndian.PutUint64(st[8*i:], uint64(v))
	}
	return meta.Put(t.statsKey, st)
}

// ttlSeconds returns an item's expiry in epoch seconds, ok=false when its
// TTL attribute is absent, not a number, or out of range.
func ttlSeconds(it attr.Item, name string) (int64, bool) {
	v, ok := it[name]
	if !ok || v.Kind != attr.N {
		return 0, false
	}
	s := v.Str
	if strings.HasPrefix(s, "-") {
		return 0, false
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, false
	}
	f := new(big.Int).Quo(r.Num(), r.Denom())
	if !f.IsInt64() || f.Int64() > math.MaxInt64/2 {
		return 0, false
	}
	return f.Int64(), true
}

func ttlEntryKey(sec int64, key []byte) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(key)), uint64(sec))
	return append(k, key...)
}

// updateTTLEntry keeps the TTL index of an item current.
func updateTTLEntry(tx *bolt.Tx, t *table, name string, key []byte, old, nw attr.Item) error {
	b, err := tx.CreateBucketIfNotExists(t.ttlBkt)
	if err != nil {
		return fmt.Errorf("TTL index: %w", err)
	}
	os, oOK := ttlSeconds(old, name)
	ns, nOK := ttlSeconds(nw, name)
	if oOK && (!nOK || os != ns) {
		if err := b.Delete(ttlEntryKey(os, key)); err != nil {
			return fmt.Errorf("TTL index: %w", err)
		}
	}
	if nOK && (!oOK || os != ns) {
		if err := b.Put(ttlEntryKey(ns, key), nil); err != nil {
			return fmt.Errorf("TTL index: %w", err)
		}
	}
	return nil
}

// buildTTLIndex indexes every item of t by its attribute name (when TTL
// is enabled).
func buildTTLIndex(tx *bolt.Tx, t *table, name string) error {
	if err := tx.DeleteBucket(t.ttlBkt); err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
		return err
	}
	ib, err := tx.CreateBucket(t.ttlBkt)
	if err != nil {
		return err
	}
	b := tx.Bucket(t.bucket)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		it, err := decodeStored(v)
		if err != nil {
			return err
		}
		if sec, ok := ttlSeconds(it, name); ok {
			return ib.Put(ttlEntryKey(sec, k), nil)
		}
		return nil
	})
}

// getItem returns the stored item at key (nil if none) and its size.
func getStored(tx *bolt.Tx, t *table, key []byte) (attr.Item, int, []byte, error) {
	b := tx.Bucket(t.bucket)
	if b == nil {
		return nil, 0, nil, errTableNotFound()
	}
	v := b.Get(key)
	if v == nil {
		return nil, 0, nil, nil
	}
	it, err := decodeStored(v)
	if err != nil {
		return nil, 0, nil, err
	}
	return it, storedSize(v), v, nil
}
