package appsync

import (
	"fmt"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// AWSDate, AWSTime and AWSDateTime, and the scanners they share. The
// scanners both check a value and return its parts, so ParseAWSDateTime (and
// through it ValidateAWSDateTime) converts exactly what it validates.

// Forms quoted in error messages.
const (
	zoneForm     = "Z, ±hh:mm or ±hh:mm:ss"
	dateForm     = "YYYY-MM-DD, optionally followed by a zone (" + zoneForm + ")"
	timeForm     = "hh:mm, hh:mm:ss or hh:mm:ss.sss (1 to 9 fraction digits), optionally followed by a zone (" + zoneForm + ")"
	dateTimeForm = "YYYY-MM-DDThh:mm[:ss[.sss]] followed by a zone (" + zoneForm + ")"
)

// ---------------------------------------------------------------------------
// AWSDate

// MarshalAWSDate writes s as a JSON string, unchanged. It does not validate s.
func MarshalAWSDate(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSDate accepts a string that ValidateAWSDate accepts and returns it
// unchanged. Any other value, including non-strings, yields a BadRequest
// *shopgraph.Error.
func UnmarshalAWSDate(v any) (string, error) {
	return unmarshalString("AWSDate", v, "a date string: "+dateForm, ValidateAWSDate)
}

// ValidateAWSDate reports whether s is a valid AWSDate: an extended ISO 8601
// date YYYY-MM-DD (a 4-digit year, negative years written -YYYY), optionally
// followed by a zone: Z, ±hh:mm or ±hh:mm:ss (at most ±18:00). Month and day
// must exist (leap years follow the proleptic Gregorian calendar). Examples:
// 1970-01-01, 1970-01-01Z, 1970-01-01-07:00, -9999-01-01. It returns nil or a
// BadRequest *shopgraph.Error.
func ValidateAWSDate(s string) error {
	return invalid("AWSDate", s, checkDate(s))
}

func checkDate(s string) string {
	i, _, r := scanDate(s, 0, dateForm)
	if r != "" {
		return r
	}
	i, _, r = scanZone(s, i, dateForm)
	if r != "" {
		return r
	}
	if i < len(s) {
		if s[i] == 'T' || s[i] == 't' || s[i] == ' ' {
			return "AWSDate holds a date only (" + dateForm + "); use AWSDateTime for a date and time"
		}
		return trailing(s, i, "date", dateForm)
	}
	return ""
}

// ---------------------------------------------------------------------------
// AWSTime

// MarshalAWSTime writes s as a JSON string, unchanged. It does not validate s.
func MarshalAWSTime(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSTime accepts a string that ValidateAWSTime accepts and returns it
// unchanged. Any other value, including non-strings, yields a BadRequest
// *shopgraph.Error.
func UnmarshalAWSTime(v any) (string, error) {
	return unmarshalString("AWSTime", v, "a time string: "+timeForm, ValidateAWSTime)
}

// ValidateAWSTime reports whether s is a valid AWSTime: hh:mm, hh:mm:ss or
// hh:mm:ss.fraction (1 to 9 digits; a fraction requires seconds), hour 00-23,
// minute and second 00-59, optionally followed by a zone: Z, ±hh:mm or
// ±hh:mm:ss (at most ±18:00). Examples: 12:30, 12:30Z, 12:30:24-07:00,
// 12:00:00.123456789. It returns nil or a BadRequest *shopgraph.Error.
func ValidateAWSTime(s string) error {
	return invalid("AWSTime", s, checkTime(s))
}

func checkTime(s string) string {
	i, _, r := scanTime(s, 0, timeForm)
	if r != "" {
		return r
	}
	i, _, r = scanZone(s, i, timeForm)
	if r != "" {
		return r
	}
	if i < len(s) {
		return trailing(s, i, "time", timeForm)
	}
	return ""
}

// ---------------------------------------------------------------------------
// AWSDateTime

// MarshalAWSDateTime writes s as a JSON string, unchanged. It does not
// validate s.
func MarshalAWSDateTime(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSDateTime accepts a string that ValidateAWSDateTime accepts and
// returns it unchanged. Any other value, including non-strings, yields a
// BadRequest *shopgraph.Error.
func UnmarshalAWSDateTime(v any) (string, error) {
	return unmarshalString("AWSDateTime", v, "a date-time string: "+dateTimeForm, ValidateAWSDateTime)
}

// MarshalAWSDateTimeValue writes t as an AWSDateTime in UTC with as many
// fractional digits as it has (RFC 3339, e.g. 2026-01-02T03:04:05.5Z), so a
// time.Time field binds to AWSDateTime without a resolver.
func MarshalAWSDateTimeValue(t time.Time) graphql.Marshaler {
	return graphql.MarshalString(t.UTC().Format(time.RFC3339Nano))
}

// UnmarshalAWSDateTimeValue accepts what UnmarshalAWSDateTime accepts and
// returns the instant it denotes.
func UnmarshalAWSDateTimeValue(v any) (time.Time, error) {
	s, err := UnmarshalAWSDateTime(v)
	if err != nil {
		return time.Time{}, err
	}
	return ParseAWSDateTime(s)
}

// ValidateAWSDateTime reports whether s is a valid AWSDateTime: an AWSDate
// without zone, an uppercase T, an AWSTime without zone, and a MANDATORY zone
// (Z, ±hh:mm or ±hh:mm:ss). Example: 1970-01-01T12:00:00.277Z. It returns nil
// or a BadRequest *shopgraph.Error. It is ParseAWSDateTime without the result.
func ValidateAWSDateTime(s string) error {
	_, err := ParseAWSDateTime(s)
	return err
}

// ParseAWSDateTime validates s as an AWSDateTime, exactly as
// ValidateAWSDateTime does, and returns the instant it denotes. An invalid s
// yields ValidateAWSDateTime's error (a BadRequest *shopgraph.Error) and the
// zero time.Time.
//
// The result has s's wall clock and offset: Z gives a time in time.UTC, an
// offset ±hh:mm or ±hh:mm:ss a time in an unnamed time.FixedZone of that
// offset (even +00:00 or -00:00, and whatever time.Local is). The fraction
// of a second (at most 9 digits) is kept to the nanosecond. Every valid
// AWSDateTime is representable: years -9999 to 9999 (years before 1 follow
// the proleptic Gregorian calendar, year 0 being 1 BC), so ParseAWSDateTime
// fails only for invalid input. RFC 3339 text, however, holds only years
// 0000 to 9999 (time.Time's MarshalText and MarshalJSON fail outside them,
// and time.Parse cannot read back what Format writes there), so callers that
// store or print the result as RFC 3339 must check its range themselves.
func ParseAWSDateTime(s string) (time.Time, error) {
	d, c, z, r := scanDateTime(s)
	if r != "" {
		return time.Time{}, invalid("AWSDateTime", s, r)
	}
	return time.Date(d.year, time.Month(d.month), d.day, c.hour, c.minute, c.second, c.nanosecond, z.location()), nil
}

// scanDateTime parses an AWSDateTime and returns its parts, or a reason.
func scanDateTime(s string) (date, clock, zone, string) {
	i, d, r := scanDate(s, 0, dateTimeForm)
	if r != "" {
		return date{}, clock{}, zone{}, r
	}
	switch {
	case i == len(s):
		return date{}, clock{}, zone{}, "the time is missing; expected " + dateTimeForm
	case s[i] == 't' || s[i] == ' ':
		return date{}, clock{}, zone{}, "the date and the time must be separated by an uppercase T; expected " + dateTimeForm
	case s[i] != 'T':
		if s[i] == 'Z' || s[i] == '+' || s[i] == '-' {
			return date{}, clock{}, zone{}, "the time is missing; expected " + dateTimeForm + " (use AWSDate for a date only)"
		}
		return date{}, clock{}, zone{}, trailing(s, i, "date", dateTimeForm)
	}
	i, c, r := scanTime(s, i+1, dateTimeForm)
	if r != "" {
		return date{}, clock{}, zone{}, r
	}
	i, z, r := scanZone(s, i, dateTimeForm)
	if r != "" {
		return date{}, clock{}, zone{}, r
	}
	if !z.present && i == len(s) {
		return date{}, clock{}, zone{}, "a zone (" + zoneForm + ") is required"
	}
	if i < len(s) {
		return date{}, clock{}, zone{}, trailing(s, i, "date and time", dateTimeForm)
	}
	return d, c, z, ""
}

// ---------------------------------------------------------------------------
// Date and time scanning

// date is a calendar date as scanDate read it: year -9999 to 9999, month
// 1-12 and a day that exists in that month.
type date struct{ year, month, day int }

// clock is a time of day as scanTime read it (second and nanosecond are 0
// when absent).
type clock struct{ hour, minute, second, nanosecond int }

// zone is an optional zone as scanZone read it.
type zone struct {
	present bool // a zone was written
	utc     bool // it was Z
	offset  int  // seconds east of UTC (0 for Z)
}

// location returns the *time.Location of z: time.UTC for Z (or no zone), an
// unnamed fixed zone for an offset.
func (z zone) location() *time.Location {
	if !z.present || z.utc {
		return time.UTC
	}
	return time.FixedZone("", z.offset)
}

// digitsAt parses exactly n ASCII digits at s[i:].
func digitsAt(s string, i, n int) (int, bool) {
	if i < 0 || i+n > len(s) {
		return 0, false
	}
	v := 0
	for j := i; j < i+n; j++ {
		if !isDigit(s[j]) {
			return 0, false
		}
		v = v*10 + int(s[j]-'0')
	}
	return v, true
}

// runOfDigits returns how many ASCII digits start at s[i:].
func runOfDigits(s string, i int) int {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return j - i
}

// scanDate parses [-]YYYY-MM-DD at s[i:] and returns the index after it and
// the date, or a reason ("" when valid). form is quoted in structural errors.
func scanDate(s string, i int, form string) (int, date, string) {
	start := i
	if i < len(s) && s[i] == '+' {
		return 0, date{}, "a + before the year is not allowed (years have 4 digits; negative years are written -YYYY); expected " + form
	}
	neg := i < len(s) && s[i] == '-'
	if neg {
		i++
	}
	switch n := runOfDigits(s, i); {
	case n == 8 && (i+8 == len(s) || strings.IndexByte("TZ+-", s[i+8]) >= 0):
		return 0, date{}, "the basic format YYYYMMDD is not accepted; expected " + form
	case n == 4:
	case n > 0 && i+n < len(s) && s[i+n] == '-':
		return 0, date{}, fmt.Sprintf("the year must have exactly 4 digits (found %d); expected %s", n, form)
	default:
		return 0, date{}, "expected " + form
	}
	year, _ := digitsAt(s, i, 4)
	if neg && year == 0 {
		return 0, date{}, "year -0000 is not valid (write 0000); expected " + form
	}
	yearText := s[start : i+4]
	if neg {
		year = -year
	}
	i += 4
	if i >= len(s) || s[i] != '-' || runOfDigits(s, i+1) != 2 || i+3 >= len(s) || s[i+3] != '-' || runOfDigits(s, i+4) != 2 {
		return 0, date{}, "expected " + form
	}
	month, _ := digitsAt(s, i+1, 2)
	day, _ := digitsAt(s, i+4, 2)
	if month < 1 || month > 12 {
		return 0, date{}, fmt.Sprintf("month %02d is out of range (01 to 12)", month)
	}
	if dim := daysIn(year, month); day < 1 || day > dim {
		return 0, date{}, fmt.Sprintf("day %02d does not exist in %s-%02d (01 to %02d)", day, yearText, month, dim)
	}
	return i + 6, date{year, month, day}, ""
}

// daysIn returns the number of days in month (1-12) of year in the proleptic
// Gregorian calendar (year 0 is a leap year).
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// scanTime parses hh:mm[:ss[.fffffffff]] at s[i:] and returns the index after
// it and the time of day, or a reason.
func scanTime(s string, i int, form string) (int, clock, string) {
	if runOfDigits(s, i) != 2 || i+2 >= len(s) || s[i+2] != ':' || runOfDigits(s, i+3) != 2 {
		return 0, clock{}, "expected " + form
	}
	hour, _ := digitsAt(s, i, 2)
	minute, _ := digitsAt(s, i+3, 2)
	if hour > 23 {
		return 0, clock{}, fmt.Sprintf("hour %02d is out of range (00 to 23)", hour)
	}
	if minute > 59 {
		return 0, clock{}, fmt.Sprintf("minute %02d is out of range (00 to 59)", minute)
	}
	i += 5
	if i < len(s) && s[i] == '.' {
		return 0, clock{}, "a fraction of a second requires seconds (hh:mm:ss.sss); expected " + form
	}
	if i >= len(s) || s[i] != ':' {
		return i, clock{hour, minute, 0, 0}, ""
	}
	if runOfDigits(s, i+1) != 2 {
		return 0, clock{}, "seconds must have 2 digits; expected " + form
	}
	second, _ := digitsAt(s, i+1, 2)
	if second > 59 {
		return 0, clock{}, fmt.Sprintf("second %02d is out of range (00 to 59)", second)
	}
	i += 3
	if i >= len(s) || s[i] != '.' {
		return i, clock{hour, minute, second, 0}, ""
	}
	switch n := runOfDigits(s, i+1); {
	case n == 0:
		return 0, clock{}, "the fraction of a second after . needs 1 to 9 digits; expected " + form
	case n > 9:
		return 0, clock{}, fmt.Sprintf("the fraction of a second has %d digits (at most 9); expected %s", n, form)
	default:
		// n digits of fraction are that many nanoseconds × 10^(9-n).
		nanosecond, _ := digitsAt(s, i+1, n)
		for k := n; k < 9; k++ {
			nanosecond *= 10
		}
		return i + 1 + n, clock{hour, minute, second, nanosecond}, ""
	}
}

// scanZone parses an optional zone (Z, ±hh:mm or ±hh:mm:ss, at most ±18:00)
// at s[i:]. It returns the index after it and the zone (zone.present false
// when there was none), or a reason.
func scanZone(s string, i int, form string) (int, zone, string) {
	if i >= len(s) {
		return i, zone{}, ""
	}
	switch s[i] {
	case 'Z':
		return i + 1, zone{present: true, utc: true}, ""
	case 'z':
		return 0, zone{}, "the UTC zone must be an uppercase Z; expected " + form
	case '+', '-':
	default:
		return i, zone{}, ""
	}
	start := i
	if runOfDigits(s, i+1) != 2 || i+3 >= len(s) || s[i+3] != ':' || runOfDigits(s, i+4) != 2 {
		return 0, zone{}, "zone offsets are written ±hh:mm or ±hh:mm:ss; expected " + form
	}
	hh, _ := digitsAt(s, i+1, 2)
	mm, _ := digitsAt(s, i+4, 2)
	ss := 0
	i += 6
	if i < len(s) && s[i] == ':' {
		if runOfDigits(s, i+1) != 2 {
			return 0, zone{}, "zone offsets are written ±hh:mm or ±hh:mm:ss; expected " + form
		}
		ss, _ = digitsAt(s, i+1, 2)
		i += 3
	}
	if mm > 59 || ss > 59 || hh*3600+mm*60+ss > 18*3600 {
		return 0, zone{}, fmt.Sprintf("zone offset %s is out of range (at most ±18:00, minutes and seconds 00 to 59)", s[start:i])
	}
	offset := hh*3600 + mm*60 + ss
	if s[start] == '-' {
		offset = -offset
	}
	return i, zone{present: true, offset: offset}, ""
}
