package dynamodb

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
	"github.com/shopgraph/shopgraph/local/dynamodb/expr"
)

// Transaction limits.
const (
	maxTransactItems = 100
	tokenWindow      = 10 * time.Minute
)

type txAction struct {
	TableName                           string
	Key                                 attr.Item
	Item                                attr.Item
	ConditionExpression                 *string
	UpdateExpression                    *string
	ReturnValuesOnConditionCheckFailure string
	exprInput
}

type transactWriteInput struct {
	TransactItems []struct {
		ConditionCheck *txAction
		Put            *txAction
		Delete         *txAction
		Update         *txAction
	}
	ClientRequestToken          *string
	ReturnConsumedCapacity      string
	ReturnItemCollectionMetrics string
}

// txOp is one validated TransactWriteItems action.
type txOp struct {
	kind    string // ConditionCheck, Put, Delete, Update
	t       *table
	a       *txAction
	key     []byte
	cond    *expr.Condition
	upd     *expr.Update
	size    int   // Put: the item's size
	invalid error // a validation error reported as this action's CancellationReason
}

func transactLengthError(n int) error {
	if n == 0 {
		return validation("1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	return validationf("Member must have length less than or equal to %d", maxTransactItems)
}

// prepare validates one action (errors about the request itself are
// returned; errors about its key or item are recorded in op.invalid).
func (db *DB) prepareTxOp(kind string, a *txAction) (*txOp, error) {
	if err := checkTableName(a.TableName); err != nil {
		return nil, err
	}
	if err := checkRVOnFailure(a.ReturnValuesOnConditionCheckFailure); err != nil {
		return nil, err
	}
	op := &txOp{kind: kind, a: a}
	p, err := a.params()
	if err != nil {
		return nil, err
	}
	if kind == "Update" {
		if a.UpdateExpression == nil {
			return nil, validation("1 validation error detected: Value null at 'transactItems.member.update.updateExpression' failed to satisfy constraint: Member must not be null")
		}
		if op.upd, err = expr.ParseUpdate(*a.UpdateExpression, p); err != nil {
			return nil, err
		}
	}
	if kind == "ConditionCheck" && a.ConditionExpression == nil {
		return nil, validation("1 validation error detected: Value null at 'transactItems.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null")
	}
	if op.cond, err = parseCondition(a.ConditionExpression, p); err != nil {
		return nil, err
	}
	if err := p.CheckUnused(); err != nil {
		return nil, err
	}
	if op.t, err = db.lookup(a.TableName); err != nil {
		return nil, err
	}
	if kind == "Put" {
		if a.Item == nil {
			return nil, validation("1 validation error detected: Value null at 'transactItems.member.put.item' failed to satisfy constraint: Member must not be null")
		}
		if err := op.t.sizeAndKeysPresent(a.Item); err != nil {
			return nil, err
		}
		op.key, op.size, op.invalid = op.t.checkItem(a.Item, false)
	} else {
		op.key, op.invalid = op.t.keyOf(a.Key)
	}
	if op.invalid == nil && kind == "Update" {
		op.invalid = checkUpdatePaths(op.t, op.upd)
	}
	return op, nil
}

// requestHash identifies a TransactWriteItems request for its token: the
// hash of its canonical JSON (the SDK's encoding of maps varies).
func requestHash(in *transactWriteInput) ([]byte, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(b)
	return h[:], nil
}

func (db *DB) transactWriteItems(ctx context.Context, body []byte) ([]byte, error) {
	var in transactWriteInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if n := len(in.TransactItems); n == 0 || n > maxTransactItems {
		return nil, transactLengthError(n)
	}
	if err := checkCapacityMode(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	if in.ClientRequestToken != nil && *in.ClientRequestToken == "" {
		in.ClientRequestToken = nil
	}
	if in.ClientRequestToken != nil && len(*in.ClientRequestToken) > 36 {
		return nil, validation("1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36")
	}
	var tables []string
	kinds := make([]string, len(in.TransactItems))
	actions := make([]*txAction, len(in.TransactItems))
	for i, ti := range in.TransactItems {
		n := 0
		for kind, a := range map[string]*txAction{"ConditionCheck": ti.ConditionCheck, "Put": ti.Put, "Delete": ti.Delete, "Update": ti.Update} {
			if a != nil {
				n++
				kinds[i], actions[i] = kind, a
			}
		}
		if n != 1 {
			return nil, validation("TransactItems can only contain one of Check, Put, Update or Delete")
		}
		if !contains(tables, actions[i].TableName) {
			tables = append(tables, actions[i].TableName)
		}
	}
	if _, err := db.checkFaults(ctx, "TransactWriteItems", tables...); err != nil {
		return nil, err
	}
	ops := make([]*txOp, len(actions))
	seen := map[string]bool{}
	for i, a := range actions {
		op, err := db.prepareTxOp(kinds[i], a)
		if err != nil {
			return nil, err
		}
		if op.invalid == nil {
			id := a.TableName + "\x00" + string(op.key)
			if seen[id] {
				return nil, validation("Transaction request cannot include multiple operations on one item")
			}
			seen[id] = true
		}
		ops[i] = op
	}
	var token, hash []byte
	var err error
	if in.ClientRequestToken != nil {
		token = []byte(*in.ClientRequestToken)
		if hash, err = requestHash(&in); err != nil {
			return nil, err
		}
	}
	now := db.now()
	var clientErr error
	err = db.checkedUpdate(ctx, true, func(tx *bolt.Tx) error {
		clientErr = nil
		if token != nil {
			if v := tx.Bucket(tokensBucket).Get(token); len(v) == 8+len(hash) &&
				int64(binary.BigEndian.Uint64(v)) > now.UnixNano() {
				if string(v[8:]) != string(hash) {
					clientErr = dynamoErr("IdempotentParameterMismatchException", "The request uses the same client token as a previous, but non-identical request.")
				}
				return nil // already applied
			}
		}
		reasons := make([]cancelReason, len(ops))
		failed := false
		olds := make([]attr.Item, len(ops))
		oldSizes := make([]int, len(ops))
		news := make([]attr.Item, len(ops))
		newSizes := make([]int, len(ops))
		for i, op := range ops {
			reasons[i] = cancelReason{Code: "None"}
			if op.invalid != nil {
				msg, _ := clientMsg(op.invalid)
				reasons[i] = cancelReason{Code: "ValidationError", Message: msg}
				failed = true
				continue
			}
			old, osz, raw, err := getStored(tx, op.t, op.key)
			if err != nil {
				return err
			}
			olds[i], oldSizes[i] = old, osz
			ok, err := evalCondition(op.cond, old)
			if err != nil {
				clientErr = err
				return nil
			}
			if !ok {
				r := cancelReason{Code: "ConditionalCheckFailed", Message: "The conditional request failed"}
				if op.a.ReturnValuesOnConditionCheckFailure == "ALL_OLD" && raw != nil {
					r.Item = append([]byte(nil), storedJSON(raw)...)
				}
				reasons[i] = r
				failed = true
				continue
			}
			switch op.kind {
			case "Put":
				news[i], newSizes[i] = op.a.Item, op.size
			case "Update":
				nw, err := applyUpdate(op.t, op.upd, op.a.Key, old)
				if err != nil {
					clientErr = err
					return nil
				}
				_, size, err := op.t.checkItem(nw, true)
				if err != nil {
					clientErr = err
					return nil
				}
				news[i], newSizes[i] = nw, size
			}
		}
		if failed {
			codes := make([]string, len(reasons))
			for i, r := range reasons {
				codes[i] = r.Code
			}
			e := dynamoErr("TransactionCanceledException", "Transaction cancelled, please refer cancellation reasons for specific reasons ["+strings.Join(codes, ", ")+"]")
			e.reasons = reasons
			clientErr = e
			return nil
		}
		if !tx.Writable() {
			return nil
		}
		for i, op := range ops {
			switch op.kind {
			case "Put", "Update":
				if err := writeItem(tx, op.t, op.key, olds[i], oldSizes[i], news[i], newSizes[i]); err != nil {
					return err
				}
			case "Delete":
				if olds[i] != nil {
					if err := writeItem(tx, op.t, op.key, olds[i], oldSizes[i], nil, 0); err != nil {
						return err
					}
				}
			}
		}
		if token != nil {
			v := binary.BigEndian.AppendUint64(nil, uint64(now.Add(tokenWindow).UnixNano()))
			if err := tx.Bucket(tokensBucket).Put(token, append(v, hash...)); err != nil {
				return err
			}
		}
		return nil
	}, &clientErr)
	if err != nil {
		return nil, err
	}
	if clientErr != nil {
		return nil, clientErr
	}
	var r resp
	var caps []map[string]any
	for _, name := range tables {
		units := 0.0
		for _, op := range ops {
			if op.a.TableName == name {
				units += 2 * writeUnits(op.size)
			}
		}
		if c := capacity(in.ReturnConsumedCapacity, name, units); c != nil {
			caps = append(caps, c)
		}
	}
	if caps != nil {
		if err := r.value("ConsumedCapacity", caps); err != nil {
			return nil, err
		}
	}
	return r.bytes(), nil
}

type transactGetInput struct {
	TransactItems []struct {
		Get *struct {
			TableName                string
			Key                      attr.Item
			ProjectionExpression     *string
			ExpressionAttributeNames map[string]string
		}
	}
	ReturnConsumedCapacity string
}

func (db *DB) transactGetItems(ctx context.Context, body []byte) ([]byte, error) {
	var in transactGetInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if n := len(in.TransactItems); n == 0 || n > maxTransactItems {
		return nil, transactLengthError(n)
	}
	if err := checkCapacityMode(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	var tables []string
	for _, ti := range in.TransactItems {
		if ti.Get == nil {
			return nil, validation("1 validation error detected: Value null at 'transactItems.member.get' failed to satisfy constraint: Member must not be null")
		}
		if err := checkTableName(ti.Get.TableName); err != nil {
			return nil, err
		}
		if !contains(tables, ti.Get.TableName) {
			tables = append(tables, ti.Get.TableName)
		}
	}
	if _, err := db.checkFaults(ctx, "TransactGetItems", tables...); err != nil {
		return nil, err
	}
	type get struct {
		t    *table
		key  []byte
		proj *expr.Projection
	}
	gets := make([]get, len(in.TransactItems))
	seen := map[string]bool{}
	for i, ti := range in.TransactItems {
		g := ti.Get
		p, err := newParams(g.ExpressionAttributeNames, nil)
		if err != nil {
			return nil, err
		}
		proj, err := parseProjection(g.ProjectionExpression, p)
		if err != nil {
			return nil, err
		}
		if err := p.CheckUnused(); err != nil {
			return nil, err
		}
		t, err := db.lookup(g.TableName)
		if err != nil {
			return nil, err
		}
		key, err := t.keyOf(g.Key)
		if err != nil {
			// DynamoDB Local cancels the transaction (with no reasons).
			msg, _ := clientMsg(err)
			return nil, dynamoErr("TransactionCanceledException", msg)
		}
		id := g.TableName + "\x00" + string(key)
		if seen[id] {
			return nil, validation("Transaction request cannot include multiple operations on one item")
		}
		seen[id] = true
		gets[i] = get{t: t, key: key, proj: proj}
	}
	out := []byte{'['}
	err := db.view(func(tx *bolt.Tx) error {
		out = out[:1]
		for i, g := range gets {
			if i > 0 {
				out = append(out, ',')
			}
			b := tx.Bucket(g.t.bucket)
			if b == nil {
				return errTableNotFound()
			}
			v := b.Get(g.key)
			if v == nil {
				out = append(out, "{}"...)
				continue
			}
			out = append(out, `{"Item":`...)
			if g.proj == nil {
				out = append(out, storedJSON(v)...)
			} else {
				it, err := decodeStored(v)
				if err != nil {
					return err
				}
				out = attr.AppendItemJSON(out, g.proj.Apply(it))
			}
			out = append(out, '}')
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var r resp
	r.raw("Responses", append(out, ']'))
	var caps []map[string]any
	for _, name := range tables {
		n := 0
		for _, g := range gets {
			if g.t.name() == name {
				n++
			}
		}
		if c := capacity(in.ReturnConsumedCapacity, name, float64(2*n)); c != nil {
			caps = append(caps, c)
		}
	}
	if caps != nil {
		if err := r.value("ConsumedCapacity", caps); err != nil {
			return nil, err
		}
	}
	return r.bytes(), nil
}
