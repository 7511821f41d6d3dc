package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/bcsync/bcsync/internal/notify"
)

// The receivers below stand in for Slack, PagerDuty, Twilio, an SMTP server and a webhook endpoint,
// and check what they receive the way each service does: a notification they would refuse is refused
// and fails the test. Each keeps what it took as "alert", "recovery" or "test", in order.

// received is what one receiver took.
type inbox struct {
	mu   sync.Mutex
	got  []string
	raw  [][]byte
	down atomic.Bool // answers as a service that is down
}

func (in *inbox) keep(kind string, raw []byte) {
	in.mu.Lock()
	in.got = append(in.got, kind)
	in.raw = append(in.raw, raw)
	in.mu.Unlock()
}

func (in *inbox) kinds() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.got...)
}

func (in *inbox) body(i int) []byte {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.raw[i]
}

// kindOfTitle reads a notification's title: [CRITICAL] or [WARNING] an alert, [RESOLVED] a recovery.
func kindOfTitle(title string) string {
	switch {
	case strings.HasPrefix(title, "[RESOLVED]"):
		return "recovery"
	case strings.HasPrefix(title, "[TEST]"):
		return "test"
	case strings.HasPrefix(title, "[CRITICAL]"), strings.HasPrefix(title, "[WARNING]"):
		return "alert"
	}
	return "unknown: " + title
}

// slackHook is an incoming webhook: it takes JSON with a text and Block Kit blocks, and answers "ok".
func slackHook(t *testing.T) (*inbox, string) {
	in := &inbox{}
	const path = "/services/T0E2E0001/B0E2E0001/e2eSlackWebhookToken0123"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if in.down.Load() {
			http.Error(w, "service unavailable", http.StatusServiceUnavailable)
			return
		}
		var p struct {
			Text   string           `json:"text"`
			Blocks []map[string]any `json:"blocks"`
		}
		switch {
		case r.Method != "POST" || r.URL.Path != path:
			http.Error(w, "no_service", http.StatusNotFound)
			return
		case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.Unmarshal(body, &p) != nil:
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		case p.Text == "" || len(p.Blocks) == 0 || p.Blocks[0]["type"] != "header":
			http.Error(w, "invalid_blocks", http.StatusBadRequest)
			return
		}
		for _, b := range p.Blocks {
			if tp := b["type"]; tp != "header" && tp != "section" && tp != "context" {
				t.Errorf("Slack: a block of type %v", tp)
			}
		}
		in.keep(kindOfTitle(p.Text), body)
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return in, srv.URL + path
}

// pagerDutyKey is the routing key of the emulated integration.
const pagerDutyKey = "R0E2E0123456789ABCDEFGHIJKLMNOPQ"

// pagerDuty is the Events API v2: trigger with a payload, resolve with a dedup key it has seen.
func pagerDuty(t *testing.T) (*inbox, string, *sync.Map) {
	in := &inbox{}
	open := &sync.Map{} // dedup keys of open alerts
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		invalid := func(msg string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"status":"invalid event","message":"Event object is invalid","errors":[%q]}`, msg)
		}
		var ev struct {
			RoutingKey  string `json:"routing_key"`
			EventAction string `json:"event_action"`
			DedupKey    string `json:"dedup_key"`
			Payload     *struct {
				Summary  string `json:"summary"`
				Source   string `json:"source"`
				Severity string `json:"severity"`
			} `json:"payload"`
		}
		switch {
		case r.URL.Path != "/v2/enqueue" || r.Method != "POST":
			http.NotFound(w, r)
			return
		case json.Unmarshal(body, &ev) != nil:
			invalid("not JSON")
			return
		case ev.RoutingKey != pagerDutyKey:
			invalid("'routing_key' is invalid")
			return
		case ev.DedupKey == "":
			invalid("bcsync always sends a dedup_key")
			return
		}
		kind := ""
		switch ev.EventAction {
		case "trigger":
			if ev.Payload == nil || ev.Payload.Summary == "" || ev.Payload.Source == "" ||
				!strings.Contains(" critical error warning info ", " "+ev.Payload.Severity+" ") {
				invalid("'payload' is invalid or missing")
				return
			}
			kind = "alert"
			if strings.HasPrefix(ev.Payload.Summary, "Test from bcsync") {
				kind = "test"
			} else {
				open.Store(ev.DedupKey, true)
			}
		case "resolve":
			if _, ok := open.LoadAndDelete(ev.DedupKey); !ok {
				t.Errorf("PagerDuty: a resolve of %q, which no trigger opened", ev.DedupKey)
			}
			kind = "recovery"
		default:
			invalid("'event_action' is invalid")
			return
		}
		in.keep(kind, body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `{"status":"success","message":"Event processed","dedup_key":%q}`, ev.DedupKey)
	}))
	t.Cleanup(srv.Close)
	return in, srv.URL, open
}

const (
	twilioSID   = "AC0e2e0123456789abcdef0123456789ab"
	twilioToken = "e2e-twilio-auth-token-0123456789"
)

// twilio is the Messages API: Basic auth with the account, a form with To, From and Body.
func twilio(t *testing.T) (*inbox, string) {
	in := &inbox{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sid, token, ok := r.BasicAuth()
		if r.URL.Path != "/2010-04-01/Accounts/"+twilioSID+"/Messages.json" || r.Method != "POST" {
			http.NotFound(w, r)
			return
		}
		if !ok || sid != twilioSID || token != twilioToken {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"code":20003,"message":"Authenticate","status":401}`)
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || form.Get("To") != "+14155550123" ||
			form.Get("From") != "+14155550100" || form.Get("Body") == "" || len([]rune(form.Get("Body"))) > 160 {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"code":21211,"message":"Invalid 'To' Phone Number","status":400}`)
			return
		}
		in.keep(kindOfTitle(form.Get("Body")), body)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"sid":"SM0e2e","status":"queued"}`)
	}))
	t.Cleanup(srv.Close)
	return in, srv.URL
}

const (
	smtpUser = "alerts@example.com"
	smtpPass = "e2e-smtp-pass"
)

// mailServer is a real SMTP server that offers STARTTLS with a certificate of its own, wants a login
// over TLS, and keeps each message. certFile trusts its certificate (SSL_CERT_FILE of bcsync).
func mailServer(t *testing.T) (in *inbox, addr, certFile string) {
	in = &inbox{}
	cert, pemBytes := selfSigned(t)
	certFile = filepath.Join(t.TempDir(), "smtp-ca.pem")
	if err := os.WriteFile(certFile, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &mailSession{t: t, in: in, conn: c}, nil }))
	s.Domain = "localhost"
	s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.ErrorLog = log.New(io.Discard, "", 0)
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return in, l.Addr().String(), certFile
}

type mailSession struct {
	t    *testing.T
	in   *inbox
	conn *smtp.Conn
	user string
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if _, isTLS := s.conn.TLSConnectionState(); !isTLS || user != smtpUser || pass != smtpPass {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}), nil
}

func (s *mailSession) Mail(string, *smtp.MailOptions) error {
	if s.user == "" {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to != "ops@example.com" {
		return &smtp.SMTPError{Code: 550, Message: "no such mailbox"}
	}
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		s.t.Errorf("SMTP: not a message: %v", err)
		return err
	}
	for _, h := range []string{"From", "To", "Subject", "Date", "Message-Id"} {
		if m.Header.Get(h) == "" {
			s.t.Errorf("SMTP: the message has no %s header", h)
		}
	}
	if !strings.HasPrefix(m.Header.Get("Content-Type"), "multipart/alternative") {
		s.t.Errorf("SMTP: the message is %q, not text and HTML", m.Header.Get("Content-Type"))
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	s.in.keep(kindOfTitle(subject), data)
	return nil
}

func (s *mailSession) Reset()        {}
func (s *mailSession) Logout() error { return nil }

// webhookReceiver checks each notification's signature against its raw body before anything else.
func webhookReceiver(t *testing.T, secret string) (*inbox, string, *sync.Map) {
	in := &inbox{}
	deliveries := &sync.Map{} // X-Bcsync-Delivery → times received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !notify.Verify(secret, body, r.Header.Get(notify.SignatureHeader)) {
			t.Errorf("webhook: a bad signature on %s", body)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if in.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		var p notify.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil || p.State == "" || p.Condition == "" || p.Severity == "" || p.Sync.ID == 0 && p.State != notify.Test {
			t.Errorf("webhook: an incomplete notification: %s", body)
		}
		n, _ := deliveries.LoadOrStore(r.Header.Get("X-Bcsync-Delivery"), new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
		kind := map[notify.State]string{notify.Triggered: "alert", notify.Resolved: "recovery", notify.Test: "test"}[p.State]
		in.keep(kind, body)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return in, srv.URL + "/bcsync-hook", deliveries
}

// selfSigned is a certificate for 127.0.0.1, and its PEM to trust it.
func selfSigned(t *testing.T) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bcsync e2e SMTP"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// breaker serves the world's store through a switch: while it is on, the catalogue answers 400, so
// a run's products stream fails and the run ends failed. Call it before connecting.
type breaker struct{ on atomic.Bool }

func breakable(w *world) *breaker {
	b := &breaker{}
	old := w.bcSrv
	w.bcSrv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if b.on.Load() && strings.Contains(r.URL.Path, "/v3/catalog/products") {
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusBadRequest)
			io.WriteString(rw, `{"status":400,"title":"The catalogue is under maintenance (e2e)","type":"https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"}`)
			return
		}
		w.bc.Handler().ServeHTTP(rw, r)
	}))
	old.Close()
	return b
}
