// Package asltest is test support for ASL definitions: it runs the npm
// tools installed by scripts/deps/stepfunctions.sh into .cache/stepfunctions —
// asl-validator over a definition, and the local benchmark's workflow on
// aws-local-stepfunctions (the comparison engine). Production code never
// imports it.
package asltest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/shopgraph/shopgraph/internal/testenv"
)

// Dir returns .cache/stepfunctions, where scripts/deps/stepfunctions.sh
// installs asl-validator and aws-local-stepfunctions, or skips (fails when
// CI=true) when they are not installed.
func Dir(t testing.TB) string {
	t.Helper()
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	d := filepath.Join(root, ".cache", "stepfunctions")
	if _, err := os.Stat(filepath.Join(d, "node_modules", "aws-local-stepfunctions", "package.json")); err != nil {
		testenv.Missing(t, "asl-validator and aws-local-stepfunctions are not installed: run `make test-deps`")
	}
	return d
}

// Validate runs asl-validator over the definition file at path and returns
// its verdict: nil when valid, else an error carrying the validator's output.
func Validate(t testing.TB, path string) error {
	t.Helper()
	d := Dir(t)
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(d, "node_modules", ".bin", "asl-validator"), "--json-path", abs)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if _, ok := err.(*exec.ExitError); ok {
			return fmt.Errorf("asl-validator rejects %s: %s", path, bytes.TrimSpace(out))
		}
		t.Fatalf("running asl-validator: %v", err)
	}
	return nil
}

// NodeRun is what one run of test/stepfunctions/bench.mjs measured.
type NodeRun struct {
	Executions int             `json:"executions"`
	Seconds    float64         `json:"seconds"`
	Output     json.RawMessage `json:"output"` // the last execution's output
}

// RunNode runs the definition at path n times in a row on
// aws-local-stepfunctions (Node, with the Promise.withResolvers polyfill)
// with input, its Task states answered by bench.mjs's handlers.
func RunNode(t testing.TB, path string, input []byte, n int) NodeRun {
	t.Helper()
	d := Dir(t)
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "--import", "./polyfill.mjs", "bench.mjs", abs, string(input), strconv.Itoa(n))
	cmd.Dir = d
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws-local-stepfunctions: %v: %s", err, stderr.String())
	}
	var r NodeRun
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("aws-local-stepfunctions printed %q: %v", out, err)
	}
	return r
}
