package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/local"
	"github.com/shopgraph/shopgraph/seed"
)

// backend is the DynamoDB the process talks to, embedded or configured.
type backend struct {
	embedded bool
	awsCfg   aws.Config
	endpoint string
	client   *dynamodb.Client
	tables   dynamo.Tables
	close    func(context.Context) error
}

// embedded reports whether cfg selects the embedded default.
func useEmbedded(cfg config, getenv func(string) string) bool {
	switch cfg.Mode {
	case "embedded":
		return true
	case "aws":
		return false
	}
	return cfg.DynamoEndpoint == "" && !awsSettingsPresent(getenv)
}

// openBackend connects to the configured DynamoDB, or starts the embedded
// one (minidyn's DynamoDB API server, in process) when allowEmbedded.
// The same SDK client code runs either way; only the endpoint differs.
func openBackend(ctx context.Context, cfg config, getenv func(string) string, allowEmbedded bool) (*backend, error) {
	tables := dynamo.TableNames(cfg.TablePrefix)
	if useEmbedded(cfg, getenv) {
		if !allowEmbedded {
			return nil, errors.New("no DynamoDB configured: set SHOPGRAPH_DYNAMODB_ENDPOINT or AWS settings " +
				"(AWS_REGION, AWS_PROFILE…); the embedded default creates and seeds its own tables at start")
		}
		emb, err := local.StartDynamoDB(ctx)
		if err != nil {
			return nil, fmt.Errorf("start embedded DynamoDB: %w", err)
		}
		client := dynamo.NewClient(local.AWSConfig(cfg.Region), emb.Endpoint)
		return &backend{embedded: true, awsCfg: local.AWSConfig(cfg.Region), endpoint: emb.Endpoint, client: client, tables: tables, close: emb.Close}, nil
	}

	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(cfg.Region)}
	if cfg.DynamoEndpoint != "" {
		u, err := url.Parse(cfg.DynamoEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("SHOPGRAPH_DYNAMODB_ENDPOINT must be an http(s) URL such as http://127.0.0.1:8000, got %q", cfg.DynamoEndpoint)
		}
		// Emulators on this machine accept any credentials; don't make the
		// operator invent some.
		if isLoopback(u.Hostname()) && getenv("AWS_ACCESS_KEY_ID") == "" && getenv("AWS_PROFILE") == "" {
			opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
		}
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return &backend{
		awsCfg:   awsCfg,
		endpoint: cfg.DynamoEndpoint,
		client:   dynamo.NewClient(awsCfg, cfg.DynamoEndpoint),
		tables:   tables,
		close:    func(context.Context) error { return nil },
	}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// cursorSecret returns the nextToken signing key: the configured one, or in
// the embedded default a random one.
func cursorSecret(cfg config, embedded bool) ([]byte, error) {
	if cfg.CursorSecret != "" {
		if len(cfg.CursorSecret) < 16 {
			return nil, fmt.Errorf("SHOPGRAPH_CURSOR_SECRET must be at least 16 bytes, got %d", len(cfg.CursorSecret))
		}
		return []byte(cfg.CursorSecret), nil
	}
	if !embedded {
		return nil, errors.New("SHOPGRAPH_CURSOR_SECRET must be set (at least 16 bytes, the same on every instance) when using AWS DynamoDB")
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b, nil
}

func (b *backend) store(cfg config) (*dynamo.Store, error) {
	secret, err := cursorSecret(cfg, b.embedded)
	if err != nil {
		return nil, err
	}
	return dynamo.New(b.client, dynamo.Options{Tables: b.tables, CursorSecret: secret, CacheTTL: cfg.CacheTTL})
}

// storeWithoutCursors opens the store for commands that never page (seed,
// apikey), so they need no SHOPGRAPH_CURSOR_SECRET.
func (b *backend) storeWithoutCursors(cfg config) (*dynamo.Store, error) {
	if cfg.CursorSecret == "" {
		secret := make([]byte, 32)
		_, _ = rand.Read(secret)
		cfg.CursorSecret = string(secret)
	}
	return b.store(cfg)
}

// seedCatalog generates the deterministic demo catalog and writes it.
func seedCatalog(ctx context.Context, store *dynamo.Store, products int, log *slog.Logger) (seed.Catalog, error) {
	c := seed.Generate(seed.Options{Products: products})
	start, last := time.Now(), time.Now()
	err := store.Seed(ctx, dynamo.SeedData{
		Warehouses: c.Warehouses, Categories: c.Categories, Products: c.Products, Stock: c.Stock,
	}, func(done, total int) {
		if time.Since(last) >= 2*time.Second {
			last = time.Now()
			log.Info("seeding", "items", done, "of", total)
		}
	})
	if err != nil {
		return c, fmt.Errorf("seed catalog: %w", err)
	}
	log.Info("seeded catalog", "products", len(c.Products), "categories", len(c.Categories),
		"warehouses", len(c.Warehouses), "stock_records", len(c.Stock), "took", time.Since(start).Round(time.Millisecond))
	return c, nil
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

// ready checks that DynamoDB answers and the Products table exists.
func (b *backend) ready(ctx context.Context) error {
	_, err := b.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(b.tables.Products)})
	return err
}
