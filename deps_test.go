package shopgraph_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/shopgraph/shopgraph"

// graphQLPackages are the GraphQL side: they may use the root package, each
// other, appsync and schema, but never an AWS SDK or an adapter.
var graphQLPackages = []string{"graph", "resolvers", "loaders", "server"}

// adapters implement the root package's ports; they never import each other
// or the GraphQL side.
var adapters = []string{"dynamo", "local", "seed", "auth", "events", "search", "workflows"}

// TestDependencyRule enforces architecture.md's dependency rule: imports
// point toward the root package.
func TestDependencyRule(t *testing.T) {
	imports := moduleImports(t)
	if len(imports) < 5 {
		t.Fatalf("found only %d packages; is the walk broken?", len(imports))
	}
	for pkg, deps := range imports {
		for _, dep := range deps {
			if msg := violation(pkg, dep); msg != "" {
				t.Errorf("%s imports %s: %s", pkg, dep, msg)
			}
		}
	}
}

// TestDependencyRule_catchesViolations proves the rule is not vacuous.
func TestDependencyRule_catchesViolations(t *testing.T) {
	for _, c := range [][2]string{
		{".", "github.com/aws/aws-sdk-go-v2/aws"},
		{".", module + "/dynamo"},
		{"resolvers", "github.com/aws/aws-sdk-go-v2/service/dynamodb"},
		{"server", module + "/dynamo"},
		{"loaders", module + "/local"},
		{"dynamo", module + "/seed"},
		{"dynamo", module + "/loaders"},
		{"server", module + "/cmd/shopgraph"},
		{"graph", "github.com/truora/minidyn/server"},
	} {
		if violation(c[0], c[1]) == "" {
			t.Errorf("%s importing %s should violate the rule", c[0], c[1])
		}
	}
	for _, c := range [][2]string{
		{"server", module + "/loaders"},
		{"resolvers", module},
		{"dynamo", "github.com/aws/aws-sdk-go-v2/service/dynamodb"},
		{"cmd/shopgraph", module + "/dynamo"},
		{"dynamo/dynamotest", module + "/local"},
	} {
		if msg := violation(c[0], c[1]); msg != "" {
			t.Errorf("%s importing %s should be allowed, got %q", c[0], c[1], msg)
		}
	}
}

// violation returns why pkg (a directory relative to the module root) may not
// import dep, or "" when it may.
func violation(pkg, dep string) string {
	top := strings.Split(pkg, "/")[0]
	internal, isModule := strings.CutPrefix(dep, module+"/")
	if dep == module {
		return ""
	}
	stdlib := !strings.Contains(strings.Split(dep, "/")[0], ".")
	switch {
	case isModule && strings.HasPrefix(internal, "cmd/"):
		return "nothing imports cmd/"
	case pkg == ".":
		if !stdlib {
			return "the root package imports only the standard library"
		}
	case contains(graphQLPackages, top):
		if strings.HasPrefix(dep, "github.com/aws/") || strings.HasPrefix(dep, "github.com/truora/") {
			return "GraphQL packages never import an AWS SDK or an emulator"
		}
		if isModule && contains(adapters, strings.Split(internal, "/")[0]) {
			return "GraphQL packages never import an adapter"
		}
	case contains(adapters, top) && !strings.HasSuffix(pkg, "test"):
		if isModule {
			other := strings.Split(internal, "/")[0]
			if other != top && (contains(adapters, other) || contains(graphQLPackages, other)) {
				return "adapters import only the root package, never each other or the GraphQL side"
			}
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// moduleImports maps every package directory of the module (relative path,
// "." for the root) to the imports of its non-test Go files.
func moduleImports(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out[dir] = append(out[dir], p)
		}
		if _, ok := out[dir]; !ok {
			out[dir] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out
}
