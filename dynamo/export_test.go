package dynamo

import "time"

// SetRetryPolicy replaces s's UnprocessedKeys/UnprocessedItems backoff, so
// tests of exhausted retries need not wait for the real one.
func SetRetryPolicy(s *Store, base, cap time.Duration, attempts int) {
	s.backoff = backoff{base: base, cap: cap, attempts: attempts}
}

// DefaultRetryAttempts is the number of requests per batch before giving up.
var DefaultRetryAttempts = defaultBackoff().attempts
