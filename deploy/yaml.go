package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// omap is an ordered YAML mapping. The emitter writes omaps, sequences
// ([]any), strings, ints and bools.
type omap []field

// field is one key of an omap, with an optional comment line written above
// it.
type field struct {
	key     string
	value   any
	comment string
}

// m builds an omap from alternating keys and values.
func m(kv ...any) omap {
	if len(kv)%2 != 0 {
		panic("deploy: m needs key/value pairs")
	}
	out := make(omap, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		out = append(out, field{key: kv[i].(string), value: kv[i+1]})
	}
	return out
}

// emitYAML writes v as a block-style YAML document. Strings are plain where
// that cannot be misread (no YAML 1.1 booleans, numbers or indicators),
// multi-line strings are literal blocks, the rest are JSON-quoted (a JSON
// string is a valid YAML double-quoted scalar).
func emitYAML(buf *bytes.Buffer, v omap) error {
	return emitMap(buf, v, 0)
}

func emitMap(buf *bytes.Buffer, v omap, indent int) error {
	pad := strings.Repeat(" ", indent)
	for i, f := range v {
		if f.comment != "" {
			if i > 0 || indent == 0 {
				buf.WriteString("\n")
			}
			for line := range strings.SplitSeq(f.comment, "\n") {
				buf.WriteString(pad + "# " + line + "\n")
			}
		}
		if !plain(f.key, false) {
			return fmt.Errorf("deploy: key %q needs quoting; use a plain key", f.key)
		}
		buf.WriteString(pad + f.key + ":")
		if err := emitValue(buf, f.value, indent); err != nil {
			return fmt.Errorf("%s: %w", f.key, err)
		}
	}
	return nil
}

// emitValue writes the value of a mapping key (after its colon) at the
// key's indent.
func emitValue(buf *bytes.Buffer, v any, indent int) error {
	switch v := v.(type) {
	case omap:
		if len(v) == 0 {
			buf.WriteString(" {}\n")
			return nil
		}
		buf.WriteString("\n")
		return emitMap(buf, v, indent+2)
	case []any:
		if len(v) == 0 {
			buf.WriteString(" []\n")
			return nil
		}
		if flow, ok := flowList(v); ok {
			buf.WriteString(" " + flow + "\n")
			return nil
		}
		buf.WriteString("\n")
		return emitList(buf, v, indent+2)
	case string:
		if strings.Contains(v, "\n") {
			return emitLiteral(buf, v, indent+2)
		}
		buf.WriteString(" " + scalar(v) + "\n")
		return nil
	default:
		s, err := scalarOf(v)
		if err != nil {
			return err
		}
		buf.WriteString(" " + s + "\n")
		return nil
	}
}

func emitList(buf *bytes.Buffer, v []any, indent int) error {
	pad := strings.Repeat(" ", indent)
	for _, item := range v {
		switch item := item.(type) {
		case omap:
			if len(item) == 0 {
				buf.WriteString(pad + "- {}\n")
				continue
			}
			// The first key on the dash's line, the others below it.
			var first bytes.Buffer
			if err := emitMap(&first, item[:1], indent+2); err != nil {
				return err
			}
			if item[0].comment != "" {
				return fmt.Errorf("deploy: a list item's first key %q cannot have a comment", item[0].key)
			}
			buf.WriteString(pad + "- " + strings.TrimPrefix(first.String(), pad+"  "))
			if err := emitMap(buf, item[1:], indent+2); err != nil {
				return err
			}
		case []any:
			return fmt.Errorf("deploy: a list in a list is not supported")
		case string:
			if strings.Contains(item, "\n") {
				return fmt.Errorf("deploy: a multi-line string in a list is not supported")
			}
			buf.WriteString(pad + "- " + scalar(item) + "\n")
		default:
			s, err := scalarOf(item)
			if err != nil {
				return err
			}
			buf.WriteString(pad + "- " + s + "\n")
		}
	}
	return nil
}

// emitLiteral writes s as a literal block scalar indented by indent, with
// the chomping indicator that keeps its trailing newlines exactly.
func emitLiteral(buf *bytes.Buffer, s string, indent int) error {
	if strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\n") || strings.ContainsAny(s, "\r\t") || !printable(s) {
		buf.WriteString(" " + scalar(s) + "\n")
		return nil
	}
	body := strings.TrimRight(s, "\n")
	trailing := len(s) - len(body)
	chomp := map[bool]string{true: "-", false: "+"}[trailing == 0]
	if trailing == 1 {
		chomp = ""
	}
	buf.WriteString(" |" + chomp + "\n")
	pad := strings.Repeat(" ", indent)
	for line := range strings.SplitSeq(body, "\n") {
		if line == "" {
			buf.WriteString("\n")
			continue
		}
		buf.WriteString(pad + line + "\n")
	}
	for range max(trailing-1, 0) {
		buf.WriteString("\n")
	}
	return nil
}

func printable(s string) bool {
	for _, r := range s {
		if r != '\n' && (r < 0x20 || r == 0x7f || r == 0xfeff) {
			return false
		}
	}
	return true
}

func scalarOf(v any) (string, error) {
	switch v := v.(type) {
	case int:
		return fmt.Sprint(v), nil
	case bool:
		return fmt.Sprint(v), nil
	}
	return "", fmt.Errorf("deploy: cannot write a %T as YAML", v)
}

// flowList writes a list of short identifier-like strings in flow style
// ([a, b]); ok is false when an item is anything else.
func flowList(v []any) (string, bool) {
	parts := make([]string, len(v))
	for i, item := range v {
		s, isString := item.(string)
		if !isString || !flowSafe.MatchString(s) || !plain(s, true) {
			return "", false
		}
		parts[i] = s
	}
	return "[" + strings.Join(parts, ", ") + "]", true
}

var (
	// blockSafe is what a plain scalar may look like here: it starts with a
	// letter, / or $, and has no spaces, quotes, # or flow indicators at
	// the start; ':' only inside (never followed by a space: no spaces).
	blockSafe = regexp.MustCompile(`^[A-Za-z/$][A-Za-z0-9_./:${}*-]*$`)
	// flowSafe is a plain scalar inside [ ]: no colons or braces.
	flowSafe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)
	// reserved are the words YAML 1.1 or 1.2 reads as booleans or null.
	reserved = regexp.MustCompile(`^(?i:y|n|yes|no|true|false|on|off|null)$`)
)

// plain reports whether s can be written unquoted.
func plain(s string, flow bool) bool {
	if flow {
		return flowSafe.MatchString(s) && !reserved.MatchString(s)
	}
	return blockSafe.MatchString(s) && !reserved.MatchString(s) && !strings.HasSuffix(s, ":")
}

// scalar writes a one-line string: plain if it can be, else JSON-quoted.
func scalar(s string) string {
	if plain(s, false) {
		return s
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
