package cli

import (
	"bytes"
	"strings"
	"testing"
)

// A log line written while bars are drawn erases them first, and the next draw starts below the log
// line: the screen shows the log line once and each stream's line once.
func TestALogLineDuringProgressIsNotDrawnOver(t *testing.T) {
	var term bytes.Buffer // standard output and standard error on one terminal
	s := NewScreen(&term)
	s.Draw([]string{"customers 10 of 100", "orders pending"})
	if _, err := s.Writer(&term).Write([]byte("level=WARN msg=slow\n")); err != nil {
		t.Fatal(err)
	}
	s.Draw([]string{"customers 20 of 100", "orders pending"})

	want := "\x1b[2Kcustomers 10 of 100\n\x1b[2Korders pending\n" + // the first draw
		"\x1b[2A\x1b[J" + "level=WARN msg=slow\n" + // erased, then the log line
		"\x1b[2Kcustomers 20 of 100\n\x1b[2Korders pending\n" // drawn below it, not moved up over it
	if got := term.String(); got != want {
		t.Fatalf("the terminal got\n%q\nwant\n%q", got, want)
	}
	// Drawn again without a log line between: in place.
	s.Draw([]string{"customers 30 of 100", "orders pending"})
	if !strings.HasSuffix(term.String(), "\x1b[2A\x1b[2Kcustomers 30 of 100\n\x1b[2Korders pending\n") {
		t.Fatalf("a redraw is not in place: %q", term.String())
	}
}
