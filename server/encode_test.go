package server

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestEncodeResponse_sameAsMarshal: copying gqlgen's data as it is gives the
// same JSON value as json.Marshal of the wire shape, in every combination of
// data, errors and extensions, and valid JSON throughout.
func TestEncodeResponse_sameAsMarshal(t *testing.T) {
	e := &gqlerror.Error{Message: "Not Authorized <to> access x & y", Path: ast.Path{ast.PathName("a"), ast.PathIndex(2)}}
	setExt(e, extErrorType, "Unauthorized")
	for name, resp := range map[string]*graphql.Response{
		"data only":       {Data: json.RawMessage(`{"a":[1,{"b":"<c> & d"}]}`)},
		"no data":         {},
		"errors":          {Data: json.RawMessage(`{"a":null}`), Errors: gqlerror.List{e}},
		"extensions":      {Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"dynamodb": map[string]any{"requests": 3}}},
		"errors and exts": {Errors: gqlerror.List{e, e}, Extensions: map[string]any{"x": "y"}},
	} {
		got, err := encodeResponse(resp)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := json.Marshal(toWire(resp))
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%s: invalid JSON %s: %v", name, got, err)
		}
		_ = json.Unmarshal(want, &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}
