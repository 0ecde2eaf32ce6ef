package expr

import (
	"github.com/shopgraph/shopgraph/local/dynamodb/attr"
)

// KeyOp is the sort-key operator of a key condition.
type KeyOp int

// The sort-key operators a key condition may use.
const (
	KeyEQ KeyOp = iota
	KeyLT
	KeyLE
	KeyGT
	KeyGE
	KeyBetween
	KeyBeginsWith
)

// KeyCondition is a parsed KeyConditionExpression: the partition key's
// value and, when SortName is not "", one condition on the sort key. The
// server checks that the values have the key attributes' types.
type KeyCondition struct {
	PartitionName string
	Partition     attr.Value
	SortName      string
	SortOp        KeyOp
	Sort          []attr.Value // one value, or two for KeyBetween
}

const keyParam = "KeyConditionExpression"

// ParseKeyCondition parses a KeyConditionExpression for a table or index
// whose partition key is hashKey and whose sort key is rangeKey ("" when
// it has none). Errors carry DynamoDB's full messages.
func ParseKeyCondition(src string, p *Params, hashKey, rangeKey string) (*KeyCondition, error) {
	kc, err := parseKeyCondition(src, p, hashKey, rangeKey)
	return kc, withPrefix(keyParam, err)
}

// keyLeaf is one condition of a key condition: name op values.
type keyLeaf struct {
	name   string
	op     KeyOp
	values []attr.Value
}

func parseKeyCondition(src string, p *Params, hashKey, rangeKey string) (*KeyCondition, error) {
	root, err := parseConditionTree(src, p)
	if err != nil {
		return nil, err
	}
	if err := checkCondition(root); err != nil {
		return nil, err
	}
	var parsed []keyLeaf
	var collect func(n *node) error
	collect = func(n *node) error {
		switch n.kind {
		case nAnd:
			for _, a := range n.args {
				if err := collect(a); err != nil {
					return err
				}
			}
			return nil
		case nOr, nNot:
			op := "OR"
			if n.kind == nNot {
				op = "NOT"
			}
			return bareError("Invalid operator used in KeyConditionExpression: " + op)
		case nIn:
			return bareError("Invalid operator used in KeyConditionExpression: IN")
		case nCompare:
			if n.op == "<>" {
				return bareError("Invalid operator used in KeyConditionExpression: <>")
			}
		case nCall:
			if n.op != "begins_with" {
				return bareError("Invalid operator used in KeyConditionExpression: " + n.op)
			}
		}
		leaf, err := keyConditionLeaf(n, hashKey, rangeKey)
		if err != nil {
			return err
		}
		parsed = append(parsed, leaf)
		return nil
	}
	if err := collect(root); err != nil {
		return nil, err
	}
	if len(parsed) > 2 {
		return nil, bareError("Conditions can be of length 1 or 2 only")
	}
	if len(parsed) == 2 && parsed[0].name == parsed[1].name {
		return nil, bareError("KeyConditionExpressions must only contain one condition per key")
	}
	kc := &KeyCondition{}
	for _, l := range parsed {
		switch {
		case l.name == hashKey:
			if l.op != KeyEQ {
				return nil, bareError("Query key condition not supported")
			}
			kc.PartitionName, kc.Partition = l.name, l.values[0]
		case rangeKey != "" && l.name == rangeKey:
			kc.SortName, kc.SortOp, kc.Sort = l.name, l.op, l.values
		default:
			return nil, bareError("Query condition missed key schema element")
		}
	}
	if kc.PartitionName == "" {
		return nil, bareError("Query condition missed key schema element")
	}
	return kc, nil
}

// keyConditionLeaf reads one comparison, BETWEEN or begins_with of a key
// condition: exactly one top-level attribute name, compared with values.
func keyConditionLeaf(n *node, hashKey, rangeKey string) (keyLeaf, error) {
	var names []Path
	var values []attr.Value
	for _, a := range n.args {
		switch a.kind {
		case nPath:
			names = append(names, a.path)
		case nValue:
			values = append(values, a.value)
		default:
			return keyLeaf{}, bareError("KeyConditionExpressions cannot contain nested operations")
		}
	}
	switch {
	case len(names) == 0:
		return keyLeaf{}, bareError("Invalid condition in KeyConditionExpression: No key attribute specified")
	case len(names) > 1:
		return keyLeaf{}, bareError("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition")
	}
	path := names[0]
	if len(path) > 1 {
		if path[0].Name == hashKey || (rangeKey != "" && path[0].Name == rangeKey) {
			return keyLeaf{}, bareError("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: " + path[0].Name)
		}
		return keyLeaf{}, bareError("KeyConditionExpressions cannot have conditions on nested attributes")
	}
	leaf := keyLeaf{name: path[0].Name, values: values}
	switch n.kind {
	case nBetween:
		if n.args[0].kind != nPath {
			// v BETWEEN k AND w: not a condition on the key's range.
			return keyLeaf{}, bareError("Query key condition not supported")
		}
		leaf.op = KeyBetween
	case nCall: // begins_with
		if n.args[0].kind != nPath {
			return keyLeaf{}, bareError("Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand")
		}
		leaf.op = KeyBeginsWith
	default:
		flipped := n.args[0].kind != nPath // :v < k means k > :v
		leaf.op = compareOp(n.op, flipped)
	}
	return leaf, nil
}

func compareOp(op string, flipped bool) KeyOp {
	switch op {
	case "<":
		if flipped {
			return KeyGT
		}
		return KeyLT
	case "<=":
		if flipped {
			return KeyGE
		}
		return KeyLE
	case ">":
		if flipped {
			return KeyLT
		}
		return KeyGT
	case ">=":
		if flipped {
			return KeyLE
		}
		return KeyGE
	}
	return KeyEQ
}

// MatchSort reports whether a key value satisfies the sort-key condition (for
// servers that filter rather than seek). partition is not checked.
func (kc *KeyCondition) MatchSort(v attr.Value) bool {
	if kc.SortName == "" {
		return true
	}
	switch kc.SortOp {
	case KeyBeginsWith:
		w := kc.Sort[0]
		switch {
		case v.Kind == attr.S && w.Kind == attr.S:
			return len(v.Str) >= len(w.Str) && v.Str[:len(w.Str)] == w.Str
		case v.Kind == attr.B && w.Kind == attr.B:
			return len(v.Bin) >= len(w.Bin) && string(v.Bin[:len(w.Bin)]) == string(w.Bin)
		}
		return false
	case KeyBetween:
		c1, ok1 := attr.Compare(kc.Sort[0], v)
		c2, ok2 := attr.Compare(v, kc.Sort[1])
		return ok1 && ok2 && c1 <= 0 && c2 <= 0
	}
	c, ok := attr.Compare(v, kc.Sort[0])
	if !ok {
		return false
	}
	switch kc.SortOp {
	case KeyLT:
		return c < 0
	case KeyLE:
		return c <= 0
	case KeyGT:
		return c > 0
	case KeyGE:
		return c >= 0
	}
	return c == 0
}
