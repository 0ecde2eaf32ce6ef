package appsync

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/shopgraph/shopgraph"
)

// scalarCase is one string scalar: its validator, gqlgen pair and the values
// AppSync's rules for it (and the edge cases around them) make valid or
// invalid.
type scalarCase struct {
	name      string
	validate  func(string) error
	unmarshal func(any) (string, error)
	marshal   func(string) graphql.Marshaler
	valid     []string
	invalid   []string
}

var stringScalars = []scalarCase{
	{
		name: "AWSDate", validate: ValidateAWSDate, unmarshal: UnmarshalAWSDate, marshal: MarshalAWSDate,
		valid: []string{
			"1970-01-01", "1970-01-01Z", "1970-01-01-07:00", "1970-01-01+05:30", "1970-01-01+05:30:15",
			"-9999-01-01", "0000-02-29", "2024-02-29", "2000-02-29", "-0004-02-29", "9999-12-31",
			"1970-01-01-00:00", "1970-01-01+18:00", "1970-01-01-18:00", "2024-04-30", "2024-12-31",
		},
		invalid: []string{
			"", "19700101", "19700101Z", "2023-02-29", "1900-02-29", "-0100-02-29", "2024-13-01", "2024-00-10",
			"2024-04-31", "2024-01-00", "2024-01-32", "2024-1-01", "2024-01-1", "24-01-01", "+2024-01-01",
			"12024-01-01", "+12024-01-01", "-0000-01-01", "1970-01-01T00:00Z", "1970-01-01 ", " 1970-01-01",
			"1970-01-01z", "1970-01-01+05", "1970-01-01+0530", "1970-01-01+18:01", "1970-01-01+19:00",
			"1970-01-01+05:60", "1970-01-01+05:30:60", "1970/01/01", "1970-01-01Z junk", "１９７０-01-01",
			"1970-01-01\x00", "1970-01-01ZZ", "--1970-01-01", "1970-01", "1970", "\xff\xfe",
		},
	},
	{
		name: "AWSTime", validate: ValidateAWSTime, unmarshal: UnmarshalAWSTime, marshal: MarshalAWSTime,
		valid: []string{
			"12:30", "12:30Z", "12:30:24-07:00", "12:00:00.123456789", "00:00", "23:59", "23:59:59",
			"23:59:59.9", "12:30+05:30:15", "12:30:00.5Z", "00:00:00.000000000-18:00",
		},
		invalid: []string{
			"", "24:00", "24:00:00", "12:60", "12:30:60", "1:30", "12:3", "12:30.5", "12:00:00.1234567890",
			"12:00:00.", "12:30:24-7:00", "12", "12:30 Z", "12:30:24Z+01:00", "T12:30", "12:30z",
			"12:30:24+19:00", "12h30", "12:30:5", "1970-01-01T12:30Z", "１２:30",
		},
	},
	{
		name: "AWSDateTime", validate: ValidateAWSDateTime, unmarshal: UnmarshalAWSDateTime, marshal: MarshalAWSDateTime,
		valid: []string{
			"1970-01-01T12:00:00.277Z", "1970-01-01T12:00Z", "2024-02-29T23:59:59+05:30",
			"-0001-12-31T00:00:00-07:00:30", "2024-01-01T10:00:00.123456789+18:00", "-9999-01-01T00:00Z",
			"2024-06-30T08:15:00-00:00",
		},
		invalid: []string{
			"", "2024-01-01T10:00", "2024-01-01T10:00:00", "2024-01-01T10:00:00.123", "2024-01-01",
			"2024-01-01Z", "2024-01-01 10:00Z", "2024-01-01t10:00Z", "2024-01-01T10:00z", "2023-02-29T00:00Z",
			"2024-01-01T25:00Z", "2024-01-01T10:00:00.Z", "20240101T100000Z", "2024-01-01T10:00.5Z",
			"2024-01-01T10Z", "2024-01-01T10:00+5:00", "2024-01-01T10:00Z ", "2024-01-01T",
			"+2024-01-01T10:00Z", "2024-01-01T10:00:00.1234567890Z",
		},
	},
	{
		name: "AWSEmail", validate: ValidateAWSEmail, unmarshal: UnmarshalAWSEmail, marshal: MarshalAWSEmail,
		valid: []string{
			"username@example.com", "a@b", "first.last+tag@sub.example.co.uk", `"john doe"@example.com`,
			"user@[127.0.0.1]", "o'brien@example.ie", "x@localhost", `"a@b"@example.com`, `"a\"b"@example.com`,
			"user_name-1@example-domain.com", "!#$%&'*+/=?^_`{|}~-@example.com",
		},
		invalid: []string{
			"", "username", "@example.com", "user@", "user@@example.com", ".user@example.com",
			"user.@example.com", "us..er@example.com", "user@example..com", "user@.example.com",
			"user@example.com.", "user name@example.com", "ü@example.com", "user@exämple.com",
			"user@exa mple.com", "user@ex(ample).com", `"unterminated@example.com`, "user@[127.0.0.1",
			"<user@example.com>", "User <user@example.com>", "user@example.com,other@example.com",
			"user\n@example.com", "user@example.com\x00",
		},
	},
	{
		name: "AWSURL", validate: ValidateAWSURL, unmarshal: UnmarshalAWSURL, marshal: MarshalAWSURL,
		valid: []string{
			"http://localhost/", "http://localhost", "https://example.com", "https://example.com/path?q=1#frag",
			"ftp://ftp.example.com/file.txt", "mailto:someone@example.com", "urn:isbn:0451450523",
			"file:///etc/hosts", "http://127.0.0.1:8080/a/b", "http://[::1]/", "custom+scheme.v1-x://thing",
			"https://example.com/?redirect=https://other.example/", "HTTPS://EXAMPLE.COM/A",
			"https://user:pass@example.com:8443/p", "https://例え.jp/パス",
		},
		invalid: []string{
			"", "amazon.com", "www.amazon.com/path", "//example.com/x", "/relative/path",
			"http://example.com//double", "https://example.com/a//b", "http://", "http:", "http:/path",
			"https://:443/", "http://exa mple.com", "://x", "1http://x", "http:///path",
			"https://example.com/%zz", "http://example.com:port/", "https://example.com/a b",
			"https://example.com/\x00", "urn:a//b",
		},
	},
	{
		name: "AWSPhone", validate: ValidateAWSPhone, unmarshal: UnmarshalAWSPhone, marshal: MarshalAWSPhone,
		valid: []string{
			"206-555-0100", "+1 206 555 0100", "+12065550100", "2065550100", "+44 20 7946 0958",
			"555-0100", "1-800-555-0199", "+1-206-555-0100", "123456789012345",
		},
		invalid: []string{
			"", "abc", "(206) 555-0100", "206--555-0100", "206 - 555-0100", "-206-555-0100",
			"206-555-0100-", "+", "+ 1 206 555 0100", "1+2065550100", "12345", "+123456",
			"1234567890123456", "206.555.0100", "٢٠٦٥٥٥٠١٠٠", "206  555 0100", "++12065550100",
			"+1 206 555 0100 ext 5",
		},
	},
	{
		name: "AWSIPAddress", validate: ValidateAWSIPAddress, unmarshal: UnmarshalAWSIPAddress, marshal: MarshalAWSIPAddress,
		valid: []string{
			"127.0.0.1", "127.0.0.1/8", "0.0.0.0/0", "192.168.1.0/24", "255.255.255.255/32", "::1", "::/0",
			"2001:db8::/32", "2001:db8::1/128", "::ffff:192.0.2.1", "fe80::1", "2001:DB8:0:0:8:800:200C:417A",
		},
		invalid: []string{
			"", "256.0.0.1", "1.2.3", "127.0.0.1/33", "127.0.0.1/", "127.0.0.1/08", "127.0.0.1/-1",
			"::1/129", "fe80::1%eth0", "01.2.3.4", "localhost", "127.0.0.1 ", "1.2.3.4/8/8", "1.2.3.4/1000",
			"/8", "[::1]", "::1/64x", "1.2.3.4:80",
		},
	},
}

// wantBadRequest fails unless err is a BadRequest *shopgraph.Error whose
// message names scalar.
func wantBadRequest(t *testing.T, err error, scalar string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got nil")
	}
	var e *shopgraph.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *shopgraph.Error", err, err)
	}
	if code := shopgraph.CodeOf(err); code != shopgraph.CodeBadRequest {
		t.Errorf("code = %q, want %q (error %v)", code, shopgraph.CodeBadRequest, err)
	}
	if !strings.HasPrefix(e.Message, "Invalid "+scalar+" value ") {
		t.Errorf("message %q does not start with %q", e.Message, "Invalid "+scalar+" value ")
	}
}

// marshalled renders m as gqlgen would write it.
func marshalled(m graphql.Marshaler) string {
	var buf bytes.Buffer
	m.MarshalGQL(&buf)
	return buf.String()
}

func testStringScalar(t *testing.T, c scalarCase) {
	for _, v := range c.valid {
		t.Run("valid/"+v, func(t *testing.T) {
			if err := c.validate(v); err != nil {
				t.Errorf("Validate%s(%q) = %v, want nil", c.name, v, err)
			}
			got, err := c.unmarshal(v)
			if err != nil || got != v {
				t.Errorf("Unmarshal%s(%q) = %q, %v; want the value unchanged", c.name, v, got, err)
			}
		})
	}
	for _, v := range c.invalid {
		t.Run("invalid/"+v, func(t *testing.T) {
			err := c.validate(v)
			wantBadRequest(t, err, c.name)
			got, uerr := c.unmarshal(v)
			wantBadRequest(t, uerr, c.name)
			if got != "" {
				t.Errorf("Unmarshal%s(%q) returned %q with its error", c.name, v, got)
			}
			if err != nil && uerr != nil && err.Error() != uerr.Error() {
				t.Errorf("Validate and Unmarshal disagree: %v / %v", err, uerr)
			}
		})
	}
}

func findScalar(t *testing.T, name string) scalarCase {
	t.Helper()
	for _, c := range stringScalars {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no scalar case %s", name)
	return scalarCase{}
}

func TestValidateAWSDate(t *testing.T)      { testStringScalar(t, findScalar(t, "AWSDate")) }
func TestValidateAWSTime(t *testing.T)      { testStringScalar(t, findScalar(t, "AWSTime")) }
func TestValidateAWSDateTime(t *testing.T)  { testStringScalar(t, findScalar(t, "AWSDateTime")) }
func TestValidateAWSEmail(t *testing.T)     { testStringScalar(t, findScalar(t, "AWSEmail")) }
func TestValidateAWSURL(t *testing.T)       { testStringScalar(t, findScalar(t, "AWSURL")) }
func TestValidateAWSPhone(t *testing.T)     { testStringScalar(t, findScalar(t, "AWSPhone")) }
func TestValidateAWSIPAddress(t *testing.T) { testStringScalar(t, findScalar(t, "AWSIPAddress")) }

// nonStrings are JSON values of other types, as gqlgen hands them to
// Unmarshal (from variables decoded with UseNumber or from query literals).
var nonStrings = []any{
	nil, true, false, json.Number("1"), int64(1), 1, 1.5, int32(7), uint64(9),
	map[string]any{"a": 1}, []any{"1970-01-01"}, struct{}{}, []byte("1970-01-01"),
}

func TestUnmarshalStringScalars_nonStrings(t *testing.T) {
	for _, c := range stringScalars {
		for _, v := range nonStrings {
			got, err := c.unmarshal(v)
			wantBadRequest(t, err, c.name)
			if got != "" {
				t.Errorf("Unmarshal%s(%#v) = %q with its error", c.name, v, got)
			}
			if err != nil && !strings.Contains(err.Error(), "expected ") {
				t.Errorf("Unmarshal%s(%#v) error %q does not say what was expected", c.name, v, err)
			}
		}
	}
	// A cyclic value must not hang or blow the stack.
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	if _, err := UnmarshalAWSDate(cyclic); err == nil {
		t.Error("UnmarshalAWSDate(cyclic map) = nil error")
	}
}

// TestRoundTrip checks that a value read by Unmarshal is written back by
// Marshal as the identical string.
func TestRoundTrip(t *testing.T) {
	for _, c := range stringScalars {
		for _, v := range c.valid {
			got, err := c.unmarshal(v)
			if err != nil {
				t.Fatalf("Unmarshal%s(%q): %v", c.name, v, err)
			}
			var back string
			out := marshalled(c.marshal(got))
			if err := json.Unmarshal([]byte(out), &back); err != nil || back != v {
				t.Errorf("Marshal%s(Unmarshal%s(%q)) wrote %s (%v), want the same string", c.name, c.name, v, out, err)
			}
		}
	}
	for _, v := range []string{`{"a":1}`, `[1,2]`, `1`, `true`, `"str"`, `null`, ` { "b" : [ 1.50, "x\u00e9" ] } `} {
		raw, err := UnmarshalAWSJSON(v)
		if err != nil {
			t.Fatalf("UnmarshalAWSJSON(%q): %v", v, err)
		}
		var back string
		out := marshalled(MarshalAWSJSON(raw))
		if err := json.Unmarshal([]byte(out), &back); err != nil || back != v {
			t.Errorf("MarshalAWSJSON(UnmarshalAWSJSON(%q)) wrote %s (%v)", v, out, err)
		}
	}
	for _, v := range []int64{0, -1, 1700000000, MinAWSTimestamp, MaxAWSTimestamp} {
		n, err := UnmarshalAWSTimestamp(json.Number(marshalled(MarshalAWSTimestamp(v))))
		if err != nil || n != v {
			t.Errorf("AWSTimestamp round trip of %d = %d, %v", v, n, err)
		}
	}
}

func TestUnmarshalAWSTimestamp(t *testing.T) {
	valid := []struct {
		in   any
		want int64
	}{
		{0, 0},
		{int(-1), -1},
		{int8(-8), -8},
		{int16(300), 300},
		{int32(math.MaxInt32), math.MaxInt32},
		{int64(1 << 40), 1 << 40}, // beyond 32 bits
		{int64(MaxAWSTimestamp), MaxAWSTimestamp},
		{int64(MinAWSTimestamp), MinAWSTimestamp},
		{uint(5), 5},
		{uint8(5), 5},
		{uint16(5), 5},
		{uint32(math.MaxUint32), math.MaxUint32},
		{uint64(1 << 62 >> 10), 1 << 62 >> 10},
		{json.Number("1700000000"), 1700000000},
		{json.Number("-1700000000"), -1700000000},
		{json.Number("31556889864403199"), MaxAWSTimestamp},
		{json.Number("-31557014167219200"), MinAWSTimestamp},
		{json.Number("1e3"), 1000},
		{json.Number("1E+3"), 1000},
		{json.Number("1700000000.000"), 1700000000},
		{json.Number("0.0"), 0},
		{json.Number("-0"), 0},
		{json.Number("0e99999999999999999999"), 0},
		{json.Number("1.5e1"), 15},
		{json.Number("150e-1"), 15},
		{float64(1.7e9), 1700000000},
		{float64(-86400), -86400},
		{float64(1 << 53), 1 << 53},
		{float32(1024), 1024},
	}
	for _, c := range valid {
		got, err := UnmarshalAWSTimestamp(c.in)
		if err != nil || got != c.want {
			t.Errorf("UnmarshalAWSTimestamp(%#v) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	invalid := []any{
		"1700000000", "", "abc", json.Number("1.5"), json.Number("abc"), json.Number(""), json.Number("1e"),
		json.Number("01"), json.Number("+1"), json.Number("1."), json.Number(".5"), json.Number("0x10"),
		json.Number("31556889864403200"), json.Number("-31557014167219201"), json.Number("9223372036854775808"),
		json.Number("1e30"), json.Number("1e-999999999999"), json.Number("1e999999999999"),
		json.Number("15e-1"), json.Number(" 1"), json.Number("1 "), json.Number("1.0000000000000000001"),
		float64(1.5), math.NaN(), math.Inf(1), math.Inf(-1), float64(1e20), float64(-1e300),
		float64(31556889864403200), float32(0.5),
		uint64(math.MaxUint64), uint64(MaxAWSTimestamp) + 1, int64(math.MaxInt64), int64(math.MinInt64),
		true, nil, map[string]any{}, []any{1}, struct{}{},
	}
	for _, in := range invalid {
		got, err := UnmarshalAWSTimestamp(in)
		wantBadRequest(t, err, "AWSTimestamp")
		if got != 0 {
			t.Errorf("UnmarshalAWSTimestamp(%#v) = %d with its error", in, got)
		}
	}
}

func TestMarshalAWSTimestamp(t *testing.T) {
	for in, want := range map[int64]string{
		0: "0", -1: "-1", 1 << 40: "1099511627776",
		MaxAWSTimestamp: "31556889864403199", MinAWSTimestamp: "-31557014167219200",
	} {
		if got := marshalled(MarshalAWSTimestamp(in)); got != want {
			t.Errorf("MarshalAWSTimestamp(%d) wrote %s, want %s (a JSON integer)", in, got, want)
		}
	}
}

func TestUnmarshalAWSJSON(t *testing.T) {
	valid := []string{
		`{"a":1}`, `[1,2]`, `1`, `-1.5e3`, `true`, `false`, `null`, `"str"`, `""`, `{}`, `[]`,
		` {"a" : [1, {"b": null}]} `, "\n[\"é\", \"\\u00e9\"]\t", `{"a":1,"a":2}`,
	}
	for _, v := range valid {
		got, err := UnmarshalAWSJSON(v)
		if err != nil || string(got) != v {
			t.Errorf("UnmarshalAWSJSON(%q) = %q, %v; want the text unchanged", v, got, err)
		}
	}
	invalid := []any{
		`{a: 1}`, `{'a': 1}`, `hello`, ``, ` `, `{"a":1}x`, `[1,]`, `NaN`, `Infinity`, `'str'`, `{"a":1`,
		`01`, `1.`, `{"a" 1}`, "\xff", `"\xff"`, "[\"\x01\"]", `undefined`,
		// non-strings: AWSJSON travels as a string
		map[string]any{"a": 1}, []any{1, 2}, json.Number("1"), float64(1), int64(1), true, nil, struct{}{},
	}
	for _, v := range invalid {
		got, err := UnmarshalAWSJSON(v)
		wantBadRequest(t, err, "AWSJSON")
		if got != nil {
			t.Errorf("UnmarshalAWSJSON(%#v) = %q with its error", v, got)
		}
	}
	_, err := UnmarshalAWSJSON(`{a: 1}`)
	if msg := shopgraph.ErrorMessage(err); !strings.Contains(msg, "not valid JSON") || !strings.Contains(msg, "offset") {
		t.Errorf("message %q should say the JSON is invalid and where", msg)
	}
}

func TestMarshalAWSJSON(t *testing.T) {
	cases := []struct {
		in   json.RawMessage
		want string
	}{
		{json.RawMessage(`{"a":1}`), `"{\"a\":1}"`},
		{json.RawMessage(`[1,2]`), `"[1,2]"`},
		{json.RawMessage(`1`), `"1"`},
		{json.RawMessage(`true`), `"true"`},
		{json.RawMessage(`"str"`), `"\"str\""`},
		{json.RawMessage(`null`), `"null"`},
		{json.RawMessage("{\"a\":\n1}"), `"{\"a\":\n1}"`},
		{nil, `null`},
		{json.RawMessage{}, `null`},
	}
	for _, c := range cases {
		m := MarshalAWSJSON(c.in)
		if got := marshalled(m); got != c.want {
			t.Errorf("MarshalAWSJSON(%q) wrote %s, want %s", c.in, got, c.want)
		}
		if len(c.in) == 0 && m != graphql.Null {
			t.Errorf("MarshalAWSJSON(%q) is not graphql.Null, so gqlgen cannot report a null on a non-null field", c.in)
		}
	}
}

func TestMarshalStringScalars(t *testing.T) {
	// Output is never normalized or validated: a value is written as is.
	for _, c := range stringScalars {
		for _, v := range []string{"", "not valid", "1970-01-01", "é\"\\\n<&>"} {
			var back string
			out := marshalled(c.marshal(v))
			if err := json.Unmarshal([]byte(out), &back); err != nil || back != v {
				t.Errorf("Marshal%s(%q) wrote %s (%v)", c.name, v, out, err)
			}
		}
	}
}

// TestErrorMessages pins the wording of representative messages: they name
// the scalar, quote the value and say what was expected.
func TestErrorMessages(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{ValidateAWSDateTime("2024-01-01T10:00"),
			`Invalid AWSDateTime value "2024-01-01T10:00": a zone (Z, ±hh:mm or ±hh:mm:ss) is required`},
		{ValidateAWSDate("2023-02-29"),
			`Invalid AWSDate value "2023-02-29": day 29 does not exist in 2023-02 (01 to 28)`},
		{ValidateAWSDate("19700101"),
			`Invalid AWSDate value "19700101": the basic format YYYYMMDD is not accepted; expected YYYY-MM-DD, optionally followed by a zone (Z, ±hh:mm or ±hh:mm:ss)`},
		{ValidateAWSDate("2024-13-01"), `Invalid AWSDate value "2024-13-01": month 13 is out of range (01 to 12)`},
		{ValidateAWSTime("24:00"), `Invalid AWSTime value "24:00": hour 24 is out of range (00 to 23)`},
		{ValidateAWSTime("12:30.5"),
			`Invalid AWSTime value "12:30.5": a fraction of a second requires seconds (hh:mm:ss.sss); expected hh:mm, hh:mm:ss or hh:mm:ss.sss (1 to 9 fraction digits), optionally followed by a zone (Z, ±hh:mm or ±hh:mm:ss)`},
		{ValidateAWSDate("1970-01-01+19:00"),
			`Invalid AWSDate value "1970-01-01+19:00": zone offset +19:00 is out of range (at most ±18:00, minutes and seconds 00 to 59)`},
		{ValidateAWSURL("amazon.com"),
			`Invalid AWSURL value "amazon.com": a scheme (such as https:) is required; expected an absolute URL with a scheme, such as https://example.com/path`},
		{ValidateAWSURL("https://example.com/a//b"), `Invalid AWSURL value "https://example.com/a//b": the path must not contain "//"`},
		{ValidateAWSIPAddress("127.0.0.1/33"),
			`Invalid AWSIPAddress value "127.0.0.1/33": prefix length /33 is out of range for IPv4 (0 to 32)`},
		{func() error { _, err := UnmarshalAWSDate(42); return err }(),
			`Invalid AWSDate value 42: expected a date string: YYYY-MM-DD, optionally followed by a zone (Z, ±hh:mm or ±hh:mm:ss), got a number`},
		{func() error { _, err := UnmarshalAWSTimestamp("1700000000"); return err }(),
			`Invalid AWSTimestamp value "1700000000": expected an integer number of seconds since 1970-01-01T00:00Z, got a string`},
		{func() error { _, err := UnmarshalAWSTimestamp(json.Number("1e30")); return err }(),
			`Invalid AWSTimestamp value "1e30": out of range; expected an integer number of seconds since 1970-01-01T00:00Z between -31557014167219200 and 31556889864403199`},
		{func() error { _, err := UnmarshalAWSJSON(map[string]any{"a": 1}); return err }(),
			`Invalid AWSJSON value {…}: expected a string holding JSON (RFC 8259), such as "{\"a\":1}", got an object`},
	}
	for _, c := range cases {
		if got := shopgraph.ErrorMessage(c.err); got != c.want {
			t.Errorf("message\n got %s\nwant %s", got, c.want)
		}
	}
}

// TestErrorMessages_truncate checks that long values are echoed only in part.
func TestErrorMessages_truncate(t *testing.T) {
	long := strings.Repeat("é", 10_000) + "@example.com"
	for _, c := range stringScalars {
		err := c.validate(long)
		wantBadRequest(t, err, c.name)
		msg := shopgraph.ErrorMessage(err)
		if strings.Contains(msg, strings.Repeat("é", 33)) {
			t.Errorf("%s echoes more than %d bytes of the value: %.200s…", c.name, maxEcho, msg)
		}
		if !strings.Contains(msg, `"…`) {
			t.Errorf("%s message does not mark the truncation: %.200s", c.name, msg)
		}
		if len(msg) > 600 {
			t.Errorf("%s message is %d bytes long", c.name, len(msg))
		}
	}
	_, err := UnmarshalAWSJSON(strings.Repeat("x", 1<<20))
	if msg := shopgraph.ErrorMessage(err); len(msg) > 600 {
		t.Errorf("AWSJSON message is %d bytes long", len(msg))
	}
	_, err = UnmarshalAWSTimestamp(json.Number(strings.Repeat("9", 1<<20)))
	if msg := shopgraph.ErrorMessage(err); len(msg) > 600 {
		t.Errorf("AWSTimestamp message is %d bytes long", len(msg))
	}
}

func TestParseIntegerNumber(t *testing.T) {
	cases := []struct {
		in   string
		n    int64
		kind int
	}{
		{"0", 0, numOK}, {"-0", 0, numOK}, {"42", 42, numOK}, {"9223372036854775807", math.MaxInt64, numOK},
		{"-9223372036854775808", math.MinInt64, numOK}, {"9223372036854775808", 0, numRange},
		{"-9223372036854775809", 0, numRange}, {"1e18", 1e18, numOK}, {"1e19", 0, numRange},
		{"92233720368547758.07e2", math.MaxInt64, numOK}, {"0.5", 0, numFraction}, {"5e-1", 0, numFraction},
		{"50e-1", 5, numOK}, {"1e", 0, numSyntax}, {"-", 0, numSyntax}, {"00", 0, numSyntax},
		{"1.5.5", 0, numSyntax}, {"", 0, numSyntax}, {"1e+", 0, numSyntax}, {"0.000e5", 0, numOK},
		{"12345678901234567890e-10", 1234567890, numFraction}, {"123456789012345678900e-2", 1234567890123456789, numOK}, {"12345678901234567890000e-2", 0, numRange},
		{"01", 0, numSyntax}, {"+1", 0, numSyntax}, {" 1", 0, numSyntax},
	}
	for _, c := range cases {
		n, kind := parseIntegerNumber(c.in)
		if kind != c.kind || (kind == numOK && n != c.n) {
			t.Errorf("parseIntegerNumber(%q) = %d, %d; want %d, %d", c.in, n, kind, c.n, c.kind)
		}
	}
}

// TestHugeInputs checks that validation of megabyte-sized values is quick
// and does not panic.
func TestHugeInputs(t *testing.T) {
	inputs := []string{
		strings.Repeat("1", 1<<20),
		"1970-01-01T00:00:00." + strings.Repeat("9", 1<<20) + "Z",
		"https://example.com/" + strings.Repeat("a/", 1<<19),
		strings.Repeat("a", 1<<20) + "@" + strings.Repeat("b.", 1<<19) + "c",
		"+" + strings.Repeat("1 ", 1<<19) + "1",
		strings.Repeat("\xff", 1<<20),
		strings.Repeat("[", 1<<20),
	}
	for _, in := range inputs {
		for _, c := range stringScalars {
			_ = c.validate(in)
		}
		_, _ = UnmarshalAWSJSON(in)
		_, _ = UnmarshalAWSTimestamp(json.Number(in))
	}
}
