// Package sns is the order events intake from Amazon SNS: an http.Handler
// for POST /events/sns, the endpoint of an HTTPS subscription to the order
// events topic.
//
// Every message is authenticated before anything acts on it: its topic must
// be one of the configured ones, its Timestamp recent, its SigningCertURL an
// https URL on sns.<region>.amazonaws.com(.cn) (or a host trusted for
// tests), the certificate there a currently valid x509 certificate with an
// RSA key, and its Signature (SignatureVersion 1, SHA1withRSA, or 2,
// SHA256withRSA) must verify over the string to sign. Then:
//
//   - a SubscriptionConfirmation is confirmed by a GET of its SubscribeURL
//     (itself an SNS URL);
//   - a Notification's Message is decoded as a shopgraph.OrderEvent
//     (DecodeEvent) and published to the Sink once per MessageId;
//   - an UnsubscribeConfirmation is logged.
//
// # HTTP status policy
//
// SNS counts an answer in 200–4xx as delivered and retries only a 5xx or a
// timeout, under the subscription's delivery policy ("Step 1: Make sure your
// endpoint is ready to process Amazon SNS messages", Amazon SNS Developer
// Guide: "if your endpoint returns a status code outside the range of
// 200–4xx, Amazon SNS will consider the delivery of the message as a failed
// attempt"). So the handler answers:
//
//   - 200: delivered; a duplicate of a delivered MessageId; a confirmation
//     done; an unsubscribe logged; and an authentic notification whose
//     Message is not a valid order event (retrying would never fix it, so it
//     is logged and counted and must not be retried).
//   - 400: malformed JSON, an unknown Type, a required field missing, or
//     headers that contradict the body.
//   - 403: unsigned, an unsupported SignatureVersion, an untrusted
//     SigningCertURL or SubscribeURL, a certificate that cannot be had or is
//     not valid now, a signature that does not verify, an unconfigured
//     topic, a stale or future Timestamp.
//   - 405: not a POST. 413: a body over MaxBodyBytes.
//   - 503: a failure worth SNS's retry: the Sink's Publish failed, the
//     certificate host was unreachable or failing, the confirmation GET
//     failed. The MessageId is not remembered, so the retry is delivered.
//
// Every rejection is logged with its Reason and the MessageId, and counted
// in Stats.
//
// The package imports only the root package and the standard library.
package sns

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopgraph/shopgraph"
)

// Path is where the composition root mounts the Handler.
const Path = "/events/sns"

// Defaults of Options.
const (
	// DefaultMaxAge: SNS stops retrying an HTTP/S delivery within an hour
	// (its delivery policy's total retry time cannot exceed 3,600 s), so a
	// genuine delivery is never older.
	DefaultMaxAge        = time.Hour
	DefaultMaxFutureSkew = 5 * time.Minute
	// DefaultMaxBodyBytes is SNS's largest message, 256 KiB. An order
	// event's envelope is under 2 KB.
	DefaultMaxBodyBytes  int64 = 256 << 10
	DefaultDedupeSize          = 100_000
	DefaultCertCacheSize       = 64
)

// confirmTimeout bounds the GET of a SubscribeURL.
const confirmTimeout = 10 * time.Second

// Settings the composition root reads the options from, named in New's
// errors.
const (
	SettingTopicARNs        = "SHOPGRAPH_SNS_TOPIC_ARNS"
	SettingTrustedCertHosts = "SHOPGRAPH_SNS_TRUSTED_CERT_HOSTS"
)

// Publisher receives the order events of verified notifications:
// shopgraph.OrderEventBus satisfies it. Publish must not keep ev's caller
// waiting on slow subscribers; an error makes the handler answer 503, so
// SNS delivers the message again.
type Publisher interface {
	Publish(ctx context.Context, ev shopgraph.OrderEvent) error
}

// Options configure a Handler. TopicARNs, HTTPClient and Sink are
// required; every other field has a default.
type Options struct {
	// TopicARNs are the topics whose messages are accepted
	// (SHOPGRAPH_SNS_TOPIC_ARNS): SNS topic ARNs,
	// arn:<partition>:sns:<region>:<account>:<name>.
	TopicARNs []string
	// TrustedCertHosts are hosts (host or host:port, as in a URL) trusted
	// besides sns.<region>.amazonaws.com(.cn) to serve signing certificates
	// and subscription confirmations (SHOPGRAPH_SNS_TRUSTED_CERT_HOSTS).
	// For tests and local stand-ins only: whoever serves https on such a
	// host can sign messages.
	TrustedCertHosts []string
	// HTTPClient fetches signing certificates and confirms subscriptions.
	// Its TLS configuration decides which servers are trusted.
	HTTPClient *http.Client
	// Sink receives the order events.
	Sink Publisher
	// Clock is the time (default time.Now): message age and certificate
	// validity are checked against it.
	Clock func() time.Time
	// Logger logs every rejection, confirmation and unsubscribe (default:
	// discarded).
	Logger *slog.Logger
	// MaxAge is the oldest Timestamp accepted (default DefaultMaxAge).
	MaxAge time.Duration
	// MaxFutureSkew is how far ahead of Clock a Timestamp may be (default
	// DefaultMaxFutureSkew).
	MaxFutureSkew time.Duration
	// DedupeSize is how many delivered MessageIds are remembered at most
	// (default DefaultDedupeSize); each is remembered for MaxAge +
	// MaxFutureSkew.
	DedupeSize int
	// CertCacheSize is how many signing certificates are cached at most
	// (default DefaultCertCacheSize).
	CertCacheSize int
	// MaxBodyBytes is the largest request body accepted (default
	// DefaultMaxBodyBytes).
	MaxBodyBytes int64
}

// topicARN matches an SNS topic ARN: partition, region, 12-digit account,
// and a topic name of 1 to 256 letters, digits, hyphens and underscores
// (a FIFO topic's name ends in .fifo, within the 256).
var topicARN = regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b)?:sns:[a-z]{2}(-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:([A-Za-z0-9_-]{1,256}|[A-Za-z0-9_-]{1,251}\.fifo)$`)

// trustedHost matches a host or host:port: a DNS name or IPv4 address, or a
// bracketed IPv6 address, with an optional port.
var trustedHost = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

// Reason is why a message was rejected (or, for ReasonBadEvent,
// acknowledged without a delivery): the reason logged and counted in Stats.
type Reason string

// The reasons, with the status each is answered with.
const (
	ReasonMethod         Reason = "method"            // 405: not a POST
	ReasonTooLarge       Reason = "too_large"         // 413: body over MaxBodyBytes
	ReasonMalformed      Reason = "malformed"         // 400: not one JSON object of strings, or a bad Timestamp
	ReasonUnknownType    Reason = "unknown_type"      // 400: Type is not one of the three
	ReasonMissingField   Reason = "missing_field"     // 400: a required field is missing
	ReasonHeaderMismatch Reason = "header_mismatch"   // 400: an x-amz-sns-* header contradicts the body
	ReasonUnsigned       Reason = "unsigned"          // 403: no Signature, SignatureVersion or SigningCertURL
	ReasonSigVersion     Reason = "signature_version" // 403: SignatureVersion neither "1" nor "2"
	ReasonUnknownTopic   Reason = "unknown_topic"     // 403: TopicArn not configured
	ReasonStale          Reason = "stale"             // 403: Timestamp older than MaxAge
	ReasonFuture         Reason = "future"            // 403: Timestamp beyond MaxFutureSkew
	ReasonCertURL        Reason = "cert_url"          // 403: SigningCertURL not https on a trusted host
	ReasonCertFetch      Reason = "cert_fetch"        // 403, or 503 when the host failed
	ReasonCertInvalid    Reason = "cert_invalid"      // 403: certificate not valid at Clock
	ReasonForged         Reason = "forged"            // 403: signature does not verify
	ReasonSubscribeURL   Reason = "subscribe_url"     // 403: SubscribeURL not https on a trusted host
	ReasonConfirmFailed  Reason = "confirm_failed"    // 503: the SubscribeURL GET failed
	ReasonBadEvent       Reason = "bad_event"         // 200: authentic, but the Message is no valid order event
	ReasonSinkFailed     Reason = "sink_failed"       // 503: Publish failed, or the request ended first
)

// Stats counts what a Handler did since it was built.
type Stats struct {
	// Delivered notifications (published to the Sink).
	Delivered int64
	// Duplicates: notifications whose MessageId was delivered already,
	// acknowledged without a delivery.
	Duplicates int64
	// Confirmed subscriptions, and UnsubscribeConfirmations received.
	Confirmed, Unsubscribed int64
	// CertFetches started, and certificates now cached.
	CertFetches int64
	CertsCached int
	// Remembered delivered MessageIds.
	Remembered int
	// Rejected messages by reason (ReasonBadEvent included).
	Rejected map[Reason]int64
}

// Handler is the SNS intake. It is safe for concurrent use.
type Handler struct {
	topics    map[string]bool
	hosts     []string
	client    *http.Client
	sink      Publisher
	now       func() time.Time
	log       *slog.Logger
	maxAge    time.Duration
	skew      time.Duration
	maxBody   int64
	certs     *certCache
	delivered *dedupe

	mu    sync.Mutex
	stats Stats
}

var _ http.Handler = (*Handler)(nil)

// New builds a Handler. An invalid option is an error naming it: its
// setting (SHOPGRAPH_SNS_TOPIC_ARNS, SHOPGRAPH_SNS_TRUSTED_CERT_HOSTS) where
// it has one, its Options field otherwise.
func New(opts Options) (*Handler, error) {
	h := &Handler{topics: map[string]bool{}, client: opts.HTTPClient, sink: opts.Sink, now: opts.Clock,
		log: opts.Logger, maxAge: opts.MaxAge, skew: opts.MaxFutureSkew, maxBody: opts.MaxBodyBytes}
	if len(opts.TopicARNs) == 0 {
		return nil, fmt.Errorf("%s: at least one SNS topic ARN is required", SettingTopicARNs)
	}
	for _, arn := range opts.TopicARNs {
		arn = strings.TrimSpace(arn)
		if !topicARN.MatchString(arn) {
			return nil, fmt.Errorf("%s: %q is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>)", SettingTopicARNs, arn)
		}
		h.topics[arn] = true
	}
	for _, host := range opts.TrustedCertHosts {
		host = strings.TrimSpace(host)
		if !trustedHost.MatchString(host) {
			return nil, fmt.Errorf("%s: %q is not a host or host:port (no scheme, path or wildcard)", SettingTrustedCertHosts, host)
		}
		if !slices.Contains(h.hosts, host) {
			h.hosts = append(h.hosts, host)
		}
	}
	if h.client == nil {
		return nil, errors.New("sns: Options.HTTPClient is required")
	}
	if h.sink == nil {
		return nil, errors.New("sns: Options.Sink is required")
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	var err error
	h.maxAge, err = positive("MaxAge", h.maxAge, DefaultMaxAge)
	if err != nil {
		return nil, err
	}
	h.skew, err = positive("MaxFutureSkew", h.skew, DefaultMaxFutureSkew)
	if err != nil {
		return nil, err
	}
	h.maxBody, err = positive("MaxBodyBytes", h.maxBody, DefaultMaxBodyBytes)
	if err != nil {
		return nil, err
	}
	dedupeSize, err := positive("DedupeSize", opts.DedupeSize, DefaultDedupeSize)
	if err != nil {
		return nil, err
	}
	certSize, err := positive("CertCacheSize", opts.CertCacheSize, DefaultCertCacheSize)
	if err != nil {
		return nil, err
	}
	client := h.client
	h.certs = newCertCache(certSize, func(ctx context.Context, u string) (*x509.Certificate, error) {
		return fetchCert(ctx, client, u)
	})
	h.delivered = newDedupe(dedupeSize, h.maxAge+h.skew)
	h.stats.Rejected = map[Reason]int64{}
	return h, nil
}

// positive returns v, def when v is zero, and an error naming field when v
// is negative.
func positive[T int | int64 | time.Duration](field string, v, def T) (T, error) {
	switch {
	case v == 0:
		return def, nil
	case v < 0:
		return 0, fmt.Errorf("sns: Options.%s must be positive, got %v", field, v)
	}
	return v, nil
}

// Stats returns a snapshot of the counters.
func (h *Handler) Stats() Stats {
	h.mu.Lock()
	s := h.stats
	s.Rejected = make(map[Reason]int64, len(h.stats.Rejected))
	for k, v := range h.stats.Rejected {
		s.Rejected[k] = v
	}
	h.mu.Unlock()
	s.CertFetches, s.CertsCached = h.certs.stats()
	s.Remembered = h.delivered.len()
	return s
}

// count adds one to the counter f selects.
func (h *Handler) count(f func(*Stats)) {
	h.mu.Lock()
	f(&h.stats)
	h.mu.Unlock()
}

// ServeHTTP handles one SNS delivery; see the package documentation for
// the checks and the status policy.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// Until the body is parsed, the headers are all there is to log.
	m := &message{Type: r.Header.Get(headerMessageType), MessageID: r.Header.Get(headerMessageID), TopicARN: r.Header.Get(headerTopicARN)}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(w, r, m, ReasonMethod, http.StatusMethodNotAllowed, fmt.Errorf("method %s", r.Method))
		return
	}
	body, tooLarge, err := h.readBody(w, r)
	if tooLarge {
		h.reject(w, r, m, ReasonTooLarge, http.StatusRequestEntityTooLarge, err)
		return
	}
	if err != nil {
		h.reject(w, r, m, ReasonMalformed, http.StatusBadRequest, err)
		return
	}
	parsed, err := parseMessage(body)
	if err != nil {
		h.reject(w, r, m, ReasonMalformed, http.StatusBadRequest, fmt.Errorf("the body is not an SNS JSON message: %w", err))
		return
	}
	m = parsed
	if !knownType(m.Type) {
		h.reject(w, r, m, ReasonUnknownType, http.StatusBadRequest, fmt.Errorf("unknown Type %q", m.Type))
		return
	}
	if f := m.missingField(); f != "" {
		h.reject(w, r, m, ReasonMissingField, http.StatusBadRequest, fmt.Errorf("the %s has no %s", m.Type, f))
		return
	}
	for _, c := range []struct{ header, body string }{
		{headerMessageType, m.Type}, {headerMessageID, m.MessageID}, {headerTopicARN, m.TopicARN},
	} {
		if v := r.Header.Get(c.header); v != "" && v != c.body {
			h.reject(w, r, m, ReasonHeaderMismatch, http.StatusBadRequest, fmt.Errorf("header %s is %q, the body says %q", c.header, v, c.body))
			return
		}
	}
	if f := m.unsigned(); f != "" {
		h.reject(w, r, m, ReasonUnsigned, http.StatusForbidden, fmt.Errorf("the message has no %s", f))
		return
	}
	if _, ok := signatureHash(m.SignatureVersion); !ok {
		h.reject(w, r, m, ReasonSigVersion, http.StatusForbidden, fmt.Errorf("SignatureVersion %q is neither 1 nor 2", m.SignatureVersion))
		return
	}
	if !h.topics[m.TopicARN] {
		h.reject(w, r, m, ReasonUnknownTopic, http.StatusForbidden, fmt.Errorf("topic %s is not configured (%s)", m.TopicARN, SettingTopicARNs))
		return
	}
	if reason, err := h.checkTimestamp(m.Timestamp); err != nil {
		status := http.StatusForbidden
		if reason == ReasonMalformed {
			status = http.StatusBadRequest
		}
		h.reject(w, r, m, reason, status, err)
		return
	}
	if reason, status, err := h.authenticate(ctx, m); err != nil {
		h.reject(w, r, m, reason, status, err)
		return
	}
	switch m.Type {
	case TypeNotification:
		h.notification(w, r, m)
	case TypeSubscriptionConfirmation:
		h.confirm(w, r, m)
	case TypeUnsubscribeConfirmation:
		h.count(func(s *Stats) { s.Unsubscribed++ })
		h.log.WarnContext(ctx, "sns: the subscription was unsubscribed; order events stop until it is subscribed again",
			"messageId", m.MessageID, "topicArn", m.TopicARN)
		w.WriteHeader(http.StatusOK)
	}
}

// readBody reads at most maxBody bytes of the request body. A longer body
// (announced by Content-Length, or found reading) is tooLarge; a body that
// cannot be read (the client broke off) is an error.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) (body []byte, tooLarge bool, err error) {
	if r.ContentLength > h.maxBody {
		return nil, true, fmt.Errorf("the Content-Length %d is over %d bytes", r.ContentLength, h.maxBody)
	}
	body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, true, fmt.Errorf("the body is over %d bytes", h.maxBody)
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading the body: %w", err)
	}
	return body, false, nil
}

// checkTimestamp parses an SNS Timestamp (ISO 8601, like
// 2012-05-02T00:54:06.655Z) and checks it against the window.
func (h *Handler) checkTimestamp(ts string) (Reason, error) {
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return ReasonMalformed, fmt.Errorf("the Timestamp %q is not an ISO 8601 time", ts)
	}
	now := h.now()
	switch {
	case now.Sub(t) > h.maxAge:
		return ReasonStale, fmt.Errorf("the Timestamp %s is older than %v", ts, h.maxAge)
	case t.Sub(now) > h.skew:
		return ReasonFuture, fmt.Errorf("the Timestamp %s is more than %v in the future", ts, h.skew)
	}
	return "", nil
}

// authenticate checks m's SigningCertURL, gets the certificate (cached),
// checks its validity period at Clock and verifies the signature.
func (h *Handler) authenticate(ctx context.Context, m *message) (Reason, int, error) {
	u, err := checkSNSURL(m.SigningCertURL, h.hosts)
	if err != nil {
		return ReasonCertURL, http.StatusForbidden, fmt.Errorf("SigningCertURL %q: %w", m.SigningCertURL, err)
	}
	cert, err := h.certs.get(ctx, u.String())
	if err != nil {
		status := http.StatusForbidden
		if errors.Is(err, errTransient) {
			status = http.StatusServiceUnavailable
		}
		return ReasonCertFetch, status, fmt.Errorf("signing certificate %s: %w", u, err)
	}
	if now := h.now(); now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return ReasonCertInvalid, http.StatusForbidden, fmt.Errorf("signing certificate %s is valid from %s to %s, not at %s",
			u, cert.NotBefore.Format(time.RFC3339), cert.NotAfter.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	if err := m.verify(cert.PublicKey.(*rsa.PublicKey)); err != nil {
		return ReasonForged, http.StatusForbidden, err
	}
	return "", 0, nil
}

// notification delivers a verified notification's event once per
// MessageId.
func (h *Handler) notification(w http.ResponseWriter, r *http.Request, m *message) {
	ctx := r.Context()
	c, first, err := h.delivered.acquire(ctx, m.MessageID, h.now())
	if err != nil {
		h.reject(w, r, m, ReasonSinkFailed, http.StatusServiceUnavailable, fmt.Errorf("ended while another copy was being delivered: %w", err))
		return
	}
	if !first {
		h.count(func(s *Stats) { s.Duplicates++ })
		h.log.DebugContext(ctx, "sns: duplicate notification acknowledged", "messageId", m.MessageID, "topicArn", m.TopicARN)
		w.WriteHeader(http.StatusOK)
		return
	}
	ev, err := DecodeEvent(m.Message)
	if err != nil {
		// Authentic but unusable: a retry carries the same Message, so the
		// answer is a 2xx (a 5xx would only make SNS retry in vain), and
		// the MessageId is remembered so its retries are not logged again.
		h.delivered.finish(c, true, h.now())
		h.reject(w, r, m, ReasonBadEvent, http.StatusOK, err)
		return
	}
	if err := h.sink.Publish(ctx, ev); err != nil {
		h.delivered.finish(c, false, h.now())
		h.reject(w, r, m, ReasonSinkFailed, http.StatusServiceUnavailable, fmt.Errorf("publishing order %s v%d: %w", ev.OrderID, ev.Version, err))
		return
	}
	h.delivered.finish(c, true, h.now())
	h.count(func(s *Stats) { s.Delivered++ })
	h.log.DebugContext(ctx, "sns: order event delivered", "messageId", m.MessageID, "order", ev.OrderID, "status", ev.Status, "version", ev.Version)
	w.WriteHeader(http.StatusOK)
}

// confirm confirms a verified SubscriptionConfirmation of a configured
// topic by GETting its SubscribeURL, which must be an SNS URL too. The GET
// is detached from the request's cancellation (bounded by confirmTimeout):
// once started, a confirmation is worth finishing.
func (h *Handler) confirm(w http.ResponseWriter, r *http.Request, m *message) {
	ctx := r.Context()
	u, err := checkSNSURL(m.SubscribeURL, h.hosts)
	if err != nil {
		h.reject(w, r, m, ReasonSubscribeURL, http.StatusForbidden, fmt.Errorf("SubscribeURL %q: %w", m.SubscribeURL, err))
		return
	}
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), confirmTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(gctx, http.MethodGet, u.String(), nil)
	if err != nil {
		h.reject(w, r, m, ReasonSubscribeURL, http.StatusForbidden, err)
		return
	}
	resp, err := h.client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("HTTP %d", resp.StatusCode)
		}
	}
	if err != nil {
		// SNS delivers the confirmation again after a 5xx.
		h.reject(w, r, m, ReasonConfirmFailed, http.StatusServiceUnavailable, fmt.Errorf("confirming at %s: %w", u.Host, err))
		return
	}
	h.count(func(s *Stats) { s.Confirmed++ })
	h.log.InfoContext(ctx, "sns: subscription confirmed", "messageId", m.MessageID, "topicArn", m.TopicARN)
	w.WriteHeader(http.StatusOK)
}

// reject logs and counts a rejection and answers status with the reason
// (and, for a 4xx, what is wrong with the message; a 5xx's cause is
// internal and only logged).
func (h *Handler) reject(w http.ResponseWriter, r *http.Request, m *message, reason Reason, status int, err error) {
	h.count(func(s *Stats) { s.Rejected[reason]++ })
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	h.log.Log(r.Context(), level, "sns: message rejected", "reason", string(reason), "status", status,
		"messageId", m.MessageID, "type", m.Type, "topicArn", m.TopicARN, "error", err)
	if status == http.StatusOK {
		w.WriteHeader(status)
		return
	}
	if status >= 500 {
		http.Error(w, string(reason), status)
		return
	}
	http.Error(w, string(reason)+": "+err.Error(), status)
}
