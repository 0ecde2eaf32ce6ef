package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// subscriptionScript drives a subscription in the playground; it lives
// beside this file and runs with the e2e npm packages.
const subscriptionScript = "internal/browsertest/subscription.mjs"

// SubscriptionRun is one run of a subscription in RunSubscription.
type SubscriptionRun struct {
	// Headers, when not nil, replaces the text of GraphiQL's headers editor
	// (a JSON object) before the run.
	Headers *string `json:"headers"`
	// Until is text the result pane shows at the subscription's last event:
	// the run waits for it, then for the subscription to end.
	Until string `json:"until"`
}

// SubscriptionResult is what RunSubscription saw.
type SubscriptionResult struct {
	// Events holds, per run, every text the result pane showed, in order
	// (one per event GraphiQL rendered).
	Events [][]string
	// Requests are the URLs of every request the page made, WebSockets
	// included, in order.
	Requests []string
	// Console holds the page's console errors and warnings.
	Console []string
	// Screenshot is the path of a PNG of the page at the end.
	Screenshot string
}

// RunSubscription opens the playground at pageURL (a loopback URL) with
// ?query=query (a subscription) in headless Chromium and runs it once per
// run, with the execute button, recording what the result pane shows. It
// fails and skips tb as RunPlayground does.
func RunSubscription(tb testing.TB, pageURL, query string, runs []SubscriptionRun) SubscriptionResult {
	tb.Helper()
	root := Require(tb)
	specJSON, err := json.Marshal(runs)
	if err != nil {
		tb.Fatalf("browsertest: %v", err)
	}
	shot := filepath.Join(tb.TempDir(), "subscription.png")
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	script := filepath.Join(root, filepath.FromSlash(subscriptionScript))
	cmd := exec.CommandContext(ctx, "node", script, pageURL, query, shot, string(specJSON))
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(os.Environ(), "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1", "CHROMIUM_PATH="+ChromiumPath,
		"E2E_NODE_MODULES="+filepath.Join(root, filepath.FromSlash(nodeModules)))
	killGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if ctx.Err() != nil {
		tb.Fatalf("browsertest: %s did not finish in %v (killed)\nstderr:\n%s", subscriptionScript, scriptTimeout, stderr.String())
	}
	if err != nil {
		tb.Fatalf("browsertest: %s: %v\n%s", subscriptionScript, err, strings.TrimSpace(stderr.String()))
	}
	var out struct {
		Runs []struct {
			Events []string `json:"events"`
		} `json:"runs"`
		Requests []string `json:"requests"`
		Console  []string `json:"console"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &out); err != nil {
		tb.Fatalf("browsertest: %s printed no JSON result (%v): %q\nstderr:\n%s", subscriptionScript, err, stdout.String(), stderr.String())
	}
	res := SubscriptionResult{Requests: out.Requests, Console: out.Console, Screenshot: shot}
	for _, r := range out.Runs {
		res.Events = append(res.Events, r.Events)
	}
	if len(res.Events) != len(runs) {
		tb.Fatalf("browsertest: %s reported %d runs, want %d", subscriptionScript, len(res.Events), len(runs))
	}
	keepScreenshot(tb, shot)
	return res
}

// String is a helper for SubscriptionRun.Headers.
func String(s string) *string { return &s }
