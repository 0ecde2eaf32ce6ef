package sns

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/shopgraph/shopgraph"
)

// DecodeEvent decodes and validates the Message of an order events
// notification: the JSON of a shopgraph.OrderEvent ({orderId, customerId,
// status, previousStatus, reason, occurredAt, version}). With raw message
// delivery off (the default for HTTP/S subscriptions, and what the order
// workflows' sns:publish produces) SNS delivers that JSON as the string
// value of the envelope's Message, which the caller passes here; a Message
// that is itself a JSON string holding the event (a publisher that encoded
// the event twice) is unwrapped once.
//
// The event needs an orderId, a status among shopgraph.OrderStatuses(), a
// previousStatus that is empty or one of them, and a version above 0.
// Fields DecodeEvent does not know are ignored. Any failure is an error
// saying what is wrong; it never returns a partial event.
//
// The composition root may call it for the embedded default's in-process
// sns:publish, so both paths accept the same events.
func DecodeEvent(msg string) (shopgraph.OrderEvent, error) {
	raw := []byte(msg)
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		raw = []byte(s)
	}
	var ev shopgraph.OrderEvent
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&ev); err != nil {
		return shopgraph.OrderEvent{}, fmt.Errorf("the Message is not an order event: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return shopgraph.OrderEvent{}, errors.New("the Message has data after the order event")
	}
	if err := validateEvent(ev); err != nil {
		return shopgraph.OrderEvent{}, err
	}
	return ev, nil
}

// validateEvent checks the fields an order event must have.
func validateEvent(ev shopgraph.OrderEvent) error {
	statuses := shopgraph.OrderStatuses()
	switch {
	case ev.OrderID == "":
		return errors.New("the order event has no orderId")
	case !slices.Contains(statuses, ev.Status):
		return fmt.Errorf("the order event's status %q is not an order status", ev.Status)
	case ev.PreviousStatus != "" && !slices.Contains(statuses, ev.PreviousStatus):
		return fmt.Errorf("the order event's previousStatus %q is not an order status", ev.PreviousStatus)
	case ev.Version <= 0:
		return fmt.Errorf("the order event's version must be above 0, got %d", ev.Version)
	}
	return nil
}
