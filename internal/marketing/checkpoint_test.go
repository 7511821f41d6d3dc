package marketing

import "testing"

func TestCheckpointMovesOnlyPastAContiguousAcceptedPrefix(t *testing.T) {
	c := newCheckpoint("t0")
	b1, b2, b3 := c.open("t1"), c.open("t2"), c.open("t3")
	if cur, moved := c.accept(b2); moved || cur != "t0" {
		t.Fatalf("accepting the second batch first moved the cursor to %s", cur)
	}
	if cur, moved := c.accept(b1); !moved || cur != "t2" {
		t.Fatalf("after the first batch: %s %v, want t2", cur, moved)
	}
	c.extend(b3, "t4")
	if cur, _ := c.accept(b3); cur != "t4" || c.pending() != 0 {
		t.Fatalf("after the last batch: %s, pending %d", cur, c.pending())
	}
}
