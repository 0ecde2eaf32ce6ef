package intrinsic

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// jacksonSource is how AWS's parser (Jackson) names the text in its messages.
const jacksonSource = "[Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: %d, column: %d]"

// parseJSON decodes s for States.StringToJson. A syntax error is worded as
// AWS reports it: "Cannot convert String to Json in States.StringToJson,
// caused by: <Jackson's message>" (the common messages are reproduced).
func parseJSON(s string) (any, error) {
	v, err := decodeJSON(s)
	if err != nil {
		return nil, &detailError{"Cannot convert String to Json in States.StringToJson, caused by: " + jacksonMessage(s, err)}
	}
	return v, nil
}

// position is a 1-based line and column, counted in characters as Jackson does.
type position struct{ line, column int }

// opener is an unclosed '{' or '['.
type opener struct {
	kind byte
	at   position
}

// jacksonMessage words a decoding error of s the way Jackson does.
func jacksonMessage(s string, err error) string {
	if strings.TrimSpace(s) == "" {
		return "No content to map due to end-of-input\n at " + fmt.Sprintf(jacksonSource, 1, 0)
	}
	open, end := scanOpeners(s)
	if errors.Is(err, io.ErrUnexpectedEOF) && len(open) > 0 {
		top := open[len(open)-1]
		kind := map[byte]string{'{': "Object", '[': "Array"}[top.kind]
		return fmt.Sprintf("Unexpected end-of-input: expected close marker for %s (start marker at "+jacksonSource+")\n at "+jacksonSource,
			kind, top.at.line, top.at.column, end.line, end.column)
	}
	offset := len(s)
	var syn *json.SyntaxError
	if errors.As(err, &syn) && syn.Offset > 0 && int(syn.Offset) <= len(s) {
		offset = int(syn.Offset) - 1
	}
	at := positionOf(s[:offset])
	if offset >= len(s) {
		return "Unexpected end-of-input\n at " + fmt.Sprintf(jacksonSource, at.line, at.column)
	}
	r := []rune(s[offset:])[0]
	return fmt.Sprintf("Unexpected character ('%c' (code %d)): expected a valid value\n at "+jacksonSource, r, r, at.line, at.column)
}

// scanOpeners returns the containers still open at the end of s, and the
// position just after s.
func scanOpeners(s string) ([]opener, position) {
	var open []opener
	at := position{1, 1}
	inString, escaped := false, false
	for _, r := range s {
		switch {
		case inString && escaped:
			escaped = false
		case inString && r == '\\':
			escaped = true
		case r == '"':
			inString = !inString
		case !inString && (r == '{' || r == '['):
			open = append(open, opener{byte(r), at})
		case !inString && (r == '}' || r == ']') && len(open) > 0:
			open = open[:len(open)-1]
		}
		at = advance(at, r)
	}
	return open, at
}

// positionOf is the position just after s.
func positionOf(s string) position {
	at := position{1, 1}
	for _, r := range s {
		at = advance(at, r)
	}
	return at
}

func advance(at position, r rune) position {
	if r == '\n' {
		return position{at.line + 1, 1}
	}
	return position{at.line, at.column + 1}
}
