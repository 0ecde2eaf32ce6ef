package resolvers

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/appsync"
	"github.com/shopgraph/shopgraph/graph/model"
)

// pageLimit validates a listing's limit argument (nil means the default).
func pageLimit(limit *int) (int, error) {
	if limit == nil {
		return shopgraph.DefaultPageSize, nil
	}
	if *limit < 1 || *limit > shopgraph.MaxPageSize {
		return 0, shopgraph.Errorf(shopgraph.CodeBadRequest,
			"limit must be between 1 and %d, got %d", shopgraph.MaxPageSize, *limit)
	}
	return *limit, nil
}

// awsDateTime formats t as an AWSDateTime (UTC, RFC 3339 with a Z zone).
func awsDateTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// NewArrivalWindow is how long a product counts as new.
const NewArrivalWindow = 30 * 24 * time.Hour

// isNewArrival reports whether a product created at created is new at t.
func isNewArrival(created, t time.Time) bool {
	return !created.After(t) && t.Sub(created) < NewArrivalWindow
}

// parseAWSDateTime converts an AWSDateTime argument (gqlgen has already
// validated it with the same parser, appsync.ParseAWSDateTime). Values whose
// year, as written or in UTC, is outside 0000-9999 are a BadRequest naming
// the argument: RFC 3339 text, in which the result is stored and returned
// (awsDateTime), cannot hold them.
func parseAWSDateTime(arg, s string) (time.Time, error) {
	t, err := appsync.ParseAWSDateTime(s)
	if err != nil {
		return time.Time{}, err
	}
	if y, u := t.Year(), t.UTC().Year(); y < 0 || y > 9999 || u < 0 || u > 9999 {
		return time.Time{}, shopgraph.Errorf(shopgraph.CodeBadRequest,
			"%s: AWSDateTime %q is outside the supported range (years 0000-9999)", arg, truncate(s, 64))
	}
	return t, nil
}

// done turns a command's error into a Boolean! mutation result.
func done(err error) (bool, error) { return err == nil, err }

// session returns a sign-in's session for an AuthSession field.
func session(s shopgraph.Session, err error) (*shopgraph.Session, error) {
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// optionalTime formats an optional time as an AWSDateTime (nil: null).
func optionalTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := awsDateTime(*t)
	return &s
}

// newAPIKey is createApiKey's result: the stored record and, this once, the
// full key.
func newAPIKey(rec shopgraph.APIKeyRecord, key string) *model.NewAPIKey {
	out := &model.NewAPIKey{ID: rec.ID, Key: key, Partner: rec.Partner, Scopes: rec.Scopes, ExpiresAt: optionalTime(rec.ExpiresAt)}
	if rec.RateLimit > 0 {
		out.RateLimit = &rec.RateLimit
	}
	return out
}

// selectsItemsInventory reports whether the current field's selection (a
// ProductPage) reads items { inventory }, following fragments.
func selectsItemsInventory(ctx context.Context) bool {
	return selects(ctx, typeField{"ProductPage", "items"}, typeField{"Product", "inventory"})
}

// typeField names a field of an object type.
type typeField struct{ typ, field string }

// selects reports whether the current field's selection reads the path of
// fields given, each a field of the object type before it (the first one
// a field of the current field's type), following fragments.
func selects(ctx context.Context, path ...typeField) bool {
	fc, opCtx := graphql.GetFieldContext(ctx), graphql.GetOperationContext(ctx)
	if fc == nil || opCtx == nil {
		return false
	}
	var in func(sel ast.SelectionSet, path []typeField) bool
	in = func(sel ast.SelectionSet, path []typeField) bool {
		if len(path) == 0 {
			return true
		}
		for _, f := range graphql.CollectFields(opCtx, sel, []string{path[0].typ}) {
			if f.Name == path[0].field && in(f.Selections, path[1:]) {
				return true
			}
		}
		return false
	}
	return in(fc.Field.Selections, path)
}

// productIDs lists the products' ids.
func productIDs(products []shopgraph.Product) []string {
	out := make([]string, len(products))
	for i, p := range products {
		out[i] = p.ProductID
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
