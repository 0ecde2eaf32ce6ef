package server_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/app"
	"github.com/shopgraph/shopgraph/internal/apptest"
)

const testTopic = "arn:aws:sns:us-east-1:123456789012:shopgraph-order-events"

// snsSigner signs SNS notifications (SignatureVersion 2) with a key whose
// certificate it serves over TLS, as sns.<region>.amazonaws.com does.
type snsSigner struct {
	key     *rsa.PrivateKey
	certURL string
	host    string
	client  *http.Client
}

func newSNSSigner(t *testing.T) *snsSigner {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sns.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(pemBytes) }))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return &snsSigner{key: key, certURL: srv.URL + "/SimpleNotificationService-test.pem", host: u.Host, client: srv.Client()}
}

// notification is a signed SNS Notification of the topic carrying message.
func (s *snsSigner) notification(t *testing.T, id, message string) []byte {
	t.Helper()
	ts := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	toSign := "Message\n" + message + "\nMessageId\n" + id + "\nTimestamp\n" + ts + "\nTopicArn\n" + testTopic + "\nType\nNotification\n"
	sum := sha256.Sum256([]byte(toSign))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]string{"Type": "Notification", "MessageId": id, "TopicArn": testTopic, "Message": message,
		"Timestamp": ts, "SignatureVersion": "2", "Signature": base64.StdEncoding.EncodeToString(sig), "SigningCertURL": s.certURL})
	return b
}

// TestSNSIntake: with a topic configured, POST /events/sns takes the
// topic's signed notifications to subscribers over the real-time
// transport, once per MessageId; an unsigned or forged one is refused
// (403) and reaches nobody. Without topics the endpoint is off.
func TestSNSIntake(t *testing.T) {
	signer := newSNSSigner(t)
	a := apptest.New(t, apptest.Options{Products: 5, Events: app.EventsConfig{
		SNSTopicARNs: []string{testTopic}, SNSTrustedCertHosts: []string{signer.host}, SNSHTTPClient: signer.client}})
	wsURL := rtServer(t, a)
	base := "http" + strings.TrimSuffix(strings.TrimPrefix(wsURL, "ws"), "/graphql/realtime")
	admin := a.Token(t, "admin", shopgraph.TokenUseID)
	cl, _, err := dialRT(t, wsURL, []string{"graphql-ws", headerProtocol(userAuth(admin))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cl.init()
	cl.start("sns", `subscription { onOrderStatusChanged(customerId: "cust-sns") { orderId status previousStatus version } }`, nil, nil)
	cl.want("start_ack", "sns")

	post := func(body []byte) int { t.Helper(); return postSNSStatus(t, base, body) }
	event := func(orderID string, version int) string {
		b, _ := json.Marshal(shopgraph.OrderEvent{OrderID: orderID, CustomerID: "cust-sns", Status: shopgraph.OrderConfirmed,
			PreviousStatus: shopgraph.OrderPending, OccurredAt: time.Now().UTC(), Version: version})
		return string(b)
	}
	forged := signer.notification(t, "m-forged", event("ord_forged", 2))
	forged = bytes.Replace(forged, []byte("ord_forged"), []byte("ord_tamper"), 1)
	if st := post(forged); st != http.StatusForbidden {
		t.Fatalf("a tampered notification: %d, want 403", st)
	}
	unsigned, _ := json.Marshal(map[string]string{"Type": "Notification", "MessageId": "m-0", "TopicArn": testTopic, "Message": event("ord_x", 2),
		"Timestamp": time.Now().UTC().Format(time.RFC3339)})
	if st := post(unsigned); st != http.StatusForbidden {
		t.Fatalf("an unsigned notification: %d, want 403", st)
	}
	good := signer.notification(t, "m-1", event("ord_sns", 2))
	for range 2 { // SNS redelivers: the second is acknowledged, not delivered
		if st := post(good); st != http.StatusOK {
			t.Fatalf("a signed notification: %d", st)
		}
	}
	if st := post(signer.notification(t, "m-2", event("ord_sns", 3))); st != http.StatusOK {
		t.Fatalf("a second notification: %d", st)
	}
	for _, want := range []int{2, 3} {
		if ev := eventOf(t, cl.want("data", "sns")); ev.OrderID != "ord_sns" || ev.Version != want {
			t.Fatalf("delivered %+v, want ord_sns at version %d (once each, nothing forged)", ev, want)
		}
	}

	off := apptest.New(t, apptest.Options{Products: 1})
	srv := httptest.NewServer(off.Handler)
	t.Cleanup(srv.Close)
	resp, err := http.Post(srv.URL+"/events/sns", "text/plain", bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/events/sns without topics: %d, want 404", resp.StatusCode)
	}
}

// postSNSStatus posts an SNS message to base's /events/sns and returns the
// status.
func postSNSStatus(t *testing.T, base string, body []byte) int {
	t.Helper()
	resp, err := http.Post(base+"/events/sns", "text/plain; charset=UTF-8", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// postSNS posts an SNS message that must be accepted.
func postSNS(t *testing.T, base string, body []byte) {
	t.Helper()
	if st := postSNSStatus(t, base, body); st != http.StatusOK {
		t.Fatalf("POST /events/sns: %d", st)
	}
}
