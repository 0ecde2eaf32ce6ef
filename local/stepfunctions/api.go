package stepfunctions

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/shopgraph/shopgraph/local/stepfunctions/asl"
)

const (
	targetPrefix = "AWSStepFunctions."
	maxBody      = 2 << 20 // a definition may be 1 MiB, an input 256 KiB
	maxInput     = 256 * 1024
)

// apiError is an error answered to the client.
type apiError struct {
	status int
	typ    string
	msg    string
}

func (e *apiError) Error() string { return e.typ + ": " + e.msg }

func clientErr(typ, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: typ, msg: fmt.Sprintf(format, args...)}
}

type handler func(s *Service, ctx context.Context, body []byte) (any, error)

var handlers = map[string]handler{
	"CreateStateMachine":             (*Service).createStateMachine,
	"DescribeStateMachine":           (*Service).describeStateMachine,
	"UpdateStateMachine":             (*Service).updateStateMachine,
	"ListStateMachines":              (*Service).listStateMachines,
	"DeleteStateMachine":             (*Service).deleteStateMachine,
	"ValidateStateMachineDefinition": (*Service).validateDefinition,
	"StartExecution":                 (*Service).startExecution,
	"DescribeExecution":              (*Service).describeExecution,
	"ListExecutions":                 (*Service).listExecutions,
	"GetExecutionHistory":            (*Service).getExecutionHistory,
	"StopExecution":                  (*Service).stopExecution,
	"SendTaskSuccess":                (*Service).sendTaskSuccess,
	"SendTaskFailure":                (*Service).sendTaskFailure,
	"SendTaskHeartbeat":              (*Service).sendTaskHeartbeat,
}

// ServeHTTP answers one Step Functions API request. Client errors are HTTP
// 400 with Step Functions' __type and message; internal errors (logged,
// never described to the client) are HTTP 500. A panic is recovered,
// logged and answered as an internal error.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	op := ""
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("local Step Functions: panic serving request", "operation", op, "request_id", reqID, "panic", p)
			writeError(w, reqID, internalError())
		}
	}()
	if r.Method != http.MethodPost {
		writeError(w, reqID, &apiError{status: http.StatusMethodNotAllowed, typ: "UnknownOperationException",
			msg: "The local Step Functions accepts only POST requests, not " + r.Method})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, targetPrefix)
	h := handlers[op]
	if !ok || h == nil {
		msg := "Unknown operation " + strconv.Quote(target)
		if ok && op != "" {
			msg = "The local Step Functions does not support the operation " + op
		}
		writeError(w, reqID, clientErr("UnknownOperationException", "%s", msg))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeError(w, reqID, clientErr("SerializationException", "Cannot read the request body"))
		return
	}
	if len(body) > maxBody {
		writeError(w, reqID, &apiError{status: http.StatusRequestEntityTooLarge, typ: "ValidationException",
			msg: "Request size exceeded " + strconv.Itoa(maxBody) + " bytes"})
		return
	}
	if s.isClosed() {
		writeError(w, reqID, &apiError{status: http.StatusServiceUnavailable, typ: "ServiceUnavailable", msg: "The local Step Functions is shutting down"})
		return
	}
	out, err := h(s, r.Context(), body)
	if err != nil {
		ae, client := errors.AsType[*apiError](err)
		if !client {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				s.log.Debug("local Step Functions: request abandoned", "operation", op, "request_id", reqID, "error", err)
			} else {
				s.log.Error("local Step Functions: internal error", "operation", op, "request_id", reqID, "error", err)
			}
			ae = internalError()
		}
		writeError(w, reqID, ae)
		return
	}
	resp, err := json.Marshal(out)
	if err != nil {
		s.log.Error("local Step Functions: encode response", "operation", op, "request_id", reqID, "error", err)
		writeError(w, reqID, internalError())
		return
	}
	writeBody(w, reqID, http.StatusOK, resp)
}

func internalError() *apiError {
	return &apiError{status: http.StatusInternalServerError, typ: "InternalFailure", msg: "The local Step Functions had an internal error"}
}

func writeError(w http.ResponseWriter, reqID string, e *apiError) {
	body, _ := json.Marshal(map[string]string{"__type": e.typ, "message": e.msg})
	w.Header().Set("X-Amzn-Errortype", e.typ)
	writeBody(w, reqID, e.status, body)
}

func writeBody(w http.ResponseWriter, reqID string, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
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

// decode decodes a request body. Values of the wrong JSON type are
// SerializationException, as on AWS.
func decode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
			return clientErr("SerializationException", "Unexpected value type in the request at %q", te.Field)
		}
		return clientErr("SerializationException", "The request body is not valid JSON")
	}
	return nil
}

// checkName checks a state machine or execution name as AWS does.
func checkName(name string) error {
	if n := len([]rune(name)); n < 1 || n > 80 {
		return clientErr("InvalidName", "Invalid Name: '%s' (a name has 1 to 80 characters)", name)
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r) {
			return clientErr("InvalidName", "Invalid Name: '%s' (it may not contain whitespace, brackets, wildcards or %q)", name, "\"#%\\^|~`$&,;:/")
		}
	}
	return nil
}

// arnPrefix is the prefix of this service's ARNs of a resource type.
func (s *Service) arnPrefix(resourceType string) string {
	return "arn:aws:states:" + s.region + ":" + s.account + ":" + resourceType + ":"
}

// parseARN splits an ARN of this service: its resource type and the parts
// after it. A malformed ARN is InvalidArn.
func parseARN(arn, field string) (resourceType string, parts []string, err error) {
	fields := strings.Split(arn, ":")
	if len(fields) < 7 || fields[0] != "arn" || fields[2] != "states" || fields[3] == "" || fields[4] == "" {
		return "", nil, clientErr("InvalidArn", "Invalid Arn: '%s' is not a Step Functions ARN (%s)", arn, field)
	}
	return fields[5], fields[6:], nil
}

// machineName is the state machine name of a state machine ARN.
func (s *Service) machineName(arn string) (string, error) {
	typ, parts, err := parseARN(arn, "stateMachineArn")
	if err != nil {
		return "", err
	}
	if typ != "stateMachine" {
		return "", clientErr("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: %s'", typ)
	}
	if len(parts) != 1 {
		return "", clientErr("InvalidArn", "Invalid Arn: '%s' (state machine versions and aliases are not supported locally)", arn)
	}
	if !strings.HasPrefix(arn, s.arnPrefix("stateMachine")) {
		return "", clientErr("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn)
	}
	return parts[0], nil
}

// checkExecutionARN checks an execution ARN.
func checkExecutionARN(arn string) error {
	typ, parts, err := parseARN(arn, "executionArn")
	if err != nil {
		return err
	}
	if typ != "execution" {
		return clientErr("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: %s'", typ)
	}
	if len(parts) != 2 {
		return clientErr("InvalidArn", "Invalid Arn: '%s' is not an execution ARN", arn)
	}
	return nil
}

// invalidDefinition is CreateStateMachine's error for a definition AWS
// rejects.
func invalidDefinition(err error) error {
	if ve, ok := errors.AsType[*asl.ValidationError](err); ok {
		msgs := make([]string, len(ve.Problems))
		for i, p := range ve.Problems {
			msgs[i] = problemCode(p) + ": " + p.String()
		}
		return clientErr("InvalidDefinition", "Invalid State Machine Definition: '%s'", strings.Join(msgs, ", "))
	}
	return clientErr("InvalidDefinition", "Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: %s'", err.Error())
}

// problemCode is the diagnostic code AWS gives a problem.
func problemCode(p asl.Problem) string {
	if strings.HasPrefix(p.Message, "Invalid JSON") {
		return "INVALID_JSON_DESCRIPTION"
	}
	return "SCHEMA_VALIDATION_FAILED"
}

// pageSize is a maxResults parameter (0: the default 100; at most 1000).
func pageSize(n int) (int, error) {
	switch {
	case n == 0:
		return 100, nil
	case n < 0 || n > 1000:
		return 0, clientErr("ValidationException", "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 0 and 1000", n)
	}
	return n, nil
}
