package expr

import (
	"strconv"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

// nodeKind is an AST node's class.
type nodeKind uint8

const (
	// operands
	nPath  nodeKind = iota // path
	nValue                 // :value (value, name in text)
	nCall                  // op(args): a function call, operand or condition
	nArith                 // args[0] op args[1], op "+" or "-" (update only)
	// conditions
	nCompare // args[0] op args[1]; op one of = <> < <= > >=
	nBetween // args[0] BETWEEN args[1] AND args[2]
	nIn      // args[0] IN (args[1:])
	nAnd
	nOr
	nNot
)

// node is an AST node of any expression grammar.
type node struct {
	kind   nodeKind
	op     string // operator or function name
	path   Path
	value  attr.Value
	text   string // nValue: the placeholder
	args   []*node
	parens int // parentheses directly around the node
}

func (n *node) isOperand() bool { return n.kind <= nArith }

func (n *node) isCondition() bool { return n.kind >= nCompare || n.kind == nCall }

// parser is a recursive-descent parser over one expression's tokens. It
// records the first reserved-word or list-index error (err1) and the first
// undefined name or value (err2) while it parses, since DynamoDB reports a
// syntax error before either, and err1 before err2.
type parser struct {
	src   string
	toks  []token
	i     int
	p     *Params
	depth int
	err1  error
	err2  error
}

func newParser(src string, p *Params, update bool) *parser {
	return &parser{src: src, toks: lex(src, update), p: p}
}

// cur returns the token being looked at.
func (ps *parser) cur() token { return ps.toks[ps.i] }

// next consumes the current token (never past tEOF) and returns it.
func (ps *parser) next() token {
	t := ps.toks[ps.i]
	if ps.i < len(ps.toks)-1 {
		ps.i++
	}
	return t
}

// syntaxError is DynamoDB's message for an unexpected token: the token and
// the source from the previous token to the next one.
func (ps *parser) syntaxError() error {
	t := ps.toks[ps.i]
	start := 0
	if ps.i > 0 {
		start = ps.toks[ps.i-1].pos
	}
	end := len(ps.src)
	if t.kind != tEOF && ps.i+1 < len(ps.toks) && ps.toks[ps.i+1].kind != tEOF {
		end = ps.toks[ps.i+1].end
	}
	return errorf(`Syntax error; token: "` + t.text + `", near: "` + ps.src[start:end] + `"`)
}

func (ps *parser) isPunct(s string) bool {
	t := ps.cur()
	return t.kind == tPunct && t.text == s
}

func (ps *parser) isKeyword(w string) bool {
	t := ps.cur()
	return t.kind == tKeyword && t.word == w
}

func (ps *parser) expectPunct(s string) error {
	if !ps.isPunct(s) {
		return ps.syntaxError()
	}
	ps.next()
	return nil
}

func (ps *parser) enter() error {
	ps.depth++
	if ps.depth > maxDepth {
		return errorf("The expression has too many nested levels")
	}
	return nil
}

func (ps *parser) leave() { ps.depth-- }

// finish checks that every token was consumed and returns the recorded
// errors in DynamoDB's order.
func (ps *parser) finish() error {
	if ps.cur().kind != tEOF {
		return ps.syntaxError()
	}
	if ps.err1 != nil {
		return ps.err1
	}
	return ps.err2
}

// parsePath parses a document path starting at the current token (a name
// or placeholder).
func (ps *parser) parsePath() (Path, error) {
	var path Path
	elem := func() error {
		t := ps.cur()
		switch t.kind {
		case tIdent:
			ps.next()
			if _, reserved := reservedWords[upper(t.text)]; reserved && ps.err1 == nil {
				ps.err1 = errorf("Attribute name is a reserved keyword; reserved keyword: " + t.text)
			}
			path = append(path, PathElem{Name: t.text})
		case tName:
			ps.next()
			name, ok := ps.p.name(t.text)
			if !ok && ps.err2 == nil {
				ps.err2 = errorf("An expression attribute name used in the document path is not defined; attribute name: " + t.text)
			}
			path = append(path, PathElem{Name: name})
		default:
			return ps.syntaxError()
		}
		return nil
	}
	if err := elem(); err != nil {
		return nil, err
	}
	for {
		switch {
		case ps.isPunct("."):
			ps.next()
			if err := elem(); err != nil {
				return nil, err
			}
		case ps.isPunct("["):
			ps.next()
			t := ps.cur()
			if t.kind != tNumber {
				return nil, ps.syntaxError()
			}
			ps.next()
			if err := ps.expectPunct("]"); err != nil {
				return nil, err
			}
			idx, err := strconv.ParseInt(t.text, 10, 32)
			if err != nil && ps.err1 == nil {
				ps.err1 = errorf("List index is not within the allowable range; index: [" + t.text + "]")
			}
			path = append(path, PathElem{Index: int(idx), IsIndex: true})
		default:
			return path, nil
		}
	}
}

// parseOperand parses an operand: a path, a :value, a function call, or
// one of those in parentheses.
func (ps *parser) parseOperand() (*node, error) {
	if err := ps.enter(); err != nil {
		return nil, err
	}
	defer ps.leave()
	t := ps.cur()
	switch {
	case t.kind == tPunct && t.text == "(":
		ps.next()
		n, err := ps.parseOperand()
		if err != nil {
			return nil, err
		}
		if err := ps.expectPunct(")"); err != nil {
			return nil, err
		}
		n.parens++
		return n, nil
	case t.kind == tValue:
		ps.next()
		v, ok := ps.p.value(t.text)
		if !ok && ps.err2 == nil {
			ps.err2 = errorf("An expression attribute value used in expression is not defined; attribute value: " + t.text)
		}
		return &node{kind: nValue, value: v, text: t.text}, nil
	case t.kind == tIdent && ps.toks[ps.i+1].kind == tPunct && ps.toks[ps.i+1].text == "(":
		return ps.parseCall()
	case t.kind == tIdent || t.kind == tName:
		path, err := ps.parsePath()
		if err != nil {
			return nil, err
		}
		return &node{kind: nPath, path: path}, nil
	}
	return nil, ps.syntaxError()
}

// parseCall parses name(operand, …).
func (ps *parser) parseCall() (*node, error) {
	name := ps.next().text
	ps.next() // (
	n := &node{kind: nCall, op: name}
	for {
		arg, err := ps.parseOperand()
		if err != nil {
			return nil, err
		}
		n.args = append(n.args, arg)
		if !ps.isPunct(",") {
			break
		}
		ps.next()
	}
	if err := ps.expectPunct(")"); err != nil {
		return nil, err
	}
	return n, nil
}

// Condition grammar (precedence: comparisons, then NOT, AND, OR):
//
//	or      = and { OR and }
//	and     = not { AND not }
//	not     = NOT not | compare
//	compare = primary [ comparator operand | BETWEEN operand AND operand | IN ( operand {, operand} ) ]
//	primary = ( or ) | operand
//
// A parenthesized group may hold an operand ("(a) = :v"), so or, and and
// not pass a lone operand through; whoever needs a condition rejects one at
// the token after it, as DynamoDB's parser does.

func (ps *parser) parseOr() (*node, error) {
	left, err := ps.parseAnd()
	if err != nil {
		return nil, err
	}
	for ps.isKeyword("OR") {
		if !left.isCondition() {
			return nil, ps.syntaxError()
		}
		ps.next()
		right, err := ps.parseAnd()
		if err != nil {
			return nil, err
		}
		if !right.isCondition() {
			return nil, ps.syntaxError()
		}
		left = &node{kind: nOr, args: []*node{left, right}}
	}
	return left, nil
}

func (ps *parser) parseAnd() (*node, error) {
	left, err := ps.parseNot()
	if err != nil {
		return nil, err
	}
	for ps.isKeyword("AND") {
		if !left.isCondition() {
			return nil, ps.syntaxError()
		}
		ps.next()
		right, err := ps.parseNot()
		if err != nil {
			return nil, err
		}
		if !right.isCondition() {
			return nil, ps.syntaxError()
		}
		left = &node{kind: nAnd, args: []*node{left, right}}
	}
	return left, nil
}

func (ps *parser) parseNot() (*node, error) {
	if !ps.isKeyword("NOT") {
		return ps.parseCompare()
	}
	if err := ps.enter(); err != nil {
		return nil, err
	}
	defer ps.leave()
	ps.next()
	inner, err := ps.parseNot()
	if err != nil {
		return nil, err
	}
	if !inner.isCondition() {
		return nil, ps.syntaxError()
	}
	return &node{kind: nNot, args: []*node{inner}}, nil
}

func isComparator(t token) bool {
	if t.kind != tPunct {
		return false
	}
	switch t.text {
	case "=", "<>", "<", "<=", ">", ">=":
		return true
	}
	return false
}

func (ps *parser) parseCompare() (*node, error) {
	left, err := ps.parsePrimary()
	if err != nil {
		return nil, err
	}
	t := ps.cur()
	switch {
	case isComparator(t):
		if !left.isOperand() {
			return nil, ps.syntaxError()
		}
		ps.next()
		right, err := ps.parseOperand()
		if err != nil {
			return nil, err
		}
		return &node{kind: nCompare, op: t.text, args: []*node{left, right}}, nil
	case t.kind == tKeyword && t.word == "BETWEEN":
		if !left.isOperand() {
			return nil, ps.syntaxError()
		}
		ps.next()
		lo, err := ps.parseOperand()
		if err != nil {
			return nil, err
		}
		if !ps.isKeyword("AND") {
			return nil, ps.syntaxError()
		}
		ps.next()
		hi, err := ps.parseOperand()
		if err != nil {
			return nil, err
		}
		return &node{kind: nBetween, op: "BETWEEN", args: []*node{left, lo, hi}}, nil
	case t.kind == tKeyword && t.word == "IN":
		if !left.isOperand() {
			return nil, ps.syntaxError()
		}
		ps.next()
		if err := ps.expectPunct("("); err != nil {
			return nil, err
		}
		n := &node{kind: nIn, op: "IN", args: []*node{left}}
		for {
			o, err := ps.parseOperand()
			if err != nil {
				return nil, err
			}
			n.args = append(n.args, o)
			if !ps.isPunct(",") {
				break
			}
			ps.next()
		}
		if err := ps.expectPunct(")"); err != nil {
			return nil, err
		}
		return n, nil
	}
	return left, nil
}

func (ps *parser) parsePrimary() (*node, error) {
	if !ps.isPunct("(") {
		return ps.parseOperand()
	}
	if err := ps.enter(); err != nil {
		return nil, err
	}
	defer ps.leave()
	ps.next()
	inner, err := ps.parseOr()
	if err != nil {
		return nil, err
	}
	if err := ps.expectPunct(")"); err != nil {
		return nil, err
	}
	inner.parens++
	return inner, nil
}

// checkSize applies the size limit and the empty-expression rule.
// withSize says whether the size message names the size (condition and key
// condition expressions do).
func checkSize(src string, withSize bool) error {
	if len(src) > maxExpressionSize {
		msg := "Expression size has exceeded the maximum allowed size"
		if withSize {
			return errorf(msg + "; expression size: " + strconv.Itoa(len(src)))
		}
		return errorf(msg + ";")
	}
	if src == "" {
		return errorf("The expression can not be empty;")
	}
	return nil
}

// parseConditionTree parses a condition expression into its AST, with
// syntax, reserved-word, index and placeholder errors.
func parseConditionTree(src string, p *Params) (*node, error) {
	if err := checkSize(src, true); err != nil {
		return nil, err
	}
	ps := newParser(src, p, false)
	root, err := ps.parseOr()
	if err != nil {
		return nil, err
	}
	if ps.cur().kind == tEOF && !root.isCondition() {
		return nil, ps.syntaxError()
	}
	if err := ps.finish(); err != nil {
		return nil, err
	}
	return root, nil
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
