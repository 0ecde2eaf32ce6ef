package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/coder/websocket"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
	"github.com/shopgraph/shopgraph/local/userpool"
	"github.com/shopgraph/shopgraph/server"
)

// The real-time benchmark's load driver runs in a child process: this test
// binary, re-executed with rtDriverEnv set to its JSON configuration, opens
// the subscribers and measures delivery latency at the client, so that the
// server process's resident memory and CPU are the server's alone. It speaks
// to the benchmark over its stdin and stdout, one JSON value a line. It
// starts from init, before TestMain and the test flags, and never runs a
// test.
const rtDriverEnv = "SHOPGRAPH_BENCH_REALTIME_DRIVER"

// rtProfileEnv, when set to a directory, makes the benchmark write the
// server process's profiles there for the largest N of each mode: its heap
// and goroutines while the subscribers are idle (what a connection holds:
// realtime-<mode>-<N>.heap.pprof, .goroutines.txt) and its CPU over the
// publishing phase alone (what a delivery costs: .cpu.pprof, unless
// -cpuprofile is already profiling the whole run).
const rtProfileEnv = "SHOPGRAPH_BENCH_REALTIME_PROFILE"

func init() {
	if cfg := os.Getenv(rtDriverEnv); cfg != "" {
		os.Exit(runRealtimeDriver(cfg))
	}
}

// The targets: 10,000 subscribers on 2 cores with p99 ≤ 250 ms and
// ≤ 20 KB per idle connection.
const (
	rtTargetSubscribers = 10_000
	rtTargetP99         = 250 * time.Millisecond
	rtTargetIdleBytes   = 20 << 10
	rtTargetCores       = 2
)

// rtFDReserve is how many file descriptors a process keeps for everything
// but the subscribers' sockets (the embedded DynamoDB's and Step Functions'
// files and loopback connections, the listener, pipes).
const rtFDReserve = 512

// rtOpenConcurrency bounds how many subscribers the driver opens at once.
const rtOpenConcurrency = 64

// rtSelection is every field of the event, as the clients in the tests ask.
const rtSelection = `orderId customerId status previousStatus reason occurredAt version`

// rtMode is one subscription pattern.
type rtMode struct {
	name string
	// query is each subscriber's subscription; filtered ones get $c, the
	// subscriber's own customer (rtCustomer(i)).
	query string
	// rate is events published per second; minEvents the fewest published
	// per measured run (b.N when more), smokeEvents under -benchtime 1x.
	rate                   float64
	minEvents, smokeEvents int
	// broadcast: every event reaches every subscriber; otherwise each
	// event is for one subscriber's customer.
	broadcast bool
}

// rtModes: broadcast is the worst case for delivery (each event becomes N
// GraphQL responses and N WebSocket writes: an admin's unfiltered
// subscription, as an operations dashboard holds), so it is the one that
// decides the latency target and gives a clean CPU per delivery; filtered
// is what the clients of the issue do (Amplify apps, each customer's
// subscription to their own orders), where an event reaches one
// subscriber but, since the hub fans every event out to every
// subscription before the filter, still costs the server per subscriber.
//
// Every connection authenticates with one admin token (minting 10,000
// RS256 tokens would dominate the setup); a customer's own subscription,
// onOrderStatusChanged with no arguments, runs WatchOrders with
// CustomerID = the caller's sub, which is exactly the filtered mode's
// admin-with-customerId path from the hub onwards.
//
// Rates: broadcast 2 events/s, so that at 10,000 subscribers (20,000
// deliveries/s) one event's fan-out is done before the next and the
// latency is one fan-out's; filtered 200 events/s, below the ~600 status
// events/s that the 300 orders/s target implies (PENDING → CONFIRMED, then
// the warehouse's), and every instance sees every instance's events once
// they are fanned out across instances.
func rtModes() []rtMode {
	return []rtMode{
		{
			name:      "broadcast",
			query:     `subscription { onOrderStatusChanged { ` + rtSelection + ` } }`,
			rate:      2,
			minEvents: 10, smokeEvents: 3,
			broadcast: true,
		},
		{
			name:      "filtered",
			query:     `subscription S($c: ID) { onOrderStatusChanged(customerId: $c) { ` + rtSelection + ` } }`,
			rate:      200,
			minEvents: 1000, smokeEvents: 50,
		},
	}
}

func rtCustomer(i int) string { return "bench-customer-" + strconv.Itoa(i) }

func rtSizes() []int {
	if smoke() {
		return []int{200}
	}
	return []int{1000, 5000, rtTargetSubscribers}
}

// ---- the benchmark (server side) ----

// rtShop is the server under test: app.New as the embedded default runs
// it, served over real TCP on 127.0.0.1 by server.Serve.
type rtShop struct {
	app   *app.App
	url   string // ws://…/graphql/realtime
	host  string
	token string // the admin's ID token
	cur   *rtDriver
}

func newRTShop(b *testing.B) *rtShop {
	b.Helper()
	dir := b.TempDir()
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{
		DynamoDB: app.DynamoDBConfig{Embedded: true, DataDir: filepath.Join(dir, "dynamodb"),
			AWS: aws.Config{Region: dynamotest.Region}, Tables: dynamo.TableNames("shopgraph-")},
		StepFunctions: app.StepFunctionsConfig{Embedded: true, DataDir: filepath.Join(dir, "stepfunctions"), AWS: aws.Config{Region: dynamotest.Region}},
		Orders:        app.OrdersConfig{Payments: "simulated"},
		SeedProducts:  10,
		Identity:      app.IdentityConfig{Dev: true, StateDir: dir, PasswordIterations: 1000},
		Server:        loadersConfig(true),
		// Every subscriber connects as the one admin: a per-user limit it
		// cannot reach (N distinct users would each have their own).
		Throttle: app.ThrottleConfig{UserRateLimit: 1 << 30},
	})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = a.Close(ctx)
		b.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- server.Serve(sctx, ln, a.Handler, server.ServeOptions{ShutdownTimeout: 5 * time.Second})
	}()
	s := &rtShop{app: a, host: ln.Addr().String()}
	s.url = "ws://" + s.host + "/graphql/realtime"
	b.Cleanup(func() {
		s.closeDriver()
		cancel()
		<-done
		_ = a.Close(context.Background())
	})
	u, _ := userpool.DevUser("admin")
	if s.token, err = a.Issuer.Mint(u, shopgraph.TokenUseID, 4*time.Hour); err != nil {
		b.Fatal(err)
	}
	return s
}

// rtFigures are one (mode, N) run's results.
type rtFigures struct {
	mode        string
	want        int // N asked for
	capped      bool
	opened      int
	failed      int
	openErrors  []string
	openSeconds float64

	// Server process, per idle connection: RSS after runtime.GC, RSS after
	// debug.FreeOSMemory (live memory only), Go heap, goroutine stacks,
	// goroutines.
	rssPerConn, rssLivePerConn float64
	heapPerConn, stackPerConn  float64
	goroutinesPerConn          float64
	idleCPUPercent             float64 // of one core, N idle connections
	clientRSSPerConn           float64 // the driver process, per connection
	events                     int
	rate, eventRate            float64 // requested, achieved
	allocsPerDelivery          float64 // server heap allocations
	allocBytesPerDelivery      float64
	schedP50, schedP99         time.Duration // receive − scheduled send
	deliveries, expected       int
	p50, p90, p99, max         time.Duration
	deliveriesPerSec           float64
	serverCPUPerDelivery       time.Duration
	serverCPUPerEvent          time.Duration
	clientCPUPerDelivery       time.Duration
	errorFrames, closedConns   int
	firstError                 string
}

// closeDriver ends the current driver process and waits until the server
// has let go of its connections.
func (s *rtShop) closeDriver() {
	if s.cur == nil {
		return
	}
	s.cur.close()
	s.cur = nil
}

// settleGoroutines waits until the server's goroutines have stopped changing (the
// last driver's connections are gone), at most 15 s.
func settleGoroutines() {
	last := runtime.NumGoroutine()
	for deadline, quiet := time.Now().Add(15*time.Second), time.Now(); time.Now().Before(deadline) && time.Since(quiet) < 300*time.Millisecond; {
		time.Sleep(50 * time.Millisecond)
		if n := runtime.NumGoroutine(); n != last {
			last, quiet = n, time.Now()
		}
	}
}

// open starts a driver with n subscribers in mode and measures the server
// side of the idle connections.
func (s *rtShop) open(b *testing.B, m rtMode, n int, f *rtFigures) {
	b.Helper()
	s.closeDriver()
	settleGoroutines()
	debug.FreeOSMemory()
	rss0 := vmRSS()
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	g0 := runtime.NumGoroutine()

	deadline := 120 * time.Second
	if smoke() {
		deadline = 20 * time.Second
	}
	d, err := startRTDriver(rtDriverConfig{URL: s.url, Host: s.host, Token: s.token, N: n, Query: m.query,
		Filtered: !m.broadcast, Concurrency: rtOpenConcurrency, Deadline: deadline})
	if err != nil {
		b.Fatal(err)
	}
	s.cur = d
	var op rtOpened
	if err := d.recv(&op, deadline+30*time.Second); err != nil {
		b.Fatalf("driver: %v (stderr: %s)", err, d.stderr.String())
	}
	d.opened = op
	f.opened, f.failed, f.openErrors, f.openSeconds = op.Opened, op.Failed, op.Errors, op.Seconds
	if op.Opened == 0 {
		b.Fatalf("no subscriber could be opened: %v", op.Errors)
	}
	f.clientRSSPerConn = float64(op.RSSAfter-op.RSSBefore) / float64(op.Opened)
	// Idle: every connection open with its subscription, nothing
	// published. Measure the server's CPU at rest (keep-alives every 30 s)
	// while it settles, then its memory.
	idle := 2 * time.Second
	if smoke() {
		idle = 200 * time.Millisecond
	}
	settleGoroutines()
	c0, t0 := processCPU(), time.Now()
	time.Sleep(idle)
	f.idleCPUPercent = 100 * float64(processCPU()-c0) / float64(time.Since(t0))
	runtime.GC()
	rss1 := vmRSS()
	var ms1 runtime.MemStats
	runtime.ReadMemStats(&ms1)
	g1 := runtime.NumGoroutine()
	if dir := os.Getenv(rtProfileEnv); dir != "" && n == slices.Max(rtSizes()) {
		writeRTProfiles(b, dir, fmt.Sprintf("realtime-%s-%d", m.name, n))
	}
	debug.FreeOSMemory()
	rss2 := vmRSS()
	per := func(v int64) float64 { return float64(v) / float64(op.Opened) }
	f.rssPerConn, f.rssLivePerConn = per(rss1-rss0), per(rss2-rss0)
	f.heapPerConn = per(int64(ms1.HeapAlloc) - int64(ms0.HeapAlloc))
	f.stackPerConn = per(int64(ms1.StackInuse) - int64(ms0.StackInuse))
	f.goroutinesPerConn = per(int64(g1 - g0))
}

func writeRTProfiles(b *testing.B, dir, name string) {
	// A heap profile is as of the last GC cycle but one: a second cycle
	// makes it the live heap only.
	runtime.GC()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Logf("profiles: %v", err)
		return
	}
	for _, p := range []struct {
		profile, file string
		debug         int
	}{{"heap", name + ".heap.pprof", 0}, {"goroutine", name + ".goroutines.txt", 1}} {
		out, err := os.Create(filepath.Join(dir, p.file))
		if err != nil {
			b.Logf("profiles: %v", err)
			return
		}
		_ = pprof.Lookup(p.profile).WriteTo(out, p.debug)
		_ = out.Close()
	}
}

// startRTCPUProfile profiles this process's CPU into dir/name.cpu.pprof
// until the returned function is called (nil when it cannot: -cpuprofile
// is already running).
func startRTCPUProfile(b *testing.B, dir, name string) func() {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Logf("profiles: %v", err)
		return nil
	}
	out, err := os.Create(filepath.Join(dir, name+".cpu.pprof"))
	if err != nil {
		b.Logf("profiles: %v", err)
		return nil
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		b.Logf("profiles: CPU of the publishing phase not written: %v", err)
		_ = out.Close()
		_ = os.Remove(out.Name())
		return nil
	}
	return func() { pprof.StopCPUProfile(); _ = out.Close() }
}

// sustained reports whether the publisher kept 95% of the requested rate.
func (f *rtFigures) sustained() bool { return f.events <= 1 || f.eventRate >= 0.95*f.rate }

// p99Met: every event delivered, the rate sustained, p99 within target.
func (f *rtFigures) p99Met() bool {
	return f.deliveries > 0 && f.deliveries == f.expected && f.sustained() && f.p99 <= rtTargetP99
}

// publish sends events at mode's rate into App.Events, each carrying its
// send time in OccurredAt, and collects the deliveries from the driver.
func (s *rtShop) publish(b *testing.B, m rtMode, events int, f *rtFigures) {
	b.Helper()
	d := s.cur
	targets := d.openedIndexes()
	perEvent := 1
	if m.broadcast {
		perEvent = len(targets)
	}
	var reset rtReset
	if err := d.call(rtCommand{Cmd: "reset"}, &reset, 10*time.Second); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	interval := time.Duration(float64(time.Second) / m.rate)
	if dir := os.Getenv(rtProfileEnv); dir != "" && len(targets) == slices.Max(rtSizes()) {
		if stop := startRTCPUProfile(b, dir, fmt.Sprintf("realtime-%s-%d", m.name, len(targets))); stop != nil {
			defer stop()
		}
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b.StartTimer()
	cpu0 := processCPU()
	start := time.Now()
	for i := range events {
		sched := start.Add(time.Duration(i) * interval)
		if w := time.Until(sched); w > 0 {
			time.Sleep(w)
		}
		// occurredAt is the send time; reason carries the scheduled one,
		// so that a publisher held back by the server shows in the
		// figures (receive − scheduled) instead of hiding its backlog.
		ev := shopgraph.OrderEvent{OrderID: fmt.Sprintf("bench-order-%d", i), Status: shopgraph.OrderConfirmed,
			PreviousStatus: shopgraph.OrderPending, Version: i + 1, Reason: strconv.FormatInt(sched.UnixNano(), 10)}
		if m.broadcast {
			ev.CustomerID = rtCustomer(i % len(targets))
		} else {
			ev.CustomerID = rtCustomer(targets[i%len(targets)])
		}
		ev.OccurredAt = time.Now()
		if err := s.app.Events.Publish(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	published := time.Now()
	expected := events * perEvent
	drain := 30 * time.Second
	var col rtCollected
	if err := d.call(rtCommand{Cmd: "collect", Expect: expected, Timeout: drain}, &col, drain+10*time.Second); err != nil {
		b.Fatal(err)
	}
	cpu := processCPU() - cpu0
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	f.events, f.expected, f.deliveries, f.rate = events, expected, col.Deliveries, m.rate
	if events > 1 { // events-1 intervals
		f.eventRate = float64(events-1) / published.Sub(start).Seconds()
	}
	f.p50, f.p90, f.p99, f.max = col.P50, col.P90, col.P99, col.Max
	f.schedP50, f.schedP99 = col.SchedP50, col.SchedP99
	last := time.Unix(0, col.LastRecv)
	if col.Deliveries > 0 {
		f.deliveriesPerSec = float64(col.Deliveries) / last.Sub(start).Seconds()
		f.serverCPUPerDelivery = cpu / time.Duration(col.Deliveries)
		f.clientCPUPerDelivery = col.CPU / time.Duration(col.Deliveries)
		f.allocsPerDelivery = float64(ms1.Mallocs-ms0.Mallocs) / float64(col.Deliveries)
		f.allocBytesPerDelivery = float64(ms1.TotalAlloc-ms0.TotalAlloc) / float64(col.Deliveries)
	}
	f.serverCPUPerEvent = cpu / time.Duration(events)
	f.errorFrames, f.closedConns, f.firstError = col.ErrorFrames, col.Closed, col.FirstError
	if col.Deliveries < expected {
		b.Logf("%s, %d subscribers: %d of %d deliveries within %v of the last event (error frames %d, closed connections %d %s)",
			m.name, len(targets), col.Deliveries, expected, drain, col.ErrorFrames, col.Closed, col.FirstError)
	}
}

// BenchmarkRealtimeSubscribers: N subscribers of onOrderStatusChanged over
// the AppSync real-time protocol (/graphql/realtime, the header-
// subprotocol handshake, connection_init, start) on one instance, served
// over real TCP by the whole application (app.New as the embedded default
// runs it). A load driver in a child process (this binary re-executed)
// opens them with bounded concurrency and a deadline, counting failures;
// the benchmark publishes order events straight into App.Events (the
// in-process hub SNS feeds) at a steady rate, each carrying its send time
// in occurredAt, and the driver measures receive − send per delivery.
// Figures per N (1,000, 5,000, 10,000; 200 under -benchtime 1x), in two
// modes (see rtModes): delivery latency p50/p99, deliveries/s, the server
// process's CPU per delivered message (getrusage over the publishing phase)
// and resident memory per idle connection ((VmRSS with N idle connections −
// before) / N, after runtime.GC), with the Go heap, stacks and goroutines
// behind it and the client process's share apart. Targets: 10,000
// subscribers on 2 cores with p99 ≤ 250 ms and ≤ 20 KB per idle
// connection. RLIMIT_NOFILE is raised to its hard limit; N is capped (and
// the output says so) when even that is too low. Each run publishes
// max(b.N, the mode's minimum) events.
func BenchmarkRealtimeSubscribers(b *testing.B) {
	soft, hard, err := raiseNoFile()
	if err != nil {
		b.Fatalf("RLIMIT_NOFILE: %v", err)
	}
	shop := newRTShop(b)
	modes := rtModes()
	sizes := rtSizes()
	figs := map[string]*rtFigures{}
	key := func(mode string, n int) string { return fmt.Sprintf("mode=%s/subscribers=%d", mode, n) }
	var notes []string
	measured := map[int]bool{}
	for _, n := range sizes {
		want := n
		if limit := int(soft) - rtFDReserve; n > limit {
			n = max(limit, 0)
			note := fmt.Sprintf("RLIMIT_NOFILE hard limit %d (soft now %d) is below the %d descriptors %d subscribers need in each process: capped at %d",
				hard, soft, want+rtFDReserve, want, n)
			if measured[n] {
				note += ", which was measured already"
			}
			notes = append(notes, note)
		}
		if n <= 0 || measured[n] {
			continue
		}
		measured[n] = true
		for _, m := range modes {
			name := key(m.name, want)
			b.Run(name, func(b *testing.B) {
				b.StopTimer()
				f := figs[name]
				if f == nil || shop.cur == nil || shop.cur.key != name {
					// The first call opens the subscribers; a later one
					// (-benchtime 2x, or a longer -benchtime's ramp-up)
					// publishes again on the same idle connections.
					f = &rtFigures{mode: m.name, want: want, capped: n != want}
					shop.open(b, m, n, f)
					shop.cur.key = name
					figs[name] = f
				}
				events := max(b.N, m.minEvents)
				if smoke() {
					events = max(b.N, m.smokeEvents)
				}
				shop.publish(b, m, events, f)
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(max(f.deliveries, 1)), "ns/op")
				b.ReportMetric(float64(f.p50.Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(f.p99.Microseconds())/1000, "p99-ms")
				b.ReportMetric(f.deliveriesPerSec, "deliveries/s")
				b.ReportMetric(float64(f.serverCPUPerDelivery.Nanoseconds())/1000, "server-cpu-us/delivery")
				b.ReportMetric(f.rssPerConn/1024, "server-KB/idle-conn")
				b.ReportMetric(float64(f.opened), "subscribers")
				b.ReportMetric(float64(f.failed), "failed-opens")
			})
		}
	}
	shop.closeDriver()
	printRTFigures(os.Stdout, modes, sizes, figs, key, notes, hard)
}

func printRTFigures(out io.Writer, modes []rtMode, sizes []int, figs map[string]*rtFigures, key func(string, int) string, notes []string, hard uint64) {
	fmt.Fprintf(out, "\nReal-time subscribers: AppSync protocol over TCP (127.0.0.1) to the whole app; the load driver in a child process, so server figures are the server process alone\n")
	fmt.Fprintf(out, "%d CPUs, GOMAXPROCS %d, RLIMIT_NOFILE hard %d. broadcast: one admin subscription per connection, every event to every subscriber, %v events/s; filtered: one subscription per connection on its own customer (customerId), each event for one subscriber, %v events/s\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), hard, modes[0].rate, modes[1].rate)
	for _, note := range notes {
		fmt.Fprintln(out, "NOTE:", note)
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }
	us := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Nanoseconds())/1000) }
	kb := func(v float64) string { return fmt.Sprintf("%.1f", v/1024) }
	yes := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "NO"
	}
	for _, n := range sizes {
		var cols []*rtFigures
		for _, m := range modes {
			if f := figs[key(m.name, n)]; f != nil {
				cols = append(cols, f)
			}
		}
		if len(cols) == 0 {
			continue
		}
		w := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
		head := fmt.Sprintf("\nN = %d subscribers", n)
		if cols[0].capped {
			head += fmt.Sprintf(" (capped at %d by RLIMIT_NOFILE)", cols[0].opened+cols[0].failed)
		}
		fmt.Fprintln(w, head)
		row := func(name string, target string, met func(*rtFigures) string, v func(*rtFigures) string) {
			line := name
			for _, f := range cols {
				line += "\t" + v(f)
			}
			line += "\t" + target
			for _, f := range cols {
				if met != nil {
					line += "\t" + met(f)
				} else {
					line += "\t"
				}
			}
			fmt.Fprintln(w, line)
		}
		hdr := "figure"
		for _, f := range cols {
			hdr += "\t" + f.mode
		}
		hdr += "\ttarget"
		for _, f := range cols {
			hdr += "\tmet (" + f.mode + ")"
		}
		fmt.Fprintln(w, hdr)
		row("subscribers opened / failed", "all", func(f *rtFigures) string { return yes(f.failed == 0 && !f.capped) },
			func(f *rtFigures) string { return fmt.Sprintf("%d / %d", f.opened, f.failed) })
		row("open rate (connections/s, 64 at once)", "", nil, func(f *rtFigures) string { return fmt.Sprintf("%.0f", float64(f.opened)/max(f.openSeconds, 1e-9)) })
		row("events published (achieved of requested events/s)", "≥ 95% of requested", func(f *rtFigures) string { return yes(f.sustained()) },
			func(f *rtFigures) string { return fmt.Sprintf("%d (%.1f of %.0f/s)", f.events, f.eventRate, f.rate) })
		row("deliveries received / expected", "", nil, func(f *rtFigures) string { return fmt.Sprintf("%d / %d", f.deliveries, f.expected) })
		row("delivery latency p50 ms", "", nil, func(f *rtFigures) string { return ms(f.p50) })
		row("delivery latency p90 ms", "", nil, func(f *rtFigures) string { return ms(f.p90) })
		row("delivery latency p99 ms", "≤ 250, rate kept", func(f *rtFigures) string { return yes(f.p99Met()) },
			func(f *rtFigures) string { return ms(f.p99) })
		row("delivery latency max ms", "", nil, func(f *rtFigures) string { return ms(f.max) })
		row("p50 / p99 ms from the scheduled send (publisher lag in)", "", nil, func(f *rtFigures) string { return ms(f.schedP50) + " / " + ms(f.schedP99) })
		row("deliveries/s (first send to last receive)", "", nil, func(f *rtFigures) string { return fmt.Sprintf("%.0f", f.deliveriesPerSec) })
		row("server CPU µs per delivered message", "", nil, func(f *rtFigures) string { return us(f.serverCPUPerDelivery) })
		row("server CPU µs per published event", "", nil, func(f *rtFigures) string { return us(f.serverCPUPerEvent) })
		row("server heap allocations per delivery (count / bytes)", "", nil, func(f *rtFigures) string {
			return fmt.Sprintf("%.0f / %.0f", f.allocsPerDelivery, f.allocBytesPerDelivery)
		})
		row("client CPU µs per delivered message (driver process)", "", nil, func(f *rtFigures) string { return us(f.clientCPUPerDelivery) })
		row("server RSS KB per idle connection (after GC)", "≤ 20", func(f *rtFigures) string { return yes(f.rssPerConn <= rtTargetIdleBytes) },
			func(f *rtFigures) string { return kb(f.rssPerConn) })
		row("  RSS KB per connection, live only (FreeOSMemory)", "", nil, func(f *rtFigures) string { return kb(f.rssLivePerConn) })
		row("  of which Go heap KB", "", nil, func(f *rtFigures) string { return kb(f.heapPerConn) })
		row("  of which goroutine stacks KB", "", nil, func(f *rtFigures) string { return kb(f.stackPerConn) })
		row("  goroutines per connection", "", nil, func(f *rtFigures) string { return fmt.Sprintf("%.2f", f.goroutinesPerConn) })
		row("server idle CPU % of a core (N idle, ka every 30 s)", "", nil, func(f *rtFigures) string { return fmt.Sprintf("%.1f", f.idleCPUPercent) })
		row("client RSS KB per connection (driver process)", "", nil, func(f *rtFigures) string { return kb(f.clientRSSPerConn) })
		row("error frames / closed connections", "", nil, func(f *rtFigures) string { return fmt.Sprintf("%d / %d", f.errorFrames, f.closedConns) })
		w.Flush()
		for _, f := range cols {
			if len(f.openErrors) > 0 {
				fmt.Fprintf(out, "%s: open failures (first %d): %s\n", f.mode, len(f.openErrors), strings.Join(f.openErrors, "; "))
			}
			if f.firstError != "" {
				fmt.Fprintf(out, "%s: first error frame or close: %s\n", f.mode, f.firstError)
			}
		}
	}
	var verdict []string
	for _, m := range modes {
		f := figs[key(m.name, rtTargetSubscribers)]
		if f == nil {
			continue
		}
		cores := runtime.NumCPU() <= rtTargetCores
		ok := f.opened >= rtTargetSubscribers && f.failed == 0 && f.p99Met() && f.rssPerConn <= rtTargetIdleBytes
		s := fmt.Sprintf("%s: %s (p99 %s ms at %.1f of %.0f events/s, %s KB per idle connection, %d opened)", m.name,
			map[bool]string{true: "met", false: "NOT met"}[ok], ms(f.p99), f.eventRate, f.rate, kb(f.rssPerConn), f.opened)
		if !cores {
			s += fmt.Sprintf(" [on %d CPUs, not 2]", runtime.NumCPU())
		}
		verdict = append(verdict, s)
	}
	if len(verdict) > 0 {
		fmt.Fprintf(out, "\nTarget (10,000 subscribers on 2 cores, p99 ≤ 250 ms, ≤ 20 KB per idle connection): %s\n", strings.Join(verdict, "; "))
	}
}

// raiseNoFile raises RLIMIT_NOFILE's soft limit to its hard limit and
// returns both.
func raiseNoFile() (soft, hard uint64, err error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, 0, err
	}
	if r.Cur < r.Max {
		r.Cur = r.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
			return 0, 0, err
		}
	}
	return r.Cur, r.Max, nil
}

// vmRSS is this process's resident set size in bytes (/proc/self/status).
func vmRSS() int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// ---- the driver protocol ----

// rtDriverConfig is the driver's configuration (rtDriverEnv).
type rtDriverConfig struct {
	URL, Host, Token, Query string
	N, Concurrency          int
	Filtered                bool // subscriber i's $c is rtCustomer(i)
	Deadline                time.Duration
}

// rtOpened is the driver's first message: how opening went.
type rtOpened struct {
	Opened, Failed      int
	FailedIndexes       []int
	Errors              []string // the first few
	Seconds             float64
	RSSBefore, RSSAfter int64
}

// rtCommand is a message to the driver: reset (start a measurement),
// collect (wait for Expect deliveries since the reset, at most Timeout, and
// report them), exit.
type rtCommand struct {
	Cmd     string
	Expect  int
	Timeout time.Duration
}

type rtReset struct{ OK bool }

// rtCollected is a collect's answer.
type rtCollected struct {
	Deliveries         int
	P50, P90, P99, Max time.Duration
	SchedP50, SchedP99 time.Duration // from the scheduled send (reason)
	LastRecv           int64         // Unix ns
	CPU                time.Duration
	ErrorFrames        int
	Closed             int
	FirstError         string
}

// rtDriver is the benchmark's handle on a driver process.
type rtDriver struct {
	key    string
	cmd    *exec.Cmd
	in     io.WriteCloser
	dec    *json.Decoder
	stderr *lockedBuffer
	opened rtOpened
	exited chan struct{}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 64<<10 {
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func startRTDriver(cfg rtDriverConfig) (*rtDriver, error) {
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), rtDriverEnv+"="+string(raw))
	d := &rtDriver{cmd: cmd, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = d.stderr
	if d.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	d.dec = json.NewDecoder(bufio.NewReader(out))
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = cmd.Wait(); close(d.exited) }()
	return d, nil
}

// recv reads the driver's next message into v, within timeout.
func (d *rtDriver) recv(v any, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- d.dec.Decode(v) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("driver: %w (stderr: %.2000s)", err, d.stderr.String())
		}
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("driver: no answer within %v (stderr: %.2000s)", timeout, d.stderr.String())
	}
}

func (d *rtDriver) call(c rtCommand, v any, timeout time.Duration) error {
	raw, _ := json.Marshal(c)
	if _, err := d.in.Write(append(raw, '\n')); err != nil {
		return fmt.Errorf("driver: %w (stderr: %.2000s)", err, d.stderr.String())
	}
	return d.recv(v, timeout)
}

// openedIndexes are the subscribers that opened.
func (d *rtDriver) openedIndexes() []int {
	failed := map[int]bool{}
	for _, i := range d.opened.FailedIndexes {
		failed[i] = true
	}
	out := make([]int, 0, d.opened.Opened)
	for i := range d.opened.Opened + d.opened.Failed {
		if !failed[i] {
			out = append(out, i)
		}
	}
	return out
}

// close asks the driver to close its connections and exit, and waits for
// the server to let go of them.
func (d *rtDriver) close() {
	raw, _ := json.Marshal(rtCommand{Cmd: "exit"})
	_, _ = d.in.Write(append(raw, '\n'))
	_ = d.in.Close()
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.exited
	}
	settleGoroutines()
}

// ---- the driver (child process) ----

// rtSubscriber is one of the driver's connections.
type rtSubscriber struct {
	conn  *websocket.Conn
	mu    sync.Mutex
	lat   []time.Duration // receive − send (occurredAt)
	sched []time.Duration // receive − scheduled send (reason)
}

type rtDriverState struct {
	delivered   atomic.Int64
	errorFrames atomic.Int64
	closed      atomic.Int64
	firstError  atomic.Value // string
	subs        []*rtSubscriber
}

var (
	rtDataType = []byte(`"type":"data"`)
	rtKAType   = []byte(`"type":"ka"`)
	rtOccurred = []byte(`"occurredAt":"`)
	rtReason   = []byte(`"reason":"`)
)

// rtField is the string value of a field in a frame (a cheap scan: the
// driver's own CPU is measured too).
func rtField(msg, key []byte) (string, bool) {
	i := bytes.Index(msg, key)
	if i < 0 {
		return "", false
	}
	v := msg[i+len(key):]
	j := bytes.IndexByte(v, '"')
	if j < 0 {
		return "", false
	}
	return string(v[:j]), true
}

// runRealtimeDriver is the driver process's main.
func runRealtimeDriver(raw string) int {
	var cfg rtDriverConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "driver config:", err)
		return 2
	}
	if _, _, err := raiseNoFile(); err != nil {
		fmt.Fprintln(os.Stderr, "driver RLIMIT_NOFILE:", err)
	}
	enc := json.NewEncoder(os.Stdout)
	st := &rtDriverState{subs: make([]*rtSubscriber, cfg.N)}
	auth, _ := json.Marshal(map[string]string{"Authorization": cfg.Token, "host": cfg.Host})
	protocols := []string{"graphql-ws", "header-" + base64.RawURLEncoding.EncodeToString(auth)}

	runtime.GC()
	rss0 := vmRSS()
	start := time.Now()
	deadline := start.Add(cfg.Deadline)
	sem := make(chan struct{}, max(cfg.Concurrency, 1))
	var mu sync.Mutex
	var failedIdx []int
	var errs []string
	fail := func(i int, err error) {
		mu.Lock()
		defer mu.Unlock()
		failedIdx = append(failedIdx, i)
		if len(errs) < 5 {
			errs = append(errs, fmt.Sprintf("#%d: %v", i, err))
		}
	}
	var wg sync.WaitGroup
	for i := range cfg.N {
		sem <- struct{}{}
		if time.Now().After(deadline) {
			<-sem
			fail(i, fmt.Errorf("not opened: the %v deadline to open every subscriber passed", cfg.Deadline))
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			vars := map[string]any{}
			if cfg.Filtered {
				vars["c"] = rtCustomer(i)
			}
			s, err := rtOpenSubscriber(deadline, cfg.URL, protocols, cfg.Query, vars)
			if err != nil {
				fail(i, err)
				return
			}
			st.subs[i] = s
			go st.read(s)
		})
	}
	wg.Wait()
	opened := cfg.N - len(failedIdx)
	secs := time.Since(start).Seconds()
	time.Sleep(200 * time.Millisecond)
	runtime.GC()
	slices.Sort(failedIdx)
	if err := enc.Encode(rtOpened{Opened: opened, Failed: len(failedIdx), FailedIndexes: failedIdx, Errors: errs, Seconds: secs,
		RSSBefore: rss0, RSSAfter: vmRSS()}); err != nil {
		return 1
	}

	var cpu0 time.Duration
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var c rtCommand
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			fmt.Fprintln(os.Stderr, "driver command:", err)
			return 2
		}
		switch c.Cmd {
		case "reset":
			st.take()
			st.delivered.Store(0)
			cpu0 = processCPU()
			_ = enc.Encode(rtReset{OK: true})
		case "collect":
			until := time.Now().Add(c.Timeout)
			for st.delivered.Load() < int64(c.Expect) && time.Now().Before(until) {
				time.Sleep(time.Millisecond)
			}
			cpu := processCPU() - cpu0
			lat, sched, last := st.take()
			res := rtCollected{Deliveries: len(lat), LastRecv: last, CPU: cpu,
				ErrorFrames: int(st.errorFrames.Load()), Closed: int(st.closed.Load())}
			res.FirstError, _ = st.firstError.Load().(string)
			q := func(s []time.Duration, p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
			if len(lat) > 0 {
				slices.Sort(lat)
				slices.Sort(sched)
				res.P50, res.P90, res.P99, res.Max = q(lat, 0.5), q(lat, 0.9), q(lat, 0.99), lat[len(lat)-1]
				res.SchedP50, res.SchedP99 = q(sched, 0.5), q(sched, 0.99)
			}
			_ = enc.Encode(res)
		case "exit":
			st.closeAll()
			return 0
		}
	}
	st.closeAll()
	return 0
}

// take returns and clears every recorded latency (from the send and from
// the scheduled send), and the latest receive time.
func (st *rtDriverState) take() (lat, sched []time.Duration, last int64) {
	for _, s := range st.subs {
		if s == nil {
			continue
		}
		s.mu.Lock()
		lat = append(lat, s.lat...)
		sched = append(sched, s.sched...)
		s.lat, s.sched = s.lat[:0], s.sched[:0]
		s.mu.Unlock()
	}
	return lat, sched, rtLastRecv.Swap(0)
}

// rtLastRecv is the driver's latest data frame's receive time (Unix ns).
var rtLastRecv atomic.Int64

func (st *rtDriverState) closeAll() {
	var wg sync.WaitGroup
	for _, s := range st.subs {
		if s != nil {
			wg.Go(func() { _ = s.conn.CloseNow() })
		}
	}
	wg.Wait()
}

func (st *rtDriverState) noteError(msg string) {
	st.firstError.CompareAndSwap(nil, msg)
}

// read receives s's frames until its connection ends, recording each data
// frame's latency: its receive time − the event's occurredAt (its send
// time).
func (st *rtDriverState) read(s *rtSubscriber) {
	ctx := context.Background()
	for {
		_, msg, err := s.conn.Read(ctx)
		now := time.Now()
		if err != nil {
			st.closed.Add(1)
			st.noteError("connection closed: " + err.Error())
			return
		}
		switch {
		case bytes.Contains(msg, rtDataType):
			at, ok1 := rtField(msg, rtOccurred)
			reason, ok2 := rtField(msg, rtReason)
			sent, err1 := time.Parse(time.RFC3339Nano, at)
			sched, err2 := strconv.ParseInt(reason, 10, 64)
			if !ok1 || !ok2 || err1 != nil || err2 != nil {
				st.errorFrames.Add(1)
				st.noteError(fmt.Sprintf("data without occurredAt and reason: %.300s", msg))
				continue
			}
			s.mu.Lock()
			s.lat = append(s.lat, now.Sub(sent))
			s.sched = append(s.sched, now.Sub(time.Unix(0, sched)))
			s.mu.Unlock()
			for t := now.UnixNano(); ; {
				old := rtLastRecv.Load()
				if old >= t || rtLastRecv.CompareAndSwap(old, t) {
					break
				}
			}
			st.delivered.Add(1)
		case bytes.Contains(msg, rtKAType):
		default:
			st.errorFrames.Add(1)
			st.noteError(fmt.Sprintf("unexpected frame: %.300s", msg))
		}
	}
}

// rtOpenSubscriber opens one AppSync real-time connection with one
// subscription: the header- subprotocol handshake, connection_init →
// connection_ack, start → start_ack, all before deadline.
func rtOpenSubscriber(deadline time.Time, url string, protocols []string, query string, vars map[string]any) (*rtSubscriber, error) {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: protocols})
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	ok := false
	defer func() {
		if !ok {
			_ = conn.CloseNow()
		}
	}()
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init"}`)); err != nil {
		return nil, err
	}
	if err := rtAwait(ctx, conn, "connection_ack"); err != nil {
		return nil, err
	}
	data, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	start, _ := json.Marshal(map[string]any{"id": "1", "type": "start", "payload": map[string]any{"data": string(data)}})
	if err := conn.Write(ctx, websocket.MessageText, start); err != nil {
		return nil, err
	}
	if err := rtAwait(ctx, conn, "start_ack"); err != nil {
		return nil, err
	}
	ok = true
	return &rtSubscriber{conn: conn}, nil
}

// rtAwait reads frames until one of type typ (skipping ka); any other is an
// error.
func rtAwait(ctx context.Context, conn *websocket.Conn, typ string) error {
	for {
		_, msg, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		var f struct{ Type string }
		if err := json.Unmarshal(msg, &f); err != nil {
			return fmt.Errorf("server sent %.200s", msg)
		}
		switch f.Type {
		case typ:
			return nil
		case "ka":
		default:
			return errors.New(string(msg))
		}
	}
}
