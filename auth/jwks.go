package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"golang.org/x/time/rate"
)

// JWKS cache timings.
const (
	// jwksRefreshInterval is how often each issuer's JWKS is refetched in
	// the background.
	jwksRefreshInterval = time.Hour
	// unknownKIDInterval is the least time between two refreshes caused by
	// tokens with an unknown kid.
	unknownKIDInterval = time.Minute
	// jwksHTTPTimeout bounds every JWKS fetch.
	jwksHTTPTimeout = 10 * time.Second
)

// issuerKeys is the jwkset storage behind one issuer's keyfunc. Reads of a
// known kid come from the cache. A read of an unknown kid refetches the JWKS
// through jwkset's HTTP client, but at most once per unknownKIDInterval
// (measured with the Verifier's clock): jwkset's own RefreshUnknownKID
// limiter waits for its next slot instead of failing, and shares the wait's
// deadline with the fetch, so it is set to never limit and this gate decides
// instead. A read that arrives while a refresh is running waits for it
// rather than being refused, so a key rotation costs no failed requests.
type issuerKeys struct {
	jwkset.Storage                // jwkset's HTTP client: reading an unknown kid refetches
	cached         jwkset.Storage // the per-URL storage: reads never fetch
	now            func() time.Time
	log            *slog.Logger
	url            string

	mu          sync.Mutex
	lastRefresh time.Time     // zero until the first unknown-kid refresh
	inflight    chan struct{} // non-nil while a refresh runs; closed when it ends
}

// newIssuerKeys fetches the JWKS at url (a failure is logged, not returned:
// an issuer that is briefly unreachable at start must not stop the server,
// and the first token retries) and refreshes it in the background until ctx
// ends.
func newIssuerKeys(ctx context.Context, url string, client *http.Client, now func() time.Time, log *slog.Logger) (*issuerKeys, error) {
	onErr := func(ctx context.Context, err error) {
		log.WarnContext(ctx, "auth: JWKS fetch failed", "url", url, "error", err)
	}
	cached, err := jwkset.NewStorageFromHTTP(url, jwkset.HTTPClientStorageOptions{
		Client:                    client,
		Ctx:                       ctx,
		HTTPTimeout:               jwksHTTPTimeout,
		NoErrorReturnFirstHTTPReq: true,
		RefreshErrorHandler:       onErr,
		RefreshInterval:           jwksRefreshInterval,
	})
	if err != nil {
		return nil, fmt.Errorf("JWKS %s: %w", url, err)
	}
	httpClient, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs:          map[string]jwkset.Storage{url: cached},
		RefreshUnknownKID: rate.NewLimiter(rate.Inf, 1),
	})
	if err != nil {
		return nil, fmt.Errorf("JWKS %s: %w", url, err)
	}
	return &issuerKeys{Storage: httpClient, cached: cached, now: now, log: log, url: url}, nil
}

// KeyRead returns the key with the given kid, refreshing the JWKS first when
// the kid is unknown and the refresh gate allows it. A kid that is still
// unknown is jwkset.ErrKeyNotFound.
func (k *issuerKeys) KeyRead(ctx context.Context, kid string) (jwkset.JWK, error) {
	jwk, err := k.cached.KeyRead(ctx, kid)
	if !errors.Is(err, jwkset.ErrKeyNotFound) {
		return jwk, err
	}
	k.mu.Lock()
	if ch := k.inflight; ch != nil {
		k.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return jwkset.JWK{}, ctx.Err()
		}
		return k.cached.KeyRead(ctx, kid)
	}
	// A refresh may have ended since the first read.
	if jwk, err := k.cached.KeyRead(ctx, kid); !errors.Is(err, jwkset.ErrKeyNotFound) {
		k.mu.Unlock()
		return jwk, err
	}
	now := k.now()
	if !k.lastRefresh.IsZero() && now.Sub(k.lastRefresh) < unknownKIDInterval {
		k.mu.Unlock()
		return jwkset.JWK{}, fmt.Errorf("%w %q (JWKS refreshed %s ago; next refresh allowed after %s)", jwkset.ErrKeyNotFound, kid, now.Sub(k.lastRefresh), unknownKIDInterval)
	}
	k.lastRefresh = now
	ch := make(chan struct{})
	k.inflight = ch
	k.mu.Unlock()

	// The refresh serves every waiter, so it does not end with this caller.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), jwksHTTPTimeout)
	k.log.InfoContext(ctx, "auth: unknown kid, refreshing JWKS", "url", k.url, "kid", kid)
	jwk, err = k.Storage.KeyRead(rctx, kid)
	cancel()

	k.mu.Lock()
	k.inflight = nil
	close(ch)
	k.mu.Unlock()
	return jwk, err
}
