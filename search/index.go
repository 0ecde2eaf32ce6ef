// Package search is shopgraph's product search index: an embedded bleve v2
// index that implements shopgraph.ProductSearch (full-text, typo-tolerant,
// filtered, faceted search with signed nextTokens, and name autocompletion).
//
// The index holds what search needs of each product (one document per
// product id) and answers with product keys; the catalog store stays the
// source of truth and hydrates them. The composition root opens the index
// (Open), builds it from the catalog when it is not current (Current, Build),
// keeps it current after catalog writes (Upsert, Delete) and closes it.
//
// A persisted index lives in a directory of its own: the bleve index of the
// current generation (index-NNNNNN) and a CURRENT file naming it. Build
// writes a new generation beside the current one, which keeps serving, and
// switches to it when done. One process at a time may use a directory.
//
// The package imports only the root package, the standard library and bleve.
package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/shopgraph/shopgraph"
)

var _ shopgraph.ProductSearch = (*Index)(nil)

// MinCursorSecret is the shortest accepted Options.CursorSecret, in bytes.
const MinCursorSecret = 16

// Options configure an Index.
type Options struct {
	// CursorSecret signs nextTokens (HMAC-SHA256): at least
	// MinCursorSecret bytes, and the same on every instance behind one
	// endpoint (it may be the store's cursor secret: tokens of one never
	// verify as the other's).
	CursorSecret []byte
}

// Index is the embedded product search index. Its methods are safe for
// concurrent use; Search and Suggest run concurrently with each other and
// with writes.
type Index struct {
	dir    string // "" in memory
	secret []byte
	m      *mapping.IndexMappingImpl // the mapping; its analyzers analyse queries

	buildMu sync.Mutex // one Build at a time

	// wmu serialises writes (Upsert, Delete, a Build's switch) and guards
	// cur.fp and pending.
	wmu sync.Mutex
	// pending is, while a Build runs, the writes made since it started: they
	// are replayed on the new generation before it replaces the current one.
	pending *[]write

	// mu guards cur and closed; searches hold it (shared) while they run,
	// so a generation is never closed under one.
	mu     sync.RWMutex
	cur    *generation
	closed bool
	stop   chan struct{} // closed by Close: stops a running Build
}

// generation is one bleve index.
type generation struct {
	idx  bleve.Index
	name string      // directory name under Index.dir; "" in memory
	fp   Fingerprint // of idx's documents (guarded by Index.wmu)
}

// write is one Upsert (item != nil) or Delete.
type write struct {
	item *Item
	key  shopgraph.ProductKey
}

var errClosed = errors.New("search: the index is closed")

// currentFile names the current generation in a persisted index's directory.
const (
	currentFile = "CURRENT"
	genPrefix   = "index-"
	// boltTimeout is how long opening a generation waits for another
	// process's lock before failing.
	boltTimeout = "1s"
)

// Open opens the index persisted in dir, creating an empty one if there is
// none (or if the one there was made by another mapping version: it is
// discarded, and Current then reports false). An empty dir means an index in
// memory. A new or discarded index has the zero Fingerprint.
//
// It fails when the secret is too short, or when the index cannot be opened
// (another process has it open, or it is damaged: delete the directory and it
// is rebuilt).
func Open(dir string, opts Options) (*Index, error) {
	if len(opts.CursorSecret) < MinCursorSecret {
		return nil, fmt.Errorf("search: the nextToken signing key must be at least %d bytes, got %d", MinCursorSecret, len(opts.CursorSecret))
	}
	m, err := newMapping()
	if err != nil {
		return nil, fmt.Errorf("search: mapping: %w", err)
	}
	ix := &Index{dir: dir, secret: slices.Clone(opts.CursorSecret), m: m, stop: make(chan struct{})}
	if dir == "" {
		if ix.cur, err = ix.create(""); err != nil {
			return nil, err
		}
		return ix, nil
	}

	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	name, err := readCurrent(dir)
	if err != nil {
		return nil, err
	}
	if name != "" {
		g, err := ix.openGeneration(name)
		switch {
		case errors.Is(err, errOtherVersion):
			// rebuilt below
		case err != nil:
			return nil, fmt.Errorf("search: open index %s: %w (delete the directory to rebuild it)", filepath.Join(dir, name), err)
		default:
			ix.cur = g
		}
	}
	if ix.cur == nil {
		next, err := nextGeneration(dir)
		if err != nil {
			return nil, err
		}
		g, err := ix.create(next)
		if err != nil {
			return nil, err
		}
		if err := writeCurrent(dir, next); err != nil {
			_ = g.idx.Close()
			return nil, err
		}
		ix.cur = g
	}
	removeStale(dir, ix.cur.name)
	return ix, nil
}

var errOtherVersion = errors.New("index of another mapping version")

// create makes a new, empty generation (in memory when name is "").
func (ix *Index) create(name string) (*generation, error) {
	var cfg map[string]any
	path := ""
	if name != "" {
		path, cfg = filepath.Join(ix.dir, name), map[string]any{"bolt_timeout": boltTimeout}
	}
	idx, err := bleve.NewUsing(path, ix.m, scorch.Name, scorch.Name, cfg)
	if err != nil {
		return nil, fmt.Errorf("search: create index %s: %w", name, err)
	}
	if err := idx.SetInternal(versionInternal, []byte(mappingVersion)); err != nil {
		_ = idx.Close()
		return nil, fmt.Errorf("search: create index %s: %w", name, err)
	}
	return &generation{idx: idx, name: name}, nil
}

// openGeneration opens a persisted generation and reads its fingerprint.
func (ix *Index) openGeneration(name string) (*generation, error) {
	idx, err := bleve.OpenUsing(filepath.Join(ix.dir, name), map[string]any{"bolt_timeout": boltTimeout})
	if err != nil {
		return nil, err
	}
	g := &generation{idx: idx, name: name}
	v, err := idx.GetInternal(versionInternal)
	if err == nil && string(v) != mappingVersion {
		err = errOtherVersion
	}
	var raw []byte
	if err == nil {
		raw, err = idx.GetInternal(keyInternal)
	}
	if err == nil && raw != nil {
		g.fp, err = unmarshalFingerprint(raw)
	}
	if err != nil {
		_ = idx.Close()
		return nil, err
	}
	return g, nil
}

// Fingerprint returns the fingerprint of what the index holds now.
func (ix *Index) Fingerprint() Fingerprint {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.cur.fp
}

// Current reports whether the index holds exactly the catalog whose
// fingerprint is f (see FingerprintOf), so that Build can be skipped.
func (ix *Index) Current(f Fingerprint) bool { return ix.Fingerprint() == f }

// Upsert implements shopgraph.ProductSearch. A product with an empty id or
// category is BadRequest. A product moved to another category is moved in
// the index too (the id is the document).
func (ix *Index) Upsert(ctx context.Context, p shopgraph.Product, inStock bool) error {
	if err := checkKey(p.Key()); err != nil {
		return err
	}
	it := Item{Product: p, InStock: inStock}
	return ix.write(ctx, write{item: &it, key: p.Key()})
}

// Delete implements shopgraph.ProductSearch. It removes the document of
// key.ProductID only if it is indexed under key.Category.
func (ix *Index) Delete(ctx context.Context, key shopgraph.ProductKey) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return ix.write(ctx, write{key: key})
}

// StockFlags implements shopgraph.ProductSearch: two lookups by document id,
// all ids and those in stock.
func (ix *Index) StockFlags(ctx context.Context, ids []string) (map[string]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return nil, errClosed
	}
	if len(ids) == 0 {
		return map[string]bool{}, nil
	}
	lookup := func(q query.Query) ([]string, error) {
		req := bleve.NewSearchRequestOptions(q, len(ids), 0, false)
		req.Score = bleve.ScoreNone
		res, err := ix.cur.idx.SearchInContext(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("look up the stock flags of %d products: %w", len(ids), err)
		}
		out := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			out[i] = h.ID
		}
		return out, nil
	}
	docs := query.NewDocIDQuery(ids)
	all, err := lookup(docs)
	if err != nil {
		return nil, err
	}
	in := query.NewBoolFieldQuery(true)
	in.SetField(fieldInStock)
	stocked, err := lookup(query.NewConjunctionQuery([]query.Query{docs, in}))
	if err != nil {
		return nil, err
	}
	flags := make(map[string]bool, len(all))
	for _, id := range all {
		flags[id] = false
	}
	for _, id := range stocked {
		flags[id] = true
	}
	return flags, nil
}

func (ix *Index) write(ctx context.Context, w write) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	ix.mu.RLock()
	g, closed := ix.cur, ix.closed
	ix.mu.RUnlock()
	if closed {
		return errClosed
	}
	if err := g.apply(w); err != nil {
		return err
	}
	if ix.pending != nil {
		*ix.pending = append(*ix.pending, w)
	}
	return nil
}

// apply makes one write to g, with its fingerprint, in one bleve batch (so
// the persisted fingerprint always matches the persisted documents). The
// caller holds wmu (or owns g alone).
func (g *generation) apply(w write) error {
	id := w.key.ProductID
	cat, old, found, err := g.stored(id)
	if err != nil {
		return err
	}
	fp := g.fp
	if found {
		fp.remove(old)
	}
	b := g.idx.NewBatch()
	if w.item != nil {
		h := itemHash(*w.item)
		if found && h == old && cat == w.key.Category {
			return nil // indexed as it is
		}
		fp.add(h)
		if err := b.Index(id, document(*w.item, h)); err != nil {
			return fmt.Errorf("index product %s: %w", id, err)
		}
	} else {
		if !found || cat != w.key.Category {
			return nil // not indexed under this key
		}
		b.Delete(id)
	}
	b.SetInternal(keyInternal, fp.marshal())
	if err := g.idx.Batch(b); err != nil {
		return fmt.Errorf("index product %s: %w", id, err)
	}
	g.fp = fp
	return nil
}

// stored returns the category and fingerprint term of the indexed document
// id, if there is one.
func (g *generation) stored(id string) (category string, hash [16]byte, found bool, err error) {
	req := bleve.NewSearchRequestOptions(query.NewDocIDQuery([]string{id}), 1, 0, false)
	req.Fields = []string{fieldCategory, fieldHash}
	req.Score = bleve.ScoreNone
	res, err := g.idx.Search(req)
	if err != nil {
		return "", hash, false, fmt.Errorf("look up product %s: %w", id, err)
	}
	if len(res.Hits) == 0 {
		return "", hash, false, nil
	}
	category, _ = res.Hits[0].Fields[fieldCategory].(string)
	hx, _ := res.Hits[0].Fields[fieldHash].(string)
	hash, ok := parseHashHex(hx)
	if !ok {
		return "", hash, false, fmt.Errorf("look up product %s: no fingerprint term stored", id)
	}
	return category, hash, true, nil
}

// Close stops a running Build, waits for writes in progress and closes the
// index. Later calls return errors (Close itself returns nil).
func (ix *Index) Close() error {
	ix.mu.Lock()
	if ix.closed {
		ix.mu.Unlock()
		return nil
	}
	ix.closed = true
	close(ix.stop)
	ix.mu.Unlock()
	ix.wmu.Lock() // no write (nor a Build's switch) is under way after this
	defer ix.wmu.Unlock()
	ix.mu.RLock()
	g := ix.cur
	ix.mu.RUnlock()
	if err := g.idx.Close(); err != nil {
		return fmt.Errorf("search: close: %w", err)
	}
	return nil
}

func checkKey(k shopgraph.ProductKey) error {
	switch {
	case k.ProductID == "":
		return shopgraph.Errorf(shopgraph.CodeBadRequest, "product id is empty")
	case k.Category == "":
		return shopgraph.Errorf(shopgraph.CodeBadRequest, "product %s has no category", k.ProductID)
	}
	return nil
}

// readCurrent returns the generation CURRENT names, "" when there is none.
func readCurrent(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, currentFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("search: %w", err)
	}
	name := strings.TrimSpace(string(b))
	if _, ok := genNumber(name); !ok {
		return "", nil // unreadable: start over
	}
	if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
		return "", nil
	}
	return name, nil
}

// writeCurrent makes name the current generation, atomically and durably.
func writeCurrent(dir, name string) error {
	tmp := filepath.Join(dir, currentFile+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	_, err = f.WriteString(name + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, currentFile))
	}
	if err == nil {
		if d, derr := os.Open(dir); derr == nil {
			err = d.Sync()
			_ = d.Close()
		}
	}
	if err != nil {
		return fmt.Errorf("search: switch to %s: %w", name, err)
	}
	return nil
}

// nextGeneration names a generation newer than any in dir.
func nextGeneration(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("search: %w", err)
	}
	n := 0
	for _, e := range entries {
		if k, ok := genNumber(e.Name()); ok {
			n = max(n, k)
		}
	}
	return fmt.Sprintf("%s%06d", genPrefix, n+1), nil
}

func genNumber(name string) (int, bool) {
	s, ok := strings.CutPrefix(name, genPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// removeStale removes the generations other than keep (left by a Build that
// did not finish, or by a switch that did not get to remove the old one).
func removeStale(dir, keep string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if _, ok := genNumber(e.Name()); ok && e.Name() != keep {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	_ = os.Remove(filepath.Join(dir, currentFile+".tmp"))
}
