package expr

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

// Condition is a parsed ConditionExpression or FilterExpression.
type Condition struct {
	root *node
}

// maxInOperands is DynamoDB's limit on the values of one IN.
const maxInOperands = 100

// ParseCondition parses a ConditionExpression or FilterExpression with the
// request's names and values. Its errors are *Error without DynamoDB's
// "Invalid ConditionExpression: " prefix: add it with Prefix.
func ParseCondition(src string, p *Params) (*Condition, error) {
	root, err := parseConditionTree(src, p)
	if err != nil {
		return nil, err
	}
	if err := checkCondition(root); err != nil {
		return nil, err
	}
	return &Condition{root: root}, nil
}

// Eval reports whether item satisfies the condition. A nil item is an
// absent item (every attribute missing). Evaluation never fails for a
// condition that parsed; the error is for future runtime checks and is
// always nil today.
func (c *Condition) Eval(item attr.Item) (bool, error) {
	return evalCond(c.root, item), nil
}

// operandType returns the static type of an operand, if it has one: a
// :value's kind, N for size().
func operandType(n *node) (attr.Kind, bool) {
	switch {
	case n.kind == nValue:
		return n.value.Kind, true
	case n.kind == nCall && n.op == "size":
		return attr.N, true
	}
	return attr.Invalid, false
}

func incorrectOperand(op string, k attr.Kind) error {
	return errorf("Incorrect operand type for operator or function; operator or function: " + op + ", operand type: " + k.String())
}

func operandCount(name string, n int) error {
	return errorf("Incorrect number of operands for operator or function; operator or function: " + name + ", number of operands: " + strconv.Itoa(n))
}

// checkRedundant rejects doubled parentheses anywhere in the tree.
func checkRedundant(n *node) error {
	if n.parens > 1 {
		return errorf("The expression has redundant parentheses;")
	}
	for _, a := range n.args {
		if err := checkRedundant(a); err != nil {
			return err
		}
	}
	return nil
}

// checkCondition applies DynamoDB's static checks to a condition tree.
func checkCondition(root *node) error {
	if err := checkRedundant(root); err != nil {
		return err
	}
	return checkCond(root)
}

func checkCond(n *node) error {
	switch n.kind {
	case nAnd, nOr, nNot:
		for _, a := range n.args {
			if err := checkCond(a); err != nil {
				return err
			}
		}
		return nil
	case nCall:
		return checkCondCall(n)
	}
	for _, a := range n.args {
		if err := checkOperand(a); err != nil {
			return err
		}
	}
	switch n.kind {
	case nCompare:
		if n.op != "=" && n.op != "<>" {
			for _, a := range n.args {
				if err := checkOrderable(n.op, a); err != nil {
					return err
				}
			}
		}
	case nBetween:
		for _, a := range n.args {
			if err := checkOrderable(n.op, a); err != nil {
				return err
			}
		}
		if err := checkBounds(n.args[1], n.args[2]); err != nil {
			return err
		}
	case nIn:
		if len(n.args)-1 > maxInOperands {
			return errorf("The IN operator is provided with too many operands; number of operands: " + strconv.Itoa(len(n.args)-1))
		}
	}
	return checkDistinct(n.op, n.args)
}

// checkOrderable rejects an operand whose static type cannot be ordered.
func checkOrderable(op string, a *node) error {
	if k, ok := operandType(a); ok && k != attr.N && k != attr.S && k != attr.B {
		return incorrectOperand(op, k)
	}
	return nil
}

// checkBounds checks BETWEEN's constant bounds: one type, lower ≤ upper.
func checkBounds(lo, hi *node) error {
	if lo.kind != nValue || hi.kind != nValue {
		return nil
	}
	desc := "lower bound operand: " + javaAttributeValue(lo.value) + ", upper bound operand: " + javaAttributeValue(hi.value)
	if lo.value.Kind != hi.value.Kind {
		return errorf("The BETWEEN operator requires same data type for lower and upper bounds; " + desc)
	}
	if c, ok := attr.Compare(lo.value, hi.value); ok && c > 0 {
		return errorf("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; " + desc)
	}
	return nil
}

// javaAttributeValue formats a value as the AWS SDK for Java's
// AttributeValue.toString does (DynamoDB's messages quote it): {S:x}.
func javaAttributeValue(v attr.Value) string {
	switch v.Kind {
	case attr.S, attr.N:
		return "AttributeValue: {" + v.Kind.String() + ":" + v.Str + "}"
	case attr.B:
		n := strconv.Itoa(len(v.Bin))
		return "AttributeValue: {B:java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]}"
	}
	return "AttributeValue: {" + v.Kind.String() + "}"
}

// checkDistinct rejects a path first operand repeated among the others.
func checkDistinct(op string, args []*node) error {
	if len(args) == 0 || args[0].kind != nPath {
		return nil
	}
	for _, a := range args[1:] {
		if a.kind == nPath && a.path.Equal(args[0].path) {
			return errorf("The first operand must be distinct from the remaining operands for this operator or function; operator: " + op + ", first operand: " + args[0].path.String())
		}
	}
	return nil
}

// conditionFunctions are the functions that are conditions.
var conditionFunctions = makeSet("attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains")

// knownFunctions are every function DynamoDB's expressions know.
var knownFunctions = makeSet("attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains", "size", "if_not_exists", "list_append")

func misusedFunction(name string) error {
	if _, ok := knownFunctions[name]; !ok {
		return errorf("Invalid function name; function: " + name)
	}
	return errorf("The function is not allowed to be used this way in an expression; function: " + name)
}

// misusedInCondition is misusedFunction for condition expressions, where
// the update functions have a message of their own.
func misusedInCondition(name string) error {
	if name == "if_not_exists" || name == "list_append" {
		return errorf("The function is not allowed in a condition expression; function: " + name)
	}
	return misusedFunction(name)
}

// attributeTypes are attribute_type's valid type names, in the order
// DynamoDB lists them.
const attributeTypes = "{N,BS,L,B,NULL,M,S,SS,NS,BOOL}"

func checkCondCall(n *node) error {
	if _, ok := conditionFunctions[n.op]; !ok {
		return misusedInCondition(n.op)
	}
	for _, a := range n.args {
		if err := checkOperand(a); err != nil {
			return err
		}
	}
	want := 2
	if n.op == "attribute_exists" || n.op == "attribute_not_exists" {
		want = 1
	}
	if len(n.args) != want {
		return operandCount(n.op, len(n.args))
	}
	switch n.op {
	case "attribute_exists", "attribute_not_exists":
		if n.args[0].kind != nPath {
			return errorf("Operator or function requires a document path; operator or function: " + n.op)
		}
	case "attribute_type":
		if n.args[0].kind != nPath {
			return errorf("Operator or function requires a document path; operator or function: " + n.op)
		}
		t := n.args[1]
		if t.kind != nValue {
			return errorf("Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {DECIMAL,INT,B,S,HD,HDS,BS,N,DOUBLESET,INTSET,NS,NULL,DOUBLE,M,FS,DICT,L,SS,BOOL,FLOAT,DECIMALSET}")
		}
		if t.value.Kind != attr.S {
			return incorrectOperand(n.op, t.value.Kind)
		}
		if kindByName(t.value.Str) == attr.Invalid {
			return errorf("Invalid attribute type name found; type: " + t.value.Str + ", valid types: " + attributeTypes)
		}
	case "begins_with":
		for _, a := range n.args {
			if k, ok := operandType(a); ok && k != attr.S && k != attr.B {
				return incorrectOperand(n.op, k)
			}
		}
	}
	return checkDistinct(n.op, n.args)
}

// checkOperand checks an operand of a condition: only size() may be
// called there.
func checkOperand(n *node) error {
	if n.kind != nCall {
		return nil
	}
	if n.op != "size" {
		return misusedInCondition(n.op)
	}
	for _, a := range n.args {
		if err := checkOperand(a); err != nil {
			return err
		}
	}
	if len(n.args) != 1 {
		return operandCount(n.op, len(n.args))
	}
	if k, ok := operandType(n.args[0]); ok {
		switch k {
		case attr.S, attr.B, attr.SS, attr.NS, attr.BS, attr.M, attr.L:
		default:
			return incorrectOperand(n.op, k)
		}
	}
	return nil
}

// kindByName returns the Kind a type descriptor ("S", "NS", …) names, or
// Invalid.
func kindByName(s string) attr.Kind {
	for k := attr.S; k <= attr.BS; k++ {
		if k.String() == s {
			return k
		}
	}
	return attr.Invalid
}

// evalOperand returns an operand's value in item, and whether it has one.
func evalOperand(n *node, item attr.Item) (attr.Value, bool) {
	switch n.kind {
	case nValue:
		return n.value, true
	case nPath:
		return n.path.Get(item)
	case nCall: // size
		v, ok := evalOperand(n.args[0], item)
		if !ok {
			return attr.Value{}, false
		}
		size, ok := sizeOf(v)
		if !ok {
			return attr.Value{}, false
		}
		return attr.Value{Kind: attr.N, Str: strconv.Itoa(size)}, true
	}
	return attr.Value{}, false
}

// sizeOf is size(): a string's length in UTF-16 code units (as DynamoDB
// Local counts), a binary's bytes, a set's, list's or map's elements.
func sizeOf(v attr.Value) (int, bool) {
	switch v.Kind {
	case attr.S:
		n := 0
		for _, r := range v.Str {
			n += utf16.RuneLen(r)
		}
		return n, true
	case attr.B:
		return len(v.Bin), true
	case attr.SS, attr.NS:
		return len(v.Strs), true
	case attr.BS:
		return len(v.Bins), true
	case attr.M:
		return len(v.Map), true
	case attr.L:
		return len(v.List), true
	}
	return 0, false
}

func evalCond(n *node, item attr.Item) bool {
	switch n.kind {
	case nAnd:
		return evalCond(n.args[0], item) && evalCond(n.args[1], item)
	case nOr:
		return evalCond(n.args[0], item) || evalCond(n.args[1], item)
	case nNot:
		return !evalCond(n.args[0], item)
	case nCompare:
		a, aok := evalOperand(n.args[0], item)
		b, bok := evalOperand(n.args[1], item)
		switch n.op {
		case "=":
			return aok && bok && attr.Equal(a, b)
		case "<>":
			return !(aok && bok && attr.Equal(a, b))
		}
		if !aok || !bok {
			return false
		}
		c, ok := attr.Compare(a, b)
		if !ok {
			return false
		}
		switch n.op {
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		default:
			return c >= 0
		}
	case nBetween:
		v, ok := evalOperand(n.args[0], item)
		lo, lok := evalOperand(n.args[1], item)
		hi, hok := evalOperand(n.args[2], item)
		if !ok || !lok || !hok {
			return false
		}
		c1, ok1 := attr.Compare(lo, v)
		c2, ok2 := attr.Compare(v, hi)
		return ok1 && ok2 && c1 <= 0 && c2 <= 0
	case nIn:
		v, ok := evalOperand(n.args[0], item)
		if !ok {
			return false
		}
		for _, o := range n.args[1:] {
			if w, ok := evalOperand(o, item); ok && attr.Equal(v, w) {
				return true
			}
		}
		return false
	case nCall:
		return evalFunction(n, item)
	}
	return false
}

func evalFunction(n *node, item attr.Item) bool {
	a, aok := evalOperand(n.args[0], item)
	switch n.op {
	case "attribute_exists":
		return aok
	case "attribute_not_exists":
		return !aok
	}
	b, bok := evalOperand(n.args[1], item)
	if !aok || !bok {
		return false
	}
	switch n.op {
	case "attribute_type":
		return b.Kind == attr.S && a.Kind.String() == b.Str
	case "begins_with":
		switch {
		case a.Kind == attr.S && b.Kind == attr.S:
			return strings.HasPrefix(a.Str, b.Str)
		case a.Kind == attr.B && b.Kind == attr.B:
			return bytes.HasPrefix(a.Bin, b.Bin)
		}
		return false
	case "contains":
		return contains(a, b)
	}
	return false
}

// contains is contains(a, b): a substring of a string, a member of a set,
// an element of a list.
func contains(a, b attr.Value) bool {
	switch a.Kind {
	case attr.S:
		return b.Kind == attr.S && strings.Contains(a.Str, b.Str)
	case attr.B:
		return b.Kind == attr.B && bytes.Contains(a.Bin, b.Bin)
	case attr.SS:
		if b.Kind != attr.S {
			return false
		}
		for _, s := range a.Strs {
			if s == b.Str {
				return true
			}
		}
	case attr.NS:
		if b.Kind != attr.N {
			return false
		}
		for _, s := range a.Strs {
			if attr.CompareNumbers(s, b.Str) == 0 {
				return true
			}
		}
	case attr.BS:
		if b.Kind != attr.B {
			return false
		}
		for _, s := range a.Bins {
			if bytes.Equal(s, b.Bin) {
				return true
			}
		}
	case attr.L:
		for _, e := range a.List {
			if attr.Equal(e, b) {
				return true
			}
		}
	}
	return false
}
