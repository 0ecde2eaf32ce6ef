package server

import (
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/shopgraph/shopgraph"
)

// TestGroupKey: a replay, an operation of several fields and another
// caller never share a key; the same document, variables and caller do.
func TestGroupKey(t *testing.T) {
	admin := &shopgraph.Identity{Mode: shopgraph.AuthModeCognito, Sub: "a", Groups: []string{"admin"}}
	key := func(who *shopgraph.Identity, query string, vars map[string]any) string {
		doc, err := parser.ParseQuery(&ast.Source{Input: query})
		if err != nil {
			t.Fatal(err)
		}
		return groupKey(who, &graphql.RawParams{Query: query, Variables: vars}, doc.Operations[0])
	}
	const q = `subscription S($o: ID, $a: Int) { onOrderStatusChanged(orderId: $o, afterVersion: $a) { orderId } }`
	base := key(admin, q, map[string]any{"o": "x"})
	if base == "" || base != key(admin, q, map[string]any{"o": "x"}) || key(admin, q, map[string]any{"o": "x", "a": nil}) == "" {
		t.Errorf("the same subscription without a replay has no shared key")
	}
	for name, k := range map[string]string{
		"replay by variable": key(admin, q, map[string]any{"o": "x", "a": 3}),
		"replay by literal":  key(admin, `subscription { onOrderStatusChanged(orderId: "x", afterVersion: 0) { orderId } }`, nil),
		"two fields":         key(admin, `subscription { a: onOrderStatusChanged { orderId } b: onOrderStatusChanged { status } }`, nil),
		"a query":            key(admin, `query { categories { name } }`, nil),
		"anonymous":          key(nil, q, nil),
	} {
		if k != "" {
			t.Errorf("%s: shared key %q", name, k)
		}
	}
	for name, k := range map[string]string{
		"other variables": key(admin, q, map[string]any{"o": "y"}),
		"other caller":    key(&shopgraph.Identity{Mode: shopgraph.AuthModeCognito, Sub: "b", Groups: []string{"admin"}}, q, map[string]any{"o": "x"}),
		"other groups":    key(&shopgraph.Identity{Mode: shopgraph.AuthModeCognito, Sub: "a"}, q, map[string]any{"o": "x"}),
	} {
		if k == "" || k == base {
			t.Errorf("%s: shares the key", name)
		}
	}
}

// TestGroupMember_held: a member joins its group before its start is
// acknowledged, so it misses no event; nothing is written until release,
// then everything in order; a member ended while held is told so (after
// what it was handed) once released; the bound cuts off the one that
// falls behind, never silently.
func TestGroupMember_held(t *testing.T) {
	ev := func(i int) renderedEvent { return renderedEvent{payload: []byte{byte(i)}} }
	member := func() (*groupMember, chan byte, chan error) {
		sent, ended := make(chan byte, 2*groupBuffer), make(chan error, 1)
		return newGroupMember(func(e renderedEvent) { sent <- e.payload[0] }, func(why error) { ended <- why }), sent, ended
	}
	m, sent, ended := member()
	for i := range 3 {
		if !m.push(ev(i)) {
			t.Fatalf("push %d refused", i)
		}
	}
	select {
	case b := <-sent:
		t.Fatalf("event %d written before release", b)
	case <-time.After(20 * time.Millisecond):
	}
	m.release()
	for i := range 3 {
		if b := <-sent; int(b) != i {
			t.Fatalf("event %d written as number %d", b, i)
		}
	}
	m.stop(errGroupEnded)
	if why := <-ended; why != errGroupEnded {
		t.Fatalf("ended with %v", why)
	}
	<-m.idle

	// Ended while held: the queued event, then the end, once released.
	m, sent, ended = member()
	m.push(ev(7))
	m.stop(shopgraph.ErrSlowSubscriber)
	select {
	case why := <-ended:
		t.Fatalf("ended (%v) before release", why)
	case <-time.After(20 * time.Millisecond):
	}
	m.release()
	if b := <-sent; b != 7 {
		t.Fatalf("sent %d", b)
	}
	if why := <-ended; why != shopgraph.ErrSlowSubscriber {
		t.Fatalf("ended with %v", why)
	}
	<-m.idle

	// Left while held: nothing written, nothing told, idle once released.
	m, sent, ended = member()
	m.push(ev(1))
	m.stop(nil)
	m.release()
	<-m.idle
	if len(sent) != 0 || len(ended) != 0 {
		t.Fatalf("a member that left got %d events and %d ends", len(sent), len(ended))
	}

	// The bound: groupBuffer queued (held, so none written), one more is refused.
	m, _, _ = member()
	for i := range groupBuffer {
		if !m.push(ev(i)) {
			t.Fatalf("push %d of %d refused", i, groupBuffer)
		}
	}
	if m.push(ev(0)) {
		t.Fatalf("push %d accepted", groupBuffer+1)
	}
}
