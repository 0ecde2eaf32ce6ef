package search

import (
	"context"
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/shopgraph/shopgraph"
)

// Suggest implements shopgraph.ProductSearch. Names whose whole name starts
// with the prefix come first, then names with words starting with the
// prefix's words (the last one possibly unfinished); within each group, names
// shared by more products first, then alphabetically. Matching ignores case;
// the names are returned as written.
func (ix *Index) Suggest(ctx context.Context, prefix string, limit int) ([]string, error) {
	limit, err := checkLimit(limit, shopgraph.DefaultSuggestLimit, shopgraph.MaxSuggestLimit)
	if err != nil {
		return nil, err
	}
	if err := checkText("prefix", prefix); err != nil {
		return nil, err
	}

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return nil, errClosed
	}
	out := []string{}
	seen := map[string]bool{}
	collect := func(q query.Query) error {
		req := bleve.NewSearchRequestOptions(q, 0, 0, false)
		req.Score = bleve.ScoreNone
		req.AddFacet("names", bleve.NewFacetRequest(fieldNameRaw, limit+len(seen)))
		res, err := ix.cur.idx.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("suggest %q: %w", prefix, err)
		}
		if r := res.Facets["names"]; r != nil {
			for _, t := range r.Terms.Terms() { // by count, then name
				if len(out) < limit && !seen[t.Term] {
					seen[t.Term] = true
					out = append(out, t.Term)
				}
			}
		}
		return nil
	}

	key := ix.nameKey(prefix)
	if r, _ := utf8.DecodeLastRuneInString(prefix); unicode.IsSpace(r) {
		key += " " // "voltix " completes "Voltix Air…", not "Voltixx"
	}
	if err := collect(prefixQuery(fieldNameKey, key, 1)); err != nil {
		return nil, err
	}
	if len(out) == limit {
		return out, nil
	}
	words := ix.analyze(analyzerWords, prefix)
	if len(words) == 0 {
		return out, nil
	}
	typing := words[len(words)-1].End == len(prefix)
	must := make([]query.Query, len(words))
	for i, w := range words {
		if i == len(words)-1 && typing {
			must[i] = prefixQuery(fieldNameWords, string(w.Term), 1)
		} else {
			must[i] = termQuery(fieldNameWords, string(w.Term), 1)
		}
	}
	if err := collect(query.NewConjunctionQuery(must)); err != nil {
		return nil, err
	}
	return out, nil
}
