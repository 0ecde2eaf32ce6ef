// Package local is the embedded-default wing: the stand-ins that `make run`
// uses for AWS services, each behind the same wire API or port as the real
// one, so the application runs the same code against them as against AWS.
// This package starts the embedded DynamoDB (the engine in local/dynamodb:
// a durable DynamoDB JSON API server, in process on a loopback port, reached
// by the real aws-sdk-go-v2 client; only the endpoint and the credentials
// differ) and builds AWS configurations with static credentials: the
// embedded DynamoDB's own (AWSConfigFor, EmbeddedDynamoDB.AWSConfig), or
// dummy ones for emulators that accept any (AWSConfig).
//
// The embedded DynamoDB verifies AWS Signature Version 4 on every request,
// as DynamoDB does, against credentials generated at each start (or given
// in DynamoDBOptions): a process that finds the loopback port cannot use it
// without them.
// local/userpool is Cognito's stand-in.
//
// Nothing in the wing knows shopgraph's tables or the server: only the
// composition root (package app) wires them in.
package local

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/shopgraph/shopgraph/local/dynamodb"
)

// DefaultRegion is the region AWSConfig uses when given none.
const DefaultRegion = "us-east-1"

// EmbeddedDynamoDB is a running in-process embedded DynamoDB.
type EmbeddedDynamoDB struct {
	// Endpoint is the server's base URL, http://127.0.0.1:PORT.
	Endpoint string
	// Credentials are the only ones the server accepts: every request must
	// be signed with them (SigV4, service dynamodb). Build clients with
	// AWSConfig or AWSConfigFor. Keep them as secret as the data.
	Credentials aws.Credentials
	// DB is the engine behind the endpoint; tests inject faults through
	// DB.Faults().
	DB *dynamodb.DB
	// Opened is how long opening the data took (start-up is logged with
	// it).
	Opened time.Duration

	server *loopback
	region string // DynamoDBOptions.Region

	closeDB sync.Once
	dbErr   error
}

// DynamoDBOptions configure StartDynamoDBWith.
type DynamoDBOptions struct {
	// Credentials the server accepts. Zero generates fresh random ones
	// (GenerateCredentials); otherwise both AccessKeyID and SecretAccessKey
	// are required, and a SessionToken, if set, must come with every
	// request.
	Credentials aws.Credentials
	// Region requests must be signed for. Empty accepts any region in the
	// signature's credential scope (the signature still covers it).
	Region string
	// Dir is the data directory: tables and items are kept there, durably,
	// across restarts. Only one process may use it at a time (a second
	// gets *dynamodb.LockedError naming the pid). Empty means a temporary
	// store removed at Close (tests).
	Dir string
	// NoSync skips fsync on commit: faster, but a crash may lose recent
	// writes (tests and benchmarks only).
	NoSync bool
	// Logger receives the engine's logs (internal errors, TTL sweeps).
	Logger *slog.Logger
}

// StartDynamoDB starts an embedded DynamoDB with a temporary store on
// 127.0.0.1 and a free port, accepting only requests signed with fresh
// random credentials, which it exposes as Credentials (StartDynamoDBWith
// with zero options). The server runs until Close; ctx bounds only the
// start.
func StartDynamoDB(ctx context.Context) (*EmbeddedDynamoDB, error) {
	return StartDynamoDBWith(ctx, DynamoDBOptions{})
}

// StartDynamoDBWith is StartDynamoDB with options: the data directory, the
// credentials to accept (generated when zero) and the region to require.
//
// Every request must carry a valid AWS Signature Version 4 Authorization
// header for service dynamodb made with those credentials, dated within 15
// minutes of the server's clock; the server recomputes the signature over
// the method, path, query, signed headers and body. Other requests are
// answered as DynamoDB answers them, with HTTP 400 and an error the SDK
// does not retry: MissingAuthenticationTokenException (no Authorization),
// IncompleteSignatureException (a malformed one),
// UnrecognizedClientException (another access key id or session token) or
// InvalidSignatureException (a wrong signature, scope or date).
func StartDynamoDBWith(ctx context.Context, opts DynamoDBOptions) (*EmbeddedDynamoDB, error) {
	creds, err := credentialsOrGenerated("embedded DynamoDB", opts.Credentials)
	if err != nil {
		return nil, err
	}
	opened := time.Now()
	db, err := dynamodb.Open(dynamodb.Options{Dir: opts.Dir, NoSync: opts.NoSync, Logger: opts.Logger})
	if _, locked := errors.AsType[*dynamodb.LockedError](err); locked {
		return nil, err // it says all there is to say
	} else if err != nil {
		return nil, fmt.Errorf("open embedded DynamoDB: %w", err)
	}
	took := time.Since(opened)
	srv, err := serveLoopback(ctx, "embedded DynamoDB", newSigV4Verifier(creds, opts.Region, "dynamodb", db))
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return &EmbeddedDynamoDB{
		Endpoint:    srv.endpoint,
		Credentials: creds,
		DB:          db,
		Opened:      took,
		server:      srv,
		region:      opts.Region,
	}, nil
}

// Close shuts the server down gracefully: it stops accepting connections,
// waits (as long as ctx allows) for the requests in flight to finish, then
// closes every connection. Unlike http.Server.Shutdown alone, it does not
// wait for connections a client opened but never used (Shutdown gives those 5
// seconds). It returns the server's error if it had stopped by itself, or
// ctx's error if requests were still running when ctx ended (they are cut
// off). It then closes the data store (every acknowledged write is already
// on disk). Calling it more than once is safe.
func (e *EmbeddedDynamoDB) Close(ctx context.Context) error {
	err := e.server.close(ctx)
	e.closeDB.Do(func() { e.dbErr = e.DB.Close() })
	if err == nil && e.dbErr != nil {
		err = fmt.Errorf("close embedded DynamoDB data: %w", e.dbErr)
	}
	return err
}

// AWSConfig returns an AWS configuration for e: the region (e's required
// region, else DefaultRegion, when empty) and e's credentials.
func (e *EmbeddedDynamoDB) AWSConfig(region string) aws.Config {
	if region == "" {
		region = e.region
	}
	return AWSConfigFor(region, e.Credentials)
}

// AWSConfig returns an AWS configuration for local emulators that accept
// any credentials, such as DynamoDB Local: the region (DefaultRegion when
// empty) and static dummy credentials ("local"/"local"). It reads no
// environment variable, file or instance metadata. DynamoDB Local keeps a
// separate database per access key and region, so every client of one
// emulator should use the same AWSConfig. The embedded DynamoDB refuses
// these credentials: use its AWSConfig method or AWSConfigFor.
func AWSConfig(region string) aws.Config {
	return AWSConfigFor(region, aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"})
}

// AWSConfigFor returns an AWS configuration with the region (DefaultRegion
// when empty) and creds as static credentials, such as an embedded
// DynamoDB's Credentials. Like AWSConfig, it reads no environment variable,
// file or instance metadata.
func AWSConfigFor(region string, creds aws.Credentials) aws.Config {
	if region == "" {
		region = DefaultRegion
	}
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken),
	}
}

// HTTPClient returns the HTTP client for SDK clients of e
// (dynamodb.Options.HTTPClient): see loopbackHTTPClient.
func (e *EmbeddedDynamoDB) HTTPClient() *http.Client { return loopbackHTTPClient() }
