package auth_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/auth"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
)

// TestKeyManager_overDynamoDB: keys issued through the KeyManager are stored
// (hash only), found by Lookup, and unusable once revoked; the dev key can be
// ensured repeatedly.
func TestKeyManager_overDynamoDB(t *testing.T) {
	ctx := context.Background()
	m := auth.NewKeyManager(dynamotest.NewStore(t, dynamotest.Embedded(t)), auth.KeyManagerOptions{})
	rec, full, err := m.CreateAPIKey(ctx, shopgraph.NewAPIKey{Partner: "acme", Scopes: []string{shopgraph.ScopeCatalogRead}})
	if err != nil {
		t.Fatal(err)
	}
	id, secret, err := auth.ParseAPIKey(full)
	if err != nil || id != rec.ID {
		t.Fatalf("full key %q does not carry id %s: %v", full, rec.ID, err)
	}
	k, err := m.Lookup(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if who, err := k.Check(secret, time.Now()); err != nil || who.Partner != "acme" || !who.HasScope(shopgraph.ScopeCatalogRead) {
		t.Fatalf("Check = %+v, %v", who, err)
	}
	if _, _, err := m.CreateAPIKey(ctx, shopgraph.NewAPIKey{Partner: "acme", Scopes: []string{"root"}}); !shopgraph.IsCode(err, shopgraph.CodeBadRequest) {
		t.Errorf("unknown scope: %v, want BadRequest", err)
	}
	if _, err := m.RevokeAPIKey(ctx, id); err != nil {
		t.Fatal(err)
	}
	k, _ = m.Lookup(ctx, id)
	if _, err := k.Check(secret, time.Now().Add(time.Second)); !shopgraph.IsCode(err, shopgraph.CodeUnauthenticated) {
		t.Errorf("revoked key: %v, want UnauthorizedException", err)
	}
	if _, err := m.Lookup(ctx, "sgk_ffffffffffffffff"); !shopgraph.IsCode(err, shopgraph.CodeNotFound) {
		t.Errorf("unknown key: %v, want NotFound", err)
	}
	for range 2 {
		if err := m.EnsureAPIKey(ctx, auth.DevPartnerKey(time.Now())); err != nil {
			t.Fatalf("EnsureAPIKey: %v", err)
		}
	}
	list, err := m.ListAPIKeys(ctx)
	if err != nil || len(list) != 2 {
		t.Errorf("ListAPIKeys = %d keys, %v; want 2", len(list), err)
	}
}

// TestKeyManager_auditLog: creating and revoking a key logs who did it, and
// never the secret.
func TestKeyManager_auditLog(t *testing.T) {
	var logs bytes.Buffer
	m := auth.NewKeyManager(dynamotest.NewStore(t, dynamotest.Embedded(t)), auth.KeyManagerOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	admin := shopgraph.NewContextWithIdentity(context.Background(), &shopgraph.Identity{Mode: shopgraph.AuthModeCognito, Username: "admin", Sub: "s-1"})
	rec, full, err := m.CreateAPIKey(admin, shopgraph.NewAPIKey{Partner: "acme", Scopes: []string{shopgraph.ScopeCatalogRead}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.RevokeAPIKey(context.Background(), rec.ID); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 ||
		!strings.Contains(lines[0], `msg="api key created" key_id=`+rec.ID+` partner=acme scopes=[catalog:read] by=admin`) ||
		!strings.Contains(lines[1], `msg="api key revoked" key_id=`+rec.ID+` partner=acme scopes=[catalog:read] by=cli revoked_at=`) {
		t.Errorf("audit log:\n%s", logs.String())
	}
	_, secret, _ := strings.Cut(full, ".")
	if strings.Contains(logs.String(), secret) {
		t.Error("audit log holds the secret")
	}
}
