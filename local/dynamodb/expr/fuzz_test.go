package expr_test

import (
	"testing"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
	"github.com/shopgraph/shopgraph/local/dynamodb/expr"
)

// fuzzParams are the names and values every fuzzed expression may use.
func fuzzParams(t *testing.T) *expr.Params {
	t.Helper()
	p, err := expr.NewParams(oracleNames, oracleValues())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var fuzzSeeds = []string{
	"", " ", "n = :n5", "NOT (a < :s OR b BETWEEN :n1 AND :n2) AND c IN (:n1, :n2)", "attribute_type(#m.#x, :tN)",
	"size(l[0][1].x) >= :n3", "((a = :n5))", "a[99999999999] = :n1", "begins_with(s, :he)", "contains(ss, :a)",
	"SET a = if_not_exists(b, :n1) + :n2, l[3] = list_append(l, :l) REMOVE m.x ADD n :n5 DELETE ss :ss",
	"pk = :a AND sk BETWEEN :a AND :b", "m.y.z, l[2], #1[0]", "((((((((((", "NOT NOT NOT n = :n5", "é", "a.b.c[1][2].d = :s",
}

func FuzzParseCondition(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := expr.ParseCondition(src, fuzzParams(t))
		if err != nil {
			if _, ok := err.(*expr.Error); !ok {
				t.Fatalf("error %T %v is not *expr.Error", err, err)
			}
			return
		}
		if _, err := c.Eval(fixedItem()); err != nil {
			if _, ok := err.(*expr.Error); !ok {
				t.Fatalf("eval error %T %v", err, err)
			}
		}
		if _, err := c.Eval(nil); err != nil {
			if _, ok := err.(*expr.Error); !ok {
				t.Fatalf("eval error %T %v", err, err)
			}
		}
	})
}

func FuzzParseUpdate(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		u, err := expr.ParseUpdate(src, fuzzParams(t))
		if err != nil {
			if _, ok := err.(*expr.Error); !ok {
				t.Fatalf("error %T %v is not *expr.Error", err, err)
			}
			return
		}
		_ = u.Paths()
		for _, item := range []attr.Item{fixedItem(), nil} {
			if _, err := u.Apply(item); err != nil {
				if _, ok := err.(*expr.Error); !ok {
					t.Fatalf("apply error %T %v", err, err)
				}
			}
		}
	})
}

func FuzzParseProjection(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		pr, err := expr.ParseProjection(src, fuzzParams(t))
		if err != nil {
			if _, ok := err.(*expr.Error); !ok {
				t.Fatalf("error %T %v is not *expr.Error", err, err)
			}
			return
		}
		_ = pr.Apply(fixedItem())
		_ = pr.Apply(nil)
	})
}

func FuzzParseKeyCondition(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		kc, err := expr.ParseKeyCondition(src, fuzzParams(t), "pk", "sk")
		if err != nil {
			if _, ok := err.(*expr.Error); !ok {
				t.Fatalf("error %T %v is not *expr.Error", err, err)
			}
			return
		}
		if kc.PartitionName != "pk" {
			t.Fatalf("partition %q, want pk", kc.PartitionName)
		}
		_ = kc.MatchSort(attr.Str("s"))
		_ = kc.MatchSort(attr.Num("1"))
	})
}
