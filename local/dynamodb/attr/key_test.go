package attr_test

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

func key(vs ...attr.Value) []byte {
	var b []byte
	for _, v := range vs {
		b = attr.AppendKey(b, v)
	}
	return b
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

// compareTuples compares key tuples lexicographically with attr.Compare.
func compareTuples(a, b []attr.Value) int {
	for i := range min(len(a), len(b)) {
		if c, _ := attr.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// checkKeyOrder fails unless the encodings of every pair of same-kind
// tuples order like the tuples and collide only when they are equal.
func checkKeyOrder(t *testing.T, tuples [][]attr.Value) {
	t.Helper()
	encs := make([][]byte, len(tuples))
	for i, tu := range tuples {
		encs[i] = key(tu...)
	}
	for i := range tuples {
		for j := range tuples {
			want := sign(compareTuples(tuples[i], tuples[j]))
			if got := sign(bytes.Compare(encs[i], encs[j])); got != want {
				t.Fatalf("bytes.Compare(key(%s), key(%s)) = %d, want %d\n%x\n%x",
					show(tuples[i]), show(tuples[j]), got, want, encs[i], encs[j])
			}
		}
	}
}

func show(vs []attr.Value) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, string(attr.AppendValueJSON(nil, v)))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// trickyStrings exercise the escaping: zero bytes, the escape and
// terminator bytes, prefixes of one another.
var trickyStrings = []string{
	"", "\x00", "\x00\x00", "\x00\x01", "\x00\xff", "\x01", "\xff", "\xff\x00",
	"a", "a\x00", "a\x00b", "a\x01", "ab", "a\xff", "b", "x.y", "x", "y.z", "z",
	"\x00b", "é", "😀",
}

var trickyNumbers = []string{
	"0", "1", "-1", "10", "-10", "9", "-9", "0.5", "-0.5", "0.05", "1.5", "-1.5",
	"100", "99.99", "1E+125", "-1E+125", "1E-130", "-1E-130", "9.9999999999999999999999999999999999999E+125",
	"-9.9999999999999999999999999999999999999E+125", "12345678901234567890123456789012345678",
	"0.12345678901234567890123456789012345678", "1.01", "1.1", "1.001", "-1.01", "-1.1",
	"101", "110", "1010", "11", "-11", "-101",
}

func TestAppendKey_order(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	strs := slices.Clone(trickyStrings)
	for range 150 {
		strs = append(strs, randomBytes(r))
	}
	nums := slices.Clone(trickyNumbers)
	for range 150 {
		nums = append(nums, randomNumber(r, 38))
	}
	var sTuples, bTuples, nTuples, mixed [][]attr.Value
	for _, s := range strs {
		sTuples = append(sTuples, []attr.Value{attr.Str(s)})
		bTuples = append(bTuples, []attr.Value{attr.Bytes([]byte(s))})
	}
	for _, n := range nums {
		nTuples = append(nTuples, []attr.Value{attr.Num(n)})
	}
	t.Run("S", func(t *testing.T) { checkKeyOrder(t, sTuples) })
	t.Run("B", func(t *testing.T) { checkKeyOrder(t, bTuples) })
	t.Run("N", func(t *testing.T) { checkKeyOrder(t, nTuples) })

	// (S, S), (S, N) and (B, B) tuples, including the classic collisions
	// ("x.y","z") vs ("x","y.z") and ("a\x00","b") vs ("a","\x00b").
	for _, a := range trickyStrings {
		for _, b := range trickyStrings {
			mixed = append(mixed, []attr.Value{attr.Str(a), attr.Str(b)})
		}
	}
	t.Run("S,S", func(t *testing.T) { checkKeyOrder(t, mixed) })
	mixed = nil
	for _, a := range trickyStrings[:10] {
		for _, n := range trickyNumbers {
			mixed = append(mixed, []attr.Value{attr.Str(a), attr.Num(n)})
		}
	}
	t.Run("S,N", func(t *testing.T) { checkKeyOrder(t, mixed) })
	mixed = nil
	for _, a := range trickyNumbers {
		for _, b := range trickyStrings[:10] {
			mixed = append(mixed, []attr.Value{attr.Num(a), attr.Bytes([]byte(b))})
		}
	}
	t.Run("N,B", func(t *testing.T) { checkKeyOrder(t, mixed) })
}

func randomBytes(r *rand.Rand) string {
	alphabet := []byte{0x00, 0x01, 0xfe, 0xff, 'a', 'b'}
	n := r.IntN(6)
	b := make([]byte, n)
	for i := range b {
		if r.IntN(4) == 0 {
			b[i] = byte(r.IntN(256))
		} else {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
	}
	return string(b)
}

func TestAppendKey(t *testing.T) {
	tests := []struct {
		name string
		v    attr.Value
		want []byte
	}{
		{"S", attr.Str("a\x00b"), []byte{'a', 0, 0xff, 'b', 0, 1}},
		{"B", attr.Bytes([]byte{0}), []byte{0, 0xff, 0, 1}},
		{"zero", attr.Num("0"), []byte{0x80}},
		{"one", attr.Num("1"), []byte{0x81, 0x80, 0x01, 11, 0}},
		{"minus one", attr.Num("-1"), []byte{0x7f, 0x7f, 0xfe, 255 - 11, 0xff}},
		{"123.4", attr.Num("123.4"), []byte{0x81, 0x80, 0x03, 13, 35, 0}},
		{"equal texts", attr.Value{Kind: attr.N, Str: "1.00"}, []byte{0x81, 0x80, 0x01, 11, 0}},
		{"not a number", attr.Value{Kind: attr.N, Str: "x"}, []byte{0xff, 'x', 0, 1}},
		{"BOOL", attr.Value{Kind: attr.BOOL, Bool: true}, nil},
		{"SS", ss("a"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := attr.AppendKey(nil, tc.v); !bytes.Equal(got, tc.want) {
				t.Errorf("AppendKey = %x, want %x", got, tc.want)
			}
		})
	}
}

func TestAppendKeyPrefix(t *testing.T) {
	pk := attr.AppendKey(nil, attr.Str("p"))
	for _, p := range trickyStrings {
		for _, s := range trickyStrings {
			for _, mk := range []func(string) attr.Value{attr.Str, func(s string) attr.Value { return attr.Bytes([]byte(s)) }} {
				prefix := attr.AppendKeyPrefix(slices.Clone(pk), mk(p))
				k := attr.AppendKey(slices.Clone(pk), mk(s))
				if got, want := bytes.HasPrefix(k, prefix), strings.HasPrefix(s, p); got != want {
					t.Errorf("key(%q) has prefix(%q): %v, want %v", s, p, got, want)
				}
			}
		}
	}
	if got := attr.AppendKeyPrefix([]byte("x"), attr.Num("1")); string(got) != "x" {
		t.Errorf("AppendKeyPrefix(N) = %q", got)
	}
}

// FuzzAppendKey checks order preservation and the absence of collisions on
// (S, S), (B, B) and (N, N) tuples.
func FuzzAppendKey(f *testing.F) {
	f.Add("x.y", "z", "x", "y.z", "1", "-1")
	f.Add("a\x00", "b", "a", "\x00b", "0.5", "5E-1")
	f.Add("", "\x00", "\x00", "", "1E+125", "-1E-130")
	f.Add("\x00\x01", "", "\x00", "\x01", "10", "9.99")
	f.Add("a\xff", "\x00", "a", "\xff\x00", "123456789012345678901234567890", "123456789012345678901234567891")
	f.Fuzz(func(t *testing.T, a1, a2, b1, b2, n1, n2 string) {
		ta := []attr.Value{attr.Str(a1), attr.Str(a2)}
		tb := []attr.Value{attr.Str(b1), attr.Str(b2)}
		checkKeyOrder(t, [][]attr.Value{ta, tb})
		ba := []attr.Value{attr.Bytes([]byte(a1)), attr.Bytes([]byte(a2))}
		bb := []attr.Value{attr.Bytes([]byte(b1)), attr.Bytes([]byte(b2))}
		checkKeyOrder(t, [][]attr.Value{ba, bb})
		c1, err1 := attr.CanonicalNumber(n1)
		c2, err2 := attr.CanonicalNumber(n2)
		if err1 != nil || err2 != nil {
			return
		}
		x, y := attr.Value{Kind: attr.N, Str: c1}, attr.Value{Kind: attr.N, Str: c2}
		checkKeyOrder(t, [][]attr.Value{{x, ta[0]}, {y, tb[0]}, {x, tb[0]}, {y, ta[0]}})
		checkKeyOrder(t, [][]attr.Value{{x, y}, {y, x}, {x, x}, {y, y}})
		// Numerically equal texts encode equally.
		raw := attr.Value{Kind: attr.N, Str: n1}
		if !bytes.Equal(attr.AppendKey(nil, raw), attr.AppendKey(nil, x)) {
			t.Fatalf("key(%q) != key(%q)", n1, c1)
		}
		if _, err := strconv.ParseFloat(c1, 64); err != nil && !strings.Contains(err.Error(), "range") {
			t.Fatalf("canonical %q is not a plain number: %v", c1, err)
		}
	})
}
