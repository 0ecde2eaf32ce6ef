// Package workflows holds the order workflows: their Amazon States Language
// definitions (NewOrder, CancelOrder, ReturnOrder; deployable unchanged, with DefinitionSubstitutions
// for the table, topic and function names), the Go task handlers they call
// through one Lambda function, and the adapter that starts executions and
// answers their callbacks through the Step Functions API.
package workflows

import (
	"embed"
	"fmt"
	"strings"
)

//go:embed *.asl.json
var files embed.FS

// The workflows, by state machine name.
const (
	NewOrder    = "NewOrder"
	CancelOrder = "CancelOrder"
	ReturnOrder = "ReturnOrder"
)

var fileOf = map[string]string{NewOrder: "neworder.asl.json", CancelOrder: "cancelorder.asl.json", ReturnOrder: "returnorder.asl.json"}

// Names are what a definition's ${…} placeholders stand for.
type Names struct {
	// TasksFunction is the task handlers' Lambda function (name or ARN).
	TasksFunction string
	// OrdersTable is the Orders table's name.
	OrdersTable string
	// OrderEventsTopic is the order events SNS topic's ARN.
	OrderEventsTopic string
}

// Definition returns the named workflow's definition with the names
// substituted, as CloudFormation's DefinitionSubstitutions would.
func Definition(name string, n Names) (string, error) {
	file, ok := fileOf[name]
	if !ok {
		return "", fmt.Errorf("workflows: no workflow %q", name)
	}
	raw, err := files.ReadFile(file)
	if err != nil {
		return "", err
	}
	if n.TasksFunction == "" || n.OrdersTable == "" || n.OrderEventsTopic == "" {
		return "", fmt.Errorf("workflows: the tasks function, the orders table and the events topic must all be named")
	}
	return strings.NewReplacer("${TasksFunction}", n.TasksFunction, "${OrdersTable}", n.OrdersTable,
		"${OrderEventsTopic}", n.OrderEventsTopic).Replace(string(raw)), nil
}

// All lists the workflow names.
func All() []string { return []string{NewOrder, CancelOrder, ReturnOrder} }
