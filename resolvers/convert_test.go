package resolvers

import (
	"strings"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
)

func TestParseAWSDateTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"2024-01-01T10:00Z", time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)},
		{"2024-01-01T10:00:30.25+05:30", time.Date(2024, 1, 1, 4, 30, 30, 250_000_000, time.UTC)},
		{"2024-01-01T10:00-07:00:30", time.Date(2024, 1, 1, 17, 0, 30, 0, time.UTC)},
		{"0000-01-01T00:00Z", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"0000-01-01T00:00-01:00", time.Date(0, 1, 1, 1, 0, 0, 0, time.UTC)},
		{"9999-12-31T23:59:59.999999999Z", time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)},
		{"9999-12-31T23:00+05:00", time.Date(9999, 12, 31, 18, 0, 0, 0, time.UTC)},
	} {
		got, err := parseAWSDateTime("asOf", c.in)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("parseAWSDateTime(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
		// What it returns must survive RFC 3339 text (awsDateTime, storage).
		if back, err := time.Parse(time.RFC3339Nano, awsDateTime(got)); err != nil || !back.Equal(got) {
			t.Errorf("awsDateTime(parseAWSDateTime(%q)) = %q does not parse back: %v", c.in, awsDateTime(got), err)
		}
	}

	// Valid AWSDateTimes whose year, as written or in UTC, RFC 3339 cannot
	// hold.
	for _, in := range []string{
		"-0001-12-31T23:59Z", "-9999-01-01T00:00Z", "-0001-12-31T23:00-05:00",
		"0000-01-01T00:00+01:00", "9999-12-31T23:00-05:00",
	} {
		_, err := parseAWSDateTime("expiresAt", in)
		want := `expiresAt: AWSDateTime "` + in + `" is outside the supported range (years 0000-9999)`
		if shopgraph.CodeOf(err) != shopgraph.CodeBadRequest || shopgraph.ErrorMessage(err) != want {
			t.Errorf("parseAWSDateTime(%q) = %v; want BadRequest %q", in, err, want)
		}
	}

	// Invalid values (gqlgen rejects them first) get the scalar's error.
	_, err := parseAWSDateTime("asOf", "2024-01-01T10:00")
	if shopgraph.CodeOf(err) != shopgraph.CodeBadRequest || !strings.HasPrefix(shopgraph.ErrorMessage(err), `Invalid AWSDateTime value "2024-01-01T10:00": `) {
		t.Errorf("parseAWSDateTime of an invalid value = %v", err)
	}
}

func TestPageLimit(t *testing.T) {
	n := func(i int) *int { return &i }
	for _, c := range []struct {
		in   *int
		want int
		ok   bool
	}{{nil, 20, true}, {n(1), 1, true}, {n(100), 100, true}, {n(0), 0, false}, {n(101), 0, false}, {n(-5), 0, false}} {
		got, err := pageLimit(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("pageLimit(%v) = %d, %v", c.in, got, err)
		}
	}
}
