package app

import (
	"context"

	"github.com/shopgraph/shopgraph"
)

// unavailableAccounts answers the account mutations when no user pool app
// client is configured (AWS mode without SHOPGRAPH_COGNITO_CLIENT_IDS):
// clients sign in with Cognito directly (Amplify Auth) and send its tokens;
// `me` is served from the verified token's claims.
type unavailableAccounts struct{}

var errNoAccounts = shopgraph.Errorf(shopgraph.CodeBadRequest,
	"sign-in through shopgraph is not configured here; sign in with the Cognito user pool directly and send its token")

func (unavailableAccounts) SignUp(context.Context, string, string, string) (string, error) {
	return "", errNoAccounts
}
func (unavailableAccounts) ConfirmSignUp(context.Context, string, string) error { return errNoAccounts }
func (unavailableAccounts) SignIn(context.Context, string, string) (shopgraph.Session, error) {
	return shopgraph.Session{}, errNoAccounts
}
func (unavailableAccounts) RefreshSession(context.Context, string) (shopgraph.Session, error) {
	return shopgraph.Session{}, errNoAccounts
}
func (unavailableAccounts) SignOut(context.Context, string) error        { return errNoAccounts }
func (unavailableAccounts) ForgotPassword(context.Context, string) error { return errNoAccounts }
func (unavailableAccounts) ConfirmForgotPassword(context.Context, string, string, string) error {
	return errNoAccounts
}

// Profile serves `me` from the verified token's claims.
func (unavailableAccounts) Profile(_ context.Context, id shopgraph.Identity) (shopgraph.UserProfile, error) {
	email, _ := id.Claims()["email"].(string)
	return shopgraph.UserProfile{Sub: id.Sub, Username: id.Username, Email: email, Groups: id.Groups}, nil
}
