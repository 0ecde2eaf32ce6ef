package dynamodb

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxBody is the largest request body DynamoDB accepts.
const maxBody = 16 << 20

// targetPrefix starts every X-Amz-Target of the DynamoDB API version served.
const targetPrefix = "DynamoDB_20120810."

// handler serves one operation: body is the request JSON; the result is the
// response JSON.
type handler func(db *DB, ctx context.Context, body []byte) ([]byte, error)

// handlerFor returns the handler of a supported operation, or nil.
func handlerFor(op string) handler {
	switch op {
	case "CreateTable":
		return (*DB).createTable
	case "DescribeTable":
		return (*DB).describeTable
	case "DeleteTable":
		return (*DB).deleteTable
	case "UpdateTable":
		return (*DB).updateTable
	case "ListTables":
		return (*DB).listTables
	case "UpdateTimeToLive":
		return (*DB).updateTimeToLive
	case "DescribeTimeToLive":
		return (*DB).describeTimeToLive
	case "PutItem":
		return (*DB).putItem
	case "GetItem":
		return (*DB).getItem
	case "UpdateItem":
		return (*DB).updateItem
	case "DeleteItem":
		return (*DB).deleteItem
	case "Query":
		return (*DB).query
	case "Scan":
		return (*DB).scan
	case "BatchGetItem":
		return (*DB).batchGetItem
	case "BatchWriteItem":
		return (*DB).batchWriteItem
	case "TransactWriteItems":
		return (*DB).transactWriteItems
	case "TransactGetItems":
		return (*DB).transactGetItems
	}
	return nil
}

// isUnsupported reports whether op is a DynamoDB operation this server
// knows but does not implement.
func isUnsupported(op string) bool {
	switch op {
	case "BatchExecuteStatement", "CreateBackup", "CreateGlobalTable", "DeleteBackup", "DeleteResourcePolicy", "DescribeBackup", "DescribeContinuousBackups", "DescribeContributorInsights", "DescribeEndpoints", "DescribeExport", "DescribeGlobalTable", "DescribeGlobalTableSettings", "DescribeImport", "DescribeKinesisStreamingDestination", "DescribeLimits", "DescribeTableReplicaAutoScaling", "DisableKinesisStreamingDestination", "EnableKinesisStreamingDestination", "ExecuteStatement", "ExecuteTransaction", "ExportTableToPointInTime", "GetResourcePolicy", "ImportTable", "ListBackups", "ListContributorInsights", "ListExports", "ListGlobalTables", "ListImports", "ListTagsOfResource", "PutResourcePolicy", "RestoreTableFromBackup", "RestoreTableToPointInTime", "TagResource", "UntagResource", "UpdateContinuousBackups", "UpdateContributorInsights", "UpdateGlobalTable", "UpdateGlobalTableSettings", "UpdateKinesisStreamingDestination", "UpdateTableReplicaAutoScaling":
		return true
	}
	return false
}

// ServeHTTP serves the DynamoDB JSON API: POST requests whose X-Amz-Target
// is DynamoDB_20120810.<Operation>, with a JSON body of at most 16 MB.
// Every response carries Content-Type application/x-amz-json-1.0,
// x-amzn-RequestId and X-Amz-Crc32 (the IEEE CRC32 of the body). Client
// errors are HTTP 400 with DynamoDB's __type and message; internal errors
// (logged, never described to the client) and injected InternalServerError
// faults are HTTP 500. It never panics: a panic is recovered, logged and
// answered as an internal error. There is no authentication.
func (db *DB) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	op := ""
	defer func() {
		if p := recover(); p != nil {
			db.log.Error("embedded DynamoDB: panic serving request", "operation", op, "request_id", reqID, "panic", p)
			writeError(w, reqID, errInternal())
		}
	}()
	if r.Method != http.MethodPost {
		writeError(w, reqID, &apiError{status: http.StatusMethodNotAllowed, typ: nsService + "UnknownOperationException",
			msg: "The embedded DynamoDB accepts only POST requests, not " + r.Method})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, targetPrefix)
	h := handlerFor(op)
	if !ok || h == nil {
		msg := "Unknown operation " + strconv.Quote(target)
		if ok && isUnsupported(op) {
			writeError(w, reqID, &apiError{status: http.StatusBadRequest, typ: nsService + "UnknownOperationException",
				msg: "The embedded DynamoDB does not support the operation " + op})
			return
		}
		writeError(w, reqID, &apiError{status: http.StatusBadRequest, typ: nsService + "UnknownOperationException", msg: msg})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, reqID, errSerialization("Cannot read the request body"))
		return
	}
	if len(body) > maxBody {
		writeError(w, reqID, &apiError{status: http.StatusRequestEntityTooLarge, typ: nsValidate + "ValidationException",
			msg: "Request size exceeded " + strconv.Itoa(maxBody) + " bytes"})
		return
	}
	if !json.Valid(body) {
		writeError(w, reqID, errSerialization("The request body is not valid JSON"))
		return
	}
	resp, err := h(db, r.Context(), body)
	if err != nil {
		ae, client := asAPIError(err)
		if !client {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				db.log.Debug("embedded DynamoDB: request abandoned", "operation", op, "request_id", reqID, "error", err)
			} else {
				db.log.Error("embedded DynamoDB: internal error", "operation", op, "request_id", reqID, "error", err)
			}
		}
		writeError(w, reqID, ae)
		return
	}
	writeBody(w, reqID, http.StatusOK, resp)
}

func writeError(w http.ResponseWriter, reqID string, e *apiError) {
	writeBody(w, reqID, e.status, appendErrorJSON(nil, e))
}

func writeBody(w http.ResponseWriter, reqID string, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	h.Set("X-Amzn-Requestid", reqID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// decodeRequest decodes body into v. Values of the wrong JSON type are
// SerializationException, as in DynamoDB; attribute-value errors are
// ValidationException.
func decodeRequest(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		if e, ok := asAPIError(err); ok {
			return e
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return errSerialization("Unexpected value type in the request at " + strconv.Quote(te.Field))
		}
		return errSerialization("The request body could not be decoded")
	}
	return nil
}
