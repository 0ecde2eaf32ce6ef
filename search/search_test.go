package search_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/search"
)

// distinctNames returns the catalog's names with their product counts,
// sorted by name.
func distinctNames(cat *testCatalog) ([]string, map[string]int) {
	count := map[string]int{}
	for _, it := range cat.items {
		count[lower(it.Product.Name)]++
	}
	var names []string
	seen := map[string]bool{}
	for _, it := range cat.items {
		if !seen[lower(it.Product.Name)] {
			seen[lower(it.Product.Name)] = true
			names = append(names, it.Product.Name)
		}
	}
	slices.Sort(names)
	return names, count
}

func TestIndex_Search_exactNameFirst(t *testing.T) {
	ix, cat := sharedIndex(t)
	names, count := distinctNames(cat)
	tested := 0
	for i, name := range names {
		if i%4 != 0 { // a quarter of the ~1,000 names keeps the test fast under -race
			continue
		}
		n := count[lower(name)]
		page := MustSearch(t, ix, shopgraph.SearchQuery{Text: name, Limit: min(n+1, 100)})
		if len(page.Keys) < n {
			t.Errorf("%q: %d hits, but %d products have that name", name, len(page.Keys), n)
			continue
		}
		for j, k := range page.Keys[:n] {
			if got := cat.byID[k.ProductID].Product.Name; lower(got) != lower(name) {
				t.Errorf("%q: hit %d is %q; all %d products of that name should come first", name, j, got, n)
				break
			}
		}
		tested++
	}
	if tested < 100 {
		t.Fatalf("only %d names tested", tested)
	}
	// Case and spacing do not matter for an exact match.
	name := names[len(names)/2]
	page := MustSearch(t, ix, shopgraph.SearchQuery{Text: "  " + strings.ToUpper(strings.ReplaceAll(name, " ", "   ")) + " ", Limit: 1})
	if got := cat.byID[page.Keys[0].ProductID].Product.Name; got != name {
		t.Errorf("upper-cased, spaced-out %q: first hit %q", name, got)
	}
}

func TestIndex_Search_typoTolerance(t *testing.T) {
	ix, cat := sharedIndex(t)
	page := MustSearch(t, ix, shopgraph.SearchQuery{Text: "heaphones"})
	if page.Total == 0 {
		t.Fatal(`"heaphones" finds nothing`)
	}
	for _, k := range page.Keys {
		if !strings.Contains(cat.byID[k.ProductID].Product.Name, "Headphones") {
			t.Errorf(`"heaphones" finds %q`, cat.byID[k.ProductID].Product.Name)
		}
	}
	want := 0
	for _, it := range cat.items {
		if hasWord(it, "headphones") {
			want++
		}
	}
	if page.Total != want {
		t.Errorf(`"heaphones" finds %d products, %d have "headphones"`, page.Total, want)
	}

	// A known name with one letter dropped (from the middle of its longest
	// word) still finds a product of that name on the first page.
	names, _ := distinctNames(cat)
	tested := 0
	for i, name := range names {
		if i%5 != 0 {
			continue
		}
		typo, ok := dropLetter(name)
		if !ok {
			continue
		}
		page := MustSearch(t, ix, shopgraph.SearchQuery{Text: typo})
		found := false
		for _, k := range page.Keys {
			found = found || lower(cat.byID[k.ProductID].Product.Name) == lower(name)
		}
		if !found {
			t.Errorf("%q (for %q): no product of that name on the first page (%d hits)", typo, name, page.Total)
		}
		tested++
	}
	if tested < 100 {
		t.Fatalf("only %d names tested", tested)
	}
}

// dropLetter drops the middle letter of the longest word of name (at least
// five letters long).
func dropLetter(name string) (string, bool) {
	words := strings.Fields(name)
	best := -1
	for i, w := range words {
		if utf8.RuneCountInString(w) >= 5 && (best < 0 || len(w) > len(words[best])) {
			best = i
		}
	}
	if best < 0 {
		return "", false
	}
	r := []rune(words[best])
	m := len(r) / 2
	for m < len(r)-1 && !unicode.IsLetter(r[m]) {
		m++
	}
	words[best] = string(r[:m]) + string(r[m+1:])
	return strings.Join(words, " "), true
}

// bruteWords are words the brute-force matcher (hasWord) gets right: no
// other word of the generated catalog is a near miss of them.
var bruteWords = []string{"headphones", "merino", "voltix", "skillet"}

func TestIndex_Search_filters(t *testing.T) {
	ix, cat := sharedIndex(t)
	filters := map[string]shopgraph.SearchFilter{
		"none":             {},
		"category":         {Category: "electronics"},
		"other category":   {Category: "books"},
		"brand":            {Brand: "Voltix"},
		"brand with &":     {Brand: "Copper & Oak"},
		"price min":        {PriceMin: ptr(int64(10000))},
		"price max":        {PriceMax: ptr(int64(9999))},
		"price range":      {PriceMin: ptr(int64(5000)), PriceMax: ptr(int64(15099))},
		"exact price":      {PriceMin: ptr(int64(12999)), PriceMax: ptr(int64(12999))},
		"in stock":         {InStock: ptr(true)},
		"out of stock":     {InStock: ptr(false)},
		"all":              {Category: "electronics", Brand: "Voltix", PriceMin: ptr(int64(5000)), InStock: ptr(true)},
		"unknown brand":    {Brand: "voltix"}, // filters are exact
		"unknown category": {Category: "nope"},
	}
	for _, word := range bruteWords {
		for name, f := range filters {
			t.Run(word+"/"+name, func(t *testing.T) {
				var want []string
				for _, it := range cat.items {
					if hasWord(it, word) && matches(it, f) {
						want = append(want, it.Product.ProductID)
					}
				}
				keys, pages := searchAll(t, ix, shopgraph.SearchQuery{Text: word, Filter: f}, 100)
				got := ids(keys)
				for _, k := range keys {
					if it := cat.byID[k.ProductID]; !matches(it, f) || it.Product.Category != k.Category {
						t.Errorf("hit %+v does not satisfy the filter", k)
					}
				}
				if pages[0].Total != len(want) {
					t.Errorf("total %d, brute force %d", pages[0].Total, len(want))
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("hits %d, brute force %d:\n got %v\nwant %v", len(got), len(want), got, want)
				}
			})
		}
	}

	// For a fuzzy query the brute force is the unfiltered result, filtered.
	base, _ := searchAll(t, ix, shopgraph.SearchQuery{Text: "classic wireless"}, 100)
	for name, f := range filters {
		var want []string
		for _, k := range base {
			if matches(cat.byID[k.ProductID], f) {
				want = append(want, k.ProductID)
			}
		}
		got, _ := searchAll(t, ix, shopgraph.SearchQuery{Text: "classic wireless", Filter: f}, 100)
		if g := ids(got); !slices.Equal(g, want) { // same relevance order too
			t.Errorf("classic wireless/%s: %d hits, the filtered unfiltered result has %d", name, len(g), len(want))
		}
	}
}

func TestIndex_Search_sorts(t *testing.T) {
	ix, cat := sharedIndex(t)
	for _, text := range []string{"the", "classic", "headphones"} {
		for _, s := range []shopgraph.SearchSort{shopgraph.SearchPriceAsc, shopgraph.SearchPriceDesc, shopgraph.SearchNewest, shopgraph.SearchRelevance, ""} {
			keys, pages := searchAll(t, ix, shopgraph.SearchQuery{Text: text, Sort: s}, 37)
			if len(keys) != pages[0].Total || len(keys) < 30 {
				t.Fatalf("%s/%s: %d keys, total %d", text, s, len(keys), pages[0].Total)
			}
			for i := 1; i < len(keys); i++ {
				a, b := cat.byID[keys[i-1].ProductID].Product, cat.byID[keys[i].ProductID].Product
				var ok bool
				switch s {
				case shopgraph.SearchPriceAsc:
					ok = a.Price.Amount < b.Price.Amount || a.Price.Amount == b.Price.Amount && a.ProductID < b.ProductID
				case shopgraph.SearchPriceDesc:
					ok = a.Price.Amount > b.Price.Amount || a.Price.Amount == b.Price.Amount && a.ProductID < b.ProductID
				case shopgraph.SearchNewest:
					ok = a.CreatedAt.After(b.CreatedAt) || a.CreatedAt.Equal(b.CreatedAt) && a.ProductID < b.ProductID
				default:
					ok = true // scores are not visible; the other tests check relevance
				}
				if !ok {
					t.Fatalf("%s/%s: %s (%d, %s) before %s (%d, %s)", text, s, a.ProductID, a.Price.Amount, a.CreatedAt, b.ProductID, b.Price.Amount, b.CreatedAt)
				}
			}
		}
	}
	if _, err := ix.Search(context.Background(), shopgraph.SearchQuery{Text: "x", Sort: "CHEAPEST"}); !shopgraph.IsCode(err, shopgraph.CodeBadRequest) {
		t.Errorf("unknown sort: %v", err)
	}
}

func TestIndex_Search_paging(t *testing.T) {
	ix, _ := sharedIndex(t)
	queries := []shopgraph.SearchQuery{
		{Text: "the"},
		{Text: "headphones", Filter: shopgraph.SearchFilter{InStock: ptr(true)}},
		{Text: "classic wireless"},
		{Text: "merino sweater", Filter: shopgraph.SearchFilter{PriceMax: ptr(int64(10000))}},
	}
	for _, q := range queries {
		for _, s := range []shopgraph.SearchSort{shopgraph.SearchRelevance, shopgraph.SearchPriceAsc, shopgraph.SearchPriceDesc, shopgraph.SearchNewest} {
			q.Sort = s
			paged, pages := searchAll(t, ix, q, 7)
			if len(paged) != pages[0].Total {
				t.Errorf("%q/%s: %d keys over %d pages, total %d", q.Text, s, len(paged), len(pages), pages[0].Total)
			}
			whole, _ := searchAll(t, ix, q, 100)
			if !slices.Equal(paged, whole) {
				t.Errorf("%q/%s: paging by 7 gives another order than paging by 100", q.Text, s)
			}
			if pages[0].Total <= 100 {
				one := MustSearch(t, ix, shopgraph.SearchQuery{Text: q.Text, Filter: q.Filter, Sort: s, Limit: 100})
				if !slices.Equal(paged, one.Keys) || one.NextToken != "" {
					t.Errorf("%q/%s: paging by 7 differs from the one page", q.Text, s)
				}
			}
			for _, p := range pages[1:] {
				if p.Total != pages[0].Total || !reflect.DeepEqual(p.Facets, pages[0].Facets) {
					t.Errorf("%q/%s: a later page has another total or other facets", q.Text, s)
					break
				}
			}
		}
	}
	// The default page size is 20.
	if p := MustSearch(t, ix, shopgraph.SearchQuery{Text: "the"}); len(p.Keys) != shopgraph.DefaultPageSize {
		t.Errorf("default page: %d keys", len(p.Keys))
	}
}

func TestIndex_Search_facets(t *testing.T) {
	ix, cat := sharedIndex(t)
	cases := []shopgraph.SearchQuery{
		{Text: "the"},
		{Text: "classic"},
		{Text: "wireless", Filter: shopgraph.SearchFilter{InStock: ptr(true)}},
		{Text: "headphones", Filter: shopgraph.SearchFilter{PriceMin: ptr(int64(10000)), PriceMax: ptr(int64(30000))}},
		{Text: "voltix", Filter: shopgraph.SearchFilter{Brand: "Voltix"}},
		{Text: "zzzzzzzzzz"},
	}
	for _, q := range cases {
		keys, pages := searchAll(t, ix, q, 100)
		want := facetsOf(cat, keys)
		if got := pages[0].Facets; !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: facets\n got %s\nwant %s", q, show(got), show(want))
		}
	}
	// Over the catalog itself, for words the brute force matches.
	for _, word := range bruteWords {
		var keys []shopgraph.ProductKey
		for _, it := range cat.items {
			if hasWord(it, word) {
				keys = append(keys, it.Product.Key())
			}
		}
		page := MustSearch(t, ix, shopgraph.SearchQuery{Text: word, Limit: 1})
		if want := facetsOf(cat, keys); !reflect.DeepEqual(page.Facets, want) {
			t.Errorf("%q: facets\n got %s\nwant %s", word, show(page.Facets), show(want))
		}
	}
}

func show(f shopgraph.SearchFacets) string {
	var b strings.Builder
	fmt.Fprintf(&b, "categories %v brands %v prices [", f.Categories, f.Brands)
	for _, r := range f.PriceRanges {
		lo, hi := "-", "-"
		if r.Min != nil {
			lo = fmt.Sprint(*r.Min)
		}
		if r.Max != nil {
			hi = fmt.Sprint(*r.Max)
		}
		fmt.Fprintf(&b, " %s..%s:%d", lo, hi, r.Count)
	}
	return b.String() + " ]"
}

func TestIndex_Search_badRequest(t *testing.T) {
	ix, _ := sharedIndex(t)
	ctx := context.Background()
	first := MustSearch(t, ix, shopgraph.SearchQuery{Text: "the", Limit: 5})
	if first.NextToken == "" {
		t.Fatal("no nextToken")
	}
	p64, m64, _ := strings.Cut(first.NextToken, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(p64)
	tampered := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"a":["`, `"a":["9`, 1))) + "." + m64

	cases := map[string]struct {
		q    shopgraph.SearchQuery
		want string
	}{
		"empty text":      {shopgraph.SearchQuery{Text: ""}, "search text is empty"},
		"blank text":      {shopgraph.SearchQuery{Text: " \t\n"}, "search text is empty"},
		"long text":       {shopgraph.SearchQuery{Text: strings.Repeat("é", 201)}, "search text is longer than 200 characters"},
		"invalid UTF-8":   {shopgraph.SearchQuery{Text: "a\xff"}, "not valid UTF-8"},
		"limit negative":  {shopgraph.SearchQuery{Text: "the", Limit: -1}, "limit must be between 1 and 100"},
		"limit over":      {shopgraph.SearchQuery{Text: "the", Limit: 101}, "limit must be between 1 and 100"},
		"price min > max": {shopgraph.SearchQuery{Text: "the", Filter: shopgraph.SearchFilter{PriceMin: ptr(int64(5000)), PriceMax: ptr(int64(4999))}}, "priceMin (5000) is greater than priceMax (4999)"},
		"price min < 0":   {shopgraph.SearchQuery{Text: "the", Filter: shopgraph.SearchFilter{PriceMin: ptr(int64(-1))}}, "priceMin must not be negative, got -1"},
		"both < 0":        {shopgraph.SearchQuery{Text: "the", Filter: shopgraph.SearchFilter{PriceMin: ptr(int64(-9)), PriceMax: ptr(int64(-5))}}, "priceMin must not be negative"},
		"only max < 0":    {shopgraph.SearchQuery{Text: "the", Filter: shopgraph.SearchFilter{PriceMax: ptr(int64(-5))}}, "priceMax must not be negative, got -5"},
		"unknown sort":    {shopgraph.SearchQuery{Text: "the", Sort: "price_asc"}, "unknown sort"},
		"garbage token":   {shopgraph.SearchQuery{Text: "the", NextToken: "garbage"}, "invalid nextToken"},
		"bad base64":      {shopgraph.SearchQuery{Text: "the", NextToken: "!!.!!"}, "invalid nextToken"},
		"tampered token":  {shopgraph.SearchQuery{Text: "the", NextToken: tampered}, "invalid nextToken"},
		"truncated token": {shopgraph.SearchQuery{Text: "the", NextToken: first.NextToken[:len(first.NextToken)-2]}, "invalid nextToken"},
		"long token":      {shopgraph.SearchQuery{Text: "the", NextToken: strings.Repeat("a", 5000)}, "invalid nextToken"},
		"other text":      {shopgraph.SearchQuery{Text: "The", NextToken: first.NextToken}, "invalid nextToken"},
		"other filter":    {shopgraph.SearchQuery{Text: "the", Filter: shopgraph.SearchFilter{InStock: ptr(true)}, NextToken: first.NextToken}, "invalid nextToken"},
		"other sort":      {shopgraph.SearchQuery{Text: "the", Sort: shopgraph.SearchNewest, NextToken: first.NextToken}, "invalid nextToken"},
		"other price":     {shopgraph.SearchQuery{Text: "the", Filter: shopgraph.SearchFilter{PriceMin: ptr(int64(0))}, NextToken: first.NextToken}, "invalid nextToken"},
		"other secret":    {shopgraph.SearchQuery{Text: "the", NextToken: forgedWithSecret(t, "a-different-secret-of-some-length")}, "invalid nextToken"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ix.Search(ctx, c.q)
			if !shopgraph.IsCode(err, shopgraph.CodeBadRequest) || !strings.Contains(shopgraph.ErrorMessage(err), c.want) {
				t.Errorf("got %v, want BadRequest %q", err, c.want)
			}
		})
	}
	// The same token on the same query is fine, with another limit too.
	if _, err := ix.Search(ctx, shopgraph.SearchQuery{Text: "the", Limit: 50, NextToken: first.NextToken}); err != nil {
		t.Errorf("valid token: %v", err)
	}
	// RELEVANCE and "" are the same order, so their tokens are the same query's.
	if _, err := ix.Search(ctx, shopgraph.SearchQuery{Text: "the", Sort: shopgraph.SearchRelevance, NextToken: first.NextToken}); err != nil {
		t.Errorf("a token of sort \"\" for RELEVANCE: %v", err)
	}
	// Exactly 200 characters is fine.
	if _, err := ix.Search(ctx, shopgraph.SearchQuery{Text: strings.Repeat("é", 200)}); err != nil {
		t.Errorf("200 characters: %v", err)
	}
	if _, err := search.Open("", search.Options{CursorSecret: []byte("short")}); err == nil {
		t.Error("a short cursor secret is accepted")
	}
}

// forgedWithSecret makes a token for the first page of "the" on an index
// with another secret (and the same catalog).
func forgedWithSecret(t *testing.T, key string) string {
	t.Helper()
	_, cat := sharedIndex(t)
	ix, err := search.Open("", search.Options{CursorSecret: []byte(key)})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.Build(context.Background(), search.Items(cat.items[:200]), search.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	p := MustSearch(t, ix, shopgraph.SearchQuery{Text: "the", Limit: 5})
	if p.NextToken == "" {
		t.Fatal("no token to forge with")
	}
	return p.NextToken
}

func TestIndex_Search_querySyntaxIsText(t *testing.T) {
	ix, cat := sharedIndex(t)
	for _, text := range []string{
		`"headphones"`, `+headphones`, `-headphones`, `name:headphones`, `headphones*`, `(headphones)`,
		`headphones~2`, `headphones^10`, `/head.*/`, `\headphones\`, `headphones AND OR NOT`, `{headphones}`, `[headphones TO z]`,
		`headphones"`, `"`, `+`, `:`, `-`, `*`, `(`, `)`, `""`, `:::`, `*:*`, `a:b:c`, `%`, `\`, `?`, `&&`, `||`, `!`,
	} {
		page, err := ix.Search(context.Background(), shopgraph.SearchQuery{Text: text})
		if err != nil {
			t.Errorf("%q: %v", text, err)
			continue
		}
		// Punctuation around a word leaves the word (the tokenizer keeps
		// "name:headphones" one word, and "~2" or "^10" are words too).
		if strings.Trim(text, `"+-*(){}\`) == "headphones" {
			if page.Total == 0 || !strings.Contains(cat.byID[page.Keys[0].ProductID].Product.Name, "Headphones") {
				t.Errorf("%q: %d hits, first not headphones", text, page.Total)
			}
		}
		if strings.Trim(text, `"+:-*()%\?&|!`) == "" && page.Total != 0 {
			t.Errorf("%q (no word): %d hits", text, page.Total)
		}
	}
	// "-" excludes nothing, "*" matches nothing by itself.
	plain := MustSearch(t, ix, shopgraph.SearchQuery{Text: "wireless earbuds"})
	minus := MustSearch(t, ix, shopgraph.SearchQuery{Text: "wireless -earbuds"})
	if plain.Total != minus.Total {
		t.Errorf(`"wireless -earbuds" finds %d, "wireless earbuds" %d: "-" is not text`, minus.Total, plain.Total)
	}
}

func TestIndex_Search_typing(t *testing.T) {
	ix, cat := sharedIndex(t)
	// The word being typed matches name words it starts.
	page := MustSearch(t, ix, shopgraph.SearchQuery{Text: "noise-cancelling headph"})
	if page.Total == 0 {
		t.Fatal("no hit for a word being typed")
	}
	for _, k := range page.Keys {
		if !strings.Contains(cat.byID[k.ProductID].Product.Name, "Headphones") {
			t.Errorf("%q for %q", cat.byID[k.ProductID].Product.Name, "noise-cancelling headph")
		}
	}
	// Only stop words: they are matched as name words.
	page = MustSearch(t, ix, shopgraph.SearchQuery{Text: "The "})
	if page.Total == 0 {
		t.Fatal(`"The " finds nothing`)
	}
	for _, k := range page.Keys {
		if !strings.HasPrefix(cat.byID[k.ProductID].Product.Name, "The ") && !strings.Contains(cat.byID[k.ProductID].Product.Name, " the ") {
			t.Errorf(`"The " finds %q`, cat.byID[k.ProductID].Product.Name)
		}
	}
}

func TestIndex_Suggest(t *testing.T) {
	ix, cat := sharedIndex(t)
	ctx := context.Background()
	names, count := distinctNames(cat)

	for _, prefix := range []string{"voltix a", "VOLTIX", "the s", "The Silent ", "n", "Nimbus Audio Travel Noise-Cancelling Headphones"} {
		got, err := ix.Suggest(ctx, prefix, 0)
		if err != nil {
			t.Fatalf("%q: %v", prefix, err)
		}
		// Every name starting with the prefix, most products first, then by name.
		var want []string
		for _, n := range names {
			if strings.HasPrefix(lower(n), lower(prefix)) || strings.HasSuffix(prefix, " ") && strings.HasPrefix(lower(n)+" ", lower(prefix)) {
				want = append(want, n)
			}
		}
		slices.SortStableFunc(want, func(a, b string) int { return count[lower(b)] - count[lower(a)] })
		if len(want) > shopgraph.DefaultSuggestLimit {
			want = want[:shopgraph.DefaultSuggestLimit]
		}
		if len(want) < len(got) { // then word matches follow
			got = got[:len(want)]
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q:\n got %q\nwant %q", prefix, got, want)
		}
	}

	// Word prefixes follow whole-name prefixes, distinct, up to the limit.
	got, err := ix.Suggest(ctx, "head", 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || len(got) > 20 {
		t.Fatalf(`"head": %d suggestions`, len(got))
	}
	seen := map[string]bool{}
	for _, s := range got {
		if seen[s] {
			t.Errorf("%q twice", s)
		}
		seen[s] = true
		if !strings.Contains(strings.ToLower(s), "head") {
			t.Errorf(`"head" suggests %q`, s)
		}
	}
	// Words in the middle of a name, the last unfinished.
	for i, name := range names {
		w := strings.Fields(name)
		if i%7 != 0 {
			continue
		}
		if len(w) < 3 || len(w[2]) < 4 {
			continue
		}
		prefix := strings.ToLower(w[1] + " " + w[2][:3])
		got, err := ix.Suggest(ctx, prefix, 20)
		if err != nil || !slices.Contains(got, name) && len(got) < 20 {
			t.Errorf("%q: %q, %v; want %q among them", prefix, got, err, name)
		}
	}
	if got, _ := ix.Suggest(ctx, "zzzz", 5); len(got) != 0 {
		t.Errorf(`"zzzz": %q`, got)
	}
	if got, err := ix.Suggest(ctx, `"+(:*`, 5); err != nil || len(got) != 0 {
		t.Errorf("punctuation: %q, %v", got, err)
	}

	for name, c := range map[string]struct {
		prefix string
		limit  int
	}{
		"empty":    {"", 5},
		"blank":    {"  ", 5},
		"long":     {strings.Repeat("a", 201), 5},
		"limit -1": {"vol", -1},
		"limit 21": {"vol", 21},
	} {
		if _, err := ix.Suggest(ctx, c.prefix, c.limit); !shopgraph.IsCode(err, shopgraph.CodeBadRequest) {
			t.Errorf("%s: %v, want BadRequest", name, err)
		}
	}
}
