package resolvers

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/graph/model"
	"github.com/shopgraph/shopgraph/loaders"
)

// searchQuery converts search's arguments.
func searchQuery(text string, filter *model.SearchFilter, sort *shopgraph.SearchSort, limit *int, nextToken *string) (shopgraph.SearchQuery, error) {
	n, err := pageLimit(limit)
	if err != nil {
		return shopgraph.SearchQuery{}, err
	}
	q := shopgraph.SearchQuery{Text: text, Limit: n, NextToken: deref(nextToken)}
	if sort != nil {
		q.Sort = *sort
	}
	if f := filter; f != nil {
		q.Filter = shopgraph.SearchFilter{Category: deref(f.Category), Brand: deref(f.Brand), PriceMin: int64Ptr(f.PriceMin), PriceMax: int64Ptr(f.PriceMax), InStock: f.InStock}
	}
	return q, nil
}

func int64Ptr(p *int) *int64 {
	if p == nil {
		return nil
	}
	v := int64(*p)
	return &v
}

func intPtr(p *int64) *int {
	if p == nil {
		return nil
	}
	v := int(*p)
	return &v
}

// searchResults hydrates a search page's keys through the product loader
// (one BatchGetItem per page, only when the items are selected), in the
// index's order. A key the catalog no longer has (the index has not caught
// up with a deletion yet) is left out.
func searchResults(ctx context.Context, page shopgraph.SearchPage) (*model.SearchPage, error) {
	out := &model.SearchPage{Items: []shopgraph.Product{}, Total: page.Total, NextToken: optional(page.NextToken), Facets: searchFacets(page.Facets)}
	if len(page.Keys) == 0 || !selects(ctx, typeField{"SearchPage", "items"}) {
		return out, nil
	}
	l := loaders.FromContext(ctx)
	if selects(ctx, typeField{"SearchPage", "items"}, typeField{"Product", "inventory"}) {
		ids := make([]string, len(page.Keys))
		for i, k := range page.Keys {
			ids[i] = k.ProductID
		}
		l.PrefetchInventory(ctx, ids)
	}
	found, err := l.Products(ctx, page.Keys)
	if err != nil {
		return nil, err
	}
	for _, k := range page.Keys {
		if p, ok := found[k]; ok {
			out.Items = append(out.Items, p)
		}
	}
	return out, nil
}

func searchFacets(f shopgraph.SearchFacets) *model.SearchFacets {
	out := &model.SearchFacets{
		Categories:  facetCounts(f.Categories),
		Brands:      facetCounts(f.Brands),
		PriceRanges: make([]model.PriceRangeCount, len(f.PriceRanges)),
	}
	for i, r := range f.PriceRanges {
		out.PriceRanges[i] = model.PriceRangeCount{Min: intPtr(r.Min), Max: intPtr(r.Max), Count: r.Count}
	}
	return out
}

func facetCounts(fs []shopgraph.FacetCount) []model.FacetCount {
	out := make([]model.FacetCount, len(fs))
	for i, f := range fs {
		out[i] = model.FacetCount{Value: f.Value, Count: f.Count}
	}
	return out
}

// productInput converts upsertProduct's input (the desk validates it).
func productInput(in model.ProductInput) (shopgraph.Product, error) {
	p := shopgraph.Product{
		Category: in.Category, ProductID: in.Sku, Name: in.Name,
		Description: deref(in.Description), Brand: deref(in.Brand), Images: in.Images,
	}
	if in.Price != nil {
		p.Price = shopgraph.Money{Amount: int64(in.Price.Amount), Currency: in.Price.Currency}
	}
	if p.Images == nil {
		p.Images = []string{}
	}
	if len(in.Attributes) > 0 && string(in.Attributes) != "null" {
		if err := json.Unmarshal(in.Attributes, &p.Attributes); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return p, shopgraph.Errorf(shopgraph.CodeBadRequest, "attributes must be a JSON object")
			}
			return p, shopgraph.Errorf(shopgraph.CodeBadRequest, "attributes is not valid JSON")
		}
	}
	return p, nil
}
