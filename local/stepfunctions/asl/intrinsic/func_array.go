package intrinsic

import "fmt"

// maxRangeItems is the most elements States.ArrayRange may produce.
const maxRangeItems = 1000

// array is States.Array(value, ...): its arguments as an array.
func array(args []argument) (any, error) {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a.value
	}
	return out, nil
}

// arrayPartition is States.ArrayPartition(array, chunkSize): the array cut
// into chunks of chunkSize elements (the last may be shorter).
func arrayPartition(args []argument) (any, error) {
	arr, err := arrayArg(args[0].value)
	if err != nil {
		return nil, err
	}
	size, err := roundedArg(args[1].value)
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, fmt.Errorf("%w: chunk size %d is not positive", errInvalidArguments, size)
	}
	chunk := int(min(size, int64(len(arr))))
	out := []any{}
	for start := 0; start < len(arr); start += chunk {
		end := min(start+chunk, len(arr))
		out = append(out, append([]any{}, arr[start:end]...))
	}
	return out, nil
}

// arrayContains is States.ArrayContains(array, value): whether the array
// holds an element equal to value.
func arrayContains(args []argument) (any, error) {
	arr, err := arrayArg(args[0].value)
	if err != nil {
		return nil, err
	}
	want := canonicalKey(args[1].value)
	for _, el := range arr {
		if canonicalKey(el) == want {
			return true, nil
		}
	}
	return false, nil
}

// arrayRange is States.ArrayRange(start, end, step): the numbers from start
// to end (inclusive) by step, at most 1000 of them.
func arrayRange(args []argument) (any, error) {
	bounds, err := integerArgs(args, roundedArg)
	if err != nil {
		return nil, err
	}
	start, end, step := bounds[0], bounds[1], bounds[2]
	if step == 0 {
		return nil, fmt.Errorf("%w: step is 0", errInvalidArguments)
	}
	// In float64: end-start may overflow int64.
	span := (float64(end) - float64(start)) / float64(step)
	if span+1 > maxRangeItems {
		return nil, fmt.Errorf("%w: more than %d elements", errInvalidArguments, maxRangeItems)
	}
	count := 0
	if span >= 0 {
		count = int(span) + 1
	}
	out := make([]any, count)
	for i := range out {
		out[i] = number(start + int64(i)*step)
	}
	return out, nil
}

// arrayGetItem is States.ArrayGetItem(array, index): the element at index.
func arrayGetItem(args []argument) (any, error) {
	arr, err := arrayArg(args[0].value)
	if err != nil {
		return nil, err
	}
	i, err := roundedArg(args[1].value)
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= int64(len(arr)) {
		return nil, fmt.Errorf("%w: index %d out of range [0, %d)", errInvalidArguments, i, len(arr))
	}
	return arr[i], nil
}

// arrayLength is States.ArrayLength(array): the number of elements.
func arrayLength(args []argument) (any, error) {
	arr, err := arrayArg(args[0].value)
	if err != nil {
		return nil, err
	}
	return number(int64(len(arr))), nil
}

// arrayUnique is States.ArrayUnique(array): the array without repeated
// elements, each kept where it first appears.
func arrayUnique(args []argument) (any, error) {
	arr, err := arrayArg(args[0].value)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(arr))
	out := make([]any, 0, len(arr))
	for _, el := range arr {
		if k := canonicalKey(el); !seen[k] {
			seen[k] = true
			out = append(out, el)
		}
	}
	return out, nil
}
