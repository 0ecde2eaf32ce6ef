package search

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/shopgraph/shopgraph"
)

// Relevance weights. A match of every word is required: exactly (stemmed)
// in any of name, brand, attributes, description; with a typo in a name word
// or the brand; or, for the word being typed, as the start of a name word.
// The boosts then order the matches: the whole name equal to the text far above everything else, then
// names starting with it, then the words as a phrase in the name.
const (
	boostExactName  = 40
	boostNamePrefix = 6
	boostPhrase     = 4

	weightName        = 3
	weightBrand       = 2
	weightAttrs       = 1.5
	weightDescription = 1
	// fuzzyFactor scales a field's weight for typo matches, so an exact word
	// always outranks a near miss.
	fuzzyFactor = 0.5
	// weightWordPrefix is the weight of the word being typed matching the
	// start of a name word.
	weightWordPrefix = 1.5
)

// maxFacetTerms caps how many values a terms facet returns (the most
// frequent); the demo catalog has 8 categories and about 40 brands.
const maxFacetTerms = shopgraph.MaxFacetValues

// priceBuckets are the price facet's fixed ranges, [min, max) in minor
// units: under 25, 25–50, 50–100, 100–250, 250–500, 500 and more (major
// units of a two-decimal currency).
var priceBuckets = [][2]*int64{
	{nil, ptr(int64(2500))},
	{ptr(int64(2500)), ptr(int64(5000))},
	{ptr(int64(5000)), ptr(int64(10000))},
	{ptr(int64(10000)), ptr(int64(25000))},
	{ptr(int64(25000)), ptr(int64(50000))},
	{ptr(int64(50000)), nil},
}

// Search implements shopgraph.ProductSearch.
func (ix *Index) Search(ctx context.Context, q shopgraph.SearchQuery) (shopgraph.SearchPage, error) {
	limit, err := checkLimit(q.Limit, shopgraph.DefaultPageSize, shopgraph.MaxPageSize)
	if err != nil {
		return shopgraph.SearchPage{}, err
	}
	if err := checkText("search text", q.Text); err != nil {
		return shopgraph.SearchPage{}, err
	}
	f := q.Filter
	if err := cmp.Or(checkPrice("priceMin", f.PriceMin), checkPrice("priceMax", f.PriceMax)); err != nil {
		return shopgraph.SearchPage{}, err
	}
	if f.PriceMin != nil && f.PriceMax != nil && *f.PriceMin > *f.PriceMax {
		return shopgraph.SearchPage{}, shopgraph.Errorf(shopgraph.CodeBadRequest, "priceMin (%d) is greater than priceMax (%d)", *f.PriceMin, *f.PriceMax)
	}
	order, ok := orderFor(q.Sort)
	if !ok {
		return shopgraph.SearchPage{}, shopgraph.Errorf(shopgraph.CodeBadRequest, "unknown sort %q", q.Sort)
	}
	digest := queryDigest(q.Text, f, order.s)
	var after []string
	if q.NextToken != "" {
		if after, err = ix.decodeCursor(q.NextToken, digest, order); err != nil {
			return shopgraph.SearchPage{}, err
		}
	}

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return shopgraph.SearchPage{}, errClosed
	}
	text := ix.textQuery(q.Text)
	if text == nil { // nothing but punctuation: no word can match
		return shopgraph.SearchPage{Keys: []shopgraph.ProductKey{}, Facets: emptyFacets()}, nil
	}
	var top query.Query = text
	if fq := filterQuery(f); fq != nil {
		b := query.NewBooleanQuery([]query.Query{text}, nil, nil)
		b.AddFilter(fq)
		top = b
	}

	req := bleve.NewSearchRequestOptions(top, limit+1, 0, false)
	req.Fields = []string{fieldCategory}
	req.SortByCustom(order.bleve())
	if !order.score {
		req.Score = bleve.ScoreNone
	}
	if after != nil {
		req.SetSearchAfter(after)
	}
	req.AddFacet("categories", bleve.NewFacetRequest(fieldCategory, maxFacetTerms))
	req.AddFacet("brands", bleve.NewFacetRequest(fieldBrandKey, maxFacetTerms))
	prices := bleve.NewFacetRequest(fieldPrice, len(priceBuckets))
	for i, b := range priceBuckets {
		prices.AddNumericRange(strconv.Itoa(i), toFloat(b[0]), toFloat(b[1]))
	}
	req.AddFacet("prices", prices)

	res, err := ix.cur.idx.SearchInContext(ctx, req)
	if err != nil {
		return shopgraph.SearchPage{}, fmt.Errorf("search %q: %w", q.Text, err)
	}

	page := shopgraph.SearchPage{Total: int(res.Total), Keys: make([]shopgraph.ProductKey, 0, min(limit, len(res.Hits)))}
	hits := res.Hits
	if len(hits) > limit {
		hits = hits[:limit]
		page.NextToken = ix.encodeCursor(digest, order.after(hits[len(hits)-1]))
	}
	for _, h := range hits {
		cat, _ := h.Fields[fieldCategory].(string)
		page.Keys = append(page.Keys, shopgraph.ProductKey{Category: cat, ProductID: h.ID})
	}
	page.Facets = facets(res.Facets)
	return page, nil
}

// textQuery builds the query of the shopper's text, programmatically: the
// text is analysed like the indexed fields and never parsed as query syntax.
// It returns nil when the text has no word at all.
func (ix *Index) textQuery(text string) query.Query {
	words := ix.analyze(analyzerWords, text)
	if len(words) == 0 {
		return nil
	}
	// The last word is being typed when nothing follows it: it may also
	// match the start of a name word.
	var typing *analysis.Token
	if last := words[len(words)-1]; last.End == len(text) && utf8.RuneCount(last.Term) >= 2 {
		typing = last
	}

	rawAt := make(map[int]string, len(words)) // position → unstemmed word
	for _, w := range words {
		rawAt[w.Position] = string(w.Term)
	}

	var must []query.Query
	seen := map[string]bool{}
	for _, t := range ix.analyze(en.AnalyzerName, text) {
		term := string(t.Term)
		if seen[term] {
			continue
		}
		seen[term] = true
		alts := []query.Query{
			termQuery(fieldName, term, weightName),
			termQuery(fieldBrand, term, weightBrand),
			termQuery(fieldAttrs, term, weightAttrs),
			termQuery(fieldDescription, term, weightDescription),
		}
		// Typos are matched where shoppers make them count: the name's
		// words, unstemmed (stemming can widen a typo: "orgnic" stays,
		// "organic" becomes "organ"), and the brand (a book's publisher is
		// not in its name). Each fuzzy clause costs a Levenshtein automaton,
		// so there are two, not one per field.
		if raw := rawAt[t.Position]; raw != "" {
			if d := fuzziness(raw); d > 0 {
				alts = append(alts, fuzzyQuery(fieldNameWords, raw, d, weightName*fuzzyFactor))
			}
		}
		if d := min(fuzziness(term), 1); d > 0 { // distance 2 doubles the automaton's cost
			alts = append(alts, fuzzyQuery(fieldBrand, term, d, weightBrand*fuzzyFactor))
		}
		if typing != nil && t.Position == typing.Position {
			alts = append(alts, prefixQuery(fieldNameWords, string(typing.Term), weightWordPrefix))
		}
		must = append(must, query.NewDisjunctionQuery(alts))
	}
	if len(must) == 0 {
		// Only stop words ("the", "it"): match them as name words.
		for i, w := range words {
			alts := []query.Query{termQuery(fieldNameWords, string(w.Term), weightName)}
			if i == len(words)-1 && typing != nil {
				alts = append(alts, prefixQuery(fieldNameWords, string(w.Term), weightWordPrefix))
			}
			must = append(must, query.NewDisjunctionQuery(alts))
		}
	}

	name := ix.nameKey(text)
	should := []query.Query{
		termQuery(fieldNameKey, name, boostExactName),
		prefixQuery(fieldNameKey, name, boostNamePrefix),
	}
	if len(seen) > 1 {
		phrase := query.NewMatchPhraseQuery(text)
		phrase.SetField(fieldName)
		phrase.SetBoost(boostPhrase)
		should = append(should, phrase)
	}
	// must is never empty, so the boosts only reorder its matches.
	return query.NewBooleanQuery(must, should, nil)
}

// fuzziness is the edit distance allowed for a word (an analysed term):
// none for one or two letters, one up to five, two beyond.
func fuzziness(term string) int {
	switch n := utf8.RuneCountInString(term); {
	case n <= 2:
		return 0
	case n <= 5:
		return 1
	default:
		return 2
	}
}

// filterQuery is the conjunction of the filter's conditions, nil without any.
func filterQuery(f shopgraph.SearchFilter) query.Query {
	var qs []query.Query
	if f.Category != "" {
		qs = append(qs, termQuery(fieldCategory, f.Category, 1))
	}
	if f.Brand != "" {
		qs = append(qs, termQuery(fieldBrandKey, f.Brand, 1))
	}
	if f.PriceMin != nil || f.PriceMax != nil {
		incl := true
		r := query.NewNumericRangeInclusiveQuery(toFloat(f.PriceMin), toFloat(f.PriceMax), &incl, &incl)
		r.SetField(fieldPrice)
		qs = append(qs, r)
	}
	if f.InStock != nil {
		b := query.NewBoolFieldQuery(*f.InStock)
		b.SetField(fieldInStock)
		qs = append(qs, b)
	}
	if len(qs) == 0 {
		return nil
	}
	return query.NewConjunctionQuery(qs)
}

func facets(fr bsearch.FacetResults) shopgraph.SearchFacets {
	out := emptyFacets()
	terms := func(name string) []shopgraph.FacetCount {
		list := []shopgraph.FacetCount{}
		if r := fr[name]; r != nil {
			for _, t := range r.Terms.Terms() { // by count, then term
				list = append(list, shopgraph.FacetCount{Value: t.Term, Count: t.Count})
			}
		}
		return list
	}
	out.Categories, out.Brands = terms("categories"), terms("brands")
	if r := fr["prices"]; r != nil {
		counts := make([]int, len(priceBuckets))
		for _, nr := range r.NumericRanges {
			if i, err := strconv.Atoi(nr.Name); err == nil && i >= 0 && i < len(counts) {
				counts[i] = nr.Count
			}
		}
		for i, b := range priceBuckets {
			if counts[i] > 0 {
				out.PriceRanges = append(out.PriceRanges, shopgraph.PriceRangeCount{Min: clone(b[0]), Max: clone(b[1]), Count: counts[i]})
			}
		}
	}
	return out
}

func emptyFacets() shopgraph.SearchFacets {
	return shopgraph.SearchFacets{Categories: []shopgraph.FacetCount{}, Brands: []shopgraph.FacetCount{}, PriceRanges: []shopgraph.PriceRangeCount{}}
}

// sortKey is the kind of one sort key, which says how its SearchAfter value
// is taken from a hit and checked in a cursor.
type sortKey int

const (
	keyScore sortKey = iota
	keyNumber
	keyDate
	keyID
)

// sortOrder is one of the search orders: every order ends with the document
// id (the product id), unique, so that it is total and pages never overlap.
type sortOrder struct {
	s     shopgraph.SearchSort
	keys  []sortKey
	score bool // ranks by relevance: needs scoring
}

func orderFor(s shopgraph.SearchSort) (sortOrder, bool) {
	switch s {
	case "", shopgraph.SearchRelevance:
		return sortOrder{s: shopgraph.SearchRelevance, keys: []sortKey{keyScore, keyID}, score: true}, true
	case shopgraph.SearchPriceAsc, shopgraph.SearchPriceDesc:
		return sortOrder{s: s, keys: []sortKey{keyNumber, keyID}}, true
	case shopgraph.SearchNewest:
		return sortOrder{s: s, keys: []sortKey{keyDate, keyID}}, true
	}
	return sortOrder{}, false
}

// bleve returns a new bleve sort order (they carry per-search state).
func (o sortOrder) bleve() bsearch.SortOrder {
	id := &bsearch.SortDocID{}
	switch o.s {
	case shopgraph.SearchPriceAsc:
		return bsearch.SortOrder{&bsearch.SortField{Field: fieldPrice, Type: bsearch.SortFieldAsNumber}, id}
	case shopgraph.SearchPriceDesc:
		return bsearch.SortOrder{&bsearch.SortField{Field: fieldPrice, Type: bsearch.SortFieldAsNumber, Desc: true}, id}
	case shopgraph.SearchNewest:
		return bsearch.SortOrder{&bsearch.SortField{Field: fieldCreated, Type: bsearch.SortFieldAsDate, Desc: true}, id}
	default:
		return bsearch.SortOrder{&bsearch.SortScore{Desc: true}, id}
	}
}

// after returns the SearchAfter values of hit: the next page starts after it.
func (o sortOrder) after(hit *bsearch.DocumentMatch) []string {
	out := make([]string, len(o.keys))
	for i, k := range o.keys {
		switch k {
		case keyScore:
			out[i] = strconv.FormatFloat(hit.Score, 'g', -1, 64) // round-trips exactly
		case keyID:
			out[i] = hit.ID
		default:
			out[i] = hit.DecodedSort[i]
		}
	}
	return out
}

// analyze runs one of the mapping's analyzers over s.
func (ix *Index) analyze(analyzer, s string) analysis.TokenStream {
	a := ix.m.AnalyzerNamed(analyzer)
	if a == nil {
		panic("search: analyzer " + analyzer + " is not in the mapping") // newMapping defines every one
	}
	return a.Analyze([]byte(s))
}

// nameKey is the fieldNameKey term of a name or text.
func (ix *Index) nameKey(s string) string {
	ts := ix.analyze(analyzerLowerKeyword, collapseSpace(s))
	if len(ts) == 0 {
		return ""
	}
	return string(ts[0].Term)
}

// checkText validates search text and suggest prefixes.
func checkText(what, s string) error {
	switch {
	case !utf8.ValidString(s):
		return shopgraph.Errorf(shopgraph.CodeBadRequest, "%s is not valid UTF-8", what)
	case strings.TrimSpace(s) == "":
		return shopgraph.Errorf(shopgraph.CodeBadRequest, "%s is empty", what)
	case utf8.RuneCountInString(s) > shopgraph.MaxSearchText:
		return shopgraph.Errorf(shopgraph.CodeBadRequest, "%s is longer than %d characters", what, shopgraph.MaxSearchText)
	}
	return nil
}

// checkLimit applies a default of def to 0 and rejects anything outside
// 1..maxLimit.
func checkLimit(limit, def, maxLimit int) (int, error) {
	if limit == 0 {
		return def, nil
	}
	if limit < 1 || limit > maxLimit {
		return 0, shopgraph.Errorf(shopgraph.CodeBadRequest, "limit must be between 1 and %d, got %d", maxLimit, limit)
	}
	return limit, nil
}

func termQuery(field, term string, boost float64) *query.TermQuery {
	q := query.NewTermQuery(term)
	q.SetField(field)
	q.SetBoost(boost)
	return q
}

func fuzzyQuery(field, term string, fuzziness int, boost float64) *query.FuzzyQuery {
	q := query.NewFuzzyQuery(term)
	q.SetField(field)
	q.SetFuzziness(fuzziness)
	q.SetBoost(boost)
	return q
}

func prefixQuery(field, prefix string, boost float64) *query.PrefixQuery {
	q := query.NewPrefixQuery(prefix)
	q.SetField(field)
	q.SetBoost(boost)
	return q
}

func ptr[T any](v T) *T { return &v }

func clone[T any](p *T) *T {
	if p == nil {
		return nil
	}
	return ptr(*p)
}

func toFloat(p *int64) *float64 {
	if p == nil {
		return nil
	}
	return ptr(float64(*p))
}

// checkPrice refuses a negative price bound (prices are minor units).
func checkPrice(name string, v *int64) error {
	if v != nil && *v < 0 {
		return shopgraph.Errorf(shopgraph.CodeBadRequest, "%s must not be negative, got %d (prices are in minor units)", name, *v)
	}
	return nil
}
