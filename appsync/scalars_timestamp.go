package appsync

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

// Bounds of AWSTimestamp (seconds since 1970-01-01T00:00Z), the range AppSync
// accepts: the epoch seconds of Java's Instant.MIN (-1000000000-01-01T00:00Z)
// and Instant.MAX (+1000000000-12-31T23:59:59.999999999Z), in whole seconds.
const (
	// MinAWSTimestamp is the smallest AWSTimestamp UnmarshalAWSTimestamp accepts.
	MinAWSTimestamp int64 = -31557014167219200
	// MaxAWSTimestamp is the largest AWSTimestamp UnmarshalAWSTimestamp accepts.
	MaxAWSTimestamp int64 = 31556889864403199
)

// tsForm is quoted in error messages.
const tsForm = "an integer number of seconds since 1970-01-01T00:00Z"

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
