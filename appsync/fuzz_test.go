package appsync

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
)

// The fuzz tests assert that no input panics, that accepted strings come back
// unchanged and that every rejection is a BadRequest *shopgraph.Error. Plain
// `go test` runs only their seed corpus; fuzz with, for example,
//
//	go test -run '^$' -fuzz FuzzUnmarshalAWSDateTime ./appsync/

// fuzzString is the shared body of the string-scalar fuzz tests.
func fuzzString(f *testing.F, name string, extra func(t *testing.T, s string)) {
	c := findScalarF(f, name)
	for _, v := range c.valid {
		f.Add(v)
	}
	for _, v := range c.invalid {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := c.unmarshal(s)
		if err != nil {
			if code := shopgraph.CodeOf(err); code != shopgraph.CodeBadRequest {
				t.Fatalf("Unmarshal%s(%q): code %q, want BadRequest (%v)", name, s, code, err)
			}
			if got != "" {
				t.Fatalf("Unmarshal%s(%q) returned %q with its error", name, s, got)
			}
			if len(shopgraph.ErrorMessage(err)) > 1000 {
				t.Fatalf("Unmarshal%s(%q): message of %d bytes", name, s, len(shopgraph.ErrorMessage(err)))
			}
			return
		}
		if got != s {
			t.Fatalf("Unmarshal%s(%q) = %q, want it unchanged", name, s, got)
		}
		if verr := c.validate(s); verr != nil {
			t.Fatalf("Unmarshal%s accepted %q but Validate%s rejects it: %v", name, s, name, verr)
		}
		if extra != nil {
			extra(t, s)
		}
	})
}

func findScalarF(f *testing.F, name string) scalarCase {
	for _, c := range stringScalars {
		if c.name == name {
			return c
		}
	}
	f.Fatalf("no scalar case %s", name)
	return scalarCase{}
}

// onlyASCII fails when an accepted value holds anything but ASCII: none of
// the date, time, phone and IP forms has room for other characters.
func onlyASCII(t *testing.T, s string) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			t.Fatalf("accepted %q, which holds byte %#x", s, s[i])
		}
	}
}

func FuzzUnmarshalAWSDate(f *testing.F) { fuzzString(f, "AWSDate", onlyASCII) }
func FuzzUnmarshalAWSTime(f *testing.F) { fuzzString(f, "AWSTime", onlyASCII) }

func FuzzUnmarshalAWSDateTime(f *testing.F) {
	fuzzString(f, "AWSDateTime", func(t *testing.T, s string) {
		onlyASCII(t, s)
		date, rest, ok := strings.Cut(s, "T")
		if !ok || ValidateAWSDate(date) != nil || ValidateAWSTime(rest) != nil {
			t.Fatalf("accepted %q, which is not an AWSDate, a T and an AWSTime", s)
		}
	})
}

// FuzzParseAWSDateTime checks that ParseAWSDateTime and ValidateAWSDateTime
// agree on every input (same error, or both accept), and that what
// ParseAWSDateTime returns is what s says: for every year its wall date is
// the one in s, and for years 0000-9999 its instant and offset match what
// time.Parse reads with the RFC 3339 layouts resolvers used before.
func FuzzParseAWSDateTime(f *testing.F) {
	c := findScalarF(f, "AWSDateTime")
	for _, v := range append(c.valid, c.invalid...) {
		f.Add(v)
	}
	for _, v := range []string{"0000-01-01T00:00+01:00", "9999-12-31T23:00-05:00", "-0004-02-29T23:59:59.5-18:00", "2024-01-01T10:00:00,5Z"} {
		f.Add(v)
	}
	layouts := []string{
		"2006-01-02T15:04:05.999999999Z07:00",
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04:05.999999999Z07:00:00",
		"2006-01-02T15:04Z07:00:00",
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseAWSDateTime(s)
		verr := ValidateAWSDateTime(s)
		if (err == nil) != (verr == nil) {
			t.Fatalf("ParseAWSDateTime(%q) error %v, but ValidateAWSDateTime error %v", s, err, verr)
		}
		if err != nil {
			if code := shopgraph.CodeOf(err); code != shopgraph.CodeBadRequest {
				t.Fatalf("ParseAWSDateTime(%q): code %q, want BadRequest (%v)", s, code, err)
			}
			if shopgraph.ErrorMessage(err) != shopgraph.ErrorMessage(verr) {
				t.Fatalf("ParseAWSDateTime(%q) and ValidateAWSDateTime disagree: %v / %v", s, err, verr)
			}
			if !got.IsZero() {
				t.Fatalf("ParseAWSDateTime(%q) returned %v with its error", s, got)
			}
			return
		}
		date, _, _ := strings.Cut(s, "T")
		if w := got.Format("2006-01-02"); w != date {
			t.Fatalf("ParseAWSDateTime(%q) = %v, whose wall date is %s", s, got, w)
		}
		if s[0] == '-' {
			return // time.Parse reads no negative years
		}
		for _, l := range layouts {
			if want, perr := time.Parse(l, s); perr == nil {
				_, gotOff := got.Zone()
				_, wantOff := want.Zone()
				if !got.Equal(want) || gotOff != wantOff {
					t.Fatalf("ParseAWSDateTime(%q) = %v, but time.Parse reads %v", s, got, want)
				}
				return
			}
		}
		t.Fatalf("ParseAWSDateTime accepted %q, which no RFC 3339 layout parses", s)
	})
}

func FuzzUnmarshalAWSEmail(f *testing.F) {
	fuzzString(f, "AWSEmail", func(t *testing.T, s string) {
		if !strings.Contains(s, "@") {
			t.Fatalf("accepted %q, which has no @", s)
		}
	})
}

func FuzzUnmarshalAWSURL(f *testing.F) { fuzzString(f, "AWSURL", nil) }

func FuzzUnmarshalAWSPhone(f *testing.F) { fuzzString(f, "AWSPhone", onlyASCII) }

func FuzzUnmarshalAWSIPAddress(f *testing.F) {
	fuzzString(f, "AWSIPAddress", func(t *testing.T, s string) {
		if _, err := netip.ParseAddr(s); err != nil {
			if _, err := netip.ParsePrefix(s); err != nil {
				t.Fatalf("accepted %q, which netip parses neither as an address nor as a prefix: %v", s, err)
			}
		}
	})
}

func FuzzUnmarshalAWSJSON(f *testing.F) {
	for _, v := range []string{`{"a":1}`, `[1,2]`, `1`, `true`, `"str"`, `null`, `{a: 1}`, `{'a': 1}`, `hello`, ``, "\xff"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := UnmarshalAWSJSON(s)
		if err != nil {
			if code := shopgraph.CodeOf(err); code != shopgraph.CodeBadRequest {
				t.Fatalf("UnmarshalAWSJSON(%q): code %q (%v)", s, code, err)
			}
			return
		}
		if string(raw) != s || !json.Valid(raw) {
			t.Fatalf("UnmarshalAWSJSON(%q) = %q", s, raw)
		}
		var back string
		if err := json.Unmarshal([]byte(marshalled(MarshalAWSJSON(raw))), &back); err != nil || back != s {
			t.Fatalf("MarshalAWSJSON(%q) does not write the text as a JSON string: %v", s, err)
		}
	})
}

func FuzzUnmarshalAWSTimestamp(f *testing.F) {
	for _, v := range []string{"0", "-1", "1e3", "1.5", "31556889864403199", "31556889864403200", "1e-99999", "abc", "01"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := UnmarshalAWSTimestamp(json.Number(s))
		if err != nil {
			if code := shopgraph.CodeOf(err); code != shopgraph.CodeBadRequest {
				t.Fatalf("UnmarshalAWSTimestamp(%q): code %q (%v)", s, code, err)
			}
			return
		}
		if n < MinAWSTimestamp || n > MaxAWSTimestamp {
			t.Fatalf("UnmarshalAWSTimestamp(%q) = %d, out of range", s, n)
		}
		if !json.Valid([]byte(s)) {
			t.Fatalf("UnmarshalAWSTimestamp accepted %q, which is not a JSON number", s)
		}
		if _, err := UnmarshalAWSTimestamp(s); err == nil {
			t.Fatalf("UnmarshalAWSTimestamp accepted the string %q", s)
		}
	})
}
