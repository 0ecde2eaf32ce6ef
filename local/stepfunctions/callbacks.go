package stepfunctions

import (
	"context"
	"time"

	"github.com/shopgraph/shopgraph/local/stepfunctions/asl"
)

// waiter is a callback task waiting for SendTask*.
type waiter struct {
	result    chan taskResult // buffered 1: the first SendTaskSuccess/Failure wins
	heartbeat chan struct{}   // buffered 1
}

type taskResult struct {
	output any
	err    *asl.Error
}

func (s *Service) addWaiter(token string) *waiter {
	w := &waiter{result: make(chan taskResult, 1), heartbeat: make(chan struct{}, 1)}
	s.mu.Lock()
	s.tokens[token] = w
	s.mu.Unlock()
	return w
}

func (s *Service) removeWaiter(token string) {
	s.mu.Lock()
	delete(s.tokens, token)
	s.mu.Unlock()
}

func (s *Service) waiterFor(token string) *waiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[token]
}

// complete delivers a callback result; false when a result was already
// delivered.
func (w *waiter) complete(r taskResult) bool {
	select {
	case w.result <- r:
		return true
	default:
		return false
	}
}

func (w *waiter) beat() {
	select {
	case w.heartbeat <- struct{}{}:
	default:
	}
}

// wait waits for the task's result; with heartbeatSeconds > 0, a gap of
// that long without a heartbeat is States.HeartbeatTimeout.
func (w *waiter) wait(ctx context.Context, clock asl.Clock, heartbeatSeconds int) (any, error) {
	for {
		var expired chan struct{}
		hbCtx, stop := context.WithCancel(ctx)
		if heartbeatSeconds > 0 {
			expired = make(chan struct{})
			go func() {
				if clock.Sleep(hbCtx, time.Duration(heartbeatSeconds)*time.Second) == nil {
					close(expired)
				}
			}()
		}
		select {
		case r := <-w.result:
			stop()
			if r.err != nil {
				return nil, r.err
			}
			return r.output, nil
		case <-w.heartbeat:
			stop()
		case <-expired:
			stop()
			return nil, &asl.Error{Name: "States.HeartbeatTimeout"}
		case <-ctx.Done():
			stop()
			return nil, ctx.Err()
		}
	}
}
