package sns_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/events/sns"
)

func TestHandler_notificationV1AndV2(t *testing.T) {
	for _, version := range []string{"1", "2"} {
		t.Run("SignatureVersion"+version, func(t *testing.T) {
			f := newFixture(t, nil)
			m := f.notification("msg-1", event("ord_1", 3))
			m["Subject"] = "order ord_1\nis CONFIRMED" // signed when present, control characters included
			sign(t, m, signingKey(), version)
			wantStatus(t, f.post(t, m), http.StatusOK)
			got := f.sink.got()
			if len(got) != 1 {
				t.Fatalf("sink got %d events, want 1", len(got))
			}
			want := shopgraph.OrderEvent{OrderID: "ord_1", CustomerID: "alice", Status: shopgraph.OrderConfirmed,
				PreviousStatus: shopgraph.OrderPending, OccurredAt: t0.Add(-time.Minute), Version: 3}
			if !got[0].OccurredAt.Equal(want.OccurredAt) {
				t.Errorf("occurredAt %v, want %v", got[0].OccurredAt, want.OccurredAt)
			}
			got[0].OccurredAt = want.OccurredAt
			if got[0] != want {
				t.Errorf("event %+v, want %+v", got[0], want)
			}
			if s := f.h.Stats(); s.Delivered != 1 || len(s.Rejected) != 0 || s.CertFetches != 1 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestHandler_duplicateDeliveredOnce(t *testing.T) {
	f := newFixture(t, nil)
	m := f.signed(t, "msg-dup", event("ord_1", 1))
	for range 3 {
		wantStatus(t, f.post(t, m), http.StatusOK)
	}
	if n := len(f.sink.got()); n != 1 {
		t.Fatalf("delivered %d times, want 1", n)
	}
	// A retry is the same MessageId; even a copy with another Timestamp
	// (and so another signature) is not delivered again.
	again := f.notification("msg-dup", event("ord_1", 1))
	again["Timestamp"] = t0.Format("2006-01-02T15:04:05.000Z")
	sign(t, again, signingKey(), "1")
	wantStatus(t, f.post(t, again), http.StatusOK)
	if n := len(f.sink.got()); n != 1 {
		t.Fatalf("delivered %d times, want 1", n)
	}
	if s := f.h.Stats(); s.Delivered != 1 || s.Duplicates != 3 || s.Remembered != 1 || s.CertFetches != 1 {
		t.Errorf("stats %+v", s)
	}
	if got := f.certFetches(pathCert); got != 1 {
		t.Errorf("certificate fetched %d times, want 1 (cached)", got)
	}
}

func TestHandler_rejectsNotifications(t *testing.T) {
	const id = "msg-bad"
	type build func(t *testing.T, f *fixture) map[string]any
	// signedWith builds a notification, lets edit change it, and signs it.
	signedWith := func(edit func(f *fixture, m map[string]any)) build {
		return func(t *testing.T, f *fixture) map[string]any {
			m := f.notification(id, event("ord_1", 1))
			edit(f, m)
			sign(t, m, signingKey(), "2")
			return m
		}
	}
	// tampered signs a notification, then lets edit change it.
	tampered := func(edit func(f *fixture, m map[string]any)) build {
		return func(t *testing.T, f *fixture) map[string]any {
			m := f.signed(t, id, event("ord_1", 1))
			edit(f, m)
			return m
		}
	}
	second := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the untrusted server was asked for %s", r.URL)
	}))
	t.Cleanup(second.Close)
	ts := func(d time.Duration) string { return t0.Add(d).Format("2006-01-02T15:04:05.000Z") }

	for _, c := range []struct {
		name   string
		build  build
		status int
		reason sns.Reason
	}{
		{"forged: signed with another key", func(t *testing.T, f *fixture) map[string]any {
			m := f.notification(id, event("ord_1", 1))
			sign(t, m, otherKey(), "2")
			return m
		}, 403, sns.ReasonForged},
		{"tampered Message", tampered(func(_ *fixture, m map[string]any) { m["Message"] = event("ord_1", 9) }), 403, sns.ReasonForged},
		{"TopicArn swapped after signing", tampered(func(_ *fixture, m map[string]any) { m["TopicArn"] = otherTopic }), 403, sns.ReasonUnknownTopic},
		{"Subject added after signing", tampered(func(_ *fixture, m map[string]any) { m["Subject"] = "hi" }), 403, sns.ReasonForged},
		{"Timestamp moved after signing", tampered(func(_ *fixture, m map[string]any) { m["Timestamp"] = ts(0) }), 403, sns.ReasonForged},
		{"signature of another message", tampered(func(f *fixture, m map[string]any) {
			other := f.signed(t, "msg-other", event("ord_2", 1))
			m["Signature"] = other["Signature"]
		}), 403, sns.ReasonForged},
		{"Signature not base64", tampered(func(_ *fixture, m map[string]any) { m["Signature"] = "!!!" }), 403, sns.ReasonForged},
		{"v1 signature labelled 2", func(t *testing.T, f *fixture) map[string]any {
			m := f.notification(id, event("ord_1", 1))
			sign(t, m, signingKey(), "1")
			m["SignatureVersion"] = "2"
			return m
		}, 403, sns.ReasonForged},
		{"unsigned: no Signature", tampered(func(_ *fixture, m map[string]any) { delete(m, "Signature") }), 403, sns.ReasonUnsigned},
		{"unsigned: no SignatureVersion", tampered(func(_ *fixture, m map[string]any) { delete(m, "SignatureVersion") }), 403, sns.ReasonUnsigned},
		{"unsigned: no SigningCertURL", tampered(func(_ *fixture, m map[string]any) { delete(m, "SigningCertURL") }), 403, sns.ReasonUnsigned},
		{"SignatureVersion 3", tampered(func(_ *fixture, m map[string]any) { m["SignatureVersion"] = "3" }), 403, sns.ReasonSigVersion},
		{"cert URL http", signedWith(func(f *fixture, m map[string]any) { m["SigningCertURL"] = "http://" + f.host + pathCert }), 403, sns.ReasonCertURL},
		{"cert URL wrong host", signedWith(func(_ *fixture, m map[string]any) {
			m["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com.evil.example" + pathCert
		}), 403, sns.ReasonCertURL},
		{"cert URL with user information", signedWith(func(_ *fixture, m map[string]any) {
			m["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com@evil.example" + pathCert
		}), 403, sns.ReasonCertURL},
		{"cert URL not trusted", signedWith(func(_ *fixture, m map[string]any) { m["SigningCertURL"] = second.URL + pathCert }), 403, sns.ReasonCertURL},
		{"expired certificate", signedWith(func(f *fixture, m map[string]any) { m["SigningCertURL"] = f.srv.URL + pathExpired }), 403, sns.ReasonCertInvalid},
		{"certificate not yet valid", signedWith(func(f *fixture, m map[string]any) { m["SigningCertURL"] = f.srv.URL + pathNotYet }), 403, sns.ReasonCertInvalid},
		{"certificate not found", signedWith(func(f *fixture, m map[string]any) { m["SigningCertURL"] = f.srv.URL + pathMissing }), 403, sns.ReasonCertFetch},
		{"certificate not a certificate", signedWith(func(f *fixture, m map[string]any) { m["SigningCertURL"] = f.srv.URL + pathGarbage }), 403, sns.ReasonCertFetch},
		{"certificate host failing: SNS retries", signedWith(func(f *fixture, m map[string]any) { m["SigningCertURL"] = f.srv.URL + pathFailing }), 503, sns.ReasonCertFetch},
		{"stale Timestamp", signedWith(func(_ *fixture, m map[string]any) { m["Timestamp"] = ts(-time.Hour - time.Second) }), 403, sns.ReasonStale},
		{"future Timestamp", signedWith(func(_ *fixture, m map[string]any) { m["Timestamp"] = ts(6 * time.Minute) }), 403, sns.ReasonFuture},
		{"Timestamp not a time", signedWith(func(_ *fixture, m map[string]any) { m["Timestamp"] = "yesterday" }), 400, sns.ReasonMalformed},
		{"unknown topic", signedWith(func(_ *fixture, m map[string]any) { m["TopicArn"] = otherTopic }), 403, sns.ReasonUnknownTopic},
		{"unknown Type", signedWith(func(_ *fixture, m map[string]any) { m["Type"] = "Notification2" }), 400, sns.ReasonUnknownType},
		{"no Type", tampered(func(_ *fixture, m map[string]any) { delete(m, "Type") }), 400, sns.ReasonUnknownType},
		{"no MessageId", tampered(func(_ *fixture, m map[string]any) { m["MessageId"] = "" }), 400, sns.ReasonMissingField},
		{"no Message", tampered(func(_ *fixture, m map[string]any) { delete(m, "Message") }), 400, sns.ReasonMissingField},
		{"no Timestamp", tampered(func(_ *fixture, m map[string]any) { delete(m, "Timestamp") }), 400, sns.ReasonMissingField},
		{"no TopicArn", tampered(func(_ *fixture, m map[string]any) { delete(m, "TopicArn") }), 400, sns.ReasonMissingField},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, nil)
			m := c.build(t, f)
			rec := f.post(t, m)
			wantStatus(t, rec, c.status)
			if !strings.HasPrefix(rec.Body.String(), string(c.reason)) {
				t.Errorf("body %q does not start with the reason %q", rec.Body.String(), c.reason)
			}
			if got := f.sink.got(); len(got) != 0 {
				t.Errorf("delivered %v", got)
			}
			if s := f.h.Stats(); s.Rejected[c.reason] != 1 || s.Delivered != 0 {
				t.Errorf("stats %+v, want one %s rejection", s, c.reason)
			}
			msgID, _ := m["MessageId"].(string)
			f.logLine(t, c.reason, msgID)
		})
	}
}

func TestHandler_rejectsBodies(t *testing.T) {
	f := newFixture(t, nil)
	valid := f.signed(t, "msg-x", event("ord_1", 1))
	big := strings.Repeat("x", int(sns.DefaultMaxBodyBytes)+1)
	for _, c := range []struct {
		name   string
		body   any
		status int
		reason sns.Reason
	}{
		{"not JSON", "Type=Notification", 400, sns.ReasonMalformed},
		{"truncated JSON", `{"Type":"Notification",`, 400, sns.ReasonMalformed},
		{"an array", `[{"Type":"Notification"}]`, 400, sns.ReasonMalformed},
		{"a number where a string goes", `{"Type":"Notification","MessageId":7}`, 400, sns.ReasonMalformed},
		{"two objects", mustJSON(t, valid) + mustJSON(t, valid), 400, sns.ReasonMalformed},
		{"empty", "", 400, sns.ReasonMalformed},
		{"over 256 KiB", `{"Type":"Notification","Message":"` + big + `"}`, 413, sns.ReasonTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := f.h.Stats().Rejected[c.reason]
			wantStatus(t, f.post(t, c.body), c.status)
			if got := f.h.Stats().Rejected[c.reason]; got != before+1 {
				t.Errorf("%s rejections %d, want %d", c.reason, got, before+1)
			}
		})
	}
	t.Run("over 256 KiB without Content-Length", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, sns.Path, io.MultiReader(strings.NewReader(`{"Message":"`), strings.NewReader(big)))
		req.ContentLength = -1
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req)
		wantStatus(t, rec, http.StatusRequestEntityTooLarge)
	})
	t.Run("header contradicts body", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, sns.Path, strings.NewReader(mustJSON(t, valid)))
		req.Header.Set("x-amz-sns-message-type", "SubscriptionConfirmation")
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req)
		wantStatus(t, rec, http.StatusBadRequest)
	})
	t.Run("GET", func(t *testing.T) {
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, sns.Path, nil))
		wantStatus(t, rec, http.StatusMethodNotAllowed)
		if rec.Header().Get("Allow") != http.MethodPost {
			t.Errorf("Allow %q", rec.Header().Get("Allow"))
		}
	})
	if got := f.sink.got(); len(got) != 0 {
		t.Errorf("delivered %v", got)
	}
	// The valid message still goes through after all that.
	wantStatus(t, f.post(t, valid), http.StatusOK)
	if len(f.sink.got()) != 1 {
		t.Error("the valid message was not delivered")
	}
}

func TestHandler_badEventAcknowledged(t *testing.T) {
	for _, c := range []struct{ name, msg string }{
		{"not JSON", "order ord_1 is CONFIRMED"},
		{"JSON but not an object", `[1,2]`},
		{"unknown status", `{"orderId":"ord_1","status":"TELEPORTED","version":2}`},
		{"unknown previousStatus", `{"orderId":"ord_1","status":"CONFIRMED","previousStatus":"NOPE","version":2}`},
		{"no orderId", `{"status":"CONFIRMED","version":2}`},
		{"version 0", `{"orderId":"ord_1","status":"CONFIRMED","version":0}`},
		{"negative version", `{"orderId":"ord_1","status":"CONFIRMED","version":-1}`},
		{"version a string", `{"orderId":"ord_1","status":"CONFIRMED","version":"2"}`},
		{"bad occurredAt", `{"orderId":"ord_1","status":"CONFIRMED","version":2,"occurredAt":"noon"}`},
		{"data after the event", `{"orderId":"ord_1","status":"CONFIRMED","version":2} {}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, nil)
			m := f.signed(t, "msg-bad-event", c.msg)
			// 200, not 4xx/5xx: the notification is authentic, a retry
			// would carry the same Message.
			wantStatus(t, f.post(t, m), http.StatusOK)
			wantStatus(t, f.post(t, m), http.StatusOK) // SNS's retry: acknowledged, not logged again
			if got := f.sink.got(); len(got) != 0 {
				t.Errorf("delivered %v", got)
			}
			if s := f.h.Stats(); s.Rejected[sns.ReasonBadEvent] != 1 || s.Delivered != 0 {
				t.Errorf("stats %+v", s)
			}
			f.logLine(t, sns.ReasonBadEvent, "msg-bad-event")
		})
	}
}

func TestHandler_eventEncodedTwice(t *testing.T) {
	f := newFixture(t, nil)
	wrapped := mustJSON(t, event("ord_1", 4)) // a JSON string holding the event's JSON
	wantStatus(t, f.post(t, f.signed(t, "msg-wrapped", wrapped)), http.StatusOK)
	if got := f.sink.got(); len(got) != 1 || got[0].OrderID != "ord_1" || got[0].Version != 4 {
		t.Fatalf("delivered %+v", got)
	}
}

func TestHandler_sinkFailureIsRetried(t *testing.T) {
	f := newFixture(t, nil)
	fails := 1
	f.sink.fail = func(shopgraph.OrderEvent) error {
		if fails > 0 {
			fails--
			return errSinkDown
		}
		return nil
	}
	m := f.signed(t, "msg-retry", event("ord_1", 1))
	rec := f.post(t, m)
	wantStatus(t, rec, http.StatusServiceUnavailable) // SNS retries a 5xx
	if strings.Contains(rec.Body.String(), errSinkDown.Error()) {
		t.Errorf("a 5xx body shows the internal cause: %q", rec.Body.String())
	}
	wantStatus(t, f.post(t, m), http.StatusOK) // the retry is delivered, not taken for a duplicate
	wantStatus(t, f.post(t, m), http.StatusOK) // and a later copy is a duplicate
	if n := len(f.sink.got()); n != 1 {
		t.Fatalf("delivered %d times, want 1", n)
	}
	if s := f.h.Stats(); s.Rejected[sns.ReasonSinkFailed] != 1 || s.Delivered != 1 || s.Duplicates != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestHandler_subscriptionConfirmation(t *testing.T) {
	t.Run("configured topic: confirmed", func(t *testing.T) {
		f := newFixture(t, nil)
		m := f.confirmation("sub-1", testTopic)
		sign(t, m, signingKey(), "1")
		wantStatus(t, f.post(t, m), http.StatusOK)
		got := f.confirmations()
		if len(got) != 1 || !strings.Contains(got[0], "Token=tok-sub-1") {
			t.Fatalf("confirmation GETs %q, want one with the token", got)
		}
		if s := f.h.Stats(); s.Confirmed != 1 {
			t.Errorf("stats %+v", s)
		}
		if len(f.sink.got()) != 0 {
			t.Error("a confirmation reached the sink")
		}
	})
	for _, c := range []struct {
		name   string
		build  func(t *testing.T, f *fixture) map[string]any
		status int
		reason sns.Reason
	}{
		{"another topic", func(t *testing.T, f *fixture) map[string]any {
			m := f.confirmation("sub-2", otherTopic)
			sign(t, m, signingKey(), "2")
			return m
		}, 403, sns.ReasonUnknownTopic},
		{"unsigned", func(t *testing.T, f *fixture) map[string]any {
			return f.confirmation("sub-3", testTopic)
		}, 403, sns.ReasonUnsigned},
		{"forged", func(t *testing.T, f *fixture) map[string]any {
			m := f.confirmation("sub-4", testTopic)
			sign(t, m, otherKey(), "2")
			return m
		}, 403, sns.ReasonForged},
		{"SubscribeURL swapped after signing", func(t *testing.T, f *fixture) map[string]any {
			m := f.confirmation("sub-5", testTopic)
			sign(t, m, signingKey(), "2")
			m["SubscribeURL"] = f.srv.URL + pathConfirm + "?Token=evil"
			return m
		}, 403, sns.ReasonForged},
		{"signed with a SubscribeURL off SNS", func(t *testing.T, f *fixture) map[string]any {
			m := f.confirmation("sub-6", testTopic)
			m["SubscribeURL"] = "https://evil.example/confirm"
			sign(t, m, signingKey(), "2")
			return m
		}, 403, sns.ReasonSubscribeURL},
		{"no Token", func(t *testing.T, f *fixture) map[string]any {
			m := f.confirmation("sub-7", testTopic)
			delete(m, "Token")
			sign(t, m, signingKey(), "2")
			return m
		}, 400, sns.ReasonMissingField},
		{"stale", func(t *testing.T, f *fixture) map[string]any {
			m := f.confirmation("sub-8", testTopic)
			m["Timestamp"] = t0.Add(-2 * time.Hour).Format(time.RFC3339)
			sign(t, m, signingKey(), "2")
			return m
		}, 403, sns.ReasonStale},
	} {
		t.Run(c.name+": refused", func(t *testing.T) {
			f := newFixture(t, nil)
			m := c.build(t, f)
			wantStatus(t, f.post(t, m), c.status)
			if got := f.confirmations(); len(got) != 0 {
				t.Fatalf("confirmed anyway: %q", got)
			}
			if s := f.h.Stats(); s.Confirmed != 0 || s.Rejected[c.reason] != 1 {
				t.Errorf("stats %+v, want one %s rejection", s, c.reason)
			}
			f.logLine(t, c.reason, m["MessageId"].(string))
		})
	}
	t.Run("confirmation GET fails: SNS retries", func(t *testing.T) {
		f := newFixture(t, nil)
		m := f.confirmation("sub-9", testTopic)
		m["SubscribeURL"] = f.srv.URL + pathConfirmFail
		sign(t, m, signingKey(), "2")
		wantStatus(t, f.post(t, m), http.StatusServiceUnavailable)
		if s := f.h.Stats(); s.Confirmed != 0 || s.Rejected[sns.ReasonConfirmFailed] != 1 {
			t.Errorf("stats %+v", s)
		}
	})
}

func TestHandler_unsubscribeConfirmation(t *testing.T) {
	f := newFixture(t, nil)
	m := f.confirmation("unsub-1", testTopic)
	m["Type"] = "UnsubscribeConfirmation"
	sign(t, m, signingKey(), "2")
	wantStatus(t, f.post(t, m), http.StatusOK)
	if got := f.confirmations(); len(got) != 0 {
		t.Errorf("an unsubscribe was re-confirmed: %q", got)
	}
	if s := f.h.Stats(); s.Unsubscribed != 1 {
		t.Errorf("stats %+v", s)
	}
	if !strings.Contains(f.logs.String(), "unsubscribed") {
		t.Errorf("not logged: %s", f.logs.String())
	}
}

// TestHandler_concurrent posts many notifications, each several times at
// once, with both signature versions: each is delivered exactly once and
// the certificate is fetched once.
func TestHandler_concurrent(t *testing.T) {
	f := newFixture(t, nil)
	const messages, copies = 40, 5
	bodies := make([]map[string]any, messages)
	for i := range bodies {
		m := f.notification(fmt.Sprintf("msg-%d", i), event(fmt.Sprintf("ord_%d", i), i+1))
		sign(t, m, signingKey(), []string{"1", "2"}[i%2])
		bodies[i] = m
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for c := range copies {
		for i := range bodies {
			wg.Go(func() {
				<-start
				if rec := f.post(t, bodies[(i+c)%messages]); rec.Code != http.StatusOK {
					t.Errorf("status %d: %s", rec.Code, rec.Body)
				}
			})
		}
	}
	close(start)
	wg.Wait()
	seen := map[string]int{}
	for _, ev := range f.sink.got() {
		seen[ev.OrderID]++
	}
	if len(seen) != messages {
		t.Errorf("%d orders delivered, want %d", len(seen), messages)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s delivered %d times", id, n)
		}
	}
	s := f.h.Stats()
	if s.Delivered != messages || s.Duplicates != messages*(copies-1) || s.CertFetches != 1 || f.certFetches(pathCert) != 1 {
		t.Errorf("stats %+v, server fetches %d", s, f.certFetches(pathCert))
	}
}

// TestHandler_snsCertificateHost checks the production rule without a
// trusted test host: a SigningCertURL on sns.us-east-1.amazonaws.com is
// fetched (the client dials the fixture server, presenting its
// certificate's name) and the message delivered.
func TestHandler_snsCertificateHost(t *testing.T) {
	f := newFixture(t, func(f *fixture, o *sns.Options) {
		o.TrustedCertHosts = nil
		tr := f.srv.Client().Transport.(*http.Transport).Clone()
		tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, f.host)
		}
		tr.TLSClientConfig = tr.TLSClientConfig.Clone()
		tr.TLSClientConfig.ServerName = "example.com" // a name in httptest's certificate
		o.HTTPClient = &http.Client{Transport: tr}
	})
	m := f.notification("msg-sns", event("ord_1", 1))
	m["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com" + pathCert
	sign(t, m, signingKey(), "1")
	wantStatus(t, f.post(t, m), http.StatusOK)
	if len(f.sink.got()) != 1 {
		t.Fatal("not delivered")
	}
	// The fixture's own host is no longer trusted.
	m = f.signed(t, "msg-local", event("ord_2", 1))
	wantStatus(t, f.post(t, m), http.StatusForbidden)
}

// TestHandler_clientTLSTrust: the http.Client decides TLS trust, so a
// client that does not trust the certificate host fails the fetch (503,
// worth SNS's retry) even when the host is listed.
func TestHandler_clientTLSTrust(t *testing.T) {
	f := newFixture(t, func(_ *fixture, o *sns.Options) {
		o.HTTPClient = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{}}}
	})
	wantStatus(t, f.post(t, f.signed(t, "msg-tls", event("ord_1", 1))), http.StatusServiceUnavailable)
	if s := f.h.Stats(); s.Rejected[sns.ReasonCertFetch] != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestHandler_clockChecks(t *testing.T) {
	f := newFixture(t, nil)
	m := f.signed(t, "msg-clock", event("ord_1", 1))
	// A year and more later, the message is stale before the certificate
	// is even looked at.
	f.clock.set(t0.Add(366 * 24 * time.Hour))
	wantStatus(t, f.post(t, m), http.StatusForbidden)
	if s := f.h.Stats(); s.Rejected[sns.ReasonStale] != 1 {
		t.Errorf("stats %+v", s)
	}
	// A fresh message signed with the now expired certificate.
	fresh := f.notification("msg-clock-2", event("ord_1", 1))
	fresh["Timestamp"] = f.clock.now().Format(time.RFC3339)
	sign(t, fresh, signingKey(), "2")
	wantStatus(t, f.post(t, fresh), http.StatusForbidden)
	if s := f.h.Stats(); s.Rejected[sns.ReasonCertInvalid] != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestNew_errors(t *testing.T) {
	okClient, okSink := http.DefaultClient, &sink{}
	for _, c := range []struct {
		name string
		opts sns.Options
		want string
	}{
		{"no topics", sns.Options{HTTPClient: okClient, Sink: okSink}, "SHOPGRAPH_SNS_TOPIC_ARNS"},
		{"not an ARN", sns.Options{TopicARNs: []string{"order-events"}, HTTPClient: okClient, Sink: okSink}, "SHOPGRAPH_SNS_TOPIC_ARNS"},
		{"an SQS ARN", sns.Options{TopicARNs: []string{"arn:aws:sqs:us-east-1:123456789012:q"}, HTTPClient: okClient, Sink: okSink}, "SHOPGRAPH_SNS_TOPIC_ARNS"},
		{"topic name too long", sns.Options{TopicARNs: []string{"arn:aws:sns:eu-west-1:123456789012:" + strings.Repeat("n", 257)}, HTTPClient: okClient, Sink: okSink}, "SHOPGRAPH_SNS_TOPIC_ARNS"},
		{"empty ARN", sns.Options{TopicARNs: []string{testTopic, ""}, HTTPClient: okClient, Sink: okSink}, "SHOPGRAPH_SNS_TOPIC_ARNS"},
		{"host with scheme", sns.Options{TopicARNs: []string{testTopic}, TrustedCertHosts: []string{"https://127.0.0.1:8443"}, HTTPClient: okClient, Sink: okSink}, "SHOPGRAPH_SNS_TRUSTED_CERT_HOSTS"},
		{"host with path", sns.Options{TopicARNs: []string{testTopic}, TrustedCertHosts: []string{"localhost/certs"}, HTTPClient: okClient, Sink: okSink}, "SHOPGRAPH_SNS_TRUSTED_CERT_HOSTS"},
		{"wildcard host", sns.Options{TopicARNs: []string{testTopic}, TrustedCertHosts: []string{"*.amazonaws.com"}, HTTPClient: okClient, Sink: okSink}, "SHOPGRAPH_SNS_TRUSTED_CERT_HOSTS"},
		{"empty host", sns.Options{TopicARNs: []string{testTopic}, TrustedCertHosts: []string{""}, HTTPClient: okClient, Sink: okSink}, "SHOPGRAPH_SNS_TRUSTED_CERT_HOSTS"},
		{"no client", sns.Options{TopicARNs: []string{testTopic}, Sink: okSink}, "HTTPClient"},
		{"no sink", sns.Options{TopicARNs: []string{testTopic}, HTTPClient: okClient}, "Sink"},
		{"negative MaxAge", sns.Options{TopicARNs: []string{testTopic}, HTTPClient: okClient, Sink: okSink, MaxAge: -time.Second}, "MaxAge"},
		{"negative DedupeSize", sns.Options{TopicARNs: []string{testTopic}, HTTPClient: okClient, Sink: okSink, DedupeSize: -1}, "DedupeSize"},
		{"negative MaxBodyBytes", sns.Options{TopicARNs: []string{testTopic}, HTTPClient: okClient, Sink: okSink, MaxBodyBytes: -1}, "MaxBodyBytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := sns.New(c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one naming %s", err, c.want)
			}
		})
	}
	_, err := sns.New(sns.Options{
		TopicARNs: []string{testTopic, "arn:aws-cn:sns:cn-north-1:123456789012:t", "arn:aws:sns:us-gov-west-1:123456789012:t.fifo",
			"arn:aws:sns:us-east-1:000000000000:shopgraph-order-events", "arn:aws:sns:eu-west-1:123456789012:" + strings.Repeat("n", 256)},
		TrustedCertHosts: []string{"127.0.0.1:8443", "localhost", "[::1]:9000", "sns.local.test"},
		HTTPClient:       okClient, Sink: okSink,
	})
	if err != nil {
		t.Fatalf("valid options refused: %v", err)
	}
}

// TestDecodeEvent covers the exported decoder the embedded default's
// in-process path shares.
func TestDecodeEvent(t *testing.T) {
	ev, err := sns.DecodeEvent(`{"orderId":"ord_1","customerId":"c","status":"PENDING","previousStatus":"","reason":"","occurredAt":"2026-03-01T12:00:00Z","version":1,"extra":true}`)
	if err != nil || ev.OrderID != "ord_1" || ev.Status != shopgraph.OrderPending || ev.Version != 1 || !ev.OccurredAt.Equal(t0) {
		t.Fatalf("DecodeEvent = %+v, %v", ev, err)
	}
	for _, s := range shopgraph.OrderStatuses() {
		if _, err := sns.DecodeEvent(fmt.Sprintf(`{"orderId":"o","status":%q,"version":1}`, s)); err != nil {
			t.Errorf("status %s refused: %v", s, err)
		}
	}
	if _, err := sns.DecodeEvent(`""`); err == nil {
		t.Error("an empty wrapped string accepted")
	}
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
