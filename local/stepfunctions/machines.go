package stepfunctions

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/shopgraph/shopgraph/local/stepfunctions/asl"
)

type createStateMachineInput struct {
	Name                 string          `json:"name"`
	Definition           string          `json:"definition"`
	RoleArn              string          `json:"roleArn"`
	Type                 string          `json:"type"`
	LoggingConfiguration json.RawMessage `json:"loggingConfiguration"`
	TracingConfiguration json.RawMessage `json:"tracingConfiguration"`
	Publish              bool            `json:"publish"`
	Tags                 json.RawMessage `json:"tags"`
	VersionDescription   string          `json:"versionDescription"`
}

// parseDefinition parses a definition for this service: InvalidDefinition
// when AWS (or this service's integrations) would reject it.
func (s *Service) parseDefinition(text string) (*asl.Definition, error) {
	if text == "" {
		return nil, clientErr("ValidationException", "1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must not be null")
	}
	d, err := asl.Parse([]byte(text), s.parseOptions())
	if err != nil {
		return nil, invalidDefinition(err)
	}
	return d, nil
}

// checkRole checks that role is an IAM role ARN (it is not assumed
// locally).
func checkRole(role string) error {
	if !strings.HasPrefix(role, "arn:") || !strings.Contains(role, ":role/") {
		return clientErr("InvalidArn", "Invalid Arn: 'Role ARN is not valid: %s'", role)
	}
	return nil
}

func (s *Service) createStateMachine(ctx context.Context, body []byte) (any, error) {
	var in createStateMachineInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkName(in.Name); err != nil {
		return nil, err
	}
	switch in.Type {
	case "", "STANDARD":
	case "EXPRESS":
		return nil, clientErr("ValidationException", "The local Step Functions runs STANDARD state machines only, not EXPRESS")
	default:
		return nil, clientErr("ValidationException", "1 validation error detected: Value '%s' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]", in.Type)
	}
	if in.Publish {
		return nil, clientErr("ValidationException", "The local Step Functions does not support state machine versions (publish)")
	}
	if err := checkRole(in.RoleArn); err != nil {
		return nil, err
	}
	def, err := s.parseDefinition(in.Definition)
	if err != nil {
		return nil, err
	}
	hash := definitionHash(in.Definition)
	rec := machineRec{Name: in.Name, ARN: s.arnPrefix("stateMachine") + in.Name, DefHash: hash, RoleARN: in.RoleArn, Type: "STANDARD",
		Created: s.clock.Now(), RevisionID: hash[:32], Logging: in.LoggingConfiguration, Tracing: in.TracingConfiguration}
	var existing *machineRec
	err = s.commits.Update(ctx, func(tx *bolt.Tx) error {
		var err error
		if existing, err = getJSON[machineRec](tx, bucketMachines, in.Name); err != nil || existing != nil {
			return err
		}
		if err := tx.Bucket(bucketDefinitions).Put([]byte(hash), []byte(in.Definition)); err != nil {
			return err
		}
		return putJSON(tx, bucketMachines, in.Name, rec)
	})
	if err != nil {
		return nil, err
	}
	if existing != nil {
		// CreateStateMachine is idempotent for the same definition and role.
		if existing.DefHash != hash || existing.RoleARN != in.RoleArn {
			return nil, clientErr("StateMachineAlreadyExists", "State Machine Already Exists: '%s'", existing.ARN)
		}
		rec = *existing
	}
	s.cacheDefinition(hash, def)
	return map[string]any{"stateMachineArn": rec.ARN, "creationDate": epoch(rec.Created)}, nil
}

func (s *Service) cacheDefinition(hash string, d *asl.Definition) {
	s.defMu.Lock()
	s.defs[hash] = d
	s.defMu.Unlock()
}

type machineARNInput struct {
	StateMachineArn string `json:"stateMachineArn"`
}

// machine reads the state machine arn names.
func (s *Service) machine(arn string) (*machineRec, string, error) {
	name, err := s.machineName(arn)
	if err != nil {
		return nil, "", err
	}
	var rec *machineRec
	var text string
	err = s.bolt.View(func(tx *bolt.Tx) error {
		var err error
		if rec, err = getJSON[machineRec](tx, bucketMachines, name); err != nil || rec == nil {
			return err
		}
		text = string(tx.Bucket(bucketDefinitions).Get([]byte(rec.DefHash)))
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	if rec == nil {
		return nil, "", clientErr("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn)
	}
	return rec, text, nil
}

func (s *Service) describeStateMachine(_ context.Context, body []byte) (any, error) {
	var in machineARNInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	rec, text, err := s.machine(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	out := map[string]any{
		"stateMachineArn": rec.ARN, "name": rec.Name, "status": "ACTIVE", "definition": text, "roleArn": rec.RoleARN,
		"type": rec.Type, "creationDate": epoch(rec.Created), "revisionId": rec.RevisionID,
		"loggingConfiguration": rawOr(rec.Logging, `{"level":"OFF","includeExecutionData":false}`),
		"tracingConfiguration": rawOr(rec.Tracing, `{"enabled":false}`),
	}
	return out, nil
}

func rawOr(raw json.RawMessage, def string) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage(def)
	}
	return raw
}

type updateStateMachineInput struct {
	StateMachineArn      string          `json:"stateMachineArn"`
	Definition           *string         `json:"definition"`
	RoleArn              *string         `json:"roleArn"`
	LoggingConfiguration json.RawMessage `json:"loggingConfiguration"`
	TracingConfiguration json.RawMessage `json:"tracingConfiguration"`
	Publish              bool            `json:"publish"`
}

// updateStateMachine changes the definition or role; running executions
// keep the definition they started with, as on AWS.
func (s *Service) updateStateMachine(ctx context.Context, body []byte) (any, error) {
	var in updateStateMachineInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := s.machineName(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if in.Definition == nil && in.RoleArn == nil && in.LoggingConfiguration == nil && in.TracingConfiguration == nil {
		return nil, clientErr("MissingRequiredParameter", "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified")
	}
	if in.Publish {
		return nil, clientErr("ValidationException", "The local Step Functions does not support state machine versions (publish)")
	}
	var def *asl.Definition
	var hash string
	if in.Definition != nil {
		if def, err = s.parseDefinition(*in.Definition); err != nil {
			return nil, err
		}
		hash = definitionHash(*in.Definition)
	}
	if in.RoleArn != nil {
		if err := checkRole(*in.RoleArn); err != nil {
			return nil, err
		}
	}
	now := s.clock.Now()
	var rec *machineRec
	err = s.commits.Update(ctx, func(tx *bolt.Tx) error {
		var err error
		if rec, err = getJSON[machineRec](tx, bucketMachines, name); err != nil || rec == nil {
			return err
		}
		if def != nil {
			if err := tx.Bucket(bucketDefinitions).Put([]byte(hash), []byte(*in.Definition)); err != nil {
				return err
			}
			rec.DefHash, rec.RevisionID = hash, hash[:32]
		}
		if in.RoleArn != nil {
			rec.RoleARN = *in.RoleArn
		}
		if in.LoggingConfiguration != nil {
			rec.Logging = in.LoggingConfiguration
		}
		if in.TracingConfiguration != nil {
			rec.Tracing = in.TracingConfiguration
		}
		rec.Updated = now
		return putJSON(tx, bucketMachines, name, rec)
	})
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, clientErr("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", in.StateMachineArn)
	}
	if def != nil {
		s.cacheDefinition(hash, def)
	}
	return map[string]any{"updateDate": epoch(now), "revisionId": rec.RevisionID}, nil
}

type listInput struct {
	MaxResults int    `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

func (s *Service) listStateMachines(_ context.Context, body []byte) (any, error) {
	var in listInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit, err := pageSize(in.MaxResults)
	if err != nil {
		return nil, err
	}
	after, err := decodeToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	list := []any{}
	next := ""
	err = s.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMachines).Cursor()
		k, v := c.First()
		if after != "" {
			k, v = c.Seek([]byte(after))
			if k != nil && string(k) == after {
				k, v = c.Next()
			}
		}
		for ; k != nil; k, v = c.Next() {
			if len(list) == limit {
				next = encodeToken(string(list[len(list)-1].(map[string]any)["name"].(string)))
				return nil
			}
			var rec machineRec
			if err := json.Unmarshal(v, &rec); err != nil {
				return err
			}
			list = append(list, map[string]any{"stateMachineArn": rec.ARN, "name": rec.Name, "type": rec.Type, "creationDate": epoch(rec.Created)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]any{"stateMachines": list}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

// deleteStateMachine deletes a state machine at once; its executions, and
// those still running, stay readable (and the running ones finish).
func (s *Service) deleteStateMachine(ctx context.Context, body []byte) (any, error) {
	var in machineARNInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := s.machineName(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	err = s.commits.Update(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMachines).Delete([]byte(name))
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

type validateInput struct {
	Definition string `json:"definition"`
	Type       string `json:"type"`
	MaxResults int    `json:"maxResults"`
}

func (s *Service) validateDefinition(_ context.Context, body []byte) (any, error) {
	var in validateInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	diagnostics := []any{}
	_, err := asl.Parse([]byte(in.Definition), s.parseOptions())
	if ve, ok := errors.AsType[*asl.ValidationError](err); ok {
		for _, p := range ve.Problems {
			d := map[string]any{"severity": "ERROR", "code": problemCode(p), "message": p.Message}
			if p.Location != "" {
				d["location"] = p.Location
			}
			diagnostics = append(diagnostics, d)
		}
	} else if err != nil {
		diagnostics = append(diagnostics, map[string]any{"severity": "ERROR", "code": "INVALID_JSON_DESCRIPTION", "message": err.Error()})
	}
	result := "OK"
	if len(diagnostics) > 0 {
		result = "FAIL"
	}
	return map[string]any{"result": result, "diagnostics": diagnostics, "truncated": false}, nil
}

// encodeToken and decodeToken make opaque pagination tokens.
func encodeToken(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeToken(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) == 0 {
		return "", clientErr("InvalidToken", "Invalid Token: 'The nextToken is not one this service issued'")
	}
	return string(b), nil
}
