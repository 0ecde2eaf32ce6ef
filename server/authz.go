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

// fieldRule is the compiled authorization of one field of one type: who may
// read it under AppSync's rules and the partner-scope directive. Rules are
// compiled once, when the handler is built, so no request walks the schema's
// directives.
type fieldRule struct {
	// modes admit callers of a mode, in at least one of groups when groups
	// is non-empty. Empty: only the API's default mode may read the field.
	modes []modeRule
	// scopes, when scoped, are the scopes an API key caller needs one of.
	scopes []string
	scoped bool
}

type modeRule struct {
	mode   shopgraph.AuthMode
	groups []string
}

// compileRule applies AppSync's authorization rules to one field:
//   - the field's own auth directives replace its type's;
//   - with no directive on either, only the API's default mode may read it;
//   - once any directive applies, the default mode is not implied;
//   - @aws_cognito_user_pools(cognito_groups:) and @aws_auth(cognito_groups:)
//     admit Cognito callers in at least one listed group;
//   - shopgraph_scopes on the field replaces its type's; an API key caller
//     needs one listed scope.
func compileRule(parent *ast.Definition, field *ast.FieldDefinition) *fieldRule {
	r := &fieldRule{}
	for _, d := range appsync.EffectiveAuthDirectives(parent, field) {
		r.modes = append(r.modes, modeRule{mode: appsync.AuthDirectiveModes[d.Name], groups: appsync.CognitoGroups(d)})
	}
	d := field.Directives.ForName("shopgraph_scopes")
	if d == nil && parent != nil {
		d = parent.Directives.ForName("shopgraph_scopes")
	}
	if d != nil {
		r.scoped, r.scopes = true, appsync.StringList(d.Arguments.ForName("scopes"))
	}
	return r
}

// allows reports whether the caller may read the field. A nil identity
// (anonymous) is never allowed.
func (r *fieldRule) allows(id *shopgraph.Identity, defaultMode shopgraph.AuthMode) bool {
	if id == nil {
		return false
	}
	if r.scoped && id.Mode == shopgraph.AuthModeAPIKey && !slices.ContainsFunc(r.scopes, id.HasScope) {
		return false
	}
	if len(r.modes) == 0 {
		return id.Mode == defaultMode
	}
	for _, m := range r.modes {
		if m.mode == id.Mode && (len(m.groups) == 0 || slices.ContainsFunc(m.groups, id.InGroup)) {
			return true
		}
	}
	return false
}

// fieldAllowed applies AppSync's directive rules (not the scopes) to one
// field, for tests of the rules alone.
func fieldAllowed(id *shopgraph.Identity, parent *ast.Definition, field *ast.FieldDefinition, defaultMode shopgraph.AuthMode) bool {
	r := compileRule(parent, field)
	r.scoped = false
	return r.allows(id, defaultMode)
}

// fieldKey names a field of a type.
type fieldKey struct{ typ, field string }

// compileRules compiles the rule of every field of every object and
// interface type of the schema (introspection types excluded: they are open
// to every authenticated caller).
func compileRules(schema *ast.Schema) map[fieldKey]*fieldRule {
	rules := map[fieldKey]*fieldRule{}
	for name, def := range schema.Types {
		if strings.HasPrefix(name, "__") || (def.Kind != ast.Object && def.Kind != ast.Interface) {
			continue
		}
		for _, f := range def.Fields {
			if !strings.HasPrefix(f.Name, "__") {
				rules[fieldKey{name, f.Name}] = compileRule(def, f)
			}
		}
	}
	return rules
}

// guardFields is the server's one AroundFields middleware (it runs for every
// field of every response, so the checks share one layer): it stops an
// operation whose context is done (stopWhenDone), then guards the field with
// its compiled rule. A denied field resolves to null with AppSync's
// Unauthorized error; its resolver never runs. Introspection is open to
// every authenticated caller.
func guardFields(schema *ast.Schema, defaultMode shopgraph.AuthMode) graphql.FieldMiddleware {
	rules := compileRules(schema)
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if err := stopWhenDone(ctx, fc); err != nil {
			return nil, err
		}
		if fc == nil || fc.Field.Definition == nil || strings.HasPrefix(fc.Object, "__") || strings.HasPrefix(fc.Field.Name, "__") {
			return next(ctx)
		}
		r := rules[fieldKey{fc.Object, fc.Field.Name}]
		if r == nil { // a field the schema walk did not see: judge it now
			r = compileRule(schema.Types[fc.Object], fc.Field.Definition)
		}
		if r.allows(shopgraph.IdentityFromContext(ctx), defaultMode) {
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
