package cli

import (
	"fmt"
	"io"
	"sync"
)

// Screen is a terminal shared by progress drawn in place and log lines. A log line written while
// progress is drawn erases the drawn lines first, so the next draw starts below the log line instead
// of drawing over it (which left a stream's line twice on the screen).
type Screen struct {
	mu    sync.Mutex
	out   io.Writer
	lines int // lines of progress drawn last, counted from the cursor up
}

// NewScreen draws progress on out.
func NewScreen(out io.Writer) *Screen { return &Screen{out: out} }

// Draw replaces the progress drawn last with lines.
func (s *Screen) Draw(lines []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lines > 0 {
		fmt.Fprintf(s.out, "\x1b[%dA", s.lines)
	}
	for _, l := range lines {
		fmt.Fprintf(s.out, "\x1b[2K%s\n", l)
	}
	s.lines = len(lines)
}

// Writer is w, for log lines on the same terminal: each write erases the drawn progress first.
func (s *Screen) Writer(w io.Writer) io.Writer { return screenWriter{s, w} }

type screenWriter struct {
	s *Screen
	w io.Writer
}

func (sw screenWriter) Write(b []byte) (int, error) {
	sw.s.mu.Lock()
	defer sw.s.mu.Unlock()
	if sw.s.lines > 0 {
		fmt.Fprintf(sw.s.out, "\x1b[%dA\x1b[J", sw.s.lines) // up to the first drawn line, erase to the end
		sw.s.lines = 0
	}
	return sw.w.Write(b)
}
