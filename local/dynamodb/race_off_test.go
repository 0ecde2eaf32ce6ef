//go:build !race

package dynamodb_test

// raceEnabled reports a -race build (long loops are shortened under it).
const raceEnabled = false
