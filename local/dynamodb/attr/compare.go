package attr

import (
	"bytes"
	"strings"
)

// Equal reports whether a and b are equal as DynamoDB compares values: the
// same kind; numbers numerically ("1.0" = "1"); strings and binaries
// bytewise; sets as sets (order ignored); maps and lists deeply; all NULLs
// equal; two Invalid values are equal.
func Equal(a, b Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case Invalid, NULL:
		return true
	case S:
		return a.Str == b.Str
	case N:
		return a.Str == b.Str || CompareNumbers(a.Str, b.Str) == 0
	case B:
		return bytes.Equal(a.Bin, b.Bin)
	case BOOL:
		return a.Bool == b.Bool
	case M:
		if len(a.Map) != len(b.Map) {
			return false
		}
		for k, av := range a.Map {
			bv, ok := b.Map[k]
			if !ok || !Equal(av, bv) {
				return false
			}
		}
		return true
	case L:
		if len(a.List) != len(b.List) {
			return false
		}
		for i := range a.List {
			if !Equal(a.List[i], b.List[i]) {
				return false
			}
		}
		return true
	case SS:
		return sameSet(a.Strs, b.Strs, func(x, y string) bool { return x == y }, appendString)
	case NS:
		return sameSet(a.Strs, b.Strs, func(x, y string) bool { return x == y || CompareNumbers(x, y) == 0 }, appendNumberText)
	case BS:
		return sameSet(a.Bins, b.Bins, bytes.Equal, appendBytes)
	}
	return false
}

// sameSet reports whether a and b hold the same elements. Sets hold no
// duplicates; for robustness each side's elements are looked up in the
// other. Small sets compare pairwise (no allocation); large ones through a
// map of keys, key(x) == key(y) exactly when eq(x, y).
func sameSet[T any](a, b []T, eq func(x, y T) bool, key func([]byte, T) []byte) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) <= 32 {
		return subset(a, b, eq) && subset(b, a, eq)
	}
	return subsetLarge(a, b, key) && subsetLarge(b, a, key)
}

func subset[T any](a, b []T, eq func(x, y T) bool) bool {
outer:
	for _, x := range a {
		for _, y := range b {
			if eq(x, y) {
				continue outer
			}
		}
		return false
	}
	return true
}

func subsetLarge[T any](a, b []T, key func([]byte, T) []byte) bool {
	seen := make(map[string]struct{}, len(b))
	var buf []byte
	for _, x := range b {
		buf = key(buf[:0], x)
		seen[string(buf)] = struct{}{}
	}
	for _, y := range a {
		buf = key(buf[:0], y)
		if _, ok := seen[string(buf)]; !ok {
			return false
		}
	}
	return true
}

func appendString(dst []byte, s string) []byte { return append(dst, s...) }
func appendBytes(dst, b []byte) []byte         { return append(dst, b...) }

// appendNumberText appends a number's key encoding, equal for numerically
// equal texts ("1.0", "1"); unparsable texts append themselves after a tag
// no number encoding starts with.
func appendNumberText(dst []byte, s string) []byte {
	return AppendKey(dst, Value{Kind: N, Str: s})
}

// Compare orders two values of the same scalar kind as DynamoDB orders sort
// keys and comparison operators: S by UTF-8 bytes, N numerically, B by
// bytes. It returns ok=false for different kinds or any other kind.
func Compare(a, b Value) (c int, ok bool) {
	if a.Kind != b.Kind {
		return 0, false
	}
	switch a.Kind {
	case S:
		return strings.Compare(a.Str, b.Str), true
	case N:
		return CompareNumbers(a.Str, b.Str), true
	case B:
		return bytes.Compare(a.Bin, b.Bin), true
	}
	return 0, false
}
