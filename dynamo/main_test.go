package dynamo_test

import (
	"testing"

	"github.com/shopgraph/shopgraph/internal/dynamotest"
)

// TestMain stops the shared DynamoDB Local JVM after the tests.
func TestMain(m *testing.M) { dynamotest.Main(m) }
