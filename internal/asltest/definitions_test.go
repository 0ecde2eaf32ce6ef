package asltest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/internal/testenv"
)

// TestShippedDefinitions_aslValidator runs asl-validator over every ASL
// definition in the repository (*.asl.json outside .cache and node_modules).
func TestShippedDefinitions_aslValidator(t *testing.T) {
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	var defs []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".cache" || d.Name() == "node_modules" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".asl.json") {
			defs = append(defs, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) == 0 {
		t.Fatal("found no *.asl.json under the module root; the walk is broken")
	}
	for _, path := range defs {
		rel, _ := filepath.Rel(root, path)
		t.Run(rel, func(t *testing.T) {
			if err := Validate(t, path); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestValidate_rejects proves the validator check can fail: a definition
// whose StartAt names no state is rejected.
func TestValidate_rejects(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.asl.json")
	if err := os.WriteFile(path, []byte(`{"StartAt":"Nowhere","States":{"A":{"Type":"Succeed"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Validate(t, path); err == nil {
		t.Fatal("asl-validator accepted a definition whose StartAt names no state")
	}
}
