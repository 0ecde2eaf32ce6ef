package sns_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/events/sns"
)

const (
	testTopic  = "arn:aws:sns:us-east-1:123456789012:shopgraph-order-events"
	otherTopic = "arn:aws:sns:us-east-1:123456789012:someone-elses-topic"
)

// t0 is the fixtures' clock.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Keys are generated once per test binary: RSA generation is slow under
// -race.
var (
	signingKey = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA() })
	otherKey   = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA() })
)

func mustRSA() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

// certPEM makes a self-signed certificate for key, valid from notBefore to
// notAfter, in PEM, like the SimpleNotificationService-*.pem SNS serves.
func certPEM(tb testing.TB, key *rsa.PrivateKey, notBefore, notAfter time.Time) []byte {
	tb.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// signedFields lists the fields SNS signs, by type, in the order of the
// Developer Guide's "Verifying the signatures of Amazon SNS messages"
// (written out here independently of the package's own list).
var signedFields = map[string][]string{
	"Notification":             {"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"},
	"SubscriptionConfirmation": {"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"},
	"UnsubscribeConfirmation":  {"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"},
}

// sign sets m's SignatureVersion and Signature: version "1" SHA1withRSA,
// "2" SHA256withRSA, over the fields of m's Type that m has.
func sign(tb testing.TB, m map[string]any, key *rsa.PrivateKey, version string) {
	tb.Helper()
	var b strings.Builder
	for _, f := range signedFields[m["Type"].(string)] {
		if v, ok := m[f]; ok {
			fmt.Fprintf(&b, "%s\n%s\n", f, v)
		}
	}
	var h crypto.Hash
	var digest []byte
	switch version {
	case "1":
		d := sha1.Sum([]byte(b.String()))
		h, digest = crypto.SHA1, d[:]
	case "2":
		d := sha256.Sum256([]byte(b.String()))
		h, digest = crypto.SHA256, d[:]
	default:
		tb.Fatalf("version %q", version)
	}
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, h, digest)
	if err != nil {
		tb.Fatal(err)
	}
	m["SignatureVersion"] = version
	m["Signature"] = base64.StdEncoding.EncodeToString(sig)
}

// clock is a settable clock.
type clock struct{ t atomic.Pointer[time.Time] }

func newClock(t time.Time) *clock { c := &clock{}; c.set(t); return c }
func (c *clock) set(t time.Time)  { c.t.Store(&t) }
func (c *clock) now() time.Time   { return *c.t.Load() }

// sink records the events published; fail, when set, decides an error.
type sink struct {
	mu     sync.Mutex
	events []shopgraph.OrderEvent
	fail   func(shopgraph.OrderEvent) error
}

func (s *sink) Publish(_ context.Context, ev shopgraph.OrderEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		if err := s.fail(ev); err != nil {
			return err
		}
	}
	s.events = append(s.events, ev)
	return nil
}

func (s *sink) got() []shopgraph.OrderEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]shopgraph.OrderEvent(nil), s.events...)
}

// lockedBuffer is a log destination safe for concurrent handlers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fixture is a Handler with an httptest TLS server standing in for SNS's
// certificate and confirmation host.
type fixture struct {
	srv     *httptest.Server
	host    string // the server's host:port
	clock   *clock
	sink    *sink
	logs    *lockedBuffer
	h       *sns.Handler
	handler http.Handler

	mu       sync.Mutex
	fetches  map[string]int // certificate GETs by path
	confirms []string       // confirmation GETs' query strings
}

// Paths the fixture server serves.
const (
	pathCert        = "/SimpleNotificationService-good.pem"
	pathExpired     = "/SimpleNotificationService-expired.pem"
	pathNotYet      = "/SimpleNotificationService-notyet.pem"
	pathMissing     = "/SimpleNotificationService-missing.pem"
	pathFailing     = "/SimpleNotificationService-failing.pem"
	pathGarbage     = "/SimpleNotificationService-garbage.pem"
	pathConfirm     = "/confirm"
	pathConfirmFail = "/confirm-fail"
)

// newFixture starts the server and builds a Handler trusting it; edit
// adjusts the options first.
func newFixture(t *testing.T, edit func(*fixture, *sns.Options)) *fixture {
	t.Helper()
	f := &fixture{clock: newClock(t0), sink: &sink{}, logs: &lockedBuffer{}, fetches: map[string]int{}}
	good := certPEM(t, signingKey(), t0.Add(-24*time.Hour), t0.Add(365*24*time.Hour))
	expired := certPEM(t, signingKey(), t0.Add(-400*24*time.Hour), t0.Add(-time.Hour))
	notYet := certPEM(t, signingKey(), t0.Add(time.Hour), t0.Add(400*24*time.Hour))
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		if r.URL.Path == pathConfirm {
			f.confirms = append(f.confirms, r.URL.RawQuery)
		} else {
			f.fetches[r.URL.Path]++
		}
		f.mu.Unlock()
		switch r.URL.Path {
		case pathCert:
			w.Write(good)
		case pathExpired:
			w.Write(expired)
		case pathNotYet:
			w.Write(notYet)
		case pathFailing, pathConfirmFail:
			http.Error(w, "down", http.StatusInternalServerError)
		case pathGarbage:
			w.Write([]byte("not a certificate"))
		case pathConfirm:
			w.Write([]byte(`<ConfirmSubscriptionResponse/>`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	f.host = strings.TrimPrefix(f.srv.URL, "https://")
	opts := sns.Options{
		TopicARNs:        []string{testTopic},
		TrustedCertHosts: []string{f.host},
		HTTPClient:       f.srv.Client(),
		Sink:             f.sink,
		Clock:            f.clock.now,
		Logger:           slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(f, &opts)
	}
	h, err := sns.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	f.h, f.handler = h, h
	return f
}

// event is a valid order event's Message.
func event(orderID string, version int) string {
	b, _ := json.Marshal(shopgraph.OrderEvent{OrderID: orderID, CustomerID: "alice", Status: shopgraph.OrderConfirmed,
		PreviousStatus: shopgraph.OrderPending, OccurredAt: t0.Add(-time.Minute), Version: version})
	return string(b)
}

// notification is an unsigned Notification of the test topic whose cert
// URL is the fixture's good certificate.
func (f *fixture) notification(id, msg string) map[string]any {
	return map[string]any{
		"Type":           "Notification",
		"MessageId":      id,
		"TopicArn":       testTopic,
		"Message":        msg,
		"Timestamp":      t0.Add(-2 * time.Second).Format("2006-01-02T15:04:05.000Z"),
		"SigningCertURL": f.srv.URL + pathCert,
		"UnsubscribeURL": f.srv.URL + "/?Action=Unsubscribe",
	}
}

// signed is notification signed with the signing key (version "2").
func (f *fixture) signed(t testing.TB, id, msg string) map[string]any {
	m := f.notification(id, msg)
	sign(t, m, signingKey(), "2")
	return m
}

// confirmation is an unsigned SubscriptionConfirmation of topic whose
// SubscribeURL is the fixture's confirmation path.
func (f *fixture) confirmation(id, topic string) map[string]any {
	return map[string]any{
		"Type":           "SubscriptionConfirmation",
		"MessageId":      id,
		"Token":          "tok-" + id,
		"TopicArn":       topic,
		"Message":        "You have chosen to subscribe to the topic " + topic + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.",
		"SubscribeURL":   f.srv.URL + pathConfirm + "?Action=ConfirmSubscription&Token=tok-" + id,
		"Timestamp":      t0.Add(-time.Second).Format("2006-01-02T15:04:05.000Z"),
		"SigningCertURL": f.srv.URL + pathCert,
	}
}

// post sends body (a map is JSON-encoded; []byte and string are sent as
// they are) as SNS does, with the x-amz-sns-* headers of a map body.
func (f *fixture) post(t testing.TB, body any) *httptest.ResponseRecorder {
	t.Helper()
	var raw []byte
	req := httptest.NewRequest(http.MethodPost, sns.Path, nil)
	switch b := body.(type) {
	case map[string]any:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
		for k, h := range map[string]string{"Type": "x-amz-sns-message-type", "MessageId": "x-amz-sns-message-id", "TopicArn": "x-amz-sns-topic-arn"} {
			if v, ok := b[k].(string); ok {
				req.Header.Set(h, v)
			}
		}
	case []byte:
		raw = b
	case string:
		raw = []byte(b)
	default:
		t.Fatalf("body %T", body)
	}
	req.Body = readCloser{bytes.NewReader(raw)}
	req.ContentLength = int64(len(raw))
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	req.Header.Set("User-Agent", "Amazon Simple Notification Service Agent")
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// certFetches is how many times the server was asked for path.
func (f *fixture) certFetches(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fetches[path]
}

func (f *fixture) confirmations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.confirms...)
}

// wantStatus fails unless rec has status.
func wantStatus(t testing.TB, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %q", rec.Code, status, rec.Body.String())
	}
}

// logLine returns the first log record with reason and messageId, or
// fails.
func (f *fixture) logLine(t testing.TB, reason sns.Reason, messageID string) map[string]any {
	t.Helper()
	for line := range strings.SplitSeq(strings.TrimSpace(f.logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			continue
		}
		if rec["reason"] == string(reason) && rec["messageId"] == messageID {
			return rec
		}
	}
	t.Fatalf("no log record with reason %q and messageId %q in:\n%s", reason, messageID, f.logs.String())
	return nil
}

var errSinkDown = errors.New("sink down")
