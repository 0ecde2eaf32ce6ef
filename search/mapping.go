package search

import (
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/shopgraph/shopgraph"
)

// mappingVersion names the mapping below and the document shape. Change it
// whenever either changes: Open discards a persisted index of another
// version (it is rebuilt from the catalog).
const mappingVersion = "shopgraph-search-v1"

// The index's fields. One product is one document, its id the product id.
const (
	// Full text, English analyzer (stemming, stop words).
	fieldName        = "name"
	fieldBrand       = "brand"
	fieldDescription = "description"
	fieldAttrs       = "attrs" // the attribute strings, one value each
	// fieldNameKey is the whole name, whitespace collapsed and lowercased,
	// as one term: exact-name boost and whole-name prefixes (Suggest).
	fieldNameKey = "nameKey"
	// fieldNameWords is the name's words, lowercased, not stemmed: word
	// prefixes (search-as-you-type, Suggest).
	fieldNameWords = "nameWords"
	// fieldNameRaw is the name as given, one term with doc values: the
	// distinct names Suggest returns.
	fieldNameRaw = "nameRaw"
	// Keywords with doc values: filters and facets. Category is stored too:
	// a hit's key is (category, id).
	fieldCategory = "category"
	fieldBrandKey = "brandKey"
	fieldPrice    = "price"     // number, minor units
	fieldCreated  = "createdAt" // datetime
	fieldInStock  = "inStock"   // boolean
	// fieldHash is the product's fingerprint term (hex), stored only: Upsert
	// and Delete keep the index's fingerprint current with it.
	fieldHash = "h"
)

// Analyzers of the mapping besides bleve's "en" and "keyword".
const (
	analyzerLowerKeyword = "sg_lower_keyword" // whole input, lowercased
	analyzerWords        = "sg_words"         // unicode words, lowercased
)

// keyInternal and versionInternal are the index's own entries in bleve's
// internal storage: the fingerprint and mappingVersion.
var (
	keyInternal     = []byte("shopgraph/fingerprint")
	versionInternal = []byte("shopgraph/mapping")
)

func newMapping() (*mapping.IndexMappingImpl, error) {
	m := mapping.NewIndexMapping()
	m.DefaultAnalyzer = en.AnalyzerName
	m.ScoringModel = "bm25" // bleve_index_api.BM25Scoring
	m.StoreDynamic, m.IndexDynamic, m.DocValuesDynamic = false, false, false
	if err := m.AddCustomAnalyzer(analyzerLowerKeyword, map[string]any{
		"type": custom.Name, "tokenizer": single.Name, "token_filters": []any{lowercase.Name},
	}); err != nil {
		return nil, err
	}
	if err := m.AddCustomAnalyzer(analyzerWords, map[string]any{
		"type": custom.Name, "tokenizer": unicode.Name, "token_filters": []any{lowercase.Name},
	}); err != nil {
		return nil, err
	}

	text := func(name, analyzer string, vectors bool) *mapping.FieldMapping {
		return &mapping.FieldMapping{Name: name, Type: "text", Analyzer: analyzer, Index: true, IncludeTermVectors: vectors}
	}
	keywordDV := func(name string, store bool) *mapping.FieldMapping {
		return &mapping.FieldMapping{Name: name, Type: "text", Analyzer: keyword.Name, Index: true, Store: store, DocValues: true, SkipFreqNorm: true}
	}
	doc := mapping.NewDocumentStaticMapping()
	add := func(fm *mapping.FieldMapping) { doc.AddFieldMappingsAt(fm.Name, fm) }
	add(text(fieldName, en.AnalyzerName, true)) // term vectors: phrase boost
	add(text(fieldBrand, en.AnalyzerName, false))
	add(text(fieldDescription, en.AnalyzerName, false))
	add(text(fieldAttrs, en.AnalyzerName, false))
	add(text(fieldNameKey, analyzerLowerKeyword, false))
	add(text(fieldNameWords, analyzerWords, false))
	add(keywordDV(fieldNameRaw, false))
	add(keywordDV(fieldCategory, true))
	add(keywordDV(fieldBrandKey, false))
	add(&mapping.FieldMapping{Name: fieldPrice, Type: "number", Index: true, DocValues: true})
	add(&mapping.FieldMapping{Name: fieldCreated, Type: "datetime", Index: true, DocValues: true})
	add(&mapping.FieldMapping{Name: fieldInStock, Type: "boolean", Index: true})
	add(&mapping.FieldMapping{Name: fieldHash, Type: "text", Analyzer: keyword.Name, Store: true})
	m.DefaultMapping = doc
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// document is the bleve document of one product; hash is its fingerprint
// term. Empty strings are left out (no empty facet values).
func document(it Item, hash [16]byte) map[string]any {
	p := it.Product
	d := map[string]any{
		fieldCategory: p.Category,
		fieldPrice:    float64(p.Price.Amount),
		fieldCreated:  createdAt(p),
		fieldInStock:  it.InStock,
		fieldHash:     hashHex(hash),
	}
	if name := collapseSpace(p.Name); name != "" {
		d[fieldName], d[fieldNameWords], d[fieldNameRaw], d[fieldNameKey] = p.Name, p.Name, p.Name, name
	}
	if strings.TrimSpace(p.Brand) != "" {
		d[fieldBrand], d[fieldBrandKey] = p.Brand, p.Brand
	}
	if strings.TrimSpace(p.Description) != "" {
		d[fieldDescription] = p.Description
	}
	if attrs := attributeStrings(p.Attributes); len(attrs) > 0 {
		d[fieldAttrs] = attrs
	}
	return d
}

// createdAt is the product's creation time as indexed: a zero time is the
// Unix epoch (bleve cannot index year 1), so every document has one.
func createdAt(p shopgraph.Product) time.Time {
	if p.CreatedAt.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return p.CreatedAt.UTC()
}

// collapseSpace trims s and collapses each run of white space to one space.
func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }
