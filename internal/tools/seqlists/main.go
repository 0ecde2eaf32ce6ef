// Command seqlists rewrites gqlgen's generated executor so that lists whose
// elements resolve nothing are marshalled in a loop instead of with a
// goroutine per element. `make generate` runs it after gqlgen:
//
//	go run ./internal/tools/seqlists graph/generated.go
//
// gqlgen marshals every list of objects with graphql.MarshalSliceConcurrently,
// which starts a goroutine for each element so that resolvers below the
// elements run concurrently (and their dataloader calls land in one batch).
// Where nothing below an element is a resolver — the catalog page's
// warehouses list, a warehouse, introspection's types and fields — the
// goroutines buy nothing and cost a stack each (stack growth, scheduling):
// about a sixth of the catalog page's CPU. A list marshaller is rewritten
// when its element marshaller, and everything that calls in turn, contains no
// resolver call (ec.resolvers.…) and no concurrent field
// (ResolveConcurrently, .Concurrently): a list whose elements reach a
// resolver stays concurrent. The sequential helper keeps gqlgen's per-element
// field context and panic recovery, so results and errors are the same.
//
// It is idempotent: a rewritten file is left as it is.
package main

import (
	"fmt"
	"go/format"
	"os"
	"regexp"
	"strings"
)

const (
	concurrentCall = "graphql.MarshalSliceConcurrently("
	sequentialCall = "marshalSliceSequentially("
)

var (
	funcName = regexp.MustCompile(`^func \(ec \*executionContext\) ([^\s(]+)\(`)
	callee   = regexp.MustCompile(`ec\.([^\s(.]+)\(`)
	// blocking marks a function that runs resolvers or concurrent fields.
	blocking = []string{"ec.resolvers.", "ResolveConcurrently(", ".Concurrently("}
)

const helper = `
// marshalSliceSequentially is graphql.MarshalSliceConcurrently for lists
// whose elements resolve nothing (no resolver below them): the same result,
// field contexts and panic recovery, without a goroutine per element.
// Added by internal/tools/seqlists.
func marshalSliceSequentially(ctx context.Context, length int, _ int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(childCtx, graphql.Recover(childCtx, r))
					ret[i] = graphql.Null
				}
			}()
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	return ret
}
`

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: seqlists FILE (gqlgen's generated executor, e.g. graph/generated.go)")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "seqlists:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, n, err := rewrite(string(src))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if out == string(src) {
		return nil
	}
	formatted, err := format.Source([]byte(out))
	if err != nil {
		return fmt.Errorf("%s: the rewritten file does not parse: %w", path, err)
	}
	fmt.Printf("seqlists: %s: %d list marshallers made sequential\n", path, n)
	return os.WriteFile(path, formatted, 0o644)
}

// rewrite returns src with every leaf list marshaller made sequential and
// the helper appended (once), and how many it rewrote.
func rewrite(src string) (string, int, error) {
	chunks := strings.Split(src, "\nfunc ")
	bodies := map[string]string{} // function name → body
	names := make([]string, len(chunks))
	for i, c := range chunks[1:] {
		if m := funcName.FindStringSubmatch("func " + c); m != nil {
			names[i+1] = m[1]
			bodies[m[1]] = c
		}
	}
	if len(bodies) == 0 {
		return "", 0, fmt.Errorf("no executionContext methods found: not gqlgen's executor?")
	}
	leaf := leaves(bodies)
	n := 0
	for i, name := range names {
		if name != "" && leaf[name] && strings.Contains(chunks[i], concurrentCall) {
			chunks[i] = strings.ReplaceAll(chunks[i], concurrentCall, sequentialCall)
			n++
		}
	}
	out := strings.Join(chunks, "\nfunc ")
	if strings.Contains(out, sequentialCall) && !strings.Contains(out, "func marshalSliceSequentially(") {
		out += helper
	}
	return out, n, nil
}

// leaves reports, for each function, whether neither it nor anything it
// calls (transitively, among bodies) runs a resolver or a concurrent field.
// A call cycle counts as not a leaf (conservative).
func leaves(bodies map[string]string) map[string]bool {
	const (
		unknown = iota
		visiting
		yes
		no
	)
	state := map[string]int{}
	var visit func(name string) bool
	visit = func(name string) bool {
		switch state[name] {
		case visiting, no:
			return false
		case yes:
			return true
		}
		state[name] = visiting
		body := bodies[name]
		ok := true
		for _, b := range blocking {
			if strings.Contains(body, b) {
				ok = false
			}
		}
		for _, m := range callee.FindAllStringSubmatch(body, -1) {
			if c := m[1]; ok && c != name {
				if _, defined := bodies[c]; defined && !visit(c) {
					ok = false
				}
			}
		}
		state[name] = map[bool]int{true: yes, false: no}[ok]
		return ok
	}
	out := map[string]bool{}
	for name := range bodies {
		out[name] = visit(name)
	}
	return out
}
