package dynamodb

import (
	"context"
	"encoding/binary"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ttlChunk is how many expired items one sweeper transaction deletes.
const ttlChunk = 100

// sweeper deletes expired items (tables whose TTL is enabled) and expired
// idempotency tokens every TTLInterval, until Close.
func (db *DB) sweeper() {
	defer db.wg.Done()
	tick := time.NewTicker(db.opts.TTLInterval)
	defer tick.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-tick.C:
		}
		if err := db.sweep(); err != nil && err != errClosed {
			db.log.Error("embedded DynamoDB: TTL sweep", "error", err)
		}
	}
}

// sweep runs one pass of the sweeper.
func (db *DB) sweep() error {
	ctx := context.Background()
	db.mu.RLock()
	var tables []*table
	for _, t := range db.tables {
		if t.meta.TTLEnabled {
			tables = append(tables, t)
		}
	}
	db.mu.RUnlock()
	for _, t := range tables {
		for {
			select {
			case <-db.stop:
				return nil
			default:
			}
			more, err := db.expireChunk(ctx, t)
			if err != nil {
				return err
			}
			if !more {
				break
			}
		}
	}
	return db.expireTokens(ctx)
}

// expireChunk deletes up to ttlChunk expired items of t; more reports
// whether there may be others.
func (db *DB) expireChunk(ctx context.Context, t *table) (more bool, err error) {
	now := db.now().Unix()
	err = db.update(ctx, func(tx *bolt.Tx) error {
		more = false
		ib := tx.Bucket(t.ttlBkt)
		if ib == nil || tx.Bucket(metaBucket).Get(t.ttlKey) == nil {
			return nil
		}
		var keys [][]byte
		c := ib.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if int64(binary.BigEndian.Uint64(k)) > now {
				break
			}
			if len(keys) == ttlChunk {
				more = true
				break
			}
			keys = append(keys, append([]byte(nil), k[8:]...))
		}
		for _, key := range keys {
			old, osz, _, err := getStored(tx, t, key)
			if err != nil {
				return err
			}
			if old == nil {
				continue
			}
			if err := writeItem(tx, t, key, old, osz, nil, 0); err != nil {
				return err
			}
		}
		return nil
	})
	return more, err
}

// expireTokens deletes idempotency tokens past their window.
func (db *DB) expireTokens(ctx context.Context) error {
	now := db.now().UnixNano()
	var expired bool
	if err := db.view(func(tx *bolt.Tx) error {
		expired = false
		return tx.Bucket(tokensBucket).ForEach(func(_, v []byte) error {
			if len(v) >= 8 && int64(binary.BigEndian.Uint64(v)) <= now {
				expired = true
			}
			return nil
		})
	}); err != nil || !expired {
		return err
	}
	return db.update(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(tokensBucket)
		var keys [][]byte
		_ = b.ForEach(func(k, v []byte) error {
			if len(v) >= 8 && int64(binary.BigEndian.Uint64(v)) <= now {
				keys = append(keys, append([]byte(nil), k...))
			}
			return nil
		})
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}
