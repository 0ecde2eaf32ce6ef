// Package deploy generates shopgraph.yaml, the CloudFormation template of
// shopgraph's AWS resources: the seven DynamoDB tables with their global
// secondary indexes, the order events SNS topic, the order workflows' task
// handlers as one Lambda function (cmd/shopgraph-tasks), a state machine
// per workflow with its definition taken from workflows/*.asl.json, and
// least-privilege IAM roles for the function and each state machine.
//
// The template is generated (go run ./deploy/gen, or make deploy-template)
// so that the definitions are copied from the one place they live and each
// state machine's role grants exactly what its definition's Task states use;
// the package's tests fail when shopgraph.yaml is stale, when a table
// differs from what dynamo.CreateTables creates, or when a role grants more
// or less than the definitions and the task handlers use.
//
// Every intrinsic function is written in its long form (Ref, Fn::GetAtt,
// Fn::Sub), so any YAML parser reads the template.
package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/workflows"
)

// File is the template's path from the module root.
const File = "deploy/shopgraph.yaml"

// Logical ids of the template's resources. A definition's ${Placeholder}
// stands for the resource with the same logical id (see substitutions).
const (
	TasksFunction    = "TasksFunction"
	TasksRole        = "TasksFunctionRole"
	TasksLogGroup    = "TasksFunctionLogGroup"
	OrderEventsTopic = "OrderEventsTopic"
	// TablePrefix is the parameter every resource name starts with.
	TablePrefix = "TablePrefix"
)

// TableID is the logical id of the table named prefix+suffix (suffix as in
// dynamo.TableNames("")): "Orders" → "OrdersTable".
func TableID(suffix string) string { return suffix + "Table" }

// StateMachineID and StateMachineRoleID are the logical ids of a workflow's
// state machine and its role.
func StateMachineID(workflow string) string     { return workflow + "StateMachine" }
func StateMachineRoleID(workflow string) string { return workflow + "StateMachineRole" }

// Template returns the template. It fails when a workflow definition uses a
// placeholder or a Task resource the template cannot provide or scope.
func Template() ([]byte, error) {
	tbls, err := tables()
	if err != nil {
		return nil, err
	}
	resources := omap(tbls)
	resources = append(resources, field{key: OrderEventsTopic, comment: "The order events: one message per order status change, published by the state machines.",
		value: m("Type", "AWS::SNS::Topic", "Properties", m("TopicName", sub("${TablePrefix}order-events")))})
	resources = append(resources, tasksFunction()...)
	outputs := omap{}
	for _, suffix := range dynamo.TableNames("").All() {
		outputs = append(outputs, field{key: TableID(suffix) + "Name", value: m("Value", ref(TableID(suffix)))})
	}
	outputs = append(outputs,
		field{key: OrderEventsTopic + "Arn", value: m("Value", ref(OrderEventsTopic))},
		field{key: TasksFunction + "Arn", value: m("Value", getAtt(TasksFunction, "Arn"))},
	)
	for _, name := range workflows.All() {
		res, out, err := stateMachine(name)
		if err != nil {
			return nil, err
		}
		resources = append(resources, res...)
		outputs = append(outputs, out...)
	}
	doc := m(
		"AWSTemplateFormatVersion", "2010-09-09",
		"Description", "shopgraph: DynamoDB tables, order events topic, order workflow task handlers (Lambda) and state machines, with least-privilege IAM roles.",
		"Parameters", m(
			TablePrefix, m("Type", "String", "Default", "shopgraph-", "AllowedPattern", "[A-Za-z0-9_-]*", "MaxLength", 40,
				"Description", "Prefix of every table, topic, function and state machine name (SHOPGRAPH_TABLE_PREFIX of the service)."),
			"CodeBucket", m("Type", "String", "Description", "S3 bucket holding the task handlers' Lambda zip (bootstrap built from cmd/shopgraph-tasks for linux/arm64)."),
			"CodeKey", m("Type", "String", "Default", "shopgraph-tasks.zip", "Description", "S3 key of that zip. Upload each build under a new key (or pass CodeVersion) so the function is updated."),
			"CodeVersion", m("Type", "String", "Default", "", "Description", "S3 object version of the zip, for a versioned bucket (empty: the latest)."),
			"Payments", m("Type", "String", "Default", "simulated", "AllowedValues", []any{"simulated"},
				"Description", "The task handlers' payment provider (SHOPGRAPH_PAYMENTS). Only the simulated card processor exists yet."),
			"LogLevel", m("Type", "String", "Default", "info", "AllowedValues", []any{"debug", "info", "warn", "error"},
				"Description", "The task handlers' log level (SHOPGRAPH_LOG_LEVEL)."),
			"LogRetentionDays", m("Type", "Number", "Default", 30, "Description", "How long the task handlers' logs are kept, in days."),
		),
		"Conditions", m("HasCodeVersion", m("Fn::Not", []any{m("Fn::Equals", []any{ref("CodeVersion"), ""})})),
		"Resources", resources,
		"Outputs", outputs,
	)
	var buf bytes.Buffer
	buf.WriteString("# Code generated by go run ./deploy/gen from workflows/*.asl.json; DO NOT EDIT.\n")
	buf.WriteString("# Deploying it: deploy/README.md.\n")
	if err := emitYAML(&buf, doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Long-form intrinsic functions.
func ref(id string) omap               { return m("Ref", id) }
func getAtt(id, attribute string) omap { return m("Fn::GetAtt", []any{id, attribute}) }
func sub(s string) omap                { return m("Fn::Sub", s) }
func statement(actions []string, resources ...any) omap {
	return m("Effect", "Allow", "Action", strs(actions), "Resource", resources)
}

func strs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// tableDocs say what each table (by dynamo.TableNames("") suffix) holds,
// for the template's comments.
var tableDocs = map[string]string{
	"Products":   "the catalog, by category",
	"Inventory":  "stock per product and warehouse",
	"Warehouses": "the warehouses",
	"Categories": "categories and their product counts",
	"ApiKeys":    "partner API keys (the secret's SHA-256 only)",
	"Carts":      "cart lines by owner",
	"Orders":     "orders; a customer's orders newest first, and the sparse index of those still PENDING",
}

// tables are the template's tables, translated from the CreateTable
// inputs dynamo.CreateTables uses (dynamo.TableDefinitions): key schema,
// attribute definitions, global secondary indexes with their projections,
// billing mode. A definition with anything else set (local indexes,
// provisioned throughput, streams, …) is an error until the translation
// carries it.
func tables() ([]field, error) {
	defs := map[string]*dynamodb.CreateTableInput{}
	for _, def := range dynamo.TableDefinitions(dynamo.TableNames("")) {
		defs[aws.ToString(def.TableName)] = def
	}
	suffixes := dynamo.TableNames("").All()
	if len(defs) != len(suffixes) {
		return nil, fmt.Errorf("deploy: dynamo defines tables %v, dynamo.TableNames has %v", slices.Sorted(maps.Keys(defs)), suffixes)
	}
	var out []field
	for i, suffix := range suffixes {
		def, ok := defs[suffix]
		if !ok {
			return nil, fmt.Errorf("deploy: dynamo.TableDefinitions has no table %s", suffix)
		}
		doc, ok := tableDocs[suffix]
		if !ok {
			return nil, fmt.Errorf("deploy: table %s has no description in tableDocs", suffix)
		}
		props, err := tableProperties(suffix, def)
		if err != nil {
			return nil, err
		}
		f := field{key: TableID(suffix), value: m(
			"Type", "AWS::DynamoDB::Table",
			"DeletionPolicy", "Retain",
			"UpdateReplacePolicy", "Retain",
			"Properties", props,
		), comment: suffix + ": " + doc + "."}
		if i == 0 {
			f.comment = "The tables, as dynamo.CreateTables creates them (on-demand; kept when the stack is deleted).\n" + f.comment
		}
		out = append(out, f)
	}
	return out, nil
}

// tableProperties are the AWS::DynamoDB::Table properties of def, named
// ${TablePrefix}suffix.
func tableProperties(suffix string, def *dynamodb.CreateTableInput) (omap, error) {
	if err := onlySet(def, "TableName", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode"); err != nil {
		return nil, fmt.Errorf("deploy: table %s: %w", suffix, err)
	}
	if def.BillingMode != types.BillingModePayPerRequest {
		return nil, fmt.Errorf("deploy: table %s: billing mode %q, and the template translates only %s", suffix, def.BillingMode, types.BillingModePayPerRequest)
	}
	var attrs []any
	for _, a := range def.AttributeDefinitions {
		attrs = append(attrs, m("AttributeName", aws.ToString(a.AttributeName), "AttributeType", string(a.AttributeType)))
	}
	props := m(
		"TableName", sub("${TablePrefix}"+suffix),
		"BillingMode", string(def.BillingMode),
		"AttributeDefinitions", attrs,
		"KeySchema", keySchema(def.KeySchema),
	)
	if len(def.GlobalSecondaryIndexes) > 0 {
		var gsis []any
		for _, g := range def.GlobalSecondaryIndexes {
			name := aws.ToString(g.IndexName)
			if err := onlySet(&g, "IndexName", "KeySchema", "Projection"); err != nil {
				return nil, fmt.Errorf("deploy: table %s index %s: %w", suffix, name, err)
			}
			if g.Projection == nil {
				return nil, fmt.Errorf("deploy: table %s index %s has no projection", suffix, name)
			}
			proj := m("ProjectionType", string(g.Projection.ProjectionType))
			if len(g.Projection.NonKeyAttributes) > 0 {
				proj = append(proj, field{key: "NonKeyAttributes", value: strs(g.Projection.NonKeyAttributes)})
			}
			gsis = append(gsis, m("IndexName", name, "KeySchema", keySchema(g.KeySchema), "Projection", proj))
		}
		props = append(props, field{key: "GlobalSecondaryIndexes", value: gsis})
	}
	return props, nil
}

func keySchema(ks []types.KeySchemaElement) []any {
	out := make([]any, len(ks))
	for i, k := range ks {
		out[i] = m("AttributeName", aws.ToString(k.AttributeName), "KeyType", string(k.KeyType))
	}
	return out
}

// onlySet fails when the struct v points to has an exported field set that
// is not in known: something dynamo asks of a table that the template
// would silently drop.
func onlySet(v any, known ...string) error {
	rv := reflect.ValueOf(v).Elem()
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		if f.IsExported() && !slices.Contains(known, f.Name) && !rv.Field(i).IsZero() {
			return fmt.Errorf("%s is set, which the template does not translate: add it to deploy", f.Name)
		}
	}
	return nil
}

// tasksGrants are the DynamoDB actions the task handlers (workflows.Tasks
// over the dynamo store) send, by table suffix: reading and updating
// orders, the stock reads and the conditional decrements of a reservation
// (TransactWriteItems is authorized per item as UpdateItem), and the
// warehouse list. Nothing else: the handlers never create or list orders.
var tasksGrants = map[string][]string{
	"Orders":     {"dynamodb:GetItem", "dynamodb:UpdateItem"},
	"Inventory":  {"dynamodb:BatchGetItem", "dynamodb:UpdateItem"},
	"Warehouses": {"dynamodb:Scan"},
}

// tasksStatesGrants are the Step Functions actions the task handlers send:
// cancelShipment fails the NewOrder execution that waits for a cancelled
// order's shipment (workflows.Engine.FailTask). The Service Authorization
// Reference gives SendTaskFailure no resource type (a task token is all the
// request names), so a policy can only allow it on "*": the one unscoped
// statement of the template.
var tasksStatesGrants = []string{"states:SendTaskFailure"}

func tasksFunction() []field {
	var stmts []any
	for _, suffix := range dynamo.TableNames("").All() {
		if actions := tasksGrants[suffix]; len(actions) > 0 {
			stmts = append(stmts, statement(actions, getAtt(TableID(suffix), "Arn")))
		}
	}
	stmts = append(stmts, statement(tasksStatesGrants, "*"))
	stmts = append(stmts, statement([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, getAtt(TasksLogGroup, "Arn")))
	return []field{
		{key: TasksLogGroup, comment: "The order workflows' task handlers: cmd/shopgraph-tasks as one Lambda function, its log group and its role.",
			value: m("Type", "AWS::Logs::LogGroup", "DeletionPolicy", "Delete", "UpdateReplacePolicy", "Delete", "Properties", m(
				"LogGroupName", sub("/aws/lambda/${TablePrefix}tasks"),
				"RetentionInDays", ref("LogRetentionDays"),
			))},
		{key: TasksRole, value: m("Type", "AWS::IAM::Role", "Properties", m(
			"Description", sub("shopgraph order workflow task handlers (prefix ${TablePrefix}): the order store's reads and writes, failing the shipment wait of a cancelled order, and their logs."),
			"AssumeRolePolicyDocument", assumeRole("lambda.amazonaws.com"),
			"Policies", []any{m("PolicyName", "tasks", "PolicyDocument", m("Version", "2012-10-17", "Statement", stmts))},
		))},
		{key: TasksFunction, value: m("Type", "AWS::Lambda::Function", "Properties", m(
			"FunctionName", sub("${TablePrefix}tasks"),
			"Description", "shopgraph order workflow task handlers (cmd/shopgraph-tasks)",
			"Runtime", "provided.al2023",
			"Architectures", []any{"arm64"},
			"Handler", "bootstrap",
			"Code", m("S3Bucket", ref("CodeBucket"), "S3Key", ref("CodeKey"),
				"S3ObjectVersion", m("Fn::If", []any{"HasCodeVersion", ref("CodeVersion"), ref("AWS::NoValue")})),
			"MemorySize", 256,
			"Timeout", 30,
			"Role", getAtt(TasksRole, "Arn"),
			"LoggingConfig", m("LogGroup", ref(TasksLogGroup)),
			"Environment", m("Variables", m(
				"SHOPGRAPH_TABLE_PREFIX", ref(TablePrefix),
				"SHOPGRAPH_PAYMENTS", ref("Payments"),
				"SHOPGRAPH_LOG_LEVEL", ref("LogLevel"),
			)),
		))},
	}
}

func assumeRole(service string) omap {
	st := m("Effect", "Allow", "Principal", m("Service", service), "Action", "sts:AssumeRole")
	if service == "states.amazonaws.com" {
		st = append(st, field{key: "Condition", value: m("StringEquals", m("aws:SourceAccount", ref("AWS::AccountId")))})
	}
	return m("Version", "2012-10-17", "Statement", []any{st})
}

// placeholderKind says what each ${Placeholder} of the definitions stands
// for (workflows.Names): the resource with the same logical id, substituted
// as its ARN or its name.
var placeholderKind = map[string]string{
	TasksFunction:     "function",
	TableID("Orders"): "table",
	OrderEventsTopic:  "topic",
}

var placeholderRE = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// substitution is the DefinitionSubstitutions value of a placeholder: the
// function's ARN, the table's name, the topic's ARN.
func substitution(id string) omap {
	switch placeholderKind[id] {
	case "function":
		return getAtt(id, "Arn")
	default: // Ref: a table's name, a topic's ARN
		return ref(id)
	}
}

// arnOf is the ARN a policy names for the resource with logical id id.
func arnOf(id string) omap {
	if placeholderKind[id] == "topic" {
		return ref(id)
	}
	return getAtt(id, "Arn")
}

// rawDefinition is the workflow's definition file, its placeholders kept.
func rawDefinition(name string) (string, error) {
	return workflows.Definition(name, workflows.Names{
		TasksFunction: "${TasksFunction}", OrdersTable: "${OrdersTable}", OrderEventsTopic: "${OrderEventsTopic}",
	})
}

func stateMachine(name string) (resources, outputs []field, err error) {
	def, err := rawDefinition(name)
	if err != nil {
		return nil, nil, err
	}
	return stateMachineOf(name, def)
}

// stateMachineOf is the state machine, its role and its output for the
// workflow name defined by def.
func stateMachineOf(name, def string) (resources, outputs []field, err error) {
	subs := omap{}
	for _, ph := range placeholders(def) {
		if _, ok := placeholderKind[ph]; !ok {
			return nil, nil, fmt.Errorf("deploy: workflow %s uses ${%s}, which the template does not define", name, ph)
		}
		subs = append(subs, field{key: ph, value: substitution(ph)})
	}
	grants, err := taskGrants(name, def)
	if err != nil {
		return nil, nil, err
	}
	var stmts []any
	for _, id := range slices.Sorted(maps.Keys(grants)) {
		stmts = append(stmts, statement(grants[id], arnOf(id)))
	}
	role := StateMachineRoleID(name)
	resources = []field{
		{key: role, comment: fmt.Sprintf("The %s workflow (workflows/, substituted at deployment) and its role, which may do\nexactly what its Task states do.", name),
			value: m("Type", "AWS::IAM::Role", "Properties", m(
				"Description", sub("State machine ${TablePrefix}"+name+": its Task states' calls only."),
				"AssumeRolePolicyDocument", assumeRole("states.amazonaws.com"),
				"Policies", []any{m("PolicyName", name, "PolicyDocument", m("Version", "2012-10-17", "Statement", stmts))},
			))},
		{key: StateMachineID(name), value: m("Type", "AWS::StepFunctions::StateMachine", "Properties", m(
			"StateMachineName", sub("${TablePrefix}"+name),
			"StateMachineType", "STANDARD",
			"RoleArn", getAtt(role, "Arn"),
			"DefinitionString", def,
			"DefinitionSubstitutions", subs,
		))},
	}
	outputs = []field{{key: StateMachineID(name) + "Arn", value: m("Value", ref(StateMachineID(name)))}}
	return resources, outputs, nil
}

// isPlaceholderOf reports whether s is exactly one ${…} placeholder of a
// resource of kind.
func isPlaceholderOf(s, kind string) bool {
	sm := placeholderRE.FindStringSubmatch(s)
	return sm != nil && sm[0] == s && placeholderKind[sm[1]] == kind
}

// placeholders lists the ${…} names def uses, sorted.
func placeholders(def string) []string {
	set := map[string]bool{}
	for _, sm := range placeholderRE.FindAllStringSubmatch(def, -1) {
		set[sm[1]] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// taskGrants walks the definition's Task states (inside Map and Parallel
// too) and returns the IAM actions each needs, by the logical id of the
// resource they act on. A Task resource or a target it cannot scope to one
// of the template's resources is an error: add its permission here first.
func taskGrants(workflow, def string) (map[string][]string, error) {
	var doc struct {
		States map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(def), &doc); err != nil {
		return nil, fmt.Errorf("deploy: workflow %s: %w", workflow, err)
	}
	grants := map[string][]string{}
	add := func(id, action string) {
		if !slices.Contains(grants[id], action) {
			grants[id] = append(grants[id], action)
			slices.Sort(grants[id])
		}
	}
	var walk func(states map[string]json.RawMessage) error
	walk = func(states map[string]json.RawMessage) error {
		for stateName, raw := range states {
			var st struct {
				Type, Resource string
				Parameters     map[string]any
				Arguments      map[string]any
				Iterator       *struct{ States map[string]json.RawMessage }
				ItemProcessor  *struct{ States map[string]json.RawMessage }
				Branches       []struct{ States map[string]json.RawMessage }
			}
			if err := json.Unmarshal(raw, &st); err != nil {
				return fmt.Errorf("state %s: %w", stateName, err)
			}
			for _, inner := range []*struct{ States map[string]json.RawMessage }{st.Iterator, st.ItemProcessor} {
				if inner != nil {
					if err := walk(inner.States); err != nil {
						return err
					}
				}
			}
			for _, b := range st.Branches {
				if err := walk(b.States); err != nil {
					return err
				}
			}
			if st.Type != "Task" {
				continue
			}
			params := st.Parameters
			if params == nil {
				params = st.Arguments
			}
			target := func(param, kind string) (string, error) {
				v, _ := params[param].(string)
				if !isPlaceholderOf(v, kind) {
					return "", fmt.Errorf("state %s: %s must be a ${…} placeholder of a %s, got %q (the role cannot be scoped otherwise)", stateName, param, kind, v)
				}
				return strings.Trim(v, "${}"), nil
			}
			resource := strings.TrimSuffix(st.Resource, ".waitForTaskToken")
			switch {
			case resource == "arn:aws:states:::lambda:invoke":
				id, err := target("FunctionName", "function")
				if err != nil {
					return err
				}
				add(id, "lambda:InvokeFunction")
			case isPlaceholderOf(resource, "function"):
				// A plain Lambda ARN as the resource.
				add(strings.Trim(resource, "${}"), "lambda:InvokeFunction")
			case resource == "arn:aws:states:::sns:publish":
				id, err := target("TopicArn", "topic")
				if err != nil {
					return err
				}
				add(id, "sns:Publish")
			case strings.HasPrefix(resource, "arn:aws:states:::dynamodb:"):
				op := strings.TrimPrefix(resource, "arn:aws:states:::dynamodb:")
				if !slices.Contains([]string{"getItem", "putItem", "updateItem", "deleteItem"}, op) {
					return fmt.Errorf("state %s: the DynamoDB integration %s is not supported here", stateName, op)
				}
				id, err := target("TableName", "table")
				if err != nil {
					return err
				}
				add(id, "dynamodb:"+strings.ToUpper(op[:1])+op[1:])
			default:
				return fmt.Errorf("state %s: no permission is known for the Task resource %q: add it to deploy", stateName, st.Resource)
			}
		}
		return nil
	}
	if err := walk(doc.States); err != nil {
		return nil, fmt.Errorf("deploy: workflow %s: %w", workflow, err)
	}
	return grants, nil
}
