package appsync

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/shopgraph/shopgraph"
)

// This file holds gqlgen's function-based custom scalars for the AWS scalars
// (appsync.md §4.1). gqlgen.yml binds, for example,
//
//	AWSDateTime: { model: github.com/shopgraph/shopgraph/appsync.AWSDateTime }
//
// and gqlgen then calls MarshalAWSDateTime and UnmarshalAWSDateTime.
//
// Go types: AWSTimestamp is an int64, AWSJSON a json.RawMessage, and every
// other AWS scalar a string that is passed through exactly as received (never
// normalized), so round trips match AppSync.
//
// Every error returned by an Unmarshal or Validate function is a
// *shopgraph.Error with code shopgraph.CodeBadRequest whose message names the
// scalar, echoes the offending value (truncated to about 64 bytes) and says
// what was expected, for example
//
//	Invalid AWSDateTime value "2024-01-01T10:00": a zone (Z, ±hh:mm or ±hh:mm:ss) is required

// Bounds of AWSTimestamp (seconds since 1970-01-01T00:00Z), as AppSync
// documents them (appsync.md §4.1). They are the epoch seconds of Java's
// Instant.MIN (-1000000000-01-01T00:00Z) and Instant.MAX.
const (
	// MinAWSTimestamp is the smallest AWSTimestamp UnmarshalAWSTimestamp accepts.
	MinAWSTimestamp int64 = -31557014167219200
	// MaxAWSTimestamp is the largest AWSTimestamp UnmarshalAWSTimestamp accepts.
	MaxAWSTimestamp int64 = 31556889864403199
)

// maxEcho is how many bytes of an offending value an error message repeats.
const maxEcho = 64

// Forms quoted in error messages.
const (
	zoneForm     = "Z, ±hh:mm or ±hh:mm:ss"
	dateForm     = "YYYY-MM-DD, optionally followed by a zone (" + zoneForm + ")"
	timeForm     = "hh:mm, hh:mm:ss or hh:mm:ss.sss (1 to 9 fraction digits), optionally followed by a zone (" + zoneForm + ")"
	dateTimeForm = "YYYY-MM-DDThh:mm[:ss[.sss]] followed by a zone (" + zoneForm + ")"
	emailForm    = "an email address of the form local-part@domain"
	urlForm      = "an absolute URL with a scheme, such as https://example.com/path"
	phoneForm    = "a phone number: digits, optionally grouped by single spaces or hyphens, with an optional leading +country code"
	ipForm       = "an IPv4 or IPv6 address, optionally with a /prefix-length (CIDR) suffix"
	jsonForm     = "a string holding JSON (RFC 8259), such as \"{\\\"a\\\":1}\""
	tsForm       = "an integer number of seconds since 1970-01-01T00:00Z"
)

// Phone numbers have at most 15 digits (ITU-T E.164) and, to be a usable
// number at all, at least 7.
const (
	minPhoneDigits = 7
	maxPhoneDigits = 15
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
	i, r := scanDate(s, 0, dateForm)
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
	i, r := scanTime(s, 0, timeForm)
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

// ValidateAWSDateTime reports whether s is a valid AWSDateTime: an AWSDate
// without zone, an uppercase T, an AWSTime without zone, and a MANDATORY zone
// (Z, ±hh:mm or ±hh:mm:ss). Example: 1970-01-01T12:00:00.277Z. It returns nil
// or a BadRequest *shopgraph.Error.
func ValidateAWSDateTime(s string) error {
	return invalid("AWSDateTime", s, checkDateTime(s))
}

func checkDateTime(s string) string {
	i, r := scanDate(s, 0, dateTimeForm)
	if r != "" {
		return r
	}
	switch {
	case i == len(s):
		return "the time is missing; expected " + dateTimeForm
	case s[i] == 't' || s[i] == ' ':
		return "the date and the time must be separated by an uppercase T; expected " + dateTimeForm
	case s[i] != 'T':
		if s[i] == 'Z' || s[i] == '+' || s[i] == '-' {
			return "the time is missing; expected " + dateTimeForm + " (use AWSDate for a date only)"
		}
		return trailing(s, i, "date", dateTimeForm)
	}
	i, r = scanTime(s, i+1, dateTimeForm)
	if r != "" {
		return r
	}
	i, zone, r := scanZone(s, i, dateTimeForm)
	if r != "" {
		return r
	}
	if !zone && i == len(s) {
		return "a zone (" + zoneForm + ") is required"
	}
	if i < len(s) {
		return trailing(s, i, "date and time", dateTimeForm)
	}
	return ""
}

// ---------------------------------------------------------------------------
// AWSTimestamp

// MarshalAWSTimestamp writes t as a JSON integer. It does not check the range.
func MarshalAWSTimestamp(t int64) graphql.Marshaler { return graphql.MarshalInt64(t) }

// UnmarshalAWSTimestamp accepts an integer number of seconds since
// 1970-01-01T00:00Z in the range [MinAWSTimestamp, MaxAWSTimestamp]: a Go
// integer (int, int8…int64, uint…uint64), a json.Number (gqlgen decodes
// request variables with UseNumber) whose value is an integer, or a float64 or
// float32 holding a whole number. Strings, booleans, null, objects, lists,
// fractions, non-finite and out-of-range values yield a BadRequest
// *shopgraph.Error.
func UnmarshalAWSTimestamp(v any) (int64, error) {
	const scalar = "AWSTimestamp"
	switch x := v.(type) {
	case int:
		return timestampInRange(int64(x), strconv.Itoa(x))
	case int8:
		return timestampInRange(int64(x), strconv.Itoa(int(x)))
	case int16:
		return timestampInRange(int64(x), strconv.Itoa(int(x)))
	case int32:
		return timestampInRange(int64(x), strconv.Itoa(int(x)))
	case int64:
		return timestampInRange(x, strconv.FormatInt(x, 10))
	case uint:
		return timestampFromUint(uint64(x))
	case uint8:
		return timestampFromUint(uint64(x))
	case uint16:
		return timestampFromUint(uint64(x))
	case uint32:
		return timestampFromUint(uint64(x))
	case uint64:
		return timestampFromUint(x)
	case float32:
		return timestampFromFloat(float64(x), strconv.FormatFloat(float64(x), 'g', -1, 32))
	case float64:
		return timestampFromFloat(x, strconv.FormatFloat(x, 'g', -1, 64))
	case json.Number:
		shown := truncate(string(x))
		n, r := parseIntegerNumber(string(x))
		switch r {
		case numOK:
			return timestampInRange(n, shown)
		case numFraction:
			return 0, invalidf(scalar, shown, "not an integer; expected %s", tsForm)
		case numRange:
			return 0, timestampRangeError(shown)
		default:
			return 0, invalidf(scalar, shown, "not a number; expected %s", tsForm)
		}
	default:
		return 0, wrongType(scalar, v, tsForm)
	}
}

func timestampInRange(n int64, shown string) (int64, error) {
	if n < MinAWSTimestamp || n > MaxAWSTimestamp {
		return 0, timestampRangeError(shown)
	}
	return n, nil
}

func timestampFromUint(u uint64) (int64, error) {
	shown := strconv.FormatUint(u, 10)
	if u > uint64(MaxAWSTimestamp) {
		return 0, timestampRangeError(shown)
	}
	return int64(u), nil
}

func timestampFromFloat(f float64, shown string) (int64, error) {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return 0, invalidf("AWSTimestamp", shown, "not a finite number; expected %s", tsForm)
	case f != math.Trunc(f):
		return 0, invalidf("AWSTimestamp", shown, "not an integer; expected %s", tsForm)
	case f < -(1<<63) || f >= 1<<63:
		return 0, timestampRangeError(shown)
	}
	return timestampInRange(int64(f), shown)
}

func timestampRangeError(shown string) error {
	return invalidf("AWSTimestamp", shown, "out of range; expected %s between %d and %d",
		tsForm, MinAWSTimestamp, MaxAWSTimestamp)
}

// Results of parseIntegerNumber.
const (
	numOK       = iota // an integer that fits in an int64
	numSyntax          // not a JSON number
	numFraction        // a number that is not an integer
	numRange           // an integer outside the int64 range
)

// parseIntegerNumber parses s, which should be a JSON number (RFC 8259 §6),
// exactly: 1e3 and 1000.0 are the integer 1000, 1.5 and 1e-1 are fractions.
// Text that is not a JSON number (01, +1, 1., .5, " 1") is a syntax error. It
// never builds huge intermediate values, whatever the exponent.
func parseIntegerNumber(s string) (int64, int) {
	// int part: "0" or a digit run without a leading zero
	i := 0
	neg := false
	if i < len(s) && s[i] == '-' {
		neg = true
		i++
	}
	start := i
	if i < len(s) && s[i] == '0' {
		i++
	} else {
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i == start {
		return 0, numSyntax
	}
	intPart := s[start:i]
	fracPart := ""
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == fs {
			return 0, numSyntax
		}
		fracPart = s[fs:i]
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		expNeg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			expNeg = s[i] == '-'
			i++
		}
		es := i
		for i < len(s) && isDigit(s[i]) {
			// Saturate: anything beyond a million digits of shift is
			// either zero-fraction-free overflow or a fraction.
			if exp < 1_000_000 {
				exp = exp*10 + int(s[i]-'0')
			}
			i++
		}
		if i == es {
			return 0, numSyntax
		}
		if expNeg {
			exp = -exp
		}
	}
	if i != len(s) {
		return 0, numSyntax
	}
	// value = digits × 10^shift
	digits := strings.TrimLeft(intPart+fracPart, "0")
	shift := exp - len(fracPart)
	trimmed := strings.TrimRight(digits, "0")
	shift += len(digits) - len(trimmed)
	digits = trimmed
	if digits == "" {
		return 0, numOK // zero, whatever the exponent
	}
	if shift < 0 {
		return 0, numFraction
	}
	if len(digits)+shift > 19 {
		return 0, numRange
	}
	text := digits + strings.Repeat("0", shift)
	if neg {
		text = "-" + text
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, numRange
	}
	return n, numOK
}

// ---------------------------------------------------------------------------
// AWSEmail

// MarshalAWSEmail writes s as a JSON string, unchanged. It does not validate s.
func MarshalAWSEmail(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSEmail accepts a string that ValidateAWSEmail accepts and returns
// it unchanged. Any other value, including non-strings, yields a BadRequest
// *shopgraph.Error.
func UnmarshalAWSEmail(v any) (string, error) {
	return unmarshalString("AWSEmail", v, emailForm, ValidateAWSEmail)
}

// ValidateAWSEmail reports whether s is an RFC 822 addr-spec, local-part@domain,
// without comments or folding white space: the local part is dot-separated
// atoms or quoted strings, the domain dot-separated atoms or [domain literals].
// Only ASCII is allowed. Example: username@example.com. It returns nil or a
// BadRequest *shopgraph.Error.
func ValidateAWSEmail(s string) error {
	return invalid("AWSEmail", s, checkEmail(s))
}

func checkEmail(s string) string {
	if s == "" {
		return "empty; expected " + emailForm
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return "only ASCII characters are allowed; expected " + emailForm
		}
	}
	// local-part = word *("." word); word = atom / quoted-string
	i, r := scanWords(s, 0, '"', '"', "local part")
	if r != "" {
		return r
	}
	switch {
	case i >= len(s):
		return "the @ and the domain are missing; expected " + emailForm
	case s[i] != '@':
		return fmt.Sprintf("character %q is not allowed in the local part; expected %s", s[i], emailForm)
	case i+1 >= len(s):
		return "the domain after @ is missing; expected " + emailForm
	}
	// domain = sub-domain *("." sub-domain); sub-domain = atom / domain-literal
	i, r = scanWords(s, i+1, '[', ']', "domain")
	if r != "" {
		return r
	}
	if i < len(s) {
		return fmt.Sprintf("character %q is not allowed in the domain; expected %s", s[i], emailForm)
	}
	return ""
}

// scanWords scans RFC 822 words (atoms, or quoted parts from open to close)
// separated by single dots at s[i:], and returns the index after the last.
// part names the part of the address in reasons.
func scanWords(s string, i int, open, close byte, part string) (int, string) {
	for {
		switch {
		case i < len(s) && s[i] == open:
			j, ok := scanQuoted(s, i, open, close)
			if !ok {
				return 0, fmt.Sprintf("the %s has an unterminated %c…%c; expected %s", part, open, close, emailForm)
			}
			i = j
		case i < len(s) && isAtext(s[i]):
			for i < len(s) && isAtext(s[i]) {
				i++
			}
		case i < len(s) && s[i] != '.' && s[i] != '@':
			return 0, fmt.Sprintf("character %q is not allowed in the %s; expected %s", s[i], part, emailForm)
		default:
			if i == 0 {
				return 0, "the local part before @ is missing; expected " + emailForm
			}
			return 0, fmt.Sprintf("the %s is empty or has an empty part (a dot at its start or end, or two dots in a row); expected %s", part, emailForm)
		}
		if i < len(s) && s[i] == '.' {
			i++
			continue
		}
		return i, ""
	}
}

// isAtext reports whether c may appear in an RFC 822 atom: any printable
// ASCII character except the specials ()<>@,;:\".[] and space.
func isAtext(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	return !strings.ContainsRune(`()<>@,;:\".[]`, rune(c))
}

// scanQuoted scans an RFC 822 quoted-string (open '"', close '"') or
// domain-literal (open '[', close ']') starting at s[i] == open. Inside, a
// backslash quotes the next character; CR and an unquoted open '[' are not
// allowed. It returns the index after close.
func scanQuoted(s string, i int, open, close byte) (int, bool) {
	i++
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return 0, false
			}
			i += 2
			continue
		case c == close:
			return i + 1, true
		case c == '\r' || c == '\n' || (open == '[' && c == '['):
			return 0, false
		}
		i++
	}
	return 0, false
}

// ---------------------------------------------------------------------------
// AWSURL

// MarshalAWSURL writes s as a JSON string, unchanged. It does not validate s.
func MarshalAWSURL(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSURL accepts a string that ValidateAWSURL accepts and returns it
// unchanged (no normalization: no trailing slash is added). Any other value,
// including non-strings, yields a BadRequest *shopgraph.Error.
func UnmarshalAWSURL(v any) (string, error) {
	return unmarshalString("AWSURL", v, urlForm, ValidateAWSURL)
}

// ValidateAWSURL reports whether s is a valid AWSURL: an absolute URL with any
// RFC 3986 scheme (local URLs such as http://localhost/ included) that Go's
// net/url parses, without spaces or control characters, with a host for the
// http, https, ws, wss and ftp schemes, and whose path does not contain "//".
// Values without a scheme (amazon.com) are invalid. It returns nil or a
// BadRequest *shopgraph.Error.
func ValidateAWSURL(s string) error {
	return invalid("AWSURL", s, checkURL(s))
}

func checkURL(s string) string {
	if s == "" {
		return "empty; expected " + urlForm
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == utf8.RuneError {
			return "spaces, control characters and invalid UTF-8 are not allowed; expected " + urlForm
		}
	}
	// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
	colon := strings.IndexByte(s, ':')
	if colon <= 0 || strings.ContainsAny(s[:colon], "/?#") || !isAlpha(s[0]) {
		return "a scheme (such as https:) is required; expected " + urlForm
	}
	for i := 1; i < colon; i++ {
		if c := s[i]; !isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.' {
			return fmt.Sprintf("character %q is not allowed in the scheme; expected %s", c, urlForm)
		}
	}
	scheme := strings.ToLower(s[:colon])
	rest := s[colon+1:]
	if rest == "" {
		return "nothing follows the scheme; expected " + urlForm
	}
	u, err := url.Parse(s)
	if err != nil {
		msg := err.Error()
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			msg = ue.Err.Error() // without the echoed URL
		}
		if len(msg) > 2*maxEcho {
			msg = msg[:2*maxEcho] + "…"
		}
		return "not a valid URL (" + strings.ToValidUTF8(msg, "\uFFFD") + "); expected " + urlForm
	}
	// Split off query and fragment; what is left is authority and path.
	hierPart := rest
	if k := strings.IndexAny(hierPart, "?#"); k >= 0 {
		hierPart = hierPart[:k]
	}
	path := hierPart
	if strings.HasPrefix(hierPart, "//") {
		authority := hierPart[2:]
		path = ""
		if k := strings.IndexByte(authority, '/'); k >= 0 {
			path = authority[k:]
		}
	}
	switch scheme {
	case "http", "https", "ws", "wss", "ftp":
		if !strings.HasPrefix(hierPart, "//") || u.Hostname() == "" {
			return "the host is missing (" + scheme + " URLs are written " + scheme + "://host/path); expected " + urlForm
		}
	}
	if strings.Contains(path, "//") {
		return "the path must not contain \"//\""
	}
	return ""
}

// ---------------------------------------------------------------------------
// AWSPhone

// MarshalAWSPhone writes s as a JSON string, unchanged. It does not validate s.
func MarshalAWSPhone(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSPhone accepts a string that ValidateAWSPhone accepts and returns
// it unchanged. Any other value, including non-strings, yields a BadRequest
// *shopgraph.Error.
func UnmarshalAWSPhone(v any) (string, error) {
	return unmarshalString("AWSPhone", v, phoneForm, ValidateAWSPhone)
}

// ValidateAWSPhone reports whether s is a valid AWSPhone: an optional leading
// + (country code), then groups of ASCII digits separated by single spaces or
// hyphens, 7 to 15 digits in all (E.164 allows at most 15). US numbers need no
// country code. Examples: 206-555-0100, +1 206 555 0100, +44 20 7946 0958. The
// check is syntactic; it does not consult numbering plans. It returns nil or a
// BadRequest *shopgraph.Error.
func ValidateAWSPhone(s string) error {
	return invalid("AWSPhone", s, checkPhone(s))
}

func checkPhone(s string) string {
	if s == "" {
		return "empty; expected " + phoneForm
	}
	i := 0
	if s[0] == '+' {
		i = 1
	}
	n := 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			n++
		case c == ' ' || c == '-':
			if i == 0 || !isDigit(s[i-1]) || i+1 >= len(s) || !isDigit(s[i+1]) {
				return "spaces and hyphens may only separate groups of digits (one at a time); expected " + phoneForm
			}
		case c == '+':
			return "a + may only appear at the start (before the country code); expected " + phoneForm
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			return fmt.Sprintf("character %q is not allowed; expected %s", r, phoneForm)
		}
	}
	switch {
	case n < minPhoneDigits:
		return fmt.Sprintf("too few digits (%d; at least %d); expected %s", n, minPhoneDigits, phoneForm)
	case n > maxPhoneDigits:
		return fmt.Sprintf("too many digits (%d; at most %d); expected %s", n, maxPhoneDigits, phoneForm)
	}
	return ""
}

// ---------------------------------------------------------------------------
// AWSIPAddress

// MarshalAWSIPAddress writes s as a JSON string, unchanged. It does not
// validate s.
func MarshalAWSIPAddress(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalAWSIPAddress accepts a string that ValidateAWSIPAddress accepts and
// returns it unchanged. Any other value, including non-strings, yields a
// BadRequest *shopgraph.Error.
func UnmarshalAWSIPAddress(v any) (string, error) {
	return unmarshalString("AWSIPAddress", v, ipForm, ValidateAWSIPAddress)
}

// ValidateAWSIPAddress reports whether s is a valid AWSIPAddress: an IPv4
// address in dotted-decimal form (no leading zeros) or an IPv6 address
// (RFC 4291 text, IPv4-embedded forms included, no %zone), optionally followed
// by a CIDR prefix length /n with 0 <= n <= 32 (IPv4) or 128 (IPv6). Host bits
// may be set: 127.0.0.1/8 is valid. It returns nil or a BadRequest
// *shopgraph.Error.
func ValidateAWSIPAddress(s string) error {
	return invalid("AWSIPAddress", s, checkIP(s))
}

func checkIP(s string) string {
	if s == "" {
		return "empty; expected " + ipForm
	}
	addrText, prefix, hasPrefix := strings.Cut(s, "/")
	addr, err := netip.ParseAddr(addrText)
	if err != nil {
		return "not an IPv4 or IPv6 address; expected " + ipForm
	}
	if addr.Zone() != "" {
		return "IPv6 zones (%zone) are not allowed; expected " + ipForm
	}
	if !hasPrefix {
		return ""
	}
	bits := addr.BitLen()
	family := "IPv4"
	if addr.Is6() {
		family = "IPv6"
	}
	if prefix == "" || len(prefix) > 3 || (len(prefix) > 1 && prefix[0] == '0') {
		return fmt.Sprintf("the prefix length after / must be a number from 0 to %d for %s, without leading zeros", bits, family)
	}
	n := 0
	for i := 0; i < len(prefix); i++ {
		if !isDigit(prefix[i]) {
			return fmt.Sprintf("the prefix length after / must be a number from 0 to %d for %s, without leading zeros", bits, family)
		}
		n = n*10 + int(prefix[i]-'0')
	}
	if n > bits {
		return fmt.Sprintf("prefix length /%d is out of range for %s (0 to %d)", n, family, bits)
	}
	return ""
}

// ---------------------------------------------------------------------------
// AWSJSON

// MarshalAWSJSON writes the JSON text j as a JSON string, because AWSJSON
// travels as a string: json.RawMessage(`{"a":1}`) becomes "{\"a\":1}". The
// text is not re-encoded or validated. A nil or empty j writes null (and is
// graphql.Null, so gqlgen reports it on a non-null field).
func MarshalAWSJSON(j json.RawMessage) graphql.Marshaler {
	if len(j) == 0 {
		return graphql.Null
	}
	return graphql.MarshalString(string(j))
}

// UnmarshalAWSJSON accepts a string holding valid RFC 8259 JSON text (an
// object, array, string, number, true, false or null, with optional
// surrounding white space) in valid UTF-8, and returns its bytes unchanged as a
// json.RawMessage. Resolvers decode it with json.Unmarshal. Non-strings
// (including objects and lists sent in place of the string) and strings that
// are not JSON ({a: 1}, {'a': 1}, an unquoted word, "") yield a BadRequest
// *shopgraph.Error.
func UnmarshalAWSJSON(v any) (json.RawMessage, error) {
	s, ok := v.(string)
	if !ok {
		return nil, wrongType("AWSJSON", v, jsonForm)
	}
	if !utf8.ValidString(s) {
		return nil, invalidf("AWSJSON", truncate(s), "not valid UTF-8; expected %s", jsonForm)
	}
	b := []byte(s)
	if !json.Valid(b) {
		// Unmarshalling into a RawMessage only runs the syntax check, so
		// this is cheap and yields the reason with its offset.
		var raw json.RawMessage
		reason := "not valid JSON"
		if err := json.Unmarshal(b, &raw); err != nil {
			reason = "not valid JSON (" + err.Error() + ")"
			if se := (*json.SyntaxError)(nil); errors.As(err, &se) {
				reason = fmt.Sprintf("not valid JSON (%s at offset %d)", se.Error(), se.Offset)
			}
		}
		return nil, invalidf("AWSJSON", truncate(s), "%s; expected %s", reason, jsonForm)
	}
	return json.RawMessage(b), nil
}

// ---------------------------------------------------------------------------
// Shared helpers

// unmarshalString is the Unmarshal of the string-typed scalars: v must be a Go
// string that validate accepts.
func unmarshalString(scalar string, v any, want string, validate func(string) error) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", wrongType(scalar, v, want)
	}
	if err := validate(s); err != nil {
		return "", err
	}
	return s, nil
}

// invalid turns a check's reason into nil ("" reason) or a BadRequest error.
func invalid(scalar, value, reason string) error {
	if reason == "" {
		return nil
	}
	return invalidf(scalar, truncate(value), "%s", reason)
}

// invalidf returns the BadRequest error for scalar; shown is the offending
// value as it should appear in the message (already quoted and truncated).
func invalidf(scalar, shown, format string, args ...any) error {
	return shopgraph.Errorf(shopgraph.CodeBadRequest, "Invalid %s value %s: %s",
		scalar, shown, fmt.Sprintf(format, args...))
}

// wrongType is the error for a value of the wrong JSON type.
func wrongType(scalar string, v any, want string) error {
	shown, kind := describe(v)
	return invalidf(scalar, shown, "expected %s, got %s", want, kind)
}

// describe renders v for an error message and names its JSON kind. It never
// formats compound values (which may be huge or cyclic).
func describe(v any) (shown, kind string) {
	switch x := v.(type) {
	case nil:
		return "null", "null"
	case string:
		return truncate(x), "a string"
	case bool:
		return strconv.FormatBool(x), "a boolean"
	case json.Number:
		return truncate(string(x)), "a number"
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x), "a number"
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), "a number"
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), "a number"
	case map[string]any:
		return "{…}", "an object"
	case []any:
		return "[…]", "a list"
	default:
		return fmt.Sprintf("of Go type %T", v), fmt.Sprintf("a value of Go type %T", v)
	}
}

// truncate quotes s for an error message, cut to at most maxEcho bytes (on a
// rune boundary) with a trailing ellipsis when it was longer.
func truncate(s string) string {
	if len(s) <= maxEcho {
		return strconv.Quote(s)
	}
	cut := maxEcho
	for k := 0; k < utf8.UTFMax-1 && cut > 0 && !utf8.RuneStart(s[cut]); k++ {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// trailing is the reason for unexpected text at s[i:] after what was parsed.
func trailing(s string, i int, what, form string) string {
	return fmt.Sprintf("unexpected %s after the %s; expected %s", truncate(s[i:]), what, form)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

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

// scanDate parses [-]YYYY-MM-DD at s[i:] and returns the index after it, or a
// reason ("" when valid). form is quoted in structural errors.
func scanDate(s string, i int, form string) (int, string) {
	start := i
	if i < len(s) && s[i] == '+' {
		return 0, "a + before the year is not allowed (years have 4 digits; negative years are written -YYYY); expected " + form
	}
	neg := i < len(s) && s[i] == '-'
	if neg {
		i++
	}
	switch n := runOfDigits(s, i); {
	case n == 8 && (i+8 == len(s) || strings.IndexByte("TZ+-", s[i+8]) >= 0):
		return 0, "the basic format YYYYMMDD is not accepted; expected " + form
	case n == 4:
	case n > 0 && i+n < len(s) && s[i+n] == '-':
		return 0, fmt.Sprintf("the year must have exactly 4 digits (found %d); expected %s", n, form)
	default:
		return 0, "expected " + form
	}
	year, _ := digitsAt(s, i, 4)
	if neg && year == 0 {
		return 0, "year -0000 is not valid (write 0000); expected " + form
	}
	yearText := s[start : i+4]
	if neg {
		year = -year
	}
	i += 4
	if i >= len(s) || s[i] != '-' || runOfDigits(s, i+1) != 2 || i+3 >= len(s) || s[i+3] != '-' || runOfDigits(s, i+4) != 2 {
		return 0, "expected " + form
	}
	month, _ := digitsAt(s, i+1, 2)
	day, _ := digitsAt(s, i+4, 2)
	if month < 1 || month > 12 {
		return 0, fmt.Sprintf("month %02d is out of range (01 to 12)", month)
	}
	if dim := daysIn(year, month); day < 1 || day > dim {
		return 0, fmt.Sprintf("day %02d does not exist in %s-%02d (01 to %02d)", day, yearText, month, dim)
	}
	return i + 6, ""
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
// it, or a reason.
func scanTime(s string, i int, form string) (int, string) {
	if runOfDigits(s, i) != 2 || i+2 >= len(s) || s[i+2] != ':' || runOfDigits(s, i+3) != 2 {
		return 0, "expected " + form
	}
	hour, _ := digitsAt(s, i, 2)
	minute, _ := digitsAt(s, i+3, 2)
	if hour > 23 {
		return 0, fmt.Sprintf("hour %02d is out of range (00 to 23)", hour)
	}
	if minute > 59 {
		return 0, fmt.Sprintf("minute %02d is out of range (00 to 59)", minute)
	}
	i += 5
	if i < len(s) && s[i] == '.' {
		return 0, "a fraction of a second requires seconds (hh:mm:ss.sss); expected " + form
	}
	if i >= len(s) || s[i] != ':' {
		return i, ""
	}
	if runOfDigits(s, i+1) != 2 {
		return 0, "seconds must have 2 digits; expected " + form
	}
	second, _ := digitsAt(s, i+1, 2)
	if second > 59 {
		return 0, fmt.Sprintf("second %02d is out of range (00 to 59)", second)
	}
	i += 3
	if i >= len(s) || s[i] != '.' {
		return i, ""
	}
	switch n := runOfDigits(s, i+1); {
	case n == 0:
		return 0, "the fraction of a second after . needs 1 to 9 digits; expected " + form
	case n > 9:
		return 0, fmt.Sprintf("the fraction of a second has %d digits (at most 9); expected %s", n, form)
	default:
		return i + 1 + n, ""
	}
}

// scanZone parses an optional zone (Z, ±hh:mm or ±hh:mm:ss, at most ±18:00)
// at s[i:]. It returns the index after it and whether there was one, or a
// reason.
func scanZone(s string, i int, form string) (int, bool, string) {
	if i >= len(s) {
		return i, false, ""
	}
	switch s[i] {
	case 'Z':
		return i + 1, true, ""
	case 'z':
		return 0, false, "the UTC zone must be an uppercase Z; expected " + form
	case '+', '-':
	default:
		return i, false, ""
	}
	start := i
	if runOfDigits(s, i+1) != 2 || i+3 >= len(s) || s[i+3] != ':' || runOfDigits(s, i+4) != 2 {
		return 0, false, "zone offsets are written ±hh:mm or ±hh:mm:ss; expected " + form
	}
	hh, _ := digitsAt(s, i+1, 2)
	mm, _ := digitsAt(s, i+4, 2)
	ss := 0
	i += 6
	if i < len(s) && s[i] == ':' {
		if runOfDigits(s, i+1) != 2 {
			return 0, false, "zone offsets are written ±hh:mm or ±hh:mm:ss; expected " + form
		}
		ss, _ = digitsAt(s, i+1, 2)
		i += 3
	}
	if mm > 59 || ss > 59 || hh*3600+mm*60+ss > 18*3600 {
		return 0, false, fmt.Sprintf("zone offset %s is out of range (at most ±18:00, minutes and seconds 00 to 59)", s[start:i])
	}
	return i, true, ""
}
