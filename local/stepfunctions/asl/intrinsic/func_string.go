package intrinsic

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxBase64Chars is the longest input (in UTF-16 code units, as AWS's Java
// strings count) States.Base64Encode and States.Base64Decode accept.
const maxBase64Chars = 10000

// format is States.Format(template, value, ...): the template with each "{}"
// replaced by the next value. Braces escaped in a literal template (\{ \})
// are text.
func format(args []argument) (any, error) {
	tmpl, err := stringArg(args[0].value)
	if err != nil {
		return nil, err
	}
	var escaped map[int]bool
	if lit, ok := args[0].node.(stringNode); ok {
		escaped = lit.escaped
	}
	parts, err := splitTemplate(tmpl, escaped)
	if err != nil {
		return nil, err
	}
	values := args[1:]
	if len(values) != len(parts)-1 {
		return nil, fmt.Errorf("%w: %d placeholders for %d values", errInvalidArguments, len(parts)-1, len(values))
	}
	var b strings.Builder
	b.WriteString(parts[0])
	for i, v := range values {
		s, err := formatValue(v.value)
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
		b.WriteString(parts[i+1])
	}
	return b.String(), nil
}

// splitTemplate cuts a States.Format template at its "{}" placeholders.
func splitTemplate(tmpl string, escaped map[int]bool) ([]string, error) {
	var parts []string
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch {
		case escaped[i] || (c != '{' && c != '}'):
			b.WriteByte(c)
		case c == '}':
			return nil, &detailError{"Invalid template in States.Format: matching '{' not found for '}'."}
		case i+1 < len(tmpl) && tmpl[i+1] == '}' && !escaped[i+1]:
			parts = append(parts, b.String())
			b.Reset()
			i++
		default:
			return nil, &detailError{"Invalid template in States.Format: matching '}' not found for '{'."}
		}
	}
	return append(parts, b.String()), nil
}

// formatValue is a States.Format value as text: strings as they are,
// numbers, booleans and null as JSON. Arrays and objects are not accepted.
func formatValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []any, map[string]any:
		return "", fmt.Errorf("%w: cannot interpolate %s", errInvalidArguments, typeName(v))
	}
	return encode(v), nil
}

// stringSplit is States.StringSplit(string, delimiters): the string cut at
// every character of delimiters, empty pieces dropped.
func stringSplit(args []argument) (any, error) {
	s, err := stringArg(args[0].value)
	if err != nil {
		return nil, err
	}
	delims, err := stringArg(args[1].value)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, piece := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) }) {
		out = append(out, piece)
	}
	return out, nil
}

// base64Encode is States.Base64Encode(string): the UTF-8 bytes of the string
// in standard, padded base64.
func base64Encode(args []argument) (any, error) {
	s, err := limitedString(args[0].value)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

// base64Decode is States.Base64Decode(base64): the decoded bytes as UTF-8
// text (padding is optional; invalid UTF-8 becomes U+FFFD, as in Java).
func base64Decode(args []argument) (any, error) {
	s, err := limitedString(args[0].value)
	if err != nil {
		return nil, err
	}
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errInvalidArguments, err)
	}
	return strings.ToValidUTF8(string(raw), string(utf8.RuneError)), nil
}

// limitedString returns v as a string of at most maxBase64Chars characters.
func limitedString(v any) (string, error) {
	s, err := stringArg(v)
	if err != nil {
		return "", err
	}
	if n := utf16Len(s); n > maxBase64Chars {
		return "", fmt.Errorf("%w: %d characters, more than %d", errInvalidArguments, n, maxBase64Chars)
	}
	return s, nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// hashes are States.Hash's algorithms by AWS's (case-sensitive) names.
var hashes = map[string]func() hash.Hash{
	"MD5":     md5.New,
	"SHA-1":   sha1.New,
	"SHA-256": sha256.New,
	"SHA-384": sha512.New384,
	"SHA-512": sha512.New,
}

// hashData is States.Hash(data, algorithm): the lower-case hex digest of the
// string's UTF-8 bytes.
func hashData(args []argument) (any, error) {
	data, err := stringArg(args[0].value)
	if err != nil {
		return nil, err
	}
	name, err := stringArg(args[1].value)
	if err != nil {
		return nil, err
	}
	newHash, ok := hashes[name]
	if !ok {
		return nil, fmt.Errorf("%w: unsupported algorithm %q", errInvalidArguments, name)
	}
	h := newHash()
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// stringToJSON is States.StringToJson(string): the JSON value the string holds.
func stringToJSON(args []argument) (any, error) {
	s, err := stringArg(args[0].value)
	if err != nil {
		return nil, err
	}
	return parseJSON(s)
}

// jsonToString is States.JsonToString(value): the value's compact JSON text.
func jsonToString(args []argument) (any, error) {
	return encode(args[0].value), nil
}

// jsonMerge is States.JsonMerge(left, right, deep): a shallow merge of two
// objects, right winning on shared keys. AWS supports only deep = false.
func jsonMerge(args []argument) (any, error) {
	left, err := objectArg(args[0].value)
	if err != nil {
		return nil, err
	}
	right, err := objectArg(args[1].value)
	if err != nil {
		return nil, err
	}
	if deep, ok := args[2].value.(bool); !ok || deep {
		return nil, fmt.Errorf("%w: the deep-merge flag must be false, got %s", errInvalidArguments, encode(args[2].value))
	}
	out := make(map[string]any, len(left)+len(right))
	for _, m := range []map[string]any{left, right} {
		for k, v := range m {
			out[k] = v
		}
	}
	return out, nil
}

// uuid is States.UUID(): a random version 4 UUID.
func uuid([]argument) (any, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, &detailError{fmt.Sprintf("cannot generate a UUID: %v", err)}
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// decodeJSON decodes one JSON value with numbers as json.Number.
func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &json.SyntaxError{Offset: dec.InputOffset()}
	}
	return v, nil
}
