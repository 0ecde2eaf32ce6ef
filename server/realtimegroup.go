package server

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/shopgraph/shopgraph"
)

// Render groups: subscriptions that would receive the same bytes for every
// event (the same document, operation and variables, started by the same
// caller) share one execution. Each start is still authorized on its own
// (its own GraphQL dispatch, then dropped); the group's own dispatch renders
// every event once, and each member only writes the bytes to its socket.
// An operations dashboard of 10,000 sockets of one admin then costs one
// GraphQL execution per event instead of 10,000.
//
// What a group shares must not depend on anything of a start but its key:
// the subscription payload (OrderStatusEvent) is the event's fields, guarded
// by rules of the caller's mode and groups, which the key holds.

// errGroupEnded ends the members of a group whose events stopped without
// a reason of their own.
var errGroupEnded = errors.New("the order events stopped")

// groupBuffer is how many rendered events a member may have waiting to be
// written; one more and it is cut off as slow, so a member that stops
// reading never holds up the others. It is the event hub's bound
// (events.DefaultBuffer): a subscriber that keeps up with its own hub
// subscription keeps up in a group too. An idle member's queue is
// released, so the bound costs memory only while events wait.
const groupBuffer = 256

// renderGroups is the transport's registry of groups, by key.
type renderGroups struct {
	mu     sync.Mutex
	groups map[string]*renderGroup
}

func newRenderGroups() *renderGroups {
	return &renderGroups{groups: map[string]*renderGroup{}}
}

// renderGroup is one shared execution and its members.
type renderGroup struct {
	key    string
	owner  *renderGroups
	cancel context.CancelFunc

	mu      sync.Mutex // guards members and done
	members map[*groupMember]struct{}
	done    bool
}

// groupMember is one start's place in a group. It holds no goroutine
// while idle: the events handed to it wait in its queue, and a writer
// goroutine runs only while there are some, so an idle subscription costs
// its queue and nothing else.
type groupMember struct {
	send  func(renderedEvent) // writes one event to the socket (blocking)
	ended func(error)         // the group ended the member: called once its queue is written

	mu      sync.Mutex
	queue   []renderedEvent
	writing bool          // a writer goroutine runs
	held    bool          // events queue but are not written until release
	done    bool          // no more events: left, cut off or ended
	why     error         // why the group ended it (nil when it left)
	idle    chan struct{} // closed once done and no writer runs
}

// newGroupMember makes a held member: it may join its group (and so miss
// no event) before its start is acknowledged, and release then lets what
// it was handed meanwhile go to the socket after the acknowledgement.
func newGroupMember(send func(renderedEvent), ended func(error)) *groupMember {
	return &groupMember{send: send, ended: ended, held: true, idle: make(chan struct{})}
}

// release lets the member write: what is queued, and what comes; and a
// member stopped while held finishes now.
func (m *groupMember) release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.held {
		return
	}
	m.held = false
	if !m.writing && (len(m.queue) > 0 || m.done) {
		m.writing = true
		go m.write()
	}
}

// push queues ev and makes sure a writer runs. It reports false, queuing
// nothing, when the member has groupBuffer events waiting already.
func (m *groupMember) push(ev renderedEvent) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done {
		return true
	}
	if len(m.queue) >= groupBuffer {
		return false
	}
	m.queue = append(m.queue, ev)
	if !m.writing && !m.held {
		m.writing = true
		go m.write()
	}
	return true
}

// write writes the queue until it is empty, then ends (and finishes the
// member if it is done).
func (m *groupMember) write() {
	for {
		m.mu.Lock()
		if len(m.queue) == 0 {
			m.queue = nil // an idle member holds no buffer
			m.writing = false
			done, why := m.done, m.why
			m.mu.Unlock()
			if done {
				m.finish(why)
			}
			return
		}
		ev := m.queue[0]
		m.queue[0] = renderedEvent{}
		m.queue = m.queue[1:]
		m.mu.Unlock()
		m.send(ev)
	}
}

// stop ends the member: why != nil (the group ended it, or it fell behind)
// reaches ended once what is queued is written; why == nil (it left)
// drops the queue.
func (m *groupMember) stop(why error) {
	m.mu.Lock()
	if m.done {
		m.mu.Unlock()
		return
	}
	m.done, m.why = true, why
	if why == nil {
		m.queue = nil
	}
	busy := m.writing || m.held // the writer, or release, finishes it
	m.mu.Unlock()
	if !busy {
		go m.finish(why)
	}
}

// finish closes idle and reports why to ended.
func (m *groupMember) finish(why error) {
	close(m.idle)
	if why != nil {
		m.ended(why)
	}
}

// renderedEvent is one event as the wire carries it: the payload of a data
// frame, or, for an event too big to send, the error to send instead.
type renderedEvent struct {
	payload []byte
	tooBig  map[string]any
}

// groupKey is the key of the group a start may join, or "" when it must run
// on its own: a replay (afterVersion) is its own, and so is any operation
// but a single-field subscription.
func groupKey(who *shopgraph.Identity, params *graphql.RawParams, op *ast.OperationDefinition) string {
	if who == nil || op == nil || op.Operation != ast.Subscription || len(op.SelectionSet) != 1 {
		return ""
	}
	f, ok := op.SelectionSet[0].(*ast.Field)
	if !ok || replays(f, params.Variables) {
		return ""
	}
	vars, err := json.Marshal(params.Variables) // map keys sorted: one text per value
	if err != nil {
		return ""
	}
	groups, scopes := slices.Clone(who.Groups), slices.Clone(who.Scopes)
	slices.Sort(groups)
	slices.Sort(scopes)
	return strings.Join([]string{
		string(who.Mode), who.Issuer, who.Sub, who.KeyID, strings.Join(groups, ","), strings.Join(scopes, ","),
		params.OperationName, params.Query, string(vars),
	}, "\x00")
}

// replays reports whether the field is given an afterVersion (a literal, or
// a variable with a value).
func replays(f *ast.Field, vars map[string]any) bool {
	a := f.Arguments.ForName("afterVersion")
	switch {
	case a == nil || a.Value == nil:
		return false
	case a.Value.Kind == ast.Variable:
		return vars[a.Value.Raw] != nil
	}
	return a.Value.Kind != ast.NullValue
}

// stats counts the groups and their members.
func (rg *renderGroups) stats() (groups, members int) {
	rg.mu.Lock()
	defer rg.mu.Unlock()
	for _, g := range rg.groups {
		g.mu.Lock()
		if !g.done {
			groups++
			members += len(g.members)
		}
		g.mu.Unlock()
	}
	return groups, members
}

// groupStart dispatches a group's subscription on ctx, a context of the
// group's own (it ends with the group, not with any one connection): its
// events are pushed to broadcast rendered, and end ends the group. Its
// error refuses the join.
type groupStart func(ctx context.Context, broadcast func(renderedEvent), end func(error)) error

// join adds a member to the group of key, starting the group with start
// when there is none, on a context with values's values.
func (rg *renderGroups) join(key string, m *groupMember, values context.Context, start groupStart) (*renderGroup, error) {
	rg.mu.Lock()
	defer rg.mu.Unlock()
	if g := rg.groups[key]; g != nil {
		g.mu.Lock()
		if !g.done {
			g.members[m] = struct{}{}
			g.mu.Unlock()
			return g, nil
		}
		g.mu.Unlock()
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(values))
	// Made (with its member) before it starts: a pushed event may come
	// before start returns.
	g := &renderGroup{key: key, owner: rg, cancel: cancel, members: map[*groupMember]struct{}{m: {}}}
	if err := start(ctx, g.broadcast, g.end); err != nil {
		cancel()
		return nil, err
	}
	rg.groups[key] = g
	return g, nil
}

// broadcast hands ev to every member, cutting off those whose buffer is
// full.
func (g *renderGroup) broadcast(ev renderedEvent) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for m := range g.members {
		if !m.push(ev) {
			delete(g.members, m)
			m.stop(shopgraph.ErrSlowSubscriber)
		}
	}
	g.stopIfEmptyLocked()
}

// leave removes m (its subscription stopped); the last member to leave
// stops the group.
func (g *renderGroup) leave(m *groupMember) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.members[m]; !ok {
		return
	}
	delete(g.members, m)
	m.stop(nil)
	g.stopIfEmptyLocked()
}

// stopIfEmptyLocked stops a group without members and takes it out of
// the registry, so the next start of its key makes a new one. The caller
// holds g.mu.
func (g *renderGroup) stopIfEmptyLocked() {
	if len(g.members) > 0 || g.done {
		return
	}
	g.done = true
	g.cancel()
	go g.unregister()
}

// unregister takes g out of the registry (asynchronously: join holds the
// registry's lock while it takes a group's).
func (g *renderGroup) unregister() {
	g.owner.mu.Lock()
	if g.owner.groups[g.key] == g {
		delete(g.owner.groups, g.key)
	}
	g.owner.mu.Unlock()
}

// end ends every member with why.
func (g *renderGroup) end(why error) {
	g.mu.Lock()
	if why == nil {
		why = errGroupEnded
	}
	for m := range g.members {
		m.stop(why)
	}
	clear(g.members)
	if !g.done {
		g.done = true
		g.cancel()
		go g.unregister()
	}
	g.mu.Unlock()
}
