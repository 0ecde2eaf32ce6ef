package server_test

import (
	"net/http/httptest"
	"testing"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/apptest"
)

// TestAmplify_introspection: the real aws-amplify v6 client gets the full
// introspection result through every limit, with apiKey and with userPool
// auth.
func TestAmplify_introspection(t *testing.T) {
	a := apptest.New(t, apptest.Options{Products: 5})
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	endpoint := srv.URL + "/graphql"
	tokens := a.Token(t, "alice", shopgraph.TokenUseID) + " " + a.Token(t, "alice", shopgraph.TokenUseAccess)
	for _, c := range []struct{ mode, credential string }{{"apiKey", auth.DevAPIKey}, {"userPool", tokens}} {
		r := runAmplify(t, endpoint, c.mode, c.credential, amplifyIntrospectionQuery)
		if !r.OK {
			t.Fatalf("%s: %+v", c.mode, r.Errors)
		}
		s, _ := r.Data["__schema"].(map[string]any)
		if types, _ := s["types"].([]any); len(types) < 20 {
			t.Errorf("%s: __schema.types has %d types", c.mode, len(types))
		}
	}
}
