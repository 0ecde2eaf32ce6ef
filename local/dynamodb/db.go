// Package dynamodb is an embedded DynamoDB: an in-process server of the
// DynamoDB JSON API (X-Amz-Target DynamoDB_20120810.<Op>, Content-Type
// application/x-amz-json-1.0) that the real AWS SDK clients reach over HTTP,
// storing its tables durably in one bbolt file, with DynamoDB's exact
// decimal numbers and its validation and error shapes (DynamoDB Local, AWS's
// own emulator, is the reference it is tested against).
//
// It implements the table operations (CreateTable, DescribeTable,
// DeleteTable, ListTables, UpdateTable's index changes, UpdateTimeToLive,
// DescribeTimeToLive), the item operations (PutItem, GetItem, UpdateItem,
// DeleteItem), Query and Scan (tables and global secondary indexes),
// BatchGetItem, BatchWriteItem, TransactWriteItems and TransactGetItems,
// with expressions only (the legacy parameters such as KeyConditions or
// Expected are refused). Local secondary indexes, streams, backups and
// PartiQL are not supported.
//
// UpdateTable creates or deletes one global secondary index per call
// (GlobalSecondaryIndexUpdates Create with the AttributeDefinitions of its
// keys, or Delete), as DynamoDB allows. A new index is backfilled from the
// table's items in the same durable write transaction that records it
// (sparse: items lacking a key attribute are left out, and so are items
// whose key attribute has the wrong type or an empty value, as DynamoDB's
// backfill leaves index key violations out), so DescribeTable shows it
// ACTIVE, with its item count, as soon as UpdateTable has answered; the
// answer itself says CREATING, as DynamoDB's does. A BillingMode equal to
// the table's, TableClass STANDARD and DeletionProtectionEnabled false are
// accepted as no-ops; every other UpdateTable parameter (throughput,
// billing mode changes, streams, an index's Update, SSE, replicas, …) is
// refused with a ValidationException naming it.
//
// There is no authentication: wrap DB (an http.Handler) in a SigV4 verifier
// before exposing it. Faults injects errors, delays and unprocessed batch
// entries for tests.
//
// Storage layout (one bbolt file, <Dir>/dynamodb.db): a "meta" bucket with
// each table's description and its item counts and sizes; one bucket per
// table (key: attr.AppendKey of the partition key, then of the sort key;
// value: the item's size as 4 little-endian bytes, then its canonical wire
// JSON); one bucket per global secondary index (key: index key, then table
// key; value: the projected item, same format; numbered per table, the
// numbers kept in the description once UpdateTable changed the indexes,
// never reused); one TTL index bucket per table whose TTL is enabled; and a
// bucket of TransactWriteItems idempotency tokens. The meta bucket also
// keeps each table's description generation, which every write compares
// with the description it started from, so that a write racing an
// UpdateTable maintains the indexes its commit sees.
package dynamodb

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopgraph/shopgraph/local/internal/boltstore"
)

// Options configure Open.
type Options struct {
	// Dir is the data directory, created if missing. Empty means a
	// temporary store removed at Close (tests).
	Dir string
	// NoSync skips fsync on commit (tests, and benchmarks that say so). The
	// store is durable by default.
	NoSync bool
	// Now is the clock used for TTL expiry and the idempotency window of
	// TransactWriteItems tokens. Default time.Now.
	Now func() time.Time
	// TTLInterval is how often expired items are deleted. Default 1s.
	TTLInterval time.Duration
	// Logger receives internal errors and recovered panics. Default: discard.
	Logger *slog.Logger
}

// LockedError is returned by Open when another process (or another DB in
// this process) holds the data directory.
type LockedError = boltstore.LockedError

// DB is an open embedded DynamoDB. It is safe for concurrent use; serve it
// with net/http (it implements http.Handler).
type DB struct {
	bolt   *bolt.DB
	opts   Options
	log    *slog.Logger
	now    func() time.Time
	store  *boltstore.Store
	faults Faults

	mu     sync.RWMutex
	tables map[string]*table // by name

	commits *boltstore.Committer
	stop    chan struct{} // closed at Close: stops the TTL sweeper
	wg      sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
}

// Open opens (or creates) the store in opts.Dir. A directory held by
// another open DB fails at once with *LockedError. Open reads only the
// table descriptions: its cost does not grow with the number of items.
func Open(opts Options) (*DB, error) {
	db := &DB{opts: opts, log: opts.Logger, now: opts.Now}
	if db.log == nil {
		db.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if db.now == nil {
		db.now = time.Now
	}
	if db.opts.TTLInterval <= 0 {
		db.opts.TTLInterval = time.Second
	}
	store, err := boltstore.Open("embedded DynamoDB", opts.Dir, "dynamodb.db", "embedded-dynamodb-", opts.NoSync)
	if err != nil {
		return nil, err
	}
	db.store, db.bolt = store, store.DB
	fail := func(err error) (*DB, error) {
		_ = store.Close()
		return nil, err
	}
	if err := db.loadTables(); err != nil {
		return fail(err)
	}
	db.commits = boltstore.NewCommitter(db.bolt, errClosed)
	db.stop = make(chan struct{})
	db.wg.Add(1)
	go db.sweeper()
	return db, nil
}

// Faults returns db's fault injector.
func (db *DB) Faults() *Faults { return &db.faults }

// Close stops the TTL sweeper and the writer, closes the store, releases
// the directory lock and, for a temporary store, removes it. Requests still
// arriving get InternalServerError. Calling it more than once is safe.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		close(db.stop)
		db.wg.Wait()
		db.commits.Stop()
		db.closeErr = db.store.Close()
	})
	return db.closeErr
}

// errClosed answers requests that arrive after Close.
var errClosed = errors.New("embedded DynamoDB is closed")

// update runs fn in a write transaction, sharing the commit (and its fsync)
// with other writers queued at the same time (boltstore.Committer.Update:
// fn may run more than once).
func (db *DB) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	return db.commits.Update(ctx, fn)
}

// checkedUpdate runs fn, a write function that reports client errors in
// *clientErr and writes only when tx.Writable(), first (when precheck) in a
// read transaction: a client error found there (a failed condition) is
// answered from that snapshot, as a read linearized at that moment, without
// a commit. Otherwise fn runs again in a write transaction (update), where
// its conditions are evaluated afresh.
func (db *DB) checkedUpdate(ctx context.Context, precheck bool, fn func(tx *bolt.Tx) error, clientErr *error) error {
	if precheck {
		if err := db.view(fn); err != nil {
			return err
		}
		if *clientErr != nil {
			return nil
		}
	}
	return db.update(ctx, fn)
}

// view runs fn in a read transaction.
func (db *DB) view(fn func(tx *bolt.Tx) error) error {
	return db.bolt.View(fn)
}
