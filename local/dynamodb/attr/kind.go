package attr

// String returns the kind's DynamoDB type descriptor ("S", "N", "B", "BOOL",
// "NULL", "M", "L", "SS", "NS", "BS"), or "Invalid" for the zero Kind and
// any unknown value.
func (k Kind) String() string {
	switch k {
	case S:
		return "S"
	case N:
		return "N"
	case B:
		return "B"
	case BOOL:
		return "BOOL"
	case NULL:
		return "NULL"
	case M:
		return "M"
	case L:
		return "L"
	case SS:
		return "SS"
	case NS:
		return "NS"
	case BS:
		return "BS"
	}
	return "Invalid"
}

// Str returns an S value.
func Str(s string) Value { return Value{Kind: S, Str: s} }

// Num returns an N value of text's canonical form. It panics when text is
// not a valid DynamoDB number: it is for tests and literals, never for
// client input (use CanonicalNumber there).
func Num(text string) Value {
	c, err := CanonicalNumber(text)
	if err != nil {
		panic("attr.Num(" + text + "): " + err.Error())
	}
	return Value{Kind: N, Str: c}
}

// Bytes returns a B value holding b (not copied).
func Bytes(b []byte) Value { return Value{Kind: B, Bin: b} }

// Clone returns a deep copy of v: no slice or map is shared with v.
func (v Value) Clone() Value {
	switch v.Kind {
	case B:
		v.Bin = cloneBytes(v.Bin)
	case M:
		v.Map = Item(v.Map).Clone()
	case L:
		if v.List != nil {
			l := make([]Value, len(v.List))
			for i, e := range v.List {
				l[i] = e.Clone()
			}
			v.List = l
		}
	case SS, NS:
		if v.Strs != nil {
			v.Strs = append([]string(nil), v.Strs...)
		}
	case BS:
		if v.Bins != nil {
			bs := make([][]byte, len(v.Bins))
			for i, b := range v.Bins {
				bs[i] = cloneBytes(b)
			}
			v.Bins = bs
		}
	}
	return v
}

// Clone returns a deep copy of it (nil stays nil).
func (it Item) Clone() Item {
	if it == nil {
		return nil
	}
	c := make(Item, len(it))
	for k, v := range it {
		c[k] = v.Clone()
	}
	return c
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}
