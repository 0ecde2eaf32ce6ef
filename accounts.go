package shopgraph

import (
	"context"
	"time"
)

// Session is the result of a sign-in: Cognito's ID, access and refresh
// tokens. ExpiresAt is when the ID and access tokens expire.
type Session struct {
	IDToken      string
	AccessToken  string
	RefreshToken string
	ExpiresAt    time.Time
}

// UserProfile is what `me` shows of the signed-in user.
type UserProfile struct {
	Sub      string
	Username string
	Email    string
	Groups   []string
}

// Accounts is the user-pool side of identity: sign-up, sign-in and the
// password flows, as Cognito's user pool API offers them. The embedded
// default implements it over a local user directory; on AWS, Cognito's
// cognitoidentityprovider API does.
//
// Errors are *Error values whose Code is Cognito's exception name where one
// applies (NotAuthorizedException, UsernameExistsException,
// CodeMismatchException, InvalidPasswordException, …), BadRequest for
// invalid input, or an internal error.
type Accounts interface {
	// SignUp registers a user, who must confirm with the code delivered
	// out of band. It returns the new user's sub.
	SignUp(ctx context.Context, username, password, email string) (sub string, err error)
	ConfirmSignUp(ctx context.Context, username, code string) error
	SignIn(ctx context.Context, username, password string) (Session, error)
	// RefreshSession exchanges a refresh token for new ID and access tokens
	// (RefreshToken of the result is the one given).
	RefreshSession(ctx context.Context, refreshToken string) (Session, error)
	// SignOut revokes the refresh token, as Amplify v6 does.
	SignOut(ctx context.Context, refreshToken string) error
	ForgotPassword(ctx context.Context, username string) error
	ConfirmForgotPassword(ctx context.Context, username, code, newPassword string) error
	// Profile returns the signed-in caller's profile.
	Profile(ctx context.Context, id Identity) (UserProfile, error)
}
