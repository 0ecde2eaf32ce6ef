// Package attr is the embedded DynamoDB's value model: DynamoDB attribute
// values (S, N, B, BOOL, NULL, M, L, SS, NS, BS) decoded from and encoded to
// the DynamoDB JSON wire format, exact 38-digit decimal numbers, equality and
// ordering as DynamoDB defines them, item sizes, and an order-preserving,
// collision-free encoding of key attributes for an ordered key-value store.
//
// It knows nothing of any application's tables.
package attr

// Kind is an attribute value's DynamoDB type.
type Kind uint8

// The DynamoDB types. The zero Kind is Invalid (an absent value).
const (
	Invalid Kind = iota
	S
	N
	B
	BOOL
	NULL
	M
	L
	SS
	NS
	BS
)

// Value is one DynamoDB attribute value. Exactly the fields its Kind names
// are meaningful:
//
//   - S: Str. N: Str holds the number's canonical text (see CanonicalNumber),
//     never anything else: every constructor and decoder canonicalizes.
//   - B: Bin (decoded bytes, not base64).
//   - BOOL: Bool. NULL: nothing (Bool is ignored).
//   - M: Map. L: List.
//   - SS: Strs. NS: Strs, each a canonical number text. BS: Bins. Sets are
//     non-empty and hold no duplicates; their order is the order they were
//     given in (DynamoDB does not promise one).
//
// The zero Value is Invalid: an absent attribute.
type Value struct {
	Kind Kind
	Str  string
	Bin  []byte
	Bool bool
	Map  map[string]Value
	List []Value
	Strs []string
	Bins [][]byte
}

// Item is a DynamoDB item (or a key): attribute name → value.
type Item map[string]Value

// IsValid reports whether v holds a value (its Kind is not Invalid).
func (v Value) IsValid() bool { return v.Kind != Invalid }
