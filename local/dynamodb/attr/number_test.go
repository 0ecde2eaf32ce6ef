package attr_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

func TestCanonicalNumber(t *testing.T) {
	for _, tc := range numberCases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := attr.CanonicalNumber(tc.in)
			checkResult(t, got, err, tc.want, tc.err)
			if err == nil {
				// Canonical text is a fixed point.
				again, err := attr.CanonicalNumber(got)
				if err != nil || again != got {
					t.Errorf("CanonicalNumber(%q) = %q, %v; want itself", got, again, err)
				}
			}
		})
	}
}

// checkResult checks a (result, error) pair against the wanted result or
// wanted *attr.Error message.
func checkResult(t *testing.T, got string, err error, want, wantErr string) {
	t.Helper()
	if wantErr != "" {
		var ae *attr.Error
		if !errors.As(err, &ae) || ae.Msg != wantErr {
			t.Fatalf("got (%q, %v), want *attr.Error %q", got, err, wantErr)
		}
		return
	}
	if err != nil || got != want {
		t.Fatalf("got (%q, %v), want %q", got, err, want)
	}
}

func TestNum(t *testing.T) {
	if got := attr.Num("1.50"); got.Kind != attr.N || got.Str != "1.5" {
		t.Errorf("Num(1.50) = %+v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("Num(x) did not panic")
		}
	}()
	attr.Num("x")
}

func TestAddNumbers(t *testing.T) {
	for _, tc := range arithCases {
		t.Run(tc.a+tc.op+tc.b, func(t *testing.T) {
			f := attr.AddNumbers
			if tc.op == "-" {
				f = attr.SubNumbers
			}
			got, err := f(tc.a, tc.b)
			want := tc.want
			if want != "" {
				want = mustCanonical(t, want)
			}
			checkResult(t, got, err, want, tc.err)
		})
	}
}

func mustCanonical(t *testing.T, s string) string {
	t.Helper()
	c, err := attr.CanonicalNumber(s)
	if err != nil {
		t.Fatalf("CanonicalNumber(%q): %v", s, err)
	}
	return c
}

// TestAddNumbers_property checks exactness: (a+b)-b == a, and a+b agrees
// with integer arithmetic on scaled values.
func TestAddNumbers_property(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		a, b := randomNumber(r, 18), randomNumber(r, 18)
		sum, err := attr.AddNumbers(a, b)
		if err != nil {
			continue // precision limits
		}
		back, err := attr.SubNumbers(sum, b)
		if err != nil {
			t.Fatalf("SubNumbers(%s, %s): %v", sum, b, err)
		}
		if attr.CompareNumbers(back, a) != 0 {
			t.Fatalf("(%s + %s) - %s = %s", a, b, b, back)
		}
		if c := attr.CompareNumbers(sum, a); c != attr.CompareNumbers(b, "0") {
			t.Fatalf("sign of (%s+%s) - %s is %d", a, b, a, c)
		}
	}
}

// randomNumber returns a canonical number of at most maxDigits significant
// digits with an exponent that keeps sums mostly within 38 digits.
func randomNumber(r *rand.Rand, maxDigits int) string {
	if r.IntN(10) == 0 {
		return "0"
	}
	n := 1 + r.IntN(maxDigits)
	var b strings.Builder
	if r.IntN(2) == 0 {
		b.WriteByte('-')
	}
	b.WriteByte(byte('1' + r.IntN(9)))
	for range n - 1 {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	b.WriteString("e")
	b.WriteString(strconv.Itoa(r.IntN(20) - 10))
	c, err := attr.CanonicalNumber(b.String())
	if err != nil {
		panic(err)
	}
	return c
}

func TestCompareNumbers(t *testing.T) {
	// In ascending order; equal neighbours are grouped.
	ordered := [][]string{
		{"-9.9999999999999999999999999999999999999E+125"},
		{"-1E+125"},
		{"-100", "-1E2", "-100.000"},
		{"-10.5"},
		{"-10"},
		{"-9.99"},
		{"-1"},
		{"-0.5", "-.5"},
		{"-0.05"},
		{"-1E-130"},
		{"0", "-0", "0.0", "0e5"},
		{"1E-130"},
		{"0.0001"},
		{"0.001"},
		{"0.0012"},
		{"0.01"},
		{"0.5"},
		{"1", "1.0", "01", "+1"},
		{"1.0000000000000000000000000000000000001"},
		{"1.5"},
		{"9"},
		{"10"},
		{"10.01"},
		{"11"},
		{"99.5"},
		{"100"},
		{"12345678901234567890123456789012345678"},
		{"9.9999999999999999999999999999999999999E+125"},
	}
	for i, gi := range ordered {
		for j, gj := range ordered {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			for _, a := range gi {
				for _, b := range gj {
					if got := attr.CompareNumbers(a, b); got != want {
						t.Errorf("CompareNumbers(%s, %s) = %d, want %d", a, b, got, want)
					}
					ca, cb := mustCanonical(t, a), mustCanonical(t, b)
					if got := attr.CompareNumbers(ca, cb); got != want {
						t.Errorf("CompareNumbers(%s, %s) = %d, want %d", ca, cb, got, want)
					}
				}
			}
		}
	}
	// Not numbers order after numbers, consistently.
	if attr.CompareNumbers("x", "1") != 1 || attr.CompareNumbers("1", "x") != -1 || attr.CompareNumbers("x", "y") != -1 {
		t.Error("non-numbers do not order after numbers")
	}
}

// TestCompareNumbers_random checks the canonical-text fast path against
// sorting by the key encoding and against float64 on short numbers.
func TestCompareNumbers_random(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	nums := make([]string, 3000)
	for i := range nums {
		nums[i] = randomNumber(r, 15)
	}
	for i := 1; i < len(nums); i++ {
		a, b := nums[i-1], nums[i]
		fa, _ := strconv.ParseFloat(a, 64)
		fb, _ := strconv.ParseFloat(b, 64)
		want := 0
		switch {
		case fa < fb:
			want = -1
		case fa > fb:
			want = 1
		}
		if got := attr.CompareNumbers(a, b); got != want {
			t.Fatalf("CompareNumbers(%s, %s) = %d, want %d", a, b, got, want)
		}
	}
	sorted := slices.Clone(nums)
	slices.SortFunc(sorted, attr.CompareNumbers)
	for i := 1; i < len(sorted); i++ {
		if attr.CompareNumbers(sorted[i-1], sorted[i]) > 0 {
			t.Fatalf("not sorted at %d", i)
		}
	}
}
