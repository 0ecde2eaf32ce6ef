package intrinsic

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// mathAdd is States.MathAdd(a, b): the sum of a and b, each rounded to an
// integer. Operands and sum must be 32-bit signed integers.
func mathAdd(args []argument) (any, error) {
	operands, err := int32Args(args, roundedArg)
	if err != nil {
		return nil, err
	}
	sum := operands[0] + operands[1]
	if err := checkInt32(sum); err != nil {
		return nil, err
	}
	return number(sum), nil
}

// int32Args converts each of args with toInteger and checks that it is a
// 32-bit signed integer.
func int32Args(args []argument, toInteger func(any) (int64, error)) ([]int64, error) {
	ns, err := integerArgs(args, toInteger)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		if err := checkInt32(n); err != nil {
			return nil, err
		}
	}
	return ns, nil
}

// checkInt32 fails unless n is a 32-bit signed integer.
func checkInt32(n int64) error {
	if n < math.MinInt32 || n > math.MaxInt32 {
		return fmt.Errorf("%w: %d is not a 32-bit integer", errInvalidArguments, n)
	}
	return nil
}

// mathRandom is States.MathRandom(start, end[, seed]): a random integer in
// [start, end), bounds truncated to integers. With a seed the result is the
// one AWS gives: start + java.util.Random(seed).nextInt(end - start).
func mathRandom(args []argument) (any, error) {
	bounds, err := int32Args(args[:2], truncatedArg)
	if err != nil {
		return nil, err
	}
	start, end := bounds[0], bounds[1]
	bound := end - start
	if bound <= 0 || bound > math.MaxInt32 {
		return nil, fmt.Errorf("%w: empty or too wide range [%d, %d)", errInvalidArguments, start, end)
	}
	if len(args) < 3 {
		return number(start + rand.Int64N(bound)), nil
	}
	seed, err := truncatedArg(args[2].value)
	if err != nil {
		return nil, err
	}
	return number(start + int64(newJavaRandom(seed).nextInt(int32(bound)))), nil
}

// javaRandom is java.util.Random's linear congruential generator, so that
// seeded States.MathRandom calls give AWS's numbers.
type javaRandom struct{ seed int64 }

const (
	javaMultiplier = 0x5DEECE66D
	javaAddend     = 0xB
	javaMask       = 1<<48 - 1
)

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ javaMultiplier) & javaMask}
}

// next returns the next bits-bit random number (Random.next).
func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*javaMultiplier + javaAddend) & javaMask
	return int32(uint64(r.seed) >> (48 - bits))
}

// nextInt returns a number in [0, bound) (Random.nextInt(int)); bound > 0.
func (r *javaRandom) nextInt(bound int32) int32 {
	x := r.next(31)
	m := bound - 1
	if bound&m == 0 {
		return int32((int64(bound) * int64(x)) >> 31)
	}
	for u := x; ; u = r.next(31) {
		x = u % bound
		if u-x+m >= 0 { // int32 overflow means a biased draw: retry
			return x
		}
	}
}
