package userpool_test

import (
	"sync"
	"testing"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/accountstest"
	"github.com/shopgraph/shopgraph/local/userpool"
)

// TestAccounts_contract runs the shopgraph.Accounts contract suite against
// the embedded default's Accounts: a fresh Directory per case, an Issuer
// trusted by a verifier with its static JWKS (as the composition root
// builds it), and the codes Deliver hands over. It skips nothing.
func TestAccounts_contract(t *testing.T) {
	keyDir := t.TempDir() // one signing key for all cases: RSA key generation is slow under -race
	accountstest.Run(t, func(t *testing.T) accountstest.Harness {
		iss, err := userpool.OpenIssuer(userpool.IssuerOptions{Dir: keyDir})
		if err != nil {
			t.Fatal(err)
		}
		codes := &deliveredCodes{last: map[string]string{}}
		a := &userpool.Accounts{
			Users:   userpool.NewDirectory(userpool.DirectoryOptions{Iterations: 1000}),
			Issuer:  iss,
			Deliver: codes.deliver,
		}
		v := mustVerifier(t, []auth.IssuerConfig{{
			Issuer: iss.Issuer(), ClientIDs: []string{iss.ClientID()}, Mode: shopgraph.AuthModeCognito, JWKS: iss.JWKS(),
		}}, auth.VerifierOptions{})
		return accountstest.Harness{Accounts: a, Verify: v.Verify, Code: codes.code}
	})
}

// deliveredCodes keeps the last code Accounts.Deliver handed over per
// username.
type deliveredCodes struct {
	mu   sync.Mutex
	last map[string]string
}

func (d *deliveredCodes) deliver(username, _, code string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.last[username] = code
}

func (d *deliveredCodes) code(_ *testing.T, username string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	code, ok := d.last[username]
	return code, ok
}
