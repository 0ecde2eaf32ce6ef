package dynamo

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"
)

// Batch limits of DynamoDB, and how many batches a Store sends at once.
const (
	maxBatchGet      = 100
	maxBatchWrite    = 25
	batchConcurrency = 8
	seedWorkers      = 4
)

// batchGet fetches the items with the given keys from one table: keys are
// deduplicated (DynamoDB rejects a BatchGetItem naming a key twice), sent in
// chunks of 100 concurrently, and each chunk's UnprocessedKeys are retried
// with b's backoff until b.attempts requests were made for that chunk, then
// it fails. Missing items are simply not returned; items come back in no
// particular order. The first error cancels the other chunks.
func batchGet[K comparable](ctx context.Context, api API, b backoff, table string, keys []K, keyOf func(K) item) ([]item, error) {
	seen := make(map[K]struct{}, len(keys))
	avs := make([]item, 0, len(keys))
	for _, k := range keys {
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		avs = append(avs, keyOf(k))
	}
	if len(avs) == 0 {
		return nil, nil
	}
	if len(avs) <= maxBatchGet {
		return getChunk(ctx, api, b, table, avs)
	}

	var (
		mu  sync.Mutex
		out = make([]item, 0, len(avs))
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(batchConcurrency)
	for start := 0; start < len(avs); start += maxBatchGet {
		chunk := avs[start:min(start+maxBatchGet, len(avs))]
		g.Go(func() error {
			items, err := getChunk(gctx, api, b, table, chunk)
			if err != nil {
				return err
			}
			mu.Lock()
			out = append(out, items...)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// getChunk fetches at most 100 keys, retrying UnprocessedKeys.
func getChunk(ctx context.Context, api API, b backoff, table string, keys []item) ([]item, error) {
	var out []item
	pending := keys
	for attempt := 1; ; attempt++ {
		res, err := api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{table: {Keys: pending}},
		})
		if err != nil {
			return nil, fmt.Errorf("BatchGetItem %s (%d keys): %w", table, len(pending), err)
		}
		out = append(out, res.Responses[table]...)
		pending = res.UnprocessedKeys[table].Keys
		if len(pending) == 0 {
			return out, nil
		}
		if attempt >= b.attempts {
			return nil, fmt.Errorf("BatchGetItem %s: %d of %d keys still unprocessed after %d requests", table, len(pending), len(keys), attempt)
		}
		if err := b.wait(ctx, attempt-1); err != nil {
			return nil, fmt.Errorf("BatchGetItem %s: waiting to retry %d unprocessed keys: %w", table, len(pending), err)
		}
	}
}

// writeRequest is one put in a BatchWriteItem, or with del one delete (item
// is then the key).
type writeRequest struct {
	table string
	item  item
	del   bool
}

// batchWrite puts (or deletes) the items in chunks of 25 (several tables may
// share a chunk) with a few concurrent workers, retrying UnprocessedItems
// with b's backoff. progress, when not nil, is called after every chunk
// with the number of items written so far (serialized, never concurrently).
func batchWrite(ctx context.Context, api API, b backoff, reqs []writeRequest, progress func(done, total int)) error {
	var (
		mu   sync.Mutex
		done int
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(seedWorkers)
	for start := 0; start < len(reqs); start += maxBatchWrite {
		chunk := reqs[start:min(start+maxBatchWrite, len(reqs))]
		g.Go(func() error {
			if err := writeChunk(gctx, api, b, chunk); err != nil {
				return err
			}
			if progress != nil {
				mu.Lock()
				defer mu.Unlock()
				done += len(chunk)
				progress(done, len(reqs))
			}
			return nil
		})
	}
	return g.Wait()
}

// writeChunk writes (or deletes) at most 25 items, retrying UnprocessedItems.
func writeChunk(ctx context.Context, api API, b backoff, chunk []writeRequest) error {
	pending := map[string][]types.WriteRequest{}
	for _, r := range chunk {
		w := types.WriteRequest{PutRequest: &types.PutRequest{Item: r.item}}
		if r.del {
			w = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: r.item}}
		}
		pending[r.table] = append(pending[r.table], w)
	}
	for attempt := 1; ; attempt++ {
		res, err := api.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		if err != nil {
			return fmt.Errorf("BatchWriteItem (%d items): %w", count(pending), err)
		}
		pending = res.UnprocessedItems
		maps.DeleteFunc(pending, func(_ string, reqs []types.WriteRequest) bool { return len(reqs) == 0 })
		if len(pending) == 0 {
			return nil
		}
		if attempt >= b.attempts {
			return fmt.Errorf("BatchWriteItem: %d of %d items still unprocessed after %d requests", count(pending), len(chunk), attempt)
		}
		if err := b.wait(ctx, attempt-1); err != nil {
			return fmt.Errorf("BatchWriteItem: waiting to retry %d unprocessed items: %w", count(pending), err)
		}
	}
}

func count(m map[string][]types.WriteRequest) int {
	n := 0
	for _, reqs := range m {
		n += len(reqs)
	}
	return n
}
