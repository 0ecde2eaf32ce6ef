package attr

// Size returns v's size as DynamoDB counts it toward the 400 KB item limit
// and the 1 MB Query/Scan page (without any attribute name), as measured
// against DynamoDB Local:
//
//   - S: UTF-8 length. B: byte length.
//   - N: 1 byte per base-100 digit pair of its significant digits (pairs
//     aligned on the decimal point: "123.45" is 01|23|45, 3 pairs) plus 1;
//     plus 1 for negatives. Zero is 1. (DynamoDB documents "approximately
//     1 byte per two significant digits, plus 1"; this rule reproduces
//     DynamoDB Local's 400 KB limit exactly.)
//   - BOOL, NULL: 1.
//   - M, L: 3 bytes plus, per element, 1 byte plus the element's size (for
//     M also the key's UTF-8 length).
//   - SS, NS, BS: the sum of the element sizes as S, N or B.
func Size(v Value) int {
	switch v.Kind {
	case S:
		return len(v.Str)
	case B:
		return len(v.Bin)
	case N:
		return numberSize(v.Str)
	case BOOL, NULL:
		return 1
	case M:
		n := 3
		for k, e := range v.Map {
			n += 1 + len(k) + Size(e)
		}
		return n
	case L:
		n := 3
		for _, e := range v.List {
			n += 1 + Size(e)
		}
		return n
	case SS:
		n := 0
		for _, s := range v.Strs {
			n += len(s)
		}
		return n
	case NS:
		n := 0
		for _, s := range v.Strs {
			n += numberSize(s)
		}
		return n
	case BS:
		n := 0
		for _, b := range v.Bins {
			n += len(b)
		}
		return n
	}
	return 0
}

// ItemSize returns it's size as DynamoDB counts it: for each attribute the
// UTF-8 length of its name plus Size of its value.
func ItemSize(it Item) int {
	n := 0
	for k, v := range it {
		n += len(k) + Size(v)
	}
	return n
}

// numberSize is DynamoDB's size of a number: its significant digits are
// stored in base 100, pairs aligned on the decimal point ("123.45" is
// 01|23|45: 3 pairs), plus 1 byte, plus 1 for negatives; zero is 1 byte.
// (Measured against DynamoDB Local's 400 KB item limit.)
func numberSize(s string) int {
	d, ok := parseDecimal(s)
	if !ok {
		return len(s)
	}
	if d.nd == 0 {
		return 1
	}
	// The first digit's place value is 10^(exp-1), the last's 10^(exp-nd).
	first, last := d.exp-1, d.exp-d.nd
	n := 1 + floorDiv2(first) - floorDiv2(last) + 1
	if d.neg {
		n++
	}
	return n
}

func floorDiv2(n int) int {
	if n >= 0 {
		return n / 2
	}
	return -((-n + 1) / 2)
}
