// Package cognito is the Amazon Cognito adapter: it implements the
// shopgraph.Accounts port (sign-up, sign-in, refresh, sign-out, password
// reset, profile) with a user pool's public app-client API through
// aws-sdk-go-v2's cognitoidentityprovider client. It imports only the root
// package and the AWS SDK. Tests run it against cognito-local.
package cognito

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"
	"github.com/golang-jwt/jwt/v5"

	"github.com/shopgraph/shopgraph"
)

// API lists the Cognito user pool calls Accounts makes;
// *cognitoidentityprovider.Client satisfies it.
type API interface {
	SignUp(context.Context, *cip.SignUpInput, ...func(*cip.Options)) (*cip.SignUpOutput, error)
	ConfirmSignUp(context.Context, *cip.ConfirmSignUpInput, ...func(*cip.Options)) (*cip.ConfirmSignUpOutput, error)
	InitiateAuth(context.Context, *cip.InitiateAuthInput, ...func(*cip.Options)) (*cip.InitiateAuthOutput, error)
	RevokeToken(context.Context, *cip.RevokeTokenInput, ...func(*cip.Options)) (*cip.RevokeTokenOutput, error)
	ForgotPassword(context.Context, *cip.ForgotPasswordInput, ...func(*cip.Options)) (*cip.ForgotPasswordOutput, error)
	ConfirmForgotPassword(context.Context, *cip.ConfirmForgotPasswordInput, ...func(*cip.Options)) (*cip.ConfirmForgotPasswordOutput, error)
	GetUser(context.Context, *cip.GetUserInput, ...func(*cip.Options)) (*cip.GetUserOutput, error)
}

// Accounts implements shopgraph.Accounts with a Cognito user pool's
// public (app client) API, the calls Amplify Auth makes: SignUp,
// ConfirmSignUp, InitiateAuth (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH),
// RevokeToken, ForgotPassword, ConfirmForgotPassword and GetUser. The app
// client must allow USER_PASSWORD_AUTH and have no secret.
type Accounts struct {
	API      API
	ClientID string
}

var _ shopgraph.Accounts = (*Accounts)(nil)

// cognitoError translates a Cognito error into the closed set of account
// codes (shopgraph.AccountErrorCodes): a client error whose exception name is
// in the set keeps it and Cognito's (user-facing) message. Anything else (a server fault, an exception outside the set such as
// ResourceNotFoundException for a misconfigured pool, a network failure) is
// internal: wrapped with the operation, logged by the presenter, never shown.
func cognitoError(op string, err error) error {
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorFault() != smithy.FaultServer {
		code := shopgraph.ErrorCode(api.ErrorCode())
		if r, ok := rewrites[rewriteKey{op, code}]; ok {
			if r.code == "" {
				return nil
			}
			return &shopgraph.Error{Code: r.code, Message: r.message}
		}
		if code == "TooManyRequestsException" || code == "TooManyFailedAttemptsException" {
			code = shopgraph.CodeTooManyAttempts
		}
		if slices.Contains(shopgraph.AccountErrorCodes(), code) {
			return &shopgraph.Error{Code: code, Message: api.ErrorMessage()}
		}
	}
	return fmt.Errorf("cognito %s: %w", op, err)
}

// rewriteKey is an operation and the exception Cognito answered it with.
type rewriteKey struct {
	op   string
	code shopgraph.ErrorCode
}

// rewrite is the answer given instead; a zero code means success.
type rewrite struct {
	code    shopgraph.ErrorCode
	message string
}

var (
	wrongPassword = rewrite{shopgraph.CodeNotAuthorized, "Incorrect username or password."}
	wrongCode     = rewrite{shopgraph.CodeMismatch, "Invalid verification code provided, please try again."}
)

// rewrites are the answers the adapter changes. The account flows never
// tell who exists, whatever the pool's PreventUserExistenceErrors setting:
// an unknown user is answered as a wrong password, a wrong code or (a reset
// request) success, and confirming a confirmed user as a wrong code.
// cognito-local says InvalidPasswordException for a wrong password, where
// Cognito says NotAuthorized.
var rewrites = map[rewriteKey]rewrite{
	{"sign in", shopgraph.CodeInvalidPassword}:              wrongPassword,
	{"sign in", shopgraph.CodeUserNotFound}:                 wrongPassword,
	{"refresh session", shopgraph.CodeUserNotFound}:         wrongPassword,
	{"sign out", shopgraph.CodeUserNotFound}:                wrongPassword,
	{"forgot password", shopgraph.CodeUserNotFound}:         {},
	{"confirm sign-up", shopgraph.CodeUserNotFound}:         wrongCode,
	{"confirm sign-up", shopgraph.CodeNotAuthorized}:        wrongCode,
	{"confirm forgot password", shopgraph.CodeUserNotFound}: wrongCode,
}

// SignUp implements shopgraph.Accounts.
func (c *Accounts) SignUp(ctx context.Context, username, password, email string) (string, error) {
	out, err := c.API.SignUp(ctx, &cip.SignUpInput{
		ClientId: aws.String(c.ClientID), Username: aws.String(username), Password: aws.String(password),
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}},
	})
	if err != nil {
		return "", cognitoError("sign up", err)
	}
	return aws.ToString(out.UserSub), nil
}

// ConfirmSignUp implements shopgraph.Accounts.
func (c *Accounts) ConfirmSignUp(ctx context.Context, username, code string) error {
	_, err := c.API.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{ClientId: aws.String(c.ClientID), Username: aws.String(username), ConfirmationCode: aws.String(code)})
	if err != nil {
		return cognitoError("confirm sign-up", err)
	}
	return nil
}

// SignIn implements shopgraph.Accounts.
func (c *Accounts) SignIn(ctx context.Context, username, password string) (shopgraph.Session, error) {
	out, err := c.API.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(c.ClientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth,
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": password},
	})
	if err != nil {
		return shopgraph.Session{}, cognitoError("sign in", err)
	}
	return sessionOf(out, "")
}

// RefreshSession implements shopgraph.Accounts.
func (c *Accounts) RefreshSession(ctx context.Context, refreshToken string) (shopgraph.Session, error) {
	out, err := c.API.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(c.ClientID), AuthFlow: types.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": refreshToken},
	})
	if err != nil {
		return shopgraph.Session{}, cognitoError("refresh session", err)
	}
	return sessionOf(out, refreshToken)
}

// sessionOf reads InitiateAuth's tokens. A challenge (MFA, new password) is
// not supported yet and is a clear error.
func sessionOf(out *cip.InitiateAuthOutput, refresh string) (shopgraph.Session, error) {
	r := out.AuthenticationResult
	if r == nil {
		return shopgraph.Session{}, shopgraph.Errorf(shopgraph.CodeBadRequest, "sign-in needs the %s challenge, which shopgraph does not support yet", out.ChallengeName)
	}
	s := shopgraph.Session{IDToken: aws.ToString(r.IdToken), AccessToken: aws.ToString(r.AccessToken), RefreshToken: aws.ToString(r.RefreshToken)}
	if s.RefreshToken == "" {
		s.RefreshToken = refresh
	}
	switch {
	case r.ExpiresIn > 0:
		s.ExpiresAt = time.Now().Add(time.Duration(r.ExpiresIn) * time.Second)
	default:
		// cognito-local omits ExpiresIn: read exp from the token Cognito
		// just issued (the client verifies it on every use anyway).
		var claims jwt.RegisteredClaims
		if _, _, err := jwt.NewParser().ParseUnverified(s.IDToken, &claims); err == nil && claims.ExpiresAt != nil {
			s.ExpiresAt = claims.ExpiresAt.Time
		}
	}
	return s, nil
}

// SignOut implements shopgraph.Accounts: RevokeToken, as Amplify v6 does.
func (c *Accounts) SignOut(ctx context.Context, refreshToken string) error {
	if _, err := c.API.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: aws.String(c.ClientID), Token: aws.String(refreshToken)}); err != nil {
		return cognitoError("sign out", err)
	}
	return nil
}

// ForgotPassword implements shopgraph.Accounts.
func (c *Accounts) ForgotPassword(ctx context.Context, username string) error {
	if _, err := c.API.ForgotPassword(ctx, &cip.ForgotPasswordInput{ClientId: aws.String(c.ClientID), Username: aws.String(username)}); err != nil {
		return cognitoError("forgot password", err)
	}
	return nil
}

// ConfirmForgotPassword implements shopgraph.Accounts.
func (c *Accounts) ConfirmForgotPassword(ctx context.Context, username, code, newPassword string) error {
	_, err := c.API.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{
		ClientId: aws.String(c.ClientID), Username: aws.String(username), ConfirmationCode: aws.String(code), Password: aws.String(newPassword),
	})
	if err != nil {
		return cognitoError("confirm forgot password", err)
	}
	return nil
}

// Profile implements shopgraph.Accounts: an ID token's claims have the
// email; for an access token (what Amplify v6 sends) it asks GetUser.
func (c *Accounts) Profile(ctx context.Context, id shopgraph.Identity) (shopgraph.UserProfile, error) {
	p := shopgraph.UserProfile{Sub: id.Sub, Username: id.Username, Groups: id.Groups}
	if email, ok := id.Claims()["email"].(string); ok || id.TokenUse != shopgraph.TokenUseAccess || id.Token == "" {
		p.Email = email
		return p, nil
	}
	out, err := c.API.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(id.Token)})
	if err != nil {
		return p, cognitoError("get user", err)
	}
	for _, a := range out.UserAttributes {
		if aws.ToString(a.Name) == "email" {
			p.Email = aws.ToString(a.Value)
		}
	}
	return p, nil
}
