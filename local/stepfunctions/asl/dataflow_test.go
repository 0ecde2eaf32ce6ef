package asl

import (
	"testing"
)

func TestVariables_scoping(t *testing.T) {
	// Assign sees the state's result as $ and the variables from before the
	// state; its values are visible from the next state on. Branches read
	// outer variables; their own assignments stay inside.
	res, rec, _ := runDef(t, `{"StartAt":"A","States":{
		"A":{"Type":"Pass","Result":{"v":1},"Assign":{"x.$":"$.v"},"Next":"Par"},
		"Par":{"Type":"Parallel","Branches":[{"StartAt":"In","States":{
			"In":{"Type":"Pass","Parameters":{"seen.$":"$x"},"Assign":{"x":2,"y":3},"Next":"In2"},
			"In2":{"Type":"Pass","Parameters":{"inner.$":"$x","y.$":"$y"},"End":true}}}],
		  "ResultPath":"$.branches","Next":"After"},
		"After":{"Type":"Pass","Parameters":{"x.$":"$x","branches.$":"$.branches"},"End":true}}}`, `{}`, nil)
	wantOutput(t, res, `{"x":1,"branches":[{"inner":2,"y":3}]}`)
	for _, e := range rec.list() {
		if e.Type == "PassStateExited" && e.Details["name"] == "A" {
			vars, _ := e.Details["assignedVariables"].(map[string]any)
			if vars["x"] != "1" {
				t.Fatalf("assignedVariables %v", e.Details)
			}
		}
	}
	res, _, _ = runDef(t, `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"v":1},"Assign":{"old.$":"$x"},"End":true}}}`, `{}`, nil)
	wantError(t, res, "States.Runtime") // $x is not defined yet

	res, _, _ = runDef(t, `{"StartAt":"Par","States":{
		"Par":{"Type":"Parallel","Branches":[{"StartAt":"In","States":{"In":{"Type":"Pass","Assign":{"y":3},"End":true}}}],"Next":"After"},
		"After":{"Type":"Pass","Parameters":{"y.$":"$y"},"End":true}}}`, `{}`, nil)
	wantError(t, res, "States.Runtime") // a branch's variable does not leak out
}

func TestDataflow_pathsAndResultPath(t *testing.T) {
	cases := []struct{ name, state, input, want string }{
		{"input and output path", `"InputPath":"$.a","OutputPath":"$.b"`, `{"a":{"b":5}}`, `5`},
		{"null paths", `"InputPath":null,"OutputPath":null`, `{"a":1}`, `{}`},
		{"result path null keeps input", `"Result":9,"ResultPath":null`, `{"a":1}`, `{"a":1}`},
		{"nested result path creates parents", `"Result":9,"ResultPath":"$.x.y.z"`, `{"a":1}`, `{"a":1,"x":{"y":{"z":9}}}`},
		{"result path into array element", `"Result":9,"ResultPath":"$.l[1]"`, `{"l":[1,2]}`, `{"l":[1,9]}`},
		{"indefinite path yields a list", `"Parameters":{"all.$":"$.l[*].v"}`, `{"l":[{"v":1},{"v":2}]}`, `{"all":[1,2]}`},
		{"nested templates and arrays", `"Parameters":{"o":{"k.$":"$.a"},"l":[{"k.$":"$.a"},3]}`, `{"a":"x"}`, `{"o":{"k":"x"},"l":[{"k":"x"},3]}`},
		{"big integers stay exact", `"Parameters":{"n.$":"$.n"}`, `{"n":12345678901234567890123}`, `{"n":12345678901234567890123}`},
		{"filter", `"Parameters":{"big.$":"$.l[?(@.v > 1)].v"}`, `{"l":[{"v":1},{"v":2},{"v":3}]}`, `{"big":[2,3]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, _, _ := runDef(t, `{"StartAt":"P","States":{"P":{"Type":"Pass",`+c.state+`,"End":true}}}`, c.input, nil)
			wantOutput(t, res, c.want)
		})
	}
}

func TestDataflow_failures(t *testing.T) {
	cases := []struct{ name, state, input, errName, cause string }{
		{"input path missing", `"InputPath":"$.nope"`, `{}`, "States.Runtime",
			"An error occurred while executing the state 'P' (entered at the event id #2). Invalid path '$.nope' : No results for path: $['nope']"},
		{"result path into a string", `"Result":1,"ResultPath":"$.a.b"`, `{"a":"s"}`, "States.ResultPathMatchFailure",
			`An error occurred while executing the state 'P' (entered at the event id #2). Unable to apply ReferencePath $.a.b to input {"a":"s"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, _, _ := runDef(t, `{"StartAt":"P","States":{"P":{"Type":"Pass",`+c.state+`,"End":true}}}`, c.input, nil)
			wantError(t, res, c.errName)
			if res.Error.Cause != c.cause {
				t.Fatalf("cause %q, want %q", res.Error.Cause, c.cause)
			}
		})
	}
}

func TestChoice_operators(t *testing.T) {
	cases := []struct {
		rule, input string
		match       bool
	}{
		{`"Variable":"$.v","StringEquals":"a"`, `{"v":"a"}`, true},
		{`"Variable":"$.v","StringGreaterThanEquals":"b"`, `{"v":"a"}`, false},
		{`"Variable":"$.v","StringLessThanEqualsPath":"$.w"`, `{"v":"a","w":"a"}`, true},
		{`"Variable":"$.v","NumericEquals":1`, `{"v":1.0}`, true},
		{`"Variable":"$.v","NumericLessThan":1e3`, `{"v":999}`, true},
		{`"Variable":"$.v","NumericGreaterThanPath":"$.w"`, `{"v":2,"w":1}`, true},
		{`"Variable":"$.v","NumericEquals":1`, `{"v":"1"}`, false},
		{`"Variable":"$.v","BooleanEquals":false`, `{"v":false}`, true},
		{`"Variable":"$.v","TimestampLessThanEquals":"2025-01-01T00:00:00Z"`, `{"v":"2025-01-01T01:00:00+01:00"}`, true},
		{`"Variable":"$.v","TimestampGreaterThan":"2025-01-01T00:00:00Z"`, `{"v":"2025-01-01"}`, false},
		{`"Variable":"$.v","IsNull":true`, `{"v":null}`, true},
		{`"Variable":"$.v","IsPresent":false`, `{}`, true},
		{`"Variable":"$.v","IsNumeric":true`, `{"v":"1"}`, false},
		{`"Variable":"$.v","IsString":true`, `{"v":"1"}`, true},
		{`"Variable":"$.v","IsBoolean":true`, `{"v":true}`, true},
		{`"Variable":"$.v","IsTimestamp":true`, `{"v":"2025-01-01T00:00:00.123Z"}`, true},
		{`"Variable":"$.v","StringMatches":"log-*.txt"`, `{"v":"log-2025.txt"}`, true},
		{`"Variable":"$.v","StringMatches":"a\\*b"`, `{"v":"axb"}`, false},
		{`"Variable":"$.v","StringMatches":"a\\\\*"`, `{"v":"a\\zz"}`, true},
		{`"Variable":"$$.Execution.Id","StringMatches":"arn:*"`, `{}`, true},
		{`"And":[{"Variable":"$.v","IsPresent":true},{"Not":{"Variable":"$.v","StringEquals":"b"}}]`, `{"v":"a"}`, true},
		{`"Or":[{"Variable":"$.v","StringEquals":"b"},{"Variable":"$.v","StringEquals":"c"}]`, `{"v":"a"}`, false},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			res, _, _ := runDef(t, `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{`+c.rule+`,"Next":"Y"}],"Default":"N"},
				"Y":{"Type":"Pass","Result":true,"End":true},"N":{"Type":"Pass","Result":false,"End":true}}}`, c.input, nil)
			if res.Error != nil || res.Output != c.match {
				t.Fatalf("got %v %v, want match=%v", res.Output, res.Error, c.match)
			}
		})
	}
}

func TestWait_timestampAndPaths(t *testing.T) {
	res, _, clock := runDef(t, `{"StartAt":"W","States":{"W":{"Type":"Wait","TimestampPath":"$.at","Next":"S"},
		"S":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`, `{"at":"2026-04-14T23:52:04.943Z","s":7}`, nil)
	wantOutput(t, res, `{"at":"2026-04-14T23:52:04.943Z","s":7}`)
	if got := clock.Slept(); len(got) != 2 || got[0].Seconds() != 10 || got[1].Seconds() != 7 {
		t.Fatalf("slept %v, want [10s 7s]", got)
	}
	res, _, _ = runDef(t, `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`, `{"s":-1}`, nil)
	wantError(t, res, "States.Runtime")
}

func TestFail_paths(t *testing.T) {
	res, _, _ := runDef(t, `{"StartAt":"F","States":{"F":{"Type":"Fail","ErrorPath":"$.e","CausePath":"$.c"}}}`, `{"e":"E","c":"C"}`, nil)
	if res.Error == nil || res.Error.Name != "E" || res.Error.Cause != "C" {
		t.Fatalf("got %+v", res.Error)
	}
}

func TestJSONata_state(t *testing.T) {
	res, _, _ := runDef(t, `{"QueryLanguage":"JSONata","StartAt":"A","States":{
		"A":{"Type":"Pass","Assign":{"n":"{% $states.input.n + 1 %}"},"Output":{"doubled":"{% $states.input.n * 2 %}"},"Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Condition":"{% $n > 2 %}","Next":"Big"}],"Default":"Small"},
		"Big":{"Type":"Pass","Output":"{% 'big:' & $string($n) & ':' & $string($states.input.doubled) %}","End":true},
		"Small":{"Type":"Pass","Output":"small","End":true}}}`, `{"n":2}`, nil)
	wantOutput(t, res, `"big:3:4"`)
	res, _, _ = runDef(t, `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $states.input.missing %}","End":true}}}`, `{}`, nil)
	wantError(t, res, "States.QueryEvaluationError")
}
