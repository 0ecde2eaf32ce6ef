package asl

import "github.com/shopgraph/shopgraph/internal/asltest"

// The engine's tests run on the fake clocks of asltest.
type (
	fastClock   = asltest.FastClock
	manualClock = asltest.ManualClock
)

func newFastClock() *fastClock     { return asltest.NewFastClock() }
func newManualClock() *manualClock { return asltest.NewManualClock() }
