package dynamodb_test

// The differential suite: every case under testdata/diff is sent, as raw
// signed HTTP requests, both to the embedded server and to DynamoDB Local
// (AWS's emulator, the oracle), and the normalized answers are compared.
// testdata/diff/README.md documents the case format and the normalization.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/local/dynamodb"
)

// diffFile is one file of cases.
type diffFile struct {
	// Setup steps run (and are compared) before the steps of every case of
	// the file whose NoSetup is false.
	Setup []diffStep      `json:"setup"`
	Cases []diffCase      `json:"cases"`
	Notes json.RawMessage `json:"notes"`
}

// diffCase is one scenario: steps run in order against one fresh database
// per side.
type diffCase struct {
	Name    string     `json:"name"`
	NoSetup bool       `json:"noSetup"`
	Steps   []diffStep `json:"steps"`
	// Differs (only in known-differences/) explains how the embedded
	// server still differs from DynamoDB Local on this case.
	Differs string `json:"differs"`
}

// diffStep is one request (or, with Repeat or Pages, a few).
type diffStep struct {
	// Op is the operation name (the X-Amz-Target suffix).
	Op string `json:"op"`
	// Body is the request's JSON body (see README for $T, $fill, $gen, $i).
	Body json.RawMessage `json:"body"`
	// Raw, when set, is sent verbatim instead of Body (malformed requests).
	Raw *string `json:"raw"`
	// Target, when set, replaces the whole X-Amz-Target header.
	Target *string `json:"target"`
	// Expect documents the intended outcome: "" (no claim), "ok", or an
	// error type such as "ValidationException". Both sides must meet it.
	Expect string `json:"expect"`
	// CompareMessage compares error messages too (default: type only).
	CompareMessage bool `json:"compareMessage"`
	// Repeat sends the step Repeat times with $i = 0..Repeat-1.
	Repeat int `json:"repeat"`
	// Pages follows LastEvaluatedKey (Query, Scan) until the end: Query
	// pages are compared one by one; a Scan is compared as the multiset
	// union of all pages (and of all segments with Segments).
	Pages bool `json:"pages"`
	// Segments runs a paged Scan once per segment 0..Segments-1.
	Segments int `json:"segments"`
	// TieKeys names the attributes of an index whose key does not order
	// items uniquely (a GSI: DynamoDB returns items with equal index keys in
	// no defined order). Items are then compared in order of these keys
	// only: runs of equal values as multisets, a run cut by the page
	// boundary (LastEvaluatedKey) or started by ExclusiveStartKey dropped,
	// and keys compared on these attributes; with Pages, all pages are
	// merged as for a Scan.
	TieKeys []string `json:"tieKeys"`
	// Compare "status" compares only the status and error type (for
	// answers that depend on an order DynamoDB does not define).
	Compare string `json:"compare"`
	// KnownDifference (only in known-differences/) marks a step on which
	// the embedded server is known to differ from DynamoDB Local.
	KnownDifference bool `json:"knownDifference"`
	// WaitActive resends the step (a DescribeTable) until the table and
	// each of its indexes are ACTIVE, for at most waitActiveFor, and
	// compares the last answer: DynamoDB Local, as DynamoDB, creates and
	// deletes an index of UpdateTable in the background (the embedded
	// server has done it when UpdateTable answers).
	WaitActive bool `json:"waitActive"`
	// Note is free text for the reader.
	Note string `json:"note"`
}

// waitActiveFor bounds a WaitActive step.
const waitActiveFor = 30 * time.Second

// mismatch is one difference found on one step.
type mismatch struct {
	step int // index into the case's steps (setup included)
	msg  string
}

// outcome is one side's normalized answer to one request.
type outcome struct {
	Status int
	Type   string // error type without namespace; "" for a success
	Body   any    // normalized JSON
	Raw    string // the raw body, for diagnostics
}

// side is one server under test.
type side struct {
	name     string // "embedded" or "local"
	endpoint string
	client   *http.Client
	creds    aws.Credentials
	// tablePrefix is substituted for "$" in $T, $T2, ... placeholders.
	tablePrefix string
}

var (
	placeholderRE = regexp.MustCompile(`\$T[0-9]*`)
	caseSeq       atomic.Int64
)

// TestDiff_againstDynamoDBLocal runs every case of testdata/diff/*.json on
// both servers and fails on any difference.
func TestDiff_againstDynamoDBLocal(t *testing.T) {
	t.Parallel()
	endpoint := dynamotest.DynamoDBLocalEndpoint(t)
	files, err := filepath.Glob(filepath.Join("testdata", "diff", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no case files: %v", err)
	}
	for _, file := range files {
		if filepath.Base(file) == "expressions.json" {
			continue // TestFuzzSeeds_agreeWithDynamoDBLocal
		}
		df := loadDiffFile(t, file)
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			t.Parallel()
			for _, c := range df.Cases {
				t.Run(c.Name, func(t *testing.T) {
					t.Parallel()
					steps := caseSteps(df, c)
					for i, st := range steps {
						if st.KnownDifference || c.Differs != "" {
							t.Fatalf("%s: case %q step %d: known differences belong in testdata/diff/known-differences/", file, c.Name, i)
						}
					}
					for _, m := range runDiffCase(t, endpoint, steps) {
						t.Errorf("%s: case %q: %s", file, c.Name, m.msg)
					}
				})
			}
		})
	}
}

// TestDiff_knownDifferences runs the cases of
// testdata/diff/known-differences/*.json, each of which names a way the
// embedded server still differs from DynamoDB Local, and asserts that it
// still does: when a case starts agreeing, the test fails so that the case
// moves back into the main corpus.
func TestDiff_knownDifferences(t *testing.T) {
	t.Parallel()
	endpoint := dynamotest.DynamoDBLocalEndpoint(t)
	files, err := filepath.Glob(filepath.Join("testdata", "diff", "known-differences", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		df := loadDiffFile(t, file)
		for _, c := range df.Cases {
			t.Run(strings.TrimSuffix(filepath.Base(file), ".json")+"/"+c.Name, func(t *testing.T) {
				t.Parallel()
				steps := caseSteps(df, c)
				marked := 0
				for _, st := range steps {
					if st.KnownDifference {
						marked++
					}
				}
				if c.Differs == "" || marked == 0 {
					t.Fatalf("%s: case %q: a known difference must say how it differs (\"differs\") and mark its steps (\"knownDifference\")", file, c.Name)
				}
				differs := map[int]bool{}
				for _, m := range runDiffCase(t, endpoint, steps) {
					differs[m.step] = true
					if steps[m.step].KnownDifference {
						t.Logf("still differs, as known: %s", m.msg)
					} else {
						t.Errorf("%s: case %q: an unmarked step differs: %s", file, c.Name, m.msg)
					}
				}
				for i, st := range steps {
					if st.KnownDifference && !differs[i] {
						t.Errorf("%s: case %q: step %d (%s) now agrees with DynamoDB Local (%s): move it back into testdata/diff/ and drop it from the README's list of differences", file, c.Name, i, st.Op, c.Differs)
					}
				}
			})
		}
	}
}

// expressionCase is one entry of testdata/diff/expressions.json.
type expressionCase struct {
	// Kind is "condition", "update", "projection", "filter" or "key".
	Kind   string          `json:"kind"`
	Expr   string          `json:"expr"`
	Names  json.RawMessage `json:"names"`
	Values json.RawMessage `json:"values"`
	// Item, when set, replaces the base item the expression runs on.
	Item json.RawMessage `json:"item"`
}

// TestFuzzSeeds_agreeWithDynamoDBLocal runs each expression of
// testdata/diff/expressions.json (the kind of inputs the expr fuzz tests
// seed with) on both servers: a condition guards a PutItem of the base
// item, an update runs with ReturnValues ALL_NEW on a copy of the base item,
// a projection is a GetItem's ProjectionExpression, a filter a Query's
// FilterExpression, a key a Query's KeyConditionExpression. Both must
// agree on acceptance, error type and result.
func TestFuzzSeeds_agreeWithDynamoDBLocal(t *testing.T) {
	t.Parallel()
	endpoint := dynamotest.DynamoDBLocalEndpoint(t)
	file := filepath.Join("testdata", "diff", "expressions.json")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		BaseItem json.RawMessage  `json:"baseItem"`
		Cases    []expressionCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(doc.Cases) == 0 {
		t.Fatalf("%s: no cases", file)
	}
	const batch = 20 // expressions per case (one table per case)
	for start := 0; start < len(doc.Cases); start += batch {
		end := min(start+batch, len(doc.Cases))
		t.Run(fmt.Sprintf("%d-%d", start, end-1), func(t *testing.T) {
			t.Parallel()
			steps := []diffStep{{Op: "CreateTable", Body: json.RawMessage(`{"TableName":"$T","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}`)}}
			for i, ec := range doc.Cases[start:end] {
				n := start + i
				s, err := expressionSteps(n, ec, doc.BaseItem)
				if err != nil {
					t.Fatalf("%s: case %d: %v", file, n, err)
				}
				steps = append(steps, s...)
			}
			for _, m := range runDiffCase(t, endpoint, steps) {
				t.Errorf("%s: %s", file, m.msg)
			}
		})
	}
}

// expressionSteps turns one expression case (number n) into requests.
func expressionSteps(n int, ec expressionCase, base json.RawMessage) ([]diffStep, error) {
	item := base
	if len(ec.Item) > 0 {
		item = ec.Item
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(item, &m); err != nil {
		return nil, fmt.Errorf("item: %w", err)
	}
	m["pk"] = json.RawMessage(fmt.Sprintf(`{"S":"e%d"}`, n))
	m["sk"] = json.RawMessage(`{"N":"1"}`)
	keyed, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf(`{"pk":{"S":"e%d"},"sk":{"N":"1"}}`, n)
	req := map[string]json.RawMessage{"TableName": json.RawMessage(`"$T"`)}
	if len(ec.Names) > 0 {
		req["ExpressionAttributeNames"] = ec.Names
	}
	if len(ec.Values) > 0 {
		req["ExpressionAttributeValues"] = ec.Values
	}
	exprJSON, err := json.Marshal(ec.Expr)
	if err != nil {
		return nil, err
	}
	put := diffStep{Op: "PutItem", Body: mustJSON(map[string]json.RawMessage{"TableName": json.RawMessage(`"$T"`), "Item": keyed}), Expect: "ok"}
	var op string
	switch ec.Kind {
	case "condition":
		op = "PutItem"
		req["Item"] = keyed
		req["ConditionExpression"] = exprJSON
		req["ReturnValuesOnConditionCheckFailure"] = json.RawMessage(`"ALL_OLD"`)
	case "update":
		op = "UpdateItem"
		req["Key"] = json.RawMessage(key)
		req["UpdateExpression"] = exprJSON
		req["ReturnValues"] = json.RawMessage(`"ALL_NEW"`)
	case "projection":
		op = "GetItem"
		req["Key"] = json.RawMessage(key)
		req["ProjectionExpression"] = exprJSON
	case "filter":
		op = "Query"
		req["KeyConditionExpression"] = json.RawMessage(`"pk = :pk__"`)
		req["FilterExpression"] = exprJSON
		vals := map[string]json.RawMessage{}
		if len(ec.Values) > 0 {
			if err := json.Unmarshal(ec.Values, &vals); err != nil {
				return nil, fmt.Errorf("values: %w", err)
			}
		}
		vals[":pk__"] = json.RawMessage(fmt.Sprintf(`{"S":"e%d"}`, n))
		req["ExpressionAttributeValues"] = mustJSON(vals)
	case "key":
		op = "Query"
		req["KeyConditionExpression"] = exprJSON
	default:
		return nil, fmt.Errorf("unknown kind %q", ec.Kind)
	}
	return []diffStep{put, {Op: op, Body: mustJSON(req), Note: fmt.Sprintf("expression %d (%s): %s", n, ec.Kind, ec.Expr)}}, nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only called on values built from decoded JSON
	}
	return b
}

func loadDiffFile(t *testing.T, file string) diffFile {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var df diffFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&df); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(df.Cases) == 0 {
		t.Fatalf("%s: no cases", file)
	}
	names := map[string]bool{}
	for _, c := range df.Cases {
		if c.Name == "" || names[c.Name] {
			t.Fatalf("%s: case names must be unique and non-empty: %q", file, c.Name)
		}
		names[c.Name] = true
	}
	return df
}

func caseSteps(df diffFile, c diffCase) []diffStep {
	if c.NoSetup {
		return c.Steps
	}
	return append(slices.Clone(df.Setup), c.Steps...)
}

// runDiffCase runs steps on a fresh embedded server and on DynamoDB Local
// (its own database there: a per-case access key) at the same time, and
// returns each difference.
func runDiffCase(t *testing.T, localEndpoint string, steps []diffStep) []mismatch {
	t.Helper()
	seq := caseSeq.Add(1)
	db, err := dynamodb.Open(dynamodb.Options{NoSync: true})
	if err != nil {
		t.Fatalf("open embedded server: %v", err)
	}
	srv := httptest.NewServer(db)
	t.Cleanup(func() {
		srv.Close()
		if err := db.Close(); err != nil {
			t.Errorf("close embedded server: %v", err)
		}
	})
	run := fmt.Sprintf("%04d%s", seq, strconv.FormatInt(time.Now().UnixNano()%1e6, 36))
	sides := [2]*side{
		{name: "embedded", endpoint: srv.URL, client: srv.Client(), creds: aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, tablePrefix: "diff" + run + "E_"},
		{name: "local", endpoint: localEndpoint, client: http.DefaultClient, creds: aws.Credentials{AccessKeyID: "diff" + run, SecretAccessKey: "local"}, tablePrefix: "diff" + run + "L_"},
	}
	var results [2][][]labeledOutcome
	var errs [2]error
	var wg sync.WaitGroup
	for i, s := range sides {
		wg.Go(func() {
			results[i], errs[i] = s.runSteps(steps)
			s.cleanup(steps)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", sides[i].name, err)
		}
	}
	show := os.Getenv("DIFFTEST_SHOW") != ""
	var mismatches []mismatch
	for i, st := range steps {
		e, l := results[0][i], results[1][i]
		if len(e) != len(l) {
			mismatches = append(mismatches, mismatch{i, fmt.Sprintf("step %d (%s): %d answers on the embedded server, %d on DynamoDB Local (paging differs)\n%s", i, st.Op, len(e), len(l), describeOutcomes(e, l))})
			continue
		}
		for j := range e {
			label := fmt.Sprintf("step %d (%s%s)", i, st.Op, e[j].label)
			if st.Note != "" {
				label += " [" + st.Note + "]"
			}
			if show {
				t.Logf("%s:\n  embedded: %s\n  local:    %s", label, e[j].o.Raw, l[j].o.Raw)
			}
			if msg := compareOutcomes(st, e[j].o, l[j].o); msg != "" {
				mismatches = append(mismatches, mismatch{i, label + ": " + msg})
			}
			for k, o := range []outcome{e[j].o, l[j].o} {
				if msg := checkExpect(st.Expect, o); msg != "" {
					mismatches = append(mismatches, mismatch{i, fmt.Sprintf("%s: %s: %s (raw %s)", label, sides[k].name, msg, o.Raw)})
				}
			}
		}
	}
	return mismatches
}

type labeledOutcome struct {
	label string // "", " #3" (repeat), " page 2", " segment 1"
	o     outcome
}

func describeOutcomes(e, l []labeledOutcome) string {
	var b strings.Builder
	for _, x := range e {
		fmt.Fprintf(&b, "  embedded%s: %d %s\n", x.label, x.o.Status, x.o.Raw)
	}
	for _, x := range l {
		fmt.Fprintf(&b, "  local%s: %d %s\n", x.label, x.o.Status, x.o.Raw)
	}
	return b.String()
}

func checkExpect(expect string, o outcome) string {
	switch expect {
	case "":
		return ""
	case "ok":
		if o.Type != "" {
			return fmt.Sprintf("answered %s, want success", o.Type)
		}
	default:
		if o.Type != expect {
			got := o.Type
			if got == "" {
				got = "success"
			}
			return fmt.Sprintf("answered %s, want %s", got, expect)
		}
	}
	return ""
}

// compareOutcomes returns "" when a and b (embedded, local) agree.
func compareOutcomes(st diffStep, e, l outcome) string {
	if e.Status != l.Status || e.Type != l.Type {
		return fmt.Sprintf("status/type differ: embedded %d %q, DynamoDB Local %d %q\n  embedded: %s\n  local:    %s", e.Status, e.Type, l.Status, l.Type, e.Raw, l.Raw)
	}
	if st.Compare == "status" {
		return ""
	}
	eb, lb := e.Body, l.Body
	if e.Type != "" {
		eb, lb = errorView(e.Body, st.CompareMessage), errorView(l.Body, st.CompareMessage)
	} else {
		eb, lb = dropOneSided(eb, lb, "ConsumedCapacity")
		eb, lb = successView(st, eb), successView(st, lb)
	}
	ej, lj := pretty(eb), pretty(lb)
	if ej == lj {
		return ""
	}
	return fmt.Sprintf("bodies differ (- embedded, + DynamoDB Local):\n%s\n  embedded: %s\n  local:    %s", lineDiff(ej, lj), e.Raw, l.Raw)
}

// successView reduces what DynamoDB leaves undefined in a success body:
// a Scan page that is not the last one (which items come first is
// unspecified: only Count, ScannedCount and the presence of
// LastEvaluatedKey are compared), and ties in an index (TieKeys).
func successView(st diffStep, body any) any {
	m, ok := body.(map[string]any)
	if !ok {
		return body
	}
	_, merged := m["(merged)"]
	if st.Op == "Scan" && !merged {
		if _, ok := m["LastEvaluatedKey"]; ok {
			m = maps.Clone(m)
			m["LastEvaluatedKey"] = "(present)"
			delete(m, "Items")
		}
		return m
	}
	if len(st.TieKeys) == 0 || merged {
		return m
	}
	m = maps.Clone(m)
	items, _ := m["Items"].([]any)
	tie := func(v any) string {
		it, _ := v.(map[string]any)
		k := map[string]any{}
		for _, name := range st.TieKeys {
			k[name] = it[name]
		}
		return pretty(k)
	}
	if lek, ok := m["LastEvaluatedKey"]; ok {
		t := tie(lek)
		for len(items) > 0 && tie(items[len(items)-1]) == t {
			items = items[:len(items)-1]
		}
		m["LastEvaluatedKey"] = t
	}
	var req map[string]any
	if err := decodeJSON(st.Body, &req); err == nil {
		if esk, ok := req["ExclusiveStartKey"]; ok && !st.Pages {
			t := tie(esk)
			for len(items) > 0 && tie(items[0]) == t {
				items = items[1:]
			}
		}
	}
	if st.Pages {
		items = nil // compared merged, in the (all pages) outcome
	}
	sorted := slices.Clone(items)
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && tie(sorted[j]) == tie(sorted[i]) {
			j++
		}
		sortItems(sorted[i:j])
		i = j
	}
	if sorted == nil {
		delete(m, "Items")
	} else {
		m["Items"] = sorted
	}
	return m
}

// errorView keeps what is compared of an error body: CancellationReasons
// (codes, items; messages only with compareMessage), Item (the old item of
// a failed condition) and, with compareMessage, the message.
func errorView(body any, withMessage bool) any {
	m, _ := body.(map[string]any)
	out := map[string]any{}
	if withMessage {
		out["message"] = m["message"]
	}
	if it, ok := m["Item"]; ok {
		out["Item"] = it
	}
	if rs, ok := m["CancellationReasons"].([]any); ok {
		var reasons []any
		for _, r := range rs {
			rm, _ := r.(map[string]any)
			k := map[string]any{"Code": rm["Code"]}
			if it, ok := rm["Item"]; ok {
				k["Item"] = it
			}
			if withMessage {
				k["Message"] = rm["Message"]
			}
			reasons = append(reasons, k)
		}
		out["CancellationReasons"] = reasons
	}
	return out
}

// dropOneSided removes the top-level field key from both bodies unless both
// have it.
func dropOneSided(a, b any, key string) (any, any) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		return a, b
	}
	_, ina := am[key]
	_, inb := bm[key]
	if ina && inb {
		return a, b
	}
	delete(am, key)
	delete(bm, key)
	return am, bm
}

func pretty(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(b)
}

// lineDiff is a minimal LCS line diff of two texts.
func lineDiff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(x)*len(y) > 4_000_000 {
		return "(too long to diff)\n- " + a + "\n+ " + b
	}
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			out.WriteString("    " + x[i] + "\n")
			i++
			j++
		case j < len(y) && (i == len(x) || lcs[i][j+1] >= lcs[i+1][j]):
			out.WriteString("  + " + y[j] + "\n")
			j++
		default:
			out.WriteString("  - " + x[i] + "\n")
			i++
		}
	}
	return out.String()
}

// runSteps sends every step and returns its normalized outcomes.
func (s *side) runSteps(steps []diffStep) ([][]labeledOutcome, error) {
	out := make([][]labeledOutcome, len(steps))
	for i, st := range steps {
		res, err := s.runStep(st)
		if err != nil {
			return nil, fmt.Errorf("step %d (%s): %w", i, st.Op, err)
		}
		out[i] = res
	}
	return out, nil
}

func (s *side) runStep(st diffStep) ([]labeledOutcome, error) {
	if st.Raw != nil {
		o, err := s.send(st, []byte(s.substitute(*st.Raw)))
		return []labeledOutcome{{o: o}}, err
	}
	if st.Repeat > 0 {
		var res []labeledOutcome
		for i := range st.Repeat {
			body, err := s.buildBody(st.Body, i)
			if err != nil {
				return nil, err
			}
			o, err := s.send(st, body)
			if err != nil {
				return nil, err
			}
			res = append(res, labeledOutcome{label: fmt.Sprintf(" #%d", i), o: o})
		}
		return res, nil
	}
	body, err := s.buildBody(st.Body, 0)
	if err != nil {
		return nil, err
	}
	if st.WaitActive {
		o, err := s.waitActive(st, body)
		return []labeledOutcome{{o: o}}, err
	}
	if !st.Pages && st.Segments == 0 {
		o, err := s.send(st, body)
		return []labeledOutcome{{o: o}}, err
	}
	return s.pages(st, body)
}

// waitActive sends a WaitActive step until its answer describes an ACTIVE
// table whose indexes are all ACTIVE (or is an error), and returns that
// answer.
func (s *side) waitActive(st diffStep, body []byte) (outcome, error) {
	deadline := time.Now().Add(waitActiveFor)
	for {
		o, err := s.send(st, body)
		if err != nil || o.Type != "" || allActive(o.Body) {
			return o, err
		}
		if time.Now().After(deadline) {
			return o, fmt.Errorf("%s: the table or an index is still not ACTIVE after %v: %s", s.name, waitActiveFor, o.Raw)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// allActive reports whether a DescribeTable answer (normalized) has the
// table and each of its global secondary indexes ACTIVE.
func allActive(body any) bool {
	m, _ := body.(map[string]any)
	t, _ := m["Table"].(map[string]any)
	if t == nil || t["TableStatus"] != "ACTIVE" {
		return false
	}
	gsis, _ := t["GlobalSecondaryIndexes"].([]any)
	for _, g := range gsis {
		if gm, _ := g.(map[string]any); gm["IndexStatus"] != "ACTIVE" {
			return false
		}
	}
	return true
}

// maxPages bounds a paged step (a server that never stops paging).
const maxPages = 200

// pages follows LastEvaluatedKey. Query pages are answered one by one; a
// Scan's pages (of every segment) are merged into one outcome: the multiset
// of items, total Count and ScannedCount, and the number of pages dropped.
func (s *side) pages(st diffStep, body []byte) ([]labeledOutcome, error) {
	var req map[string]any
	if err := decodeJSON(body, &req); err != nil {
		return nil, fmt.Errorf("paged step body: %w", err)
	}
	segments := max(st.Segments, 1)
	merge := st.Op == "Scan" || len(st.TieKeys) > 0
	var res []labeledOutcome
	var items []any
	var count, scanned int64
	for seg := range segments {
		if st.Segments > 0 {
			req["Segment"] = seg
			req["TotalSegments"] = st.Segments
		}
		delete(req, "ExclusiveStartKey")
		for page := 0; ; page++ {
			if page == maxPages {
				return nil, fmt.Errorf("more than %d pages", maxPages)
			}
			b, err := json.Marshal(req)
			if err != nil {
				return nil, err
			}
			o, err := s.send(st, b)
			if err != nil {
				return nil, err
			}
			m, _ := o.Body.(map[string]any)
			if !merge || len(st.TieKeys) > 0 || o.Type != "" {
				res = append(res, labeledOutcome{label: fmt.Sprintf(" segment %d page %d", seg, page), o: o})
			}
			if o.Type != "" {
				return res, nil
			}
			if merge {
				if its, ok := m["Items"].([]any); ok {
					items = append(items, its...)
				}
				count += jsonInt(m["Count"])
				scanned += jsonInt(m["ScannedCount"])
			}
			lek, ok := m["LastEvaluatedKey"]
			if !ok {
				break
			}
			req["ExclusiveStartKey"] = lek
		}
	}
	if merge {
		sortItems(items)
		if items == nil {
			items = []any{}
		}
		body := map[string]any{"(merged)": true, "Items": items, "Count": json.Number(strconv.FormatInt(count, 10)), "ScannedCount": json.Number(strconv.FormatInt(scanned, 10))}
		res = append(res, labeledOutcome{label: " (all pages)", o: outcome{Status: 200, Body: body, Raw: pretty(body)}})
	}
	return res, nil
}

func jsonInt(v any) int64 {
	n, _ := v.(json.Number)
	i, _ := n.Int64()
	return i
}

// substitute replaces the table placeholders $T, $T2, ... with this side's
// table names.
func (s *side) substitute(text string) string {
	return placeholderRE.ReplaceAllStringFunc(text, func(p string) string { return s.tablePrefix + p[1:] })
}

// unsubstitute maps this side's table names back to their placeholders.
func (s *side) unsubstitute(text string) string {
	re := regexp.MustCompile(regexp.QuoteMeta(s.tablePrefix) + `T[0-9]*`)
	return re.ReplaceAllStringFunc(text, func(n string) string { return "$" + n[len(s.tablePrefix):] })
}

// buildBody expands $gen and $fill, substitutes $i (in strings and object
// keys) and the table placeholders.
func (s *side) buildBody(raw json.RawMessage, i int) ([]byte, error) {
	if len(raw) == 0 {
		return []byte("{}"), nil
	}
	var v any
	if err := decodeJSON(raw, &v); err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	v, err := expand(v, i)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(s.substitute(strings.TrimSuffix(buf.String(), "\n"))), nil
}

var indexRE = regexp.MustCompile(`\$i([+*%])?([0-9]+)?`)

// expand applies the body templates: {"$gen": N, "item": X} becomes an
// array of N copies of X with $i = 0..N-1; "$fill:N" becomes a string of N
// 'x'; "$i" in a string or key becomes the index (or "$i+K", "$i*K",
// "$i%K" computed on it).
func expand(v any, i int) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if n, ok := v["$gen"]; ok {
			count, err := strconv.Atoi(fmt.Sprint(n))
			if err != nil || count < 0 {
				return nil, fmt.Errorf("$gen: bad count %v", n)
			}
			arr := make([]any, 0, count)
			for j := range count {
				x, err := expand(v["item"], j)
				if err != nil {
					return nil, err
				}
				arr = append(arr, x)
			}
			return arr, nil
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			y, err := expand(x, i)
			if err != nil {
				return nil, err
			}
			out[expandString(k, i)] = y
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for j, x := range v {
			y, err := expand(x, i)
			if err != nil {
				return nil, err
			}
			out[j] = y
		}
		return out, nil
	case string:
		if n, ok := strings.CutPrefix(v, "$fill:"); ok {
			count, err := strconv.Atoi(n)
			if err != nil || count < 0 {
				return nil, fmt.Errorf("bad %q", v)
			}
			return strings.Repeat("x", count), nil
		}
		return expandString(v, i), nil
	}
	return v, nil
}

func expandString(s string, i int) string {
	if !strings.Contains(s, "$i") {
		return s
	}
	return indexRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := indexRE.FindStringSubmatch(m)
		if sub[1] == "" || sub[2] == "" {
			return strconv.Itoa(i) + sub[2]
		}
		k, _ := strconv.Atoi(sub[2])
		switch sub[1] {
		case "+":
			return strconv.Itoa(i + k)
		case "*":
			return strconv.Itoa(i * k)
		default:
			if k == 0 {
				return "0"
			}
			return strconv.Itoa(i % k)
		}
	})
}

func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

// send posts one request and normalizes the answer.
func (s *side) send(st diffStep, body []byte) (outcome, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return outcome{}, err
	}
	target := "DynamoDB_20120810." + st.Op
	if st.Target != nil {
		target = *st.Target
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", target)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, s.creds, req, hex.EncodeToString(sum[:]), "dynamodb", dynamotest.Region, time.Now()); err != nil {
		return outcome{}, fmt.Errorf("sign: %w", err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return outcome{}, fmt.Errorf("%s: %w", s.name, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return outcome{}, fmt.Errorf("%s: read answer: %w", s.name, err)
	}
	text := s.unsubstitute(string(data))
	o := outcome{Status: resp.StatusCode, Raw: truncate(text, 2000)}
	var v any
	if err := decodeJSON([]byte(text), &v); err != nil {
		// Not JSON: compare status and the fact that it is not JSON.
		o.Body = map[string]any{"notJSON": true}
		if resp.StatusCode >= 300 {
			o.Type = "notJSON"
		}
		return o, nil
	}
	if m, ok := v.(map[string]any); ok {
		if t, ok := m["__type"].(string); ok && resp.StatusCode >= 300 {
			if i := strings.LastIndexByte(t, '#'); i >= 0 {
				t = t[i+1:]
			}
			o.Type = t
			if msg, ok := m["Message"]; ok {
				m["message"] = msg
				delete(m, "Message")
			}
		}
	}
	if resp.StatusCode >= 300 && o.Type == "" {
		o.Type = "unknownError"
	}
	o.Body = normalize(v, st.Op, "")
	return o, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("…(%d bytes)", len(s))
}

// volatileFields are dropped wherever they appear.
var volatileFields = map[string]bool{
	"CreationDateTime":                  true,
	"TableId":                           true,
	"TableSizeBytes":                    true,
	"IndexSizeBytes":                    true,
	"LastIncreaseDateTime":              true,
	"LastDecreaseDateTime":              true,
	"NumberOfDecreasesToday":            true,
	"LastUpdateToPayPerRequestDateTime": true,
	"LatestStreamArn":                   true,
	"LatestStreamLabel":                 true,
	"TableClassSummary":                 true,
	"DeletionProtectionEnabled":         true,
	"WarmThroughput":                    true,
	"OnDemandThroughput":                true,
}

// normalize rewrites a decoded answer for comparison: volatile fields
// dropped, ARNs reduced to their resource part, sets sorted, and the item
// lists whose order DynamoDB does not define (a Scan's Items, BatchGetItem
// Responses) sorted.
func normalize(v any, op, field string) any {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			for k, x := range v {
				if arr, ok := x.([]any); ok && (k == "SS" || k == "NS" || k == "BS") {
					sorted := slices.Clone(arr)
					sort.Slice(sorted, func(i, j int) bool { return fmt.Sprint(sorted[i]) < fmt.Sprint(sorted[j]) })
					return map[string]any{k: sorted}
				}
			}
		}
		for k, x := range v {
			if volatileFields[k] {
				delete(v, k)
				continue
			}
			if s, ok := x.(string); ok && strings.HasSuffix(k, "Arn") {
				if i := strings.LastIndexByte(s, ':'); i >= 0 {
					v[k] = s[i+1:]
				}
				continue
			}
			v[k] = normalize(x, op, k)
		}
		if field == "Responses" && op == "BatchGetItem" {
			for k, x := range v {
				if arr, ok := x.([]any); ok {
					sortItems(arr)
					v[k] = arr
				}
			}
		}
		return v
	case json.Number:
		// Protocol numbers (Count, CapacityUnits, ...): compared by value
		// (1 and 1.0 agree). Attribute numbers are strings, compared as text.
		if f, err := v.Float64(); err == nil {
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = normalize(x, op, field)
		}
		if op == "Scan" && field == "Items" {
			sortItems(v)
		}
		if field == "AttributeDefinitions" || field == "GlobalSecondaryIndexes" || field == "LocalSecondaryIndexes" {
			sort.Slice(v, func(i, j int) bool { return pretty(v[i]) < pretty(v[j]) })
		}
		return v
	}
	return v
}

func sortItems(items []any) {
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = pretty(it)
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	sorted := make([]any, len(items))
	for i, j := range idx {
		sorted[i] = items[j]
	}
	copy(items, sorted)
}

// cleanup deletes every table the steps name (errors ignored: most were
// deleted by the case, or never created).
func (s *side) cleanup(steps []diffStep) {
	seen := map[string]bool{}
	for _, st := range steps {
		text := string(st.Body)
		if st.Raw != nil {
			text = *st.Raw
		}
		for _, p := range placeholderRE.FindAllString(text, -1) {
			if seen[p] {
				continue
			}
			seen[p] = true
			body := []byte(s.substitute(fmt.Sprintf(`{"TableName":%q}`, p)))
			_, _ = s.send(diffStep{Op: "DeleteTable"}, body)
		}
	}
}
