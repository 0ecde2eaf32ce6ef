package intrinsic

// function is one intrinsic function: its name, how many arguments it takes
// and its implementation, which gets the evaluated arguments.
type function struct {
	name    string
	minArgs int
	maxArgs int // -1: no limit
	impl    func(args []argument) (any, error)
}

// accepts reports whether the function takes n arguments.
func (f *function) accepts(n int) bool {
	return n >= f.minArgs && (f.maxArgs < 0 || n <= f.maxArgs)
}

// functions are the 18 intrinsic functions by name.
var functions = byName(
	&function{"States.Format", 1, -1, format},
	&function{"States.StringToJson", 1, 1, stringToJSON},
	&function{"States.JsonToString", 1, 1, jsonToString},
	&function{"States.Array", 0, -1, array},
	&function{"States.ArrayPartition", 2, 2, arrayPartition},
	&function{"States.ArrayContains", 2, 2, arrayContains},
	&function{"States.ArrayRange", 3, 3, arrayRange},
	&function{"States.ArrayGetItem", 2, 2, arrayGetItem},
	&function{"States.ArrayLength", 1, 1, arrayLength},
	&function{"States.ArrayUnique", 1, 1, arrayUnique},
	&function{"States.Base64Encode", 1, 1, base64Encode},
	&function{"States.Base64Decode", 1, 1, base64Decode},
	&function{"States.Hash", 2, 2, hashData},
	&function{"States.JsonMerge", 3, 3, jsonMerge},
	&function{"States.MathRandom", 2, 3, mathRandom},
	&function{"States.MathAdd", 2, 2, mathAdd},
	&function{"States.StringSplit", 2, 2, stringSplit},
	&function{"States.UUID", 0, 0, uuid},
)

func byName(fns ...*function) map[string]*function {
	m := make(map[string]*function, len(fns))
	for _, f := range fns {
		m[f.name] = f
	}
	return m
}
