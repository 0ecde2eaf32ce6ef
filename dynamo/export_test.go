package dynamo

import "time"

// SetRetryPolicy replaces s's UnprocessedKeys/UnprocessedItems backoff, so
// tests of exhausted retries need not wait for the real one.
func SetRetryPolicy(s *Store, base, cap time.Duration, attempts int) {
	s.backoff = newBackoff(base, cap, attempts)
}

// DefaultRetryAttempts is the number of requests per batch before giving up.
var DefaultRetryAttempts = defaultBackoff().attempts

// IsConditionFailed is isConditionFailed, for tests against the emulators.
var IsConditionFailed = isConditionFailed
