package sns

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha1" // SignatureVersion 1 is SHA1withRSA, as SNS defines it
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The message types of an HTTP/S subscription (the body's Type and the
// x-amz-sns-message-type header).
const (
	TypeSubscriptionConfirmation = "SubscriptionConfirmation"
	TypeNotification             = "Notification"
	TypeUnsubscribeConfirmation  = "UnsubscribeConfirmation"
)

// Headers SNS sends with every HTTP/S delivery.
const (
	headerMessageType = "x-amz-sns-message-type"
	headerMessageID   = "x-amz-sns-message-id"
	headerTopicARN    = "x-amz-sns-topic-arn"
)

// message is the JSON document SNS posts to an HTTP/S endpoint. Only the
// fields the intake reads are decoded (UnsubscribeURL, MessageAttributes and
// the rest are ignored). Subject is a pointer because the string to sign
// includes it only when the key is present.
type message struct {
	Type             string  `json:"Type"`
	MessageID        string  `json:"MessageId"`
	TopicARN         string  `json:"TopicArn"`
	Subject          *string `json:"Subject"`
	Message          string  `json:"Message"`
	Timestamp        string  `json:"Timestamp"`
	SignatureVersion string  `json:"SignatureVersion"`
	Signature        string  `json:"Signature"`
	SigningCertURL   string  `json:"SigningCertURL"`
	SubscribeURL     string  `json:"SubscribeURL"`
	Token            string  `json:"Token"`
}

// parseMessage decodes one SNS JSON document: exactly one JSON object and
// nothing after it. encoding/json turns the escaped control characters of
// Message and Subject back into the original characters, which is what the
// string to sign needs.
func parseMessage(body []byte) (*message, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var m message
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON object")
	}
	return &m, nil
}

// knownType reports whether t is one of the three SNS message types.
func knownType(t string) bool {
	switch t {
	case TypeNotification, TypeSubscriptionConfirmation, TypeUnsubscribeConfirmation:
		return true
	}
	return false
}

// missingField names the first required field (other than the signature
// fields, see unsigned) that m lacks, or "". Every type needs MessageId,
// TopicArn, Message and Timestamp; the confirmations also SubscribeURL and
// Token, which their string to sign includes.
func (m *message) missingField() string {
	fields := []struct{ name, value string }{
		{"MessageId", m.MessageID}, {"TopicArn", m.TopicARN}, {"Message", m.Message}, {"Timestamp", m.Timestamp},
	}
	if m.Type != TypeNotification {
		fields = append(fields, struct{ name, value string }{"SubscribeURL", m.SubscribeURL},
			struct{ name, value string }{"Token", m.Token})
	}
	for _, f := range fields {
		if f.value == "" {
			return f.name
		}
	}
	return ""
}

// unsigned names the first signature field m lacks, or "".
func (m *message) unsigned() string {
	switch {
	case m.Signature == "":
		return "Signature"
	case m.SignatureVersion == "":
		return "SignatureVersion"
	case m.SigningCertURL == "":
		return "SigningCertURL"
	}
	return ""
}

// stringToSign builds the canonical string SNS signs, as "Verifying the
// signatures of Amazon SNS messages" in the Amazon SNS Developer Guide
// (sns-verify-signature-of-message) defines it: a list of name-value
// pairs, each written as the name, a newline, the value and a newline, in
// byte-sort order of the names:
//
//   - Notification: Message, MessageId, Subject (only when the message has
//     the key), Timestamp, TopicArn, Type.
//   - SubscriptionConfirmation and UnsubscribeConfirmation: Message,
//     MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type.
//
// No other field is signed (in particular not SignatureVersion,
// SigningCertURL or UnsubscribeURL).
func (m *message) stringToSign() string {
	var b strings.Builder
	pair := func(name, value string) {
		b.WriteString(name)
		b.WriteByte('\n')
		b.WriteString(value)
		b.WriteByte('\n')
	}
	pair("Message", m.Message)
	pair("MessageId", m.MessageID)
	if m.Type == TypeNotification {
		if m.Subject != nil {
			pair("Subject", *m.Subject)
		}
	} else {
		pair("SubscribeURL", m.SubscribeURL)
	}
	pair("Timestamp", m.Timestamp)
	if m.Type != TypeNotification {
		pair("Token", m.Token)
	}
	pair("TopicArn", m.TopicARN)
	pair("Type", m.Type)
	return b.String()
}

// signatureHash is the hash of SignatureVersion v: "1" is SHA1withRSA, "2"
// SHA256withRSA (both RSASSA-PKCS1-v1_5). Any other version is refused.
func signatureHash(v string) (crypto.Hash, bool) {
	switch v {
	case "1":
		return crypto.SHA1, true
	case "2":
		return crypto.SHA256, true
	}
	return 0, false
}

// errBadSignature is a signature that does not verify.
var errBadSignature = errors.New("the signature does not verify")

// verify checks m's Signature against its string to sign with key. The
// caller has checked the SignatureVersion with signatureHash.
func (m *message) verify(key *rsa.PublicKey) error {
	h, ok := signatureHash(m.SignatureVersion)
	if !ok {
		return fmt.Errorf("unsupported SignatureVersion %q", m.SignatureVersion)
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil {
		return fmt.Errorf("%w: Signature is not base64", errBadSignature)
	}
	s := m.stringToSign()
	var digest []byte
	if h == crypto.SHA1 {
		d := sha1.Sum([]byte(s))
		digest = d[:]
	} else {
		d := sha256.Sum256([]byte(s))
		digest = d[:]
	}
	if err := rsa.VerifyPKCS1v15(key, h, digest, sig); err != nil {
		return errBadSignature
	}
	return nil
}
