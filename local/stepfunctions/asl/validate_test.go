package asl

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse_validationErrors(t *testing.T) {
	pass := `{"Type":"Pass","End":true}`
	cases := []struct {
		name, def, msg, loc string
		opts                ParseOptions
	}{
		{"malformed JSON", `{"StartAt":`, "Invalid JSON", "/", ParseOptions{}},
		{"not an object", `[]`, "Expected value of type Object", "/", ParseOptions{}},
		{"missing StartAt", `{"States":{"A":` + pass + `}}`, "These fields are required: [StartAt]", "/", ParseOptions{}},
		{"unknown StartAt", `{"StartAt":"B","States":{"A":` + pass + `}}`, "Missing 'StartAt' target: B", "/StartAt", ParseOptions{}},
		{"unknown Next", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nope"}}}`, "Missing 'Next' target: Nope", "/States/A/Next", ParseOptions{}},
		{"unknown Default", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"Next":"B"}],"Default":"Z"},"B":` + pass + `}}`, "Missing 'Next' target: Z", "/States/A/Default", ParseOptions{}},
		{"unknown Catch Next", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::x:y","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z"}],"End":true}}}`, "Missing 'Next' target: Z", "/States/A/Catch/0/Next", ParseOptions{}},
		{"unreachable", `{"StartAt":"A","States":{"A":` + pass + `,"B":` + pass + `}}`, "State 'B' is not reachable", "/States/B", ParseOptions{}},
		{"unknown type", `{"StartAt":"A","States":{"A":{"Type":"Nap","End":true}}}`, "The field 'Type' should have one of these values", "/States/A/Type", ParseOptions{}},
		{"Next and End", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A","End":true}}}`, "There should only be one of the following fields: [Next, End]", "/States/A", ParseOptions{}},
		{"neither Next nor End", `{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`, "This object should have only one of the following fields: [Next, End]", "/States/A", ParseOptions{}},
		{"unknown field", `{"StartAt":"A","States":{"A":{"Type":"Pass","Secs":1,"End":true}}}`, `The field "Secs" is not supported`, "/States/A/Secs", ParseOptions{}},
		{"field of another type", `{"StartAt":"A","States":{"A":{"Type":"Succeed","Next":"A"}}}`, `The field "Next" is not supported`, "/States/A/Next", ParseOptions{}},
		{"bad InputPath", `{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"a.b","End":true}}}`, "The value for the field 'InputPath' must be a valid JSONPath", "/States/A/InputPath", ParseOptions{}},
		{"bad JSONPath syntax", `{"StartAt":"A","States":{"A":{"Type":"Pass","OutputPath":"$.a[","End":true}}}`, "The value for the field 'OutputPath' must be a valid JSONPath", "/States/A/OutputPath", ParseOptions{}},
		{"bad .$ value", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"nope"},"End":true}}}`, "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call", "/States/A/Parameters/x.$", ParseOptions{}},
		{"non-string .$ value", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":1},"End":true}}}`, "The value for the field 'x.$' must be a valid JSONPath", "/States/A/Parameters/x.$", ParseOptions{}},
		{"wildcard ResultPath", `{"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":"$.a[*]","End":true}}}`, "The value for the field 'ResultPath' must be a valid ReferencePath", "/States/A/ResultPath", ParseOptions{}},
		{"States.ALL not last", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::x:y","Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["E"]}],"End":true}}}`, "A Retrier with 'States.ALL' in 'ErrorEquals' must be the last one", "/States/A/Retry/0/ErrorEquals", ParseOptions{}},
		{"States.ALL not alone", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::x:y","Retry":[{"ErrorEquals":["States.ALL","E"]}],"End":true}}}`, "must appear alone", "/States/A/Retry/0/ErrorEquals", ParseOptions{}},
		{"unknown States error", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::x:y","Retry":[{"ErrorEquals":["States.Nope"]}],"End":true}}}`, "not a predefined", "/States/A/Retry/0/ErrorEquals", ParseOptions{}},
		{"BackoffRate below 1", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::x:y","Retry":[{"ErrorEquals":["E"],"BackoffRate":0.5}],"End":true}}}`, "must be at least 1.0", "/States/A/Retry/0/BackoffRate", ParseOptions{}},
		{"bad JitterStrategy", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::x:y","Retry":[{"ErrorEquals":["E"],"JitterStrategy":"HALF"}],"End":true}}}`, "[FULL, NONE]", "/States/A/Retry/0/JitterStrategy", ParseOptions{}},
		{"Catch without Next", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::x:y","Catch":[{"ErrorEquals":["E"]}],"End":true}}}`, "These fields are required: [Next]", "/States/A/Catch/0", ParseOptions{}},
		{"Task without Resource", `{"StartAt":"A","States":{"A":{"Type":"Task","End":true}}}`, "These fields are required: [Resource]", "/States/A", ParseOptions{}},
		{"unknown resource", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::x:y","End":true}}}`, "The resource 'arn:aws:states:::x:y' is not supported", "/States/A/Resource",
			ParseOptions{KnownResource: func(string) bool { return false }}},
		{"heartbeat not below timeout", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::x:y","TimeoutSeconds":5,"HeartbeatSeconds":5,"End":true}}}`, "must be smaller", "/States/A/HeartbeatSeconds", ParseOptions{}},
		{"two Wait fields", `{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true}}}`, "There should only be one of the following fields: [SecondsPath, Seconds, TimestampPath, Timestamp]", "/States/A", ParseOptions{}},
		{"Error and ErrorPath", `{"StartAt":"A","States":{"A":{"Type":"Fail","Error":"E","ErrorPath":"$.e"}}}`, "There should only be one of the following fields: [Error, ErrorPath]", "/States/A", ParseOptions{}},
		{"two choice operators", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"IsString":true,"Next":"A"}]}}}`, "exactly one comparison operator", "/States/A/Choices/0", ParseOptions{}},
		{"choice operand type", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEquals":"1","Next":"A"}]}}}`, "Expected value of type Number", "/States/A/Choices/0/NumericEquals", ParseOptions{}},
		{"nested Next", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Not":{"Variable":"$.a","IsNull":true,"Next":"A"},"Next":"A"}]}}}`, "allowed only in a top-level choice rule", "/States/A/Choices/0/Not/Next", ParseOptions{}},
		{"duplicate names", `{"StartAt":"A","States":{"A":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":` + pass + `}}],"End":true}}}`, "must be unique", "/States/A/Branches/0/States/A", ParseOptions{}},
		{"distributed map", `{"StartAt":"A","States":{"A":{"Type":"Map","ItemReader":{},"ItemProcessor":{"StartAt":"B","States":{"B":` + pass + `}},"End":true}}}`, "distributed Map", "/States/A/ItemReader", ParseOptions{}},
		{"bad variable name", `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"1x":1},"End":true}}}`, "The variable name '1x' is invalid", "/States/A/Assign/1x", ParseOptions{}},
		{"JSONata field in JSONPath", `{"StartAt":"A","States":{"A":{"Type":"Pass","Output":{},"End":true}}}`, "supported only in a state whose QueryLanguage is JSONata", "/States/A/Output", ParseOptions{}},
		{"JSONPath field in JSONata", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$","End":true}}}`, "not supported in a state whose QueryLanguage is JSONata", "/States/A/InputPath", ParseOptions{}},
		{"bad JSONata", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $states.input.( %}","End":true}}}`, "is invalid", "/States/A/Output", ParseOptions{}},
		{"Seconds not an integer", `{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":"1","End":true}}}`, "Expected value of type Integer", "/States/A/Seconds", ParseOptions{}},
		{"bad Version", `{"Version":"2","StartAt":"A","States":{"A":` + pass + `}}`, "[1.0]", "/Version", ParseOptions{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.def), c.opts)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Parse returned %v, want a *ValidationError", err)
			}
			for _, p := range ve.Problems {
				if strings.Contains(p.Message, c.msg) && p.Location == c.loc {
					if p.String() != p.Message+" at "+p.Location {
						t.Fatalf("String() = %q", p.String())
					}
					return
				}
			}
			t.Fatalf("problems %+v, want %q at %s", ve.Problems, c.msg, c.loc)
		})
	}
}

func TestParse_joinsEveryProblem(t *testing.T) {
	_, err := Parse([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"X"},"B":{"Type":"Wait","End":true}}}`), ParseOptions{})
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) < 3 {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(ve.Error(), "; ") || ve.Problems[0].State == "" || ve.Problems[0].Field == "" {
		t.Fatalf("Error() = %q, problems %+v", ve.Error(), ve.Problems)
	}
}

func TestParse_accessors(t *testing.T) {
	d := mustParse(t, `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Succeed"}}}`)
	if d.StartAt() != "A" || d.QueryLanguage() != "JSONata" {
		t.Fatalf("StartAt %q QueryLanguage %q", d.StartAt(), d.QueryLanguage())
	}
}

// FuzzParse checks that Parse never panics and that what it accepts runs
// (with failing tasks) without panicking either.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "shared", "conformance", "asl", "cases", "*.json"))
	for _, file := range files {
		var c struct{ Definition json.RawMessage }
		if data, err := os.ReadFile(file); err == nil && json.Unmarshal(data, &c) == nil {
			f.Add([]byte(c.Definition))
		}
	}
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data, ParseOptions{})
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Error() == "" {
				t.Fatalf("Parse error %v is not a described *ValidationError", err)
			}
			return
		}
		if d.StartAt() == "" {
			t.Fatal("accepted a definition without StartAt")
		}
	})
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }
