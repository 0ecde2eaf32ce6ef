package appsync

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// LoadSchema loads the user SDL sources together with gqlparser's built-ins
// and the AppSync prelude (PreludeSource), like gqlparser.LoadSchema would.
//
// User SDL may itself declare any of the prelude's scalars or directives, as
// tools that target AppSync often do, with the same or different argument
// types or locations (for example `mutations: [String!]!` or an extra
// INPUT_FIELD_DEFINITION): those declarations are dropped before loading, so
// the prelude's declarations are the ones in force, and everything else in
// the source is kept. Passing PreludeSource among sources is therefore
// harmless. User redeclarations of GraphQL's built-in directives (@skip,
// @include, @deprecated, @specifiedBy, @defer, @oneOf), which AppSync
// introspection dumps may contain (for example `directive @defer on FIELD`),
// are dropped the same way, so they cannot change how gqlparser validates
// queries. nil sources are skipped.
//
// Parse and validation errors are returned as they come from gqlparser (a
// *gqlerror.Error, which names the source and position).
func LoadSchema(sources ...*ast.Source) (*ast.Schema, error) {
	doc := validator.PreludeDocument()
	var builtinDirectives []string
	for _, d := range doc.Directives {
		builtinDirectives = append(builtinDirectives, d.Name)
	}
	prelude, err := parser.ParseSchema(PreludeSource())
	if err != nil {
		return nil, err
	}
	doc.Merge(prelude)
	for _, src := range sources {
		if src == nil {
			continue
		}
		d, err := parser.ParseSchema(src)
		if err != nil {
			return nil, err
		}
		d.Definitions = slices.DeleteFunc(d.Definitions, func(def *ast.Definition) bool {
			return def.Kind == ast.Scalar && isPreludeScalar(def.Name)
		})
		d.Directives = slices.DeleteFunc(d.Directives, func(dir *ast.DirectiveDefinition) bool {
			return isPreludeDirective(dir.Name) || slices.Contains(builtinDirectives, dir.Name)
		})
		doc.Merge(d)
	}
	schema, err := validator.ValidateSchemaDocument(doc)
	if err != nil {
		return nil, err
	}
	return schema, nil
}

// PrintSDL writes the SDL one would deploy to AppSync for schema: every type
// and directive declared by user sources, excluding gqlparser's built-ins and
// any declaration of the prelude's scalars and directives (AppSync predeclares
// them), with descriptions kept and comments dropped. Type extensions appear
// merged into their types. A schema definition is printed only when it is
// needed (non-default root type names, schema directives or description).
//
// The directives named in omitDirectives (without the @, for example
// ShopgraphOnly's "shopgraph_scopes") are removed wherever they are used (the schema, types,
// fields, arguments, enum values, input fields, directive arguments), and their
// declarations are not printed.
//
// Output is deterministic: definitions are ordered by source name, then by
// position in the source. PrintSDL does not modify schema. It returns an error
// only for a nil schema or when writing to w fails.
func PrintSDL(w io.Writer, schema *ast.Schema, omitDirectives ...string) error {
	if schema == nil {
		return errors.New("appsync: PrintSDL: nil schema")
	}
	omit := func(name string) bool { return slices.Contains(omitDirectives, name) }
	keep := func(list ast.DirectiveList) ast.DirectiveList {
		var out ast.DirectiveList
		for _, d := range list {
			if !omit(d.Name) {
				out = append(out, d)
			}
		}
		return out
	}

	type item struct {
		pos  *ast.Position
		name string
		doc  *ast.SchemaDocument
	}
	var items []item
	for _, dir := range schema.Directives {
		if isBuiltIn(dir.Position) || isPreludeDirective(dir.Name) || omit(dir.Name) {
			continue
		}
		d := *dir
		d.Arguments = keepArgs(dir.Arguments, keep)
		d.Directives = keep(dir.Directives)
		items = append(items, item{dir.Position, "@" + dir.Name, &ast.SchemaDocument{Directives: ast.DirectiveDefinitionList{&d}}})
	}
	for _, def := range schema.Types {
		if !isUserType(def) {
			continue
		}
		d := *def
		d.Directives = keep(def.Directives)
		d.Fields = nil
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue // introspection fields added to the query type
			}
			fc := *f
			fc.Directives = keep(f.Directives)
			fc.Arguments = keepArgs(f.Arguments, keep)
			d.Fields = append(d.Fields, &fc)
		}
		d.EnumValues = nil
		for _, v := range def.EnumValues {
			vc := *v
			vc.Directives = keep(v.Directives)
			d.EnumValues = append(d.EnumValues, &vc)
		}
		items = append(items, item{def.Position, def.Name, &ast.SchemaDocument{Definitions: ast.DefinitionList{&d}}})
	}
	slices.SortFunc(items, func(a, b item) int {
		if c := strings.Compare(sourceName(a.pos), sourceName(b.pos)); c != 0 {
			return c
		}
		if c := positionStart(a.pos) - positionStart(b.pos); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})

	var buf bytes.Buffer
	sep := func() {
		if buf.Len() > 0 {
			buf.WriteByte('\n')
		}
	}
	if sd := schemaDefinition(schema, keep(schema.SchemaDirectives)); sd != nil {
		formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatSchemaDocument(&ast.SchemaDocument{Schema: ast.SchemaDefinitionList{sd}})
	}
	for _, it := range items {
		sep()
		formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatSchemaDocument(it.doc)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// keepArgs copies args with their directives filtered by keep.
func keepArgs(args ast.ArgumentDefinitionList, keep func(ast.DirectiveList) ast.DirectiveList) ast.ArgumentDefinitionList {
	if args == nil {
		return nil
	}
	out := make(ast.ArgumentDefinitionList, 0, len(args))
	for _, a := range args {
		ac := *a
		ac.Directives = keep(a.Directives)
		out = append(out, &ac)
	}
	return out
}

// schemaDefinition returns the schema definition to print, or nil when the
// default root type names make it redundant: the roots are Query, Mutation and
// Subscription exactly when types of those names exist, and there is no
// description and no (kept) schema directive.
func schemaDefinition(schema *ast.Schema, directives ast.DirectiveList) *ast.SchemaDefinition {
	roots := []struct {
		op   ast.Operation
		name string
		def  *ast.Definition
	}{
		{ast.Query, "Query", schema.Query},
		{ast.Mutation, "Mutation", schema.Mutation},
		{ast.Subscription, "Subscription", schema.Subscription},
	}
	needed := schema.Description != "" || len(directives) > 0
	sd := &ast.SchemaDefinition{Description: schema.Description, Directives: directives}
	for _, r := range roots {
		if r.def != nil {
			sd.OperationTypes = append(sd.OperationTypes, &ast.OperationTypeDefinition{Operation: r.op, Type: r.def.Name})
			if r.def.Name != r.name {
				needed = true
			}
		} else if t := schema.Types[r.name]; t != nil && !t.BuiltIn {
			needed = true // a type named like a root that is not one
		}
	}
	if !needed {
		return nil
	}
	return sd
}

// isUserType reports whether def was declared by user SDL: not one of
// gqlparser's built-ins and not a prelude scalar.
func isUserType(def *ast.Definition) bool {
	if def.BuiltIn || isBuiltIn(def.Position) || strings.HasPrefix(def.Name, "__") {
		return false
	}
	return !(def.Kind == ast.Scalar && isPreludeScalar(def.Name))
}

func isBuiltIn(pos *ast.Position) bool { return pos != nil && pos.Src != nil && pos.Src.BuiltIn }

func sourceName(pos *ast.Position) string {
	if pos == nil || pos.Src == nil {
		return "\uffff" // unknown sources sort last
	}
	return pos.Src.Name
}

func positionStart(pos *ast.Position) int {
	if pos == nil {
		return 0
	}
	return pos.Start
}

// knownDirective reports whether AppSync knows the directive name: the
// prelude's, plus GraphQL's @deprecated, @include, @skip and @specifiedBy, and
// @defer, which AppSync's introspection declares.
func knownDirective(name string) bool {
	switch name {
	case "deprecated", "include", "skip", "specifiedBy", "defer":
		return true
	}
	return isPreludeDirective(name)
}

// Validate checks the user SDL in schema against AppSync's rules and returns
// nil or all violations joined with errors.Join, each a *gqlerror.Error
// pointing at the offending declaration or use, in source order:
//
//   - no user-defined scalars: only GraphQL's built-in scalars and the AWS
//     scalars of the prelude exist on AppSync;
//   - no user type names beginning with "AWS", which AppSync reserves;
//   - every directive used (on the schema, types, fields, arguments, enum
//     values, input fields and directive arguments) must be one AppSync knows:
//     the prelude's @aws_* directives and GraphQL's @deprecated, @include,
//     @skip, @specifiedBy (and @defer). Directives named in extra (without the
//     @) are allowed too: use it for shopgraph-only directives that PrintSDL
//     strips.
//
// Validate does not modify schema.
func Validate(schema *ast.Schema, extra ...string) error {
	if schema == nil {
		return errors.New("appsync: Validate: nil schema")
	}
	var errs []*gqlerror.Error
	allowed := func(name string) bool { return knownDirective(name) || slices.Contains(extra, name) }
	checkUses := func(list ast.DirectiveList, where string) {
		for _, d := range list {
			if !allowed(d.Name) {
				errs = append(errs, posError(d.Position,
					"Directive @%s on %s is not supported by AppSync; remove it, or allow it as a shopgraph-only directive that PrintSDL strips.",
					d.Name, where))
			}
		}
	}
	checkArgs := func(args ast.ArgumentDefinitionList, where string) {
		for _, a := range args {
			checkUses(a.Directives, where+"("+a.Name+":)")
		}
	}

	checkUses(schema.SchemaDirectives, "the schema")
	for _, dir := range schema.Directives {
		if isBuiltIn(dir.Position) || isPreludeDirective(dir.Name) {
			continue
		}
		checkUses(dir.Directives, "directive @"+dir.Name)
		checkArgs(dir.Arguments, "directive @"+dir.Name)
	}
	for _, def := range schema.Types {
		if !isUserType(def) {
			continue
		}
		if def.Kind == ast.Scalar {
			errs = append(errs, posError(def.Position,
				"Scalar %s is not allowed: AppSync does not support user-defined scalars; use a built-in scalar (String, Int, Float, Boolean, ID) or an AWS scalar (AWSDate, AWSTime, AWSDateTime, AWSTimestamp, AWSEmail, AWSJSON, AWSURL, AWSPhone, AWSIPAddress).",
				def.Name))
		} else if strings.HasPrefix(def.Name, "AWS") {
			errs = append(errs, posError(def.Position,
				"Type name %s is not allowed: AppSync reserves the AWS prefix for its own types.", def.Name))
		}
		checkUses(def.Directives, def.Name)
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			checkUses(f.Directives, def.Name+"."+f.Name)
			checkArgs(f.Arguments, def.Name+"."+f.Name)
		}
		for _, v := range def.EnumValues {
			checkUses(v.Directives, def.Name+"."+v.Name)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	slices.SortStableFunc(errs, func(a, b *gqlerror.Error) int {
		if c := strings.Compare(errFile(a), errFile(b)); c != 0 {
			return c
		}
		la, lb := errLoc(a), errLoc(b)
		if la.Line != lb.Line {
			return la.Line - lb.Line
		}
		if la.Column != lb.Column {
			return la.Column - lb.Column
		}
		return strings.Compare(a.Message, b.Message)
	})
	list := make([]error, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	return errors.Join(list...)
}

func errFile(e *gqlerror.Error) string {
	name, _ := e.Extensions["file"].(string)
	return name
}

func errLoc(e *gqlerror.Error) gqlerror.Location {
	if len(e.Locations) == 0 {
		return gqlerror.Location{}
	}
	return e.Locations[0]
}

// posError is gqlerror.ErrorPosf, safe for positions without a source.
func posError(pos *ast.Position, format string, args ...any) *gqlerror.Error {
	if pos != nil && pos.Src == nil {
		return gqlerror.ErrorLocf("", pos.Line, pos.Column, format, args...)
	}
	return gqlerror.ErrorPosf(pos, format, args...)
}
