package appsync

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
)

// jsonForm is quoted in error messages.
const jsonForm = "a string holding JSON (RFC 8259), such as \"{\\\"a\\\":1}\""

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

// MarshalAWSJSONObject writes m, encoded as JSON, as an AWSJSON string, so
// a field holding a decoded object binds to AWSJSON without a resolver. A nil
// m writes null (graphql.Null). m must be encodable by encoding/json (values
// decoded from JSON or DynamoDB always are); one that is not writes null.
func MarshalAWSJSONObject(m map[string]any) graphql.Marshaler {
	if m == nil {
		return graphql.Null
	}
	b, err := json.Marshal(m)
	if err != nil {
		return graphql.Null
	}
	return graphql.MarshalString(string(b))
}

// UnmarshalAWSJSONObject accepts what UnmarshalAWSJSON accepts, provided the
// JSON is an object, and returns it decoded. Anything else yields a
// BadRequest *shopgraph.Error.
func UnmarshalAWSJSONObject(v any) (map[string]any, error) {
	raw, err := UnmarshalAWSJSON(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, invalidf("AWSJSON", truncate(string(raw)), "not a JSON object; expected %s", jsonForm)
	}
	return m, nil
}
