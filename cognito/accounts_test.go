package cognito_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/cognito"
	"github.com/shopgraph/shopgraph/internal/cognitotest"
)

// TestCognitoAccounts_cognitoLocal: the Cognito adapter end to end against
// cognito-local: sign up, confirm, sign in, both tokens verified against
// cognito-local's JWKS, me with each, refresh, sign out, and a revoked
// refresh token that no longer refreshes.
func TestCognitoAccounts_cognitoLocal(t *testing.T) {
	client, endpoint := cognitotest.Start(t)
	ctx := context.Background()
	pool, err := client.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("shopgraph-test")})
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
	accounts := &cognito.Accounts{API: client, ClientID: clientID}
	v, err := auth.NewVerifier(ctx, []auth.IssuerConfig{{
		Issuer:    "https://cognito-idp.us-east-1.amazonaws.com/" + poolID,
		JWKSURL:   endpoint + "/" + poolID + "/.well-known/jwks.json",
		ClientIDs: []string{clientID}, Mode: shopgraph.AuthModeCognito,
	}}, auth.VerifierOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// cognito-local's pools sign users in by email, as many real pools do.
	const user = "dana@example.com"
	sub, err := accounts.SignUp(ctx, user, "Dana-pass-1", "dana@example.com")
	if err != nil || sub == "" {
		t.Fatalf("SignUp = %q, %v", sub, err)
	}
	if _, err := accounts.SignUp(ctx, user, "Dana-pass-1", "dana@example.com"); shopgraph.CodeOf(err) != "UsernameExistsException" {
		t.Errorf("second SignUp: %v, want UsernameExistsException", err)
	}
	if err := accounts.ConfirmSignUp(ctx, user, "000000"); shopgraph.CodeOf(err) != "CodeMismatchException" {
		t.Errorf("ConfirmSignUp with a wrong code: %v, want CodeMismatchException", err)
	}
	// cognito-local only logs the real code: confirm as an admin would.
	if _, err := client.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: aws.String(poolID), Username: aws.String(user)}); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.SignIn(ctx, user, "Wrong-pass-1"); shopgraph.CodeOf(err) != shopgraph.CodeNotAuthorized {
		t.Errorf("wrong password: %v, want %s", err, shopgraph.CodeNotAuthorized)
	}
	s, err := accounts.SignIn(ctx, user, "Dana-pass-1")
	if err != nil {
		t.Fatal(err)
	}
	if s.RefreshToken == "" || time.Until(s.ExpiresAt) <= 0 {
		t.Errorf("session = %+v", s)
	}
	for _, tok := range []string{s.IDToken, s.AccessToken} {
		id, err := v.Verify(ctx, tok)
		if err != nil {
			t.Fatalf("verify %s token: %v", tok[:10], err)
		}
		id.Token = tok
		p, err := accounts.Profile(ctx, id)
		if err != nil || p.Username == "" || p.Email != "dana@example.com" || p.Sub != sub {
			t.Errorf("Profile(%s token) = %+v, %v", id.TokenUse, p, err)
		}
	}
	r, err := accounts.RefreshSession(ctx, s.RefreshToken)
	if err != nil || r.IDToken == "" {
		t.Fatalf("RefreshSession = %v", err)
	}
	if _, err := v.Verify(ctx, r.AccessToken); err != nil {
		t.Errorf("refreshed access token: %v", err)
	}
	if err := accounts.SignOut(ctx, s.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := accounts.RefreshSession(ctx, s.RefreshToken); shopgraph.CodeOf(err) != shopgraph.CodeNotAuthorized {
		t.Errorf("refresh after sign-out: %v, want %s", err, shopgraph.CodeNotAuthorized)
	}
}
