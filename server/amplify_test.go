package server_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/apptest"
	"github.com/shopgraph/shopgraph/internal/testenv"
)

type amplifyResult struct {
	OK     bool           `json:"ok"`
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message   string `json:"message"`
		ErrorType string `json:"errorType"`
	} `json:"errors"`
}

// runAmplify runs one query through the real aws-amplify v6 client
// (test/amplify/query.mjs, installed by scripts/deps/amplify.sh).
func runAmplify(t *testing.T, endpoint, mode, credential, query string) amplifyResult {
	t.Helper()
	root, err := testenv.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, ".cache", "amplify")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "aws-amplify")); err != nil {
		testenv.Missing(t, "aws-amplify is not installed: run `make test-deps`")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "query.mjs", endpoint, mode, credential, query)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("amplify client: %v\n%s", err, stderr.String())
	}
	var res amplifyResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("amplify client printed %q: %v", out, err)
	}
	return res
}

// TestAmplify_queries: aws-amplify v6, configured as an app would be, gets
// data with apiKey and with userPool auth, and reports Amplify's
// "Unauthorized" for a bad key (which needs x-amzn-ErrorType on the 401).
func TestAmplify_queries(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 20})
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	endpoint := srv.URL + "/graphql"
	q := `query Q { warehouses { code } categories { name } }`

	r := runAmplify(t, endpoint, "apiKey", auth.DevAPIKey, q)
	if !r.OK || len(r.Data["warehouses"].([]any)) != 4 {
		t.Errorf("apiKey: %+v", r)
	}
	tokens := a.Token(t, "alice", shopgraph.TokenUseID) + " " + a.Token(t, "alice", shopgraph.TokenUseAccess)
	r = runAmplify(t, endpoint, "userPool", tokens, `query Me { me { username email } }`)
	if !r.OK || r.Data["me"].(map[string]any)["username"] != "alice" {
		t.Errorf("userPool: %+v", r)
	}
	r = runAmplify(t, endpoint, "apiKey", "sgk_ffffffffffffffff.bad", q)
	if r.OK || len(r.Errors) == 0 || r.Errors[0].Message != "Unauthorized" {
		t.Errorf("bad key: want Amplify's Unauthorized error, got %+v", r)
	}
}
