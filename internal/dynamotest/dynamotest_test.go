package dynamotest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopgraph/shopgraph/internal/testenv"
)

func TestEmbedded(t *testing.T) {
	a, b := Embedded(t), Embedded(t)
	if a.Endpoint == b.Endpoint || a.Faults == nil || a.Name != "embedded" {
		t.Fatalf("targets %+v %+v", a, b)
	}
	for _, name := range a.Tables.All() {
		if _, err := a.Client.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}); err != nil {
			t.Errorf("table %s: %v", name, err)
		}
	}
	if s := NewStore(t, a); s == nil {
		t.Fatal("no store")
	}
}

func TestModuleRoot(t *testing.T) {
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if !fileExists(filepath.Join(root, "go.mod")) || !fileExists(filepath.Join(root, "internal", "dynamotest", "dynamotest.go")) {
		t.Errorf("module root %s", root)
	}
}

func TestFindDynamoDBLocal_override(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(DirEnv, dir)
	_, _, err := findDynamoDBLocal()
	if err == nil || !strings.Contains(err.Error(), "make test-deps") || !strings.Contains(err.Error(), dir) {
		t.Errorf("empty %s: %v, want advice to run make test-deps naming the folder", DirEnv, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "DynamoDBLocal.jar"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got, _, err := findDynamoDBLocal()
	if got != dir || err != nil {
		t.Errorf("dir %q, want %q", got, dir)
	}
}

// recorder is a testing.TB that records Skip and Fatal instead of ending
// the test (it ends only its own goroutine).
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Skip(args ...any)  { r.skipped = strings.TrimSpace(fmtArgs(args)); runtime.Goexit() }
func (r *recorder) Fatal(args ...any) { r.failed = strings.TrimSpace(fmtArgs(args)); runtime.Goexit() }
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = format
	runtime.Goexit()
}
func (r *recorder) Helper() {}

func fmtArgs(args []any) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteString(a.(string))
	}
	return b.String()
}

// TestDynamoDBLocal_notInstalled: without DynamoDB Local a test is skipped,
// or fails under CI=true, with the command that installs it. It uses its own
// dynamoDBLocal so that the package's shared one is untouched.
func TestDynamoDBLocal_notInstalled(t *testing.T) {
	t.Setenv(DirEnv, t.TempDir())
	run := func(ci string) *recorder {
		t.Setenv("CI", ci)
		r := &recorder{TB: t}
		var d dynamoDBLocal
		done := make(chan struct{})
		go func() {
			defer close(done)
			dynamoDBLocalOn(r, &d)
		}()
		<-done
		return r
	}
	if r := run(""); !strings.Contains(r.skipped, "make test-deps") || r.failed != "" {
		t.Errorf("outside CI: skipped %q, failed %q; want a skip naming make test-deps", r.skipped, r.failed)
	}
	if r := run("true"); !strings.Contains(r.failed, "make test-deps") || r.skipped != "" {
		t.Errorf("CI=true: skipped %q, failed %q; want a failure naming make test-deps", r.skipped, r.failed)
	}
}
