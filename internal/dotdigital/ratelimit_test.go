package dotdigital

import (
	"testing"
	"time"
)

// The pacer lets a quiet client's calls go at once, spreads a busy client's over the window at the
// budget's pace, and holds a call when nothing is left until the budget refills.
func TestTheTierPacerSpreadsABusyClientsCallsOverTheWindow(t *testing.T) {
	var p tierPacer
	now := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	op := operation("PUT", "/contacts/v3/import")
	if d := p.wait(op, now); d != 0 {
		t.Fatalf("a call of an operation no answer has placed in a tier waited %v", d)
	}
	// The first answer of the minute: 35 calls a minute, 34 left.
	p.observe(op, RateLimit{Scope: "Low", Limit: 35, Remaining: 34, Reset: now.Add(time.Minute)}, now)
	for i := range 6 {
		if d := p.wait(op, now); d != 0 {
			t.Fatalf("call %d of a quiet minute waited %v", i+2, d)
		}
	}
	// Ten seconds on, 20 left of 35 with 50 s to go is ahead of the pace: the next calls wait their turn,
	// a window's 60 s over 35 calls (1.7 s) after the one before.
	now = now.Add(10 * time.Second)
	p.observe(op, RateLimit{Scope: "Low", Limit: 35, Remaining: 20, Reset: now.Add(50 * time.Second)}, now)
	first, second := p.wait(op, now), p.wait(op, now)
	if first <= 0 || second-first < 1700*time.Millisecond || second-first > 1720*time.Millisecond {
		t.Fatalf("busy calls waited %v and %v", first, second)
	}
	if d := p.wait(operation("GET", "/contacts/v3/import/0a1b2c"), now); d != 0 {
		t.Fatalf("a call of another tier's operation waited %v", d)
	}
	// Headroom: how long until so many calls can go at once.
	if d := p.headroom("Low", 3, now); d < second+3*1700*time.Millisecond || d > second+3*1720*time.Millisecond {
		t.Fatalf("three calls at once can go after %v, want three turns after the last", d)
	}
	if d := p.headroom("Low", 40, now); d != 50*time.Second {
		t.Fatalf("more calls than are left can go after %v, want the refill", d)
	}
	if d := p.headroom("High", 3, now); d != 0 {
		t.Fatalf("calls of a tier never told of wait %v", d)
	}
	// Nothing left: the next call waits for the refill.
	p.observe(op, RateLimit{Scope: "Low", Limit: 35, Remaining: 0, Reset: now.Add(20 * time.Second)}, now)
	if d := p.wait(op, now); d != 20*time.Second {
		t.Fatalf("with nothing left a call waited %v, want the 20 s to the refill", d)
	}
	if d := p.wait(op, now.Add(21*time.Second)); d != 0 {
		t.Fatalf("after the refill a call waited %v", d)
	}
}
