package asl

import (
	"context"
	"errors"
	"sync"
)

// errSiblingFailed is the cancellation cause of the jobs still running when
// another job of the same fan-out failed.
var errSiblingFailed = errors.New("a sibling branch or iteration failed")

// fanOut runs job(ctx, i) for i in [0, n), at most limit at a time (0: no
// limit). The first job error cancels the context of the others; fanOut
// waits for every job it started and returns that first error. It owns its
// goroutines: none outlives the call.
func fanOut(ctx context.Context, n, limit int, job func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	fail := func(err error) {
		once.Do(func() {
			first = err
			cancel(errSiblingFailed)
		})
	}
	var sem chan struct{}
	if limit > 0 && limit < n {
		sem = make(chan struct{}, limit)
	}
launch:
	for i := range n {
		if sem != nil {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				break launch
			}
		}
		if ctx.Err() != nil {
			if sem != nil {
				<-sem
			}
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if sem != nil {
				defer func() { <-sem }()
			}
			if err := job(ctx, i); err != nil {
				fail(err)
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		// The parent context ended before every job was started.
		return context.Cause(ctx)
	}
	return first
}
