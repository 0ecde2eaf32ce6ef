package search

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/shopgraph/shopgraph"
)

// A nextToken is base64url(payload) "." base64url(HMAC-SHA256(secret,
// purpose || payload)), where payload is the JSON of cursor: the version, a
// digest of the query it belongs to (text, filter, sort), and the sort values
// of the last hit of the page it follows (bleve's SearchAfter). The MAC makes
// it tamper-evident; the digest makes a token of one query invalid for
// another; the purpose string keeps any other token signed with the same
// secret (the store's listing cursors) from verifying here.
const (
	cursorVersion = 1
	cursorPurpose = "shopgraph/Search/v1\x00"
	// maxTokenLen bounds what decodeCursor looks at; real tokens are about
	// 150 bytes.
	maxTokenLen = 1024
)

type cursor struct {
	V     int      `json:"v"`
	Query string   `json:"q"` // queryDigest
	After []string `json:"a"` // the sort values of the last hit
}

// errInvalidToken is what every bad nextToken turns into.
func errInvalidToken() error {
	return shopgraph.Errorf(shopgraph.CodeBadRequest, "invalid nextToken")
}

// queryDigest binds a cursor to one query: the text as given, the filter
// and the sort (not the limit: a client may change the page size between
// pages).
func queryDigest(text string, f shopgraph.SearchFilter, s shopgraph.SearchSort) string {
	canon, _ := json.Marshal(struct { // strings, numbers and bools only: cannot fail
		T  string
		C  string
		B  string
		P0 *int64
		P1 *int64
		I  *bool
		S  shopgraph.SearchSort
	}{text, f.Category, f.Brand, f.PriceMin, f.PriceMax, f.InStock, s})
	sum := sha256.Sum256(canon)
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

func (ix *Index) encodeCursor(digest string, after []string) string {
	payload, _ := json.Marshal(cursor{V: cursorVersion, Query: digest, After: after})
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(ix.mac(payload))
}

// decodeCursor verifies a token, checks that it belongs to the query with
// digest and that its sort values fit order. Any failure is a BadRequest
// *shopgraph.Error "invalid nextToken".
func (ix *Index) decodeCursor(token, digest string, order sortOrder) ([]string, error) {
	if len(token) > maxTokenLen {
		return nil, errInvalidToken()
	}
	p64, m64, ok := strings.Cut(token, ".")
	if !ok {
		return nil, errInvalidToken()
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p64)
	mac, err2 := base64.RawURLEncoding.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, ix.mac(payload)) {
		return nil, errInvalidToken()
	}
	var c cursor
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || dec.More() {
		return nil, errInvalidToken()
	}
	if c.V != cursorVersion || c.Query != digest || !order.validAfter(c.After) {
		return nil, errInvalidToken()
	}
	return c.After, nil
}

func (ix *Index) mac(payload []byte) []byte {
	h := hmac.New(sha256.New, ix.secret)
	h.Write([]byte(cursorPurpose))
	h.Write(payload)
	return h.Sum(nil)
}

// validAfter reports whether after holds one well-formed value per sort key
// of o (what bleve's SearchAfter needs).
func (o sortOrder) validAfter(after []string) bool {
	if len(after) != len(o.keys) {
		return false
	}
	for i, k := range o.keys {
		v := after[i]
		switch k {
		case keyScore, keyNumber:
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return false
			}
		case keyDate:
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				return false
			}
		case keyID:
			if v == "" {
				return false
			}
		}
	}
	return true
}
