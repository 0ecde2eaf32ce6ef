package appsync

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

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
