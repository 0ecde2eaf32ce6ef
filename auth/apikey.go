package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	shopgraph "github.com/shopgraph/shopgraph"
)

// API key format: "<keyId>.<secret>", keyId = APIKeyPrefix + 16 lowercase hex
// digits (64 random bits), secret = 32 random bytes, unpadded base64url.
const (
	APIKeyPrefix   = "sgk_"
	apiKeyIDHexLen = 16
	apiKeySecret   = 32
)

// The documented dev partner key of the embedded default: all scopes, no
// expiry. Its secret is public: never accept it outside development.
const (
	DevAPIKeyID      = "sgk_0000000000000000"
	DevAPIKeySecret  = "Mt4a8N3JxvZGnqLATbNrLxg89DryYcCd0Y_232UTZxI"
	DevAPIKey        = DevAPIKeyID + "." + DevAPIKeySecret
	DevAPIKeyPartner = "dev-partner"
)

// DevPartnerKey returns the stored form of DevAPIKey, created at now, with
// all scopes and the default rate limit.
func DevPartnerKey(now time.Time) APIKey {
	return APIKey{
		ID:         DevAPIKeyID,
		Partner:    DevAPIKeyPartner,
		Scopes:     shopgraph.Scopes(),
		SecretHash: HashSecret(DevAPIKeySecret),
		CreatedAt:  now,
	}
}

// NewAPIKey returns a new random key id, its secret and the full key
// "<id>.<secret>" that is shown to the partner once. Store only
// HashSecret(secret).
func NewAPIKey() (id, secret, full string) {
	var idb [apiKeyIDHexLen / 2]byte
	var sb [apiKeySecret]byte
	rand.Read(idb[:])
	rand.Read(sb[:])
	id = APIKeyPrefix + hex.EncodeToString(idb[:])
	secret = base64.RawURLEncoding.EncodeToString(sb[:])
	return id, secret, id + "." + secret
}

// ParseAPIKey splits a full key into its id and secret, checking both
// shapes. Error: shopgraph.CodeUnauthenticated with MsgInvalidAPIKey.
func ParseAPIKey(full string) (id, secret string, err error) {
	id, secret, ok := strings.Cut(strings.TrimSpace(full), ".")
	if !ok || !validKeyID(id) {
		return "", "", unauthenticated(MsgInvalidAPIKey)
	}
	if b, err := base64.RawURLEncoding.Strict().DecodeString(secret); err != nil || len(b) != apiKeySecret {
		return "", "", unauthenticated(MsgInvalidAPIKey)
	}
	return id, secret, nil
}

func validKeyID(id string) bool {
	hexPart, ok := strings.CutPrefix(id, APIKeyPrefix)
	if !ok || len(hexPart) != apiKeyIDHexLen {
		return false
	}
	for _, c := range hexPart {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// HashSecret returns the SHA-256 of a key secret: the only form stored. (The
// secret holds 256 random bits, so a fast hash is enough.)
func HashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// SecretMatches reports, in constant time, whether secret hashes to hash.
func SecretMatches(secret string, hash []byte) bool {
	return subtle.ConstantTimeCompare(HashSecret(secret), hash) == 1
}

// APIKey is a partner's stored API key (a row of the ApiKeys table): the
// root package's record, with the authentication methods (Usable, Check,
// Identity). It converts to and from shopgraph.APIKeyRecord.
type APIKey shopgraph.APIKeyRecord

// Limits on a new key's settings.
const (
	MaxPartnerLen = 128
	MaxRateLimit  = 10000 // requests per second
)

// IssueAPIKey validates a new key's settings and returns its stored form and
// the full key to show once. Errors (shopgraph.CodeBadRequest): an empty
// partner, scopes failing ValidateScopes, a negative rate limit, an expiry
// not after now, a partner longer than MaxPartnerLen, a rate limit above
// MaxRateLimit.
func IssueAPIKey(partner string, scopes []string, rateLimit int, expiresAt *time.Time, now time.Time) (APIKey, string, error) {
	switch {
	case strings.TrimSpace(partner) == "":
		return APIKey{}, "", shopgraph.Errorf(shopgraph.CodeBadRequest, "partner must not be empty")
	case len(partner) > MaxPartnerLen:
		return APIKey{}, "", shopgraph.Errorf(shopgraph.CodeBadRequest, "partner must be at most %d bytes, got %d", MaxPartnerLen, len(partner))
	case !Printable(partner):
		return APIKey{}, "", shopgraph.Errorf(shopgraph.CodeBadRequest, "partner must be printable text without control characters, got %q", partner)
	case rateLimit < 0 || rateLimit > MaxRateLimit:
		return APIKey{}, "", shopgraph.Errorf(shopgraph.CodeBadRequest, "rateLimit must be between 1 and %d requests per second, got %d", MaxRateLimit, rateLimit)
	case expiresAt != nil && !expiresAt.After(now):
		return APIKey{}, "", shopgraph.Errorf(shopgraph.CodeBadRequest, "expiresAt must be in the future")
	}
	if err := ValidateScopes(scopes); err != nil {
		return APIKey{}, "", err
	}
	id, secret, full := NewAPIKey()
	k := APIKey{
		ID:         id,
		Partner:    partner,
		Scopes:     slices.Clone(scopes),
		RateLimit:  rateLimit,
		SecretHash: HashSecret(secret),
		CreatedAt:  now,
	}
	if expiresAt != nil {
		t := *expiresAt
		k.ExpiresAt = &t
	}
	return k, full, nil
}

// Usable reports whether the key may be used at now. Errors
// (shopgraph.CodeUnauthenticated): MsgInvalidAPIKey once revoked (RevokedAt
// at or before now), MsgAPIKeyExpired once expired (ExpiresAt at or before
// now).
func (k APIKey) Usable(now time.Time) error {
	switch shopgraph.APIKeyRecord(k).Status(now) {
	case shopgraph.APIKeyRevoked:
		return unauthenticated(MsgInvalidAPIKey)
	case shopgraph.APIKeyExpired:
		return unauthenticated(MsgAPIKeyExpired)
	}
	return nil
}

// Check authenticates a request presenting secret for this key at now and
// returns the caller's identity (see Identity). Errors
// (shopgraph.CodeUnauthenticated): MsgInvalidAPIKey for a wrong secret, then
// those of Usable.
func (k APIKey) Check(secret string, now time.Time) (shopgraph.Identity, error) {
	if !SecretMatches(secret, k.SecretHash) {
		return shopgraph.Identity{}, unauthenticated(MsgInvalidAPIKey)
	}
	if err := k.Usable(now); err != nil {
		return shopgraph.Identity{}, err
	}
	return k.Identity(), nil
}

// Identity is the identity of a caller using this key: mode API_KEY with the
// key's id, partner and scopes (AppSync's identity is null for API keys;
// shopgraph keeps these instead).
func (k APIKey) Identity() shopgraph.Identity {
	return shopgraph.Identity{
		Mode:    shopgraph.AuthModeAPIKey,
		KeyID:   k.ID,
		Partner: k.Partner,
		Scopes:  slices.Clone(k.Scopes),
	}
}

// ValidateScopes checks a new key's scopes: at least one, each a known
// scope (shopgraph.Scopes), none twice. Error: shopgraph.CodeBadRequest naming the
// offending scope.
func ValidateScopes(scopes []string) error {
	if len(scopes) == 0 {
		return shopgraph.Errorf(shopgraph.CodeBadRequest, "at least one scope is required (known scopes: %s)", strings.Join(shopgraph.Scopes(), ", "))
	}
	for i, s := range scopes {
		if !slices.Contains(shopgraph.Scopes(), s) {
			return shopgraph.Errorf(shopgraph.CodeBadRequest, "unknown scope %q (known scopes: %s)", s, strings.Join(shopgraph.Scopes(), ", "))
		}
		if slices.Contains(scopes[:i], s) {
			return shopgraph.Errorf(shopgraph.CodeBadRequest, "scope %q is listed twice", s)
		}
	}
	return nil
}

// Printable reports whether s is valid UTF-8 made only of printable
// characters (spaces included), so that it cannot forge lines or columns in
// text output.
func Printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
