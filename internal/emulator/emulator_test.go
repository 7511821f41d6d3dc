package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	f, err := ParseFaults("429=0.02, 500=0.05,timeout=0.01,truncate=0.01", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.String(); got != "429=0.02,500=0.05,timeout=0.01,truncate=0.01" {
		t.Fatalf("String() = %q", got)
	}
	for _, bad := range []string{"500", "418=0.1", "500=2", "500=-1", "500=x", "500=0.6,502=0.6"} {
		if _, err := ParseFaults(bad, 1); err == nil {
			t.Errorf("ParseFaults(%q) accepted", bad)
		}
	}
}

func TestFaultRatesAreRoughlyHonouredAndSeeded(t *testing.T) {
	counts := func(seed uint64) map[Fault]int {
		f, _ := ParseFaults("500=0.1,429=0.2", seed)
		c := map[Fault]int{}
		for range 10000 {
			c[f.draw()]++
		}
		return c
	}
	a, b := counts(7), counts(7)
	if a[Fault500] != b[Fault500] || a[Fault429] != b[Fault429] {
		t.Fatalf("same seed, different draws: %v %v", a, b)
	}
	if a[Fault500] < 800 || a[Fault500] > 1200 || a[Fault429] < 1800 || a[Fault429] > 2200 {
		t.Fatalf("rates off: %v", a)
	}
}

func serve(t *testing.T, spec string, h http.HandlerFunc) (*httptest.Server, *Stats) {
	f, err := ParseFaults(spec, 1)
	if err != nil {
		t.Fatal(err)
	}
	f.Hold = 5 * time.Second
	mux := http.NewServeMux()
	mux.Handle("GET /thing", h)
	stats := NewStats()
	writeErr := func(w http.ResponseWriter, r *http.Request, status int) {
		w.WriteHeader(status)
		io.WriteString(w, `{"status":`+http.StatusText(status)+`}`)
	}
	srv := httptest.NewServer(stats.Middleware(f.Middleware(mux, writeErr, nil), mux))
	t.Cleanup(srv.Close)
	return srv, stats
}

func TestStatusFaultsUseTheAPIsErrorWriter(t *testing.T) {
	ran := false
	srv, stats := serve(t, "503=1", func(w http.ResponseWriter, r *http.Request) { ran = true })
	resp, err := http.Get(srv.URL + "/thing")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || !strings.Contains(string(body), "Service Unavailable") || ran {
		t.Fatalf("status %d body %s ran %v", resp.StatusCode, body, ran)
	}
	snap := stats.Snapshot()
	if snap.Requests["GET /thing"] != 1 || snap.Faults["503"] != 1 || snap.Statuses["503"] != 1 {
		t.Fatalf("stats %+v", snap)
	}
}

func TestTruncateAppliesTheChangeButCutsTheBody(t *testing.T) {
	ran := false
	srv, _ := serve(t, "truncate=1", func(w http.ResponseWriter, r *http.Request) {
		ran = true
		io.WriteString(w, `{"data":[1,2,3,4,5,6,7,8,9,10]}`)
	})
	resp, err := http.Get(srv.URL + "/thing")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, io.ErrUnexpectedEOF) || !ran {
		t.Fatalf("read error %v, ran %v", err, ran)
	}
}

func TestTimeoutHoldsUntilTheClientGivesUp(t *testing.T) {
	srv, stats := serve(t, "timeout=1", func(w http.ResponseWriter, r *http.Request) {})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/thing", nil)
	start := time.Now()
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatal("the hold did not end with the client")
	}
	// The server notices the client left shortly after.
	deadline := time.Now().Add(2 * time.Second)
	for stats.Snapshot().Statuses["dropped"] != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if stats.Snapshot().Statuses["dropped"] != 1 {
		t.Fatalf("stats %+v", stats.Snapshot())
	}
}

func TestResetDropsTheConnection(t *testing.T) {
	srv, _ := serve(t, "reset=1", func(w http.ResponseWriter, r *http.Request) { t.Error("handler ran") })
	if _, err := http.Get(srv.URL + "/thing"); err == nil {
		t.Fatal("expected a transport error")
	}
}

func TestWindowRefillsAfterItsLength(t *testing.T) {
	now := time.Unix(1000, 0)
	w := NewWindow(3, 30*time.Second)
	w.now = func() time.Time { return now }
	for i, wantLeft := range []int{2, 1, 0} {
		ok, left, reset := w.Take()
		if !ok || left != wantLeft || reset != 30*time.Second {
			t.Fatalf("take %d: ok %v left %d reset %v", i, ok, left, reset)
		}
	}
	now = now.Add(10 * time.Second)
	if ok, left, reset := w.Take(); ok || left != 0 || reset != 20*time.Second {
		t.Fatalf("over quota: ok %v left %d reset %v", ok, left, reset)
	}
	now = now.Add(20 * time.Second)
	if ok, left, _ := w.Take(); !ok || left != 2 {
		t.Fatalf("after refill: ok %v left %d", ok, left)
	}
	var unlimited *Window
	if ok, _, _ := unlimited.Take(); !ok {
		t.Fatal("nil window must be unlimited")
	}
}

func TestStatsServesJSONAndResets(t *testing.T) {
	srv, stats := serve(t, "", func(w http.ResponseWriter, r *http.Request) {})
	http.Get(srv.URL + "/thing")
	http.Get(srv.URL + "/nowhere")
	rec := httptest.NewRecorder()
	stats.ServeHTTP(rec, httptest.NewRequest("GET", "/_emulator/stats", nil))
	var snap Snapshot
	json.NewDecoder(rec.Body).Decode(&snap)
	if snap.Total != 2 || snap.Requests["GET /thing"] != 1 || snap.Requests["unrouted"] != 1 || snap.Statuses["404"] != 1 {
		t.Fatalf("snapshot %+v", snap)
	}
	stats.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("DELETE", "/_emulator/stats", nil))
	if stats.Snapshot().Total != 0 {
		t.Fatal("reset did not zero the counters")
	}
}

func TestLatencyDelays(t *testing.T) {
	h := Latency(50*time.Millisecond, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	start := time.Now()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("served after %v", d)
	}
}

func TestTimeoutOfARequestWithABodyEndsWithTheClient(t *testing.T) {
	f, _ := ParseFaults("timeout=1", 1)
	f.Hold = time.Minute
	mux := http.NewServeMux()
	mux.HandleFunc("POST /thing", func(w http.ResponseWriter, r *http.Request) {})
	srv := httptest.NewServer(f.Middleware(mux, func(http.ResponseWriter, *http.Request, int) {}, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/thing", strings.NewReader(`{"a":1}`))
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("expected the client to time out")
	}
	start := time.Now()
	srv.Close() // blocks until the held request ends
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the server held the request %v after the client left", d)
	}
}
