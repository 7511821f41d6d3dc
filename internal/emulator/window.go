package emulator

import (
	"sync"
	"time"
)

// Window is a fixed-window request quota: Quota requests per Length, refilled at the end of each
// window, as BigCommerce counts a store's requests. A Quota of 0 means unlimited.
type Window struct {
	Quota  int
	Length time.Duration

	mu    sync.Mutex
	start time.Time
	used  int
	peak  int // the most requests counted in one window
	now   func() time.Time
}

// NewWindow returns a quota of quota requests per length.
func NewWindow(quota int, length time.Duration) *Window {
	return &Window{Quota: quota, Length: length}
}

// Take counts one request. It reports whether the request is within the quota, how many requests are
// left in the window after it, and the time until the window refills.
func (w *Window) Take() (ok bool, left int, reset time.Duration) {
	if w == nil || w.Quota <= 0 {
		return true, 0, 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.clock()
	if w.start.IsZero() || now.Sub(w.start) >= w.Length {
		w.start, w.used = now, 0
	}
	reset = w.Length - now.Sub(w.start)
	if w.used >= w.Quota {
		return false, 0, reset
	}
	w.used++
	w.peak = max(w.peak, w.used)
	return true, w.Quota - w.used, reset
}

// Peak is the most requests counted in any one window so far: what a client's pacing let through.
func (w *Window) Peak() int {
	if w == nil {
		return 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peak
}

// Peek reports the state without counting a request.
func (w *Window) Peek() (left int, reset time.Duration) {
	if w == nil || w.Quota <= 0 {
		return 0, 0
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.clock()
	if w.start.IsZero() || now.Sub(w.start) >= w.Length {
		return w.Quota, w.Length
	}
	return w.Quota - w.used, w.Length - now.Sub(w.start)
}

func (w *Window) clock() time.Time {
	if w.now != nil {
		return w.now()
	}
	return time.Now()
}
