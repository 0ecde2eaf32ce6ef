// Package expr implements DynamoDB's expression languages for the embedded
// DynamoDB: condition and filter expressions, key condition expressions,
// update expressions and projection expressions. Each is parsed (with
// DynamoDB's syntax rules, reserved words, limits and static checks, and its
// error messages) against the request's ExpressionAttributeNames and
// ExpressionAttributeValues, and then evaluated over attr values with
// DynamoDB's semantics.
//
// The parser is a hand-written lexer and recursive-descent parser: the
// grammars are small, and writing them by hand gives DynamoDB's exact error
// precedence (syntax, then reserved words and list indexes, then undefined
// names and values, then static checks) and its "near" excerpts.
//
// Every error a client can cause is an *Error whose Msg is the message
// DynamoDB answers with in a ValidationException. The parse functions of
// key condition, update and projection expressions give the full message
// ("Invalid UpdateExpression: …"); ParseCondition cannot know whether it
// parses a ConditionExpression or a FilterExpression, so its messages lack
// that prefix: the caller adds it with Prefix.
//
// It knows nothing of any application's tables.
package expr

import (
	"slices"
	"strings"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

// Error is a client error: a server answers it with a ValidationException
// whose message is Msg.
type Error struct {
	Msg string
	// prefixable marks messages that DynamoDB gives after the "Invalid
	// <parameter>: " prefix (see Prefix).
	prefixable bool
}

// Error returns Msg.
func (e *Error) Error() string { return e.Msg }

// errorf returns an *Error with a message DynamoDB prefixes with the
// parameter name.
func errorf(msg string) *Error { return &Error{Msg: msg, prefixable: true} }

// bareError returns an *Error whose message DynamoDB gives as it is.
func bareError(msg string) *Error { return &Error{Msg: msg} }

// Prefix returns err with DynamoDB's "Invalid <param>: " prefix, as
// "Invalid ConditionExpression: Syntax error; …", when err is an *Error from
// ParseCondition (or Condition.Eval) whose message DynamoDB prefixes;
// anything else is returned unchanged. param is the request parameter the
// expression came in: "ConditionExpression" or "FilterExpression". The other
// parse functions already prefix their messages; Prefix leaves those alone.
func Prefix(param string, err error) error {
	e, ok := err.(*Error)
	if !ok || !e.prefixable {
		return err
	}
	return &Error{Msg: "Invalid " + param + ": " + e.Msg}
}

// withPrefix prefixes e's message (when DynamoDB does) for the parse
// functions that know their parameter.
func withPrefix(param string, err error) error {
	if err == nil {
		return nil
	}
	return Prefix(param, err)
}

// Params are one request's ExpressionAttributeNames and
// ExpressionAttributeValues, shared by all of its expressions, with a
// record of which ones the expressions used (see CheckUnused). A Params is
// not safe for concurrent use.
type Params struct {
	// Names maps "#name" placeholders to attribute names.
	Names map[string]string
	// Values maps ":value" placeholders to values (already validated).
	Values attr.Item

	usedNames  map[string]bool
	usedValues map[string]bool
}

// NewParams returns the Params of a request. A nil map means the parameter
// was absent; a present but empty map is an error, as in DynamoDB
// ("ExpressionAttributeNames must not be empty").
func NewParams(names map[string]string, values attr.Item) (*Params, error) {
	if names != nil && len(names) == 0 {
		return nil, bareError("ExpressionAttributeNames must not be empty")
	}
	if values != nil && len(values) == 0 {
		return nil, bareError("ExpressionAttributeValues must not be empty")
	}
	return &Params{Names: names, Values: values, usedNames: map[string]bool{}, usedValues: map[string]bool{}}, nil
}

// name resolves a "#name" placeholder and records its use.
func (p *Params) name(placeholder string) (string, bool) {
	if p == nil {
		return "", false
	}
	n, ok := p.Names[placeholder]
	if ok {
		if p.usedNames == nil {
			p.usedNames = map[string]bool{}
		}
		p.usedNames[placeholder] = true
	}
	return n, ok
}

// value resolves a ":value" placeholder and records its use.
func (p *Params) value(placeholder string) (attr.Value, bool) {
	if p == nil {
		return attr.Value{}, false
	}
	v, ok := p.Values[placeholder]
	if ok {
		if p.usedValues == nil {
			p.usedValues = map[string]bool{}
		}
		p.usedValues[placeholder] = true
	}
	return v, ok
}

// CheckUnused reports, after every expression of one request was parsed
// with p, the names and then the values that none of them used, as
// DynamoDB does: "Value provided in ExpressionAttributeNames unused in
// expressions: keys: {#a, #b}". The keys are listed in the order DynamoDB
// Local lists them (its Java hash set's iteration order).
func (p *Params) CheckUnused() error {
	if p == nil {
		return nil
	}
	var unused []string
	for k := range p.Names {
		if !p.usedNames[k] {
			unused = append(unused, k)
		}
	}
	if len(unused) > 0 {
		return bareError("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + strings.Join(javaHashOrder(unused, len(p.Names)), ", ") + "}")
	}
	for k := range p.Values {
		if !p.usedValues[k] {
			unused = append(unused, k)
		}
	}
	if len(unused) > 0 {
		return bareError("Value provided in ExpressionAttributeValues unused in expressions: keys: {" + strings.Join(javaHashOrder(unused, len(p.Values)), ", ") + "}")
	}
	return nil
}

// javaHashOrder sorts keys in the iteration order of a java.util.HashMap
// of total entries holding them (bucket order of String.hashCode, spread as
// HashMap spreads it, in the table such a map grows to), ties by name: the
// order DynamoDB lists keys in its messages.
func javaHashOrder(keys []string, total int) []string {
	size := 16
	for total > size*3/4 {
		size *= 2
	}
	bucket := func(s string) uint32 {
		var h uint32
		for _, u := range utf16Units(s) {
			h = 31*h + uint32(u)
		}
		h ^= h >> 16
		return h & uint32(size-1)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if ba, bb := bucket(a), bucket(b); ba != bb {
			if ba < bb {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return keys
}

// utf16Units returns s as UTF-16 code units (Java's char sequence).
func utf16Units(s string) []uint16 {
	u := make([]uint16, 0, len(s))
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			u = append(u, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
			continue
		}
		u = append(u, uint16(r))
	}
	return u
}

// maxExpressionSize is DynamoDB's limit on one expression, in bytes.
const maxExpressionSize = 4096

// maxDepth bounds the nesting of parentheses, NOT and function calls (far
// above what a 4 KB expression of DynamoDB's can reach without redundant
// parentheses), so parsing and evaluation never recurse without bound.
const maxDepth = 1024
