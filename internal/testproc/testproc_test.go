package testproc

import "testing"

func TestTailBuffer(t *testing.T) {
	b := &TailBuffer{Max: 5}
	b.Write([]byte("abc"))
	b.Write([]byte("defg"))
	if b.String() != "cdefg" {
		t.Errorf("tail %q", b.String())
	}
}
