package resolvers

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopgraph/shopgraph"
)

// pageLimit validates a listing's limit argument (nil means the default).
func pageLimit(limit *int) (int, error) {
	if limit == nil {
		return shopgraph.DefaultPageSize, nil
	}
	if *limit < 1 || *limit > shopgraph.MaxPageSize {
		return 0, shopgraph.Errorf(shopgraph.ErrBadRequest,
			"limit must be between 1 and %d, got %d", shopgraph.MaxPageSize, *limit)
	}
	return *limit, nil
}

// awsDateTime formats t as an AWSDateTime (UTC, RFC 3339 with a Z zone).
func awsDateTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// awsJSON encodes attributes as AWSJSON; nil attributes are null.
func awsJSON(v map[string]any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode attributes: %w", err)
	}
	return b, nil
}

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
