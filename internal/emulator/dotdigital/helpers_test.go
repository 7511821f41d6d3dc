package dotdigital

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/emulator/dotdigital/ddspec"
)

// bundle is one emulated account on loopback, with an HTTP client whose exchanges are held to the
// official descriptions (api) and one that is not, for requests that break the contract on purpose (raw).
type bundle struct {
	t     *testing.T
	srv   *Server
	url   string
	check *ddspec.Checker
	api   *http.Client
	raw   *http.Client
}

func setup(t *testing.T, cfg Config) *bundle {
	t.Helper()
	if cfg.ImportDelay == 0 {
		cfg.ImportDelay = 20 * time.Millisecond
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	check := ddspec.New(t)
	t.Cleanup(func() {
		if !t.Failed() && check.Checked() == 0 {
			t.Error("no exchange was checked against the descriptions")
		}
	})
	return &bundle{t: t, srv: srv, url: hs.URL, check: check,
		api: &http.Client{Transport: check.Transport(nil), Timeout: 30 * time.Second},
		raw: &http.Client{Timeout: 30 * time.Second}}
}

// call sends a request as the emulated API user. body is JSON-encoded unless it is a []byte or string.
func (b *bundle) call(c *http.Client, method, path string, body any) (int, []byte, http.Header) {
	b.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(v)
	case string:
		rd = strings.NewReader(v)
	default:
		j, err := json.Marshal(v)
		if err != nil {
			b.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, b.url+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	req.SetBasicAuth(b.srv.Username(), b.srv.Password())
	req.Header.Set("Accept", "application/json")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return resp.StatusCode, out, resp.Header
}

// ok sends a request through the checked client and fails the test unless the answer has status want;
// it decodes a JSON answer into out when out is not nil.
func (b *bundle) ok(method, path string, body any, want int, out any) []byte {
	b.t.Helper()
	status, resp, _ := b.call(b.api, method, path, body)
	if status != want {
		b.t.Fatalf("%s %s = %d, want %d: %s", method, path, status, want, resp)
	}
	if out != nil {
		if err := json.Unmarshal(resp, out); err != nil {
			b.t.Fatalf("%s %s: %v: %s", method, path, err, resp)
		}
	}
	return resp
}

// v2err and v3err decode the two error dialects.
func v2err(t *testing.T, b []byte) string {
	t.Helper()
	var e struct{ Message string }
	if err := json.Unmarshal(b, &e); err != nil || e.Message == "" {
		t.Fatalf("not a v2 error body: %s", b)
	}
	return e.Message
}

func v3err(t *testing.T, b []byte) string {
	t.Helper()
	var e struct {
		ErrorCode   string `json:"errorCode"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal(b, &e); err != nil || e.ErrorCode == "" || e.Description == "" {
		t.Fatalf("not a v3 error body: %s", b)
	}
	return e.ErrorCode
}

// waitImport polls an import until it is final and returns its last status body.
func (b *bundle) waitImport(path string) map[string]any {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var st map[string]any
		b.ok("GET", path, nil, 200, &st)
		switch st["status"] {
		case "NotFinished", "NotStarted", "Processing":
		default:
			return st
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s did not finish: %v", path, st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
