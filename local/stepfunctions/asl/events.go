package asl

import (
	"fmt"
	"strings"
	"time"
)

// emit records one history event of thread th: it numbers it, calls
// Env.Event (never concurrently) and makes it th's previous event. A hook
// failure is returned (it stops the execution).
func (th *thread) emit(typ, field string, details map[string]any) (int64, error) {
	r := th.r
	r.mu.Lock()
	defer r.mu.Unlock()
	id := r.nextID
	ev := Event{ID: id, PreviousID: th.prevID, Timestamp: r.clock.Now(), Type: typ, DetailsField: field, Details: details}
	if r.env.Event != nil {
		if err := r.env.Event(ev); err != nil {
			return 0, fmt.Errorf("asl: event hook: %w", err)
		}
	}
	r.nextID++
	th.prevID = id
	return id, nil
}

// jsonDetails is the {"truncated": false} member beside an input or output.
func jsonDetails() map[string]any { return map[string]any{"truncated": false} }

func stateEntered(name string, input any) map[string]any {
	return map[string]any{"name": name, "input": encodeJSON(input), "inputDetails": jsonDetails()}
}

func stateExited(name string, output any, assigned map[string]any) map[string]any {
	d := map[string]any{"name": name, "output": encodeJSON(output), "outputDetails": jsonDetails()}
	if assigned != nil {
		vars := make(map[string]any, len(assigned))
		for k, v := range assigned {
			vars[k] = encodeJSON(v)
		}
		d["assignedVariables"] = vars
		d["assignedVariablesDetails"] = jsonDetails()
	}
	return d
}

// resourceParts splits a Task resource as AWS's Task* events name it:
// "arn:aws:states:::aws-sdk:s3:headBucket" is ("aws-sdk:s3", "headBucket").
func resourceParts(resource string) (resourceType, name string) {
	rest, ok := strings.CutPrefix(resource, "arn:aws:states:::")
	if !ok {
		return "", resource
	}
	i := strings.LastIndex(rest, ":")
	if i < 0 {
		return rest, ""
	}
	return rest[:i], rest[i+1:]
}

// isLambdaARN reports a plain Lambda function ARN, for which AWS records
// LambdaFunction* events instead of Task* events.
func isLambdaARN(resource string) bool {
	return strings.HasPrefix(resource, "arn:aws:lambda:")
}

// regionOf is the region of an ARN ("" when it has none).
func regionOf(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 4 {
		return ""
	}
	return parts[3]
}

// awsTime formats a timestamp as AWS's context object does.
func awsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
