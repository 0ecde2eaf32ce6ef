package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRun_serveRestartKeepsData: the embedded default keeps its data in
// SHOPGRAPH_DATA_DIR. A second `shopgraph serve` on the same directory starts
// without seeding again, a partner key made with createApiKey before the
// restart still works, start-up is logged with how long opening the data
// took, and --reseed starts over. A second server on a directory in use
// fails at once, naming the directory and the pid holding it.
func TestRun_serveRestartKeepsData(t *testing.T) {
	state := t.TempDir()
	e := env("SHOPGRAPH_SEED_PRODUCTS", "200", "SHOPGRAPH_STATE_DIR", state)
	base, stop, logs := startServe(t, e)
	if !strings.Contains(logs.String(), "seeded catalog") {
		t.Fatalf("the first start did not seed:\n%s", logs)
	}
	var tok bytes.Buffer
	if err := run(context.Background(), []string{"token", "--user", "admin"}, e, &tok, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	admin := strings.TrimSpace(tok.String())
	created := query(t, base, `mutation { createApiKey(partner: "acme", scopes: ["catalog:read"]) { id key } }`, "Authorization", admin)
	key := created["createApiKey"].(map[string]any)["key"].(string)
	query(t, base, `{ categories { name } }`, "x-api-key", key)

	// A second server on the same data dir is refused while the first runs.
	var out bytes.Buffer
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, e, &out, &out)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(state, "dynamodb")) || !strings.Contains(err.Error(), "process "+strconv.Itoa(os.Getpid())) {
		t.Errorf("second serve on a data dir in use: %v, want an error naming the dir and pid %d", err, os.Getpid())
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	base, stop, logs = startServe(t, e)
	if s := logs.String(); strings.Contains(s, "seeded catalog") || !strings.Contains(s, "catalog already stored: not seeding") {
		t.Errorf("the restart seeded again (or did not say it did not):\n%s", s)
	}
	if !regexp.MustCompile(`opened_in=[0-9.]+[µm]?s`).MatchString(logs.String()) {
		t.Errorf("start-up does not log how long opening the data took:\n%s", logs)
	}
	query(t, base, `{ categories { name } }`, "x-api-key", key)
	data := query(t, base, `{ categories { productCount } }`)
	total := 0
	for _, c := range data["categories"].([]any) {
		total += int(c.(map[string]any)["productCount"].(float64))
	}
	if total != 200 {
		t.Errorf("after the restart the catalog has %d products, want the 200 seeded once", total)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// --reseed starts over: the key is gone, the catalog seeded again.
	base, stop, logs = startServe(t, e, "--reseed")
	if !strings.Contains(logs.String(), "seeded catalog") {
		t.Errorf("--reseed did not seed:\n%s", logs)
	}
	if status := statusWithKey(t, base, key); status != 401 {
		t.Errorf("a key from before --reseed: status %d, want 401", status)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
