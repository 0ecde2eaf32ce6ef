package cognito_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/cognito"
	"github.com/shopgraph/shopgraph/internal/accountstest"
	"github.com/shopgraph/shopgraph/internal/cognitotest"
)

// TestCognitoAccounts_cognitoLocal runs the shopgraph.Accounts contract
// suite against the Cognito adapter on cognito-local (5.3.0, pinned in
// test/cognito-local): one cognito-local process, a fresh user pool and app
// client per case, tokens verified against the pool's JWKS as the server
// verifies Cognito's.
//
// Where cognito-local is not Cognito, the suite keeps the port's contract
// (which the adapter maps Cognito's documented answers onto) and the case is
// skipped here, with the reason:
//
//   - cognito-local only logs the codes it "sends", and cognitotest keeps its
//     logs to itself, so users are confirmed with AdminConfirmSignUp and the
//     cases that need a delivered code are skipped.
//   - cognito-local's SignUp never checks the pool's password policy
//     (lib/targets/signUp.js stores any password), where Cognito answers
//     InvalidPasswordException.
//   - cognito-local's ConfirmSignUp never looks at the user's status, only
//     at the pending code: for a user AdminConfirmSignUp confirmed (whose
//     sign-up code it leaves pending) a wrong code is CodeMismatchException,
//     for one ConfirmSignUp confirmed any code is ExpiredCodeException.
//     Cognito answers NotAuthorizedException "User cannot be confirmed.
//     Current status is CONFIRMED", which the adapter maps to
//     CodeMismatchException, so confirmed and unknown users look alike.
//
// Its pools always sign users in by email (cognito-local's default
// UsernameAttributes [email], which CreateUserPool cannot unset): usernames
// are email addresses and tokens carry the generated username, the sub, as
// Cognito's do in such pools.
func TestCognitoAccounts_cognitoLocal(t *testing.T) {
	client, endpoint := cognitotest.Start(t)
	accountstest.Run(t, func(t *testing.T) accountstest.Harness {
		ctx := t.Context()
		pool, err := client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("shopgraph-contract")})
		if err != nil {
			t.Fatal(err)
		}
		poolID := aws.ToString(pool.UserPool.Id)
		app, err := client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
			UserPoolId: aws.String(poolID), ClientName: aws.String("web"),
			ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
		})
		if err != nil {
			t.Fatal(err)
		}
		clientID := aws.ToString(app.UserPoolClient.ClientId)
		v, err := auth.NewVerifier(ctx, []auth.IssuerConfig{{
			Issuer:    "https://cognito-idp.us-east-1.amazonaws.com/" + poolID,
			JWKSURL:   endpoint + "/" + poolID + "/.well-known/jwks.json",
			ClientIDs: []string{clientID}, Mode: shopgraph.AuthModeCognito,
		}}, auth.VerifierOptions{})
		if err != nil {
			t.Fatal(err)
		}
		const noCodes = "cognito-local only logs the codes it delivers, and cognitotest does not expose its logs"
		return accountstest.Harness{
			Accounts: &cognito.Accounts{API: client, ClientID: clientID},
			Verify:   v.Verify,
			Confirm: func(t *testing.T, username string) {
				t.Helper()
				if _, err := client.AdminConfirmSignUp(t.Context(), &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(poolID), Username: aws.String(username)}); err != nil {
					t.Fatalf("AdminConfirmSignUp(%q) = %v", username, err)
				}
			},
			EmailUsernames: true,
			Skip: map[string]string{
				accountstest.CaseConfirmSignUp:              noCodes,
				accountstest.CaseConfirmForgotPassword:      noCodes,
				accountstest.CaseSignUpInvalidPassword:      "cognito-local's SignUp does not check the pool's password policy (Cognito answers InvalidPasswordException)",
				accountstest.CaseConfirmSignUpConfirmed:     "cognito-local's ConfirmSignUp ignores the user's status and checks the sign-up code AdminConfirmSignUp left pending, so its CodeMismatchException here would pass without showing what the adapter makes of Cognito's NotAuthorizedException (\"Current status is CONFIRMED\") for a confirmed user",
				accountstest.CaseConfirmForgotPasswordLimit: "cognito-local never limits wrong reset codes or ForgotPassword requests (every round answers CodeMismatchException); Cognito allows 5 to 20 an hour, then answers LimitExceededException",
				accountstest.CaseConfirmSignUpUnknownUser:   "cognito-local answers NotAuthorizedException for an unknown user's ConfirmSignUp; Cognito answers UserNotFoundException (CodeMismatchException with PreventUserExistenceErrors), which the adapter maps to CodeMismatchException",
			},
		}
	})
}
