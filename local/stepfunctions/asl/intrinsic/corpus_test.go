package intrinsic

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestCorpus replays the AWS-recorded corpus cases that exercise intrinsic
// functions (../../../../../shared/conformance/asl/cases, or
// SHOPGRAPH_ASL_CONFORMANCE_DIR). A case runs here when its definition is a
// chain of Pass states with only Parameters (the rest needs the interpreter
// and is skipped with the reason). Each ".$" value is an intrinsic call
// evaluated with Parse/Eval, or a path resolved with the project's JSONPath
// library.
//
// Comparison: outputs as JSON values (numbers by value, key order ignored);
// error names exactly and causes exactly after AWS's "An error occurred while
// executing the state 'X' (entered at the event id #N). " prefix (the Jackson
// detail of States.StringToJson included); VALIDATION_FAILED cases must fail
// Parse. Non-deterministic calls are compared structurally: States.UUID
// results must be fresh v4 UUIDs where the recording has UUIDs (the text
// around them exactly), unseeded States.MathRandom results integers in
// [start, end). Seeded States.MathRandom results are compared exactly.
func TestCorpus(t *testing.T) {
	dir := os.Getenv("SHOPGRAPH_ASL_CONFORMANCE_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "..", "shared", "conformance", "asl", "cases")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Skipf("intrinsic corpus: no corpus found in %s (set SHOPGRAPH_ASL_CONFORMANCE_DIR)", dir)
	}
	var passed, failed, skipped int
	var skips []string
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		c, err := loadCorpusCase(f)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			failed++
			continue
		}
		if !usesIntrinsics(c.definition) {
			continue
		}
		switch v := c.run(); v.kind {
		case pass:
			passed++
		case skip:
			skipped++
			skips = append(skips, name+": "+v.reason)
		default:
			failed++
			t.Errorf("%s: %s", name, v.reason)
		}
	}
	sort.Strings(skips)
	for _, s := range skips {
		t.Logf("skipped %s", s)
	}
	t.Logf("intrinsic corpus: %d passed, %d failed, %d skipped", passed, failed, skipped)
}

// corpusCase is one recorded execution.
type corpusCase struct {
	definition map[string]any
	input      any
	result     map[string]any
}

func loadCorpusCase(path string) (*corpusCase, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading case: %w", err)
	}
	v, err := decodeJSON(string(data))
	if err != nil {
		return nil, fmt.Errorf("decoding case: %w", err)
	}
	m, _ := v.(map[string]any)
	c := &corpusCase{input: m["input"]}
	c.definition, _ = m["definition"].(map[string]any)
	c.result, _ = m["result"].(map[string]any)
	if c.definition == nil || c.result == nil {
		return nil, errors.New("no definition or result")
	}
	return c, nil
}

// usesIntrinsics reports whether some ".$" value in v is an intrinsic call.
func usesIntrinsics(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, el := range x {
			if s, ok := el.(string); ok && strings.HasSuffix(k, ".$") && IsCall(s) {
				return true
			}
			if usesIntrinsics(el) {
				return true
			}
		}
	case []any:
		for _, el := range x {
			if usesIntrinsics(el) {
				return true
			}
		}
	}
	return false
}

type verdictKind int

const (
	pass verdictKind = iota
	fail
	skip
)

type verdict struct {
	kind   verdictKind
	reason string
}

func failf(format string, args ...any) verdict {
	return verdict{fail, fmt.Sprintf(format, args...)}
}

// errSkip marks a case this test cannot run; its text is the reason.
type errSkip string

func (e errSkip) Error() string { return string(e) }

// passFields are the Pass-state fields this test can run.
var passFields = map[string]bool{"Type": true, "Parameters": true, "Next": true, "End": true, "Comment": true}

// run replays the case and compares with the recording.
func (c *corpusCase) run() verdict {
	r := &corpusRun{context: contextFor(c.input), uuids: map[string]bool{}}
	got, err := r.chain(c.definition, c.input, c.result["output"])
	var skipped errSkip
	var syntax *SyntaxError
	switch wantErr, _ := c.result["error"].(string); {
	case errors.As(err, &skipped):
		return verdict{skip, string(skipped)}
	case wantErr == "VALIDATION_FAILED":
		if !errors.As(err, &syntax) {
			return failf("Parse accepted a definition AWS rejects (%v); got %s, %v", c.result["cause"], encode(got), err)
		}
		return verdict{kind: pass}
	case errors.As(err, &syntax):
		return failf("Parse: %v", err)
	case wantErr != "":
		return c.compareError(wantErr, err)
	case err != nil:
		return failf("failed: %v", err)
	}
	return compareOutput(c.result["output"], got)
}

var causePrefix = regexp.MustCompile(`^An error occurred while executing the state '[^']*' \(entered at the event id #\d+\)\. `)

func (c *corpusCase) compareError(wantErr string, err error) verdict {
	wantCause, _ := c.result["cause"].(string)
	var ie *Error
	if !errors.As(err, &ie) {
		return failf("got %v, want error %s (%s)", err, wantErr, wantCause)
	}
	if want := causePrefix.ReplaceAllString(wantCause, ""); ie.Name != wantErr || ie.Message != want {
		return failf("error %s: %q\nwant %s: %q", ie.Name, ie.Message, wantErr, want)
	}
	return verdict{kind: pass}
}

// compareOutput compares JSON values; a difference only in the key order of
// a JSON text (States.JsonToString of an object) is a skip: map[string]any,
// the contract's object type, does not keep key order.
func compareOutput(want, got any) verdict {
	switch {
	case equal(want, got):
		return verdict{kind: pass}
	case equalJSONTexts(want, got):
		return verdict{skip, fmt.Sprintf("JSON text %s differs from AWS's %s only in object key order, which map[string]any (the contract's value model) does not keep", encode(got), encode(want))}
	}
	return failf("output %s, want %s", encode(got), encode(want))
}

// equalJSONTexts is equal, except that two strings holding the same JSON
// value are equal.
func equalJSONTexts(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		if !ok {
			return false
		}
		va, errA := decodeJSON(x)
		vb, errB := decodeJSON(y)
		return x == y || (errA == nil && errB == nil && equal(va, vb))
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalJSONTexts(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k := range x {
			if _, has := y[k]; !has || !equalJSONTexts(x[k], y[k]) {
				return false
			}
		}
		return true
	}
	return equal(a, b)
}

// corpusRun evaluates one case's Pass chain.
type corpusRun struct {
	context any
	uuids   map[string]bool // every UUID generated, to check they differ
}

// chain runs the Pass states from StartAt; want is the recorded output,
// which non-deterministic calls of the last state are checked against.
func (r *corpusRun) chain(def map[string]any, input, want any) (any, error) {
	states, _ := def["States"].(map[string]any)
	name, _ := def["StartAt"].(string)
	for range 100 {
		st, _ := states[name].(map[string]any)
		if typ := st["Type"]; typ != "Pass" {
			return nil, errSkip(fmt.Sprintf("state %s is a %v state (needs the interpreter)", name, typ))
		}
		for f := range st {
			if !passFields[f] {
				return nil, errSkip(fmt.Sprintf("state %s uses %s (needs the interpreter)", name, f))
			}
		}
		end := st["End"] == true
		out := input
		if params, ok := st["Parameters"]; ok {
			var err error
			if out, err = r.template(params, input, want, end); err != nil {
				return nil, err
			}
		}
		if end {
			return out, nil
		}
		input, name = out, fmt.Sprint(st["Next"])
	}
	return nil, errSkip("more than 100 transitions")
}

// template evaluates a Parameters template against input.
func (r *corpusRun) template(tmpl, input, want any, last bool) (any, error) {
	switch x := tmpl.(type) {
	case map[string]any:
		wantObj, _ := want.(map[string]any)
		out := make(map[string]any, len(x))
		for k, v := range x {
			name, dynamic := strings.CutSuffix(k, ".$")
			var err error
			if s, isString := v.(string); dynamic && isString {
				out[name], err = r.value(s, input, wantObj[name], last)
			} else {
				out[k], err = r.template(v, input, wantObj[k], last)
			}
			if err != nil {
				return nil, err
			}
		}
		return out, nil
	case []any:
		wantArr, _ := want.([]any)
		out := make([]any, len(x))
		for i, el := range x {
			var w any
			if i < len(wantArr) {
				w = wantArr[i]
			}
			var err error
			if out[i], err = r.template(el, input, w, last); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return tmpl, nil
}

// value evaluates one ".$" value: a call or a path.
func (r *corpusRun) value(s string, input, want any, last bool) (any, error) {
	resolve := testResolver(input, r.context, nil)
	if !IsCall(s) {
		return resolve(s)
	}
	c, err := Parse(s)
	if err != nil {
		return nil, err
	}
	got, err := c.Eval(resolve)
	if err != nil {
		return nil, err
	}
	uuids, unseeded := randomness(c.root)
	switch {
	case unseeded == 0 && !uuids:
		return got, nil
	case !last:
		return nil, errSkip("non-deterministic call before the last state")
	case uuids && unseeded == 0:
		return r.checkUUIDs(got, want)
	case !uuids && unseeded == 1 && c.root.fn.name == "States.MathRandom":
		return checkRandom(c.root, got, want)
	}
	return nil, errSkip("nested unseeded States.MathRandom cannot be compared")
}

// randomness reports whether n calls States.UUID and how many unseeded
// States.MathRandom calls it makes.
func randomness(n node) (uuids bool, unseeded int) {
	c, ok := n.(*callNode)
	if !ok {
		return false, 0
	}
	uuids = c.fn.name == "States.UUID"
	if c.fn.name == "States.MathRandom" && len(c.args) == 2 {
		unseeded++
	}
	for _, a := range c.args {
		u, n := randomness(a)
		uuids, unseeded = uuids || u, unseeded+n
	}
	return uuids, unseeded
}

var (
	anyUUID = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	v4UUID  = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
)

// checkUUIDs compares got with want, each UUID standing for any fresh v4
// UUID; on success it returns want, so that the final comparison holds.
func (r *corpusRun) checkUUIDs(got, want any) (any, error) {
	gotText := encode(got)
	for _, u := range anyUUID.FindAllString(gotText, -1) {
		if !v4UUID.MatchString(u) || r.uuids[u] {
			return nil, fmt.Errorf("%s is not a fresh version 4 UUID", u)
		}
		r.uuids[u] = true
	}
	const mark = "<uuid>"
	if g, w := anyUUID.ReplaceAllString(gotText, mark), anyUUID.ReplaceAllString(encode(want), mark); g != w {
		return nil, fmt.Errorf("UUID output %s does not have the shape of %s", gotText, encode(want))
	}
	return want, nil
}

// checkRandom checks that an unseeded States.MathRandom result is an integer
// in [start, end) and that AWS recorded an integer; it then returns want.
func checkRandom(c *callNode, got, want any) (any, error) {
	var bounds [2]int64
	for i := range bounds {
		lit, ok := c.args[i].(literalNode)
		if !ok {
			return nil, errSkip("States.MathRandom bounds are not literals")
		}
		var err error
		if bounds[i], err = truncatedArg(lit.value); err != nil {
			return nil, fmt.Errorf("bound %v: %w", lit.value, err)
		}
	}
	for _, v := range []any{got, want} {
		n, err := truncatedArg(v)
		if err != nil || encode(v) != encode(number(n)) || n < bounds[0] || n >= bounds[1] {
			return nil, fmt.Errorf("%s is not an integer in [%d, %d)", encode(v), bounds[0], bounds[1])
		}
	}
	return want, nil
}
