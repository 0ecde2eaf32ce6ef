package appsync

import (
	"testing"
	"time"
)

func TestMarshalAWSDateTimeValue(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 500_000_000, time.FixedZone("x", 3600))
	if got, want := marshalled(MarshalAWSDateTimeValue(at)), `"2026-01-02T02:04:05.5Z"`; got != want {
		t.Errorf("got %s, want %s (UTC, fraction as needed)", got, want)
	}
	back, err := UnmarshalAWSDateTimeValue("2026-01-02T02:04:05.5Z")
	if err != nil || !back.Equal(at) {
		t.Errorf("round trip = %v, %v; want %v", back, err, at)
	}
	if _, err := UnmarshalAWSDateTimeValue("2026-01-02"); err == nil {
		t.Error("a date without time was accepted")
	}
}

func TestMarshalAWSJSONObject(t *testing.T) {
	if got := marshalled(MarshalAWSJSONObject(map[string]any{"b": 1, "a": "x"})); got != `"{\"a\":\"x\",\"b\":1}"` {
		t.Errorf("got %s", got)
	}
	if got := marshalled(MarshalAWSJSONObject(nil)); got != "null" {
		t.Errorf("nil map: got %s, want null", got)
	}
	m, err := UnmarshalAWSJSONObject(`{"a":[1]}`)
	if err != nil || len(m) != 1 {
		t.Errorf("object: %v, %v", m, err)
	}
	for _, bad := range []any{`[1]`, `null`, `1`, `{`, 7} {
		if _, err := UnmarshalAWSJSONObject(bad); err == nil {
			t.Errorf("%v accepted as an object", bad)
		}
	}
}
