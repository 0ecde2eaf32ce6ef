package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph"
	"github.com/shopgraph/shopgraph/appsync"
)

// fieldAllowed applies AppSync's authorization rules to one field:
//   - the field's own auth directives replace its type's;
//   - with no directive on either, only the API's default mode may read it;
//   - once any directive applies, the default mode is not implied;
//   - @aws_cognito_user_pools(cognito_groups:) and @aws_auth(cognito_groups:)
//     admit Cognito callers in at least one listed group.
//
// A nil identity (anonymous) is never allowed.
func fieldAllowed(id *shopgraph.Identity, parent *ast.Definition, field *ast.FieldDefinition, defaultMode shopgraph.AuthMode) bool {
	if id == nil {
		return false
	}
	dirs := appsync.EffectiveAuthDirectives(parent, field)
	if len(dirs) == 0 {
		return id.Mode == defaultMode
	}
	for _, d := range dirs {
		if appsync.AuthDirectiveModes[d.Name] != id.Mode {
			continue
		}
		groups := appsync.CognitoGroups(d)
		if len(groups) == 0 || slices.ContainsFunc(groups, id.InGroup) {
			return true
		}
	}
	return false
}

// scopesAllowed applies the shopgraph_scopes directive to API key callers:
// the field's list replaces its type's; the caller needs one listed scope.
// Other callers, and fields with no list, are unaffected.
func scopesAllowed(id *shopgraph.Identity, parent *ast.Definition, field *ast.FieldDefinition) bool {
	if id == nil || id.Mode != shopgraph.AuthModeAPIKey {
		return true
	}
	d := field.Directives.ForName("shopgraph_scopes")
	if d == nil && parent != nil {
		d = parent.Directives.ForName("shopgraph_scopes")
	}
	if d == nil {
		return true
	}
	return slices.ContainsFunc(appsync.StringList(d.Arguments.ForName("scopes")), id.HasScope)
}

// enforceFieldAuth is the AroundFields middleware that guards every field
// with AppSync's rules (fieldAllowed) and partner scopes. A denied field
// resolves to null with AppSync's Unauthorized error; its resolver never
// runs. Introspection is open to every authenticated caller.
func enforceFieldAuth(schema *ast.Schema, defaultMode shopgraph.AuthMode) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || fc.Field.Definition == nil || strings.HasPrefix(fc.Object, "__") || strings.HasPrefix(fc.Field.Name, "__") {
			return next(ctx)
		}
		parent := schema.Types[fc.Object]
		id := shopgraph.IdentityFromContext(ctx)
		if fieldAllowed(id, parent, fc.Field.Definition, defaultMode) && scopesAllowed(id, parent, fc.Field.Definition) {
			return next(ctx)
		}
		return nil, shopgraph.Errorf(shopgraph.CodeUnauthorized, "Not Authorized to access %s on type %s", fc.Field.Name, fc.Object)
	}
}

// authenticate runs the Authenticator before GraphQL execution: a missing,
// malformed, expired or unverifiable credential is HTTP 401 with
// x-amzn-ErrorType: UnauthorizedException (which Amplify needs to report
// "Unauthorized"); an API key over its rate limit is HTTP 429 with
// Retry-After.
func (h *Handler) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := h.cfg.Auth.Authenticate(r.Context(), shopgraph.CredentialsFromHeaders(r.Header, sourceIPs(r)))
		if err == nil && id == nil {
			err = shopgraph.Errorf(shopgraph.CodeUnauthenticated, "Valid authorization header not provided.")
		}
		if err != nil {
			var de *shopgraph.Error
			switch {
			case errors.As(err, &de) && de.Code == shopgraph.CodeUnauthenticated:
				writeRequestError(w, http.StatusUnauthorized, shopgraph.CodeUnauthenticated, de.Message)
			case errors.As(err, &de) && de.Code == shopgraph.CodeLimitExceeded:
				w.Header().Set("Retry-After", strconv.Itoa(int(max(de.RetryAfter, time.Second)/time.Second)))
				writeRequestError(w, http.StatusTooManyRequests, shopgraph.CodeLimitExceeded, de.Message)
			default:
				h.cfg.Logger.ErrorContext(r.Context(), "authentication failed", "err", err,
					"request_id", shopgraph.RequestIDFromContext(r.Context()))
				writeRequestError(w, http.StatusServiceUnavailable, shopgraph.CodeInternal, shopgraph.InternalMessage)
			}
			return
		}
		next.ServeHTTP(w, r.WithContext(shopgraph.NewContextWithIdentity(r.Context(), id)))
	})
}

// sourceIPs is AppSync's sourceIp: the X-Forwarded-For addresses, then the
// TCP peer.
func sourceIPs(r *http.Request) []string {
	var out []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for ip := range strings.SplitSeq(v, ",") {
			if ip = strings.TrimSpace(ip); ip != "" {
				out = append(out, ip)
			}
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		out = append(out, host)
	}
	return out
}
