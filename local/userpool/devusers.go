package userpool

import (
	"crypto/sha256"
	"errors"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/shopgraph/shopgraph"
)

// DevPassword is a password that satisfies ValidatePassword, for seeding the
// embedded default's dev users. It is public: never seed it outside
// development.
const DevPassword = "Shopgraph-dev-1"

// devSubNamespace is the name-space UUID of dev users' subs.
var devSubNamespace = uuid.MustParse("6b1f3c52-8e0d-4a47-9c15-2e6a71d803b9")

// DevSub returns the fixed sub of a dev user: a name-based UUID (version 8,
// SHA-256 of a fixed namespace and the username) that is the same in every
// process and run, so tokens minted by `shopgraph token` and data stored for
// a user agree with the running server.
func DevSub(username string) string {
	return uuid.NewHash(sha256.New(), devSubNamespace, []byte(username), 8).String()
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
		u("admin", shopgraph.GroupAdmin),
		u("wanda", shopgraph.GroupWarehouse),
	}
}

// SeedDevUsers adds DevUsers to dir, all with the given password (for
// example DevPassword). The password hashes are computed concurrently.
// Errors: those of Directory.Add (shopgraph.CodeInvalidPassword for a password
// outside the policy, shopgraph.CodeUsernameExists when seeded twice), joined.
func SeedDevUsers(dir *Directory, password string) error {
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

// DevUser returns the dev user with this username, and whether there is one.
func DevUser(username string) (User, bool) {
	users := DevUsers()
	i := slices.IndexFunc(users, func(u User) bool { return u.Username == username })
	if i < 0 {
		return User{}, false
	}
	return users[i], true
}
