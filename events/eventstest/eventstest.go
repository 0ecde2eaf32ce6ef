// Package eventstest is the contract suite of the shopgraph.OrderEventBus
// port, with helpers to read subscriptions in tests: Run checks one
// implementation (the in-process hub, the Redis bridge) against what every
// implementation owes its callers. Only tests import it.
package eventstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
)

// Wait bounds how long the helpers wait for one event or for a channel to
// close.
const Wait = 10 * time.Second

// Harness is what the suite needs of one implementation.
type Harness struct {
	// Bus is the implementation under test, ready to deliver: a
	// subscription made now receives every event published after it. The
	// harness closes it at the test's cleanup.
	Bus shopgraph.OrderEventBus
	// Buffer is the per-subscription buffer Bus was configured with: a
	// subscriber is never cut off with at most Buffer events waiting, and
	// always with Buffer+2.
	Buffer int
}

// Run runs the contract's cases as subtests, each on a fresh harness.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	cases := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"InOrder", testInOrder},
		{"OnlyAfterSubscribe", testOnlyAfterSubscribe},
		{"SlowSubscriberCutOff", testSlowSubscriber},
		{"CloseIdempotent", testCloseIdempotent},
		{"CloseWhilePublishing", testCloseWhilePublishing},
		{"ConcurrentPublishers", testConcurrentPublishers},
		{"Push", testPush},
		{"PushSlowSubscriberCutOff", testPushSlow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			if h.Buffer < 4 {
				t.Fatalf("Harness.Buffer is %d; the suite needs 4 or more", h.Buffer)
			}
			c.run(t, h)
		})
	}
}

// Event is the i-th test event of publisher p: its OrderID names p and its
// Version is i, so Seq can tell them apart.
func Event(p, i int) shopgraph.OrderEvent {
	return shopgraph.OrderEvent{
		OrderID:        fmt.Sprintf("order-%d", p),
		CustomerID:     "customer-1",
		Status:         shopgraph.OrderConfirmed,
		PreviousStatus: shopgraph.OrderPending,
		Reason:         fmt.Sprintf("event %d of publisher %d", i, p),
		OccurredAt:     time.Date(2026, 1, 2, 3, 4, 5, i*1000, time.UTC),
		Version:        i,
	}
}

// Events returns Event(p, from) … Event(p, to-1).
func Events(p, from, to int) []shopgraph.OrderEvent {
	var out []shopgraph.OrderEvent
	for i := from; i < to; i++ {
		out = append(out, Event(p, i))
	}
	return out
}

// MustSubscribe subscribes to bus and closes the subscription at cleanup.
func MustSubscribe(tb testing.TB, bus shopgraph.OrderEventBus) shopgraph.OrderEventSubscription {
	tb.Helper()
	sub, err := bus.Subscribe(context.Background())
	if err != nil {
		tb.Fatalf("Subscribe: %v", err)
	}
	tb.Cleanup(sub.Close)
	return sub
}

// MustPublish publishes every event to bus, in order.
func MustPublish(tb testing.TB, bus shopgraph.OrderEventBus, evs ...shopgraph.OrderEvent) {
	tb.Helper()
	for _, ev := range evs {
		if err := bus.Publish(context.Background(), ev); err != nil {
			tb.Fatalf("Publish %s v%d: %v", ev.OrderID, ev.Version, err)
		}
	}
}

// Receive reads n events from sub, failing tb if the channel closes first
// or an event takes longer than Wait.
func Receive(tb testing.TB, sub shopgraph.OrderEventSubscription, n int) []shopgraph.OrderEvent {
	tb.Helper()
	out, err := receive(sub, n)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func receive(sub shopgraph.OrderEventSubscription, n int) ([]shopgraph.OrderEvent, error) {
	out := make([]shopgraph.OrderEvent, 0, n)
	timer := time.NewTimer(Wait)
	defer timer.Stop()
	for len(out) < n {
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				return out, fmt.Errorf("subscription ended after %d of %d events (Err: %v)", len(out), n, sub.Err())
			}
			out = append(out, ev)
			timer.Reset(Wait)
		case <-timer.C:
			return out, fmt.Errorf("received %d of %d events; no event for %v", len(out), n, Wait)
		}
	}
	return out, nil
}

// ExpectEvents reads len(want) events from sub and fails tb unless they are
// want, in order.
func ExpectEvents(tb testing.TB, sub shopgraph.OrderEventSubscription, want []shopgraph.OrderEvent) {
	tb.Helper()
	if err := expectEvents(sub, want); err != nil {
		tb.Fatal(err)
	}
}

func expectEvents(sub shopgraph.OrderEventSubscription, want []shopgraph.OrderEvent) error {
	got, err := receive(sub, len(want))
	if err == nil {
		err = Diff(got, want)
	}
	return err
}

// Diff describes the first difference between two event sequences, or
// returns nil when they are equal.
func Diff(got, want []shopgraph.OrderEvent) error {
	for i := range min(len(got), len(want)) {
		if !Equal(got[i], want[i]) {
			return fmt.Errorf("event %d: got %s, want %s", i, Describe(got[i]), Describe(want[i]))
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("got %d events, want %d", len(got), len(want))
	}
	return nil
}

// Equal reports whether a and b are the same event (times compared as
// instants).
func Equal(a, b shopgraph.OrderEvent) bool {
	at, bt := a.OccurredAt, b.OccurredAt
	a.OccurredAt, b.OccurredAt = time.Time{}, time.Time{}
	return a == b && at.Equal(bt)
}

// Describe names an event briefly.
func Describe(ev shopgraph.OrderEvent) string {
	return fmt.Sprintf("%s v%d %s", ev.OrderID, ev.Version, ev.Status)
}

// ExpectEnded drains sub until its channel closes (at most max events, within
// Wait) and fails tb unless its Err is then want (errors.Is). It returns the
// events drained.
func ExpectEnded(tb testing.TB, sub shopgraph.OrderEventSubscription, max int, want error) []shopgraph.OrderEvent {
	tb.Helper()
	var got []shopgraph.OrderEvent
	timer := time.NewTimer(Wait)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-sub.Events():
			if !ok {
				if err := sub.Err(); !errors.Is(err, want) || (want == nil && err != nil) {
					tb.Fatalf("ended subscription's Err = %v, want %v", err, want)
				}
				return got
			}
			got = append(got, ev)
			if len(got) > max {
				tb.Fatalf("subscription delivered more than %d events and did not end", max)
			}
		case <-timer.C:
			tb.Fatalf("subscription did not end within %v (%d events drained)", Wait, len(got))
		}
	}
}

// ExpectNothing fails tb if sub delivers an event or ends within d.
func ExpectNothing(tb testing.TB, sub shopgraph.OrderEventSubscription, d time.Duration) {
	tb.Helper()
	select {
	case ev, ok := <-sub.Events():
		if !ok {
			tb.Fatalf("subscription ended (Err: %v), want it open", sub.Err())
		}
		tb.Fatalf("unexpected event %s", Describe(ev))
	case <-time.After(d):
	}
}

func testInOrder(t *testing.T, h Harness) {
	subs := []shopgraph.OrderEventSubscription{MustSubscribe(t, h.Bus), MustSubscribe(t, h.Bus), MustSubscribe(t, h.Bus)}
	// Publish in rounds of at most Buffer events, each read before the
	// next, so no subscriber falls behind.
	const total = 200
	for from := 0; from < total; from += h.Buffer {
		to := min(from+h.Buffer, total)
		MustPublish(t, h.Bus, Events(1, from, to)...)
		for _, sub := range subs {
			ExpectEvents(t, sub, Events(1, from, to))
		}
	}
	for _, sub := range subs {
		ExpectNothing(t, sub, 50*time.Millisecond)
	}
}

func testOnlyAfterSubscribe(t *testing.T, h Harness) {
	first := MustSubscribe(t, h.Bus)
	MustPublish(t, h.Bus, Event(1, 1))
	ExpectEvents(t, first, Events(1, 1, 2)) // event 1 has been delivered everywhere it goes
	second := MustSubscribe(t, h.Bus)
	MustPublish(t, h.Bus, Event(1, 2))
	ExpectEvents(t, first, Events(1, 2, 3))
	ExpectEvents(t, second, Events(1, 2, 3))
}

func testSlowSubscriber(t *testing.T, h Harness) {
	slow := MustSubscribe(t, h.Bus)
	fast := MustSubscribe(t, h.Bus)
	total := h.Buffer + 20
	// Lockstep with the fast subscriber, so only the slow one falls behind.
	for i := range total {
		MustPublish(t, h.Bus, Event(1, i))
		ExpectEvents(t, fast, Events(1, i, i+1))
	}
	// It gets (some of) the first Buffer (+1) events, in order, then the end.
	got := ExpectEnded(t, slow, h.Buffer+1, shopgraph.ErrSlowSubscriber)
	if err := Diff(got, Events(1, 0, len(got))); err != nil {
		t.Fatalf("the slow subscriber's buffered events: %v", err)
	}
	// The fast one is unaffected.
	MustPublish(t, h.Bus, Event(1, total))
	ExpectEvents(t, fast, Events(1, total, total+1))
	// And a new subscriber starts afresh.
	late := MustSubscribe(t, h.Bus)
	MustPublish(t, h.Bus, Event(1, total+1))
	ExpectEvents(t, late, Events(1, total+1, total+2))
}

func testCloseIdempotent(t *testing.T, h Harness) {
	sub := MustSubscribe(t, h.Bus)
	other := MustSubscribe(t, h.Bus)
	MustPublish(t, h.Bus, Event(1, 1))
	ExpectEvents(t, other, Events(1, 1, 2))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(sub.Close)
	}
	wg.Wait()
	sub.Close()
	ExpectEnded(t, sub, 1, nil)
	if err := sub.Err(); err != nil {
		t.Fatalf("Err after Close = %v, want nil", err)
	}
	// The others are unaffected.
	MustPublish(t, h.Bus, Event(1, 2))
	ExpectEvents(t, other, Events(1, 2, 3))
}

func testCloseWhilePublishing(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watcher := MustSubscribe(t, h.Bus)
	var wg sync.WaitGroup
	const published = 300
	wg.Go(func() {
		for i := range published {
			if err := h.Bus.Publish(ctx, Event(1, i)); err != nil {
				t.Errorf("Publish: %v", err)
				return
			}
		}
	})
	for range 4 {
		wg.Go(func() {
			for range 25 {
				sub, err := h.Bus.Subscribe(ctx)
				if err != nil {
					t.Errorf("Subscribe: %v", err)
					return
				}
				select {
				case <-sub.Events():
				case <-time.After(time.Millisecond):
				}
				sub.Close()
				sub.Close()
				for range sub.Events() { // closed: drains what was buffered
				}
				if err := sub.Err(); err != nil && !errors.Is(err, shopgraph.ErrSlowSubscriber) {
					t.Errorf("Err after Close = %v", err)
				}
			}
		})
	}
	// The watcher reads while the others churn. It may fall behind the
	// publisher and be cut off; what it got must still be in order.
	got, err := receive(watcher, published)
	wg.Wait()
	if err != nil && !errors.Is(watcher.Err(), shopgraph.ErrSlowSubscriber) {
		t.Fatal(err)
	}
	if err := Diff(got, Events(1, 0, len(got))); err != nil {
		t.Fatalf("the watcher's events: %v", err)
	}
}

func testConcurrentPublishers(t *testing.T, h Harness) {
	// At most Buffer events in all, so no subscriber can be cut off however
	// late it reads.
	const publishers = 4
	per := h.Buffer / publishers
	subs := make([]shopgraph.OrderEventSubscription, 6)
	for i := range subs {
		subs[i] = MustSubscribe(t, h.Bus)
	}
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Go(func() {
			for i := range per {
				if err := h.Bus.Publish(context.Background(), Event(p, i)); err != nil {
					t.Errorf("Publish: %v", err)
					return
				}
			}
		})
	}
	got := make([][]shopgraph.OrderEvent, len(subs))
	var errs []error
	var mu sync.Mutex
	for i, sub := range subs {
		wg.Go(func() {
			evs, err := receive(sub, publishers*per)
			mu.Lock()
			defer mu.Unlock()
			got[i] = evs
			if err != nil {
				errs = append(errs, fmt.Errorf("subscriber %d: %w", i, err))
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for i, evs := range got {
		// Each publisher's events arrive in its order, once each…
		for p := range publishers {
			var mine []shopgraph.OrderEvent
			for _, ev := range evs {
				if ev.OrderID == Event(p, 0).OrderID {
					mine = append(mine, ev)
				}
			}
			if err := Diff(mine, Events(p, 0, per)); err != nil {
				t.Errorf("subscriber %d, publisher %d: %v", i, p, err)
			}
		}
		// …and every subscriber sees one order.
		if !slices.EqualFunc(evs, got[0], Equal) {
			t.Errorf("subscriber %d saw another order than subscriber 0", i)
		}
	}
	for _, sub := range subs {
		ExpectNothing(t, sub, 20*time.Millisecond)
	}
}

// testPush: the bus hands a push
// subscription the events of its order, in order, one call at a time, and
// nothing after stop (which does not call ended).
func testPush(t *testing.T, h Harness) {
	got := make(chan shopgraph.OrderEvent, 100)
	var busy atomic.Int32
	stop, err := h.Bus.SubscribePush(Event(1, 0).OrderID, "", func(ev shopgraph.OrderEvent) {
		if busy.Add(1) > 1 {
			t.Error("deliver was called while a call was running")
		}
		time.Sleep(time.Millisecond) // give an overlapping call its chance
		got <- ev
		busy.Add(-1)
	}, func(err error) { t.Errorf("ended(%v) for a subscription that was stopped", err) })
	if err != nil {
		t.Fatal(err)
	}
	MustPublish(t, h.Bus, Events(2, 0, 3)...) // another order's: never handed over
	MustPublish(t, h.Bus, Events(1, 0, 10)...)
	for i := range 10 {
		select {
		case ev := <-got:
			if !Equal(ev, Event(1, i)) {
				t.Fatalf("push %d: %s, want %s", i, Describe(ev), Describe(Event(1, i)))
			}
		case <-time.After(Wait):
			t.Fatalf("push %d did not come", i)
		}
	}
	stop()
	MustPublish(t, h.Bus, Events(1, 10, 12)...)
	select {
	case ev := <-got:
		t.Fatalf("pushed %s after stop", Describe(ev))
	case <-time.After(200 * time.Millisecond):
	}
	stop() // again: harmless
}

// testPushSlow: a push subscription whose deliver does not return while
// more than Buffer events arrive is cut off with ErrSlowSubscriber, told
// after its running deliver has returned, and handed nothing after that;
// the bus's other subscribers are unaffected.
func testPushSlow(t *testing.T, h Harness) {
	fast := MustSubscribe(t, h.Bus)
	release := make(chan struct{})
	var delivered, busy atomic.Int32
	type end struct {
		err             error
		delivered, busy int32
	}
	ended := make(chan end, 2)
	stop, err := h.Bus.SubscribePush("", "", func(shopgraph.OrderEvent) {
		busy.Add(1)
		<-release
		delivered.Add(1)
		busy.Add(-1)
	}, func(err error) { ended <- end{err, delivered.Load(), busy.Load()} })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	total := h.Buffer + 2
	for i := range total { // in lockstep with fast: the push subscription has each event when fast does
		MustPublish(t, h.Bus, Event(1, i))
		ExpectEvents(t, fast, Events(1, i, i+1))
	}
	close(release)
	select {
	case e := <-ended:
		if !errors.Is(e.err, shopgraph.ErrSlowSubscriber) || e.busy != 0 || int(e.delivered) > h.Buffer+1 {
			t.Fatalf("ended(%v) with %d delivered, %d running; want ErrSlowSubscriber after at most %d, none running", e.err, e.delivered, e.busy, h.Buffer+1)
		}
		n := delivered.Load()
		MustPublish(t, h.Bus, Event(1, total))
		ExpectEvents(t, fast, Events(1, total, total+1))
		time.Sleep(50 * time.Millisecond)
		if delivered.Load() != n || len(ended) != 0 {
			t.Fatal("handed events (or ended twice) after being cut off")
		}
	case <-time.After(Wait):
		t.Fatal("the slow push subscription was not cut off")
	}
}
