package appsync

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/shopgraph/shopgraph"
)

// The scalars*.go files hold gqlgen's function-based custom scalars for the
// nine AWS scalars AppSync predeclares: scalars_datetime.go (AWSDate, AWSTime,
// AWSDateTime), scalars_timestamp.go (AWSTimestamp), scalars_net.go
// (AWSEmail, AWSURL, AWSPhone, AWSIPAddress) and scalars_json.go (AWSJSON);
// this file holds the error helpers they share. gqlgen.yml binds, for example,
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

// maxEcho is how many bytes of an offending value an error message repeats.
const maxEcho = 64

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
