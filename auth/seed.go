package auth

import (
	"crypto/sha256"
	"errors"
	"sync"
)

// Groups of the store's user pool (domain.md, "Identity and access").
const (
	GroupAdmin     = "admin"
	GroupWarehouse = "warehouse"
)

// DevPassword is a password that satisfies ValidatePassword, for seeding the
// embedded default's dev users. It is public: never seed it outside
// development.
const DevPassword = "Shopgraph-dev-1"

// devSubNamespace is the name-space UUID of dev users' subs.
const devSubNamespace = "\x6b\x1f\x3c\x52\x8e\x0d\x4a\x47\x9c\x15\x2e\x6a\x71\xd8\x03\xb9"

// DevSub returns the fixed sub of a dev user: a name-based UUID (version 8,
// SHA-256 of a fixed namespace and the username) that is the same in every
// process and run, so tokens minted by `shopgraph token` and data seeded for
// a user agree with the running server.
func DevSub(username string) string {
	h := sha256.New()
	h.Write([]byte(devSubNamespace))
	h.Write([]byte(username))
	var b [16]byte
	copy(b[:], h.Sum(nil))
	b[6] = b[6]&0x0f | 0x80 // version 8: custom, name-based
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	return formatUUID(b)
}

// DevUsers returns the embedded default's seeded users, all confirmed:
// customers alice and bob, admin (group admin) and wanda (group warehouse),
// with DevSub subs and @example.com addresses. A process that only needs to
// mint tokens for them (`shopgraph token --user alice`) can use this list
// instead of seeding a directory.
func DevUsers() []User {
	u := func(name string, groups ...string) User {
		return User{Sub: DevSub(name), Username: name, Email: name + "@example.com", Groups: groups, Confirmed: true}
	}
	return []User{
		u("alice"),
		u("bob"),
		u("admin", GroupAdmin),
		u("wanda", GroupWarehouse),
	}
}

// SeedDevUsers adds DevUsers to dir, all with the given password (for
// example DevPassword). The password hashes are computed concurrently.
// Errors: those of UserDirectory.Add (shopgraph.CodeInvalidPassword for a password
// outside the policy, shopgraph.CodeUsernameExists when seeded twice), joined.
func SeedDevUsers(dir *UserDirectory, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	users := DevUsers()
	errs := make([]error, len(users))
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Go(func() { errs[i] = dir.Add(u, password) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
