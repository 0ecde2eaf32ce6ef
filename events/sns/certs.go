package sns

import (
	"container/list"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"time"
)

// Limits of a certificate fetch.
const (
	// certFetchTimeout bounds one fetch of a signing certificate (SNS
	// waits 15 s for the endpoint's answer).
	certFetchTimeout = 10 * time.Second
	// maxCertBytes bounds a signing certificate's PEM (SNS's are under
	// 2 KB).
	maxCertBytes = 64 << 10
)

// snsHost matches the hosts SNS serves signing certificates and
// subscription confirmations from: sns.<region>.amazonaws.com, and
// sns.<region>.amazonaws.com.cn in the China regions. A region is a
// two-letter area, one or more words and a number (us-east-1,
// us-gov-west-1, cn-north-1). No port is allowed.
var snsHost = regexp.MustCompile(`^sns\.[a-z]{2}(-[a-z]+)+-[0-9]{1,2}\.amazonaws\.com(\.cn)?$`)

// errURL is a SigningCertURL or SubscribeURL that is not an SNS URL.
var errURL = errors.New("not an https URL on an SNS host")

// checkSNSURL parses raw and accepts it only as an https URL, without user
// information, on an SNS host (snsHost) or one of extra (the
// TrustedCertHosts, compared with the URL's host:port exactly).
func checkSNSURL(raw string, extra []string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errURL, err)
	}
	switch {
	case u.Scheme != "https":
		return nil, fmt.Errorf("%w: scheme %q", errURL, u.Scheme)
	case u.User != nil:
		return nil, fmt.Errorf("%w: it has user information", errURL)
	case u.Opaque != "":
		return nil, fmt.Errorf("%w: it is opaque", errURL)
	case !snsHost.MatchString(u.Host) && !slices.Contains(extra, u.Host):
		return nil, fmt.Errorf("%w: host %q is neither sns.<region>.amazonaws.com(.cn) nor a trusted host", errURL, u.Host)
	}
	return u, nil
}

// errTransient marks a failure worth a retry by SNS (the certificate host
// unreachable or failing): the handler answers 503 instead of 403.
var errTransient = errors.New("transient")

// fetchCert GETs a signing certificate through client and parses it: a
// PEM CERTIFICATE block holding an x509 certificate with an RSA key. A
// transport error or a 5xx is wrapped in errTransient.
func fetchCert(ctx context.Context, client *http.Client, u string) (*x509.Certificate, error) {
	ctx, cancel := context.WithTimeout(ctx, certFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errTransient, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 500 {
		return nil, fmt.Errorf("%w: HTTP %d", errTransient, resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCertBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading: %v", errTransient, err)
	}
	if len(body) > maxCertBytes {
		return nil, fmt.Errorf("longer than %d bytes", maxCertBytes)
	}
	block, _ := pem.Decode(body)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, err
	}
	if _, ok := cert.PublicKey.(*rsa.PublicKey); !ok {
		return nil, fmt.Errorf("the certificate's key is %T, not RSA", cert.PublicKey)
	}
	return cert, nil
}

// certCache holds the signing certificates fetched, by URL: at most max of
// them, the least recently used evicted first. Concurrent requests for one
// URL share one fetch. Only successes are kept, so a failed fetch is
// retried by the next message. (SNS names each certificate by its hash, so
// an entry never goes stale; its validity period is checked at every use.)
type certCache struct {
	max   int
	fetch func(ctx context.Context, url string) (*x509.Certificate, error)

	mu      sync.Mutex
	entries map[string]*certEntry
	lru     *list.List // of *certEntry with a certificate, most recently used first
	fetches int64
}

// certEntry is one URL's certificate, or its fetch while ready is open.
type certEntry struct {
	url   string
	ready chan struct{} // closed when the fetch ended
	cert  *x509.Certificate
	err   error
	elem  *list.Element // nil while fetching
}

func newCertCache(max int, fetch func(context.Context, string) (*x509.Certificate, error)) *certCache {
	return &certCache{max: max, fetch: fetch, entries: map[string]*certEntry{}, lru: list.New()}
}

// get returns the certificate at u, fetching it unless it is cached or
// being fetched. The fetch runs on the first caller's goroutine with a
// context detached from its cancellation (bounded by certFetchTimeout), so
// the callers waiting for it are not failed by the first one leaving; a
// waiter stops waiting when its own ctx ends.
func (c *certCache) get(ctx context.Context, u string) (*x509.Certificate, error) {
	c.mu.Lock()
	if e, ok := c.entries[u]; ok {
		if e.elem != nil {
			c.lru.MoveToFront(e.elem)
		}
		c.mu.Unlock()
		select {
		case <-e.ready:
			return e.cert, e.err
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %v", errTransient, ctx.Err())
		}
	}
	e := &certEntry{url: u, ready: make(chan struct{})}
	c.entries[u] = e
	c.fetches++
	c.mu.Unlock()

	e.cert, e.err = c.fetch(context.WithoutCancel(ctx), u)

	c.mu.Lock()
	if e.err != nil {
		delete(c.entries, u)
	} else {
		e.elem = c.lru.PushFront(e)
		for c.lru.Len() > c.max {
			old := c.lru.Remove(c.lru.Back()).(*certEntry)
			delete(c.entries, old.url)
		}
	}
	c.mu.Unlock()
	close(e.ready)
	return e.cert, e.err
}

// stats returns how many fetches started and how many certificates are
// cached.
func (c *certCache) stats() (fetches int64, cached int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fetches, c.lru.Len()
}
