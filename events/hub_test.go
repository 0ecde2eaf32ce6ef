package events_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/events"
	"github.com/shopgraph/shopgraph/events/eventstest"
)

func TestHub_contract(t *testing.T) {
	// 16 fits in a subscription's channel; 100 needs its backlog too.
	for _, buffer := range []int{16, 100} {
		t.Run(fmt.Sprintf("buffer=%d", buffer), func(t *testing.T) {
			eventstest.Run(t, func(t *testing.T) eventstest.Harness {
				hub := events.NewHub(events.HubOptions{Buffer: buffer})
				t.Cleanup(hub.Close)
				return eventstest.Harness{Bus: hub, Buffer: buffer}
			})
		})
	}
}

func TestHub_defaultBuffer(t *testing.T) {
	hub := events.NewHub(events.HubOptions{})
	defer hub.Close()
	sub := eventstest.MustSubscribe(t, hub)
	eventstest.MustPublish(t, hub, eventstest.Events(1, 0, events.DefaultBuffer)...)
	if st := hub.Stats(); st.Subscribers != 1 || st.Dropped != 0 || st.Backlogged != 1 {
		t.Fatalf("after %d unread events: %+v, want the subscriber still there, backlogged", events.DefaultBuffer, st)
	}
	// One more may fit (the one being handed over is not counted); two do not.
	eventstest.MustPublish(t, hub, eventstest.Events(1, events.DefaultBuffer, events.DefaultBuffer+2)...)
	got := eventstest.ExpectEnded(t, sub, events.DefaultBuffer+1, shopgraph.ErrSlowSubscriber)
	if err := eventstest.Diff(got, eventstest.Events(1, 0, len(got))); err != nil {
		t.Fatal(err)
	}
	if st := hub.Stats(); st.Subscribers != 0 || st.Dropped != 1 || st.Backlogged != 0 {
		t.Fatalf("after the cut-off: %+v", st)
	}
}

// TestHub_backlog: a subscriber that lags behind its channel but not its
// buffer catches up on everything, in order, and the backlog's goroutine
// ends once it has.
func TestHub_backlog(t *testing.T) {
	hub := events.NewHub(events.HubOptions{Buffer: 200})
	defer hub.Close()
	lagging := eventstest.MustSubscribe(t, hub)
	eventstest.MustPublish(t, hub, eventstest.Events(1, 0, 200)...)
	eventstest.ExpectEvents(t, lagging, eventstest.Events(1, 0, 100))
	eventstest.MustPublish(t, hub, eventstest.Events(1, 200, 300)...) // 100 waiting + 100 = 200: still in
	eventstest.ExpectEvents(t, lagging, eventstest.Events(1, 100, 300))
	waitFor(t, "the backlog to drain", func() bool { return hub.Stats().Backlogged == 0 })
	eventstest.MustPublish(t, hub, eventstest.Events(1, 300, 310)...)
	eventstest.ExpectEvents(t, lagging, eventstest.Events(1, 300, 310))
	if st := hub.Stats(); st.Dropped != 0 || st.Delivered != 310 {
		t.Fatalf("Stats = %+v", st)
	}
	// Closing a subscription with a backlog ends its goroutine and its
	// channel (and the hub's Close returns only once the goroutine ended).
	eventstest.MustPublish(t, hub, eventstest.Events(1, 310, 400)...)
	lagging.Close()
	eventstest.ExpectEnded(t, lagging, 90, nil)
	hub.Close()
}

// TestHub_idleSubscriptionMemory: an idle subscription's memory does not grow
// with Buffer (allocation sizes are deterministic, unlike times).
func TestHub_idleSubscriptionMemory(t *testing.T) {
	const n = 10000
	hub := events.NewHub(events.HubOptions{Buffer: 1024})
	defer hub.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	subs := make([]shopgraph.OrderEventSubscription, n)
	for i := range subs {
		subs[i], _ = hub.Subscribe(context.Background())
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	t.Logf("%d bytes per idle subscription (Buffer 1024)", per)
	if per > 3<<10 {
		t.Fatalf("%d bytes per idle subscription, want at most 3 KB", per)
	}
	runtime.KeepAlive(subs)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(eventstest.Wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestHub_Stats(t *testing.T) {
	hub := events.NewHub(events.HubOptions{Buffer: 2})
	defer hub.Close()
	slow := eventstest.MustSubscribe(t, hub)
	fast := eventstest.MustSubscribe(t, hub)
	closed := eventstest.MustSubscribe(t, hub)
	closed.Close()
	for i := range 3 {
		eventstest.MustPublish(t, hub, eventstest.Event(1, i))
		eventstest.ExpectEvents(t, fast, eventstest.Events(1, i, i+1))
	}
	eventstest.ExpectEnded(t, slow, 2, shopgraph.ErrSlowSubscriber)
	want := events.Stats{Subscribers: 1, Subscribed: 3, Published: 3, Delivered: 5, Dropped: 1}
	if got := hub.Stats(); got != want {
		t.Fatalf("Stats = %+v, want %+v", got, want)
	}
}

func TestHub_Close(t *testing.T) {
	hub := events.NewHub(events.HubOptions{Buffer: 4})
	a := eventstest.MustSubscribe(t, hub)
	b := eventstest.MustSubscribe(t, hub)
	if a.Err() != nil {
		t.Fatalf("Err of an open subscription = %v, want nil", a.Err())
	}
	eventstest.MustPublish(t, hub, eventstest.Event(1, 1))
	hub.Close()
	hub.Close() // idempotent
	// A buffered event is still read, then the channel is closed.
	if got := eventstest.ExpectEnded(t, a, 1, events.ErrClosed); len(got) != 1 {
		t.Fatalf("drained %d events, want the one buffered", len(got))
	}
	eventstest.ExpectEnded(t, b, 1, events.ErrClosed)
	a.Close() // closing an ended subscription changes nothing
	if !errors.Is(a.Err(), events.ErrClosed) {
		t.Fatalf("Err after Close of an ended subscription = %v, want ErrClosed", a.Err())
	}
	if err := hub.Publish(context.Background(), eventstest.Event(1, 2)); !errors.Is(err, events.ErrClosed) {
		t.Fatalf("Publish after Close = %v, want ErrClosed", err)
	}
	if _, err := hub.Subscribe(context.Background()); !errors.Is(err, events.ErrClosed) {
		t.Fatalf("Subscribe after Close = %v, want ErrClosed", err)
	}
	if st := hub.Stats(); st.Subscribers != 0 {
		t.Fatalf("Subscribers after Close = %d", st.Subscribers)
	}
}

// TestHub_concurrent runs many publishers and readers, with subscriptions
// made and closed all along and the hub closed at the end, under -race. Each
// reader checks the invariants that hold whatever the timing: its events are
// in one order shared by all readers, each publisher's in publish order, and
// it ends only by its own Close, for slowness, or by the hub's Close.
func TestHub_concurrent(t *testing.T) {
	const publishers, perPub = 8, 400
	for _, c := range []struct {
		name   string
		buffer int
	}{
		{"none cut off", publishers * perPub}, // room for everything
		{"some cut off", 256},
		{"all cut off", 4},
	} {
		t.Run(c.name, func(t *testing.T) { testHubConcurrent(t, c.buffer, publishers, perPub, c.buffer == publishers*perPub) })
	}
}

func testHubConcurrent(t *testing.T, buffer, publishers, perPub int, noneCut bool) {
	const readers, churners = 24, 8
	hub := events.NewHub(events.HubOptions{Buffer: buffer})
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		received [][]shopgraph.OrderEvent
		ends     = map[string]int{}
	)
	start := make(chan struct{})
	for r := range readers {
		sub := eventstest.MustSubscribe(t, hub)
		wg.Go(func() {
			<-start
			var got []shopgraph.OrderEvent
			for ev := range sub.Events() {
				got = append(got, ev)
				if r%3 == 0 && len(got)%100 == 0 {
					time.Sleep(time.Millisecond) // some readers lag and may be cut off
				}
				if noneCut && len(got) == publishers*perPub {
					sub.Close() // all there: end it before the hub's Close drops any
				}
			}
			why := fmt.Sprint(sub.Err())
			mu.Lock()
			defer mu.Unlock()
			received = append(received, got)
			ends[why]++
		})
	}
	var pubs sync.WaitGroup
	for p := range publishers {
		pubs.Go(func() {
			<-start
			for i := range perPub {
				if err := hub.Publish(context.Background(), eventstest.Event(p, i)); err != nil {
					t.Errorf("Publish: %v", err)
					return
				}
				runtime.Gosched()
			}
		})
	}
	stop := make(chan struct{})
	var churn sync.WaitGroup
	for range churners {
		churn.Go(func() {
			<-start
			for range 2000 {
				select {
				case <-stop:
					return
				default:
				}
				sub, err := hub.Subscribe(context.Background())
				if errors.Is(err, events.ErrClosed) {
					return
				} else if err != nil {
					t.Errorf("Subscribe: %v", err)
					return
				}
				select {
				case <-sub.Events():
				default:
				}
				_ = hub.Stats()
				sub.Close()
				sub.Close()
			}
		})
	}
	close(start)
	pubs.Wait()
	close(stop)
	churn.Wait()
	if noneCut {
		wg.Wait() // every reader ends itself, with every event
	}
	hub.Close()
	wg.Wait()

	st := hub.Stats()
	if st.Published != uint64(publishers*perPub) || st.Subscribers != 0 {
		t.Fatalf("Stats = %+v, want %d published and no subscriber left", st, publishers*perPub)
	}
	for why := range ends {
		if why != "<nil>" && why != events.ErrClosed.Error() && why != shopgraph.ErrSlowSubscriber.Error() {
			t.Errorf("a reader ended with %q", why)
		}
	}
	if noneCut && (ends["<nil>"] != readers || st.Dropped != 0) {
		t.Errorf("with room for every event, readers ended %v, %d dropped; want all by their own Close", ends, st.Dropped)
	}
	if int(st.Dropped) < ends[shopgraph.ErrSlowSubscriber.Error()] {
		t.Errorf("Dropped = %d, but %d readers were cut off", st.Dropped, ends[shopgraph.ErrSlowSubscriber.Error()])
	}
	// One order for all: project every reader's events onto the longest's.
	slices.SortFunc(received, func(a, b []shopgraph.OrderEvent) int { return len(b) - len(a) })
	longest := received[0]
	if noneCut && len(longest) != publishers*perPub {
		t.Errorf("the longest reader got %d events, want %d", len(longest), publishers*perPub)
	}
	for i, got := range received {
		if !slices.EqualFunc(got, longest[:len(got)], eventstest.Equal) {
			t.Fatalf("reader %d's %d events are not a prefix of the longest sequence", i, len(got))
		}
		next := make([]int, publishers)
		for _, ev := range got {
			var p int
			fmt.Sscanf(ev.OrderID, "order-%d", &p)
			if ev.Version != next[p] {
				t.Fatalf("reader %d: publisher %d's event %d arrived when %d was due", i, p, ev.Version, next[p])
			}
			next[p]++
		}
	}
	t.Logf("%d readers: %v; longest %d events; %+v", readers, ends, len(longest), st)
}

// BenchmarkHub_Publish measures fanning events out to N subscribers that
// each read in a goroutine of their own, the publisher keeping at most about
// 16 events in flight: per event, the publish and its N deliveries
// (ns/delivery is the cost of one delivered event on the machine's cores).
func BenchmarkHub_Publish(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			// The publisher waits for all but 16n deliveries, so no subscriber
			// lags by more than 16n events: give each room for that.
			hub := events.NewHub(events.HubOptions{Buffer: 16*n + 16})
			var readers sync.WaitGroup
			var delivered, slow atomic.Int64
			for range n {
				sub := eventstest.MustSubscribe(b, hub)
				readers.Go(func() {
					for range sub.Events() {
						delivered.Add(1)
					}
					if errors.Is(sub.Err(), shopgraph.ErrSlowSubscriber) {
						slow.Add(1)
					}
				})
			}
			ev := eventstest.Event(1, 1)
			var published int64
			for b.Loop() {
				_ = hub.Publish(context.Background(), ev)
				published++
				for delivered.Load() < (published-16)*int64(n) && slow.Load() == 0 {
					runtime.Gosched()
				}
			}
			b.StopTimer()
			hub.Close()
			readers.Wait()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/delivery")
			if slow.Load() > 0 {
				b.Fatalf("%d subscribers were cut off", slow.Load())
			}
		})
	}
}

// TestHub_subscribeMatching: a matching subscription gets only its order's
// or customer's events, and the others never fill its buffer.
func TestHub_subscribeMatching(t *testing.T) {
	h := events.NewHub(events.HubOptions{Buffer: 2})
	defer h.Close()
	ctx := context.Background()
	byOrder, err := h.SubscribeMatching(ctx, "o1", "")
	if err != nil {
		t.Fatal(err)
	}
	byCustomer, _ := h.SubscribeMatching(ctx, "", "c2")
	both, _ := h.SubscribeMatching(ctx, "o1", "c2")
	for i := range 10 { // far more than the buffer of 2, none theirs
		_ = h.Publish(ctx, shopgraph.OrderEvent{OrderID: "other", CustomerID: "c9", Version: i + 2})
	}
	_ = h.Publish(ctx, shopgraph.OrderEvent{OrderID: "o1", CustomerID: "c1", Version: 2})
	_ = h.Publish(ctx, shopgraph.OrderEvent{OrderID: "o3", CustomerID: "c2", Version: 2})
	_ = h.Publish(ctx, shopgraph.OrderEvent{OrderID: "o1", CustomerID: "c2", Version: 3})
	want := map[shopgraph.OrderEventSubscription][]string{byOrder: {"o1/2", "o1/3"}, byCustomer: {"o3/2", "o1/3"}, both: {"o1/3"}}
	for sub, w := range want {
		for _, id := range w {
			select {
			case ev, ok := <-sub.Events():
				if !ok {
					t.Fatalf("ended (%v) before %s: other orders' events filled its buffer", sub.Err(), id)
				}
				if got := fmt.Sprintf("%s/%d", ev.OrderID, ev.Version); got != id {
					t.Fatalf("got %s, want %s", got, id)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("no %s", id)
			}
		}
	}
}
