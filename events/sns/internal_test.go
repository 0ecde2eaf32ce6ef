package sns

import (
	"context"
	"crypto/x509"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestStringToSign_docExamples compares the string to sign with the two
// examples of "Verifying the signatures of Amazon SNS messages" (Amazon SNS
// Developer Guide).
func TestStringToSign_docExamples(t *testing.T) {
	subject := "My subject"
	note := &message{Type: TypeNotification, MessageID: "4d4dc071-ddbf-465d-bba8-08f81c89da64",
		TopicARN: "arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P", Subject: &subject,
		Message: "My Test Message", Timestamp: "2019-01-31T04:37:04.321Z",
		SubscribeURL: "ignored for a Notification", Token: "ignored too"}
	want := "Message\nMy Test Message\nMessageId\n4d4dc071-ddbf-465d-bba8-08f81c89da64\nSubject\nMy subject\n" +
		"Timestamp\n2019-01-31T04:37:04.321Z\nTopicArn\narn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P\nType\nNotification\n"
	if got := note.stringToSign(); got != want {
		t.Errorf("Notification:\n%q\nwant\n%q", got, want)
	}
	note.Subject = nil
	want = "Message\nMy Test Message\nMessageId\n4d4dc071-ddbf-465d-bba8-08f81c89da64\n" +
		"Timestamp\n2019-01-31T04:37:04.321Z\nTopicArn\narn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P\nType\nNotification\n"
	if got := note.stringToSign(); got != want {
		t.Errorf("Notification without Subject:\n%q\nwant\n%q", got, want)
	}
	empty := ""
	note.Subject = &empty // present but empty: signed as present
	if got := note.stringToSign(); got == want {
		t.Error("an empty Subject that is present was left out")
	}

	conf := &message{Type: TypeSubscriptionConfirmation, MessageID: "3d891288-136d-417f-bc05-901c108273ee",
		TopicARN: "arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P", Message: "My Test Message",
		SubscribeURL: "https://sns.us-east-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P&Token=233...",
		Timestamp:    "2019-01-31T19:25:13.719Z", Token: "233...", Subject: &subject}
	want = "Message\nMy Test Message\nMessageId\n3d891288-136d-417f-bc05-901c108273ee\n" +
		"SubscribeURL\nhttps://sns.us-east-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P&Token=233...\n" +
		"Timestamp\n2019-01-31T19:25:13.719Z\nToken\n233...\nTopicArn\narn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P\nType\nSubscriptionConfirmation\n"
	if got := conf.stringToSign(); got != want {
		t.Errorf("SubscriptionConfirmation:\n%q\nwant\n%q", got, want)
	}
	conf.Type = TypeUnsubscribeConfirmation
	if got := conf.stringToSign(); got != want[:len(want)-len("SubscriptionConfirmation\n")]+"UnsubscribeConfirmation\n" {
		t.Errorf("UnsubscribeConfirmation:\n%q", got)
	}
}

func TestParseMessage_unescapes(t *testing.T) {
	m, err := parseMessage([]byte(`{"Type":"Notification","Message":"line one\nline two \u00e9\t\"q\""}`))
	if err != nil {
		t.Fatal(err)
	}
	if m.Message != "line one\nline two é\t\"q\"" {
		t.Errorf("Message %q: escaped control characters must be turned back", m.Message)
	}
	if m.Subject != nil {
		t.Error("Subject present though absent")
	}
}

func TestCheckSNSURL(t *testing.T) {
	extra := []string{"127.0.0.1:8443"}
	for _, ok := range []string{
		"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem",
		"https://sns.eu-central-1.amazonaws.com/x.pem",
		"https://sns.us-gov-west-1.amazonaws.com/x.pem",
		"https://sns.ap-southeast-2.amazonaws.com/?Action=ConfirmSubscription&Token=x",
		"https://sns.cn-north-1.amazonaws.com.cn/x.pem",
		"https://127.0.0.1:8443/x.pem",
	} {
		if _, err := checkSNSURL(ok, extra); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"http://sns.us-east-1.amazonaws.com/x.pem",
		"https://sns.us-east-1.amazonaws.com:8443/x.pem",
		"https://sns.amazonaws.com/x.pem",
		"https://xsns.us-east-1.amazonaws.com/x.pem",
		"https://sns.us-east-1.amazonaws.com.evil.example/x.pem",
		"https://evil.example/sns.us-east-1.amazonaws.com/x.pem",
		"https://sns.us-east-1.amazonaws.com@evil.example/x.pem",
		"https://user@sns.us-east-1.amazonaws.com/x.pem",
		"https://sns.us-east-1.amazonaws.co/x.pem",
		"https://sns.US-EAST-1.amazonaws.com/x.pem",
		"https://sqs.us-east-1.amazonaws.com/x.pem",
		"https://127.0.0.1:8444/x.pem",
		"https://127.0.0.1/x.pem",
		"https:sns.us-east-1.amazonaws.com",
		"//sns.us-east-1.amazonaws.com/x.pem",
		"file:///etc/passwd",
		"",
		"https://sns.us-east-1.amazonaws.com\x00/x.pem",
	} {
		if _, err := checkSNSURL(bad, extra); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestDedupe(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1_000_000, 0)
	d := newDedupe(2, time.Minute)
	deliver := func(id string, at time.Time) bool {
		c, first, err := d.acquire(ctx, id, at)
		if err != nil {
			t.Fatal(err)
		}
		if first {
			d.finish(c, true, at)
		}
		return first
	}
	if !deliver("a", now) || deliver("a", now) {
		t.Fatal("a: want delivered once")
	}
	// Time-limited: after ttl, a is forgotten.
	if !deliver("a", now.Add(time.Minute)) {
		t.Error("a remembered past its ttl")
	}
	// Bounded: a third id evicts the oldest.
	deliver("b", now.Add(time.Minute))
	deliver("c", now.Add(time.Minute))
	if d.len() != 2 {
		t.Errorf("remembers %d, want at most 2", d.len())
	}
	if !deliver("a", now.Add(time.Minute)) {
		t.Error("a not evicted by the size bound")
	}

	// A failed delivery releases the id; a copy waiting meanwhile takes
	// over.
	c, first, _ := d.acquire(ctx, "x", now)
	if !first {
		t.Fatal("x claimed already")
	}
	got := make(chan bool)
	go func() {
		c2, first, err := d.acquire(ctx, "x", now)
		if err == nil && first {
			d.finish(c2, true, now)
		}
		got <- first
	}()
	d.finish(c, false, now)
	if !<-got {
		t.Error("the waiting copy was not handed the released id")
	}
	// A waiter whose context ends stops waiting.
	c, _, _ = d.acquire(ctx, "y", now)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := d.acquire(cctx, "y", now); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
	d.finish(c, true, now)
}

func TestCertCache_singleFetchAndBound(t *testing.T) {
	var fetches atomic.Int32
	release := make(chan struct{})
	cert := &x509.Certificate{}
	c := newCertCache(1, func(ctx context.Context, u string) (*x509.Certificate, error) {
		fetches.Add(1)
		if u == "a" {
			<-release
		}
		if ctx.Err() != nil {
			return nil, ctx.Err() // the first caller's cancellation must not reach the fetch
		}
		return cert, nil
	})
	// The first caller's context is cancelled while it fetches; the fetch
	// still completes for everyone.
	first, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	wg.Go(func() {
		_, err := c.get(first, "a")
		errs <- err
	})
	for fetches.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	for range 19 {
		wg.Go(func() {
			got, err := c.get(context.Background(), "a")
			if err == nil && got != cert {
				err = errors.New("another certificate")
			}
			errs <- err
		})
	}
	time.Sleep(20 * time.Millisecond) // let the waiters queue up (not an assertion on time)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d fetches for one URL, want 1", n)
	}
	// Bounded: with room for one, b evicts a, which is fetched again.
	ctx := context.Background()
	c.get(ctx, "b")
	c.get(ctx, "a") // release is closed: this fetch does not wait
	if n, cached := c.stats(); n != 3 || cached != 1 {
		t.Errorf("fetches %d, cached %d; want 3 and 1", n, cached)
	}
	// A failed fetch is not cached.
	fail := newCertCache(4, func(context.Context, string) (*x509.Certificate, error) {
		fetches.Add(1)
		return nil, errTransient
	})
	fail.get(ctx, "z")
	fail.get(ctx, "z")
	if n, cached := fail.stats(); n != 2 || cached != 0 {
		t.Errorf("failed fetches %d, cached %d; want 2 and 0", n, cached)
	}
}
