package shopgraph_test

import (
	"encoding/base64"
	"testing"

	"github.com/shopgraph/shopgraph"
)

// TestIdentity_Claims: an identity's claims are its token's payload; an
// identity without a token (an API key) or with a token that is not a JWT
// has none.
func TestIdentity_Claims(t *testing.T) {
	seg := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	jwt := seg(`{"alg":"RS256"}`) + "." + seg(`{"sub":"s-1","exp":1767225600,"cognito:groups":["admin"]}`) + ".c2ln"
	c := shopgraph.Identity{Token: jwt}.Claims()
	if c["sub"] != "s-1" || c["exp"] != float64(1767225600) || len(c["cognito:groups"].([]any)) != 1 {
		t.Fatalf("claims %v", c)
	}
	for _, tok := range []string{"", "not-a-jwt", "a.%%%.c", "a." + seg("[1]") + ".c"} {
		if c := (shopgraph.Identity{Token: tok}).Claims(); c != nil {
			t.Errorf("token %q: claims %v, want none", tok, c)
		}
	}
}
