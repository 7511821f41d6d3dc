package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testWebhookSecret = "whsec-7c1e0b9a4f2d8e6b3a5c7d9f"
	testWebhookPath   = "/hooks/bcsync/2f9d7c1e5a3b8d6f4e2a"
)

// receiver is an operator's endpoint as the docs tell them to write it: read the raw body, Verify
// the signature before anything else, then parse.
type receiver struct {
	srv    *httptest.Server
	answer func(w http.ResponseWriter) bool

	mu       sync.Mutex
	payloads []WebhookPayload
	raw      [][]byte
	headers  []http.Header
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.srv = httptest.NewServer(rc)
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != testWebhookPath || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	if rc.answer != nil && rc.answer(w) {
		return
	}
	body, _ := io.ReadAll(r.Body)
	if !Verify(testWebhookSecret, body, r.Header.Get(SignatureHeader)) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var p WebhookPayload
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if r.Header.Get("Content-Type") != "application/json" || dec.Decode(&p) != nil {
		http.Error(w, "unreadable", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.payloads = append(rc.payloads, p)
	rc.raw = append(rc.raw, body)
	rc.headers = append(rc.headers, r.Header.Clone())
	rc.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func newTestWebhook(t *testing.T, rc *receiver, secret string, log *callLog) Channel {
	t.Helper()
	o := Options{}
	if log != nil {
		o.Observer = log
	}
	ch, err := Config{Type: TypeWebhook, URL: rc.srv.URL + testWebhookPath, Secret: secret}.Build(o)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestWebhookIsSignedAndComplete(t *testing.T) {
	rc := newReceiver(t)
	log := &callLog{}
	if err := newTestWebhook(t, rc, testWebhookSecret, log).Send(scoped(), sample()); err != nil {
		t.Fatal(err)
	}
	if len(rc.payloads) != 1 {
		t.Fatalf("received %d", len(rc.payloads))
	}
	p := rc.payloads[0]
	if p.State != Triggered || p.Condition != "rejected" || p.Severity != Warning || p.Sync.ID != 12 || p.Sync.Name != "Customers from warehouse" ||
		p.Sync.Kind != "warehouse" || p.Store.Name != "Shop" || p.Message != "3 of 1,200 records were rejected by BigCommerce." ||
		p.URL != sample().URL || p.DedupKey != "bcsync/warehouse/12/rejected" || !p.At.Equal(testAt) || len(p.Figures) != 2 ||
		p.Figures[0] != (WebhookFigure{"Rejected", "3 of 1,200 (0.25%)"}) || p.Title != Title(sample()) || !strings.HasPrefix(p.ID, "ntf_") {
		t.Errorf("payload %+v", p)
	}
	var keys map[string]any
	json.Unmarshal(rc.raw[0], &keys)
	for _, k := range []string{"state", "condition", "severity", "sync", "store", "message", "url", "dedup_key", "at", "figures", "id"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("the body lacks %q", k)
		}
	}
	if h := rc.headers[0]; h.Get("X-Bcsync-Delivery") != p.ID || h.Get("X-Bcsync-Event") != "triggered" {
		t.Errorf("headers %v", h)
	}
	c, scope := log.only(t)
	checkScope(t, scope)
	if c.API != "webhook" || c.Status != 204 {
		t.Errorf("call %s %d", c.API, c.Status)
	}

	// The same message again is the same delivery id, so a receiver can drop a retry.
	newTestWebhook(t, rc, testWebhookSecret, nil).Send(context.Background(), sample())
	if rc.payloads[1].ID != p.ID {
		t.Errorf("ids %s and %s", p.ID, rc.payloads[1].ID)
	}
}

func TestVerifyRefusesTamperingAndOtherSecrets(t *testing.T) {
	body := []byte(`{"state":"triggered","message":"3 rejected"}`)
	sig := Sign(testWebhookSecret, body)
	if !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
		t.Fatalf("signature %q", sig)
	}
	if !Verify(testWebhookSecret, body, sig) {
		t.Fatal("a good signature is refused")
	}
	for name, ok := range map[string]bool{
		"tampered body":  Verify(testWebhookSecret, []byte(`{"state":"resolved","message":"3 rejected"}`), sig),
		"other secret":   Verify("another-secret-of-some-length", body, sig),
		"no prefix":      Verify(testWebhookSecret, body, strings.TrimPrefix(sig, "sha256=")),
		"not hex":        Verify(testWebhookSecret, body, "sha256=zz"),
		"empty header":   Verify(testWebhookSecret, body, ""),
		"empty secret":   Verify("", body, Sign("", body)),
		"truncated hash": Verify(testWebhookSecret, body, sig[:len(sig)-2]),
	} {
		if ok {
			t.Errorf("%s: Verify accepted it", name)
		}
	}

	// Over HTTP: a body changed on the way is refused by the receiver.
	rc := newReceiver(t)
	req, _ := http.NewRequest("POST", rc.srv.URL+testWebhookPath, strings.NewReader(`{"state":"resolved"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, Sign(testWebhookSecret, []byte(`{"state":"triggered"}`)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || len(rc.payloads) != 0 {
		t.Errorf("a tampered delivery got %d", resp.StatusCode)
	}
}

func TestWebhookAnswers(t *testing.T) {
	t.Run("wrong secret", func(t *testing.T) {
		rc := newReceiver(t)
		err := newTestWebhook(t, rc, "a-different-secret-0123456789", nil).Send(context.Background(), sample())
		se := sendError(t, err)
		if se.Retryable || se.Status != 401 || !strings.Contains(err.Error(), "the webhook receiver refused the message (401: bad signature): check that the receiver verifies signatures with the same secret") {
			t.Errorf("%v", err)
		}
	})
	for _, tc := range []struct {
		status    int
		retryable bool
	}{{400, false}, {404, false}, {408, true}, {429, true}, {500, true}, {502, true}} {
		rc := newReceiver(t)
		rc.answer = func(w http.ResponseWriter) bool { w.WriteHeader(tc.status); return true }
		err := newTestWebhook(t, rc, testWebhookSecret, nil).Send(context.Background(), sample())
		if se := sendError(t, err); se.Retryable != tc.retryable || se.Status != tc.status {
			t.Errorf("%d: %+v", tc.status, se)
		}
	}
	t.Run("cancelled by the caller", func(t *testing.T) {
		rc := newReceiver(t)
		release := make(chan struct{})
		defer close(release)
		rc.answer = func(w http.ResponseWriter) bool { <-release; return true }
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := newTestWebhook(t, rc, testWebhookSecret, nil).Send(ctx, sample())
		if se := sendError(t, err); !se.Retryable || !strings.Contains(err.Error(), "cancelled") {
			t.Errorf("%v", err)
		}
	})
}

func TestWebhookRecordedCallHidesSecretAndURL(t *testing.T) {
	rc := newReceiver(t)
	log := &callLog{}
	if err := newTestWebhook(t, rc, testWebhookSecret, log).Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	c, _ := log.only(t)
	noSecrets(t, log.all(), nil, testWebhookSecret, testWebhookPath)
	if c.RequestHeader.Get(SignatureHeader) != "[REDACTED]" || !strings.HasPrefix(c.URL, rc.srv.URL) {
		t.Errorf("signature %q, URL %q", c.RequestHeader.Get(SignatureHeader), c.URL)
	}
}
