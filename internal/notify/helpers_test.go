package notify

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
)

// callLog is an observer that keeps every call and the scope its context carried.
type callLog struct {
	mu     sync.Mutex
	calls  []*apicall.Call
	scopes []apicall.Scope
}

func (l *callLog) ObserveCall(ctx context.Context, c *apicall.Call) {
	s, _ := apicall.ScopeFrom(ctx)
	l.mu.Lock()
	l.calls = append(l.calls, c)
	l.scopes = append(l.scopes, s)
	l.mu.Unlock()
}

func (l *callLog) all() []*apicall.Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*apicall.Call(nil), l.calls...)
}

// only returns the single call observed, failing the test otherwise.
func (l *callLog) only(t *testing.T) (*apicall.Call, apicall.Scope) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.calls) != 1 {
		t.Fatalf("observed %d calls, want 1", len(l.calls))
	}
	return l.calls[0], l.scopes[0]
}

// callText is everything a recorded call shows: where a secret must never appear.
func callText(c *apicall.Call) string {
	var b strings.Builder
	b.WriteString(c.API + " " + c.Method + " " + c.URL + " " + c.Path + " " + c.Err + "\n")
	for k, vs := range c.RequestHeader {
		b.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
	}
	for k, vs := range c.ResponseHeader {
		b.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
	}
	b.Write(c.RequestBody)
	b.WriteString("\n")
	b.Write(c.ResponseBody)
	return b.String()
}

// noSecrets fails when any secret appears in the calls' records or in the error's text.
func noSecrets(t *testing.T, calls []*apicall.Call, err error, secrets ...string) {
	t.Helper()
	if len(calls) == 0 {
		t.Fatal("no call was recorded")
	}
	for _, c := range calls {
		text := callText(c)
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("secret %q appears in the recorded call:\n%s", s, text)
			}
		}
	}
	if err != nil {
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("secret %q appears in the error: %v", s, err)
			}
		}
	}
}

// sendError returns err as a *SendError, failing the test when it is not one.
func sendError(t *testing.T, err error) *SendError {
	t.Helper()
	var se *SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *SendError", err, err)
	}
	if se.Reason == "" || se.Error() != se.Reason {
		t.Fatalf("a SendError must read as its reason: %+v", se)
	}
	return se
}

var testAt = time.Date(2026, 8, 20, 14, 3, 0, 0, time.UTC)

// sample is a triggered alert as the rules will send it.
func sample() Message {
	return Message{
		State:     Triggered,
		Condition: "rejected",
		Severity:  Warning,
		Sync:      Sync{ID: 12, Name: "Customers from warehouse", Kind: "warehouse"},
		Store:     "Shop",
		Summary:   "3 of 1,200 records were rejected by BigCommerce.",
		Detail:    "The most common reason (2 records): email is not a valid address.\nSee the rejected records of the run.",
		Figures:   []Figure{{"Rejected", "3 of 1,200 (0.25%)"}, {"Run", "#381, 4m 10s"}},
		URL:       "https://bcsync.example.com/syncs/warehouse/12/runs/381",
		DedupKey:  "bcsync/warehouse/12/rejected",
		At:        testAt,
	}
}

// scoped is a context carrying a scope, as a sync run's alerts will.
func scoped() context.Context {
	return apicall.WithScope(context.Background(), apicall.Scope{SyncID: 7, RunID: 381})
}

func checkScope(t *testing.T, s apicall.Scope) {
	t.Helper()
	if s.SyncID != 7 || s.RunID != 381 {
		t.Errorf("the call's context carried scope %+v, want the caller's {7 381}", s)
	}
}
