package intrinsic

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParse checks that Parse never panics, rejects only with a
// *SyntaxError, and that an accepted call round-trips: String() is the text
// as written, Parse(String()) and Parse of the canonical form give the same
// call. Eval of an accepted call must not panic either.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"States.UUID()", "States.UUID(", "States.Foo()", "States.Array( $.a , $.b )",
		"States.Format('Name: \\'{}\\', \\{x\\} \\\\ {}', $.name, $$.Execution.Input.suffix)",
		"States.Format('Hello {{}}', $.a)", "States.Format('}')",
		"States.ArrayRange(States.MathAdd($.base, 1), States.MathAdd($.base, 5), 2)",
		"States.Array(false, '', 0, null, -1.5e3, $['x y'], $.a[0], $..b, $v.n)",
		"States.JsonToString(States.StringToJson($.json))", "States.MathRandom(1, 1000, 1)",
		"States.Hash(States.Format('{}:{}', $.a, $.b), 'SHA-256')", "States.JsonMerge($.a, $.b, false)",
		"States.StringSplit($.str, ',')", "States.Base64Decode('aGVsbG8=')", "States.ArrayPartition($.a, 2.4)",
		"States.Array($.a[?(@.b > 1)])", "States.Array($['a\\'b'])",
	} {
		f.Add(s)
	}
	sample := []any{json.Number("1"), "a", nil, map[string]any{"k": true}}
	resolve := func(string) (any, error) { return sample, nil }
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error %T %v, want *SyntaxError", s, err, err)
			}
			return
		}
		if c.String() != s {
			t.Fatalf("String() = %q, want %q", c.String(), s)
		}
		again, err := Parse(c.String())
		if err != nil || again.canonical() != c.canonical() {
			t.Fatalf("Parse(String()) of %q = %v, %v", s, again, err)
		}
		canon := c.canonical()
		fromCanon, err := Parse(canon)
		if err != nil || fromCanon.canonical() != canon {
			t.Fatalf("canonical %q of %q does not round-trip: %v", canon, s, err)
		}
		if _, err := c.Eval(resolve); err != nil {
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("Eval(%q) error %T %v, want *Error", s, err, err)
			}
		}
	})
}
