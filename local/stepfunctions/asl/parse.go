package asl

import (
	"fmt"
	"strings"
	"time"
)

// Parse parses and validates a definition (JSONPath mode, and JSONata mode
// for the machine or single states). A definition AWS would reject is a
// *ValidationError listing every problem found.
func Parse(definition []byte, opts ParseOptions) (*Definition, error) {
	raw, err := decodeJSON(definition)
	if err != nil {
		return nil, &ValidationError{Problems: []Problem{{Location: "/", Message: "Invalid JSON: " + err.Error()}}}
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, &ValidationError{Problems: []Problem{{Location: "/", Message: "Expected value of type Object"}}}
	}
	p := &parser{opts: opts, names: map[string]bool{}}
	d := p.definition(object{p: p, m: m, loc: ""})
	if len(p.problems) > 0 {
		return nil, &ValidationError{Problems: p.problems}
	}
	return d, nil
}

// String is the problem as AWS's CreateStateMachine states it: the message
// and where it is.
func (p Problem) String() string {
	if p.Location == "" {
		return p.Message
	}
	return p.Message + " at " + p.Location
}

// parser accumulates the problems of one definition.
type parser struct {
	opts     ParseOptions
	problems []Problem
	names    map[string]bool // every state name, nested ones included: names are unique machine-wide
	jsonata  bool            // the machine's default query language is JSONata
}

func (p *parser) problem(loc, state, field, msg string) {
	if loc == "" {
		loc = "/"
	}
	p.problems = append(p.problems, Problem{Location: loc, State: state, Field: field, Message: msg})
}

var topFields = set("StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage")

func (p *parser) definition(o object) *Definition {
	d := &Definition{queryLanguage: langJSONPath}
	o.only(topFields)
	if ql, ok := o.str("QueryLanguage"); ok {
		switch ql {
		case langJSONPath:
		case langJSONata:
			d.queryLanguage, p.jsonata = langJSONata, true
		default:
			o.bad("QueryLanguage", "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]")
		}
	}
	if v, ok := o.str("Version"); ok && v != "1.0" {
		o.bad("Version", "The field 'Version' should have one of these values: [1.0]")
	}
	d.comment, _ = o.str("Comment")
	if t, ok := o.integer("TimeoutSeconds"); ok {
		if t < 0 || t > 99999999 {
			o.bad("TimeoutSeconds", "The field 'TimeoutSeconds' must be between 0 and 99999999")
		}
		d.timeoutSeconds = t
	}
	d.top = p.machine(o)
	return d
}

// machine parses StartAt and States of the top level, a branch or an iterator.
func (p *parser) machine(o object) *machine {
	m := &machine{states: map[string]*state{}}
	if !o.require("StartAt", "States") {
		return m
	}
	m.startAt, _ = o.str("StartAt")
	states, ok := o.child("States")
	if !ok {
		return m
	}
	if len(states.m) == 0 {
		o.bad("States", "The field 'States' must have at least one state")
	}
	for _, name := range sortedKeys(states.m) {
		loc := states.at(name)
		if len(name) == 0 || len(name) > 80 {
			p.problem(loc, name, "", "State names must be between 1 and 80 characters")
		}
		if p.names[name] {
			p.problem(loc, name, "", fmt.Sprintf("State names must be unique within the state machine: %q is defined more than once", name))
		}
		p.names[name] = true
		raw, isObj := states.m[name].(map[string]any)
		if !isObj {
			p.problem(loc, name, "", "Expected value of type Object")
			continue
		}
		m.states[name] = p.state(object{p: p, m: raw, loc: loc, state: name})
	}
	p.checkGraph(o, m)
	return m
}

// Field sets, by state type. Every type also has Type, Comment and
// QueryLanguage.
var (
	jsonPathIO  = set("InputPath", "OutputPath")
	transitions = set("Next", "End")
	stateFields = map[string]map[string]bool{
		"Pass":     set("Result", "ResultPath", "Parameters", "Assign", "Output"),
		"Task":     set("Resource", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials", "Assign", "Arguments", "Output"),
		"Choice":   set("Choices", "Default", "Assign", "Output"),
		"Wait":     set("Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Assign", "Output"),
		"Succeed":  set("Output"),
		"Fail":     set("Error", "Cause", "ErrorPath", "CausePath"),
		"Parallel": set("Branches", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "Assign", "Arguments", "Output"),
		"Map":      set("Iterator", "ItemProcessor", "ItemsPath", "Items", "ItemSelector", "Parameters", "MaxConcurrency", "MaxConcurrencyPath", "ResultSelector", "ResultPath", "Retry", "Catch", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath", "ItemReader", "ResultWriter", "ItemBatcher", "Label", "Assign", "Output"),
	}
	// Fields that exist only in one query language.
	jsonPathOnly = set("InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Result", "TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath", "TimestampPath", "ErrorPath", "CausePath", "ItemsPath", "MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath")
	jsonataOnly  = set("Arguments", "Output", "Items")
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func (p *parser) state(o object) *state {
	st := &state{name: o.state}
	typ, ok := o.str("Type")
	if !ok {
		o.require("Type")
		return st
	}
	st.typ = typ
	fields, known := stateFields[typ]
	if !known {
		o.bad("Type", "The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]")
		return st
	}
	st.jsonata = p.jsonata
	if ql, ok := o.str("QueryLanguage"); ok {
		switch {
		case ql == langJSONata:
			st.jsonata = true
		case ql == langJSONPath && p.jsonata:
			o.bad("QueryLanguage", "A state cannot use JSONPath when the state machine's QueryLanguage is JSONata")
		case ql != langJSONPath:
			o.bad("QueryLanguage", "The field 'QueryLanguage' should have one of these values: [JSONPath, JSONata]")
		}
	}
	allowed := set("Type", "Comment", "QueryLanguage")
	for k := range fields {
		allowed[k] = true
	}
	if typ != "Fail" {
		for k := range jsonPathIO {
			allowed[k] = true
		}
	}
	if typ != "Choice" && typ != "Succeed" && typ != "Fail" {
		for k := range transitions {
			allowed[k] = true
		}
	}
	for _, k := range sortedKeys(o.m) {
		if !allowed[k] {
			o.bad(k, "The field %q is not supported by Step Functions for a state of type %q", k, typ)
			continue
		}
		if st.jsonata && jsonPathOnly[k] {
			o.bad(k, "The field %q is not supported in a state whose QueryLanguage is JSONata", k)
		}
		if !st.jsonata && jsonataOnly[k] {
			o.bad(k, "The field %q is supported only in a state whose QueryLanguage is JSONata", k)
		}
	}
	if allowed["Next"] {
		p.transition(o, st)
	}
	if !st.jsonata && typ != "Fail" {
		st.inputPath = o.optionalPath("InputPath", false)
		st.outputPath = o.optionalPath("OutputPath", false)
	}
	if st.jsonata {
		st.output = p.jsonataField(o, "Output")
	}
	if fields["Assign"] {
		st.assign = p.assign(o, st.jsonata)
	}
	switch typ {
	case "Pass":
		if !st.jsonata {
			st.parameters = o.template("Parameters")
			st.resultPath = o.optionalPath("ResultPath", true)
			st.result, st.hasResult = o.m["Result"]
		}
	case "Task":
		p.task(o, st)
	case "Choice":
		p.choice(o, st)
	case "Wait":
		p.wait(o, st)
	case "Fail":
		p.fail(o, st)
	case "Parallel":
		p.parallel(o, st)
	case "Map":
		p.mapState(o, st)
	}
	return st
}

// transition reads Next/End: exactly one of them.
func (p *parser) transition(o object, st *state) {
	end, _ := o.boolean("End")
	next, hasNext := o.str("Next")
	switch {
	case hasNext && o.has("End"):
		o.p.problem(o.loc, o.state, "End", "There should only be one of the following fields: [Next, End]")
	case !hasNext && !end:
		if o.has("End") {
			o.bad("End", "The field 'End' must be true when there is no 'Next'")
		} else if !o.has("Next") {
			o.p.problem(o.loc, o.state, "Next", "This object should have only one of the following fields: [Next, End]")
		}
	}
	st.next, st.end = next, end
}

// assign parses the Assign field: variable names mapped to values (a
// JSONPath template, or JSONata "{% %}" strings).
func (p *parser) assign(o object, jsonata bool) template {
	a, ok := o.child("Assign")
	if !ok {
		return nil
	}
	for _, k := range sortedKeys(a.m) {
		name := k
		if !jsonata {
			name = strings.TrimSuffix(k, ".$")
		}
		if !validVariableName(name) || name == "states" {
			a.bad(k, "The variable name '%s' is invalid: it must start with a letter or '_', have only letters, digits and '_', at most 80 characters, and not be 'states'", name)
		}
	}
	if jsonata {
		return p.jsonataField(o, "Assign")
	}
	return o.template("Assign")
}

func (p *parser) task(o object, st *state) {
	if !o.require("Resource") {
		return
	}
	res, ok := o.str("Resource")
	if ok {
		if !strings.HasPrefix(res, "arn:") {
			o.bad("Resource", "The value for the field 'Resource' must be a valid ARN")
		} else if p.opts.KnownResource != nil && !p.opts.KnownResource(res) {
			o.bad("Resource", "The resource '%s' is not supported by this Step Functions engine", res)
		}
	}
	st.resource = res
	if st.jsonata {
		st.arguments = p.jsonataField(o, "Arguments")
		st.credentials = p.jsonataField(o, "Credentials")
	} else {
		st.parameters = o.template("Parameters")
		st.resultSelector = o.template("ResultSelector")
		st.resultPath = o.optionalPath("ResultPath", true)
		st.credentials = o.template("Credentials")
	}
	st.timeout = p.dynNum(o, st, "TimeoutSeconds", true, 1, 99999999)
	st.heartbeat = p.dynNum(o, st, "HeartbeatSeconds", true, 1, 99999999)
	if st.timeout.set && st.heartbeat.set && st.timeout.path == nil && st.heartbeat.path == nil &&
		st.timeout.expr == nil && st.heartbeat.expr == nil && st.heartbeat.value >= st.timeout.value {
		o.bad("HeartbeatSeconds", "The value of 'HeartbeatSeconds' must be smaller than the value of 'TimeoutSeconds'")
	}
	p.errorHandling(o, st)
}

// dynNum reads field (a literal or, in JSONata, a "{% %}" string) and its
// JSONPath "<field>Path" twin; at most one of them.
func (p *parser) dynNum(o object, st *state, field string, integer bool, lo, hi float64) dynNum {
	d := dynNum{field: field, integer: integer}
	pathField := field + "Path"
	if !st.jsonata {
		o.exclusive(false, field, pathField)
	}
	if o.has(pathField) && !st.jsonata {
		d.path = o.path(pathField, true)
		d.set = d.path != nil
		return d
	}
	if !o.has(field) {
		return d
	}
	if _, isStr := o.m[field].(string); isStr && st.jsonata {
		d.expr = p.jsonataField(o, field)
		d.set = d.expr != nil
		return d
	}
	var v float64
	var ok bool
	if integer {
		var i int64
		i, ok = o.integer(field)
		v = float64(i)
	} else {
		v, ok = o.number(field)
	}
	if !ok {
		return d
	}
	if v < lo || v > hi {
		o.bad(field, "The value for the field '%s' must be between %v and %v", field, lo, hi)
		return d
	}
	d.set, d.value = true, v
	return d
}

// errorHandling reads Retry and Catch.
func (p *parser) errorHandling(o object, st *state) {
	if rs, ok := o.array("Retry"); ok {
		for i, raw := range rs {
			r, ok := p.element(o, "Retry", i, raw)
			if ok {
				st.retry = append(st.retry, p.retrier(r, i == len(rs)-1))
			}
		}
	}
	if cs, ok := o.array("Catch"); ok {
		for i, raw := range cs {
			c, ok := p.element(o, "Catch", i, raw)
			if ok {
				st.catch = append(st.catch, p.catcher(c, st, i == len(cs)-1))
			}
		}
	}
}

func (p *parser) element(o object, field string, i int, raw any) (object, bool) {
	m, ok := raw.(map[string]any)
	loc := fmt.Sprintf("%s/%d", o.at(field), i)
	if !ok {
		p.problem(loc, o.state, field, "Expected value of type Object")
		return object{}, false
	}
	return object{p: p, m: m, loc: loc, state: o.state}, true
}

var retrierFields = set("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment")

func (p *parser) retrier(o object, last bool) retrier {
	r := retrier{interval: time.Second, maxAttempts: 3, backoffRate: 2}
	o.only(retrierFields)
	o.require("ErrorEquals")
	r.errorEquals, _ = o.strings("ErrorEquals")
	p.checkErrorEquals(o, r.errorEquals, last, "Retrier")
	if v, ok := o.integer("IntervalSeconds"); ok {
		if v < 1 || v > 99999999 {
			o.bad("IntervalSeconds", "The value for the field 'IntervalSeconds' must be between 1 and 99999999")
		}
		r.interval = time.Duration(v) * time.Second
	}
	if v, ok := o.integer("MaxAttempts"); ok {
		if v < 0 || v > 99999999 {
			o.bad("MaxAttempts", "The value for the field 'MaxAttempts' must be between 0 and 99999999")
		}
		r.maxAttempts = int(v)
	}
	if v, ok := o.number("BackoffRate"); ok {
		if v < 1 {
			o.bad("BackoffRate", "The value for the field 'BackoffRate' must be at least 1.0")
		}
		r.backoffRate = v
	}
	if v, ok := o.integer("MaxDelaySeconds"); ok {
		if v < 1 || v > 31622400 {
			o.bad("MaxDelaySeconds", "The value for the field 'MaxDelaySeconds' must be between 1 and 31622400")
		}
		r.maxDelay = time.Duration(v) * time.Second
	}
	if v, ok := o.str("JitterStrategy"); ok {
		switch v {
		case "FULL":
			r.jitterFull = true
		case "NONE":
		default:
			o.bad("JitterStrategy", "The field 'JitterStrategy' should have one of these values: [FULL, NONE]")
		}
	}
	return r
}

func (p *parser) catcher(o object, st *state, last bool) catcher {
	c := catcher{}
	allowed := set("ErrorEquals", "Next", "Comment", "Assign")
	if st.jsonata {
		allowed["Output"] = true
	} else {
		allowed["ResultPath"] = true
	}
	o.only(allowed)
	o.require("ErrorEquals", "Next")
	c.errorEquals, _ = o.strings("ErrorEquals")
	p.checkErrorEquals(o, c.errorEquals, last, "Catcher")
	c.next, _ = o.str("Next")
	if st.jsonata {
		c.output = p.jsonataField(o, "Output")
	} else {
		c.resultPath = o.optionalPath("ResultPath", true)
	}
	c.assign = p.assign(o, st.jsonata)
	return c
}

// checkErrorEquals applies AWS's rules to a Retrier's or Catcher's ErrorEquals.
func (p *parser) checkErrorEquals(o object, names []string, last bool, kind string) {
	for _, n := range names {
		if n == "States.ALL" {
			if len(names) > 1 {
				o.bad("ErrorEquals", "The error 'States.ALL' must appear alone in 'ErrorEquals'")
			}
			if !last {
				o.bad("ErrorEquals", "A %s with 'States.ALL' in 'ErrorEquals' must be the last one", kind)
			}
		} else if strings.HasPrefix(n, "States.") && !predefinedErrors[n] {
			o.bad("ErrorEquals", "The error '%s' is not a predefined Step Functions error", n)
		}
	}
}

// predefinedErrors are the "States." error names.
var predefinedErrors = set("States.ALL", "States.HeartbeatTimeout", "States.Timeout", "States.TaskFailed",
	"States.Permissions", "States.ResultPathMatchFailure", "States.ParameterPathFailure", "States.BranchFailed",
	"States.NoChoiceMatched", "States.IntrinsicFailure", "States.ExceedToleratedFailureThreshold",
	"States.ItemReaderFailed", "States.ResultWriterFailed", "States.Runtime", "States.DataLimitExceeded",
	"States.QueryEvaluationError")

func (p *parser) wait(o object, st *state) {
	keys := []string{"SecondsPath", "Seconds", "TimestampPath", "Timestamp"}
	if st.jsonata {
		keys = []string{"Seconds", "Timestamp"}
	}
	switch o.exclusive(true, keys...) {
	case "Seconds":
		st.seconds = p.dynNum(o, st, "Seconds", true, 0, 99999999)
	case "SecondsPath":
		st.seconds = dynNum{field: "Seconds", integer: true, path: o.path("SecondsPath", true), set: true}
	case "Timestamp":
		s, ok := o.str("Timestamp")
		if !ok {
			return
		}
		if st.jsonata && isJSONataString(s) {
			st.tsExpr = p.jsonataField(o, "Timestamp")
			return
		}
		t, ok := parseTimestamp(s)
		if !ok {
			o.bad("Timestamp", "String does not match RFC3339 timestamp")
			return
		}
		st.timestamp = &t
	case "TimestampPath":
		st.tsPath = o.path("TimestampPath", true)
	}
}

func (p *parser) fail(o object, st *state) {
	if st.jsonata {
		st.errorExpr = p.jsonataField(o, "Error")
		st.causeExpr = p.jsonataField(o, "Cause")
		return
	}
	o.exclusive(false, "Error", "ErrorPath")
	o.exclusive(false, "Cause", "CausePath")
	if s, ok := o.str("Error"); ok {
		st.errorName = &s
	}
	if s, ok := o.str("Cause"); ok {
		st.cause = &s
	}
	st.errorPath = p.valueExprField(o, "ErrorPath")
	st.causePath = p.valueExprField(o, "CausePath")
}

// valueExprField reads a field holding a JSONPath or an intrinsic call.
func (p *parser) valueExprField(o object, k string) *valueExpr {
	s, ok := o.str(k)
	if !ok {
		return nil
	}
	e, err := compileValueExpr(k, s)
	if err != nil {
		o.bad(k, "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", k)
		return nil
	}
	return e
}

func (p *parser) parallel(o object, st *state) {
	if !o.require("Branches") {
		return
	}
	if st.jsonata {
		st.arguments = p.jsonataField(o, "Arguments")
	} else {
		st.parameters = o.template("Parameters")
		st.resultSelector = o.template("ResultSelector")
		st.resultPath = o.optionalPath("ResultPath", true)
	}
	bs, ok := o.array("Branches")
	if !ok {
		return
	}
	if len(bs) == 0 {
		o.bad("Branches", "The field 'Branches' must have at least one branch")
	}
	for i, raw := range bs {
		b, ok := p.element(o, "Branches", i, raw)
		if !ok {
			continue
		}
		b.only(set("StartAt", "States", "Comment"))
		st.branches = append(st.branches, p.machine(b))
	}
	p.errorHandling(o, st)
}

func (p *parser) mapState(o object, st *state) {
	for _, k := range []string{"ItemReader", "ResultWriter", "ItemBatcher"} {
		if o.has(k) {
			o.bad(k, "The field %q (distributed Map) is not supported by this Step Functions engine", k)
		}
	}
	proc := o.exclusive(true, "ItemProcessor", "Iterator")
	if st.jsonata {
		st.items = p.jsonataField(o, "Items")
		st.itemSelector = p.jsonataField(o, "ItemSelector")
	} else {
		if o.has("ItemsPath") {
			st.itemsPath = o.path("ItemsPath", true)
		}
		o.exclusive(false, "ItemSelector", "Parameters")
		st.itemSelector = o.template("ItemSelector")
		if st.itemSelector == nil {
			st.itemSelector = o.template("Parameters")
		}
		st.resultSelector = o.template("ResultSelector")
		st.resultPath = o.optionalPath("ResultPath", true)
	}
	st.maxConcurrency = p.dynNum(o, st, "MaxConcurrency", true, 0, 99999999)
	st.toleratedCount = p.dynNum(o, st, "ToleratedFailureCount", true, 0, 99999999)
	st.toleratedPct = p.dynNum(o, st, "ToleratedFailurePercentage", false, 0, 100)
	if proc != "" {
		if it, ok := o.child(proc); ok {
			allowed := set("StartAt", "States", "Comment")
			if proc == "ItemProcessor" {
				allowed["ProcessorConfig"] = true
				if pc, ok := it.child("ProcessorConfig"); ok {
					pc.only(set("Mode", "ExecutionType"))
					if mode, ok := pc.str("Mode"); ok && mode != "INLINE" {
						pc.bad("Mode", "Only the INLINE Map processor mode is supported by this Step Functions engine")
					}
				}
			}
			it.only(allowed)
			st.iterator = p.machine(it)
		}
	}
	p.errorHandling(o, st)
}
