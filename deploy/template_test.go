package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go/middleware"
	"github.com/goccy/go-yaml"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/deploy"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/internal/ordertest"
	"github.com/shopgraph/shopgraph/local/payments"
	"github.com/shopgraph/shopgraph/seed"
	"github.com/shopgraph/shopgraph/workflows"
)

// templateFile is shopgraph.yaml from this package's directory (the
// tests' working directory).
const templateFile = "shopgraph.yaml"

// TestTemplate_upToDate fails when shopgraph.yaml is not what the generator
// makes of the current definitions.
func TestTemplate_upToDate(t *testing.T) {
	want, err := deploy.Template()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(templateFile)
	if err != nil {
		t.Fatalf("%v: run make deploy-template (go run ./deploy/gen)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		i := 0
		for i < len(gl) && i < len(wl) && gl[i] == wl[i] {
			i++
		}
		line := func(ls []string) string {
			if i < len(ls) {
				return ls[i]
			}
			return "(end of file)"
		}
		t.Fatalf("deploy/shopgraph.yaml is stale: run make deploy-template (go run ./deploy/gen) and commit it.\nfirst difference at line %d:\n  file:      %s\n  generated: %s", i+1, line(gl), line(wl))
	}
}

// tmpl is the parsed template.
type tmpl struct {
	Version     string                    `yaml:"AWSTemplateFormatVersion"`
	Description string                    `yaml:"Description"`
	Parameters  map[string]map[string]any `yaml:"Parameters"`
	Conditions  map[string]any            `yaml:"Conditions"`
	Resources   map[string]resource       `yaml:"Resources"`
	Outputs     map[string]any            `yaml:"Outputs"`
}

type resource struct {
	Type                string         `yaml:"Type"`
	Properties          map[string]any `yaml:"Properties"`
	DeletionPolicy      string         `yaml:"DeletionPolicy"`
	UpdateReplacePolicy string         `yaml:"UpdateReplacePolicy"`
	DependsOn           any            `yaml:"DependsOn"`
	Condition           string         `yaml:"Condition"`
}

// load parses shopgraph.yaml with an ordinary YAML parser (no
// CloudFormation tags).
func load(t *testing.T) (tmpl, []byte) {
	t.Helper()
	raw, err := os.ReadFile(templateFile)
	if err != nil {
		t.Fatal(err)
	}
	if short := regexp.MustCompile(`(?m)(^|[\s\[,:])!(Ref|GetAtt|Sub|Join|If|Equals|Not|Select|Split|ImportValue|FindInMap|Base64|GetAZs|Cidr|And|Or|Condition)\b`).Find(raw); short != nil {
		t.Fatalf("the template uses the short form %q: write intrinsic functions in their long form", short)
	}
	var doc tmpl
	if err := yaml.UnmarshalWithOptions(raw, &doc, yaml.Strict()); err != nil {
		t.Fatalf("parse %s: %v", templateFile, err)
	}
	if len(doc.Resources) == 0 || doc.Version != "2010-09-09" {
		t.Fatalf("the template has %d resources, format version %q", len(doc.Resources), doc.Version)
	}
	return doc, raw
}

func (d tmpl) ofType(typ string) []string {
	var ids []string
	for id, r := range d.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// target is what a Ref or Fn::GetAtt points at: the logical id and
// "Ref" or the attribute.
func target(v any) (id, how string, ok bool) {
	mv, isMap := v.(map[string]any)
	if !isMap || len(mv) != 1 {
		return "", "", false
	}
	if r, isRef := mv["Ref"].(string); isRef {
		return r, "Ref", true
	}
	switch g := mv["Fn::GetAtt"].(type) {
	case []any:
		if len(g) == 2 {
			id, _ := g[0].(string)
			attr, _ := g[1].(string)
			return id, attr, id != "" && attr != ""
		}
	case string:
		id, attr, found := strings.Cut(g, ".")
		return id, attr, found
	}
	return "", "", false
}

// resolve evaluates a name-valued property: a string, a Ref to a parameter,
// or an Fn::Sub of parameters.
func resolve(t *testing.T, v any, params map[string]string) string {
	t.Helper()
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if s, ok := v["Fn::Sub"].(string); ok && len(v) == 1 {
			return regexp.MustCompile(`\$\{([^}]+)\}`).ReplaceAllStringFunc(s, func(ph string) string {
				name := ph[2 : len(ph)-1]
				val, ok := params[name]
				if !ok {
					t.Errorf("Fn::Sub %q: ${%s} is not a parameter given to the test", s, name)
				}
				return val
			})
		}
		if id, how, ok := target(v); ok && how == "Ref" {
			if val, ok := params[id]; ok {
				return val
			}
		}
	}
	t.Errorf("cannot resolve %v to a name", v)
	return ""
}

const prefix = "test-" // dynamotest's table prefix

var params = map[string]string{deploy.TablePrefix: prefix}

// TestTemplate_tables: the template has exactly the tables of
// dynamo.TableNames, each with the key schema, attribute definitions,
// global secondary indexes (and their projections) and billing mode that
// dynamo.CreateTables gives it (read back with DescribeTable from the
// embedded DynamoDB).
func TestTemplate_tables(t *testing.T) {
	doc, _ := load(t)
	target := dynamotest.Embedded(t)
	if target.Tables != dynamo.TableNames(prefix) {
		t.Fatalf("dynamotest's tables %+v are not dynamo.TableNames(%q)", target.Tables, prefix)
	}
	byName := map[string]string{}
	for _, id := range doc.ofType("AWS::DynamoDB::Table") {
		byName[resolve(t, doc.Resources[id].Properties["TableName"], params)] = id
	}
	if len(byName) != len(target.Tables.All()) {
		t.Errorf("the template has tables %v, dynamo has %v", slices.Sorted(maps.Keys(byName)), target.Tables.All())
	}
	for _, name := range target.Tables.All() {
		id, ok := byName[name]
		if !ok {
			t.Errorf("no table named %s in the template", name)
			continue
		}
		out, err := target.Client.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		want := describe(out.Table)
		got := fromTemplate(doc.Resources[id].Properties)
		if got != want {
			t.Errorf("table %s (%s):\n  template: %s\n  dynamo:   %s", name, id, got, want)
		}
	}
}

// describe writes a table's definition canonically: billing mode, key
// schema, attribute definitions (sorted), indexes (sorted) with their
// projections (type and non-key attributes, sorted).
func describe(d *types.TableDescription) string {
	var b strings.Builder
	mode := ""
	if d.BillingModeSummary != nil {
		mode = string(d.BillingModeSummary.BillingMode)
	}
	fmt.Fprintf(&b, "%s key=%s", mode, keys(d.KeySchema))
	var attrs []string
	for _, a := range d.AttributeDefinitions {
		attrs = append(attrs, aws.ToString(a.AttributeName)+":"+string(a.AttributeType))
	}
	slices.Sort(attrs)
	fmt.Fprintf(&b, " attrs=%v", attrs)
	var gsis []string
	for _, g := range d.GlobalSecondaryIndexes {
		gsis = append(gsis, fmt.Sprintf("%s%s/%s%v", aws.ToString(g.IndexName), keys(g.KeySchema), g.Projection.ProjectionType, sorted(g.Projection.NonKeyAttributes)))
	}
	slices.Sort(gsis)
	fmt.Fprintf(&b, " gsi=%v lsi=%d", gsis, len(d.LocalSecondaryIndexes))
	return b.String()
}

func sorted(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return out
}

func keys(ks []types.KeySchemaElement) string {
	var parts []string
	for _, k := range ks {
		parts = append(parts, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func fromTemplate(p map[string]any) string {
	list := func(v any) []map[string]any {
		var out []map[string]any
		items, _ := v.([]any)
		for _, it := range items {
			mv, _ := it.(map[string]any)
			out = append(out, mv)
		}
		return out
	}
	keyOf := func(v any) string {
		var ks []types.KeySchemaElement
		for _, k := range list(v) {
			ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(fmt.Sprint(k["AttributeName"])), KeyType: types.KeyType(fmt.Sprint(k["KeyType"]))})
		}
		return keys(ks)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%v key=%s", p["BillingMode"], keyOf(p["KeySchema"]))
	var attrs []string
	for _, a := range list(p["AttributeDefinitions"]) {
		attrs = append(attrs, fmt.Sprint(a["AttributeName"])+":"+fmt.Sprint(a["AttributeType"]))
	}
	slices.Sort(attrs)
	fmt.Fprintf(&b, " attrs=%v", attrs)
	var gsis []string
	for _, g := range list(p["GlobalSecondaryIndexes"]) {
		proj, _ := g["Projection"].(map[string]any)
		var nonKey []string
		items, _ := proj["NonKeyAttributes"].([]any)
		for _, it := range items {
			nonKey = append(nonKey, fmt.Sprint(it))
		}
		gsis = append(gsis, fmt.Sprintf("%v%s/%v%v", g["IndexName"], keyOf(g["KeySchema"]), proj["ProjectionType"], sorted(nonKey)))
	}
	slices.Sort(gsis)
	fmt.Fprintf(&b, " gsi=%v lsi=%d", gsis, len(list(p["LocalSecondaryIndexes"])))
	return b.String()
}

// placeholderTypes are what the definitions' placeholders stand for
// (workflows.Names): the resource type, how its value is taken (Ref or an
// attribute), and for the table the name it must have.
var placeholderTypes = map[string]struct{ typ, how, name string }{
	"TasksFunction":    {"AWS::Lambda::Function", "Arn", ""},
	"OrdersTable":      {"AWS::DynamoDB::Table", "Ref", dynamo.TableNames(prefix).Orders},
	"OrderEventsTopic": {"AWS::SNS::Topic", "Ref", ""},
}

// grant is one action on one resource (a logical id, or a table name).
type grant struct{ action, resource string }

func (g grant) String() string { return g.action + " on " + g.resource }

func grantList(set map[grant]bool) []string {
	var out []string
	for g := range set {
		out = append(out, g.String())
	}
	slices.Sort(out)
	return out
}

// noResourceType are the actions the Service Authorization Reference
// (Actions, resources, and condition keys for AWS Step Functions) lists
// without a resource type: a task token is all their request names, so a
// policy allows them on "*" or not at all.
var noResourceType = []string{"states:SendTaskFailure", "states:SendTaskHeartbeat", "states:SendTaskSuccess"}

// roleGrants returns what the role's inline policies allow, by logical id
// of the resources they name ("*" for an action in noResourceType). Any
// statement but a plain Allow of listed actions on Ref/Fn::GetAtt Arn
// resources, or of noResourceType actions on "*", is an error.
func roleGrants(t *testing.T, doc tmpl, roleID, service string) map[grant]bool {
	t.Helper()
	role, ok := doc.Resources[roleID]
	if !ok || role.Type != "AWS::IAM::Role" {
		t.Fatalf("%s is not a role in the template", roleID)
	}
	trust, _ := json.Marshal(role.Properties["AssumeRolePolicyDocument"])
	if !strings.Contains(string(trust), `"Service":"`+service+`"`) || strings.Count(string(trust), `"Service"`) != 1 {
		t.Errorf("role %s: trust policy %s, want %s only", roleID, trust, service)
	}
	for _, k := range []string{"ManagedPolicyArns", "PermissionsBoundary"} {
		if _, ok := role.Properties[k]; ok {
			t.Errorf("role %s has %s: every permission should be an inline statement the test checks", roleID, k)
		}
	}
	out := map[grant]bool{}
	policies, _ := role.Properties["Policies"].([]any)
	for _, p := range policies {
		pm, _ := p.(map[string]any)
		pd, _ := pm["PolicyDocument"].(map[string]any)
		stmts, _ := pd["Statement"].([]any)
		for _, s := range stmts {
			st, _ := s.(map[string]any)
			for k := range st {
				if !slices.Contains([]string{"Effect", "Action", "Resource", "Sid"}, k) {
					t.Errorf("role %s: statement %v has %s", roleID, st, k)
				}
			}
			if st["Effect"] != "Allow" {
				t.Errorf("role %s: statement %v is not an Allow", roleID, st)
			}
			actions, _ := st["Action"].([]any)
			resources, _ := st["Resource"].([]any)
			if len(actions) == 0 || len(resources) == 0 {
				t.Errorf("role %s: statement %v lacks an action or resource list", roleID, st)
			}
			for _, r := range resources {
				if r == "*" {
					for _, a := range actions {
						as, _ := a.(string)
						if !slices.Contains(noResourceType, as) {
							t.Errorf("role %s: %v on \"*\": only an action that has no resource type (%v) may name every resource", roleID, a, noResourceType)
						}
						out[grant{as, "*"}] = true
					}
					continue
				}
				id, how, ok := target(r)
				if !ok || (how != "Ref" && how != "Arn") {
					t.Errorf("role %s: resource %v is not a Ref or Fn::GetAtt Arn of a template resource (no wildcards, no literal ARNs; \"*\" only for %v)", roleID, r, noResourceType)
					continue
				}
				if _, exists := doc.Resources[id]; !exists {
					t.Errorf("role %s: resource %s is not in the template", roleID, id)
				}
				for _, a := range actions {
					as, _ := a.(string)
					if as == "" || strings.Contains(as, "*") {
						t.Errorf("role %s: action %v", roleID, a)
					}
					if slices.Contains(noResourceType, as) {
						t.Errorf("role %s: %s has no resource type, so a statement naming %s does not allow it: use \"*\"", roleID, as, id)
					}
					out[grant{as, id}] = true
				}
			}
		}
	}
	return out
}

// TestTemplate_stateMachines: every workflows/*.asl.json is a state machine
// whose DefinitionString is the file, each of its placeholders substituted
// with the template's resource of the right kind (and no other
// substitution), and whose role allows exactly the calls of its Task
// states, on exactly the resources they name.
func TestTemplate_stateMachines(t *testing.T) {
	doc, _ := load(t)
	files, err := filepath.Glob(filepath.Join("..", "workflows", "*.asl.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no definitions in ../workflows (%v)", err)
	}
	machines := doc.ofType("AWS::StepFunctions::StateMachine")
	if len(machines) != len(files) || len(workflows.All()) != len(files) {
		t.Errorf("%d definition files, %d workflows in workflows.All, %d state machines in the template", len(files), len(workflows.All()), len(machines))
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(machines, func(id string) bool { return doc.Resources[id].Properties["DefinitionString"] == string(raw) })
		if i < 0 {
			t.Errorf("no state machine's DefinitionString is %s: is the workflow in workflows.All, and the template regenerated?", file)
			continue
		}
		id := machines[i]
		t.Run(id, func(t *testing.T) { checkStateMachine(t, doc, id, string(raw)) })
	}
}

func checkStateMachine(t *testing.T, doc tmpl, id, def string) {
	p := doc.Resources[id].Properties
	if p["StateMachineType"] != "STANDARD" {
		t.Errorf("StateMachineType %v, want STANDARD", p["StateMachineType"])
	}
	subs, _ := p["DefinitionSubstitutions"].(map[string]any)
	used := map[string]bool{}
	for _, sm := range regexp.MustCompile(`\$\{([^}]*)\}`).FindAllStringSubmatch(def, -1) {
		used[sm[1]] = true
	}
	// Each placeholder, to the logical id of the resource it stands for.
	resourceOf := map[string]string{}
	for ph := range used {
		want, known := placeholderTypes[ph]
		if !known {
			t.Errorf("the definition uses ${%s}, which the test does not know", ph)
			continue
		}
		rid, how, ok := target(subs[ph])
		if !ok {
			t.Errorf("${%s} has no Ref/Fn::GetAtt substitution: %v", ph, subs[ph])
			continue
		}
		r, exists := doc.Resources[rid]
		if !exists || r.Type != want.typ || how != want.how {
			t.Errorf("${%s} is substituted by %s of %s (%s), want %s of a %s", ph, how, rid, r.Type, want.how, want.typ)
			continue
		}
		if want.name != "" {
			if got := resolve(t, r.Properties["TableName"], params); got != want.name {
				t.Errorf("${%s} is the table %s, want %s", ph, got, want.name)
			}
		}
		resourceOf[ph] = rid
	}
	for k := range subs {
		if !used[k] {
			t.Errorf("DefinitionSubstitutions has %s, which the definition does not use", k)
		}
	}

	// What the Task states call, found anywhere in the definition (Map and
	// Parallel states nest theirs).
	var tree any
	if err := json.Unmarshal([]byte(def), &tree); err != nil {
		t.Fatal(err)
	}
	need := map[grant]bool{}
	placeholderTarget := func(v any) string {
		s, _ := v.(string)
		if sm := regexp.MustCompile(`^\$\{([^}]*)\}$`).FindStringSubmatch(s); sm != nil && resourceOf[sm[1]] != "" {
			return resourceOf[sm[1]]
		}
		t.Errorf("a Task targets %v, not a placeholder of a template resource", v)
		return ""
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["Type"] == "Task" {
				res, _ := v["Resource"].(string)
				params, _ := v["Parameters"].(map[string]any)
				base := strings.TrimSuffix(res, ".waitForTaskToken")
				switch {
				case base == "arn:aws:states:::lambda:invoke":
					need[grant{"lambda:InvokeFunction", placeholderTarget(params["FunctionName"])}] = true
				case base == "arn:aws:states:::sns:publish":
					need[grant{"sns:Publish", placeholderTarget(params["TopicArn"])}] = true
				case strings.HasPrefix(base, "arn:aws:states:::dynamodb:"):
					op := strings.TrimPrefix(base, "arn:aws:states:::dynamodb:")
					need[grant{"dynamodb:" + strings.ToUpper(op[:1]) + op[1:], placeholderTarget(params["TableName"])}] = true
				default:
					t.Errorf("a Task uses %q: teach the test (and deploy) its permission", res)
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(tree)
	if len(need) == 0 {
		t.Fatal("the definition has no Task states: is the walk broken?")
	}

	roleID, how, ok := target(p["RoleArn"])
	if !ok || how != "Arn" {
		t.Fatalf("RoleArn %v is not a role of the template", p["RoleArn"])
	}
	have := roleGrants(t, doc, roleID, "states.amazonaws.com")
	var missing, extra []string
	for g := range need {
		if !have[g] {
			missing = append(missing, g.String())
		}
	}
	for g := range have {
		if !need[g] {
			extra = append(extra, g.String())
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("role %s: missing %v, more than the definition uses %v", roleID, missing, extra)
	}
}

// recorder records the DynamoDB actions (as IAM names them) and tables of
// every request a client sends (a transaction's items one by one, as IAM
// authorizes them), and the Step Functions calls of its sfnClient.
type recorder struct {
	mu     sync.Mutex
	calls  map[grant]bool
	failed []failedTask // SendTaskFailure calls, in order
}

func (r *recorder) add(action, table string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[grant{"dynamodb:" + action, table}] = true
}

func (r *recorder) record(in any) {
	switch in := in.(type) {
	case *dynamodb.GetItemInput:
		r.add("GetItem", aws.ToString(in.TableName))
	case *dynamodb.PutItemInput:
		r.add("PutItem", aws.ToString(in.TableName))
	case *dynamodb.UpdateItemInput:
		r.add("UpdateItem", aws.ToString(in.TableName))
	case *dynamodb.DeleteItemInput:
		r.add("DeleteItem", aws.ToString(in.TableName))
	case *dynamodb.QueryInput:
		table := aws.ToString(in.TableName)
		if in.IndexName != nil {
			table += "/index/" + *in.IndexName
		}
		r.add("Query", table)
	case *dynamodb.ScanInput:
		r.add("Scan", aws.ToString(in.TableName))
	case *dynamodb.BatchGetItemInput:
		for table := range in.RequestItems {
			r.add("BatchGetItem", table)
		}
	case *dynamodb.BatchWriteItemInput:
		for table := range in.RequestItems {
			r.add("BatchWriteItem", table)
		}
	case *dynamodb.TransactWriteItemsInput:
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				r.add("PutItem", aws.ToString(it.Put.TableName))
			case it.Update != nil:
				r.add("UpdateItem", aws.ToString(it.Update.TableName))
			case it.Delete != nil:
				r.add("DeleteItem", aws.ToString(it.Delete.TableName))
			case it.ConditionCheck != nil:
				r.add("ConditionCheckItem", aws.ToString(it.ConditionCheck.TableName))
			}
		}
	case *dynamodb.TransactGetItemsInput:
		for _, it := range in.TransactItems {
			r.add("GetItem", aws.ToString(it.Get.TableName))
		}
	default:
		r.add(fmt.Sprintf("unknown(%T)", in), "?")
	}
}

func (r *recorder) middleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("deploytest.record",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			r.record(in.Parameters)
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
}

// sfnClient is a Step Functions client that sends nothing: each call is
// recorded as IAM authorizes it (SendTaskSuccess, SendTaskFailure and
// SendTaskHeartbeat have no resource type: "*") and answered with an empty
// output, after the SDK's own input validation. The thing under test is
// what the task handlers ask of Step Functions, not Step Functions.
func (r *recorder) sfnClient() *sfn.Client {
	return sfn.New(sfn.Options{
		Region:      "eu-central-1",
		Credentials: aws.AnonymousCredentials{},
		APIOptions: []func(*middleware.Stack) error{func(stack *middleware.Stack) error {
			return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("deploytest.sfn",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					r.mu.Lock()
					defer r.mu.Unlock()
					switch p := in.Parameters.(type) {
					case *sfn.SendTaskFailureInput:
						r.calls[grant{"states:SendTaskFailure", "*"}] = true
						r.failed = append(r.failed, failedTask{token: aws.ToString(p.TaskToken), error: aws.ToString(p.Error)})
						return middleware.InitializeOutput{Result: &sfn.SendTaskFailureOutput{}}, middleware.Metadata{}, nil
					case *sfn.SendTaskSuccessInput:
						r.calls[grant{"states:SendTaskSuccess", "*"}] = true
						return middleware.InitializeOutput{Result: &sfn.SendTaskSuccessOutput{}}, middleware.Metadata{}, nil
					}
					r.calls[grant{fmt.Sprintf("states:unknown(%T)", in.Parameters), "?"}] = true
					return middleware.InitializeOutput{}, middleware.Metadata{}, fmt.Errorf("deploytest: the fake Step Functions does not answer %T", in.Parameters)
				}), middleware.After)
		}},
	})
}

// failedTask is a recorded SendTaskFailure.
type failedTask struct{ token, error string }

type nopFulfilment struct{}

func (nopFulfilment) RequestShipment(context.Context, shopgraph.Order) error { return nil }
func (nopFulfilment) CancelShipment(context.Context, string) error           { return nil }
func (nopFulfilment) StartReturn(context.Context, shopgraph.Order, []shopgraph.OrderLineInput) error {
	return nil
}

// cancelWhileAuthorizing is the simulated card processor, except that once
// the payment method ref is authorized, it runs cancel: a CancelOrder that
// lands between authorizePayment's authorization and its record of it.
type cancelWhileAuthorizing struct {
	*payments.Simulator
	ref    string
	cancel func() error
	authID string // what it authorized for ref
}

func (c *cancelWhileAuthorizing) Authorize(ctx context.Context, ref string, amount shopgraph.Money, key string) (string, error) {
	id, err := c.Simulator.Authorize(ctx, ref, amount, key)
	if err != nil || ref != c.ref {
		return id, err
	}
	c.authID = id
	return id, c.cancel()
}

// tasksCalls runs every task handler on every path of the three workflows
// on the embedded DynamoDB, as the Lambda function runs them
// (workflows.Tasks over the dynamo store, Callbacks a workflows.Engine on
// Step Functions), and returns the DynamoDB and Step Functions actions and
// resources they used. The workflows' own writes (their dynamodb:updateItem
// states moving an order to CONFIRMED, SHIPPED, CANCELLED, …) are made
// between the tasks by the setup client, which is not recorded: those are
// the state machines' permissions, checked by TestTemplate_stateMachines.
func tasksCalls(t *testing.T) map[grant]bool {
	t.Helper()
	ctx := context.Background()
	target := dynamotest.Embedded(t)
	setup, err := dynamo.New(target.Client, dynamo.Options{Tables: target.Tables, CursorSecret: []byte(dynamotest.CursorSecret)})
	if err != nil {
		t.Fatal(err)
	}
	catalog := seed.Generate(seed.Options{Products: 2})
	if err := setup.Seed(ctx, catalog, nil); err != nil {
		t.Fatal(err)
	}
	p := catalog.Products[0]
	for _, w := range catalog.Warehouses {
		_, err := target.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(target.Tables.Inventory), Item: map[string]types.AttributeValue{
			"productId": &types.AttributeValueMemberS{Value: p.ProductID}, "warehouse": &types.AttributeValueMemberS{Value: w.Code},
			"available": &types.AttributeValueMemberN{Value: "3"}, "reserved": &types.AttributeValueMemberN{Value: "0"},
			"version": &types.AttributeValueMemberN{Value: "1"},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	sim := &payments.Simulator{}
	refs, names := map[string]string{}, map[string]string{} // by order id
	place := func(key, token string, quantity int) string {
		ref, err := sim.Prepare(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		o := ordertest.Pending("cust", key, p, quantity, ref, time.Now())
		if _, _, err := setup.CreateOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
		refs[o.ID], names[o.ID] = ref, key
		return o.ID
	}
	// move is a workflow's own status transition (its dynamodb:updateItem
	// state), made by the setup client.
	move := func(id string, to shopgraph.OrderStatus) error {
		_, err := target.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 aws.String(target.Tables.Orders),
			Key:                       map[string]types.AttributeValue{"orderId": &types.AttributeValueMemberS{Value: id}},
			UpdateExpression:          aws.String("SET #status = :to, #version = #version + :one REMOVE pendingShard"),
			ConditionExpression:       aws.String("attribute_exists(orderId)"),
			ExpressionAttributeNames:  map[string]string{"#status": "status", "#version": "version"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":to": &types.AttributeValueMemberS{Value: string(to)}, ":one": &types.AttributeValueMemberN{Value: "1"}},
		})
		if err != nil {
			return fmt.Errorf("move order %s to %s: %w", id, to, err)
		}
		return nil
	}
	mustMove := func(id string, to shopgraph.OrderStatus) {
		t.Helper()
		if err := move(id, to); err != nil {
			t.Fatal(err)
		}
	}

	shipped := place("shipped", "tok_visa", 4) // 4 of 3 per warehouse: a reservation across two
	waiting := place("waiting", "tok_visa", 1)
	early := place("early", "tok_visa", 1)
	racing := place("racing", "tok_racing", 1) // a card of its own: cancelWhileAuthorizing knows it by its ref
	first := place("first", "tok_visa", 1)
	declined := place("declined", payments.TokenDeclined, 1)
	tooMany := place("too-many", "tok_visa", 100)

	pay := &cancelWhileAuthorizing{Simulator: sim, ref: refs[racing], cancel: func() error { return move(racing, shopgraph.OrderCancelled) }}
	rec := &recorder{calls: map[grant]bool{}}
	store, err := dynamo.New(target.NewClient(func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, rec.middleware) }),
		dynamo.Options{Tables: target.Tables, CursorSecret: []byte(dynamotest.CursorSecret)})
	if err != nil {
		t.Fatal(err)
	}
	tasks := &workflows.Tasks{Orders: store, Payments: pay, Fulfilment: nopFulfilment{}, Callbacks: &workflows.Engine{API: rec.sfnClient()}}
	do := func(task, order string, args map[string]any, wantErr string) {
		t.Helper()
		payload := map[string]any{"task": task, "orderId": order}
		maps.Copy(payload, args)
		raw, _ := json.Marshal(payload)
		_, err := tasks.Handle(ctx, raw)
		var got string
		if te, isTE := err.(*workflows.TaskError); isTE {
			got = te.Type
		} else if err != nil {
			t.Fatalf("%s of the %s order: %v", task, names[order], err)
		}
		if got != wantErr {
			t.Fatalf("%s of the %s order: error %v, want %q", task, names[order], err, wantErr)
		}
	}
	token := func(tok string) map[string]any { return map[string]any{"taskToken": tok} }

	// NewOrder the whole way, then ReturnOrder of one unit.
	do("reserveInventory", shipped, nil, "")
	do("authorizePayment", shipped, nil, "")
	mustMove(shipped, shopgraph.OrderConfirmed) // MarkConfirmed
	do("requestShipment", shipped, token("ship-shipped"), "")
	mustMove(shipped, shopgraph.OrderShipped) // MarkShipped
	do("awaitDelivery", shipped, token("deliver-shipped"), "")
	mustMove(shipped, shopgraph.OrderDelivered)       // MarkDelivered
	mustMove(shipped, shopgraph.OrderReturnRequested) // ReturnOrder's MarkReturnRequested
	do("startReturn", shipped, map[string]any{"taskToken": "return-shipped",
		"lines": []map[string]any{{"category": p.Category, "productId": p.ProductID, "quantity": 1}}}, "")
	mustMove(shipped, shopgraph.OrderReturned) // MarkReturned
	do("refundReturn", shipped, map[string]any{"amount": p.Price.Amount, "currency": p.Price.Currency}, "")

	// Cancelled while NewOrder waits for the shipment: CancelOrder fails
	// that wait (SendTaskFailure), releases and refunds.
	do("reserveInventory", waiting, nil, "")
	do("authorizePayment", waiting, nil, "")
	mustMove(waiting, shopgraph.OrderConfirmed)
	do("requestShipment", waiting, token("ship-waiting"), "")
	mustMove(waiting, shopgraph.OrderCancelled) // CancelOrder's MarkCancelled
	do("cancelShipment", waiting, nil, "")
	do("releaseInventory", waiting, nil, "")
	do("refundPayment", waiting, nil, "")

	// Cancelled once confirmed, before NewOrder asks for the shipment:
	// requestShipment finds it cancelled, and NewOrder undoes its work
	// while CancelOrder does the same (each step once in effect).
	do("reserveInventory", early, nil, "")
	do("authorizePayment", early, nil, "")
	mustMove(early, shopgraph.OrderConfirmed)
	mustMove(early, shopgraph.OrderCancelled)
	do("cancelShipment", early, nil, "") // no shipment token yet: nothing to fail
	do("requestShipment", early, token("ship-early"), workflows.ErrSuperseded)
	do("undoOrder", early, nil, "")
	do("releaseInventory", early, nil, "") // released already
	do("refundPayment", early, nil, "")    // refunded already (same key)

	// Cancelled between the authorization and its record: authorizePayment
	// refunds at once and NewOrder undoes the reservation.
	do("reserveInventory", racing, nil, "")
	do("authorizePayment", racing, nil, workflows.ErrSuperseded)
	do("cancelShipment", racing, nil, "")
	do("releaseInventory", racing, nil, "")
	do("refundPayment", racing, nil, "") // nothing recorded to refund
	do("undoOrder", racing, nil, "")

	// Cancelled before NewOrder's first step.
	mustMove(first, shopgraph.OrderCancelled)
	do("reserveInventory", first, nil, workflows.ErrSuperseded)
	do("undoOrder", first, nil, "")
	do("cancelShipment", first, nil, "")
	do("releaseInventory", first, nil, "")
	do("refundPayment", first, nil, "")

	// A declined card; too few units.
	do("reserveInventory", declined, nil, "")
	do("authorizePayment", declined, nil, workflows.ErrPaymentDeclined)
	do("releaseInventory", declined, nil, "")
	do("reserveInventory", tooMany, nil, workflows.ErrOutOfStock)

	// The orders are where those paths leave them.
	_, refunded, _ := sim.Ledger()
	order := func(id string) shopgraph.Order {
		t.Helper()
		o, err := setup.Order(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	if o := order(shipped); !o.Reserved || o.AuthorizationID == "" || o.Callbacks["shipment"] != "ship-shipped" || o.Callbacks["delivery"] != "deliver-shipped" ||
		o.Callbacks["return"] != "return-shipped" || refunded[o.AuthorizationID] != p.Price {
		t.Fatalf("the shipped and returned order: %+v, refunded %v", o, refunded[o.AuthorizationID])
	}
	if o := order(waiting); o.Reserved || o.Callbacks["shipment"] != "ship-waiting" || refunded[o.AuthorizationID] != o.Total {
		t.Fatalf("the order cancelled while waiting for its shipment: %+v, refunded %v", o, refunded[o.AuthorizationID])
	}
	if o := order(early); o.Reserved || o.Callbacks["shipment"] != "" || refunded[o.AuthorizationID] != o.Total {
		t.Fatalf("the order cancelled before its shipment was asked: %+v, refunded %v", o, refunded[o.AuthorizationID])
	}
	if o := order(racing); o.Reserved || o.AuthorizationID != "" || pay.authID == "" || refunded[pay.authID] != o.Total {
		t.Fatalf("the order cancelled while authorizing: %+v, refunded %v of %q", o, refunded[pay.authID], pay.authID)
	}
	if o := order(declined); o.Reserved || o.AuthorizationID != "" {
		t.Fatalf("the declined order: %+v", o)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	// Only the NewOrder execution waiting for the cancelled order's
	// shipment was failed, as NewOrder's RequestShipment catches it.
	if want := []failedTask{{token: "ship-waiting", error: workflows.ErrOrderCancelled}}; !slices.Equal(rec.failed, want) {
		t.Fatalf("SendTaskFailure calls %+v, want %+v", rec.failed, want)
	}
	return maps.Clone(rec.calls)
}

// TestTemplate_tasksFunction: the Lambda function runs the tasks binary
// (provided.al2023, arm64, bootstrap, code from the parameters, the
// settings it reads), and its role allows exactly the DynamoDB actions the
// task handlers send, on exactly the tables they touch, and the Step
// Functions calls they make (SendTaskFailure, on "*": it has no resource
// type), plus writing to its own log group.
func TestTemplate_tasksFunction(t *testing.T) {
	doc, _ := load(t)
	fns := doc.ofType("AWS::Lambda::Function")
	if len(fns) != 1 || fns[0] != deploy.TasksFunction {
		t.Fatalf("functions %v, want %s", fns, deploy.TasksFunction)
	}
	p := doc.Resources[deploy.TasksFunction].Properties
	for k, want := range map[string]string{"Runtime": "provided.al2023", "Handler": "bootstrap"} {
		if p[k] != want {
			t.Errorf("%s is %v, want %s", k, p[k], want)
		}
	}
	if arch, _ := p["Architectures"].([]any); len(arch) != 1 || arch[0] != "arm64" {
		t.Errorf("Architectures %v, want [arm64]", p["Architectures"])
	}
	code, _ := p["Code"].(map[string]any)
	for k, param := range map[string]string{"S3Bucket": "CodeBucket", "S3Key": "CodeKey"} {
		if id, how, ok := target(code[k]); !ok || how != "Ref" || id != param || doc.Parameters[param] == nil {
			t.Errorf("Code.%s is %v, want a Ref to the parameter %s", k, code[k], param)
		}
	}
	envm, _ := p["Environment"].(map[string]any)
	vars, _ := envm["Variables"].(map[string]any)
	if id, _, _ := target(vars["SHOPGRAPH_TABLE_PREFIX"]); id != deploy.TablePrefix {
		t.Errorf("SHOPGRAPH_TABLE_PREFIX is %v, want the TablePrefix parameter", vars["SHOPGRAPH_TABLE_PREFIX"])
	}
	if id, _, _ := target(vars["SHOPGRAPH_PAYMENTS"]); id == "" || doc.Parameters[id] == nil || !slices.Contains(doc.Parameters[id]["AllowedValues"].([]any), any("simulated")) {
		t.Errorf("SHOPGRAPH_PAYMENTS is %v, want a parameter allowing simulated", vars["SHOPGRAPH_PAYMENTS"])
	}
	logging, _ := p["LoggingConfig"].(map[string]any)
	logGroup, _, _ := target(logging["LogGroup"])
	if doc.Resources[logGroup].Type != "AWS::Logs::LogGroup" {
		t.Errorf("LoggingConfig.LogGroup is %v, want the function's log group", logging["LogGroup"])
	}

	roleID, how, ok := target(p["Role"])
	if !ok || how != "Arn" {
		t.Fatalf("Role %v is not a role of the template", p["Role"])
	}
	have := roleGrants(t, doc, roleID, "lambda.amazonaws.com")
	// By table name (prefix test-), as the recorder sees them.
	granted := map[grant]bool{}
	for g := range have {
		r := doc.Resources[g.resource]
		switch {
		case r.Type == "AWS::DynamoDB::Table" && strings.HasPrefix(g.action, "dynamodb:"):
			granted[grant{g.action, resolve(t, r.Properties["TableName"], params)}] = true
		case g.resource == logGroup && (g.action == "logs:CreateLogStream" || g.action == "logs:PutLogEvents"):
		case g.resource == "*" && strings.HasPrefix(g.action, "states:"):
			granted[g] = true
		default:
			t.Errorf("role %s allows %s, which is neither the order store's DynamoDB, Step Functions' task callbacks nor its logs", roleID, g)
		}
	}
	used := tasksCalls(t)
	for g := range used {
		switch {
		case strings.HasPrefix(g.action, "dynamodb:") && slices.Contains(dynamo.TableNames(prefix).All(), g.resource):
		case strings.HasPrefix(g.action, "states:") && g.resource == "*":
		default:
			t.Errorf("the task handlers used %s, neither one of the tables nor a Step Functions task callback", g)
		}
	}
	var missing, extra []string
	for g := range used {
		if !granted[g] {
			missing = append(missing, g.String())
		}
	}
	for g := range granted {
		if !used[g] {
			extra = append(extra, g.String())
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("role %s: missing %v; granted but never used by the task handlers %v\n(the handlers used %v)", roleID, missing, extra, grantList(used))
	}
}

// pseudo are CloudFormation's pseudo parameters.
var pseudo = []string{"AWS::AccountId", "AWS::NoValue", "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix", "AWS::NotificationARNs"}

// TestTemplate_references: every Ref, Fn::GetAtt, Fn::Sub variable and
// Fn::If condition names something the template defines.
func TestTemplate_references(t *testing.T) {
	doc, raw := load(t)
	var all map[string]any
	if err := yaml.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	defined := func(name string) bool {
		_, isParam := doc.Parameters[name]
		_, isRes := doc.Resources[name]
		return isParam || isRes || slices.Contains(pseudo, name)
	}
	count := 0
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if id, how, ok := target(v); ok {
				count++
				if how == "Ref" && !defined(id) {
					t.Errorf("%s: Ref %s is not defined", path, id)
				}
				if how != "Ref" && doc.Resources[id].Type == "" {
					t.Errorf("%s: Fn::GetAtt of %s, which is not a resource", path, id)
				}
			}
			if s, ok := v["Fn::Sub"].(string); ok {
				count++
				for _, sm := range regexp.MustCompile(`\$\{([^}!]+)\}`).FindAllStringSubmatch(s, -1) {
					name, _, _ := strings.Cut(sm[1], ".")
					if !defined(name) {
						t.Errorf("%s: Fn::Sub %q uses ${%s}, which is not defined", path, s, sm[1])
					}
				}
			}
			if f, ok := v["Fn::If"].([]any); ok && len(f) == 3 {
				if _, ok := doc.Conditions[fmt.Sprint(f[0])]; !ok {
					t.Errorf("%s: Fn::If on %v, which is not a condition", path, f[0])
				}
			}
			for k, c := range v {
				walk(path+"."+k, c)
			}
		case []any:
			for i, c := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), c)
			}
		}
	}
	walk("", all)
	if count < 10 {
		t.Fatalf("found only %d references: is the walk broken?", count)
	}
}

// TestTemplate_cfnLint runs cfn-lint (AWS's CloudFormation linter: resource
// schemas, IAM, state machine definitions) on the template, where it is
// installed.
func TestTemplate_cfnLint(t *testing.T) {
	path, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Skip("cfn-lint is not installed (it is a Python package: pip install cfn-lint)")
	}
	out, err := exec.Command(path, "--include-checks", "I", "--", templateFile).CombinedOutput()
	if err != nil {
		t.Fatalf("cfn-lint %s: %v\n%s", templateFile, err, out)
	}
}
