package auth

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	shopgraph "github.com/shopgraph/shopgraph"
)

// DefaultLeeway is the clock skew tolerated on exp, nbf and iat.
const DefaultLeeway = 30 * time.Second

// maxTokenBytes bounds the size of a token the Verifier will look at.
const maxTokenBytes = 16 << 10

// IssuerConfig is one trusted token issuer: a Cognito user pool or an OIDC
// provider.
type IssuerConfig struct {
	// Issuer is the exact iss of the issuer's tokens (a trailing "/" is
	// ignored), e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC.
	Issuer string
	// JWKSURL is where the issuer's signing keys are published. When empty
	// it is Issuer + "/.well-known/jwks.json", which is right for Cognito.
	// Ignored when JWKS is set.
	JWKSURL string
	// JWKS, when set, is the issuer's whole key set as a JWKS document: the
	// verifier trusts exactly these keys and never fetches any (the embedded
	// default's dev issuer, whose keys are in the same process).
	JWKS []byte
	// ClientIDs is the allow-list of app clients. When non-empty, a Cognito
	// ID token's aud, a Cognito access token's client_id, or an OIDC token's
	// aud, azp or client_id must be in it. Empty accepts any client.
	ClientIDs []string
	// Mode is shopgraph.AuthModeCognito or shopgraph.AuthModeOIDC. It is
	// decided here, by configuration, not by the shape of the issuer URL.
	Mode shopgraph.AuthMode
}

// VerifierOptions tune a Verifier. The zero value is usable.
type VerifierOptions struct {
	// HTTPClient fetches the JWKS. Default: a client with a 10 s timeout.
	HTTPClient *http.Client
	// Leeway is the clock skew tolerated on exp, nbf and iat. Zero means
	// DefaultLeeway; it may not be negative.
	Leeway time.Duration
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Logger receives the details of every rejected token (never the token
	// itself) and of JWKS fetch failures. Default: discard.
	Logger *slog.Logger
}

// Verifier verifies RS256 JWTs from a fixed set of Cognito user pools and
// OIDC issuers. It is safe for concurrent use.
type Verifier struct {
	issuers map[string]*issuer // by normalized issuer
	parser  *jwt.Parser
	log     *slog.Logger
}

type issuer struct {
	cfg     IssuerConfig
	keyfunc keyfunc.Keyfunc
}

// NewVerifier returns a Verifier trusting the given issuers, with one cached
// JWKS per issuer (or the issuer's static JWKS). It fetches each JWKS once
// now; a fetch that fails is only logged, and the first token from that
// issuer fetches it again. Each JWKS is refetched every hour in the
// background until ctx ends, and at most once a minute when a token names an
// unknown kid.
//
// It fails on an empty or duplicate issuer, an invalid JWKS URL or static
// JWKS, or an unknown Mode.
func NewVerifier(ctx context.Context, issuers []IssuerConfig, opts VerifierOptions) (*Verifier, error) {
	if opts.Leeway < 0 {
		return nil, fmt.Errorf("auth: negative leeway %s", opts.Leeway)
	}
	if opts.Leeway == 0 {
		opts.Leeway = DefaultLeeway
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: jwksHTTPTimeout}
	}
	v := &Verifier{
		issuers: make(map[string]*issuer, len(issuers)),
		log:     opts.Logger,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
			jwt.WithLeeway(opts.Leeway),
			jwt.WithTimeFunc(opts.Now),
			jwt.WithIssuedAt(),
			jwt.WithExpirationRequired(),
		),
	}
	for _, cfg := range issuers {
		key := normalizeIssuer(cfg.Issuer)
		if key == "" {
			return nil, errors.New("auth: issuer with an empty Issuer")
		}
		if cfg.Mode != shopgraph.AuthModeCognito && cfg.Mode != shopgraph.AuthModeOIDC {
			return nil, fmt.Errorf("auth: issuer %s: mode %q is neither %s nor %s", cfg.Issuer, cfg.Mode, shopgraph.AuthModeCognito, shopgraph.AuthModeOIDC)
		}
		if _, dup := v.issuers[key]; dup {
			return nil, fmt.Errorf("auth: issuer %s configured twice", cfg.Issuer)
		}
		cfg.ClientIDs = slices.Clone(cfg.ClientIDs)
		kf, err := issuerKeyfunc(ctx, key, &cfg, opts)
		if err != nil {
			return nil, fmt.Errorf("auth: issuer %s: %w", cfg.Issuer, err)
		}
		v.issuers[key] = &issuer{cfg: cfg, keyfunc: kf}
	}
	return v, nil
}

// issuerKeyfunc returns the key source of one issuer: its static JWKS, or
// its JWKS URL fetched and cached (see newIssuerKeys).
func issuerKeyfunc(ctx context.Context, iss string, cfg *IssuerConfig, opts VerifierOptions) (keyfunc.Keyfunc, error) {
	if cfg.JWKS != nil {
		kf, err := keyfunc.NewJWKSetJSON(cfg.JWKS)
		if err != nil {
			return nil, fmt.Errorf("static JWKS: %w", err)
		}
		return kf, nil
	}
	if cfg.JWKSURL == "" {
		cfg.JWKSURL = iss + "/.well-known/jwks.json"
	}
	if u, err := url.Parse(cfg.JWKSURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("JWKS URL %q is not an http(s) URL", cfg.JWKSURL)
	}
	keys, err := newIssuerKeys(ctx, cfg.JWKSURL, opts.HTTPClient, opts.Now, opts.Logger)
	if err != nil {
		return nil, err
	}
	return keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: keys})
}

// normalizeIssuer drops surrounding space and trailing slashes.
func normalizeIssuer(iss string) string {
	return strings.TrimRight(strings.TrimSpace(iss), "/")
}

// StripBearer removes an optional, case-insensitive "Bearer " prefix and
// surrounding space from an Authorization value.
func StripBearer(raw string) string {
	raw = strings.TrimSpace(raw)
	if len(raw) >= 6 && strings.EqualFold(raw[:6], "bearer") && (len(raw) == 6 || raw[6] == ' ') {
		raw = strings.TrimSpace(raw[6:])
	}
	return raw
}

// rejection is why a token was refused: the caller-safe message plus the
// details that are only logged.
type rejection struct {
	msg    string
	reason string
	err    error
}

// Verify checks raw (a JWT, optionally prefixed by "Bearer ") and returns the
// caller's identity in the shape of AppSync's $ctx.identity:
//
//   - the token's iss picks the issuer (a trailing "/" ignored); an unknown
//     issuer is refused;
//   - only RS256 with a key from that issuer's JWKS, named by the kid header,
//     is accepted ("none", HS*, and an HS256 token MACed with the RSA public
//     key are refused);
//   - exp is required; exp, nbf and iat are checked with the leeway; sub is
//     required;
//   - Cognito: token_use must be "id" or "access"; an ID token's aud, an
//     access token's client_id must be in ClientIDs (when non-empty). OIDC:
//     aud, azp or client_id must be in ClientIDs (when non-empty).
//
// The Identity has Mode, Sub, Issuer (the token's iss) and Claims (all
// claims; numbers are float64) and, for Cognito tokens only, Username
// (cognito:username for ID tokens, username for access tokens), Groups
// (cognito:groups, nil when absent), TokenUse and DefaultAuthStrategy
// "ALLOW". OIDC identities carry no groups, so an OIDC issuer cannot grant
// Cognito groups. SourceIP is left for the caller to fill.
//
// Every failure is a *shopgraph.Error with code shopgraph.CodeUnauthenticated
// and one of MsgNoValidAuthorization, MsgUnparsableToken or MsgTokenExpired;
// the reason is logged at Info (Debug for expiry), without the token.
func (v *Verifier) Verify(ctx context.Context, raw string) (shopgraph.Identity, error) {
	id, rej := v.verify(ctx, StripBearer(raw))
	if rej != nil {
		level := slog.LevelInfo
		if rej.msg == MsgTokenExpired {
			level = slog.LevelDebug
		}
		v.log.Log(ctx, level, "auth: token rejected", "reason", rej.reason, "error", rej.err)
		return shopgraph.Identity{}, unauthenticated(rej.msg)
	}
	return id, nil
}

func (v *Verifier) verify(ctx context.Context, raw string) (shopgraph.Identity, *rejection) {
	switch {
	case raw == "":
		return shopgraph.Identity{}, &rejection{MsgNoValidAuthorization, "empty token", nil}
	case len(raw) > maxTokenBytes:
		return shopgraph.Identity{}, &rejection{MsgUnparsableToken, "token too large", fmt.Errorf("%d bytes", len(raw))}
	}
	unverified, _, err := v.parser.ParseUnverified(raw, jwt.MapClaims{})
	if err != nil {
		return shopgraph.Identity{}, &rejection{MsgUnparsableToken, "malformed token", err}
	}
	iss, _ := unverified.Claims.(jwt.MapClaims)["iss"].(string)
	is, ok := v.issuers[normalizeIssuer(iss)]
	if !ok || iss == "" {
		return shopgraph.Identity{}, &rejection{MsgNoValidAuthorization, "unknown issuer", fmt.Errorf("iss %q", iss)}
	}

	claims := jwt.MapClaims{}
	_, err = v.parser.ParseWithClaims(raw, claims, is.keyFunc(ctx))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return shopgraph.Identity{}, &rejection{MsgTokenExpired, "expired", err}
	case errors.Is(err, jwt.ErrTokenMalformed):
		return shopgraph.Identity{}, &rejection{MsgUnparsableToken, "malformed token", err}
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return shopgraph.Identity{}, &rejection{MsgNoValidAuthorization, "bad signature or algorithm", err}
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return shopgraph.Identity{}, &rejection{MsgNoValidAuthorization, "no usable key", err}
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return shopgraph.Identity{}, &rejection{MsgNoValidAuthorization, "not yet valid", err}
	case err != nil:
		return shopgraph.Identity{}, &rejection{MsgNoValidAuthorization, "invalid claims", err}
	}

	sub, _ := claims["sub"].(string)
	if sub == "" {
		return shopgraph.Identity{}, &rejection{MsgNoValidAuthorization, "no sub", nil}
	}
	id := shopgraph.Identity{
		Mode:   is.cfg.Mode,
		Sub:    sub,
		Issuer: iss,
		Token:  raw,
	}
	if is.cfg.Mode == shopgraph.AuthModeOIDC {
		if !clientAllowed(is.cfg.ClientIDs, audiences(claims), str(claims["azp"]), str(claims["client_id"])) {
			return shopgraph.Identity{}, &rejection{MsgNoValidAuthorization, "client not allowed", fmt.Errorf("aud %v azp %v client_id %v", claims["aud"], claims["azp"], claims["client_id"])}
		}
		return id, nil
	}

	id.TokenUse = str(claims["token_use"])
	switch id.TokenUse {
	case "id":
		if !clientAllowed(is.cfg.ClientIDs, audiences(claims)) {
			return shopgraph.Identity{}, &rejection{MsgNoValidAuthorization, "audience not allowed", fmt.Errorf("aud %v", claims["aud"])}
		}
		id.Username = str(claims["cognito:username"])
	case "access":
		if !clientAllowed(is.cfg.ClientIDs, str(claims["client_id"])) {
			return shopgraph.Identity{}, &rejection{MsgNoValidAuthorization, "client not allowed", fmt.Errorf("client_id %v", claims["client_id"])}
		}
		id.Username = str(claims["username"])
	default:
		return shopgraph.Identity{}, &rejection{MsgNoValidAuthorization, "bad token_use", fmt.Errorf("token_use %v", claims["token_use"])}
	}
	groups, ok := stringList(claims["cognito:groups"])
	if !ok {
		return shopgraph.Identity{}, &rejection{MsgNoValidAuthorization, "malformed cognito:groups", fmt.Errorf("cognito:groups %v", claims["cognito:groups"])}
	}
	id.Groups = groups
	id.DefaultAuthStrategy = "ALLOW"
	return id, nil
}

// keyFunc returns the issuer's RSA public key named by the token's kid.
func (is *issuer) keyFunc(ctx context.Context) jwt.Keyfunc {
	inner := is.keyfunc.KeyfuncCtx(ctx)
	return func(t *jwt.Token) (any, error) {
		if kid, _ := t.Header["kid"].(string); kid == "" {
			return nil, errors.New("token has no kid")
		}
		key, err := inner(t)
		if err != nil {
			return nil, err
		}
		pub, ok := key.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("JWKS key is %T, not RSA", key)
		}
		return pub, nil
	}
}

// clientAllowed reports whether allowed is empty or holds one of got.
func clientAllowed(allowed []string, got ...any) bool {
	if len(allowed) == 0 {
		return true
	}
	for _, g := range got {
		switch g := g.(type) {
		case string:
			if g != "" && slices.Contains(allowed, g) {
				return true
			}
		case []string:
			for _, s := range g {
				if slices.Contains(allowed, s) {
					return true
				}
			}
		}
	}
	return false
}

// audiences returns the aud claim, a string or a list, as a list (nil when
// absent or malformed).
func audiences(claims jwt.MapClaims) []string {
	aud, err := claims.GetAudience()
	if err != nil {
		return nil
	}
	return aud
}

// stringList converts a JSON array of strings; nil is (nil, true), anything
// else (nil, false).
func stringList(v any) ([]string, bool) {
	switch l := v.(type) {
	case nil:
		return nil, true
	case []any:
		out := make([]string, 0, len(l))
		for _, x := range l {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	case []string:
		return l, true
	}
	return nil, false
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
