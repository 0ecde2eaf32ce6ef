package attr

// Key encoding. AppendKey appends an encoding of an S, N or B value that
//
//   - preserves order: for two values of the same kind, bytes.Compare of
//     their encodings has the sign of Compare of the values;
//   - is self-delimiting: no encoding is a proper prefix of another of the
//     same kind, so a concatenation such as AppendKey(AppendKey(nil, pk), sk)
//     determines its parts and orders tuples lexicographically.
//
// S and B: the bytes with 0x00 escaped as 0x00 0xFF, then the terminator
// 0x00 0x01.
//
// N: a sign byte (0x80 zero, 0x81 positive, 0x7F negative); for nonzero
// numbers then the decimal exponent E (value = 0.d1d2… × 10^E) as two bytes
// big-endian of E+0x8000, then the significant digits packed in pairs (each
// pair p = 10·d1+d2, the last padded with 0, written as p+1: 1…100), then a
// terminator 0x00. Negative numbers write every byte after the sign
// inverted (255-b), so larger magnitudes sort first. Canonical digits end in
// a nonzero digit, so padding never makes two numbers collide. A Str that is
// not a number (never produced by this package) encodes as 0xFF followed by
// its escaped bytes and terminator, after every number.

const (
	numNeg     = 0x7F
	numZero    = 0x80
	numPos     = 0x81
	numInvalid = 0xFF
	expBias    = 0x8000
)

// AppendKey appends v's order-preserving, self-delimiting key encoding to
// dst (see the package's key encoding comment). Only S, N and B values have
// one: any other kind appends nothing, so callers validate key kinds first.
func AppendKey(dst []byte, v Value) []byte {
	switch v.Kind {
	case S:
		return append(appendEscaped(dst, v.Str), 0x00, 0x01)
	case B:
		return append(appendEscaped(dst, v.Bin), 0x00, 0x01)
	case N:
		d, ok := parseDecimal(v.Str)
		if !ok {
			return append(appendEscaped(append(dst, numInvalid), v.Str), 0x00, 0x01)
		}
		return appendNumberKey(dst, &d)
	}
	return dst
}

// AppendKeyPrefix appends the encoding every S or B key beginning with v
// starts with: v's escaped bytes without the terminator. So the keys whose
// value begins with v (begins_with) are exactly those whose encoding has
// AppendKeyPrefix(prefix, v) as a prefix, where prefix is the encoding of
// any preceding tuple parts. Other kinds append nothing.
func AppendKeyPrefix(dst []byte, v Value) []byte {
	switch v.Kind {
	case S:
		return appendEscaped(dst, v.Str)
	case B:
		return appendEscaped(dst, v.Bin)
	}
	return dst
}

func appendEscaped[T string | []byte](dst []byte, s T) []byte {
	for {
		i := indexZero(s)
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		dst = append(dst, 0x00, 0xFF)
		s = s[i+1:]
	}
}

func indexZero[T string | []byte](s T) int {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return i
		}
	}
	return -1
}

func appendNumberKey(dst []byte, d *decimal) []byte {
	if d.nd == 0 {
		return append(dst, numZero)
	}
	var inv byte // 0 or 0xFF: XOR mask
	if d.neg {
		dst = append(dst, numNeg)
		inv = 0xFF
	} else {
		dst = append(dst, numPos)
	}
	e := d.exp + expBias
	e = max(0, min(e, 0xFFFF)) // out-of-range exponents only (never canonical)
	dst = append(dst, byte(e>>8)^inv, byte(e)^inv)
	ds := d.digits()
	for i := 0; i < len(ds); i += 2 {
		p := int(ds[i]-'0') * 10
		if i+1 < len(ds) {
			p += int(ds[i+1] - '0')
		}
		dst = append(dst, byte(p+1)^inv)
	}
	return append(dst, 0x00^inv)
}
