package attr

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
)

// DynamoDB's number limits.
const (
	maxDigits = 38   // significant digits
	maxSciExp = 125  // largest scientific exponent of a magnitude (9.99…E+125)
	minSciExp = -130 // smallest scientific exponent of a magnitude (1E-130)
)

// The messages DynamoDB (DynamoDB Local) answers invalid numbers with.
const (
	msgPrecision = "DynamoDB only supports precision up to 38 digits"
	msgOverflow  = "Number overflow. Attempting to store a number with magnitude larger than supported range"
	msgUnderflow = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
	msgBadNumber = "A value provided cannot be converted into a number"
)

// decimal is a parsed number: (-1)^neg × 0.d[0]d[1]…d[nd-1] × 10^exp, the
// digits without leading or trailing zeros; zero is nd == 0 (neg false,
// exp 0). Only the first maxDigits digits are stored: a decimal with
// nd > maxDigits is only good for reporting the precision error.
type decimal struct {
	neg bool
	nd  int
	exp int
	d   [maxDigits]byte // ASCII digits
}

// sciExp is the scientific exponent (value = d.ddd × 10^sciExp) of a
// nonzero decimal.
func (x *decimal) sciExp() int { return x.exp - 1 }

func (x *decimal) digits() []byte { return x.d[:min(x.nd, maxDigits)] }

// javaInt32 reports whether n fits a Java int.
func javaInt32(n int64) bool { return n >= -1<<31 && n < 1<<31 }

// parseDecimal parses a number text as DynamoDB does (with Java's
// BigDecimal(String)): an optional sign, decimal digits (any Unicode
// decimal digit, as Java's Character.isDigit) with an optional point and
// at least one digit, and an optional exponent (e or E, an optional sign,
// at most 10 digits after leading zeros, within a Java int, the resulting
// scale within a Java int too). It checks syntax only, not DynamoDB's
// limits; it allocates nothing.
func parseDecimal(s string) (decimal, bool) {
	var x decimal
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		x.neg = s[i] == '-'
		i++
	}
	var (
		nDigits   int   // mantissa digits seen
		scale     int64 // digits after the point
		intDigits int   // digits before the point
		leading   int   // zeros before the first nonzero digit
		sig       int   // digits from the first nonzero one on (trailing zeros included)
		nz        int   // sig up to and including the last nonzero digit
		sawPoint  bool
	)
	for i < len(s) {
		c := s[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
			i++
		case c == '.':
			if sawPoint {
				return decimal{}, false
			}
			sawPoint = true
			i++
			continue
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			v = digitValue(r)
			if v < 0 {
				return decimal{}, false
			}
			i += size
		default:
			goto mantissaDone
		}
		nDigits++
		if sawPoint {
			scale++
		} else {
			intDigits++
		}
		if v == 0 && sig == 0 {
			leading++
			continue
		}
		if sig < maxDigits {
			x.d[sig] = byte('0' + v)
		}
		sig++
		if v != 0 {
			nz = sig
		}
	}
mantissaDone:
	if nDigits == 0 {
		return decimal{}, false
	}
	var exp int64
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return decimal{}, false
		}
		e, ok := parseExponent(s[i+1:])
		if !ok {
			return decimal{}, false
		}
		exp = e
	}
	if !javaInt32(scale - exp) {
		return decimal{}, false
	}
	if nz == 0 {
		return decimal{}, true // zero
	}
	x.nd = nz
	// Value = 0.<leading zeros><digits> × 10^intDigits × 10^exp.
	x.exp = intDigits - leading + int(exp)
	return x, true
}

// parseExponent parses the digits after e/E as Java's BigDecimal does.
func parseExponent(s string) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false // "No exponent digits."
	}
	var vals [11]int
	n := 0
	for s != "" {
		r, size := utf8.DecodeRuneInString(s)
		v := digitValue(r)
		if v < 0 {
			return 0, false
		}
		s = s[size:]
		if v == 0 && n == 0 {
			continue // leading zeros do not count toward the 10-digit limit
		}
		if n == len(vals) {
			return 0, false
		}
		vals[n] = v
		n++
	}
	if n > 10 {
		return 0, false
	}
	var e int64
	for _, v := range vals[:n] {
		e = e*10 + int64(v)
	}
	if neg {
		e = -e
	}
	if !javaInt32(e) {
		return 0, false
	}
	return e, true
}

// digitValue returns the value of a Unicode decimal digit (category Nd), or
// -1. Nd digits come in contiguous runs of ten starting at a zero, and
// unicode.Nd's ranges start at such a zero.
func digitValue(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	if r < utf8.RuneSelf || !unicode.Is(unicode.Nd, r) {
		return -1
	}
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	return -1
}

// check applies DynamoDB's precision and range limits, in DynamoDB's order.
func (x *decimal) check() error {
	if x.nd == 0 {
		return nil
	}
	if x.nd > maxDigits {
		return errorf(msgPrecision)
	}
	switch sci := x.sciExp(); {
	case sci > maxSciExp:
		return errorf(msgOverflow)
	case sci < minSciExp:
		return errorf(msgUnderflow)
	}
	return nil
}

// appendText appends the canonical text: plain notation (no exponent), no
// leading zeros beyond a single "0" before the point, no trailing fraction
// zeros (and no point without a fraction), "-" for negatives, "0" for zero.
// This is what DynamoDB returns for a number it stored.
func (x *decimal) appendText(dst []byte) []byte {
	if x.nd == 0 {
		return append(dst, '0')
	}
	ds := x.digits()
	if x.neg {
		dst = append(dst, '-')
	}
	switch {
	case x.exp <= 0:
		dst = append(dst, '0', '.')
		for range -x.exp {
			dst = append(dst, '0')
		}
		dst = append(dst, ds...)
	case x.exp >= len(ds):
		dst = append(dst, ds...)
		for range x.exp - len(ds) {
			dst = append(dst, '0')
		}
	default:
		dst = append(dst, ds[:x.exp]...)
		dst = append(dst, '.')
		dst = append(dst, ds[x.exp:]...)
	}
	return dst
}

func (x *decimal) String() string {
	var buf [64]byte
	return string(x.appendText(buf[:0]))
}

// isCanonical reports whether s is a canonical number text (see
// appendText) and, if so, its significant digit count and scientific
// exponent, without allocating: the fast path of decoding.
func isCanonical(s string) (sig, sci int, ok bool) {
	i := 0
	if s == "0" {
		return 0, 0, true
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i == len(s) {
		return 0, 0, false
	}
	intStart := i
	if s[i] == '0' {
		// "0.<fraction>" only.
		i++
		if i == len(s) || s[i] != '.' {
			return 0, 0, false
		}
	} else {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == intStart {
			return 0, 0, false
		}
	}
	intLen := i - intStart
	if i == len(s) {
		// Integer ≥ 1: trailing zeros are not significant.
		end := len(s)
		for s[end-1] == '0' {
			end--
		}
		return end - intStart, intLen - 1, true
	}
	if s[i] != '.' {
		return 0, 0, false
	}
	i++
	fracStart := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i != len(s) || i == fracStart || s[len(s)-1] == '0' {
		return 0, 0, false
	}
	if s[intStart] == '0' {
		// 0.000ddd
		z := fracStart
		for s[z] == '0' {
			z++
		}
		return len(s) - z, -(z - fracStart) - 1, true
	}
	return intLen + (len(s) - fracStart), intLen - 1, true
}

// canonicalize validates text and returns its canonical form, text itself
// (not copied) when it already is canonical.
func canonicalize(text string) (string, error) {
	if sig, sci, ok := isCanonical(text); ok {
		switch {
		case sig == 0:
			return text, nil
		case sig > maxDigits:
			return "", errorf(msgPrecision)
		case sci > maxSciExp:
			return "", errorf(msgOverflow)
		case sci < minSciExp:
			return "", errorf(msgUnderflow)
		}
		return text, nil
	}
	x, ok := parseDecimal(text)
	if !ok {
		return "", errorf(msgBadNumber)
	}
	if err := x.check(); err != nil {
		return "", err
	}
	return x.String(), nil
}

// CanonicalNumber validates text as DynamoDB validates a number (Java
// BigDecimal syntax; at most 38 significant digits, leading and trailing
// zeros not counting; magnitude 0 or from 1E-130 to
// 9.9999999999999999999999999999999999999E+125) and returns the canonical
// text DynamoDB returns for it: plain notation, no exponent, no
// insignificant zeros ("1.50" → "1.5", "-0" → "0", "1e3" → "1000",
// "1E-5" → "0.00001"). Errors are *Error with DynamoDB's messages.
func CanonicalNumber(text string) (string, error) {
	return canonicalize(text)
}

// toApd converts x (at most maxDigits digits) to an apd.Decimal, exactly.
func (x *decimal) toApd() *apd.Decimal {
	var a apd.Decimal
	if x.nd == 0 {
		return &a
	}
	var c uint64
	ds := x.digits()
	// Up to 19 digits fit a uint64; the rest through SetString.
	if len(ds) <= 19 {
		for _, d := range ds {
			c = c*10 + uint64(d-'0')
		}
		a.Coeff.SetUint64(c)
	} else {
		a.Coeff.SetString(string(ds), 10)
	}
	a.Exponent = int32(x.exp - len(ds))
	a.Negative = x.neg
	return &a
}

// fromApd converts a finite a to a decimal; digits beyond maxDigits are
// counted, not kept.
func fromApd(a *apd.Decimal) decimal {
	var x decimal
	var buf [128]byte
	s := a.Coeff.Append(buf[:0], 10)
	n := len(s)
	for n > 0 && s[n-1] == '0' {
		n--
	}
	if n == 0 {
		return x
	}
	x.neg = a.Negative
	x.nd = n
	copy(x.d[:], s[:min(n, maxDigits)])
	x.exp = int(a.Exponent) + len(s)
	return x
}

// exactContext returns an arithmetic context wide enough that a sum of
// two in-range numbers is exact: the digits of such a sum span at most
// 125+130+2 places.
func exactContext() *apd.Context { return apd.BaseContext.WithPrecision(300) }

// addNumbers returns a+b (a-b when sub), exact, checked against DynamoDB's
// limits, in canonical text.
func addNumbers(a, b string, sub bool) (string, error) {
	x, ok := parseDecimal(a)
	if !ok {
		return "", errorf(msgBadNumber)
	}
	y, ok := parseDecimal(b)
	if !ok {
		return "", errorf(msgBadNumber)
	}
	if err := x.check(); err != nil {
		return "", err
	}
	if err := y.check(); err != nil {
		return "", err
	}
	var r apd.Decimal
	var err error
	exactCtx := exactContext()
	if sub {
		_, err = exactCtx.Sub(&r, x.toApd(), y.toApd())
	} else {
		_, err = exactCtx.Add(&r, x.toApd(), y.toApd())
	}
	if err != nil {
		return "", errorf(msgBadNumber)
	}
	z := fromApd(&r)
	if err := z.check(); err != nil {
		return "", err
	}
	return z.String(), nil
}

// AddNumbers returns a+b exactly, in canonical text. Both operands must be
// valid numbers; a result beyond DynamoDB's limits (more than 38
// significant digits, or magnitude out of range) is an *Error with
// DynamoDB's message.
func AddNumbers(a, b string) (string, error) { return addNumbers(a, b, false) }

// SubNumbers returns a-b exactly, in canonical text, with AddNumbers'
// errors.
func SubNumbers(a, b string) (string, error) { return addNumbers(a, b, true) }

// CompareNumbers compares two number texts numerically: -1 if a < b, 0 if
// equal, +1 if a > b. It allocates nothing. Texts that are not numbers
// (never produced by this package) order after every number, bytewise
// among themselves, so the order stays total.
func CompareNumbers(a, b string) int {
	if a == b {
		return 0
	}
	if ca, cb := canonicalSignMag(a), canonicalSignMag(b); ca != 0 && cb != 0 {
		return compareCanonical(a, b, ca, cb)
	}
	x, okA := parseDecimal(a)
	y, okB := parseDecimal(b)
	switch {
	case !okA && !okB:
		return strings.Compare(a, b)
	case !okA:
		return 1
	case !okB:
		return -1
	}
	return compareDecimal(&x, &y)
}

// canonicalSignMag returns 2 for a canonical zero, 3 for a canonical
// positive, 1 for a canonical negative number text, 0 otherwise.
func canonicalSignMag(s string) int {
	sig, _, ok := isCanonical(s)
	switch {
	case !ok:
		return 0
	case sig == 0:
		return 2
	case s[0] == '-':
		return 1
	}
	return 3
}

// compareCanonical compares canonical texts a and b of signs sa, sb (see
// canonicalSignMag) without parsing: for canonical texts of equal sign, a
// longer integer part means a larger magnitude, and with equal integer
// parts (all below 1 counting as empty) the texts compare bytewise.
func compareCanonical(a, b string, sa, sb int) int {
	if sa != sb {
		if sa < sb {
			return -1
		}
		return 1
	}
	if sa == 2 {
		return 0
	}
	c := 0
	if sa == 1 {
		a, b = a[1:], b[1:]
	}
	ia, ib := intPartLen(a), intPartLen(b)
	switch {
	case ia < ib:
		c = -1
	case ia > ib:
		c = 1
	default:
		c = strings.Compare(a, b)
	}
	if sa == 1 {
		return -c
	}
	return c
}

// intPartLen is the number of digits before the point of a canonical
// positive text, 0 when it is below 1.
func intPartLen(s string) int {
	if s[0] == '0' {
		return 0
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return i
	}
	return len(s)
}

func (x *decimal) sign() int {
	switch {
	case x.nd == 0:
		return 0
	case x.neg:
		return -1
	}
	return 1
}

func compareDecimal(a, b *decimal) int {
	sa, sb := a.sign(), b.sign()
	if sa != sb {
		if sa < sb {
			return -1
		}
		return 1
	}
	if sa == 0 {
		return 0
	}
	c := compareMagnitude(a, b)
	if sa < 0 {
		return -c
	}
	return c
}

func compareMagnitude(a, b *decimal) int {
	if a.exp != b.exp {
		if a.exp < b.exp {
			return -1
		}
		return 1
	}
	if c := strings.Compare(string(a.digits()), string(b.digits())); c != 0 {
		return c
	}
	// Equal stored digits: only the count beyond maxDigits can differ.
	switch {
	case a.nd < b.nd:
		return -1
	case a.nd > b.nd:
		return 1
	}
	return 0
}
