package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/local"
)

// serverStateFile, in SHOPGRAPH_STATE_DIR, is where a running embedded server
// says how to reach it and its in-process DynamoDB, so that `shopgraph
// apikey` run from the same directory manages that server's keys (as
// `shopgraph token` uses the dev issuer key kept in the same directory).
const serverStateFile = "server.json"

// serverState is the content of serverStateFile.
type serverState struct {
	PID              int    `json:"pid"`
	GraphQL          string `json:"graphql"`
	DynamoDBEndpoint string `json:"dynamodbEndpoint"`
	// The embedded DynamoDB verifies SigV4 with credentials made at each
	// start; only this file (mode 0600, in a 0700 directory) holds them.
	DynamoDBAccessKeyID     string    `json:"dynamodbAccessKeyId"`
	DynamoDBSecretAccessKey string    `json:"dynamodbSecretAccessKey"`
	TablePrefix             string    `json:"tablePrefix"`
	Region                  string    `json:"region"`
	StartedAt               time.Time `json:"startedAt"`
}

// writeServerState records st in dir and returns a function that removes
// the record again, unless another server has replaced it meanwhile.
func writeServerState(dir string, st serverState) (remove func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create SHOPGRAPH_STATE_DIR %q: %w", dir, err)
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, serverStateFile)
	tmp, err := os.CreateTemp(dir, serverStateFile+".*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	// Rename is atomic: a reader sees the old record or the new one.
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return func() {
		if cur, err := readServerState(dir); err == nil && cur.PID == st.PID && cur.StartedAt.Equal(st.StartedAt) {
			_ = os.Remove(path)
		}
	}, nil
}

// readServerState reads the running embedded server's record from dir.
func readServerState(dir string) (serverState, error) {
	path := filepath.Join(dir, serverStateFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return serverState{}, fmt.Errorf("no running embedded server found: %s does not exist. Start one from this directory "+
			"(make run, or go run ./cmd/shopgraph serve) with the same SHOPGRAPH_STATE_DIR, or set SHOPGRAPH_DYNAMODB_ENDPOINT or AWS "+
			"settings to use a configured DynamoDB", path)
	}
	if err != nil {
		return serverState{}, err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return serverState{}, fmt.Errorf("%s holds the embedded DynamoDB's credentials but is accessible to other users (mode %o): "+
			"remove it and restart the server (it writes the file 0600)", path, fi.Mode().Perm())
	}
	var st serverState
	if err := json.Unmarshal(b, &st); err != nil || st.DynamoDBEndpoint == "" || st.DynamoDBAccessKeyID == "" || st.DynamoDBSecretAccessKey == "" {
		return serverState{}, fmt.Errorf("%s is not a shopgraph server record (delete it and restart the server)", path)
	}
	return st, nil
}

// runningEmbedded connects to the DynamoDB of the embedded server recorded
// in dir, and checks that it answers.
func runningEmbedded(ctx context.Context, dir string) (*app.DynamoDB, error) {
	st, err := readServerState(dir)
	if err != nil {
		return nil, err
	}
	ddb, err := app.OpenDynamoDB(ctx, app.DynamoDBConfig{
		Endpoint: st.DynamoDBEndpoint, Tables: dynamo.TableNames(st.TablePrefix),
		AWS: local.AWSConfigFor(st.Region, aws.Credentials{AccessKeyID: st.DynamoDBAccessKeyID, SecretAccessKey: st.DynamoDBSecretAccessKey})})
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if _, err := ddb.Client.DescribeTable(pctx, &dynamodb.DescribeTableInput{TableName: aws.String(ddb.Tables.APIKeys)},
		func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 }); err != nil {
		return nil, fmt.Errorf("the embedded server recorded in %s (pid %d, %s, started %s) does not answer; "+
			"it has probably stopped: start it again: %w", filepath.Join(dir, serverStateFile), st.PID, st.GraphQL,
			st.StartedAt.Local().Format(time.DateTime), err)
	}
	return ddb, nil
}
