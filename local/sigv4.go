package local

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Signature Version 4, as AWS's JSON APIs check it.
const (
	sigV4Algorithm  = "AWS4-HMAC-SHA256"
	sigV4Terminator = "aws4_request"
	amzDateFormat   = "20060102T150405Z"
	// maxClockSkew is how far a request's X-Amz-Date may be from the
	// server's clock, either way (AWS allows 15 minutes).
	maxClockSkew = 15 * time.Minute
	// maxRequestBytes bounds the body read before verification (DynamoDB's
	// largest request, a BatchWriteItem, is 16 MB; Step Functions' are far
	// smaller and are bounded again by the service).
	maxRequestBytes = 16 << 20
)

// GenerateCredentials returns fresh random credentials for an embedded
// service: an access key id of 20 characters starting with "LOCAL" and a
// 40-character secret access key (240 bits from crypto/rand), without a
// session token and without expiry.
func GenerateCredentials() aws.Credentials {
	secret := make([]byte, 30)
	_, _ = rand.Read(secret) // never fails (crypto/rand crashes the program instead)
	return aws.Credentials{
		AccessKeyID:     "LOCAL" + rand.Text()[:15],
		SecretAccessKey: base64.StdEncoding.EncodeToString(secret),
		Source:          "local.GenerateCredentials",
	}
}

// validateCredentials checks credentials given to an embedded service
// (what names it in messages, e.g. "embedded DynamoDB").
func validateCredentials(what string, c aws.Credentials) error {
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return fmt.Errorf("%s credentials need both an access key id and a secret access key (or neither, to generate them)", what)
	}
	if strings.ContainsAny(c.AccessKeyID, "/,= \t\r\n") {
		return fmt.Errorf("%s access key id %q contains a character SigV4 cannot carry (/ , = or space)", what, c.AccessKeyID)
	}
	return nil
}

// sigV4Verifier is an http.Handler that passes a request on to next only
// when it is signed (AWS Signature Version 4, Authorization header) with
// creds for its service (the credential scope's "dynamodb" or "states"),
// within maxClockSkew of now. Anything else is answered the way AWS's JSON
// APIs answer it: HTTP 400 with a JSON error whose
// __type and x-amzn-ErrorType the SDK turns into an API error.
type sigV4Verifier struct {
	creds   aws.Credentials
	region  string // the region the credential scope must name; "" accepts any
	service string // the signing name the credential scope must name
	next    http.Handler
	now     func() time.Time
	signer  *v4.Signer
}

func newSigV4Verifier(creds aws.Credentials, region, service string, next http.Handler) *sigV4Verifier {
	return &sigV4Verifier{creds: creds, region: region, service: service, next: next, now: time.Now, signer: v4.NewSigner()}
}

// apiError is an AWS JSON API error answer.
type apiError struct {
	status  int
	code    string // short name, e.g. "InvalidSignatureException"
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

const signatureMismatch = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

func missingToken() *apiError {
	return &apiError{http.StatusBadRequest, "MissingAuthenticationTokenException", "Request is missing Authentication Token"}
}

func incompleteSignature(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "IncompleteSignatureException", fmt.Sprintf(format, args...)}
}

func invalidSignature(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, "InvalidSignatureException", fmt.Sprintf(format, args...)}
}

func unrecognizedClient() *apiError {
	return &apiError{http.StatusBadRequest, "UnrecognizedClientException", "The security token included in the request is invalid."}
}

func writeAPIError(w http.ResponseWriter, e *apiError) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.0")
	h.Set("X-Amzn-ErrorType", e.code)
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{"com.amazon.coral.service#" + e.code, e.message})
}

func (v *sigV4Verifier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost { // the JSON API is POST only
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	_ = r.Body.Close()
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			writeAPIError(w, &apiError{http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
				fmt.Sprintf("Request size exceeds %d bytes", maxRequestBytes)})
		}
		return // otherwise the client went away mid-body
	}
	if aerr := v.verify(r, body); aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	v.next.ServeHTTP(w, r)
}

// sigV4Auth is a parsed Authorization header.
type sigV4Auth struct {
	accessKeyID, date, region, service, terminator string
	credential                                     string // as sent
	signedHeaders                                  string // as sent, e.g. "host;x-amz-date"
	signature                                      string // hex
}

// parseAuthorization parses "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
// Signature=…". The answers follow DynamoDB's.
func parseAuthorization(h string) (sigV4Auth, *apiError) {
	h = strings.TrimSpace(h)
	if !strings.HasPrefix(h, "AWS4-") {
		return sigV4Auth{}, missingToken()
	}
	alg, rest, _ := strings.Cut(h, " ")
	if alg != sigV4Algorithm {
		return sigV4Auth{}, incompleteSignature("Unsupported AWS 'algorithm': '%s' (only %s for now). ", alg, sigV4Algorithm)
	}
	params := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return sigV4Auth{}, incompleteSignature("'%s' not a valid key=value pair (missing equal-sign) in Authorization header.", part)
		}
		if _, dup := params[k]; dup {
			return sigV4Auth{}, incompleteSignature("Authorization header has '%s' more than once.", k)
		}
		params[k] = val
	}
	var msg strings.Builder
	for _, k := range []string{"Credential", "Signature", "SignedHeaders"} {
		if params[k] == "" {
			fmt.Fprintf(&msg, "Authorization header requires '%s' parameter. ", k)
		}
	}
	if msg.Len() > 0 {
		return sigV4Auth{}, incompleteSignature("%s", strings.TrimSpace(msg.String()))
	}
	a := sigV4Auth{credential: params["Credential"], signedHeaders: params["SignedHeaders"], signature: params["Signature"]}
	scope := strings.Split(strings.TrimRight(a.credential, "/"), "/")
	if len(scope) != 5 {
		return sigV4Auth{}, incompleteSignature("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", a.credential)
	}
	a.accessKeyID, a.date, a.region, a.service, a.terminator = scope[0], scope[1], scope[2], scope[3], scope[4]
	return a, nil
}

// verify checks r's signature over body; nil means r may be served.
func (v *sigV4Verifier) verify(r *http.Request, body []byte) *apiError {
	authz := r.Header.Values("Authorization")
	if len(authz) == 0 || strings.TrimSpace(authz[0]) == "" {
		return missingToken()
	}
	if len(authz) > 1 {
		return incompleteSignature("The request has more than one Authorization header.")
	}
	a, aerr := parseAuthorization(authz[0])
	if aerr != nil {
		return aerr
	}

	// The date: present, well-formed, recent.
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return incompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	signedAt, err := time.Parse(amzDateFormat, amzDate)
	if err != nil || signedAt.Format(amzDateFormat) != amzDate {
		return incompleteSignature("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", amzDate)
	}
	now := v.now().UTC()
	if earliest := now.Add(-maxClockSkew); signedAt.Before(earliest) {
		return invalidSignature("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			amzDate, earliest.Format(amzDateFormat), now.Format(amzDateFormat))
	}
	if latest := now.Add(maxClockSkew); signedAt.After(latest) {
		return invalidSignature("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			amzDate, latest.Format(amzDateFormat), now.Format(amzDateFormat))
	}

	// The signed headers: lower-case names; host and every x-amz-* header
	// sent (x-amz-target picks the operation) among them.
	signed := map[string]bool{}
	for name := range strings.SplitSeq(a.signedHeaders, ";") {
		signed[name] = true
	}
	if !signed["host"] {
		return invalidSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.")
	}
	var unsigned []string
	for name := range r.Header {
		if lower := strings.ToLower(name); strings.HasPrefix(lower, "x-amz-") && !signed[lower] {
			unsigned = append(unsigned, lower)
		}
	}
	if len(unsigned) > 0 {
		return invalidSignature("There were headers present in the request which were not signed: %s", strings.Join(unsigned, ", "))
	}

	// The credential scope.
	var scopeMsg []string
	if a.region == "" || (v.region != "" && a.region != v.region) {
		scopeMsg = append(scopeMsg, fmt.Sprintf("Credential should be scoped to a valid region, not '%s'.", a.region))
	}
	if a.service != v.service {
		scopeMsg = append(scopeMsg, fmt.Sprintf("Credential should be scoped to correct service: '%s'.", v.service))
	}
	if a.terminator != sigV4Terminator {
		scopeMsg = append(scopeMsg, fmt.Sprintf("Credential should be scoped with a valid terminator: '%s', not '%s'.", sigV4Terminator, a.terminator))
	}
	if day := amzDate[:8]; a.date != day {
		scopeMsg = append(scopeMsg, fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.date, day, amzDate))
	}
	if len(scopeMsg) > 0 {
		return invalidSignature("%s", strings.Join(scopeMsg, " "))
	}

	// Who: the server's access key id (and session token, if it has one).
	if subtle.ConstantTimeCompare([]byte(a.accessKeyID), []byte(v.creds.AccessKeyID)) != 1 {
		return unrecognizedClient()
	}
	if tokens := r.Header.Values("X-Amz-Security-Token"); len(tokens) > 1 ||
		subtle.ConstantTimeCompare([]byte(strings.Join(tokens, "")), []byte(v.creds.SessionToken)) != 1 {
		return unrecognizedClient()
	}

	// The signature: sign a copy of the request that carries exactly the
	// signed headers, at the same time and in the same scope, with the
	// server's secret, and compare.
	want, aerr := v.expectedAuthorization(r, a, body, signedAt)
	if aerr != nil {
		return aerr
	}
	got, gerr := hex.DecodeString(a.signature)
	exp, eerr := hex.DecodeString(want.signature)
	if gerr != nil || eerr != nil || want.signedHeaders != a.signedHeaders || !hmac.Equal(got, exp) {
		return invalidSignature("%s", signatureMismatch)
	}
	return nil
}

// ignoredBySigner are the headers the SDK's signer never signs, so a copy
// carrying them cannot reproduce a signature over them.
var ignoredBySigner = map[string]bool{
	"authorization": true, "user-agent": true, "x-amzn-trace-id": true, "expect": true, "transfer-encoding": true,
}

// expectedAuthorization signs a copy of r (method, path, query, a.signedHeaders
// with r's values, the SHA-256 of body) with the server's credentials at
// signedAt in a's region, and returns the Authorization header it gets.
func (v *sigV4Verifier) expectedAuthorization(r *http.Request, a sigV4Auth, body []byte, signedAt time.Time) (sigV4Auth, *apiError) {
	c := &http.Request{
		Method: r.Method,
		URL:    &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery},
		Host:   r.Host,
		Header: http.Header{},
	}
	for name := range strings.SplitSeq(a.signedHeaders, ";") {
		switch {
		case name == "host":
			// The signer takes it from c.Host.
		case name == "content-length":
			// The signer signs ContentLength when positive.
			c.ContentLength = int64(len(body))
		case name == "x-amz-date":
			// The signer sets it from signedAt (which is its value).
		case ignoredBySigner[name] || name == "" || name != strings.ToLower(name):
			return sigV4Auth{}, invalidSignature("%s", signatureMismatch)
		default:
			vals := r.Header.Values(name)
			if len(vals) == 0 {
				return sigV4Auth{}, invalidSignature("%s", signatureMismatch)
			}
			c.Header[textproto.CanonicalMIMEHeaderKey(name)] = vals
		}
	}
	sum := sha256.Sum256(body)
	if err := v.signer.SignHTTP(r.Context(), v.creds, c, hex.EncodeToString(sum[:]), v.service, a.region, signedAt); err != nil {
		return sigV4Auth{}, invalidSignature("%s", signatureMismatch)
	}
	want, aerr := parseAuthorization(c.Header.Get("Authorization"))
	if aerr != nil {
		return sigV4Auth{}, invalidSignature("%s", signatureMismatch)
	}
	return want, nil
}
