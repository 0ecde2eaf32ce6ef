package dynamodb_test

import (
	"testing"

	"github.com/shopgraph/shopgraph/internal/dynamotest"
)

// TestMain stops the test binary's DynamoDB Local (started by the first
// test that asks for it: the differential suite) at exit.
func TestMain(m *testing.M) {
	dynamotest.Main(m)
}
