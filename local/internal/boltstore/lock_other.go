//go:build !unix

package boltstore

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LockDir creates <dir>/LOCK exclusively (a lock that a crashed process
// leaves behind must be removed by hand on these platforms).
func LockDir(what, dir string) (func() error, error) {
	path := filepath.Join(dir, "LOCK")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if os.IsExist(err) {
			pid := 0
			if b, rerr := os.ReadFile(path); rerr == nil {
				pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
			}
			return nil, &LockedError{What: what, Dir: dir, PID: pid}
		}
		return nil, fmt.Errorf("%s: create lock file: %w", what, err)
	}
	_, _ = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	return func() error {
		_ = f.Close()
		return os.Remove(path)
	}, nil
}
