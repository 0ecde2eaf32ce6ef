package local_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph/local"
)

func TestStartDynamoDB(t *testing.T) {
	ctx := context.Background()
	ddb, err := local.StartDynamoDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ddb.Endpoint, "http://127.0.0.1:") || ddb.Server == nil {
		t.Fatalf("endpoint %q, server %v", ddb.Endpoint, ddb.Server)
	}
	client := dynamodb.NewFromConfig(local.AWSConfig(""), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(ddb.Endpoint) })
	_, err = client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("T"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable through the real SDK: %v", err)
	}
	var wg sync.WaitGroup
	for range 8 { // several connections, idle at Close
		wg.Go(func() {
			if _, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("T")}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	start := time.Now()
	closeCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := ddb.Close(closeCtx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v: it should not wait for idle or unused connections", d)
	}
	if err := ddb.Close(ctx); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(ddb.Endpoint, "http://"), time.Second); err == nil {
		t.Error("the port still accepts connections after Close")
	}
}

func TestStartDynamoDB_independent(t *testing.T) {
	ctx := context.Background()
	a, err := local.StartDynamoDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	b, err := local.StartDynamoDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close(ctx)
	if a.Endpoint == b.Endpoint || a.Server == b.Server {
		t.Error("two servers share an endpoint or a handle")
	}
	// Only POSTs of the DynamoDB JSON API are served.
	res, err := http.Get(a.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET / = %d", res.StatusCode)
	}
}

func TestAWSConfig(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "from-env")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "from-env")
	t.Setenv("AWS_REGION", "eu-west-1")
	cfg := local.AWSConfig("")
	if cfg.Region != local.DefaultRegion {
		t.Errorf("region %q, want %q", cfg.Region, local.DefaultRegion)
	}
	if local.AWSConfig("ap-south-1").Region != "ap-south-1" {
		t.Error("region not used")
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "local" || creds.SecretAccessKey != "local" {
		t.Errorf("credentials %+v, %v; want the static local ones, not the environment's", creds, err)
	}
}

func TestClose_contextEnds(t *testing.T) {
	ctx := context.Background()
	ddb, err := local.StartDynamoDB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if err := ddb.Close(done); err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Close with an ended context: %v", err)
	}
}
