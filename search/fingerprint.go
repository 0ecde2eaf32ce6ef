package search

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/shopgraph/shopgraph"
)

// Item is one product as the index sees it: the product and whether at
// least one unit of it is available.
type Item struct {
	Product shopgraph.Product
	InStock bool
}

// Fingerprint identifies the content of an index: the number of products and
// an order-independent 128-bit sum of one hash per product over everything
// the index holds of it (key, name, brand, description, attribute strings,
// price, creation time, stock flag; not UpdatedAt). Two catalogs with the same
// indexed content have the same fingerprint, whatever order they are read in.
//
// The zero value is the fingerprint of an empty catalog; add items with Add.
// Fingerprints are comparable with ==. The index keeps its own fingerprint
// current through Build, Upsert and Delete, so the composition root can
// compute the catalog's fingerprint at start and skip the build when
// Index.Current says the index already holds that catalog.
type Fingerprint struct {
	n      uint64
	lo, hi uint64
}

// FingerprintOf returns the fingerprint of items.
func FingerprintOf(items []Item) Fingerprint {
	var f Fingerprint
	for _, it := range items {
		f.Add(it)
	}
	return f
}

// Add adds one product to the fingerprint. Adding the same product id twice
// counts it twice (Build rejects duplicates).
func (f *Fingerprint) Add(it Item) { f.add(itemHash(it)) }

// Len is the number of products the fingerprint covers.
func (f Fingerprint) Len() int { return int(f.n) }

// String renders the fingerprint as "<count>-<32 hex digits>", for logs.
func (f Fingerprint) String() string {
	return fmt.Sprintf("%d-%016x%016x", f.n, f.hi, f.lo)
}

func (f *Fingerprint) add(h [16]byte) {
	lo, hi := binary.BigEndian.Uint64(h[8:]), binary.BigEndian.Uint64(h[:8])
	var c uint64
	f.lo, c = bits.Add64(f.lo, lo, 0)
	f.hi, _ = bits.Add64(f.hi, hi, c)
	f.n++
}

func (f *Fingerprint) remove(h [16]byte) {
	lo, hi := binary.BigEndian.Uint64(h[8:]), binary.BigEndian.Uint64(h[:8])
	var b uint64
	f.lo, b = bits.Sub64(f.lo, lo, 0)
	f.hi, _ = bits.Sub64(f.hi, hi, b)
	f.n--
}

// marshal and unmarshalFingerprint are the fingerprint's form in the index's
// internal storage.
func (f Fingerprint) marshal() []byte {
	b := make([]byte, 24)
	binary.BigEndian.PutUint64(b, f.n)
	binary.BigEndian.PutUint64(b[8:], f.hi)
	binary.BigEndian.PutUint64(b[16:], f.lo)
	return b
}

func unmarshalFingerprint(b []byte) (Fingerprint, error) {
	if len(b) != 24 {
		return Fingerprint{}, fmt.Errorf("stored fingerprint has %d bytes, want 24", len(b))
	}
	return Fingerprint{n: binary.BigEndian.Uint64(b), hi: binary.BigEndian.Uint64(b[8:]), lo: binary.BigEndian.Uint64(b[16:])}, nil
}

// itemHash is the per-product term of a fingerprint: the first 16 bytes of
// SHA-256 over a length-prefixed encoding of what the index holds.
func itemHash(it Item) [16]byte {
	p := it.Product
	h := sha256.New()
	w := func(s string) {
		h.Write(strconv.AppendInt(nil, int64(len(s)), 10))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	w("shopgraph/search/item/v1")
	w(p.ProductID)
	w(p.Category)
	w(p.Name)
	w(p.Brand)
	w(p.Description)
	attrs := attributeStrings(p.Attributes)
	w(strconv.Itoa(len(attrs)))
	for _, a := range attrs {
		w(a)
	}
	w(strconv.FormatInt(p.Price.Amount, 10))
	w(p.Price.Currency)
	w(strconv.FormatInt(createdAt(p).UnixNano(), 10))
	w(strconv.FormatBool(it.InStock))
	var out [16]byte
	copy(out[:], h.Sum(nil))
	return out
}

func hashHex(h [16]byte) string { return hex.EncodeToString(h[:]) }

func parseHashHex(s string) ([16]byte, bool) {
	var h [16]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, false
	}
	copy(h[:], b)
	return h, true
}

// attributeStrings flattens the string values of product attributes (in
// lists and nested maps too), in key order; numbers and booleans are left
// out. Blank strings are skipped.
func attributeStrings(attrs map[string]any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if strings.TrimSpace(v) != "" {
				out = append(out, v)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case []string:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(v[k])
			}
		}
	}
	walk(attrs)
	return out
}
