package expr

import (
	"errors"
	"slices"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

const updateParam = "UpdateExpression"

// actionKind is an update clause.
type actionKind uint8

const (
	actSet actionKind = iota
	actRemove
	actAdd
	actDelete
)

// action is one action of an update: SET path = value, REMOVE path, ADD
// path value, DELETE path value.
type action struct {
	kind  actionKind
	path  Path
	value *node
}

// Update is a parsed UpdateExpression.
type Update struct {
	actions []action
}

// ParseUpdate parses an UpdateExpression with the request's names and
// values. Errors carry DynamoDB's full messages ("Invalid UpdateExpression:
// …").
func ParseUpdate(src string, p *Params) (*Update, error) {
	u, err := parseUpdate(src, p)
	return u, withPrefix(updateParam, err)
}

var clauseWords = map[string]actionKind{"SET": actSet, "REMOVE": actRemove, "ADD": actAdd, "DELETE": actDelete}

func parseUpdate(src string, p *Params) (*Update, error) {
	if err := checkSize(src, false); err != nil {
		return nil, err
	}
	ps := newParser(src, p, true)
	if ps.cur().kind == tEOF {
		return nil, ps.syntaxError()
	}
	u := &Update{}
	seen := map[actionKind]bool{}
	var sectionErr error
	for ps.cur().kind != tEOF {
		t := ps.cur()
		kind, ok := clauseWords[t.word]
		if t.kind != tKeyword || !ok {
			return nil, ps.syntaxError()
		}
		ps.next()
		if seen[kind] && sectionErr == nil {
			sectionErr = errorf(`The "` + t.word + `" section can only be used once in an update expression;`)
		}
		seen[kind] = true
		for {
			a, err := ps.parseAction(kind)
			if err != nil {
				return nil, err
			}
			u.actions = append(u.actions, a)
			if !ps.isPunct(",") {
				break
			}
			ps.next()
		}
	}
	if ps.cur().kind != tEOF {
		return nil, ps.syntaxError()
	}
	// DynamoDB's order: reserved words and indexes, a repeated section,
	// undefined placeholders.
	for _, err := range []error{ps.err1, sectionErr, ps.err2} {
		if err != nil {
			return nil, err
		}
	}
	for _, a := range u.actions {
		if err := checkAction(a); err != nil {
			return nil, err
		}
	}
	for i, a := range u.actions {
		for _, b := range u.actions[i+1:] {
			if a.path.overlaps(b.path) {
				return nil, errorf("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: " + a.path.String() + ", path two: " + b.path.String())
			}
		}
	}
	return u, nil
}

func (ps *parser) parseAction(kind actionKind) (action, error) {
	if t := ps.cur(); t.kind != tIdent && t.kind != tName {
		return action{}, ps.syntaxError()
	}
	path, err := ps.parsePath()
	if err != nil {
		return action{}, err
	}
	a := action{kind: kind, path: path}
	switch kind {
	case actSet:
		if err := ps.expectPunct("="); err != nil {
			return action{}, err
		}
		if a.value, err = ps.parseSetValue(); err != nil {
			return action{}, err
		}
	case actAdd, actDelete:
		if ps.cur().kind != tValue {
			return action{}, ps.syntaxError()
		}
		if a.value, err = ps.parseOperand(); err != nil {
			return action{}, err
		}
	}
	return a, nil
}

// parseSetValue parses SET's right-hand side:
//
//	value = term [ (+|-) operand ]
//	term  = ( value ) | operand
func (ps *parser) parseSetValue() (*node, error) {
	if err := ps.enter(); err != nil {
		return nil, err
	}
	defer ps.leave()
	var left *node
	var err error
	if ps.isPunct("(") {
		ps.next()
		if left, err = ps.parseSetValue(); err != nil {
			return nil, err
		}
		if err := ps.expectPunct(")"); err != nil {
			return nil, err
		}
		left.parens++
		if left.kind == nArith {
			return left, nil
		}
	} else if left, err = ps.parseOperand(); err != nil {
		return nil, err
	}
	if ps.isPunct("+") || ps.isPunct("-") {
		op := ps.next().text
		right, err := ps.parseOperand()
		if err != nil {
			return nil, err
		}
		return &node{kind: nArith, op: op, args: []*node{left, right}}, nil
	}
	return left, nil
}

// javaTypeNames are the type names of ADD's and DELETE's operand messages.
var javaTypeNames = map[attr.Kind]string{
	attr.S: "STRING", attr.N: "NUMBER", attr.B: "BINARY", attr.BOOL: "BOOLEAN", attr.NULL: "NULL",
	attr.M: "MAP", attr.L: "LIST", attr.SS: "STRING_SET", attr.NS: "NUMBER_SET", attr.BS: "BINARY_SET",
}

func isSet(k attr.Kind) bool { return k == attr.SS || k == attr.NS || k == attr.BS }

// checkAction applies the static checks to one action.
func checkAction(a action) error {
	switch a.kind {
	case actSet:
		if err := checkRedundant(a.value); err != nil {
			return err
		}
		return checkSetValue(a.value)
	case actAdd:
		if k := a.value.value.Kind; k != attr.N && !isSet(k) {
			return errorf("Incorrect operand type for operator or function; operator: ADD, operand type: " + javaTypeNames[k] + ", typeSet: ALLOWED_FOR_ADD_OPERAND")
		}
	case actDelete:
		if k := a.value.value.Kind; !isSet(k) {
			return errorf("Incorrect operand type for operator or function; operator: DELETE, operand type: " + javaTypeNames[k] + ", typeSet: ALLOWED_FOR_DELETE_OPERAND")
		}
	}
	return nil
}

// checkSetValue checks a SET value.
func checkSetValue(n *node) error {
	switch n.kind {
	case nArith:
		for _, a := range n.args {
			if err := checkSetValue(a); err != nil {
				return err
			}
		}
		for _, a := range n.args {
			if a.kind == nValue && a.value.Kind != attr.N {
				return incorrectOperand(n.op, a.value.Kind)
			}
			if a.kind == nCall && a.op == "list_append" {
				return incorrectOperand(n.op, attr.L)
			}
		}
	case nCall:
		switch n.op {
		case "if_not_exists", "list_append":
		default:
			if _, ok := knownFunctions[n.op]; ok {
				return errorf("The function is not allowed in an update expression; function: " + n.op)
			}
			return errorf("Invalid function name; function: " + n.op)
		}
		for _, a := range n.args {
			if err := checkSetValue(a); err != nil {
				return err
			}
		}
		if len(n.args) != 2 {
			return operandCount(n.op, len(n.args))
		}
		for _, a := range n.args {
			if a.kind == nCall && a.op == "list_append" {
				return misusedFunction("list_append")
			}
		}
		if n.op == "if_not_exists" {
			if n.args[0].kind != nPath {
				return errorf("Operator or function requires a document path; operator or function: if_not_exists")
			}
			return nil
		}
		for _, a := range n.args {
			if a.kind == nValue && a.value.Kind != attr.L {
				return incorrectOperand(n.op, a.value.Kind)
			}
		}
	}
	return nil
}

// Paths returns every path the update sets, removes, adds to or deletes
// from, in expression order.
func (u *Update) Paths() []Path {
	ps := make([]Path, len(u.actions))
	for i, a := range u.actions {
		ps[i] = a.path
	}
	return ps
}

// The runtime errors of Apply.
func errMissingOperand() error {
	return bareError("The provided expression refers to an attribute that does not exist in the item")
}

func errOperandType() error {
	return bareError("An operand in the update expression has an incorrect data type")
}

func errInvalidPath() error {
	return bareError("The document path provided in the update expression is invalid for update")
}

// leafOp is what an action does at its path once its value is computed.
type leafOp uint8

const (
	leafNone   leafOp = iota // nothing (DELETE from a missing set), but the path must be valid
	leafSet                  // store value
	leafRemove               // remove the attribute or element
)

// trie is the update's actions arranged by path, for applying them all to
// one copy of the item with list indexes meaning the original positions.
type trie struct {
	op       leafOp
	value    attr.Value
	leaf     bool
	children map[PathElem]*trie
}

// Apply returns the item the update makes of item (nil: no item yet),
// leaving item unmodified and sharing its unchanged values. All values are
// computed from the original item; list indexes name original positions.
// Errors are *Error with DynamoDB's messages.
func (u *Update) Apply(item attr.Item) (attr.Item, error) {
	root := &trie{}
	for _, a := range u.actions {
		op, v, err := a.compute(item)
		if err != nil {
			return nil, err
		}
		t := root
		for _, e := range a.path {
			if t.children == nil {
				t.children = map[PathElem]*trie{}
			}
			c := t.children[e]
			if c == nil {
				c = &trie{}
				t.children[e] = c
			}
			t = c
		}
		t.leaf, t.op, t.value = true, op, v
	}
	out := make(attr.Item, len(item)+len(root.children))
	for k, v := range item {
		out[k] = v
	}
	if err := applyMap(out, root); err != nil {
		return nil, err
	}
	return out, nil
}

// applyMap applies t's children to m (a private copy) in place.
func applyMap(m map[string]attr.Value, t *trie) error {
	for e, c := range t.children {
		if e.IsIndex {
			return errInvalidPath()
		}
		if c.leaf {
			switch c.op {
			case leafSet:
				m[e.Name] = c.value
			case leafRemove:
				delete(m, e.Name)
			}
			continue
		}
		old, ok := m[e.Name]
		if !ok {
			return errInvalidPath()
		}
		nv, err := applyValue(old, c)
		if err != nil {
			return err
		}
		m[e.Name] = nv
	}
	return nil
}

// applyValue applies t's children inside v (a map or list), returning a new
// value.
func applyValue(v attr.Value, t *trie) (attr.Value, error) {
	switch v.Kind {
	case attr.M:
		m := make(map[string]attr.Value, len(v.Map)+len(t.children))
		for k, e := range v.Map {
			m[k] = e
		}
		if err := applyMap(m, t); err != nil {
			return attr.Value{}, err
		}
		return attr.Value{Kind: attr.M, Map: m}, nil
	case attr.L:
		return applyList(v.List, t)
	}
	return attr.Value{}, errInvalidPath()
}

func applyList(list []attr.Value, t *trie) (attr.Value, error) {
	out := slices.Clone(list)
	removed := make([]bool, len(list))
	var appends []PathElem
	for e, c := range t.children {
		if !e.IsIndex {
			return attr.Value{}, errInvalidPath()
		}
		if e.Index >= len(list) {
			if !c.leaf {
				return attr.Value{}, errInvalidPath()
			}
			if c.op == leafSet {
				appends = append(appends, e)
			}
			continue
		}
		if c.leaf {
			switch c.op {
			case leafSet:
				out[e.Index] = c.value
			case leafRemove:
				removed[e.Index] = true
			}
			continue
		}
		nv, err := applyValue(list[e.Index], c)
		if err != nil {
			return attr.Value{}, err
		}
		out[e.Index] = nv
	}
	slices.SortFunc(appends, func(a, b PathElem) int { return a.Index - b.Index })
	res := make([]attr.Value, 0, len(out)+len(appends))
	for i, v := range out {
		if !removed[i] {
			res = append(res, v)
		}
	}
	for _, e := range appends {
		res = append(res, t.children[e].value)
	}
	return attr.Value{Kind: attr.L, List: res}, nil
}

// compute evaluates an action against the original item.
func (a action) compute(item attr.Item) (leafOp, attr.Value, error) {
	switch a.kind {
	case actRemove:
		return leafRemove, attr.Value{}, nil
	case actSet:
		v, err := evalSetValue(a.value, item)
		return leafSet, v, err
	}
	operand := a.value.value
	old, exists := a.path.Get(item)
	if a.kind == actAdd {
		if !exists {
			return leafSet, operand, nil
		}
		switch {
		case old.Kind == attr.N && operand.Kind == attr.N:
			sum, err := attr.AddNumbers(old.Str, operand.Str)
			if err != nil {
				return 0, attr.Value{}, runtimeError(err)
			}
			return leafSet, attr.Value{Kind: attr.N, Str: sum}, nil
		case isSet(old.Kind) && old.Kind == operand.Kind:
			return leafSet, setUnion(old, operand), nil
		}
		return 0, attr.Value{}, errOperandType()
	}
	// DELETE
	if !exists {
		return leafNone, attr.Value{}, nil
	}
	if old.Kind != operand.Kind {
		return 0, attr.Value{}, errOperandType()
	}
	rest := setDifference(old, operand)
	if setLen(rest) == 0 {
		return leafRemove, attr.Value{}, nil
	}
	return leafSet, rest, nil
}

// runtimeError converts an attr error to an *Error.
func runtimeError(err error) error {
	var ae *attr.Error
	if errors.As(err, &ae) {
		return bareError(ae.Msg)
	}
	return err
}

func evalSetValue(n *node, item attr.Item) (attr.Value, error) {
	switch n.kind {
	case nValue:
		return n.value, nil
	case nPath:
		v, ok := n.path.Get(item)
		if !ok {
			return attr.Value{}, errMissingOperand()
		}
		return v, nil
	case nArith:
		a, err := evalSetValue(n.args[0], item)
		if err != nil {
			return attr.Value{}, err
		}
		b, err := evalSetValue(n.args[1], item)
		if err != nil {
			return attr.Value{}, err
		}
		if a.Kind != attr.N || b.Kind != attr.N {
			return attr.Value{}, errOperandType()
		}
		f := attr.AddNumbers
		if n.op == "-" {
			f = attr.SubNumbers
		}
		r, err := f(a.Str, b.Str)
		if err != nil {
			return attr.Value{}, runtimeError(err)
		}
		return attr.Value{Kind: attr.N, Str: r}, nil
	case nCall:
		if n.op == "if_not_exists" {
			if v, ok := n.args[0].path.Get(item); ok {
				return v, nil
			}
			return evalSetValue(n.args[1], item)
		}
		a, err := evalSetValue(n.args[0], item)
		if err != nil {
			return attr.Value{}, err
		}
		b, err := evalSetValue(n.args[1], item)
		if err != nil {
			return attr.Value{}, err
		}
		if a.Kind != attr.L || b.Kind != attr.L {
			return attr.Value{}, errOperandType()
		}
		l := make([]attr.Value, 0, len(a.List)+len(b.List))
		return attr.Value{Kind: attr.L, List: append(append(l, a.List...), b.List...)}, nil
	}
	return attr.Value{}, errOperandType()
}

func setLen(v attr.Value) int {
	if v.Kind == attr.BS {
		return len(v.Bins)
	}
	return len(v.Strs)
}

// setHas reports whether set s holds element i of set o (same kind).
func setHas(s, o attr.Value, i int) bool {
	switch s.Kind {
	case attr.SS:
		return slices.Contains(s.Strs, o.Strs[i])
	case attr.NS:
		return slices.ContainsFunc(s.Strs, func(x string) bool { return attr.CompareNumbers(x, o.Strs[i]) == 0 })
	default:
		return slices.ContainsFunc(s.Bins, func(x []byte) bool { return string(x) == string(o.Bins[i]) })
	}
}

// setUnion returns a ∪ b: a's elements, then b's that a lacks.
func setUnion(a, b attr.Value) attr.Value {
	r := attr.Value{Kind: a.Kind}
	if a.Kind == attr.BS {
		r.Bins = slices.Clone(a.Bins)
	} else {
		r.Strs = slices.Clone(a.Strs)
	}
	for i := range setLen(b) {
		if setHas(a, b, i) {
			continue
		}
		if a.Kind == attr.BS {
			r.Bins = append(r.Bins, b.Bins[i])
		} else {
			r.Strs = append(r.Strs, b.Strs[i])
		}
	}
	return r
}

// setDifference returns a − b in a's order.
func setDifference(a, b attr.Value) attr.Value {
	r := attr.Value{Kind: a.Kind}
	for i := range setLen(a) {
		if setHas(b, a, i) {
			continue
		}
		if a.Kind == attr.BS {
			r.Bins = append(r.Bins, a.Bins[i])
		} else {
			r.Strs = append(r.Strs, a.Strs[i])
		}
	}
	return r
}
