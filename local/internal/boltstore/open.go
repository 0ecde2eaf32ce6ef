package boltstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Store is an open bbolt file in a locked data directory.
type Store struct {
	DB     *bolt.DB
	Dir    string
	what   string
	temp   bool // Dir is a temporary directory removed at Close
	unlock func() error
}

// Open opens (or creates) <dir>/<file> for the service what: it creates
// dir (a temporary directory when dir is empty, removed at Close), locks
// it (a directory held elsewhere is *LockedError; a temporary one is
// named by tempPattern, as os.MkdirTemp) and opens the file with
// the options both engines use (fsync unless noSync).
func Open(what, dir, file, tempPattern string, noSync bool) (*Store, error) {
	s := &Store{what: what, Dir: dir}
	if dir == "" {
		tmp, err := os.MkdirTemp("", tempPattern)
		if err != nil {
			return nil, fmt.Errorf("%s: create temporary directory: %w", what, err)
		}
		s.Dir, s.temp = tmp, true
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("%s: create data directory: %w", what, err)
	}
	unlock, err := LockDir(what, s.Dir)
	if err != nil {
		s.removeTemp()
		return nil, err
	}
	s.unlock = unlock
	s.DB, err = bolt.Open(filepath.Join(s.Dir, file), 0o600, &bolt.Options{
		Timeout: time.Second, NoSync: noSync, NoFreelistSync: true, FreelistType: bolt.FreelistMapType,
	})
	if err != nil {
		_ = unlock()
		s.removeTemp()
		return nil, fmt.Errorf("%s: open %s: %w", what, s.Dir, err)
	}
	return s, nil
}

func (s *Store) removeTemp() {
	if s.temp {
		_ = os.RemoveAll(s.Dir)
	}
}

// Close closes the file, releases the lock and removes a temporary
// directory, reporting every failure.
func (s *Store) Close() error {
	var errs []error
	if err := s.DB.Close(); err != nil {
		errs = append(errs, fmt.Errorf("%s: close store: %w", s.what, err))
	}
	if err := s.unlock(); err != nil {
		errs = append(errs, fmt.Errorf("%s: release lock: %w", s.what, err))
	}
	if s.temp {
		if err := os.RemoveAll(s.Dir); err != nil {
			errs = append(errs, fmt.Errorf("%s: remove temporary directory: %w", s.what, err))
		}
	}
	return errors.Join(errs...)
}
