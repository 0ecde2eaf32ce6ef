package intrinsic

import (
	"encoding/json"
	"fmt"
	"strings"
)

// maxDepth bounds call nesting so that hostile input cannot exhaust the stack.
const maxDepth = 64

// node is one argument of a call: a literal, a path or a nested call.
type node interface{ isNode() }

// literalNode is a number, true, false or null.
type literalNode struct{ value any }

// stringNode is a single-quoted string literal. escaped holds the byte
// offsets (in value) of braces written as \{ or \}: States.Format treats them
// as text, not as placeholders.
type stringNode struct {
	value   string
	escaped map[int]bool
}

// pathNode is a path argument, passed to the Resolver as written.
type pathNode struct{ path string }

// callNode is a (possibly nested) function call.
type callNode struct {
	fn   *function
	args []node
}

func (literalNode) isNode() {}
func (stringNode) isNode()  {}
func (pathNode) isNode()    {}
func (callNode) isNode()    {}

// parser is a recursive-descent parser over the call text.
type parser struct {
	s     string
	pos   int
	depth int
}

// parseCall parses s as exactly one call, optionally followed by blanks.
func parseCall(s string) (*callNode, error) {
	p := &parser{s: s}
	c, err := p.call()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos < len(p.s) {
		return nil, p.errorf("unexpected %q after the call", p.s[p.pos:])
	}
	return c, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Msg: fmt.Sprintf("invalid intrinsic function call at offset %d: ", p.pos) + fmt.Sprintf(format, args...)}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.s) && isSpace(p.s[p.pos]) {
		p.pos++
	}
}

func (p *parser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

// call parses "States.Name(arg, ...)".
func (p *parser) call() (*callNode, error) {
	if p.depth++; p.depth > maxDepth {
		return nil, p.errorf("calls nested more than %d deep", maxDepth)
	}
	defer func() { p.depth-- }()
	start := p.pos
	if !strings.HasPrefix(p.s[p.pos:], "States.") {
		return nil, p.errorf("expected a function call starting with States.")
	}
	p.pos += len("States.")
	for p.pos < len(p.s) && isIdentChar(p.s[p.pos]) {
		p.pos++
	}
	name := p.s[start:p.pos]
	fn, ok := functions[name]
	if !ok {
		p.pos = start
		return nil, p.errorf("unknown function %s", name)
	}
	if p.peek() != '(' {
		return nil, p.errorf("expected '(' after %s", name)
	}
	p.pos++
	args, err := p.args(name)
	if err != nil {
		return nil, err
	}
	return &callNode{fn: fn, args: args}, nil
}

// args parses the argument list after "(", up to and including ")".
func (p *parser) args(name string) ([]node, error) {
	var args []node
	p.skipSpace()
	if p.peek() == ')' {
		p.pos++
		return args, nil
	}
	for {
		p.skipSpace()
		a, err := p.arg()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case ')':
			p.pos++
			return args, nil
		case 0:
			return nil, p.errorf("missing ')' to close %s", name)
		default:
			return nil, p.errorf("expected ',' or ')' in %s, found %q", name, p.s[p.pos])
		}
	}
}

// arg parses one argument.
func (p *parser) arg() (node, error) {
	c := p.peek()
	switch {
	case c == '\'':
		return p.stringLit()
	case c == '$':
		return p.path()
	case c == '-' || isDigit(c):
		return p.number()
	case strings.HasPrefix(p.s[p.pos:], "States."):
		return p.call()
	case c == 0:
		return nil, p.errorf("missing argument")
	}
	return p.keyword()
}

// keyword parses true, false or null.
func (p *parser) keyword() (node, error) {
	start := p.pos
	for p.pos < len(p.s) && isIdentChar(p.s[p.pos]) {
		p.pos++
	}
	switch word := p.s[start:p.pos]; word {
	case "true":
		return literalNode{true}, nil
	case "false":
		return literalNode{false}, nil
	case "null":
		return literalNode{nil}, nil
	}
	p.pos = start
	return nil, p.errorf("unexpected %q: not a string, number, boolean, null, path or call", p.s[p.pos:])
}

// number parses a JSON number.
func (p *parser) number() (node, error) {
	start := p.pos
	for p.pos < len(p.s) && !isDelimiter(p.s[p.pos]) {
		p.pos++
	}
	text := p.s[start:p.pos]
	if !json.Valid([]byte(text)) {
		p.pos = start
		return nil, p.errorf("invalid number %q", text)
	}
	return literalNode{json.Number(text)}, nil
}

// stringLit parses a single-quoted string with \' \{ \} \\ escapes. Any other
// backslash is kept as written.
func (p *parser) stringLit() (node, error) {
	start := p.pos
	p.pos++ // opening quote
	var b strings.Builder
	escaped := map[int]bool{}
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '\'':
			p.pos++
			return stringNode{value: b.String(), escaped: escaped}, nil
		case c == '\\' && p.pos+1 < len(p.s) && strings.IndexByte(`'{}\`, p.s[p.pos+1]) >= 0:
			next := p.s[p.pos+1]
			if next == '{' || next == '}' {
				escaped[b.Len()] = true
			}
			b.WriteByte(next)
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	p.pos = start
	return nil, p.errorf("unterminated string literal")
}

// path scans a path argument: it ends at a blank, ',' or ')' outside
// brackets and quotes. Its syntax is checked by the Resolver.
func (p *parser) path() (node, error) {
	start := p.pos
	depth := 0
	var quote byte
	for ; p.pos < len(p.s); p.pos++ {
		c := p.s[p.pos]
		switch {
		case quote != 0:
			if c == '\\' {
				p.pos++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			if depth == 0 {
				return nil, p.errorf("quote outside brackets in path %q", p.s[start:p.pos+1])
			}
			quote = c
		case c == '[':
			depth++
		case c == ']':
			if depth == 0 {
				return nil, p.errorf("unbalanced ']' in path %q", p.s[start:p.pos+1])
			}
			depth--
		case depth == 0 && isDelimiter(c):
			return pathNode{p.s[start:p.pos]}, nil
		case depth == 0 && c == '(':
			return nil, p.errorf("unexpected '(' in path %q", p.s[start:p.pos+1])
		}
	}
	if depth != 0 || quote != 0 {
		p.pos = start
		return nil, p.errorf("unterminated path %q", p.s[start:])
	}
	return pathNode{p.s[start:]}, nil
}

func isSpace(c byte) bool     { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isDelimiter(c byte) bool { return isSpace(c) || c == ',' || c == ')' }
func isIdentChar(c byte) bool {
	return c == '_' || isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
