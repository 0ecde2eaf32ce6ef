package appsync

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph"
)

// Auth modes AppSync has that shopgraph does not serve. Their directives
// are recognised (they replace a type's directives) but admit no caller.
const (
	AuthModeIAM    shopgraph.AuthMode = "AWS_IAM"
	AuthModeLambda shopgraph.AuthMode = "AWS_LAMBDA"
)

// AuthDirectiveModes maps AppSync's auth directives to the mode each admits.
// @aws_auth is the legacy form of @aws_cognito_user_pools.
var AuthDirectiveModes = map[string]shopgraph.AuthMode{
	"aws_api_key":            shopgraph.AuthModeAPIKey,
	"aws_cognito_user_pools": shopgraph.AuthModeCognito,
	"aws_auth":               shopgraph.AuthModeCognito,
	"aws_oidc":               shopgraph.AuthModeOIDC,
	"aws_iam":                AuthModeIAM,
	"aws_lambda":             AuthModeLambda,
}

// AuthDirectives returns the AppSync auth directives in list.
func AuthDirectives(list ast.DirectiveList) ast.DirectiveList {
	var out ast.DirectiveList
	for _, d := range list {
		if _, ok := AuthDirectiveModes[d.Name]; ok {
			out = append(out, d)
		}
	}
	return out
}

// EffectiveAuthDirectives returns the auth directives that govern a field:
// its own, or when it has none its type's (a field's directives replace its
// type's). Empty means only the API's default mode may read the field.
func EffectiveAuthDirectives(parent *ast.Definition, field *ast.FieldDefinition) ast.DirectiveList {
	if dirs := AuthDirectives(field.Directives); len(dirs) > 0 {
		return dirs
	}
	if parent == nil {
		return nil
	}
	return AuthDirectives(parent.Directives)
}

// CognitoGroups returns a directive's cognito_groups list (nil: any group).
func CognitoGroups(d *ast.Directive) []string {
	return StringList(d.Arguments.ForName("cognito_groups"))
}

// StringList returns a directive argument's list of string literals (a
// single string counts as a list of one, as GraphQL input coercion does).
func StringList(arg *ast.Argument) []string {
	if arg == nil || arg.Value == nil {
		return nil
	}
	if arg.Value.Kind == ast.StringValue {
		return []string{arg.Value.Raw}
	}
	var out []string
	for _, c := range arg.Value.Children {
		if c.Value != nil && c.Value.Kind == ast.StringValue {
			out = append(out, c.Value.Raw)
		}
	}
	return out
}

// LintAuth returns warnings about auth directives that do not do on AWS
// AppSync what they appear to do, for an API whose default mode is modes[0]
// and whose additional modes are modes[1:]:
//
//   - @aws_auth on an API with more than one mode: AppSync silently ignores
//     it (every caller of the mode gets the data). shopgraph enforces it.
//   - a directive for a mode the API does not have: nobody can use it.
//   - a field readable in a mode its object return type does not admit:
//     AppSync denies that mode the type's fields, so the field is useless
//     to those callers (return types must repeat every auth directive).
//
// Warnings are sorted, one line each, naming Type.field.
func LintAuth(s *ast.Schema, modes []shopgraph.AuthMode) []string {
	if len(modes) == 0 {
		return nil
	}
	defaultMode := modes[0]
	var out []string
	warn := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	checkModes := func(where string, dirs ast.DirectiveList) {
		for _, d := range dirs {
			if d.Name == "aws_auth" && len(modes) > 1 {
				warn("%s: @aws_auth is ignored by AWS AppSync on an API with more than one auth mode (users in any group get the data there); "+
					"shopgraph enforces it; use @aws_cognito_user_pools(cognito_groups: …) so both agree", where)
			}
			if m := AuthDirectiveModes[d.Name]; !slices.Contains(modes, m) {
				warn("%s: @%s admits %s callers, but the API has no %s mode (modes: %s)", where, d.Name, m, m, joinModes(modes))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Types)) {
		def := s.Types[name]
		if def.Kind != ast.Object || def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		checkModes("type "+name, AuthDirectives(def.Directives))
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			where := name + "." + f.Name
			checkModes(where, AuthDirectives(f.Directives))
			ret := s.Types[f.Type.Name()]
			if ret == nil || ret.Kind != ast.Object || ret.BuiltIn {
				continue
			}
			for _, m := range readModes(EffectiveAuthDirectives(def, f), defaultMode) {
				if !typeAdmits(ret, m, defaultMode) {
					warn("%s: readable by %s callers, but its type %s admits no %s caller, so on AWS AppSync they get "+
						"Unauthorized for its fields; add the mode's directive to type %s", where, m, ret.Name, m, ret.Name)
				}
			}
		}
	}
	return out
}

// readModes are the modes a set of effective directives admits.
func readModes(dirs ast.DirectiveList, defaultMode shopgraph.AuthMode) []shopgraph.AuthMode {
	if len(dirs) == 0 {
		return []shopgraph.AuthMode{defaultMode}
	}
	var out []shopgraph.AuthMode
	for _, d := range dirs {
		if m := AuthDirectiveModes[d.Name]; !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// typeAdmits reports whether some field of t is readable in mode m.
func typeAdmits(t *ast.Definition, m, defaultMode shopgraph.AuthMode) bool {
	for _, f := range t.Fields {
		if slices.Contains(readModes(EffectiveAuthDirectives(t, f), defaultMode), m) {
			return true
		}
	}
	return false
}

func joinModes(modes []shopgraph.AuthMode) string {
	s := make([]string, len(modes))
	for i, m := range modes {
		s[i] = string(m)
	}
	return strings.Join(s, ", ")
}
