package shopgraph_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/shopgraph/shopgraph"
)

func TestErrorCodes_closedSet(t *testing.T) {
	codes := shopgraph.ErrorCodes()
	for i, c := range codes {
		if !c.Known() || c == "" {
			t.Errorf("%q is listed but not known", c)
		}
		if slices.Contains(codes[:i], c) {
			t.Errorf("%q is listed twice", c)
		}
	}
	for _, c := range shopgraph.AccountErrorCodes() {
		if !slices.Contains(codes, c) {
			t.Errorf("account code %q is not in the closed set", c)
		}
	}
	if shopgraph.ErrorCode("ResourceNotFoundException").Known() {
		t.Error("a foreign code is known")
	}
}

func TestCodeOf(t *testing.T) {
	for _, c := range []struct {
		err     error
		code    shopgraph.ErrorCode
		message string
	}{
		{nil, "", ""},
		{shopgraph.Errorf(shopgraph.CodeNotFound, "no product %q", "x"), shopgraph.CodeNotFound, `no product "x"`},
		{fmt.Errorf("get product: %w", shopgraph.Errorf(shopgraph.CodeBadRequest, "bad id")), shopgraph.CodeBadRequest, "bad id"},
		{errors.New("dial tcp: refused"), shopgraph.CodeInternal, shopgraph.InternalMessage},
		{context.Canceled, shopgraph.CodeInternal, shopgraph.InternalMessage},
		// A code outside the closed set never reaches a client as is.
		{&shopgraph.Error{Code: "ResourceNotFoundException", Message: "pool us-east-1_x does not exist"}, shopgraph.CodeInternal, shopgraph.InternalMessage},
		{shopgraph.Errorf(shopgraph.CodeInternal, "secret detail"), shopgraph.CodeInternal, shopgraph.InternalMessage},
	} {
		if got := shopgraph.CodeOf(c.err); got != c.code {
			t.Errorf("CodeOf(%v) = %q, want %q", c.err, got, c.code)
		}
		if got := shopgraph.ErrorMessage(c.err); got != c.message {
			t.Errorf("ErrorMessage(%v) = %q, want %q", c.err, got, c.message)
		}
	}
}
