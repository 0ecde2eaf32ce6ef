package attr_test

import (
	"strconv"
	"testing"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

func ns(s ...string) attr.Value { return attr.Value{Kind: attr.NS, Strs: s} }
func ss(s ...string) attr.Value { return attr.Value{Kind: attr.SS, Strs: s} }
func bs(b ...string) attr.Value {
	v := attr.Value{Kind: attr.BS}
	for _, x := range b {
		v.Bins = append(v.Bins, []byte(x))
	}
	return v
}
func list(v ...attr.Value) attr.Value { return attr.Value{Kind: attr.L, List: v} }
func mp(kv ...any) attr.Value {
	m := attr.Item{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(attr.Value)
	}
	return attr.Value{Kind: attr.M, Map: m}
}

var (
	null   = attr.Value{Kind: attr.NULL}
	true_  = attr.Value{Kind: attr.BOOL, Bool: true}
	false_ = attr.Value{Kind: attr.BOOL}
)

func TestEqual(t *testing.T) {
	bigA, bigB := ns(), ns()
	for i := range 100 {
		bigA.Strs = append(bigA.Strs, strconv.Itoa(i))
		bigB.Strs = append(bigB.Strs, strconv.Itoa(99-i)+".0")
	}
	bigC := ns(append([]string{"1000"}, bigA.Strs[1:]...)...)
	bigS, bigS2 := ss(bigA.Strs...), ss(bigB.Strs...)
	tests := []struct {
		name string
		a, b attr.Value
		want bool
	}{
		{"S", attr.Str("a"), attr.Str("a"), true},
		{"S differs", attr.Str("a"), attr.Str("b"), false},
		{"S vs N", attr.Str("1"), attr.Num("1"), false},
		{"N numeric", attr.Num("1.0"), attr.Num("1"), true},
		{"N raw texts", attr.Value{Kind: attr.N, Str: "1.0"}, attr.Value{Kind: attr.N, Str: "01"}, true},
		{"N differs", attr.Num("1"), attr.Num("-1"), false},
		{"B", attr.Bytes([]byte{1}), attr.Bytes([]byte{1}), true},
		{"B nil vs empty", attr.Bytes(nil), attr.Bytes([]byte{}), true},
		{"B differs", attr.Bytes([]byte{1}), attr.Bytes([]byte{2}), false},
		{"BOOL", true_, true_, true},
		{"BOOL differs", true_, false_, false},
		{"NULL", null, attr.Value{Kind: attr.NULL, Bool: true}, true},
		{"invalid", attr.Value{}, attr.Value{}, true},
		{"invalid vs NULL", attr.Value{}, null, false},
		{"SS order", ss("a", "b"), ss("b", "a"), true},
		{"SS differs", ss("a", "b"), ss("a", "c"), false},
		{"SS length", ss("a"), ss("a", "b"), false},
		{"NS numeric", ns("1", "2.50"), ns("2.5", "1.0"), true},
		{"NS differs", ns("1", "2"), ns("1", "3"), false},
		{"NS vs SS", ns("1"), ss("1"), false},
		{"BS order", bs("a", "b"), bs("b", "a"), true},
		{"BS differs", bs("a", "b"), bs("a", "a"), false},
		{"large NS", bigA, bigB, true},
		{"large NS differs", bigA, bigC, false},
		{"large SS not numeric", bigS, bigS2, false},
		{"M", mp("a", attr.Num("1"), "b", list(null)), mp("b", list(null), "a", attr.Num("1.0")), true},
		{"M missing key", mp("a", null), mp("b", null), false},
		{"M size", mp("a", null), mp("a", null, "b", null), false},
		{"M nested differs", mp("a", mp("x", attr.Str("1"))), mp("a", mp("x", attr.Str("2"))), false},
		{"M empty vs nil", attr.Value{Kind: attr.M}, mp(), true},
		{"L", list(attr.Str("a"), ns("1", "2")), list(attr.Str("a"), ns("2", "1")), true},
		{"L order", list(attr.Str("a"), attr.Str("b")), list(attr.Str("b"), attr.Str("a")), false},
		{"L length", list(attr.Str("a")), list(), false},
		{"L vs M", list(), mp(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := attr.Equal(tc.a, tc.b); got != tc.want {
				t.Errorf("Equal(a, b) = %v, want %v", got, tc.want)
			}
			if got := attr.Equal(tc.b, tc.a); got != tc.want {
				t.Errorf("Equal(b, a) = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name   string
		a, b   attr.Value
		want   int
		wantOK bool
	}{
		{"S less", attr.Str("a"), attr.Str("b"), -1, true},
		{"S prefix", attr.Str("a"), attr.Str("ab"), -1, true},
		{"S bytes not runes", attr.Str("\uffff"), attr.Str("\U00010000"), -1, true},
		{"S upper before lower", attr.Str("Z"), attr.Str("a"), -1, true},
		{"S equal", attr.Str("x"), attr.Str("x"), 0, true},
		{"N numeric not textual", attr.Num("9"), attr.Num("10"), -1, true},
		{"N negative", attr.Num("-10"), attr.Num("-9"), -1, true},
		{"N equal", attr.Num("1"), attr.Value{Kind: attr.N, Str: "1.00"}, 0, true},
		{"B unsigned bytes", attr.Bytes([]byte{0x7f}), attr.Bytes([]byte{0x80}), -1, true},
		{"B greater", attr.Bytes([]byte{1, 0}), attr.Bytes([]byte{1}), 1, true},
		{"kinds differ", attr.Str("1"), attr.Num("1"), 0, false},
		{"BOOL", true_, true_, 0, false},
		{"NULL", null, null, 0, false},
		{"SS", ss("a"), ss("a"), 0, false},
		{"L", list(), list(), 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := attr.Compare(tc.a, tc.b)
			if c != tc.want || ok != tc.wantOK {
				t.Errorf("Compare(a, b) = %d, %v; want %d, %v", c, ok, tc.want, tc.wantOK)
			}
			if ok {
				if c2, _ := attr.Compare(tc.b, tc.a); c2 != -c {
					t.Errorf("Compare(b, a) = %d, want %d", c2, -c)
				}
			}
		})
	}
}

func TestKind_String(t *testing.T) {
	want := []string{"Invalid", "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS", "Invalid"}
	for k := range attr.Kind(len(want)) {
		if got := k.String(); got != want[k] {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want[k])
		}
	}
}

func TestValue_Clone(t *testing.T) {
	orig := mp(
		"b", attr.Bytes([]byte{1}),
		"l", list(attr.Str("x"), bs("a")),
		"ss", ss("a"),
		"m", mp("n", attr.Num("1")),
	)
	c := orig.Clone()
	if !attr.Equal(orig, c) {
		t.Fatal("clone differs")
	}
	// Mutate the clone everywhere; the original must not change.
	c.Map["b"].Bin[0] = 9
	c.Map["l"].List[0] = attr.Str("y")
	c.Map["l"].List[1].Bins[0][0] = 'z'
	c.Map["ss"].Strs[0] = "z"
	c.Map["m"].Map["n"] = attr.Num("2")
	c.Map["new"] = null
	want := mp(
		"b", attr.Bytes([]byte{1}),
		"l", list(attr.Str("x"), bs("a")),
		"ss", ss("a"),
		"m", mp("n", attr.Num("1")),
	)
	if !attr.Equal(orig, want) {
		t.Fatalf("original changed: %s", attr.AppendValueJSON(nil, orig))
	}
	if attr.Item(nil).Clone() != nil {
		t.Fatal("nil item clone is not nil")
	}
}

func TestDepth(t *testing.T) {
	tests := []struct {
		v    attr.Value
		want int
	}{
		{attr.Str("x"), 1},
		{ss("a"), 1},
		{list(), 1},
		{list(attr.Str("x")), 2},
		{mp("a", list(mp())), 3},
		{mp("a", attr.Str("x"), "b", list(list(null))), 4},
	}
	for _, tc := range tests {
		if got := attr.Depth(tc.v); got != tc.want {
			t.Errorf("Depth(%s) = %d, want %d", attr.AppendValueJSON(nil, tc.v), got, tc.want)
		}
	}
}
