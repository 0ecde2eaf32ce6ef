package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/shopgraph/shopgraph"
)

// countRequestsID is the middleware's ID in the Finalize step.
const countRequestsID = "shopgraph.CountRequests"

// CountRequests adds request accounting to an SDK operation's middleware
// stack; append it to dynamodb.Options.APIOptions (NewClient does). For
// every HTTP attempt (it sits after the retry middleware, so retries count)
// it adds the operation name ("Query", "BatchGetItem", …) to the
// *shopgraph.RequestStats in the request's context, if there is one. Adding
// it twice to one stack is harmless.
func CountRequests(stack *middleware.Stack) error {
	if _, ok := stack.Finalize.Get(countRequestsID); ok {
		return nil
	}
	mw := middleware.FinalizeMiddlewareFunc(countRequestsID, func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		if s := shopgraph.RequestStatsFromContext(ctx); s != nil {
			s.Add(awsmiddleware.GetOperationName(ctx))
		}
		return next.HandleFinalize(ctx, in)
	})
	if _, ok := stack.Finalize.Get("Retry"); ok {
		return stack.Finalize.Insert(mw, "Retry", middleware.After)
	}
	return stack.Finalize.Add(mw, middleware.After)
}

// NewClient returns the DynamoDB client the application uses, for AWS,
// DynamoDB Local and the embedded DynamoDB alike: cfg's region,
// credentials and retry settings, BaseEndpoint set to endpoint when it is not
// empty, and CountRequests appended to the API options. optFns run last.
func NewClient(cfg aws.Config, endpoint string, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	opts := []func(*dynamodb.Options){func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.APIOptions = append(o.APIOptions, CountRequests)
	}}
	return dynamodb.NewFromConfig(cfg, append(opts, optFns...)...)
}
