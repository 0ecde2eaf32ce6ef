package dynamo_test

import (
	"context"
	"crypto/sha256"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/dynamo"
	"github.com/shopgraph/shopgraph/internal/dynamotest"
)

func TestAPIKeyStore_embedded(t *testing.T) {
	t.Parallel()
	runAPIKeyContract(t, dynamotest.Embedded(t))
}

func TestAPIKeyStore_dynamoDBLocal(t *testing.T) {
	t.Parallel()
	runAPIKeyContract(t, dynamotest.DynamoDBLocal(t))
}

// utc returns k with its times as the store returns them: in UTC, without
// a monotonic clock reading.
func utc(k shopgraph.APIKeyRecord) shopgraph.APIKeyRecord {
	k.CreatedAt = k.CreatedAt.UTC()
	for _, p := range []**time.Time{&k.ExpiresAt, &k.RevokedAt} {
		if *p != nil {
			t := (*p).UTC()
			*p = &t
		}
	}
	return k
}

func ptr[T any](v T) *T { return &v }

// runAPIKeyContract checks the dynamo store's shopgraph.APIKeyStore
// contract against one target.
func runAPIKeyContract(t *testing.T, target dynamotest.Target) {
	ctx := context.Background()
	store := dynamotest.NewStore(t, target)

	// Every byte value a hash may hold, NUL and 0xff included, must come
	// back exactly.
	var oddHash [sha256.Size]byte
	for i := range oddHash {
		oddHash[i] = byte(i * 37)
	}
	oddHash[0], oddHash[sha256.Size-1] = 0x00, 0xff
	sum := sha256.Sum256([]byte("secret-b"))
	paris := time.FixedZone("CET", 3600)
	base := time.Date(2031, 5, 4, 12, 0, 0, 0, time.UTC)

	a := shopgraph.APIKeyRecord{ // created last: listed last
		ID:         "sgk_aaaaaaaaaaaaaaaa",
		Partner:    "acme",
		Scopes:     []string{"catalog:read"},
		SecretHash: oddHash[:],
		CreatedAt:  base.Add(2 * time.Second),
	}
	b := shopgraph.APIKeyRecord{ // same time as c, larger id: after c
		ID:         "sgk_bbbbbbbbbbbbbbbb",
		Partner:    "globex",
		Scopes:     []string{"search:read", "catalog:read", "inventory:read"}, // order kept
		RateLimit:  75,
		SecretHash: sum[:],
		CreatedAt:  base.In(paris).Add(123456789 * time.Nanosecond), // any zone, sub-second
		ExpiresAt:  ptr(base.In(paris).Add(30*24*time.Hour + 987654321*time.Nanosecond)),
	}
	c := shopgraph.APIKeyRecord{
		ID:         "sgk_0000000000000001",
		Partner:    "initech",
		Scopes:     []string{"inventory:read"},
		RateLimit:  1,
		SecretHash: sum[:],
		CreatedAt:  b.CreatedAt.UTC(),
		ExpiresAt:  ptr(base.Add(time.Hour)),
	}

	t.Run("empty list", func(t *testing.T) {
		got, err := store.ListAPIKeys(ctx)
		if err != nil || got == nil || len(got) != 0 {
			t.Fatalf("ListAPIKeys on an empty table = %#v, %v; want an empty slice", got, err)
		}
	})

	for _, k := range []shopgraph.APIKeyRecord{a, b, c} {
		if err := store.CreateAPIKey(ctx, k); err != nil {
			t.Fatalf("CreateAPIKey(%s): %v", k.ID, err)
		}
	}

	t.Run("get", func(t *testing.T) {
		for _, k := range []shopgraph.APIKeyRecord{a, b, c} {
			got, err := store.GetAPIKey(ctx, k.ID)
			if err != nil || !reflect.DeepEqual(got, utc(k)) {
				t.Errorf("GetAPIKey(%s) =\n%#v, %v\nwant\n%#v", k.ID, got, err, utc(k))
			}
		}
	})

	t.Run("hash round-trips byte-exact", func(t *testing.T) {
		got, err := store.GetAPIKey(ctx, a.ID)
		if err != nil || string(got.SecretHash) != string(oddHash[:]) {
			t.Fatalf("hash of %s = %x, %v; want %x", a.ID, got.SecretHash, err, oddHash)
		}
		// Stored as binary, beside nothing but the documented attributes:
		// no secret anywhere.
		out, err := target.Client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(target.Tables.APIKeys),
			Key:       map[string]types.AttributeValue{"keyId": &types.AttributeValueMemberS{Value: b.ID}},
		})
		if err != nil {
			t.Fatal(err)
		}
		names := slices.Sorted(maps.Keys(out.Item))
		want := []string{"createdAt", "expiresAt", "keyId", "partner", "rateLimit", "scopes", "secretHash"}
		if !slices.Equal(names, want) {
			t.Errorf("stored attributes %v, want %v", names, want)
		}
		if h, ok := out.Item["secretHash"].(*types.AttributeValueMemberB); !ok || string(h.Value) != string(sum[:]) {
			t.Errorf("secretHash stored as %#v, want binary %x", out.Item["secretHash"], sum)
		}
		if s, ok := out.Item["createdAt"].(*types.AttributeValueMemberS); !ok || s.Value != "2031-05-04T12:00:00.123456789Z" {
			t.Errorf("createdAt stored as %#v, want the RFC 3339 string in UTC", out.Item["createdAt"])
		}
	})

	t.Run("expiry nil vs set", func(t *testing.T) {
		got, err := store.GetAPIKey(ctx, a.ID)
		if err != nil || got.ExpiresAt != nil || got.RevokedAt != nil {
			t.Errorf("key without expiry: ExpiresAt %v, RevokedAt %v, %v; want nil, nil", got.ExpiresAt, got.RevokedAt, err)
		}
		got, err = store.GetAPIKey(ctx, b.ID)
		if err != nil || got.ExpiresAt == nil || !got.ExpiresAt.Equal(*b.ExpiresAt) || got.ExpiresAt.Location() != time.UTC {
			t.Errorf("key with expiry: ExpiresAt %v, %v; want %v in UTC", got.ExpiresAt, err, b.ExpiresAt)
		}
	})

	t.Run("duplicate create is a Conflict", func(t *testing.T) {
		dup := c
		dup.Partner, dup.SecretHash = "mallory", oddHash[:]
		err := store.CreateAPIKey(ctx, dup)
		if !shopgraph.IsCode(err, shopgraph.CodeConflict) || shopgraph.ErrorMessage(err) != `API key "sgk_0000000000000001" already exists` {
			t.Errorf("CreateAPIKey of an existing id: %v, want Conflict `API key %q already exists`", err, c.ID)
		}
		got, err := store.GetAPIKey(ctx, c.ID)
		if err != nil || !reflect.DeepEqual(got, utc(c)) {
			t.Errorf("after a rejected duplicate, GetAPIKey = %+v, %v; want the original %+v", got, err, utc(c))
		}
	})

	t.Run("invalid records are BadRequest", func(t *testing.T) {
		for name, k := range map[string]shopgraph.APIKeyRecord{
			"empty id":          {Partner: "p", SecretHash: sum[:]},
			"id too long":       {ID: strings.Repeat("k", 2049), SecretHash: sum[:]},
			"no hash":           {ID: "sgk_cccccccccccccccc"},
			"a secret, no hash": {ID: "sgk_cccccccccccccccc", SecretHash: []byte("Mt4a8N3JxvZGnqLATbNrLxg89DryYcCd0Y_232UTZxI")},
		} {
			if err := store.CreateAPIKey(ctx, k); !shopgraph.IsCode(err, shopgraph.CodeBadRequest) {
				t.Errorf("%s: CreateAPIKey = %v, want BadRequest", name, err)
			}
		}
		if _, err := store.GetAPIKey(ctx, "sgk_cccccccccccccccc"); !shopgraph.IsCode(err, shopgraph.CodeNotFound) {
			t.Errorf("a rejected key was stored: GetAPIKey = %v", err)
		}
	})

	t.Run("get missing is NotFound", func(t *testing.T) {
		for _, id := range []string{"sgk_ffffffffffffffff", "", strings.Repeat("x", 3000)} {
			_, err := store.GetAPIKey(ctx, id)
			if !shopgraph.IsCode(err, shopgraph.CodeNotFound) || !strings.HasPrefix(shopgraph.ErrorMessage(err), "no API key ") {
				t.Errorf("GetAPIKey(%.20q) = %v, want NotFound `no API key ...`", id, err)
			}
		}
	})

	t.Run("list order", func(t *testing.T) {
		got, err := store.ListAPIKeys(ctx)
		want := []shopgraph.APIKeyRecord{utc(c), utc(b), utc(a)} // by CreatedAt, then ID
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ListAPIKeys = %v, %v; want %v", keyIDs(got), err, keyIDs(want))
		}
	})

	t.Run("revoke", func(t *testing.T) {
		first := time.Date(2031, 6, 1, 8, 30, 0, 500, paris)
		got, err := store.RevokeAPIKey(ctx, b.ID, first)
		want := utc(b)
		want.RevokedAt = ptr(first.UTC())
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("RevokeAPIKey =\n%#v, %v\nwant\n%#v", got, err, want)
		}
		// Twice: the first revocation time stays.
		got, err = store.RevokeAPIKey(ctx, b.ID, first.Add(time.Hour))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("RevokeAPIKey again = RevokedAt %v, %v; want the first time %v", got.RevokedAt, err, want.RevokedAt)
		}
		got, err = store.GetAPIKey(ctx, b.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("GetAPIKey after revoking = %+v, %v; want %+v", got, err, want)
		}
		// The others are untouched.
		if got, err := store.GetAPIKey(ctx, a.ID); err != nil || got.RevokedAt != nil {
			t.Errorf("revoking %s revoked %s: %+v, %v", b.ID, a.ID, got, err)
		}
	})

	t.Run("revoke missing is NotFound", func(t *testing.T) {
		for _, id := range []string{"sgk_eeeeeeeeeeeeeeee", "", strings.Repeat("x", 3000)} {
			_, err := store.RevokeAPIKey(ctx, id, base)
			if !shopgraph.IsCode(err, shopgraph.CodeNotFound) || !strings.HasPrefix(shopgraph.ErrorMessage(err), "no API key ") {
				t.Errorf("RevokeAPIKey(%.20q) = %v, want NotFound", id, err)
			}
		}
		// And it created nothing.
		if _, err := store.GetAPIKey(ctx, "sgk_eeeeeeeeeeeeeeee"); !shopgraph.IsCode(err, shopgraph.CodeNotFound) {
			t.Errorf("after revoking a missing key, GetAPIKey = %v, want NotFound", err)
		}
		if got, err := store.ListAPIKeys(ctx); err != nil || len(got) != 3 {
			t.Errorf("after revoking a missing key, ListAPIKeys = %v, %v; want 3 keys", keyIDs(got), err)
		}
	})

	t.Run("request counts", func(t *testing.T) {
		count := func(f func(ctx context.Context) error) map[string]int {
			t.Helper()
			var stats shopgraph.RequestStats
			if err := f(shopgraph.NewContextWithRequestStats(ctx, &stats)); err != nil {
				t.Fatal(err)
			}
			_, by := stats.Snapshot()
			return by
		}
		k := a
		k.ID = "sgk_dddddddddddddddd"
		for name, c := range map[string]struct {
			f    func(ctx context.Context) error
			want string
		}{
			"CreateAPIKey": {func(ctx context.Context) error { return store.CreateAPIKey(ctx, k) }, "PutItem"},
			"GetAPIKey":    {func(ctx context.Context) error { _, err := store.GetAPIKey(ctx, a.ID); return err }, "GetItem"},
			"ListAPIKeys":  {func(ctx context.Context) error { _, err := store.ListAPIKeys(ctx); return err }, "Scan"},
			"RevokeAPIKey": {func(ctx context.Context) error { _, err := store.RevokeAPIKey(ctx, a.ID, base); return err }, "UpdateItem"},
		} {
			if got := count(c.f); !reflect.DeepEqual(got, map[string]int{c.want: 1}) {
				t.Errorf("one %s made %v, want exactly 1 %s", name, got, c.want)
			}
		}
	})

	t.Run("another store sees the keys at once", func(t *testing.T) {
		other := dynamotest.NewStore(t, target)
		got, err := other.GetAPIKey(ctx, b.ID)
		if err != nil || got.RevokedAt == nil {
			t.Errorf("another store's GetAPIKey(%s) = %+v, %v; want the revoked key", b.ID, got, err)
		}
	})
}

func keyIDs(ks []shopgraph.APIKeyRecord) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.ID
	}
	return out
}

var _ shopgraph.APIKeyStore = (*dynamo.Store)(nil)
