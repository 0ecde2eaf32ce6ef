package userpool

import (
	"context"
	"time"

	"github.com/shopgraph/shopgraph"
)

// Accounts implements shopgraph.Accounts for the embedded default: a
// Directory for users and passwords, a Issuer for tokens. Codes
// (sign-up confirmation, password reset) are handed to Deliver, which in the
// embedded default logs them, as cognito-local does. ForgotPassword hands
// over a code for any username (within the Directory's request limit): for
// one nobody signed up with, or a user who has not confirmed, it is a code
// that never works (see Directory.ForgotPassword).
type Accounts struct {
	Users   *Directory
	Issuer  *Issuer
	TTL     time.Duration // token lifetime; default DefaultTokenTTL
	Deliver func(username, purpose, code string)
}

var _ shopgraph.Accounts = (*Accounts)(nil)

func (a *Accounts) deliver(username, purpose, code string) {
	if a.Deliver != nil && code != "" {
		a.Deliver(username, purpose, code)
	}
}

func (a *Accounts) session(u User, refresh string) (shopgraph.Session, error) {
	toks, err := a.Issuer.MintTokens(u, a.TTL)
	if err != nil {
		return shopgraph.Session{}, err
	}
	return shopgraph.Session{IDToken: toks.IDToken, AccessToken: toks.AccessToken, RefreshToken: refresh, ExpiresAt: toks.ExpiresAt}, nil
}

// SignUp implements shopgraph.Accounts.
func (a *Accounts) SignUp(_ context.Context, username, password, email string) (string, error) {
	u, code, err := a.Users.SignUp(username, password, email)
	if err != nil {
		return "", err
	}
	a.deliver(u.Username, "sign-up confirmation", code)
	return u.Sub, nil
}

// ConfirmSignUp implements shopgraph.Accounts.
func (a *Accounts) ConfirmSignUp(_ context.Context, username, code string) error {
	return a.Users.ConfirmSignUp(username, code)
}

// SignIn implements shopgraph.Accounts.
func (a *Accounts) SignIn(_ context.Context, username, password string) (shopgraph.Session, error) {
	u, err := a.Users.Authenticate(username, password)
	if err != nil {
		return shopgraph.Session{}, err
	}
	return a.session(u, a.Users.IssueRefreshToken(u))
}

// RefreshSession implements shopgraph.Accounts.
func (a *Accounts) RefreshSession(_ context.Context, refreshToken string) (shopgraph.Session, error) {
	u, err := a.Users.Refresh(refreshToken)
	if err != nil {
		return shopgraph.Session{}, err
	}
	return a.session(u, refreshToken)
}

// SignOut implements shopgraph.Accounts.
func (a *Accounts) SignOut(_ context.Context, refreshToken string) error {
	return a.Users.RevokeRefreshToken(refreshToken)
}

// ForgotPassword implements shopgraph.Accounts.
func (a *Accounts) ForgotPassword(_ context.Context, username string) error {
	code, err := a.Users.ForgotPassword(username)
	if err != nil {
		return err
	}
	a.deliver(username, "password reset", code)
	return nil
}

// ConfirmForgotPassword implements shopgraph.Accounts.
func (a *Accounts) ConfirmForgotPassword(_ context.Context, username, code, newPassword string) error {
	return a.Users.ConfirmForgotPassword(username, code, newPassword)
}

// Profile implements shopgraph.Accounts: the directory's record of the
// caller (access tokens carry no email, so the claims alone won't do).
func (a *Accounts) Profile(_ context.Context, id shopgraph.Identity) (shopgraph.UserProfile, error) {
	u, err := a.Users.Lookup(id.Username)
	if err != nil {
		return shopgraph.UserProfile{}, err
	}
	return shopgraph.UserProfile{Sub: u.Sub, Username: u.Username, Email: u.Email, Groups: u.Groups}, nil
}
