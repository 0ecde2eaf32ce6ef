package dynamo

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

func TestIsConditionFailed(t *testing.T) {
	reasons := func(codes ...string) *types.TransactionCanceledException {
		e := &types.TransactionCanceledException{Message: aws.String("Transaction cancelled")}
		for _, c := range codes {
			e.CancellationReasons = append(e.CancellationReasons, types.CancellationReason{Code: aws.String(c)})
		}
		return e
	}
	// sdkWrapped wraps err the way the SDK returns a service error.
	sdkWrapped := func(op string, err error) error {
		return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: op, Err: &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{}, Err: err},
			RequestID:     "r1",
		}}
	}
	for name, c := range map[string]struct {
		err  error
		want bool
	}{
		"nil":                                {nil, false},
		"another error":                      {errors.New("boom"), false},
		"ConditionalCheckFailedException":    {&types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}, true},
		"wrapped ConditionalCheckFailed":     {fmt.Errorf("create API key: %w", sdkWrapped("PutItem", &types.ConditionalCheckFailedException{})), true},
		"transaction: a condition failed":    {reasons("None", "ConditionalCheckFailed", "None"), true},
		"transaction: first item's failed":   {reasons("ConditionalCheckFailed"), true},
		"wrapped transaction":                {fmt.Errorf("place order: %w", sdkWrapped("TransactWriteItems", reasons("None", "None", "ConditionalCheckFailed"))), true},
		"transaction: a conflict":            {reasons("None", "TransactionConflict"), false},
		"transaction: throttled, validation": {reasons("ThrottlingError", "ValidationError", "None"), false},
		"transaction: no reasons":            {reasons(), false},
		"transaction: nil reason code":       {&types.TransactionCanceledException{CancellationReasons: []types.CancellationReason{{}}}, false},
		"wrapped transaction conflict":       {sdkWrapped("TransactWriteItems", reasons("TransactionConflict", "None")), false},
		"another DynamoDB exception":         {sdkWrapped("PutItem", &types.TransactionConflictException{}), false},
	} {
		if got := isConditionFailed(c.err); got != c.want {
			t.Errorf("%s: isConditionFailed(%v) = %v, want %v", name, c.err, got, c.want)
		}
	}
}
