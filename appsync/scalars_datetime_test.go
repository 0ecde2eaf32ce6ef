package appsync

import (
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
)

func TestParseAWSDateTime(t *testing.T) {
	utc := time.UTC
	fixed := func(h, m, s int) *time.Location {
		off := h*3600 + m*60 + s
		if h < 0 {
			off = h*3600 - m*60 - s
		}
		return time.FixedZone("", off)
	}
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		// zones
		{"1970-01-01T12:00Z", time.Date(1970, 1, 1, 12, 0, 0, 0, utc)},
		{"2024-01-01T10:00+05:30", time.Date(2024, 1, 1, 10, 0, 0, 0, fixed(5, 30, 0))},
		{"2024-01-01T10:00-07:00", time.Date(2024, 1, 1, 10, 0, 0, 0, fixed(-7, 0, 0))},
		{"2024-01-01T10:00+05:30:15", time.Date(2024, 1, 1, 10, 0, 0, 0, fixed(5, 30, 15))},
		{"-0001-12-31T00:00:00-07:00:30", time.Date(-1, 12, 31, 0, 0, 0, 0, fixed(-7, 0, 30))},
		{"2024-06-30T08:15:00-00:00", time.Date(2024, 6, 30, 8, 15, 0, 0, fixed(0, 0, 0))},
		{"2024-06-30T08:15:00+00:00", time.Date(2024, 6, 30, 8, 15, 0, 0, fixed(0, 0, 0))},
		{"2024-01-01T10:00:00.123456789+18:00", time.Date(2024, 1, 1, 10, 0, 0, 123456789, fixed(18, 0, 0))},
		{"2024-01-01T10:00-18:00", time.Date(2024, 1, 1, 10, 0, 0, 0, fixed(-18, 0, 0))},
		// optional seconds and fraction
		{"2024-02-29T23:59:59Z", time.Date(2024, 2, 29, 23, 59, 59, 0, utc)},
		{"1970-01-01T12:00:00.277Z", time.Date(1970, 1, 1, 12, 0, 0, 277_000_000, utc)},
		{"1970-01-01T12:00:00.5Z", time.Date(1970, 1, 1, 12, 0, 0, 500_000_000, utc)},
		{"1970-01-01T12:00:00.000000001Z", time.Date(1970, 1, 1, 12, 0, 0, 1, utc)},
		{"1970-01-01T12:00:00.000Z", time.Date(1970, 1, 1, 12, 0, 0, 0, utc)},
		// the whole range, beyond what RFC 3339 text can hold
		{"0000-02-29T00:00Z", time.Date(0, 2, 29, 0, 0, 0, 0, utc)},
		{"-9999-01-01T00:00Z", time.Date(-9999, 1, 1, 0, 0, 0, 0, utc)},
		{"-0004-02-29T00:00Z", time.Date(-4, 2, 29, 0, 0, 0, 0, utc)},
		{"9999-12-31T23:59:59.999999999-18:00", time.Date(9999, 12, 31, 23, 59, 59, 999999999, fixed(-18, 0, 0))},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseAWSDateTime(c.in)
			if err != nil {
				t.Fatalf("ParseAWSDateTime(%q): %v", c.in, err)
			}
			if !got.Equal(c.want) {
				t.Errorf("ParseAWSDateTime(%q) = %v, want %v", c.in, got, c.want)
			}
			_, gotOff := got.Zone()
			_, wantOff := c.want.Zone()
			if gotOff != wantOff || (got.Location() == utc) != (c.want.Location() == utc) {
				t.Errorf("ParseAWSDateTime(%q) is in %v (offset %d), want %v (offset %d)", c.in, got.Location(), gotOff, c.want.Location(), wantOff)
			}
			if y, m, d := got.Date(); y != c.want.Year() || m != c.want.Month() || d != c.want.Day() {
				t.Errorf("ParseAWSDateTime(%q) has wall date %d-%02d-%02d, want %s", c.in, y, m, d, c.want.Format("2006-01-02"))
			}
		})
	}

	for _, c := range []struct{ in, msg string }{
		{"2024-01-01T10:00", `Invalid AWSDateTime value "2024-01-01T10:00": a zone (Z, ±hh:mm or ±hh:mm:ss) is required`},
		{"2024-01-01", `Invalid AWSDateTime value "2024-01-01": the time is missing; expected YYYY-MM-DDThh:mm[:ss[.sss]] followed by a zone (Z, ±hh:mm or ±hh:mm:ss)`},
		{"2023-02-29T00:00Z", `Invalid AWSDateTime value "2023-02-29T00:00Z": day 29 does not exist in 2023-02 (01 to 28)`},
		{"2024-01-01T10:00+18:01", `Invalid AWSDateTime value "2024-01-01T10:00+18:01": zone offset +18:01 is out of range (at most ±18:00, minutes and seconds 00 to 59)`},
		{"2024-01-01T10:00:00.1234567890Z", ""},
		{"2024-01-01T24:00Z", ""},
		{"2024-01-01t10:00Z", ""},
		{"2024-01-01T10:00z", ""},
		{"+2024-01-01T10:00Z", ""},
		{"10000-01-01T00:00Z", ""},
		{"-0000-01-01T00:00Z", ""},
		{"2024-01-01T10:00:60Z", ""},
		{"2024-01-01T10:00+0530", ""},
		{"2024-01-01T10:00Z ", ""},
		{"", ""},
	} {
		t.Run("invalid/"+c.in, func(t *testing.T) {
			got, err := ParseAWSDateTime(c.in)
			wantBadRequest(t, err, "AWSDateTime")
			if !got.IsZero() {
				t.Errorf("ParseAWSDateTime(%q) returned %v with its error", c.in, got)
			}
			verr := ValidateAWSDateTime(c.in)
			if verr == nil || shopgraph.ErrorMessage(err) != shopgraph.ErrorMessage(verr) {
				t.Errorf("ParseAWSDateTime and ValidateAWSDateTime disagree on %q: %v / %v", c.in, err, verr)
			}
			if c.msg != "" && shopgraph.ErrorMessage(err) != c.msg {
				t.Errorf("message\n got %s\nwant %s", shopgraph.ErrorMessage(err), c.msg)
			}
		})
	}
}

// TestParseAWSDateTime_validCases: every valid AWSDateTime of the scalar
// table converts, and every invalid one fails with the scalar's error.
func TestParseAWSDateTime_validCases(t *testing.T) {
	c := findScalar(t, "AWSDateTime")
	for _, v := range c.valid {
		if _, err := ParseAWSDateTime(v); err != nil {
			t.Errorf("ParseAWSDateTime(%q): %v", v, err)
		}
	}
	for _, v := range c.invalid {
		_, err := ParseAWSDateTime(v)
		wantBadRequest(t, err, "AWSDateTime")
	}
}
