package attr_test

import (
	"testing"

	"github.com/shopgraph/shopgraph/internal/dynamotest"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }
