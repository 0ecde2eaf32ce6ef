package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/shopgraph/shopgraph"
)

// httpTransport serves GraphQL over HTTP POST and GET the way AppSync does:
// both AppSync body shapes ({query, variables} and {operationName, variables,
// query}), AppSync's flat error shape, HTTP 200 for GraphQL errors, and a
// request body limit.
type httpTransport struct {
	maxBodyBytes int64
}

var _ graphql.Transport = httpTransport{}

func (t httpTransport) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && (r.Method == http.MethodPost || r.Method == http.MethodGet)
}

func (t httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	params, status, errType, msg := t.readParams(w, r)
	if status != 0 {
		writeRequestError(w, status, errType, msg)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	ctx := r.Context()
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs == nil && r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		e := gqlerror.Errorf("%s operations are not allowed over GET; use POST", opCtx.Operation.Operation)
		setExt(e, extErrorType, string(shopgraph.CodeBadRequest))
		errs = gqlerror.List{e}
	}
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		writeResponse(w, http.StatusOK, resp)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	if resp == nil {
		// The executor answers nothing when the request's context ended
		// before execution started: the client is gone.
		cause := context.Cause(ctx)
		if cause == nil {
			cause = errors.New("the executor returned no response")
		}
		resp = exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), gqlerror.List{gqlerror.WrapIfUnwrapped(cause)})
	}
	writeResponse(w, http.StatusOK, resp)
}

// readParams decodes the request into GraphQL parameters. On failure it
// returns the HTTP status, errorType and message to answer with.
func (t httpTransport) readParams(w http.ResponseWriter, r *http.Request) (p *graphql.RawParams, status int, errType shopgraph.ErrorCode, msg string) {
	p = &graphql.RawParams{}
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		p.Query, p.OperationName = q.Get("query"), q.Get("operationName")
		for name, dst := range map[string]*map[string]any{"variables": &p.Variables, "extensions": &p.Extensions} {
			if s := q.Get(name); s != "" {
				if err := decodeJSON(strings.NewReader(s), dst); err != nil {
					return nil, http.StatusBadRequest, shopgraph.CodeBadRequest, fmt.Sprintf("query parameter %q is not a JSON object: %v", name, err)
				}
			}
		}
		return p, 0, "", ""
	}

	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, http.StatusUnsupportedMediaType, shopgraph.CodeBadRequest, "Content-Type must be application/json"
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, t.maxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, http.StatusRequestEntityTooLarge, shopgraph.CodeLimitExceeded,
				fmt.Sprintf("request body exceeds the limit of %d bytes", t.maxBodyBytes)
		}
		return nil, http.StatusBadRequest, shopgraph.CodeBadRequest, "could not read the request body"
	}
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
		return nil, http.StatusBadRequest, shopgraph.CodeBadRequest,
			"batched queries are not supported; send one operation per request as a JSON object"
	}
	if err := decodeJSON(bytes.NewReader(body), p); err != nil {
		return nil, http.StatusBadRequest, shopgraph.CodeBadRequest, fmt.Sprintf("request body is not valid JSON: %v", err)
	}
	return p, 0, "", ""
}

// decodeJSON decodes exactly one JSON value, keeping numbers exact.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return fmt.Errorf("syntax error at byte %d", syn.Offset)
		case errors.As(err, &typ) && typ.Field == "":
			return fmt.Errorf("must be a JSON object, not %s", typ.Value)
		case errors.As(err, &typ):
			return fmt.Errorf("field %q must be %s, not %s", typ.Field, typ.Type, typ.Value)
		case errors.Is(err, io.EOF):
			return errors.New("empty body")
		default:
			return errors.New("malformed JSON")
		}
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}
