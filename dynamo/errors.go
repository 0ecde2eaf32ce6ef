package dynamo

import (
	"errors"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// isConditionFailed reports whether err, or an error it wraps, says that a
// write's condition expression was false: the ConditionalCheckFailedException
// of PutItem, UpdateItem or DeleteItem, or the TransactionCanceledException
// of TransactWriteItems when one of its cancellation reasons (one per item,
// "None" for the items that did not fail) is ConditionalCheckFailed. A
// transaction cancelled for other reasons only (TransactionConflict,
// ThrottlingError, ValidationError, …) is not a failed condition.
func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return true
	}
	var tce *types.TransactionCanceledException
	return errors.As(err, &tce) && slices.ContainsFunc(tce.CancellationReasons, func(r types.CancellationReason) bool {
		return aws.ToString(r.Code) == "ConditionalCheckFailed"
	})
}
