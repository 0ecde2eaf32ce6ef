package deploy

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/goccy/go-yaml"

	"github.com/shopgraph/shopgraph/dynamo"
)

// TestEmitYAML_roundTrip: what the emitter writes, a YAML parser reads back
// unchanged: strings YAML would read as something else, literal blocks
// with every kind of trailing newline, nested lists and maps.
func TestEmitYAML_roundTrip(t *testing.T) {
	strs := []string{
		"", "plain", "yes", "No", "ON", "null", "~", "true", "123", "1.5", "0x1F", "2010-09-09", "-x", "- x", "a: b", "a:b", "x #y",
		"#x", "!Ref x", "&a", "*a", "@x", "`x`", "'q'", `"q"`, "[a]", "{a}", "a, b", "${TablePrefix}Orders", "arn:aws:sns:*:*:t",
		"/aws/lambda/x", "trailing:", "tab\there", "ünïcödé", "line\nbreak", "{\n  \"a\": 1\n}\n", "two\n\n", "lead\n  indented\n\n\nend",
		" leading space\nx", "\nstarts with newline", "cr\r\nlf", "x\n",
	}
	var list []any
	doc := omap{}
	for i, s := range strs {
		list = append(list, s)
		doc = append(doc, field{key: "k" + string(rune('a'+i%26)) + strings.Repeat("x", i/26), value: s})
	}
	// Multi-line strings cannot be list items here; keep the list to one-line ones.
	var oneLine []any
	for _, s := range list {
		if !strings.Contains(s.(string), "\n") {
			oneLine = append(oneLine, s)
		}
	}
	doc = append(doc,
		field{key: "List", value: oneLine},
		field{key: "Flow", value: []any{"a", "Arn", "b-c"}},
		field{key: "Empty", value: []any{}},
		field{key: "EmptyMap", value: omap{}},
		field{key: "Nested", comment: "a comment\nof two lines", value: []any{
			m("A", 1, "B", m("C", []any{m("D", true, "E", "x\ny\n")})),
			m("Fn::GetAtt", []any{"X", "Arn"}),
			omap{},
		}},
	)
	var buf bytes.Buffer
	if err := emitYAML(&buf, doc); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := yaml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	for _, f := range doc[:len(strs)] {
		if got[f.key] != f.value {
			t.Errorf("%s: wrote %q, read back %#v", f.key, f.value, got[f.key])
		}
	}
	if l, _ := got["List"].([]any); !reflect.DeepEqual(l, oneLine) {
		t.Errorf("list read back as %#v", got["List"])
	}
	if !reflect.DeepEqual(got["Flow"], []any{"a", "Arn", "b-c"}) || !strings.Contains(buf.String(), "Flow: [a, Arn, b-c]\n") {
		t.Errorf("flow list: %#v", got["Flow"])
	}
	nested, _ := got["Nested"].([]any)
	want := []any{
		map[string]any{"A": uint64(1), "B": map[string]any{"C": []any{map[string]any{"D": true, "E": "x\ny\n"}}}},
		map[string]any{"Fn::GetAtt": []any{"X", "Arn"}},
		map[string]any{},
	}
	if !reflect.DeepEqual(nested, want) {
		t.Errorf("nested read back as %#v\n%s", nested, buf.String())
	}
	if !strings.Contains(buf.String(), "# a comment\n# of two lines\nNested:") {
		t.Errorf("comment not written:\n%s", buf.String())
	}
}

func TestEmitYAML_refuses(t *testing.T) {
	for name, doc := range map[string]omap{
		"list in list": m("A", []any{[]any{"x"}}),
		"float":        m("A", 1.5),
		"quoted key":   m("a b", "x"),
	} {
		if err := emitYAML(&bytes.Buffer{}, doc); err == nil {
			t.Errorf("%s: written without an error", name)
		}
	}
}

// TestTaskGrants: each Task resource maps to its IAM action on the resource
// its placeholder names, in nested states too; what cannot be scoped is an
// error.
func TestTaskGrants(t *testing.T) {
	def := `{"StartAt":"M","States":{
	  "M":{"Type":"Map","ItemProcessor":{"StartAt":"L","States":{
	    "L":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"${TasksFunction}"},"End":true}}},"Next":"P"},
	  "P":{"Type":"Parallel","Branches":[{"StartAt":"G","States":{
	    "G":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:getItem","Parameters":{"TableName":"${OrdersTable}"},"End":true}}}],"Next":"S"},
	  "S":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Parameters":{"TopicArn":"${OrderEventsTopic}"},"Next":"F"},
	  "F":{"Type":"Task","Resource":"${TasksFunction}","End":true}}}`
	got, err := taskGrants("W", def)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		TasksFunction:     {"lambda:InvokeFunction"},
		TableID("Orders"): {"dynamodb:GetItem"},
		OrderEventsTopic:  {"sns:Publish"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("grants %v, want %v", got, want)
	}
	for name, bad := range map[string]string{
		"unknown integration": `{"States":{"A":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync","Parameters":{}}}}`,
		"dynamic function":    `{"States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName.$":"$.fn"}}}}`,
		"literal table":       `{"States":{"A":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:updateItem","Parameters":{"TableName":"Orders"}}}}`,
		"table as topic":      `{"States":{"A":{"Type":"Task","Resource":"arn:aws:states:::sns:publish","Parameters":{"TopicArn":"${OrdersTable}"}}}}`,
		"dynamodb query":      `{"States":{"A":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:query","Parameters":{"TableName":"${OrdersTable}"}}}}`,
		"not JSON":            `{`,
	} {
		if g, err := taskGrants("W", bad); err == nil {
			t.Errorf("%s: grants %v, want an error", name, g)
		}
	}
	if _, _, err := stateMachineOf("W", `{"Comment":"${Unknown}","States":{}}`); err == nil || !strings.Contains(err.Error(), "${Unknown}") {
		t.Errorf("an unknown placeholder: %v", err)
	}
}

// TestTableProperties_refuses: a table definition with something the
// template does not translate is an error, not a table without it.
func TestTableProperties_refuses(t *testing.T) {
	base := func() *dynamodb.CreateTableInput {
		def := dynamo.TableDefinitions(dynamo.TableNames(""))[0]
		if len(def.GlobalSecondaryIndexes) == 0 {
			t.Fatalf("%s has no index to vary", aws.ToString(def.TableName))
		}
		return def
	}
	if _, err := tableProperties("X", base()); err != nil {
		t.Fatalf("the unchanged definition: %v", err)
	}
	for name, change := range map[string]func(*dynamodb.CreateTableInput){
		"local index": func(d *dynamodb.CreateTableInput) {
			d.LocalSecondaryIndexes = []types.LocalSecondaryIndex{{IndexName: aws.String("l")}}
		},
		"provisioned":     func(d *dynamodb.CreateTableInput) { d.BillingMode = types.BillingModeProvisioned },
		"no billing mode": func(d *dynamodb.CreateTableInput) { d.BillingMode = "" },
		"stream": func(d *dynamodb.CreateTableInput) {
			d.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true)}
		},
		"index throughput": func(d *dynamodb.CreateTableInput) {
			d.GlobalSecondaryIndexes[0].ProvisionedThroughput = &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}
		},
		"index without projection": func(d *dynamodb.CreateTableInput) { d.GlobalSecondaryIndexes[0].Projection = nil },
	} {
		def := base()
		change(def)
		if props, err := tableProperties("X", def); err == nil {
			t.Errorf("%s: translated as %v, want an error", name, props)
		}
	}
}
