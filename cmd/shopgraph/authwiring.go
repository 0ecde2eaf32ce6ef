package main

import (
	"fmt"
	"strings"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
)

// issuerConfigs returns the JWT issuers the settings configure: a Cognito
// user pool and an OIDC issuer. (The embedded default's dev issuer is added
// by the composition root.)
func issuerConfigs(cfg config) ([]auth.IssuerConfig, error) {
	var out []auth.IssuerConfig
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
