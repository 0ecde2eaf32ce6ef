package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strings"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/workflows"
)

// useEmbedded reports whether cfg selects the embedded default.
func useEmbedded(cfg config, getenv func(string) string) bool {
	switch cfg.Mode {
	case "embedded":
		return true
	case "aws":
		return false
	}
	return cfg.DynamoEndpoint == "" && !awsSettingsPresent(getenv)
}

// dynamoConfig translates the settings into the DynamoDB to use: the
// embedded one (when allowed and selected), or the configured endpoint or
// AWS, with the SDK's usual configuration chain.
func dynamoConfig(ctx context.Context, cfg config, getenv func(string) string, allowEmbedded bool) (app.DynamoDBConfig, error) {
	out := app.DynamoDBConfig{Tables: dynamo.TableNames(cfg.TablePrefix)}
	if useEmbedded(cfg, getenv) {
		if !allowEmbedded {
			return out, errors.New("no DynamoDB configured: set SHOPGRAPH_DYNAMODB_ENDPOINT or AWS settings " +
				"(AWS_REGION, AWS_PROFILE…) and SHOPGRAPH_MODE=aws; the embedded default creates and seeds its own tables at start")
		}
		out.Embedded = true
		out.AWS.Region = cfg.Region
		out.DataDir = dataDir(cfg)
		out.Reset = cfg.Reseed
		return out, nil
	}
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(cfg.Region)}
	if cfg.DynamoEndpoint != "" {
		u, err := url.Parse(cfg.DynamoEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return out, fmt.Errorf("SHOPGRAPH_DYNAMODB_ENDPOINT must be an http(s) URL such as http://127.0.0.1:8000, got %q", cfg.DynamoEndpoint)
		}
		// Emulators on this machine accept any credentials; don't make the
		// operator invent some.
		if isLoopback(u.Hostname()) && getenv("AWS_ACCESS_KEY_ID") == "" && getenv("AWS_PROFILE") == "" {
			opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
		}
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return out, fmt.Errorf("load AWS configuration: %w", err)
	}
	out.AWS, out.Endpoint = awsCfg, cfg.DynamoEndpoint
	return out, nil
}

// stepFunctionsConfig is where the order workflows run: the local Step
// Functions beside the embedded DynamoDB's data, or SHOPGRAPH_SFN_ENDPOINT
// (else AWS) with DynamoDB's region and credentials.
func stepFunctionsConfig(cfg config, ddb app.DynamoDBConfig) app.StepFunctionsConfig {
	if ddb.Embedded {
		return app.StepFunctionsConfig{Embedded: true, DataDir: filepath.Join(ddb.DataDir, "stepfunctions"), AWS: ddb.AWS}
	}
	return app.StepFunctionsConfig{Endpoint: cfg.SFNEndpoint, AWS: ddb.AWS}
}

// ordersConfig is the order side's settings; the simulated warehouse runs
// only in the embedded default.
func ordersConfig(cfg config, embedded bool) app.OrdersConfig {
	o := app.OrdersConfig{Payments: cfg.Payments, ReturnWindow: cfg.ReturnWindow, ReconcileInterval: cfg.ReconcileEvery, ReconcileAge: cfg.ReconcileAge,
		StateMachines: map[string]string{workflows.NewOrder: cfg.NewOrderSFN, workflows.CancelOrder: cfg.CancelOrderSFN, workflows.ReturnOrder: cfg.ReturnOrderSFN}}
	if o.ReconcileInterval == 0 {
		o.ReconcileInterval = -1 // SHOPGRAPH_RECONCILE_INTERVAL=0: off
	}
	if embedded {
		o.ShipDelay, o.DeliverDelay, o.ReturnDelay = cfg.ShipDelay, cfg.DeliverDelay, cfg.ReturnDelay
	}
	return o
}

// dataDir is SHOPGRAPH_DATA_DIR, or its default inside SHOPGRAPH_STATE_DIR.
func dataDir(cfg config) string {
	if cfg.DataDir != "" {
		return cfg.DataDir
	}
	return filepath.Join(cfg.StateDir, "dynamodb")
}

// searchDir is SHOPGRAPH_SEARCH_DIR, or its default: beside the embedded
// DynamoDB's tables, or in SHOPGRAPH_STATE_DIR.
func searchDir(cfg config, ddb app.DynamoDBConfig) string {
	switch {
	case cfg.SearchDir != "":
		return cfg.SearchDir
	case ddb.Embedded:
		return filepath.Join(ddb.DataDir, "search")
	}
	return filepath.Join(cfg.StateDir, "search")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// cursorSecret returns the configured nextToken signing key, or nil (the
// embedded default then uses a random one; a configured DynamoDB refuses to
// start without one).
func cursorSecret(cfg config, embedded bool) ([]byte, error) {
	if cfg.CursorSecret == "" {
		if !embedded {
			return nil, errors.New("SHOPGRAPH_CURSOR_SECRET must be set (at least 16 bytes, the same on every instance) with a configured DynamoDB " +
				"(SHOPGRAPH_MODE=aws, SHOPGRAPH_DYNAMODB_ENDPOINT or AWS settings such as AWS_REGION); for the embedded default set SHOPGRAPH_MODE=embedded")
		}
		return nil, nil
	}
	if len(cfg.CursorSecret) < dynamo.MinCursorSecret {
		return nil, fmt.Errorf("SHOPGRAPH_CURSOR_SECRET must be at least %d bytes, got %d", dynamo.MinCursorSecret, len(cfg.CursorSecret))
	}
	return []byte(cfg.CursorSecret), nil
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
