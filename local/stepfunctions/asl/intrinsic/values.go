package intrinsic

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// stringArg returns v as a string.
func stringArg(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%w: %s is not a string", errInvalidArguments, typeName(v))
	}
	return s, nil
}

// arrayArg returns v as an array.
func arrayArg(v any) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not an array", errInvalidArguments, typeName(v))
	}
	return a, nil
}

// objectArg returns v as an object.
func objectArg(v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not an object", errInvalidArguments, typeName(v))
	}
	return m, nil
}

// numberArg returns v as a finite float64.
func numberArg(v any) (float64, error) {
	var f float64
	var err error
	switch x := v.(type) {
	case json.Number:
		f, err = strconv.ParseFloat(string(x), 64)
	case float64:
		f = x
	case float32:
		f = float64(x)
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	default:
		return 0, fmt.Errorf("%w: %s is not a number", errInvalidArguments, typeName(v))
	}
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%w: %v is not a finite number", errInvalidArguments, v)
	}
	return f, nil
}

// roundedArg returns v rounded to the nearest integer (halves up, as Java's
// Math.round), which AWS does to the numeric arguments of most functions.
func roundedArg(v any) (int64, error) {
	return integerArg(v, func(f float64) float64 { return math.Floor(f + 0.5) })
}

// truncatedArg returns v with its fraction dropped (States.MathRandom's bounds).
func truncatedArg(v any) (int64, error) {
	return integerArg(v, math.Trunc)
}

// integerArgs converts each of args with toInteger.
func integerArgs(args []argument, toInteger func(any) (int64, error)) ([]int64, error) {
	out := make([]int64, len(args))
	for i, a := range args {
		n, err := toInteger(a.value)
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		out[i] = n
	}
	return out, nil
}

func integerArg(v any, toInteger func(float64) float64) (int64, error) {
	f, err := numberArg(v)
	if err != nil {
		return 0, err
	}
	f = toInteger(f)
	if f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, fmt.Errorf("%w: %v is out of range", errInvalidArguments, v)
	}
	return int64(f), nil
}

// number is n as a JSON number.
func number(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

// typeName names v's JSON type, for error context.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	if _, err := numberArg(v); err == nil {
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// encode is v's compact JSON text (no HTML escaping, as AWS).
func encode(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%v", v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// canonicalKey is a text that two JSON values share exactly when they are
// equal: object keys sorted, numbers by value (1 and 1.0 are equal).
func canonicalKey(v any) string {
	var b strings.Builder
	writeCanonical(&b, v)
	return b.String()
}

func writeCanonical(b *strings.Builder, v any) {
	switch x := v.(type) {
	case []any:
		b.WriteByte('[')
		for i, el := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, el)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			writeCanonical(b, x[k])
		}
		b.WriteByte('}')
	case nil, bool, string:
		b.WriteString(encode(x))
	default:
		b.WriteString(canonicalNumber(v))
	}
}

// canonicalNumber is a number's exact value as a reduced fraction.
func canonicalNumber(v any) string {
	if n, ok := v.(json.Number); ok {
		if r, ok := new(big.Rat).SetString(string(n)); ok {
			return "#" + r.RatString()
		}
	}
	if f, err := numberArg(v); err == nil {
		return "#" + new(big.Rat).SetFloat64(f).RatString()
	}
	return fmt.Sprintf("?%v", v)
}

// equal reports whether a and b are the same JSON value.
func equal(a, b any) bool { return canonicalKey(a) == canonicalKey(b) }
