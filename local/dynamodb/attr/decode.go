package attr

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is DynamoDB's nesting limit: an item's attribute value is at
// depth 1, the elements of a map or list at depth d are at depth d+1, and
// no value may be deeper than MaxDepth (31 nested maps and lists).
const MaxDepth = 32

// The messages DynamoDB answers invalid attribute values with.
const (
	msgEmpty        = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	msgMultiple     = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
	msgNullFalse    = "One or more parameter values were invalid: Null attribute value types must have the value of true"
	msgEmptySS      = "One or more parameter values were invalid: An string set  may not be empty"
	msgEmptyNS      = "One or more parameter values were invalid: An number set  may not be empty"
	msgEmptyBS      = "One or more parameter values were invalid: Binary sets should not be empty"
	msgDupNS        = "Input collection contains duplicates"
	msgDupBS        = "One or more parameter values were invalid: Input collection of type BS contains duplicates."
	msgNullSSMember = "One or more parameter values were invalid: An string set may not have a null string as a member"
	msgNullBSMember = "One or more parameter values were invalid: A binary set may not have a null binary as a member"
	msgNullValue    = "The supplied Item contains a null AttributeValue"
	msgDepthItem    = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"
	msgDepthValue   = "Nesting Levels have exceeded supported limits"
)

// DecodeValue decodes one wire attribute value such as {"S":"x"} and
// validates it as DynamoDB does: exactly one known type member (members
// whose value is null and unknown members are ignored, as DynamoDB ignores
// them), NULL only true, sets non-empty without duplicates (numbers
// compared numerically), numbers valid (stored canonical), B and BS
// standard base64, at most MaxDepth levels. JSON of the wrong shape (a
// number where a string belongs, say) is an error too. Errors are *Error.
func DecodeValue(data []byte) (Value, error) {
	d := decoder{data: data, depthMsg: msgDepthValue}
	d.ws()
	if d.literal("null") {
		return Value{}, errorf(msgNullValue)
	}
	v, err := d.value(1)
	if err != nil {
		return Value{}, err
	}
	if err := d.end(); err != nil {
		return Value{}, err
	}
	return v, nil
}

// DecodeItem decodes a wire item, a JSON object of attribute name → value
// (see DecodeValue; a null value is an error, and of repeated names the
// last counts). JSON null decodes as a nil Item without error: the
// parameter is absent.
func DecodeItem(data []byte) (Item, error) {
	d := decoder{data: data, depthMsg: msgDepthItem}
	d.ws()
	if d.literal("null") {
		if err := d.end(); err != nil {
			return nil, err
		}
		return nil, nil
	}
	it, err := d.item(0)
	if err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	return it, nil
}

// UnmarshalJSON decodes one wire value (see DecodeValue). As
// encoding/json's convention asks, JSON null leaves v unchanged.
func (v *Value) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	d, err := DecodeValue(b)
	if err != nil {
		return err
	}
	*v = d
	return nil
}

// MarshalJSON encodes v in the wire format (see AppendValueJSON).
func (v Value) MarshalJSON() ([]byte, error) { return AppendValueJSON(nil, v), nil }

// UnmarshalJSON decodes a wire item (see DecodeItem). JSON null leaves it
// unchanged.
func (it *Item) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil
	}
	d, err := DecodeItem(b)
	if err != nil {
		return err
	}
	*it = d
	return nil
}

// MarshalJSON encodes it in the wire format (see AppendItemJSON).
func (it Item) MarshalJSON() ([]byte, error) { return AppendItemJSON(nil, it), nil }

// Depth returns v's nesting depth: 1 for a scalar or set (or an empty map
// or list), 1 + the deepest element's depth for a map or list. An item
// whose attribute values all have Depth ≤ MaxDepth is within DynamoDB's
// nesting limit.
func Depth(v Value) int {
	n := 0
	switch v.Kind {
	case M:
		for _, e := range v.Map {
			n = max(n, Depth(e))
		}
	case L:
		for _, e := range v.List {
			n = max(n, Depth(e))
		}
	}
	return 1 + n
}

// decoder is a hand-rolled JSON reader for the wire format: one pass, no
// reflection, strings allocated once (unescaped in place when they have no
// escapes).
type decoder struct {
	data     []byte
	i        int
	scratch  []byte // unescaping buffer
	depthMsg string
}

func (d *decoder) ws() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// end checks that only whitespace follows.
func (d *decoder) end() error {
	d.ws()
	if d.i != len(d.data) {
		return d.syntax("unexpected data after the value")
	}
	return nil
}

func (d *decoder) syntax(what string) error {
	if d.i >= len(d.data) {
		return errorf("Invalid JSON: " + what + " (unexpected end of input)")
	}
	return errorf("Invalid JSON: " + what + " at offset " + strconv.Itoa(d.i))
}

// literal consumes word (true, false, null) if it is next.
func (d *decoder) literal(word string) bool {
	if bytes.HasPrefix(d.data[d.i:], []byte(word)) {
		end := d.i + len(word)
		if end < len(d.data) && isIdentByte(d.data[end]) {
			return false
		}
		d.i = end
		return true
	}
	return false
}

func isIdentByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// peek returns the next non-space byte (0 at the end) without consuming it.
func (d *decoder) peek() byte {
	d.ws()
	if d.i < len(d.data) {
		return d.data[d.i]
	}
	return 0
}

// expect consumes c after optional whitespace.
func (d *decoder) expect(c byte, what string) error {
	if d.peek() != c {
		return d.syntax("expected " + what)
	}
	d.i++
	return nil
}

// jsonKind names the JSON value that starts next, for shape errors.
func (d *decoder) jsonKind() string {
	switch c := d.peek(); {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	}
	return "an invalid token"
}

func (d *decoder) shape(typ, want string) error {
	if err := d.validNext(); err != nil {
		return err
	}
	got := d.jsonKind()
	return errorf("Unexpected JSON value for the " + typ + " member of an AttributeValue: got " + got + ", want " + want)
}

// validNext returns the syntax error of the next JSON value, if any,
// without consuming it.
func (d *decoder) validNext() error {
	save := d.i
	err := d.skip(0)
	d.i = save
	return err
}

// rawString reads a JSON string and returns its unescaped bytes: a slice of
// the input when it has no escapes, else of d.scratch. The result is only
// valid until the next rawString call.
func (d *decoder) rawString() ([]byte, error) {
	if d.peek() != '"' {
		return nil, d.syntax("expected a string")
	}
	d.i++
	start := d.i
	ascii := true
	for d.i < len(d.data) {
		c := d.data[d.i]
		switch {
		case c == '"':
			s := d.data[start:d.i]
			d.i++
			if !ascii && !utf8.Valid(s) {
				return d.fixUTF8(s), nil
			}
			return s, nil
		case c == '\\':
			return d.escapedString(start)
		case c < 0x20:
			return nil, d.syntax("control character in a string")
		case c >= utf8.RuneSelf:
			ascii = false
		}
		d.i++
	}
	return nil, d.syntax("unterminated string")
}

// fixUTF8 replaces invalid UTF-8 in s by U+FFFD, into d.scratch.
func (d *decoder) fixUTF8(s []byte) []byte {
	out := d.scratch[:0]
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, s[:size]...)
		}
		s = s[size:]
	}
	d.scratch = out
	return out
}

// escapedString continues rawString at its first backslash.
func (d *decoder) escapedString(start int) ([]byte, error) {
	out := append(d.scratch[:0], d.data[start:d.i]...)
	for d.i < len(d.data) {
		c := d.data[d.i]
		switch {
		case c == '"':
			d.i++
			d.scratch = out
			if !utf8.Valid(out) {
				fixed := d.fixUTF8(append([]byte(nil), out...))
				return fixed, nil
			}
			return out, nil
		case c < 0x20:
			return nil, d.syntax("control character in a string")
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		d.i++
		if d.i >= len(d.data) {
			return nil, d.syntax("unterminated string")
		}
		e := d.data[d.i]
		d.i++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return nil, d.syntax("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if d.i+1 < len(d.data) && d.data[d.i] == '\\' && d.data[d.i+1] == 'u' {
					save := d.i
					d.i += 2
					var ok2 bool
					if r2, ok2 = d.hex4(); !ok2 {
						return nil, d.syntax("invalid \\u escape")
					}
					if utf16.DecodeRune(r, r2) == utf8.RuneError {
						d.i = save // not a pair: decode the second on its own
						r2 = -1
					}
				}
				if r2 < 0 {
					r = utf8.RuneError
				} else {
					r = utf16.DecodeRune(r, r2)
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			d.i--
			return nil, d.syntax("invalid escape")
		}
	}
	return nil, d.syntax("unterminated string")
}

func (d *decoder) hex4() (rune, bool) {
	if d.i+4 > len(d.data) {
		return 0, false
	}
	var r rune
	for _, c := range d.data[d.i : d.i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	d.i += 4
	return r, true
}

func (d *decoder) str() (string, error) {
	b, err := d.rawString()
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// skip consumes any JSON value (of an unknown member).
func (d *decoder) skip(depth int) error {
	if depth > 64 {
		return d.syntax("nested too deeply")
	}
	switch c := d.peek(); {
	case c == '"':
		_, err := d.rawString()
		return err
	case c == '{':
		d.i++
		if d.peek() == '}' {
			d.i++
			return nil
		}
		for {
			if _, err := d.rawString(); err != nil {
				return err
			}
			if err := d.expect(':', "':'"); err != nil {
				return err
			}
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			switch d.peek() {
			case ',':
				d.i++
			case '}':
				d.i++
				return nil
			default:
				return d.syntax("expected ',' or '}'")
			}
		}
	case c == '[':
		d.i++
		if d.peek() == ']' {
			d.i++
			return nil
		}
		for {
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			switch d.peek() {
			case ',':
				d.i++
			case ']':
				d.i++
				return nil
			default:
				return d.syntax("expected ',' or ']'")
			}
		}
	case c == 't':
		if d.literal("true") {
			return nil
		}
	case c == 'f':
		if d.literal("false") {
			return nil
		}
	case c == 'n':
		if d.literal("null") {
			return nil
		}
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	return d.syntax("invalid value")
}

// number consumes a JSON number token.
func (d *decoder) number() error {
	start := d.i
	if d.i < len(d.data) && d.data[d.i] == '-' {
		d.i++
	}
	digits := func() int {
		n := 0
		for d.i < len(d.data) && d.data[d.i] >= '0' && d.data[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if digits() == 0 {
		d.i = start
		return d.syntax("invalid number")
	}
	if d.i < len(d.data) && d.data[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return d.syntax("invalid number")
		}
	}
	if d.i < len(d.data) && (d.data[d.i] == 'e' || d.data[d.i] == 'E') {
		d.i++
		if d.i < len(d.data) && (d.data[d.i] == '+' || d.data[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return d.syntax("invalid number")
		}
	}
	return nil
}

// item reads a JSON object of attribute name → value whose values are at
// the given depth+1.
func (d *decoder) item(depth int) (Item, error) {
	if d.peek() != '{' {
		if err := d.validNext(); err != nil {
			return nil, err
		}
		return nil, errorf("Unexpected JSON value for an item or map: got " + d.jsonKind() + ", want an object")
	}
	d.i++
	it := Item{}
	if d.peek() == '}' {
		d.i++
		return it, nil
	}
	for {
		name, err := d.str()
		if err != nil {
			return nil, err
		}
		if err := d.expect(':', "':'"); err != nil {
			return nil, err
		}
		if d.peek() == 'n' && d.literal("null") {
			return nil, errorf(msgNullValue + ": " + name + " is null")
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		it[name] = v
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return it, nil
		default:
			return nil, d.syntax("expected ',' or '}'")
		}
	}
}

// The type members of an AttributeValue, as bits for counting.
func typeBit(k Kind) uint16 { return 1 << k }

// value reads one AttributeValue object at the given depth (1 for an
// item's attribute).
func (d *decoder) value(depth int) (Value, error) {
	if depth > MaxDepth {
		return Value{}, errorf(d.depthMsg)
	}
	if d.peek() != '{' {
		if err := d.validNext(); err != nil {
			return Value{}, err
		}
		return Value{}, errorf("Unexpected JSON value for an AttributeValue: got " + d.jsonKind() + ", want an object")
	}
	d.i++
	var v Value
	var types uint16
	if d.peek() == '}' {
		d.i++
		return Value{}, errorf(msgEmpty)
	}
	for {
		key, err := d.rawString()
		if err != nil {
			return Value{}, err
		}
		kind := typeKind(key)
		if err := d.expect(':', "':'"); err != nil {
			return Value{}, err
		}
		switch {
		case d.peek() == 'n' && d.literal("null"):
			// An absent member.
		case kind == Invalid:
			if err := d.skip(0); err != nil {
				return Value{}, err
			}
		default:
			if v, err = d.typed(kind, depth); err != nil {
				return Value{}, err
			}
			types |= typeBit(kind)
		}
		switch d.peek() {
		case ',':
			d.i++
			continue
		case '}':
			d.i++
		default:
			return Value{}, d.syntax("expected ',' or '}'")
		}
		break
	}
	switch {
	case types == 0:
		return Value{}, errorf(msgEmpty)
	case types&(types-1) != 0:
		return Value{}, errorf(msgMultiple)
	}
	return v, nil
}

// typeKind maps a type member name to its kind; Invalid for any other.
func typeKind(key []byte) Kind {
	switch string(key) {
	case "S":
		return S
	case "N":
		return N
	case "B":
		return B
	case "BOOL":
		return BOOL
	case "NULL":
		return NULL
	case "M":
		return M
	case "L":
		return L
	case "SS":
		return SS
	case "NS":
		return NS
	case "BS":
		return BS
	}
	return Invalid
}

// typed reads the (non-null) content of the type member kind.
func (d *decoder) typed(kind Kind, depth int) (Value, error) {
	switch kind {
	case S:
		if d.peek() != '"' {
			return Value{}, d.shape("S", "a string")
		}
		s, err := d.str()
		return Value{Kind: S, Str: s}, err
	case N:
		if d.peek() != '"' {
			return Value{}, d.shape("N", "a string")
		}
		b, err := d.rawString()
		if err != nil {
			return Value{}, err
		}
		s, err := canonicalBytes(b)
		return Value{Kind: N, Str: s}, err
	case B:
		if d.peek() != '"' {
			return Value{}, d.shape("B", "a base64 string")
		}
		b, err := d.binary()
		return Value{Kind: B, Bin: b}, err
	case BOOL:
		switch {
		case d.literal("true"):
			return Value{Kind: BOOL, Bool: true}, nil
		case d.literal("false"):
			return Value{Kind: BOOL}, nil
		}
		return Value{}, d.shape("BOOL", "a boolean")
	case NULL:
		switch {
		case d.literal("true"):
			return Value{Kind: NULL}, nil
		case d.literal("false"):
			return Value{}, errorf(msgNullFalse)
		}
		return Value{}, d.shape("NULL", "true")
	case M:
		if d.peek() != '{' {
			return Value{}, d.shape("M", "an object")
		}
		it, err := d.item(depth)
		return Value{Kind: M, Map: it}, err
	case L:
		return d.list(depth)
	case SS:
		return d.stringSet()
	case NS:
		return d.numberSet()
	case BS:
		return d.binarySet()
	}
	return Value{}, errorf(msgEmpty)
}

// canonicalBytes canonicalizes a number text, allocating its string once.
func canonicalBytes(b []byte) (string, error) {
	if sig, sci, ok := isCanonical(string(b)); ok { // no allocation: the conversion does not escape
		if sig != 0 {
			if err := limitsError(sig, sci); err != nil {
				return "", err
			}
		}
		return string(b), nil
	}
	return canonicalize(string(b))
}

// limitsError checks a nonzero canonical number's significant digit count
// and scientific exponent.
func limitsError(sig, sci int) error {
	switch {
	case sig > maxDigits:
		return errorf(msgPrecision)
	case sci > maxSciExp:
		return errorf(msgOverflow)
	case sci < minSciExp:
		return errorf(msgUnderflow)
	}
	return nil
}

// binary reads a base64 string (standard alphabet, padded; line breaks are
// ignored as DynamoDB ignores them).
func (d *decoder) binary() ([]byte, error) {
	b, err := d.rawString()
	if err != nil {
		return nil, err
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(out, b)
	if err != nil {
		return nil, errorf("Invalid Base64 in a binary value: " + err.Error())
	}
	return out[:n:n], nil
}

func (d *decoder) list(depth int) (Value, error) {
	if d.peek() != '[' {
		return Value{}, d.shape("L", "an array")
	}
	d.i++
	l := []Value{}
	if d.peek() == ']' {
		d.i++
		return Value{Kind: L, List: l}, nil
	}
	for {
		if d.peek() == 'n' && d.literal("null") {
			return Value{}, errorf(msgNullValue)
		}
		e, err := d.value(depth + 1)
		if err != nil {
			return Value{}, err
		}
		l = append(l, e)
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return Value{Kind: L, List: l}, nil
		default:
			return Value{}, d.syntax("expected ',' or ']'")
		}
	}
}

// elements calls each for every element of a JSON array; null elements get
// isNull true.
func (d *decoder) elements(typ string, each func(isNull bool) error) error {
	if d.peek() != '[' {
		return d.shape(typ, "an array")
	}
	d.i++
	if d.peek() == ']' {
		d.i++
		return nil
	}
	for {
		isNull := d.peek() == 'n' && d.literal("null")
		if err := each(isNull); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return nil
		default:
			return d.syntax("expected ',' or ']'")
		}
	}
}

func (d *decoder) stringSet() (Value, error) {
	ss := []string{}
	err := d.elements("SS", func(isNull bool) error {
		if isNull {
			return errorf(msgNullSSMember)
		}
		if d.peek() != '"' {
			return d.shape("SS", "an array of strings")
		}
		s, err := d.str()
		ss = append(ss, s)
		return err
	})
	if err != nil {
		return Value{}, err
	}
	if len(ss) == 0 {
		return Value{}, errorf(msgEmptySS)
	}
	if hasDuplicate(ss, func(x, y string) bool { return x == y }, appendString) {
		// DynamoDB lists the collection as Java prints a list.
		msg := []byte("One or more parameter values were invalid: Input collection [")
		for i, s := range ss {
			if i > 0 {
				msg = append(msg, ", "...)
			}
			msg = append(msg, s...)
		}
		msg = append(msg, "] contains duplicates"...)
		return Value{}, errorf(string(msg))
	}
	return Value{Kind: SS, Strs: ss}, nil
}

func (d *decoder) numberSet() (Value, error) {
	ns := []string{}
	var seen map[string]struct{} // for large sets
	err := d.elements("NS", func(isNull bool) error {
		if isNull {
			return errorf(msgBadNumber)
		}
		if d.peek() != '"' {
			return d.shape("NS", "an array of strings")
		}
		b, err := d.rawString()
		if err != nil {
			return err
		}
		s, err := canonicalBytes(b)
		if err != nil {
			return err
		}
		// Canonical texts are equal exactly when the numbers are.
		if len(ns) < 16 {
			for _, t := range ns {
				if t == s {
					return errorf(msgDupNS)
				}
			}
		} else {
			if seen == nil {
				seen = make(map[string]struct{}, 2*len(ns))
				for _, t := range ns {
					seen[t] = struct{}{}
				}
			}
			if _, dup := seen[s]; dup {
				return errorf(msgDupNS)
			}
			seen[s] = struct{}{}
		}
		ns = append(ns, s)
		return nil
	})
	if err != nil {
		return Value{}, err
	}
	if len(ns) == 0 {
		return Value{}, errorf(msgEmptyNS)
	}
	return Value{Kind: NS, Strs: ns}, nil
}

func (d *decoder) binarySet() (Value, error) {
	bs := [][]byte{}
	err := d.elements("BS", func(isNull bool) error {
		if isNull {
			return errorf(msgNullBSMember)
		}
		if d.peek() != '"' {
			return d.shape("BS", "an array of base64 strings")
		}
		b, err := d.binary()
		bs = append(bs, b)
		return err
	})
	if err != nil {
		return Value{}, err
	}
	if len(bs) == 0 {
		return Value{}, errorf(msgEmptyBS)
	}
	if hasDuplicate(bs, bytes.Equal, appendBytes) {
		return Value{}, errorf(msgDupBS)
	}
	return Value{Kind: BS, Bins: bs}, nil
}

// hasDuplicate reports whether two elements of s are equal: pairwise for
// small sets, through a map of keys (key(x) == key(y) exactly when
// eq(x, y)) for large ones.
func hasDuplicate[T any](s []T, eq func(x, y T) bool, key func([]byte, T) []byte) bool {
	if len(s) <= 16 {
		for i := 1; i < len(s); i++ {
			for j := range i {
				if eq(s[i], s[j]) {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(s))
	var buf []byte
	for _, x := range s {
		buf = key(buf[:0], x)
		if _, ok := seen[string(buf)]; ok {
			return true
		}
		seen[string(buf)] = struct{}{}
	}
	return false
}
