package playground_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/introspection"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// testSDL is the schema of the test GraphQL endpoint.
const testSDL = `
"""The root of every query."""
type Query {
  """Greets someone by name."""
  hello(name: String! = "world"): String!
  """Looks a product up by its SKU."""
  product(sku: ID!): Product
}

"""Pushes events to signed-in clients."""
type Subscription {
  """Order status changes: a few ticks, then the end of the stream."""
  onOrderStatusChanged(orderId: ID, afterVersion: Int): OrderStatusChange!
}

"""One change of an order's status."""
type OrderStatusChange {
  orderId: ID!
  status: String!
  previousStatus: String
  version: Int!
}

"""Something for sale."""
type Product {
  sku: ID!
  name: String!
  """Price in cents."""
  price: Int!
}
`

// testGraphQL is a small GraphQL endpoint for the browser tests: gqlgen's
// handler over a hand-written executable schema that answers introspection
// (with gqlgen's introspection package, so GraphiQL can load the schema) and
// two data fields, and a subscription over graphql-transport-ws (gqlgen's
// Websocket transport) that sends testTicks events. It records the headers
// of each request and the connection_init payload of each WebSocket.
type testGraphQL struct {
	http.Handler

	mu       sync.Mutex
	headers  []http.Header
	initials []map[string]any
}

// testStatuses are the statuses the subscription's events carry, one a tick.
var testStatuses = []string{"PLACED", "PAID", "SHIPPED"}

// testTickInterval spaces the subscription's events, so that the page
// renders each (React would batch updates arriving in one go).
const testTickInterval = 300 * time.Millisecond

func newTestGraphQL() *testGraphQL {
	schema := gqlparser.MustLoadSchema(&ast.Source{Name: "test.graphql", Input: testSDL})
	products := map[string]map[string]any{
		"SKU-1": {"sku": "SKU-1", "name": "Espresso machine", "price": 24900},
	}
	srv := handler.New(&graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return schema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 1, true
		},
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			opCtx := graphql.GetOperationContext(ctx)
			if opCtx.Operation.Operation == ast.Subscription {
				return subscription(ctx, opCtx, schema)
			}
			if opCtx.Operation.Operation != ast.Query {
				return graphql.OneShot(graphql.ErrorResponse(ctx, "only queries and subscriptions are supported"))
			}
			root := func(f graphql.CollectedField, args map[string]any) any {
				switch f.Name {
				case "__schema":
					return introspection.WrapSchema(schema)
				case "__type":
					name, _ := args["name"].(string)
					if def := schema.Types[name]; def != nil {
						return introspection.WrapTypeFromDef(schema, def)
					}
					return nil
				case "hello":
					return "Hello, " + args["name"].(string) + "!"
				case "product":
					if p, ok := products[args["sku"].(string)]; ok {
						return p
					}
					return nil
				}
				return nil
			}
			ex := &executor{op: opCtx, schema: schema}
			var buf bytes.Buffer
			ex.object(&buf, "Query", opCtx.Operation.SelectionSet, root)
			return graphql.OneShot(&graphql.Response{Data: buf.Bytes()})
		},
	})
	t := &testGraphQL{}
	srv.AddTransport(transport.Websocket{
		KeepAlivePingInterval: 10 * time.Second,
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			t.mu.Lock()
			t.initials = append(t.initials, map[string]any(p))
			t.mu.Unlock()
			return ctx, nil, nil
		},
	})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.GET{})
	srv.Use(extension.Introspection{})

	t.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.mu.Lock()
		t.headers = append(t.headers, r.Header.Clone())
		t.mu.Unlock()
		srv.ServeHTTP(w, r)
	})
	return t
}

// requestHeaders returns the headers of the requests served so far.
func (t *testGraphQL) requestHeaders() []http.Header {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]http.Header(nil), t.headers...)
}

// initPayloads returns the connection_init payloads of the WebSockets
// served so far.
func (t *testGraphQL) initPayloads() []map[string]any {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]map[string]any(nil), t.initials...)
}

// subscription answers onOrderStatusChanged: one event each
// testTickInterval, with versions afterVersion+1 and on, then the end.
func subscription(ctx context.Context, opCtx *graphql.OperationContext, schema *ast.Schema) graphql.ResponseHandler {
	ex := &executor{op: opCtx, schema: schema}
	tick := 0
	return func(ctx context.Context) *graphql.Response {
		if tick == len(testStatuses) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(testTickInterval):
		}
		tick++
		var buf bytes.Buffer
		ex.object(&buf, "Subscription", opCtx.Operation.SelectionSet, func(f graphql.CollectedField, args map[string]any) any {
			if f.Name != "onOrderStatusChanged" {
				return nil
			}
			orderID, _ := args["orderId"].(string)
			var after int64
			switch v := args["afterVersion"].(type) {
			case int:
				after = int64(v)
			case int64:
				after = v
			case json.Number:
				after, _ = v.Int64()
			case float64:
				after = int64(v)
			}
			var prev any
			if tick > 1 {
				prev = testStatuses[tick-2]
			}
			return map[string]any{"orderId": orderID, "status": testStatuses[tick-1], "previousStatus": prev, "version": after + int64(tick)}
		})
		return &graphql.Response{Data: buf.Bytes()}
	}
}

// executor resolves a selection set against Go values: the root resolver
// function, map[string]any objects and gqlgen's introspection types (whose
// methods or fields are named like the GraphQL fields).
type executor struct {
	op     *graphql.OperationContext
	schema *ast.Schema
}

// object writes the selection of an object of GraphQL type typeName. get
// resolves a field of it given the field's argument values.
func (e *executor) object(buf *bytes.Buffer, typeName string, sel ast.SelectionSet, get func(graphql.CollectedField, map[string]any) any) {
	buf.WriteByte('{')
	for i, f := range graphql.CollectFields(e.op, sel, []string{typeName}) {
		if i > 0 {
			buf.WriteByte(',')
		}
		key, _ := json.Marshal(f.Alias)
		buf.Write(key)
		buf.WriteByte(':')
		if f.Name == "__typename" {
			writeJSON(buf, typeName)
			continue
		}
		var fieldType *ast.Type
		if def := e.schema.Types[typeName].Fields.ForName(f.Name); def != nil {
			fieldType = def.Type
		}
		if fieldType == nil && f.Name == "__schema" {
			fieldType = ast.NonNullNamedType("__Schema", nil)
		}
		if fieldType == nil && f.Name == "__type" {
			fieldType = ast.NamedType("__Type", nil)
		}
		if fieldType == nil {
			buf.WriteString("null")
			continue
		}
		e.value(buf, fieldType.Name(), f, reflect.ValueOf(get(f, f.ArgumentMap(e.op.Variables))))
	}
	buf.WriteByte('}')
}

// value writes v, the value of field f whose named type is typeName.
func (e *executor) value(buf *bytes.Buffer, typeName string, f graphql.CollectedField, v reflect.Value) {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			buf.WriteString("null")
			return
		}
		if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
			break
		}
		v = v.Elem()
	}
	switch {
	case !v.IsValid():
		buf.WriteString("null")
	case v.Kind() == reflect.Slice:
		buf.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				buf.WriteByte(',')
			}
			e.value(buf, typeName, f, v.Index(i))
		}
		buf.WriteByte(']')
	case len(f.Selections) == 0:
		writeJSON(buf, v.Interface())
	case v.Kind() == reflect.Map:
		m := v.Interface().(map[string]any)
		e.object(buf, typeName, f.Selections, func(f graphql.CollectedField, _ map[string]any) any { return m[f.Name] })
	default:
		if v.Kind() != reflect.Pointer {
			p := reflect.New(v.Type())
			p.Elem().Set(v)
			v = p
		}
		e.object(buf, typeName, f.Selections, func(f graphql.CollectedField, args map[string]any) any {
			return introspect(v, f.Name, args)
		})
	}
}

// introspect reads field name of an introspection value (a pointer to a
// struct of gqlgen's introspection package): a method named like the field
// (taking includeDeprecated when it has a bool parameter) or a struct field.
func introspect(v reflect.Value, name string, args map[string]any) any {
	goName := strings.ToUpper(name[:1]) + name[1:]
	switch name {
	case "args":
		goName = "VisibleArgs"
	case "inputFields":
		goName = "VisibleInputFields"
	case "specifiedByURL":
		goName = "SpecifiedByURL"
	}
	if m := v.MethodByName(goName); m.IsValid() {
		var in []reflect.Value
		if m.Type().NumIn() == 1 && m.Type().In(0).Kind() == reflect.Bool {
			inc, _ := args["includeDeprecated"].(bool)
			in = append(in, reflect.ValueOf(inc))
		}
		if m.Type().NumIn() != len(in) {
			return nil
		}
		return m.Call(in)[0].Interface()
	}
	if fv := v.Elem().FieldByName(goName); fv.IsValid() && fv.CanInterface() {
		return fv.Interface()
	}
	return nil
}

func writeJSON(buf *bytes.Buffer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		buf.WriteString("null")
		return
	}
	buf.Write(b)
}
