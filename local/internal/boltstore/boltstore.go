// Package boltstore holds what the embedded services' bbolt stores share:
// the data-directory lock and the group committer that lets concurrent
// writers share one commit and its fsync.
package boltstore

import (
	"context"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// LockedError is returned by LockDir when another process (or another open
// store in this process) holds the data directory.
type LockedError struct {
	What string // the service, e.g. "embedded DynamoDB"
	Dir  string // the data directory
	PID  int    // the process id written in the lock file (0 if unreadable)
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s: data directory %s is in use by process %d", e.What, e.Dir, e.PID)
}

// Committer runs write functions on one goroutine, committing whatever
// queued while the previous commit ran in one transaction.
type Committer struct {
	db        *bolt.DB
	closedErr error
	writes    chan *writeReq
	stop      chan struct{}
	done      chan struct{}

	mu     sync.RWMutex // guards closed and sends on writes (see Update)
	closed bool
}

type writeReq struct {
	fn   func(tx *bolt.Tx) error
	done chan error
}

// maxGroup bounds how many write functions share one commit.
const maxGroup = 128

// NewCommitter starts a committer for db; after Stop, Update returns
// closedErr.
func NewCommitter(db *bolt.DB, closedErr error) *Committer {
	c := &Committer{db: db, closedErr: closedErr, writes: make(chan *writeReq, 256),
		stop: make(chan struct{}), done: make(chan struct{})}
	go c.writer()
	return c
}

// Update runs fn in a write transaction, sharing the commit (and its fsync)
// with other writers queued at the same time. fn may run more than once (if
// a function of its group fails, each is rerun alone), so it must set its
// outputs afresh on each run and report client-level failures (a failed
// condition) as values, returning an error only for storage failures: a
// returned error rolls the transaction back.
func (c *Committer) Update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	req := &writeReq{fn: fn, done: make(chan error, 1)}
	// Sends happen under mu's read lock and Stop closes stop under its write
	// lock, so every accepted request is answered: by the writer, or by its
	// drain at Stop.
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return c.closedErr
	}
	select {
	case c.writes <- req:
	case <-ctx.Done():
		c.mu.RUnlock()
		return ctx.Err()
	}
	c.mu.RUnlock()
	return <-req.done
}

// Stop fails what is still queued and waits for the writer to end. Safe to
// call more than once.
func (c *Committer) Stop() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.stop)
	}
	c.mu.Unlock()
	<-c.done
}

func (c *Committer) writer() {
	defer close(c.done)
	group := make([]*writeReq, 0, maxGroup)
	for {
		var first *writeReq
		select {
		case first = <-c.writes:
		case <-c.stop:
			for {
				select {
				case req := <-c.writes:
					req.done <- c.closedErr
				default:
					return
				}
			}
		}
		group = append(group[:0], first)
	drain:
		for len(group) < maxGroup {
			select {
			case req := <-c.writes:
				group = append(group, req)
			default:
				break drain
			}
		}
		c.commit(group)
	}
}

// commit runs group in one transaction; if that fails, each alone.
func (c *Committer) commit(group []*writeReq) {
	if len(group) == 1 {
		group[0].done <- c.runWrite(group[0].fn)
		return
	}
	err := c.runWrite(func(tx *bolt.Tx) error {
		for _, req := range group {
			if err := req.fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for _, req := range group {
			req.done <- nil
		}
		return
	}
	for _, req := range group {
		req.done <- c.runWrite(req.fn)
	}
}

// runWrite runs fn in a write transaction and commits it, or rolls it back
// when fn fails or changed nothing (a group of failed conditions costs no
// fsync). A panic in fn becomes an error, so one bad request cannot kill the
// writer.
func (c *Committer) runWrite(fn func(tx *bolt.Tx) error) (err error) {
	tx, err := c.db.Begin(true)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in write: %v", p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if st := tx.Stats(); st.GetNodeCount() == 0 {
		return tx.Rollback()
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
