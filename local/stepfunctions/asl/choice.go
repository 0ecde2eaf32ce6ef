package asl

import (
	"fmt"
	"strings"
	"time"
)

// choiceRule is one rule of a Choice state (top-level rules have next), or a
// nested rule of And/Or/Not.
type choiceRule struct {
	next   string
	assign template
	output template // JSONata

	condition template // JSONata: a boolean expression

	// JSONPath rules: a comparison of variable with value (or the value at
	// valuePath for the "...Path" operators), or a combination of rules.
	variable  *jsonPath
	op        string // the operator without any "Path" suffix, e.g. "StringEquals"
	value     any
	valuePath *jsonPath
	and, or   []*choiceRule
	not       *choiceRule
}

// operand is the expected literal type of each comparison operator.
type operand int

const (
	opString operand = iota
	opNumber
	opBoolean
	opTimestamp
	opIs // the Is* tests take a boolean
)

var comparisonOperators = map[string]operand{
	"StringEquals": opString, "StringLessThan": opString, "StringGreaterThan": opString,
	"StringLessThanEquals": opString, "StringGreaterThanEquals": opString, "StringMatches": opString,
	"NumericEquals": opNumber, "NumericLessThan": opNumber, "NumericGreaterThan": opNumber,
	"NumericLessThanEquals": opNumber, "NumericGreaterThanEquals": opNumber,
	"BooleanEquals":   opBoolean,
	"TimestampEquals": opTimestamp, "TimestampLessThan": opTimestamp, "TimestampGreaterThan": opTimestamp,
	"TimestampLessThanEquals": opTimestamp, "TimestampGreaterThanEquals": opTimestamp,
	"IsNull": opIs, "IsPresent": opIs, "IsNumeric": opIs, "IsString": opIs, "IsBoolean": opIs, "IsTimestamp": opIs,
}

// ruleOperator splits a field name into a comparison operator and whether it
// is the "...Path" form; ok is false for other fields.
func ruleOperator(field string) (op string, isPath, ok bool) {
	if _, ok := comparisonOperators[field]; ok {
		return field, false, true
	}
	base, cut := strings.CutSuffix(field, "Path")
	if kind, ok := comparisonOperators[base]; cut && ok && kind != opIs && base != "StringMatches" {
		return base, true, true
	}
	return "", false, false
}

func (p *parser) choice(o object, st *state) {
	if !o.require("Choices") {
		return
	}
	if d, ok := o.str("Default"); ok {
		st.defaultNext = d
	}
	rules, ok := o.array("Choices")
	if !ok {
		return
	}
	if len(rules) == 0 {
		o.bad("Choices", "The field 'Choices' must have at least one rule")
	}
	for i, raw := range rules {
		r, ok := p.element(o, "Choices", i, raw)
		if ok {
			st.choices = append(st.choices, p.rule(r, st.jsonata, true))
		}
	}
}

// rule parses one choice rule; top rules need Next and may Assign.
func (p *parser) rule(o object, jsonata, top bool) *choiceRule {
	r := &choiceRule{}
	if top {
		if o.require("Next") {
			r.next, _ = o.str("Next")
		}
		r.assign = p.assign(o, jsonata)
	}
	if jsonata {
		allowed := set("Condition", "Next", "Assign", "Output", "Comment")
		o.only(allowed)
		if o.require("Condition") {
			r.condition = p.jsonataField(o, "Condition")
		}
		r.output = p.jsonataField(o, "Output")
		return r
	}
	var ops []string
	for _, k := range sortedKeys(o.m) {
		switch k {
		case "Variable", "Comment":
		case "Next", "Assign":
			if !top {
				o.bad(k, "The field %q is allowed only in a top-level choice rule", k)
			}
		case "And", "Or", "Not":
			ops = append(ops, k)
		default:
			if _, _, ok := ruleOperator(k); ok {
				ops = append(ops, k)
			} else {
				o.bad(k, "The field %q is not supported by Step Functions", k)
			}
		}
	}
	if len(ops) != 1 {
		o.p.problem(o.loc, o.state, "", fmt.Sprintf("A choice rule must have exactly one comparison operator, And, Or or Not (found %d)", len(ops)))
		return r
	}
	switch op := ops[0]; op {
	case "And", "Or":
		subs, ok := o.array(op)
		if !ok {
			return r
		}
		if len(subs) == 0 {
			o.bad(op, "The field '%s' must have at least one rule", op)
		}
		for i, raw := range subs {
			so, ok := p.element(o, op, i, raw)
			if !ok {
				continue
			}
			sub := p.rule(so, false, false)
			if op == "And" {
				r.and = append(r.and, sub)
			} else {
				r.or = append(r.or, sub)
			}
		}
		if o.has("Variable") {
			o.bad("Variable", "The field 'Variable' is not allowed beside '%s'", op)
		}
	case "Not":
		if so, ok := o.child("Not"); ok {
			r.not = p.rule(so, false, false)
		}
		if o.has("Variable") {
			o.bad("Variable", "The field 'Variable' is not allowed beside 'Not'")
		}
	default:
		if !o.require("Variable") {
			return r
		}
		r.variable = o.path("Variable", true)
		base, isPath, _ := ruleOperator(op)
		r.op = base
		if isPath {
			r.valuePath = o.path(op, true)
			return r
		}
		r.value = o.m[op]
		if !validOperand(comparisonOperators[base], r.value) {
			o.bad(op, "%s", operandMessage(comparisonOperators[base], r.value))
		}
	}
	return r
}

func validOperand(kind operand, v any) bool {
	switch kind {
	case opString:
		_, ok := v.(string)
		return ok
	case opNumber:
		return isNumber(v)
	case opBoolean, opIs:
		_, ok := v.(bool)
		return ok
	case opTimestamp:
		s, ok := v.(string)
		if !ok {
			return false
		}
		_, ok = parseTimestamp(s)
		return ok
	}
	return false
}

func operandMessage(kind operand, v any) string {
	switch kind {
	case opNumber:
		return "Expected value of type Number"
	case opBoolean, opIs:
		return "Expected value of type Boolean"
	case opTimestamp:
		if _, ok := v.(string); ok {
			return "String does not match RFC3339 timestamp"
		}
	}
	return "Expected value of type String"
}

// parseTimestamp parses an RFC 3339 timestamp as AWS accepts it.
func parseTimestamp(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// choose returns the Next of the first matching rule ("" when none matches)
// and that rule.
func chooseRule(rules []*choiceRule, s *scope) (*choiceRule, error) {
	for _, r := range rules {
		ok, err := r.matches(s)
		if err != nil {
			return nil, err
		}
		if ok {
			return r, nil
		}
	}
	return nil, nil
}

// matches evaluates the rule.
func (r *choiceRule) matches(s *scope) (bool, error) {
	switch {
	case r.condition != nil:
		v, err := r.condition.eval(s)
		if err != nil {
			return false, err
		}
		b, ok := v.(bool)
		if !ok {
			return false, &stepError{name: "States.QueryEvaluationError",
				msg: fmt.Sprintf("The Condition of a choice rule must evaluate to a boolean, not %s", typeName(v))}
		}
		return b, nil
	case r.and != nil:
		for _, sub := range r.and {
			if ok, err := sub.matches(s); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case r.or != nil:
		for _, sub := range r.or {
			if ok, err := sub.matches(s); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case r.not != nil:
		ok, err := r.not.matches(s)
		return !ok && err == nil, err
	}
	v, err := r.variable.eval(s)
	if r.op == "IsPresent" {
		return (err == nil) == r.value.(bool), nil
	}
	if err != nil {
		return false, invalidChoicePath(r.variable)
	}
	want := r.value
	if r.valuePath != nil {
		if want, err = r.valuePath.eval(s); err != nil {
			return false, invalidChoicePath(r.valuePath)
		}
	}
	return compare(r.op, v, want), nil
}

func invalidChoicePath(p *jsonPath) error {
	return runtimeErrorf("Invalid path '%s': The choice state's condition path references an invalid value.", p.text)
}

// compare applies a comparison operator; values of the wrong type never
// match.
func compare(op string, v, want any) bool {
	switch op {
	case "IsNull":
		return (v == nil) == want.(bool)
	case "IsNumeric":
		return isNumber(v) == want.(bool)
	case "IsString":
		_, ok := v.(string)
		return ok == want.(bool)
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == want.(bool)
	case "IsTimestamp":
		s, ok := v.(string)
		if ok {
			_, ok = parseTimestamp(s)
		}
		return ok == want.(bool)
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := want.(bool)
		return ok1 && ok2 && a == b
	case "StringMatches":
		a, ok1 := v.(string)
		b, ok2 := want.(string)
		return ok1 && ok2 && globMatch(b, a)
	}
	var c int
	switch comparisonOperators[op] {
	case opString:
		a, ok1 := v.(string)
		b, ok2 := want.(string)
		if !ok1 || !ok2 {
			return false
		}
		c = strings.Compare(a, b)
	case opNumber:
		a, ok1 := ratOf(v)
		b, ok2 := ratOf(want)
		if !ok1 || !ok2 {
			return false
		}
		c = a.Cmp(b)
	case opTimestamp:
		a, ok1 := v.(string)
		b, ok2 := want.(string)
		if !ok1 || !ok2 {
			return false
		}
		ta, ok1 := parseTimestamp(a)
		tb, ok2 := parseTimestamp(b)
		if !ok1 || !ok2 {
			return false
		}
		c = ta.Compare(tb)
	default:
		return false
	}
	switch {
	case strings.HasSuffix(op, "GreaterThanEquals"):
		return c >= 0
	case strings.HasSuffix(op, "LessThanEquals"):
		return c <= 0
	case strings.HasSuffix(op, "GreaterThan"):
		return c > 0
	case strings.HasSuffix(op, "LessThan"):
		return c < 0
	}
	return c == 0
}

// globMatch matches s against an AWS StringMatches pattern: "*" matches any
// run of characters; "\*" and "\\" are a literal "*" and "\".
func globMatch(pattern, s string) bool {
	type tok struct {
		star bool
		lit  rune
	}
	var toks []tok
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch {
		case rs[i] == '\\' && i+1 < len(rs) && (rs[i+1] == '*' || rs[i+1] == '\\'):
			i++
			toks = append(toks, tok{lit: rs[i]})
		case rs[i] == '*':
			toks = append(toks, tok{star: true})
		default:
			toks = append(toks, tok{lit: rs[i]})
		}
	}
	in := []rune(s)
	// Iterative wildcard matching with backtracking to the last star.
	ti, si, starT, starS := 0, 0, -1, 0
	for si < len(in) {
		switch {
		case ti < len(toks) && !toks[ti].star && toks[ti].lit == in[si]:
			ti++
			si++
		case ti < len(toks) && toks[ti].star:
			starT, starS = ti, si
			ti++
		case starT >= 0:
			starS++
			ti, si = starT+1, starS
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].star {
		ti++
	}
	return ti == len(toks)
}
