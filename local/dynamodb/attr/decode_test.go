package attr_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

// decodeAsItem decodes a wire value as the attribute "v" of an item, as
// the oracle test stores it.
func decodeAsItem(in string) (attr.Value, error) {
	it, err := attr.DecodeItem([]byte(`{"v":` + in + `}`))
	if err != nil {
		return attr.Value{}, err
	}
	return it["v"], nil
}

func TestDecodeItem_values(t *testing.T) {
	for _, tc := range valueCases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := decodeAsItem(tc.in)
			if tc.err != "" {
				var ae *attr.Error
				if !errors.As(err, &ae) || ae.Msg != tc.err {
					t.Fatalf("got (%s, %v), want *attr.Error %q", attr.AppendValueJSON(nil, v), err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeItem: %v", err)
			}
			want := tc.want
			if want == "" {
				want = tc.in
			}
			if got := string(attr.AppendValueJSON(nil, v)); got != want {
				t.Fatalf("encoded %s, want %s", got, want)
			}
			// Round trip: decoding the encoding gives an equal value.
			back, err := attr.DecodeValue([]byte(want))
			if err != nil || !attr.Equal(back, v) {
				t.Fatalf("DecodeValue(%s) = %+v, %v; want %+v", want, back, err, v)
			}
		})
	}
}

func TestDecodeValue(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{name: "whitespace", in: " \n{ \"S\" : \"x\" }\t", want: `{"S":"x"}`},
		{name: "null", in: `null`, err: "The supplied Item contains a null AttributeValue"},
		{name: "depth 32", in: nested(31), want: nested(31)},
		{name: "depth 33", in: nested(32), err: "Nesting Levels have exceeded supported limits"},
		{name: "trailing data", in: `{"S":"x"} x`, err: "Invalid JSON: unexpected data after the value at offset 10"},
		{name: "truncated", in: `{"S":"x"`, err: "Invalid JSON: expected ',' or '}' (unexpected end of input)"},
		{name: "unterminated string", in: `{"S":"x`, err: "Invalid JSON: unterminated string (unexpected end of input)"},
		{name: "bad escape", in: `{"S":"\x"}`, err: "Invalid JSON: invalid escape at offset 7"},
		{name: "bad unicode escape", in: `{"S":"\u12"}`, err: "Invalid JSON: invalid \\u escape at offset 8"},
		{name: "control character", in: "{\"S\":\"a\x01\"}", err: "Invalid JSON: control character in a string at offset 7"},
		{name: "invalid UTF-8", in: "{\"S\":\"a\xffb\"}", want: "{\"S\":\"a\uFFFDb\"}"},
		{name: "invalid UTF-8 with escape", in: "{\"S\":\"\\n\xff\"}", want: "{\"S\":\"\\n\uFFFD\"}"},
		{name: "surrogate pair", in: `{"S":"\uD83D\uDE00"}`, want: `{"S":"😀"}`},
		{name: "unpaired high surrogate then escape", in: `{"S":"\ud800\u0041"}`, want: "{\"S\":\"\uFFFDA\"}"},
		{name: "escaped key", in: `{"\u0053":"x"}`, want: `{"S":"x"}`},
		{name: "unknown member with nested JSON", in: `{"X":{"a":[1,2.5e3,true,false,null,"s"]},"S":"x"}`, want: `{"S":"x"}`},
		{name: "unknown member bad number", in: `{"X":01x,"S":"x"}`, err: "Invalid JSON: expected ',' or '}' at offset 7"},
		{name: "bare word", in: `{"BOOL":tru}`, err: "Invalid JSON: invalid value at offset 8"},
		{name: "literal prefix", in: `{"BOOL":truex}`, err: "Invalid JSON: invalid value at offset 8"},
		{name: "missing colon", in: `{"S" "x"}`, err: "Invalid JSON: expected ':' at offset 5"},
		{name: "not JSON", in: `x`, err: "Invalid JSON: invalid value at offset 0"},
		{name: "empty input", in: ``, err: "Invalid JSON: invalid value (unexpected end of input)"},
		{name: "L missing comma", in: `{"L":[{"S":"a"} {"S":"b"}]}`, err: "Invalid JSON: expected ',' or ']' at offset 16"},
		{name: "large NS duplicate", in: `{"NS":[` + numberList(40) + `,"7.0"]}`, err: "Input collection contains duplicates"},
		{name: "large NS", in: `{"NS":[` + numberList(40) + `]}`, want: `{"NS":[` + numberList(40) + `]}`},
		{name: "large SS duplicate", in: `{"SS":[` + numberList(40) + `,"7"]}`, err: "One or more parameter values were invalid: Input collection [" + strings.ReplaceAll(strings.ReplaceAll(numberList(40), `"`, ""), ",", ", ") + ", 7] contains duplicates"},
		{name: "large BS duplicate", in: `{"BS":[` + `"AAA=",` + binList(40) + `]}`, err: "One or more parameter values were invalid: Input collection of type BS contains duplicates."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := attr.DecodeValue([]byte(tc.in))
			if tc.err != "" {
				var ae *attr.Error
				if !errors.As(err, &ae) || ae.Msg != tc.err {
					t.Fatalf("got (%s, %v), want *attr.Error %q", attr.AppendValueJSON(nil, v), err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeValue: %v", err)
			}
			if got := string(attr.AppendValueJSON(nil, v)); got != tc.want {
				t.Fatalf("encoded %s, want %s", got, tc.want)
			}
		})
	}
}

func numberList(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + itoa(i) + `"`)
	}
	return b.String()
}

func binList(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + base64.StdEncoding.EncodeToString([]byte{byte(i), byte(i >> 8)}) + `"`)
	}
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }

func intText(i int) string { return strconv.Itoa(i) }

func TestDecodeItem(t *testing.T) {
	tests := []struct {
		name, in, want, err string
		null                bool
	}{
		{name: "item", in: `{"b":{"N":"1"},"a":{"S":"x"}}`, want: `{"a":{"S":"x"},"b":{"N":"1"}}`},
		{name: "empty", in: `{}`, want: `{}`},
		{name: "null", in: ` null `, null: true},
		{name: "repeated name", in: `{"a":{"S":"x"},"a":{"S":"y"}}`, want: `{"a":{"S":"y"}}`},
		{name: "escaped name", in: `{"a\"b\u00e9":{"S":"x"}}`, want: `{"a\"bé":{"S":"x"}}`},
		{name: "null value", in: `{"pk":null}`, err: "The supplied Item contains a null AttributeValue: pk is null"},
		{name: "not an object", in: `[]`, err: "Unexpected JSON value for an item or map: got an array, want an object"},
		{name: "bad value", in: `{"a":{}}`, err: errEmpty},
		{name: "trailing", in: `{}{}`, err: "Invalid JSON: unexpected data after the value at offset 2"},
		{name: "trailing comma", in: `{"a":{"S":"x"},}`, err: "Invalid JSON: expected a string at offset 15"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it, err := attr.DecodeItem([]byte(tc.in))
			if tc.err != "" {
				var ae *attr.Error
				if !errors.As(err, &ae) || ae.Msg != tc.err {
					t.Fatalf("got (%v, %v), want *attr.Error %q", it, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeItem: %v", err)
			}
			if tc.null {
				if it != nil {
					t.Fatalf("got %v, want nil", it)
				}
				return
			}
			if got := string(attr.AppendItemJSON(nil, it)); got != tc.want {
				t.Fatalf("encoded %s, want %s", got, tc.want)
			}
		})
	}
}

// TestItem_UnmarshalJSON checks the encoding/json hooks, including null
// members of a request structure.
func TestItem_UnmarshalJSON(t *testing.T) {
	var req struct {
		Item   attr.Item
		Key    attr.Item
		Values map[string]attr.Value
		One    attr.Value
	}
	in := `{"Item":{"a":{"N":"01"}},"Key":null,"Values":{":v":{"BOOL":true}},"One":{"S":"x"}}`
	if err := json.Unmarshal([]byte(in), &req); err != nil {
		t.Fatal(err)
	}
	if req.Item["a"].Str != "1" || req.Key != nil || !req.Values[":v"].Bool || req.One.Str != "x" {
		t.Fatalf("decoded %+v", req)
	}
	out, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Item":{"a":{"N":"1"}},"Key":{},"Values":{":v":{"BOOL":true}},"One":{"S":"x"}}`
	if string(out) != want {
		t.Fatalf("encoded %s, want %s", out, want)
	}
	err = json.Unmarshal([]byte(`{"Item":{"a":{"NULL":false}}}`), &req)
	var ae *attr.Error
	if !errors.As(err, &ae) || ae.Msg != errNullFalse {
		t.Fatalf("got %v, want %q", err, errNullFalse)
	}
	var v attr.Value
	if err := v.UnmarshalJSON([]byte("null")); err != nil || v.IsValid() {
		t.Fatalf("UnmarshalJSON(null) = %v, %+v", err, v)
	}
}

func TestAppendValueJSON(t *testing.T) {
	tests := []struct {
		name string
		v    attr.Value
		want string
	}{
		{name: "invalid", v: attr.Value{}, want: `{}`},
		{name: "S controls", v: attr.Str("\x00\x1f\"\\\r\t\n<>&\u2028"), want: `{"S":"\u0000\u001f\"\\\r\t\n<>&` + "\u2028" + `"}`},
		{name: "S invalid UTF-8", v: attr.Str("a\xc3"), want: `{"S":"a\ufffd"}`},
		{name: "B", v: attr.Bytes([]byte{0, 1, 0xff}), want: `{"B":"AAH/"}`},
		{name: "BOOL false", v: attr.Value{Kind: attr.BOOL}, want: `{"BOOL":false}`},
		{name: "NULL", v: attr.Value{Kind: attr.NULL, Bool: false}, want: `{"NULL":true}`},
		{name: "M nil", v: attr.Value{Kind: attr.M}, want: `{"M":{}}`},
		{name: "L nil", v: attr.Value{Kind: attr.L}, want: `{"L":[]}`},
		{name: "SS", v: attr.Value{Kind: attr.SS, Strs: []string{"b", "a"}}, want: `{"SS":["b","a"]}`},
		{name: "NS", v: attr.Value{Kind: attr.NS, Strs: []string{"1", "-0.5"}}, want: `{"NS":["1","-0.5"]}`},
		{name: "BS", v: attr.Value{Kind: attr.BS, Bins: [][]byte{{1}, {}}}, want: `{"BS":["AQ==",""]}`},
		{name: "M sorted", v: attr.Value{Kind: attr.M, Map: attr.Item{"b": attr.Str("1"), "a": attr.Num("2"), "": attr.Value{Kind: attr.NULL}}}, want: `{"M":{"":{"NULL":true},"a":{"N":"2"},"b":{"S":"1"}}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(attr.AppendValueJSON([]byte("x"), tc.v))
			if got != "x"+tc.want {
				t.Fatalf("got %s, want x%s", got, tc.want)
			}
			if tc.v.IsValid() && !json.Valid([]byte(tc.want)) {
				t.Fatalf("%s is not valid JSON", tc.want)
			}
		})
	}
}

func TestAppendItemJSON(t *testing.T) {
	big := attr.Item{}
	for i := range 40 {
		n := intText(39 - i)
		big[n] = attr.Num(n)
	}
	out := attr.AppendItemJSON(nil, big)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(out, &raw); err != nil || len(raw) != 40 {
		t.Fatalf("invalid output %s: %v", out, err)
	}
	// Sorted: "0" < "1" < "10" < … < "39" < "4" …
	if !strings.HasPrefix(string(out), `{"0":{"N":"0"},"1":{"N":"1"},"10":{"N":"10"}`) {
		t.Fatalf("not sorted: %s", out)
	}
	if got := string(attr.AppendItemJSON(nil, nil)); got != "{}" {
		t.Fatalf("nil item: %s", got)
	}
}
