package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/shopgraph/shopgraph"
)

// Error-extension keys that the wire writer hoists to the error root, as
// AppSync does.
const (
	extErrorType = "errorType"
	extErrorInfo = "errorInfo"
	extData      = "data"
)

// errorPresenter is the one place that turns errors into AppSync errors:
// domain codes become errorType, limit errors become LimitExceeded, GraphQL
// validation errors pass through without an errorType, and anything else is
// logged and masked as InternalError. An operation past its deadline
// (timeout, Config.RequestTimeout) is ExecutionTimeout, logged once per
// request at Warn. A request the client cancelled (it disconnected) is not
// an internal error: it is logged once per request, at Info, however many
// fields failed with it.
func errorPresenter(log *slog.Logger, timeout time.Duration) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		var de *shopgraph.Error
		switch {
		case errors.As(err, &de) && de.Code.Known() && de.Code != shopgraph.CodeInternal:
			out := &gqlerror.Error{Message: de.Message, Path: gerr.Path, Locations: gerr.Locations, Rule: gerr.Rule}
			setExt(out, extErrorType, string(de.Code))
			return out
		case gerr.Err == nil:
			// Produced by the GraphQL layer itself (parse, validation, limits).
			if code, _ := gerr.Extensions["code"].(string); code == "COMPLEXITY_LIMIT_EXCEEDED" {
				setExt(gerr, extErrorType, string(shopgraph.CodeLimitExceeded))
			}
			return gerr
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
			if st := stateFromContext(ctx); st == nil || st.timedOut.CompareAndSwap(false, true) {
				log.WarnContext(ctx, "operation timed out", "timeout", timeout, "path", gerr.Path.String(),
					"request_id", shopgraph.RequestIDFromContext(ctx))
			}
			out := &gqlerror.Error{Message: timeoutMessage(timeout), Path: gerr.Path, Locations: gerr.Locations}
			setExt(out, extErrorType, string(shopgraph.CodeExecutionTimeout))
			return out
		case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
			if st := stateFromContext(ctx); st == nil || st.cancelled.CompareAndSwap(false, true) {
				log.InfoContext(ctx, "request cancelled by the client", "path", gerr.Path.String(),
					"request_id", shopgraph.RequestIDFromContext(ctx))
			}
			out := &gqlerror.Error{Message: "The request was cancelled.", Path: gerr.Path, Locations: gerr.Locations}
			setExt(out, extErrorType, string(shopgraph.CodeInternal))
			return out
		default:
			log.ErrorContext(ctx, "internal error", "err", err, "path", gerr.Path.String(),
				"request_id", shopgraph.RequestIDFromContext(ctx))
			out := &gqlerror.Error{Message: shopgraph.InternalMessage, Path: gerr.Path, Locations: gerr.Locations}
			setExt(out, extErrorType, string(shopgraph.CodeInternal))
			return out
		}
	}
}

// recoverFunc turns a resolver panic into an internal error (logged with
// the stack by the presenter's caller path).
func recoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", p, "request_id", shopgraph.RequestIDFromContext(ctx))
		return errors.New("resolver panic")
	}
}

func setExt(e *gqlerror.Error, k string, v any) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions[k] = v
}

// wireResponse is a GraphQL response in AppSync's shape (encodeResponse
// writes it in this field order).
type wireResponse struct {
	Data       json.RawMessage `json:"data"`
	Errors     []wireError     `json:"errors,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// wireError is an AppSync error: errorType, errorInfo and data sit at the
// top level next to message, path and locations.
type wireError struct {
	Message    string         `json:"message"`
	ErrorType  string         `json:"errorType,omitempty"`
	ErrorInfo  any            `json:"errorInfo"`
	Data       any            `json:"data"`
	Path       ast.Path       `json:"path"`
	Locations  []wireLocation `json:"locations,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

type wireLocation struct {
	Line       int     `json:"line"`
	Column     int     `json:"column"`
	SourceName *string `json:"sourceName"`
}

func toWire(resp *graphql.Response) wireResponse {
	out := wireResponse{Data: resp.Data, Extensions: resp.Extensions}
	if len(out.Data) == 0 {
		out.Data = json.RawMessage("null")
	}
	for _, e := range resp.Errors {
		out.Errors = append(out.Errors, wireErrorOf(e))
	}
	return out
}

func wireErrorOf(e *gqlerror.Error) wireError {
	w := wireError{Message: e.Message, Path: e.Path, Extensions: e.Extensions}
	if t, ok := e.Extensions[extErrorType].(string); ok {
		w.ErrorType = t
	}
	w.ErrorInfo = e.Extensions[extErrorInfo]
	w.Data = e.Extensions[extData]
	for _, l := range e.Locations {
		w.Locations = append(w.Locations, wireLocation{Line: l.Line, Column: l.Column})
	}
	return w
}

// encodeResponse is toWire(resp) as JSON. The data, which gqlgen has
// already encoded, is copied as it is: json.Marshal would validate and
// compact the whole (often the largest) part of the response a second time.
func encodeResponse(resp *graphql.Response) ([]byte, error) {
	wire := toWire(resp)
	b := make([]byte, 0, len(wire.Data)+64)
	b = append(b, `{"data":`...)
	b = append(b, wire.Data...)
	var err error
	if len(wire.Errors) > 0 {
		if b, err = appendMember(b, "errors", wire.Errors); err != nil {
			return nil, err
		}
	}
	if len(wire.Extensions) > 0 {
		if b, err = appendMember(b, "extensions", wire.Extensions); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendMember appends `,"name":<v as JSON>` to b.
func appendMember(b []byte, name string, v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(append(append(append(b, `,"`...), name...), `":`...), j...), nil
}

// writeResponse writes a GraphQL response with the given HTTP status.
func writeResponse(w http.ResponseWriter, status int, resp *graphql.Response) {
	b, err := encodeResponse(resp)
	if err != nil {
		// Only reachable with an unencodable extension value: a bug.
		status = http.StatusInternalServerError
		b = []byte(`{"data":null,"errors":[{"message":"` + shopgraph.InternalMessage + `","errorType":"InternalError","errorInfo":null,"data":null,"path":null}]}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeRequestError answers a request that never reached GraphQL execution
// (unreadable, oversized or malformed body) with an AppSync-shaped error.
// The errorType is also sent as x-amzn-ErrorType, which Amplify reads.
func writeRequestError(w http.ResponseWriter, status int, errorType shopgraph.ErrorCode, message string) {
	w.Header().Set("x-amzn-ErrorType", string(errorType))
	e := &gqlerror.Error{Message: message}
	setExt(e, extErrorType, string(errorType))
	writeResponse(w, status, &graphql.Response{Errors: gqlerror.List{e}})
}

// requestState is what the handler learns about one request while serving
// it.
type requestState struct {
	// cancelled is set once the request's cancellation has been logged.
	cancelled atomic.Bool
	// timedOut is set once the operation's timeout has been logged.
	timedOut atomic.Bool
}

type stateKey struct{}

func stateFromContext(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	return st
}
