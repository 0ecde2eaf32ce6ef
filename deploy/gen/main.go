// Command gen writes deploy/shopgraph.yaml, the CloudFormation template
// (package deploy), from the current table definitions and
// workflows/*.asl.json. Run it from the module root: go run ./deploy/gen
// (make deploy-template). With -o it writes elsewhere; -o - is stdout.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/shopgraph/shopgraph/deploy"
)

func main() {
	out := flag.String("o", deploy.File, "where to write the template (- for stdout)")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "deploy/gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	tmpl, err := deploy.Template()
	if err != nil {
		return err
	}
	if out == "-" {
		_, err := os.Stdout.Write(tmpl)
		return err
	}
	if out == deploy.File {
		if _, err := os.Stat(filepath.Dir(out)); err != nil {
			return fmt.Errorf("run it from the module root (no %s here): %w", filepath.Dir(out), err)
		}
	}
	return os.WriteFile(out, tmpl, 0o644)
}
