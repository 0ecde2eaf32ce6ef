package main

import (
	"strings"
	"testing"
)

// src is a miniature executor: a leaf list (Stock → Site), a list whose
// elements reach a resolver (Product), one whose elements run a concurrent
// field (Order), and one inside a call cycle (Type ↔ Field).
const src = `package graph

func (ec *executionContext) marshalNStock2ᚕStockᚄ(ctx context.Context, v []Stock) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return ec._Stock(ctx, v[i])
	})
	return ret
}

func (ec *executionContext) _Stock(ctx context.Context, obj *Stock) graphql.Marshaler {
	return ec._Stock_site(ctx, obj)
}

func (ec *executionContext) _Stock_site(ctx context.Context, obj *Stock) graphql.Marshaler {
	return ec.directives.Auth(ctx, obj)
}

func (ec *executionContext) marshalNProduct2ᚕProductᚄ(ctx context.Context, v []Product) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return ec._Product(ctx, v[i])
	})
	return ret
}

func (ec *executionContext) _Product(ctx context.Context, obj *Product) graphql.Marshaler {
	return ec._Product_inventory(ctx, obj)
}

func (ec *executionContext) _Product_inventory(ctx context.Context, obj *Product) graphql.Marshaler {
	return ec.resolvers.Product().Inventory(ctx, obj)
}

func (ec *executionContext) marshalNOrder2ᚕOrderᚄ(ctx context.Context, v []Order) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return ec._Order(ctx, v[i])
	})
	return ret
}

func (ec *executionContext) _Order(ctx context.Context, obj *Order) graphql.Marshaler {
	out.ResolveConcurrently(ec.OperationContext, &deferred, i, nil)
	return out
}

func (ec *executionContext) marshalNType2ᚕTypeᚄ(ctx context.Context, v []Type) graphql.Marshaler {
	ret := graphql.MarshalSliceConcurrently(ctx, len(v), 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		return ec._Type(ctx, v[i])
	})
	return ret
}

func (ec *executionContext) _Type(ctx context.Context, obj *Type) graphql.Marshaler {
	return ec._Field(ctx, obj)
}

func (ec *executionContext) _Field(ctx context.Context, obj *Type) graphql.Marshaler {
	return ec._Type(ctx, obj)
}
`

func TestRewrite(t *testing.T) {
	out, n, err := rewrite(src)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("rewrote %d list marshallers, want 1 (Stock)", n)
	}
	fn := func(name string) string {
		i := strings.Index(out, "func (ec *executionContext) "+name+"(")
		if i < 0 {
			t.Fatalf("%s is gone", name)
		}
		j := strings.Index(out[i+1:], "\nfunc ")
		if j < 0 {
			return out[i:]
		}
		return out[i : i+1+j]
	}
	if !strings.Contains(fn("marshalNStock2ᚕStockᚄ"), sequentialCall) {
		t.Error("the leaf list (Stock) is still concurrent")
	}
	for _, name := range []string{"marshalNProduct2ᚕProductᚄ", "marshalNOrder2ᚕOrderᚄ", "marshalNType2ᚕTypeᚄ"} {
		if !strings.Contains(fn(name), concurrentCall) {
			t.Errorf("%s was made sequential, but its elements reach a resolver, a concurrent field or a cycle", name)
		}
	}
	if strings.Count(out, "func marshalSliceSequentially(") != 1 {
		t.Error("the helper is not appended exactly once")
	}
	again, n, err := rewrite(out)
	if err != nil || again != out || n != 0 {
		t.Errorf("not idempotent: rewrote %d more (err %v)", n, err)
	}
}

func TestRewrite_notAnExecutor(t *testing.T) {
	if _, _, err := rewrite("package x\n\nfunc main() {}\n"); err == nil {
		t.Error("a file without executionContext methods was accepted")
	}
}
