package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
)

// deferredAuth is the server's Authenticator until the real one is ready:
// the verifier fetches the dev issuer's JWKS from the server itself, so the
// server must be serving before the verifier exists.
type deferredAuth struct {
	p atomic.Pointer[auth.Authenticator]
}

func (d *deferredAuth) Authenticate(ctx context.Context, r *http.Request) (*shopgraph.Identity, error) {
	a := d.p.Load()
	if a == nil {
		return nil, errors.New("authentication is not ready yet (server starting)")
	}
	return a.Authenticate(ctx, r)
}

// issuerConfigs returns the JWT issuers to trust: the configured Cognito user
// pool and OIDC issuer, plus the dev issuer in the embedded default.
func issuerConfigs(cfg config, dev *auth.DevIssuer) ([]auth.IssuerConfig, error) {
	var out []auth.IssuerConfig
	if dev != nil {
		out = append(out, dev.IssuerConfig())
	}
	if cfg.CognitoUserPoolID != "" {
		region, _, ok := strings.Cut(cfg.CognitoUserPoolID, "_")
		if !ok || region == "" {
			return nil, fmt.Errorf("SHOPGRAPH_COGNITO_USER_POOL_ID must look like us-east-1_AbCdEf123, got %q", cfg.CognitoUserPoolID)
		}
		issuer := cfg.CognitoIssuer
		if issuer == "" {
			issuer = fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", region, cfg.CognitoUserPoolID)
		}
		out = append(out, auth.IssuerConfig{
			Issuer:    issuer,
			JWKSURL:   cfg.CognitoJWKSURL,
			ClientIDs: cfg.CognitoClientIDs,
			Mode:      shopgraph.AuthModeCognito,
		})
	}
	if cfg.OIDCIssuer != "" {
		if !strings.HasPrefix(cfg.OIDCIssuer, "https://") && !strings.HasPrefix(cfg.OIDCIssuer, "http://127.0.0.1") && !strings.HasPrefix(cfg.OIDCIssuer, "http://localhost") {
			return nil, fmt.Errorf("SHOPGRAPH_OIDC_ISSUER must be an https URL, got %q", cfg.OIDCIssuer)
		}
		out = append(out, auth.IssuerConfig{Issuer: cfg.OIDCIssuer, JWKSURL: cfg.OIDCJWKSURL, ClientIDs: cfg.OIDCClientIDs, Mode: shopgraph.AuthModeOIDC})
	}
	return out, nil
}

// additionalModes are the auth modes served besides the default (Cognito
// user pools): API keys always, OIDC when an issuer is configured.
func additionalModes(cfg config) []shopgraph.AuthMode {
	modes := []shopgraph.AuthMode{shopgraph.AuthModeAPIKey}
	if cfg.OIDCIssuer != "" {
		modes = append(modes, shopgraph.AuthModeOIDC)
	}
	return modes
}

// openDevIssuer opens the embedded default's dev issuer, whose key lives in
// the state directory so `shopgraph token` can mint tokens the running server
// accepts. baseURL is the server's own URL (its JWKS is served there).
func openDevIssuer(cfg config, baseURL string) (*auth.DevIssuer, error) {
	dev, err := auth.OpenDevIssuer(auth.DevIssuerOptions{Dir: cfg.StateDir, JWKSURL: baseURL + "/.well-known/jwks.json"})
	if err != nil {
		return nil, fmt.Errorf("open dev issuer in SHOPGRAPH_STATE_DIR %q: %w", cfg.StateDir, err)
	}
	return dev, nil
}

// unavailableAccounts answers the sign-in mutations when no user pool adapter
// is configured (AWS mode, until the Cognito adapter exists): clients sign in
// with Cognito directly (Amplify Auth) and send its tokens.
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
	email, _ := id.Claims["email"].(string)
	return shopgraph.UserProfile{Sub: id.Sub, Username: id.Username, Email: email, Groups: id.Groups}, nil
}
