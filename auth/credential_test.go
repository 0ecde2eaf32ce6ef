package auth_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	shopgraph "github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
)

func TestParseCredential(t *testing.T) {
	id, secret, key := auth.NewAPIKey()
	jwtTok := sign(t, mustKey(t, "k"), idClaims())
	seg := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	noneTok := seg(`{"alg":"none"}`) + "." + seg(`{"sub":"x"}`) + "."

	type hdr = map[string][]string
	tests := []struct {
		name    string
		headers hdr
		want    auth.Credential
		msg     string // an error message instead
	}{
		{"nothing", hdr{"Content-Type": {"application/json"}}, auth.Credential{Kind: auth.CredentialAnonymous}, ""},
		{"API key", hdr{"X-Api-Key": {key}}, auth.Credential{Kind: auth.CredentialAPIKey, KeyID: id, Secret: secret}, ""},
		{"API key wins over Authorization", hdr{"X-Api-Key": {key}, "Authorization": {jwtTok}}, auth.Credential{Kind: auth.CredentialAPIKey, KeyID: id, Secret: secret}, ""},
		{"malformed API key", hdr{"X-Api-Key": {"da2-abc"}}, auth.Credential{}, auth.MsgInvalidAPIKey},
		{"empty API key", hdr{"X-Api-Key": {""}}, auth.Credential{}, auth.MsgInvalidAPIKey},
		{"malformed API key with a good JWT", hdr{"X-Api-Key": {"nope"}, "Authorization": {jwtTok}}, auth.Credential{}, auth.MsgInvalidAPIKey},
		{"two API keys", hdr{"X-Api-Key": {key, key}}, auth.Credential{}, auth.MsgInvalidAPIKey},
		{"raw JWT", hdr{"Authorization": {jwtTok}}, auth.Credential{Kind: auth.CredentialJWT, Token: jwtTok}, ""},
		{"Bearer JWT", hdr{"Authorization": {"Bearer " + jwtTok}}, auth.Credential{Kind: auth.CredentialJWT, Token: jwtTok}, ""},
		{"alg none still decodes (the Verifier refuses it)", hdr{"Authorization": {noneTok}}, auth.Credential{Kind: auth.CredentialJWT, Token: noneTok}, ""},
		{"SigV4", hdr{"Authorization": {"AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/appsync/aws4_request, SignedHeaders=host, Signature=abc"}}, auth.Credential{}, auth.MsgNoValidAuthorization},
		{"Lambda token", hdr{"Authorization": {"custom-lambda-token"}}, auth.Credential{}, auth.MsgNoValidAuthorization},
		{"empty Authorization", hdr{"Authorization": {""}}, auth.Credential{}, auth.MsgNoValidAuthorization},
		{"only Bearer", hdr{"Authorization": {"Bearer"}}, auth.Credential{}, auth.MsgNoValidAuthorization},
		{"three garbage parts", hdr{"Authorization": {"a.b.c"}}, auth.Credential{}, auth.MsgUnparsableToken},
		{"header not an object", hdr{"Authorization": {seg(`"x"`) + "." + seg(`{}`) + ".sig"}}, auth.Credential{}, auth.MsgUnparsableToken},
		{"header without alg", hdr{"Authorization": {seg(`{"typ":"JWT"}`) + "." + seg(`{}`) + ".sig"}}, auth.Credential{}, auth.MsgUnparsableToken},
		{"payload null", hdr{"Authorization": {seg(`{"alg":"RS256"}`) + "." + seg(`null`) + ".sig"}}, auth.Credential{}, auth.MsgUnparsableToken},
		{"signature not base64url", hdr{"Authorization": {seg(`{"alg":"RS256"}`) + "." + seg(`{}`) + ".a+b/"}}, auth.Credential{}, auth.MsgUnparsableToken},
		{"two Authorization headers", hdr{"Authorization": {jwtTok, jwtTok}}, auth.Credential{}, auth.MsgNoValidAuthorization},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, vs := range tt.headers {
				for _, v := range vs {
					h.Add(k, v)
				}
			}
			got, err := auth.ParseCredential(shopgraph.CredentialsFromHeaders(h, nil))
			if tt.msg != "" {
				wantCode(t, err, shopgraph.CodeUnauthenticated, tt.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("credential = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestParseCredential_caseInsensitive: Amplify lower-cases header names.
func TestParseCredential_caseInsensitive(t *testing.T) {
	_, _, key := auth.NewAPIKey()
	for _, name := range []string{"x-api-key", "X-API-KEY", "X-Api-Key"} {
		h := http.Header{}
		h.Set(name, key)
		c, err := auth.ParseCredential(shopgraph.CredentialsFromHeaders(h, nil))
		if err != nil || c.Kind != auth.CredentialAPIKey {
			t.Errorf("%s: %+v, %v", name, c, err)
		}
	}
}

// TestParseCredential_realtimeHeaderMap: the header maps of AppSync's
// real-time protocol (the connect header, each start's
// extensions.authorization), whose keys arrive in any case.
func TestParseCredential_realtimeHeaderMap(t *testing.T) {
	jwtTok := sign(t, mustKey(t, "k"), accessClaims())
	_, _, key := auth.NewAPIKey()
	tests := []struct {
		name string
		m    map[string]string
		kind auth.CredentialKind
		msg  string
	}{
		{"Amplify API key", map[string]string{"host": "api.example.test", "x-amz-date": "20261122T140748Z", "x-api-key": key}, auth.CredentialAPIKey, ""},
		{"Amplify userPool", map[string]string{"Authorization": jwtTok, "host": "api.example.test"}, auth.CredentialJWT, ""},
		{"lower-case authorization", map[string]string{"authorization": jwtTok}, auth.CredentialJWT, ""},
		{"host only", map[string]string{"host": "api.example.test"}, auth.CredentialAnonymous, ""},
		{"both cases of one header", map[string]string{"authorization": jwtTok, "Authorization": jwtTok}, "", auth.MsgNoValidAuthorization},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string][]string{}
			for k, v := range tt.m {
				h[k] = []string{v}
			}
			c, err := auth.ParseCredential(shopgraph.CredentialsFromHeaders(h, nil))
			if tt.msg != "" {
				wantCode(t, err, shopgraph.CodeUnauthenticated, tt.msg)
				return
			}
			if err != nil || c.Kind != tt.kind {
				t.Errorf("credential %+v, %v; want kind %s", c, err, tt.kind)
			}
		})
	}
}
