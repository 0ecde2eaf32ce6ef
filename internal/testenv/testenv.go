// Package testenv is shared test support: where the module root is (the
// emulators and npm packages that scripts/deps installs live under its
// .cache/). Production code never imports it.
package testenv

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// ModuleRoot walks up from the working directory to the folder holding
// go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Missing stops a test whose outside dependency (an npm package, a Debian
// binary, the browser) is not installed: it skips, saying msg, or fails
// when CI=true, where `make test` has installed everything and a missing
// dependency is a broken setup rather than a machine without it.
func Missing(tb testing.TB, msg string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
		return // a real tb's Fatal does not return; a recording one does
	}
	tb.Skip(msg)
}
