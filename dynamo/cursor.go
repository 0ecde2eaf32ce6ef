package dynamo

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/shopgraph/shopgraph"
)

// A nextToken is base64url(payload) "." base64url(HMAC-SHA256(secret,
// purpose || payload)), where payload is the JSON of cursor. The MAC makes it
// tamper-evident; the payload binds the token to one category and the last
// key of the page it follows, so it cannot be replayed on another listing.
// The purpose string keeps a MAC made for another kind of token (signed with
// the same secret) from ever verifying as a product cursor.
const (
	cursorVersion = 1
	cursorPurpose = "shopgraph/ListProducts/v1\x00"
	// maxTokenLen bounds what decodeCursor looks at; real tokens are far
	// shorter (a 1 KiB product id gives about 1.5 KB).
	maxTokenLen = 4096
)

// cursor is the position after which the next page starts: the Products key
// of the last item of the previous page.
type cursor struct {
	V         int    `json:"v"`
	Category  string `json:"c"`
	ProductID string `json:"p"`
}

// errInvalidToken is what every bad nextToken turns into.
func errInvalidToken() error {
	return shopgraph.Errorf(shopgraph.CodeBadRequest, "invalid nextToken")
}

func (s *Store) encodeCursor(c cursor) string {
	c.V = cursorVersion
	payload, _ := json.Marshal(c) // strings only: cannot fail
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(s.mac(payload))
}

// decodeCursor verifies a token and checks that it belongs to category. Any
// failure is a BadRequest *shopgraph.Error "invalid nextToken".
func (s *Store) decodeCursor(token, category string) (cursor, error) {
	if len(token) > maxTokenLen {
		return cursor{}, errInvalidToken()
	}
	p64, m64, ok := strings.Cut(token, ".")
	if !ok {
		return cursor{}, errInvalidToken()
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	mac, err2 := base64.RawURLEncoding.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, s.mac(payload)) {
		return cursor{}, errInvalidToken()
	}
	var c cursor
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || dec.More() {
		return cursor{}, errInvalidToken()
	}
	if c.V != cursorVersion || c.Category != category || !validSortKey(c.ProductID) {
		return cursor{}, errInvalidToken()
	}
	return c, nil
}

func (s *Store) mac(payload []byte) []byte {
	h := hmac.New(sha256.New, s.secret)
	h.Write([]byte(cursorPurpose))
	h.Write(payload)
	return h.Sum(nil)
}
