package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/shopgraph/shopgraph/internal/asltest"
	"github.com/shopgraph/shopgraph/local"
	"github.com/shopgraph/shopgraph/local/stepfunctions"
	"github.com/shopgraph/shopgraph/local/stepfunctions/asl"
)

const (
	workflowPath = "testdata/order-like.asl.json"
	workflowIn   = `{"orderId": "o-1", "items": [{"sku": "a"}, {"sku": "b"}, {"sku": "c"}, {"sku": "d"}, {"sku": "e"}]}`
	// statesPerExecution is how many states one execution of the workflow
	// enters: Init, Reserve, InStock, Lines, 5 × Line, Charge, Notify,
	// Summarize, Done.
	statesPerExecution = 13
)

// workflowLambdas answer the workflow's three Tasks as bench.mjs does.
func workflowLambdas() map[string]stepfunctions.LambdaHandler {
	return map[string]stepfunctions.LambdaHandler{
		"reserve": func(context.Context, json.RawMessage) (json.RawMessage, error) {
			return json.RawMessage(`{"ok":true}`), nil
		},
		"charge": func(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
			var in struct {
				OrderID string `json:"orderId"`
			}
			if err := json.Unmarshal(p, &in); err != nil {
				return nil, err
			}
			return json.Marshal(map[string]string{"paymentId": "pay-" + in.OrderID})
		},
		"notify": func(context.Context, json.RawMessage) (json.RawMessage, error) { return json.RawMessage(`{}`), nil },
	}
}

type sfnFigures struct {
	execPerSec, transPerSec, stateMicros float64
}

// localWorkflow is the local Step Functions as `make run` runs it (a data
// directory, fsync on every commit), with the workflow created.
type localWorkflow struct {
	sf      *local.EmbeddedStepFunctions
	client  *sfn.Client
	machine string
}

func startLocalWorkflow(b *testing.B, noSync bool) *localWorkflow {
	b.Helper()
	ctx := context.Background()
	sf, err := local.StartStepFunctions(ctx, local.StepFunctionsOptions{Dir: b.TempDir(), NoSync: noSync, Lambda: workflowLambdas()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sf.Close(context.Background()) })
	client := sfn.NewFromConfig(sf.AWSConfig(), func(o *sfn.Options) { o.BaseEndpoint = aws.String(sf.Endpoint); o.HTTPClient = sf.HTTPClient() })
	def, err := os.ReadFile(workflowPath)
	if err != nil {
		b.Fatal(err)
	}
	out, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("order-like"), Definition: aws.String(string(def)),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/bench")})
	if err != nil {
		b.Fatal(err)
	}
	return &localWorkflow{sf: sf, client: client, machine: *out.StateMachineArn}
}

var execSeq atomic.Int64

// start starts one execution through the API.
func (w *localWorkflow) start(b *testing.B) string {
	out, err := w.client.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: &w.machine,
		Name: aws.String(fmt.Sprintf("x-%d", execSeq.Add(1))), Input: aws.String(workflowIn)})
	if err != nil {
		b.Fatal(err)
	}
	return *out.ExecutionArn
}

// waitSucceeded waits until n executions have succeeded since Open (the
// engine's counter: polling DescribeExecution would load the server being
// measured); a failed one fails the benchmark.
func (w *localWorkflow) waitSucceeded(b *testing.B, n int64) {
	for {
		st := w.sf.Service.Stats()
		if st.Failed+st.TimedOut+st.Aborted > 0 {
			b.Fatalf("an execution did not succeed: %+v", st)
		}
		if st.Succeeded >= n {
			return
		}
		time.Sleep(20 * time.Microsecond)
	}
}

// output is an execution's output.
func (w *localWorkflow) output(b *testing.B, arn string) any {
	d, err := w.client.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: &arn})
	if err != nil {
		b.Fatal(err)
	}
	v, err := asl.DecodeJSON([]byte(aws.ToString(d.Output)))
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkStepFunctions runs the 10-state workflow (3 Tasks, a Choice, a
// Map of 5, a Retry) on the local Step Functions through the real sfn
// client, durably (and, to show the engine's own cost, without fsync), one
// execution at a time and with 8 concurrent starters,
// and the same definition on aws-local-stepfunctions (npm, in-memory, one at
// a time) in the same run. Prints executions/s, transitions/s, per-state
// overhead and the ratio.
func BenchmarkStepFunctions(b *testing.B) {
	figs := map[string]sfnFigures{}
	var lastOutput any
	for _, durable := range []bool{true, false} {
		key := map[bool]string{true: "local/1", false: "local/1/nosync"}[durable]
		b.Run(fmt.Sprintf("engine=local/starters=1/fsync=%v", durable), func(b *testing.B) {
			w := startLocalWorkflow(b, !durable)
			var arn string
			b.ResetTimer()
			began := time.Now()
			for i := range b.N {
				arn = w.start(b)
				w.waitSucceeded(b, int64(i+1))
			}
			elapsed := time.Since(began)
			b.StopTimer()
			lastOutput = w.output(b, arn)
			f := sfnFigures{execPerSec: float64(b.N) / elapsed.Seconds()}
			f.transPerSec = f.execPerSec * statesPerExecution
			f.stateMicros = float64(elapsed.Microseconds()) / float64(b.N) / statesPerExecution
			b.ReportMetric(f.execPerSec, "executions/s")
			b.ReportMetric(f.stateMicros, "µs/state")
			figs[key] = f
		})
	}
	b.Run("engine=local/starters=8/fsync=true", func(b *testing.B) {
		w := startLocalWorkflow(b, false)
		b.ResetTimer()
		began := time.Now()
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for next.Add(1) <= int64(b.N) {
					w.start(b)
				}
			})
		}
		wg.Wait()
		w.waitSucceeded(b, int64(b.N))
		elapsed := time.Since(began)
		b.StopTimer()
		st := w.sf.Service.Stats()
		if st.Transitions != int64(b.N)*statesPerExecution {
			b.Fatalf("%d transitions for %d executions, want %d each", st.Transitions, b.N, statesPerExecution)
		}
		f := sfnFigures{execPerSec: float64(b.N) / elapsed.Seconds(), transPerSec: float64(st.Transitions) / elapsed.Seconds()}
		b.ReportMetric(f.execPerSec, "executions/s")
		b.ReportMetric(f.transPerSec, "transitions/s")
		figs["local/8"] = f
	})
	b.Run("engine=aws-local-stepfunctions", func(b *testing.B) {
		r := asltest.RunNode(b, workflowPath, []byte(workflowIn), b.N)
		b.StopTimer()
		got, err := asl.DecodeJSON(r.Output)
		if err != nil {
			b.Fatal(err)
		}
		if lastOutput != nil && !asl.EqualJSON(got, lastOutput) {
			b.Fatalf("aws-local-stepfunctions output %s, local %s", r.Output, asl.EncodeJSON(lastOutput))
		}
		f := sfnFigures{execPerSec: float64(r.Executions) / r.Seconds}
		f.transPerSec = f.execPerSec * statesPerExecution
		f.stateMicros = r.Seconds * 1e6 / float64(r.Executions) / statesPerExecution
		b.ReportMetric(f.execPerSec, "executions/s")
		b.ReportMetric(f.stateMicros, "µs/state")
		figs["node"] = f
	})
	l1, ok1 := figs["local/1"]
	l8, ok2 := figs["local/8"]
	n, ok3 := figs["node"]
	ln, ok4 := figs["local/1/nosync"]
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return
	}
	w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nStep Functions: the 10-state workflow (13 states entered per execution)\nengine\tmode\texecutions/s\ttransitions/s\tµs per state")
	fmt.Fprintf(w, "local (sfn API, durable)\t1 at a time\t%.0f\t%.0f\t%.0f\n", l1.execPerSec, l1.transPerSec, l1.stateMicros)
	fmt.Fprintf(w, "local (sfn API, no fsync)\t1 at a time\t%.0f\t%.0f\t%.0f\n", ln.execPerSec, ln.transPerSec, ln.stateMicros)
	fmt.Fprintf(w, "local (sfn API, durable)\t8 starters\t%.0f\t%.0f\t\n", l8.execPerSec, l8.transPerSec)
	fmt.Fprintf(w, "aws-local-stepfunctions (in memory, no API)\t1 at a time\t%.0f\t%.0f\t%.0f\n", n.execPerSec, n.transPerSec, n.stateMicros)
	fmt.Fprintf(w, "ratio local ÷ aws-local-stepfunctions\t1 at a time\t%.2fx\t\t\n", l1.execPerSec/n.execPerSec)
	fmt.Fprintf(w, "ratio local (no fsync) ÷ aws-local-stepfunctions\t1 at a time\t%.2fx\t\t\n", ln.execPerSec/n.execPerSec)
	fmt.Fprintf(w, "ratio local ÷ aws-local-stepfunctions\t8 starters vs 1\t%.2fx\t\t\n", l8.execPerSec/n.execPerSec)
	w.Flush()
}
