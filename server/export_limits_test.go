package server

import (
	"errors"

	"github.com/99designs/gqlgen/graphql/introspection"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"github.com/shopgraph/shopgraph/graph"
	"github.com/shopgraph/shopgraph/resolvers"
)

// Limits the tests assert.
const (
	MaxIntrospectionListDepth = maxIntrospectionListDepth
	MaxOfTypeDepth            = maxOfTypeDepth
)

// ListSizes is the cost model's table of data-list lengths.
var ListSizes = listSizes

// Schema is the API's executable schema.
func Schema() *ast.Schema {
	return graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}}).Schema()
}

// Cost parses and validates query and returns the cost of its operation
// named operationName (or its only one) with vars: the function the
// complexity limit applies.
func Cost(query, operationName string, vars map[string]any) (int, error) {
	schema := Schema()
	doc, errs := parse(schema, query)
	if errs != nil {
		return 0, errs
	}
	op := doc.Operations.ForName(operationName)
	if op == nil {
		return 0, errors.New("no such operation")
	}
	values, err := validator.VariableValues(schema, op, vars)
	if err != nil {
		return 0, err
	}
	return operationCost(schema, introspection.WrapSchema(schema), op, doc.Fragments, values), nil
}

// FieldCount is the number of fields the operation of query selects, as
// the MaxFields limit counts them.
func FieldCount(query, operationName string) (int, error) {
	doc, errs := parse(Schema(), query)
	if errs != nil {
		return 0, errs
	}
	op := doc.Operations.ForName(operationName)
	if op == nil {
		return 0, errors.New("no such operation")
	}
	return newShaper(doc.Fragments).of(op.SelectionSet).fields, nil
}

// parse parses and validates a query with the server's validation rules.
func parse(schema *ast.Schema, query string) (*ast.QueryDocument, gqlerror.List) {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return nil, gqlerror.List{gqlerror.WrapIfUnwrapped(err)}
	}
	r := rules.NewDefaultRules()
	r.RemoveRule(rules.MaxIntrospectionDepth.Name)
	if errs := validator.ValidateWithRules(schema, doc, r); errs != nil {
		return nil, errs
	}
	return doc, nil
}

// MutationGroups are the mutations of which an operation may run one per
// group.
var MutationGroups = mutationGroups
