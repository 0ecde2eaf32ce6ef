package shopgraph

import "context"

// SearchSort orders search results. The zero value is SearchRelevance.
type SearchSort string

// The search orders. Every order ends with a unique tiebreaker (the product
// id), so pages of one query never overlap.
const (
	// SearchRelevance: best match first (exact name matches before the rest).
	SearchRelevance SearchSort = "RELEVANCE"
	// SearchPriceAsc: cheapest first.
	SearchPriceAsc SearchSort = "PRICE_ASC"
	// SearchPriceDesc: dearest first.
	SearchPriceDesc SearchSort = "PRICE_DESC"
	// SearchNewest: most recently created first.
	SearchNewest SearchSort = "NEWEST"
)

// Bounds of search and suggest input. Search's page size bounds are
// DefaultPageSize and MaxPageSize.
const (
	// MaxSearchText is the longest accepted search text or suggest prefix,
	// in characters (runes).
	MaxSearchText = 200
	// DefaultSuggestLimit and MaxSuggestLimit bound Suggest's limit.
	DefaultSuggestLimit = 10
	MaxSuggestLimit     = 20
	// MaxFacetValues is the most values a search facet (categories,
	// brands) lists: the most frequent ones.
	MaxFacetValues = 100
	// PriceBuckets is how many price ranges the price facet has.
	PriceBuckets = 6
)

// SearchFilter narrows a search. Zero fields do not filter. Prices are in
// minor units (cents), like Money.Amount; both bounds are inclusive.
type SearchFilter struct {
	Category string // exact category name
	Brand    string // exact brand name
	PriceMin *int64
	PriceMax *int64
	InStock  *bool // true: only products with a unit available; false: only those without
}

// SearchQuery is one page of a product search.
type SearchQuery struct {
	// Text is what the shopper typed: 1..MaxSearchText characters, taken
	// as plain words (no query syntax: quotes, +, :, -, * are just text).
	Text   string
	Filter SearchFilter
	Sort   SearchSort // "" means SearchRelevance
	// Limit is the page size, 1..MaxPageSize; 0 means DefaultPageSize.
	Limit int
	// NextToken is "" for the first page, or the previous page's
	// NextToken. A token is valid only for the same Text, Filter and Sort.
	NextToken string
}

// SearchPage is one page of search results.
type SearchPage struct {
	// Keys are the matching products of this page, in order. Hydrate them
	// through the catalog (CatalogStore.GetProducts).
	Keys []ProductKey
	// Total is the number of products matching the query and filter, over
	// all pages.
	Total int
	// Facets count the whole match set (all pages), not just this page.
	Facets SearchFacets
	// NextToken is "" on the last page; otherwise an opaque token for the
	// next one.
	NextToken string
}

// SearchFacets summarise the match set of a search.
type SearchFacets struct {
	// Categories and Brands list the values present in the match set, by
	// count (descending), then value: every value, up to MaxFacetValues.
	Categories []FacetCount
	Brands     []FacetCount
	// PriceRanges are fixed price buckets, cheapest first; only buckets
	// with at least one match are listed.
	PriceRanges []PriceRangeCount
}

// FacetCount is how many matches have one value of a facet.
type FacetCount struct {
	Value string
	Count int
}

// PriceRangeCount is how many matches have a price in [Min, Max), in minor
// units. A nil Min or Max is unbounded on that side.
type PriceRangeCount struct {
	Min   *int64
	Max   *int64
	Count int
}

// ProductSearch is the product search index: full-text, typo-tolerant,
// filtered and faceted search over the catalog, and name autocompletion.
// The index answers with keys; the catalog store stays the source of truth.
//
// All methods are safe for concurrent use. Invalid input (see each method)
// is a CodeBadRequest *Error with the reason; anything else is internal.
type ProductSearch interface {
	// Search returns one page of products matching q. Empty or over-long
	// text, a limit out of range, an unknown sort, PriceMin > PriceMax and
	// a forged or other-query NextToken ("invalid nextToken") are
	// BadRequest.
	Search(ctx context.Context, q SearchQuery) (SearchPage, error)
	// Suggest returns up to limit distinct product names completing prefix
	// (case-insensitive), best first. limit is 1..MaxSuggestLimit (0 means
	// DefaultSuggestLimit); an empty or over-long prefix or a limit out of
	// range is BadRequest.
	Suggest(ctx context.Context, prefix string, limit int) ([]string, error)
	// Upsert indexes p (replacing any earlier version with its product
	// id), with whether it is in stock. Call it after the catalog write
	// succeeded, and when a product's stock crosses zero.
	Upsert(ctx context.Context, p Product, inStock bool) error
	// Delete removes the product with key from the index; deleting a
	// product that is not indexed is not an error.
	Delete(ctx context.Context, key ProductKey) error
	// StockFlags returns, for each of ids that is indexed, whether the
	// index has it in stock (ids not indexed are absent).
	StockFlags(ctx context.Context, ids []string) (map[string]bool, error)
}
