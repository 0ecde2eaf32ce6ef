package dynamodb

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
	"github.com/shopgraph/shopgraph/local/dynamodb/expr"
)

// The __type prefixes DynamoDB uses.
const (
	nsDynamo   = "com.amazonaws.dynamodb.v20120810#"
	nsValidate = "com.amazon.coral.validate#"
	nsService  = "com.amazon.coral.service#"
)

// apiError is an error answered to the client as DynamoDB answers it.
type apiError struct {
	status int    // HTTP status
	typ    string // __type, with its namespace
	msg    string
	// item is ConditionalCheckFailedException's Item (canonical JSON), nil
	// when not asked for.
	item []byte
	// reasons are TransactionCanceledException's CancellationReasons.
	reasons []cancelReason
}

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

// cancelReason is one TransactionCanceledException CancellationReason.
type cancelReason struct {
	Code    string
	Message string
	Item    []byte // canonical JSON, or nil
}

func validationf(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: nsValidate + "ValidationException", msg: fmt.Sprintf(format, args...)}
}

func validation(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: nsValidate + "ValidationException", msg: msg}
}

func dynamoErr(name, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: nsDynamo + name, msg: msg}
}

func errTableNotFound() *apiError {
	return dynamoErr("ResourceNotFoundException", "Cannot do operations on a non-existent table")
}

func errConditionFailed(item []byte) *apiError {
	e := dynamoErr("ConditionalCheckFailedException", "The conditional request failed")
	e.item = item
	return e
}

func errSerialization(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: nsService + "SerializationException", msg: msg}
}

// errInternal is what a client sees of an internal failure (the cause is
// logged, never sent).
func errInternal() *apiError {
	return &apiError{status: http.StatusInternalServerError, typ: nsDynamo + "InternalServerError", msg: "Internal server error"}
}

// asAPIError converts err to the error the client gets: *apiError as is;
// attr and expr client errors as ValidationException; anything else is
// internal (ok=false: log it).
func asAPIError(err error) (e *apiError, ok bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae, true
	}
	var attrErr *attr.Error
	if errors.As(err, &attrErr) {
		return validation(attrErr.Msg), true
	}
	var exprErr *expr.Error
	if errors.As(err, &exprErr) {
		return validation(exprErr.Msg), true
	}
	return errInternal(), false
}

// clientMsg returns the message a client error carries (for a
// CancellationReason), or "" for an internal error.
func clientMsg(err error) (string, bool) {
	e, ok := asAPIError(err)
	if !ok {
		return "", false
	}
	return e.msg, true
}

// appendErrorJSON encodes e as DynamoDB's error body.
func appendErrorJSON(dst []byte, e *apiError) []byte {
	dst = append(dst, `{"__type":`...)
	dst = attr.AppendJSONString(dst, e.typ)
	if e.reasons != nil {
		dst = append(dst, `,"CancellationReasons":[`...)
		for i, r := range e.reasons {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"Code":`...)
			dst = attr.AppendJSONString(dst, r.Code)
			if r.Message != "" {
				dst = append(dst, `,"Message":`...)
				dst = attr.AppendJSONString(dst, r.Message)
			}
			if r.Item != nil {
				dst = append(dst, `,"Item":`...)
				dst = append(dst, r.Item...)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	if e.item != nil {
		dst = append(dst, `,"Item":`...)
		dst = append(dst, e.item...)
	}
	dst = append(dst, `,"message":`...)
	dst = attr.AppendJSONString(dst, e.msg)
	return append(dst, '}')
}
