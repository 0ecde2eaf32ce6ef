package attr

import (
	"encoding/base64"
	"slices"
	"unicode/utf8"
)

// AppendValueJSON appends v's wire encoding ({"S":"x"}, {"N":"1.5"}, …) to
// dst. Numbers are written as their Str (canonical text); binaries in
// standard base64; strings with JSON escapes (invalid UTF-8 as U+FFFD). Map
// attribute names are written in sorted order; sets in their stored order.
// An Invalid value encodes as {} (a correct server never sends one).
func AppendValueJSON(dst []byte, v Value) []byte {
	switch v.Kind {
	case S:
		return append(AppendJSONString(append(dst, `{"S":`...), v.Str), '}')
	case N:
		return append(AppendJSONString(append(dst, `{"N":`...), v.Str), '}')
	case B:
		return append(appendBase64(append(dst, `{"B":`...), v.Bin), '}')
	case BOOL:
		if v.Bool {
			return append(dst, `{"BOOL":true}`...)
		}
		return append(dst, `{"BOOL":false}`...)
	case NULL:
		return append(dst, `{"NULL":true}`...)
	case M:
		return append(AppendItemJSON(append(dst, `{"M":`...), v.Map), '}')
	case L:
		dst = append(dst, `{"L":[`...)
		for i, e := range v.List {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendValueJSON(dst, e)
		}
		return append(dst, "]}"...)
	case SS, NS:
		if v.Kind == SS {
			dst = append(dst, `{"SS":[`...)
		} else {
			dst = append(dst, `{"NS":[`...)
		}
		for i, s := range v.Strs {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSONString(dst, s)
		}
		return append(dst, "]}"...)
	case BS:
		dst = append(dst, `{"BS":[`...)
		for i, b := range v.Bins {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendBase64(dst, b)
		}
		return append(dst, "]}"...)
	}
	return append(dst, "{}"...)
}

// AppendItemJSON appends it's wire encoding, a JSON object with attribute
// names in sorted order, to dst. A nil item encodes as {}.
func AppendItemJSON(dst []byte, it Item) []byte {
	dst = append(dst, '{')
	if len(it) <= 16 {
		// Small items: sort names on the stack.
		var arr [16]string
		keys := arr[:0]
		for k := range it {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = appendMembers(dst, it, keys)
	} else {
		keys := make([]string, 0, len(it))
		for k := range it {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = appendMembers(dst, it, keys)
	}
	return append(dst, '}')
}

func appendMembers(dst []byte, it Item, keys []string) []byte {
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendJSONString(dst, k)
		dst = append(dst, ':')
		dst = AppendValueJSON(dst, it[k])
	}
	return dst
}

func appendBase64(dst, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string literal: '"' and '\\'
// escaped, control characters as \n, \r, \t or \u00XX, invalid UTF-8 bytes
// as \ufffd; everything else verbatim.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
