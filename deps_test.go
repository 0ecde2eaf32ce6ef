package shopgraph_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/shopgraph/shopgraph"

// The layout, as the dependency rule sees it (docs/architecture.md):
var (
	// graphQLPackages are the GraphQL side: they may use the root package,
	// each other, appsync and schema, but never an AWS SDK, an emulator, an
	// adapter, the wing or the composition root.
	graphQLPackages = []string{"graph", "resolvers", "loaders", "server"}
	// adapters implement the root package's ports with one technology each;
	// they import the root package and their own libraries, never each
	// other, the GraphQL side, the wing or the composition root.
	adapters = []string{"dynamo", "cognito", "auth", "seed", "events", "search", "workflows"}
	// shared are GraphQL-schema packages used by the GraphQL side and cmd/.
	shared = []string{"appsync", "schema"}
	// wing is the embedded-default wing: stand-ins for AWS services. Its
	// packages import at most the root package and the wing's engines;
	// engines (the embedded DynamoDB, the local ASL engine, each with its
	// sub-packages) import nothing of the module but their own packages and
	// engineSupport, the storage code they share (the data-directory lock,
	// the bbolt group committer), which imports nothing of the module.
	wing          = "local"
	engines       = []string{"local/dynamodb", "local/stepfunctions"}
	engineSupport = "local/internal"
	// compositionRoot builds the application; only it and cmd/ know the
	// concrete adapters and the wing.
	compositionRoot = "app"
	// testSupport (internal/...) is test support: it may import anything but
	// cmd/, and only tests and other test support import it.
	testSupport = "internal"
)

// TestDependencyRule enforces the dependency rule: imports point toward the
// root package.
func TestDependencyRule(t *testing.T) {
	imports := moduleImports(t)
	if len(imports) < 5 {
		t.Fatalf("found only %d packages; is the walk broken?", len(imports))
	}
	for _, want := range []string{".", "app", "auth", "cognito", "dynamo", "local", "local/userpool", "local/dynamodb", "local/dynamodb/attr", "local/dynamodb/expr",
		"local/stepfunctions", "local/stepfunctions/asl", "local/stepfunctions/asl/intrinsic", "local/internal/boltstore", "server", "internal/apptest", "cmd/shopgraph"} {
		if _, ok := imports[want]; !ok {
			t.Errorf("package %s not found: update the layout above", want)
		}
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
		{"server", module + "/auth"},
		{"server", module + "/app"},
		{"loaders", module + "/local"},
		{"dynamo", module + "/seed"},
		{"dynamo", module + "/loaders"},
		{"dynamo", module + "/local"},
		{"dynamo", module + "/internal/testenv"},
		{"auth", module + "/local/userpool"},
		{"cognito", module + "/auth"},
		{"server", module + "/cmd/shopgraph"},
		{"app", module + "/cmd/shopgraph"},
		{"app", module + "/internal/apptest"},
		{"dynamo", module + "/app"},
		{"graph", "github.com/aws/aws-sdk-go-v2/service/dynamodb"},
		{"local/userpool", module + "/auth"},
		{"local/userpool", module + "/app"},
		{"local/dynamodb", module},
		{"local/dynamodb/expr", module},
		{"local/dynamodb", module + "/local"},
		{"local/dynamodb/expr", module + "/local/userpool"},
		{"local/userpool", module + "/local"},
		{"local/stepfunctions", module + "/local/dynamodb"},
		{"local/internal/boltstore", module + "/local/dynamodb"},
		{"local/internal/boltstore", module},
		{"internal/apptest", module + "/cmd/shopgraph"},
	} {
		if violation(c[0], c[1]) == "" {
			t.Errorf("%s importing %s should violate the rule", c[0], c[1])
		}
	}
	for _, c := range [][2]string{
		{"server", module + "/loaders"},
		{"resolvers", module},
		{"resolvers", module + "/appsync"},
		{"dynamo", "github.com/aws/aws-sdk-go-v2/service/dynamodb"},
		{"cmd/shopgraph", module + "/dynamo"},
		{"cmd/shopgraph", module + "/app"},
		{"app", module + "/dynamo"},
		{"app", module + "/local/userpool"},
		{"app", module + "/server"},
		{"local/userpool", module},
		{"local", module + "/local/dynamodb"},
		{"local/dynamodb", module + "/local/dynamodb/expr"},
		{"local/dynamodb/expr", module + "/local/dynamodb/attr"},
		{"local/dynamodb", module + "/local/internal/boltstore"},
		{"local/stepfunctions", module + "/local/stepfunctions/asl"},
		{"local", module + "/local/stepfunctions"},
		{"internal/dynamotest", module + "/local"},
		{"internal/apptest", module + "/app"},
	} {
		if msg := violation(c[0], c[1]); msg != "" {
			t.Errorf("%s importing %s should be allowed, got %q", c[0], c[1], msg)
		}
	}
}

// violation returns why pkg (a directory relative to the module root) may not
// import dep, or "" when it may. Only non-test files are checked: a test may
// import whatever it needs.
func violation(pkg, dep string) string {
	top := strings.Split(pkg, "/")[0]
	internal, isModule := strings.CutPrefix(dep, module+"/")
	depTop := strings.Split(internal, "/")[0]
	stdlib := !strings.Contains(strings.Split(dep, "/")[0], ".")
	switch {
	case isModule && depTop == "cmd":
		return "nothing imports cmd/"
	case isModule && depTop == testSupport && top != testSupport:
		return "only tests and test support import internal/ (test support)"
	case isModule && depTop == compositionRoot && top != "cmd" && top != testSupport && top != compositionRoot:
		return "only cmd/ and test support import the composition root"
	case dep == module && engineOf(pkg) == "" && !isEngineSupport(pkg):
		return ""
	}
	switch {
	case pkg == ".":
		if !stdlib {
			return "the root package imports only the standard library"
		}
	case isEngineSupport(pkg):
		if dep == module || isModule {
			return "the engines' shared support imports nothing of the module"
		}
	case top == wing:
		support := isModule && isEngineSupport(internal)
		if e := engineOf(pkg); e != "" && (dep == module || isModule && engineOf(internal) != e && !support) {
			return "the wing's engines import nothing of the module but their own packages"
		}
		if isModule && engineOf(internal) == "" && !support {
			return "the wing imports at most the root package and the wing's engines"
		}
	case slices.Contains(graphQLPackages, top) || slices.Contains(shared, top):
		if strings.HasPrefix(dep, "github.com/aws/") || strings.HasPrefix(dep, module+"/local") {
			return "GraphQL packages never import an AWS SDK or an emulator"
		}
		if isModule && !slices.Contains(graphQLPackages, depTop) && !slices.Contains(shared, depTop) {
			return "GraphQL packages import only the root package and the GraphQL side"
		}
	case slices.Contains(adapters, top):
		if isModule && depTop != top {
			return "adapters import only the root package, never each other, the GraphQL side, the wing or the composition root"
		}
	}
	return ""
}

// isEngineSupport reports whether dir is in the engines' shared support.
func isEngineSupport(dir string) bool {
	return dir == engineSupport || strings.HasPrefix(dir, engineSupport+"/")
}

// engineOf returns the engine (one of engines) that package dir belongs to,
// or "".
func engineOf(dir string) string {
	for _, e := range engines {
		if dir == e || strings.HasPrefix(dir, e+"/") {
			return e
		}
	}
	return ""
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
