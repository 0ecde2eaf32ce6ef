// Package payments is the embedded default's payment provider: a simulated
// card processor (the one thing here that cannot run for real). It accepts
// every well-formed token except the documented test tokens: tok_declined
// is declined, tok_flaky fails transiently on the first two authorization
// attempts of an order and then succeeds. Authorizations and refunds are
// idempotent per key and kept in memory, for tests to inspect.
package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/shopgraph/shopgraph"
)

// The test tokens.
const (
	TokenDeclined = "tok_declined"
	TokenFlaky    = "tok_flaky"
)

// FlakyFailures is how many authorization attempts of a tok_flaky payment
// fail transiently before one succeeds.
const FlakyFailures = 2

var tokenPattern = regexp.MustCompile(`^tok_[A-Za-z0-9_]{1,64}$`)

// Simulator is a simulated payment provider. The zero value is ready.
type Simulator struct {
	mu       sync.Mutex
	attempts map[string]int // authorization attempts by idempotency key
	auths    map[string]shopgraph.Money
	refunds  map[string]shopgraph.Money // total refunded by authorization id
	refunded map[string]bool            // refund idempotency keys seen
}

var _ shopgraph.PaymentProvider = (*Simulator)(nil)

// Prepare turns a token into a payment method reference that carries the
// token's behaviour (and a digest, never the token itself).
func (s *Simulator) Prepare(_ context.Context, token string) (string, error) {
	if !tokenPattern.MatchString(token) {
		return "", shopgraph.Errorf(shopgraph.CodeBadRequest, "paymentToken must look like tok_… (letters, digits and _; at most 68 characters)")
	}
	class := "ok"
	switch token {
	case TokenDeclined:
		class = "declined"
	case TokenFlaky:
		class = "flaky"
	}
	sum := sha256.Sum256([]byte(token))
	return "pm_sim_" + class + "_" + hex.EncodeToString(sum[:8]), nil
}

// Authorize authorizes amount: declined and flaky references behave as
// their tokens say. The authorization id is derived from the key, so a
// retry gets the same one.
func (s *Simulator) Authorize(_ context.Context, ref string, amount shopgraph.Money, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.attempts[key]++
	switch {
	case !strings.HasPrefix(ref, "pm_sim_"):
		return "", &shopgraph.PaymentError{Declined: true, Message: "unknown payment method"}
	case strings.HasPrefix(ref, "pm_sim_declined_"):
		return "", &shopgraph.PaymentError{Declined: true, Message: "the card was declined"}
	case strings.HasPrefix(ref, "pm_sim_flaky_") && s.attempts[key] <= FlakyFailures:
		return "", &shopgraph.PaymentError{Transient: true, Message: "the processor timed out"}
	case amount.Amount <= 0:
		return "", &shopgraph.PaymentError{Declined: true, Message: "the amount must be positive"}
	}
	id := authID(key)
	s.auths[id] = amount
	return id, nil
}

// Refund refunds amount of an authorization, once per key (a retried
// refund changes nothing). More than was authorized in all is refused (not
// transiently), as a processor would. The simulator keeps nothing on disk,
// so an authorization it does not know (taken before a restart) is
// refunded as asked.
func (s *Simulator) Refund(_ context.Context, authorizationID string, amount shopgraph.Money, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if s.refunded[key] {
		return nil
	}
	auth, known := s.auths[authorizationID]
	total := s.refunds[authorizationID]
	if !known {
		auth = shopgraph.Money{Amount: total.Amount + amount.Amount, Currency: amount.Currency}
	}
	switch {
	case amount.Currency != auth.Currency || amount.Amount <= 0 || total.Amount+amount.Amount > auth.Amount:
		return &shopgraph.PaymentError{Message: fmt.Sprintf("refund of %d %s exceeds what is left of authorization %s (%d of %d %s refunded)",
			amount.Amount, amount.Currency, authorizationID, total.Amount, auth.Amount, auth.Currency)}
	}
	s.refunded[key] = true
	s.refunds[authorizationID] = shopgraph.Money{Amount: total.Amount + amount.Amount, Currency: auth.Currency}
	return nil
}

func (s *Simulator) init() {
	if s.attempts == nil {
		s.attempts, s.auths = map[string]int{}, map[string]shopgraph.Money{}
		s.refunds, s.refunded = map[string]shopgraph.Money{}, map[string]bool{}
	}
}

func authID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "auth_sim_" + hex.EncodeToString(sum[:10])
}

// Ledger is what the simulator authorized and refunded (in all), by authorization
// id, and how many authorization attempts each key made.
func (s *Simulator) Ledger() (authorized, refunded map[string]shopgraph.Money, attempts map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	clone := func(m map[string]shopgraph.Money) map[string]shopgraph.Money {
		out := make(map[string]shopgraph.Money, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	att := make(map[string]int, len(s.attempts))
	for k, v := range s.attempts {
		att[k] = v
	}
	return clone(s.auths), clone(s.refunds), att
}
