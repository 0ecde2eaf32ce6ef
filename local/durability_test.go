package local_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph/local"
)

// writerEnv makes the test binary a durability writer (see TestMain).
const writerEnv = "SHOPGRAPH_TEST_DURABILITY_WRITER"

func TestMain(m *testing.M) {
	if dir := os.Getenv(writerEnv); dir != "" {
		if err := durabilityWriter(dir); err != nil {
			fmt.Fprintln(os.Stderr, "writer:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// durabilityWriter opens the embedded DynamoDB in dir (durable: fsync on)
// and writes forever from 4 goroutines, printing each write once
// DynamoDB has acknowledged it: "put W N" for PutItem of item pW-N, and "tx
// W N" for a transaction that puts aW-N and bW-N and increments the
// counter item (conditionally on its current value, as an order decrements
// stock). It never returns on its own: the test kills it.
func durabilityWriter(dir string) error {
	ctx := context.Background()
	emb, err := local.StartDynamoDBWith(ctx, local.DynamoDBOptions{Dir: dir})
	if err != nil {
		return err
	}
	c := dynamodb.NewFromConfig(emb.AWSConfig(""), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(emb.Endpoint) })
	if _, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("durable"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		return err
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("durable"), Item: map[string]types.AttributeValue{"k": str("counter"), "n": num(0)}}); err != nil {
		return err
	}
	acks := make(chan string, 64)
	for w := range 4 {
		go func() {
			for i := 0; ; i++ {
				if w%2 == 0 {
					_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("durable"), Item: map[string]types.AttributeValue{
						"k": str(fmt.Sprintf("p%d-%d", w, i)), "v": str(strings.Repeat("x", 200))}})
					if err == nil {
						acks <- fmt.Sprintf("put %d %d", w, i)
					}
					continue
				}
				// Read the counter, then move it on by one in a transaction
				// with two more items; a lost race is retried.
				got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("durable"), Key: map[string]types.AttributeValue{"k": str("counter")}, ConsistentRead: aws.Bool(true)})
				if err != nil {
					continue
				}
				n := got.Item["n"].(*types.AttributeValueMemberN).Value
				_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Put: &types.Put{TableName: aws.String("durable"), Item: map[string]types.AttributeValue{"k": str(fmt.Sprintf("a%d-%d", w, i))}}},
					{Put: &types.Put{TableName: aws.String("durable"), Item: map[string]types.AttributeValue{"k": str(fmt.Sprintf("b%d-%d", w, i))}}},
					{Update: &types.Update{TableName: aws.String("durable"), Key: map[string]types.AttributeValue{"k": str("counter")},
						UpdateExpression: aws.String("SET n = n + :one"), ConditionExpression: aws.String("n = :n"),
						ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":n": &types.AttributeValueMemberN{Value: n}}}},
				}})
				if err == nil {
					acks <- fmt.Sprintf("tx %d %d", w, i)
				}
			}
		}()
	}
	fmt.Println("ready")
	for a := range acks {
		fmt.Println(a)
	}
	return nil
}

// TestEmbeddedDynamoDB_survivesKill9: a server killed with SIGKILL in the
// middle of a stream of acknowledged writes and transactions loses none of
// them, and no transaction is half-applied.
func TestEmbeddedDynamoDB_survivesKill9(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), writerEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	puts, txs := map[string]bool{}, map[string]bool{}
	lines := bufio.NewScanner(stdout)
	deadline := time.Now().Add(60 * time.Second)
	for lines.Scan() && len(puts)+len(txs) < 600 && time.Now().Before(deadline) {
		f := strings.Fields(lines.Text())
		switch {
		case len(f) == 3 && f[0] == "put":
			puts["p"+f[1]+"-"+f[2]] = true
		case len(f) == 3 && f[0] == "tx":
			txs[f[1]+"-"+f[2]] = true
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if len(puts) < 100 || len(txs) < 20 {
		t.Fatalf("the writer acknowledged only %d puts and %d transactions before the deadline", len(puts), len(txs))
	}

	// Reopen the data the killed process left (its lock died with it).
	ctx := context.Background()
	emb, err := local.StartDynamoDBWith(ctx, local.DynamoDBOptions{Dir: dir})
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer emb.Close(ctx)
	c := dynamodb.NewFromConfig(emb.AWSConfig(""), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(emb.Endpoint) })
	stored := map[string]bool{}
	counter := -1
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String("durable")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			k := it["k"].(*types.AttributeValueMemberS).Value
			stored[k] = true
			if k == "counter" {
				counter, _ = strconv.Atoi(it["n"].(*types.AttributeValueMemberN).Value)
			}
		}
	}
	for k := range puts {
		if !stored[k] {
			t.Errorf("acknowledged put %s is lost", k)
		}
	}
	for k := range txs {
		if !stored["a"+k] || !stored["b"+k] {
			t.Errorf("acknowledged transaction %s is lost", k)
		}
	}
	// Every transaction applied (acknowledged or not) is whole, and the
	// counter counts exactly them.
	applied := 0
	for k := range stored {
		if rest, ok := strings.CutPrefix(k, "a"); ok {
			applied++
			if !stored["b"+rest] {
				t.Errorf("transaction %s is half-applied: a%s without b%s", rest, rest, rest)
			}
		}
		if rest, ok := strings.CutPrefix(k, "b"); ok && !stored["a"+rest] {
			t.Errorf("transaction %s is half-applied: b%s without a%s", rest, rest, rest)
		}
	}
	if counter != applied {
		t.Errorf("counter = %d, but %d transactions are stored", counter, applied)
	}
	t.Logf("killed after %d acknowledged puts and %d transactions; %d transactions stored", len(puts), len(txs), applied)
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num(n int) types.AttributeValue    { return &types.AttributeValueMemberN{Value: strconv.Itoa(n)} }
