package notify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

const (
	testAccountSID = "AC0123456789abcdef0123456789abcdef"
	testAuthToken  = "f3a9c2e1b4d5a6f7e8d9c0b1a2f3e4d5"
)

// twilio is a local Messages API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP
// Basic auth AccountSid:AuthToken and a form-encoded To, From (or MessagingServiceSid) and Body of at
// most 1600 characters; it answers 201 with the message resource, or Twilio's error JSON.
type twilio struct {
	t      *testing.T
	srv    *httptest.Server
	answer func(w http.ResponseWriter) bool

	mu    sync.Mutex
	forms []url.Values
}

func newTwilio(t *testing.T) *twilio {
	tw := &twilio{t: t}
	tw.srv = httptest.NewServer(http.HandlerFunc(tw.serve))
	t.Cleanup(tw.srv.Close)
	return tw
}

func twilioError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg, "more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status})
}

func (tw *twilio) serve(w http.ResponseWriter, r *http.Request) {
	sid, ok := strings.CutPrefix(r.URL.Path, "/2010-04-01/Accounts/")
	sid, ok2 := strings.CutSuffix(sid, "/Messages.json")
	if !ok || !ok2 || r.Method != http.MethodPost {
		twilioError(w, 404, 20404, "The requested resource was not found")
		return
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != sid || sid != testAccountSID || pass != testAuthToken {
		twilioError(w, 401, 20003, "Authenticate")
		return
	}
	if tw.answer != nil && tw.answer(w) {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		tw.t.Errorf("Content-Type %q", ct)
	}
	if err := r.ParseForm(); err != nil {
		twilioError(w, 400, 21100, "Invalid form")
		return
	}
	f := r.PostForm
	to, from, svc, body := f.Get("To"), f.Get("From"), f.Get("MessagingServiceSid"), f.Get("Body")
	switch {
	case to == "" || !e164Re.MatchString(to):
		twilioError(w, 400, 21211, fmt.Sprintf("The 'To' number %s is not a valid phone number.", to))
		return
	case from == "" && svc == "":
		twilioError(w, 400, 21603, "The 'From' phone number is required.")
		return
	case body == "" || utf8.RuneCountInString(body) > 1600:
		twilioError(w, 400, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	}
	tw.mu.Lock()
	tw.forms = append(tw.forms, f)
	tw.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued", "to": to, "from": from, "body": body, "account_sid": sid})
}

func newTestSMS(t *testing.T, tw *twilio, cfg Config, log *callLog) Channel {
	t.Helper()
	cfg.Type = TypeSMS
	if cfg.AccountSID == "" {
		cfg.AccountSID = testAccountSID
	}
	if cfg.AuthToken == "" {
		cfg.AuthToken = testAuthToken
	}
	if cfg.From == "" {
		cfg.From = "+14155550100"
	}
	if cfg.To == nil {
		cfg.To = []string{"+14155550199"}
	}
	o := Options{TwilioURL: tw.srv.URL}
	if log != nil {
		o.Observer = log
	}
	ch, err := cfg.Build(o)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestSMSSendsAShortText(t *testing.T) {
	tw := newTwilio(t)
	log := &callLog{}
	if err := newTestSMS(t, tw, Config{}, log).Send(scoped(), sample()); err != nil {
		t.Fatal(err)
	}
	f := tw.forms[0]
	if f.Get("To") != "+14155550199" || f.Get("From") != "+14155550100" {
		t.Errorf("form %v", f)
	}
	body := f.Get("Body")
	if n := utf8.RuneCountInString(body); n > 160 {
		t.Errorf("body of %d characters: %q", n, body)
	}
	if !strings.HasPrefix(body, "[WARNING] Customers from warehouse (Shop): records rejected") || !strings.HasSuffix(body, " https://bcsync.example.com/syncs/warehouse/12/runs/381") {
		t.Errorf("body %q", body)
	}
	c, scope := log.only(t)
	checkScope(t, scope)
	if c.API != "twilio" || c.Status != 201 || c.Path != "/2010-04-01/Accounts/"+testAccountSID+"/Messages.json" {
		t.Errorf("call %s %d %s", c.API, c.Status, c.Path)
	}
}

func TestSMSFromAMessagingService(t *testing.T) {
	tw := newTwilio(t)
	svc := "MG0123456789abcdef0123456789abcdef"
	if err := newTestSMS(t, tw, Config{From: svc}, nil).Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	if f := tw.forms[0]; f.Get("MessagingServiceSid") != svc || f.Has("From") {
		t.Errorf("form %v", f)
	}
}

func TestShortKeepsToOneSegment(t *testing.T) {
	m := sample()
	m.Summary = strings.Repeat("a long summary — with “quotes” … ", 20)
	s := Short(m)
	if n := utf8.RuneCountInString(s); n > SMSLength {
		t.Errorf("%d characters: %q", n, s)
	}
	if strings.ContainsAny(s, "—“”…") || !strings.Contains(s, "...") || !strings.HasSuffix(s, m.URL) {
		t.Errorf("short form %q", s)
	}
	m.URL = "https://bcsync.example.com/" + strings.Repeat("x", 200)
	if s := Short(m); utf8.RuneCountInString(s) > SMSLength || strings.Contains(s, "https://") {
		t.Errorf("a link that cannot fit is left out: %q", s)
	}
	m.Sync.Name = strings.Repeat("n", 300)
	if s := Short(m); utf8.RuneCountInString(s) != SMSLength {
		t.Errorf("a title longer than a segment is cut to it: %d", utf8.RuneCountInString(s))
	}
}

func TestSMSAnswers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cfg       Config
		answer    func(w http.ResponseWriter) bool
		status    int
		code      string
		retryable bool
		says      string
	}{
		{name: "wrong token", cfg: Config{AuthToken: "0000000000000000000000000000dead"}, status: 401, code: "20003", says: "Twilio refused the message (401 error 20003: Authenticate): check the account SID and auth token"},
		{name: "invalid number", answer: func(w http.ResponseWriter) bool {
			twilioError(w, 400, 21211, "The 'To' number +14155550199 is not a valid phone number.")
			return true
		}, status: 400, code: "21211", says: "check the number in --to"},
		{name: "unsubscribed", answer: func(w http.ResponseWriter) bool {
			twilioError(w, 400, 21610, "Attempt to send to unsubscribed recipient")
			return true
		}, status: 400, code: "21610", says: "replied STOP"},
		{name: "rate limited", answer: func(w http.ResponseWriter) bool { twilioError(w, 429, 20429, "Too Many Requests"); return true }, status: 429, code: "20429", retryable: true, says: "limiting the rate"},
		{name: "failing", answer: func(w http.ResponseWriter) bool { w.WriteHeader(503); return true }, status: 503, retryable: true, says: "Twilio is failing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tw := newTwilio(t)
			tw.answer = tc.answer
			log := &callLog{}
			err := newTestSMS(t, tw, tc.cfg, log).Send(context.Background(), sample())
			se := sendError(t, err)
			if se.Status != tc.status || se.Code != tc.code || se.Retryable != tc.retryable || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("got %+v, want status %d code %q retryable %v saying %q", se, tc.status, tc.code, tc.retryable, tc.says)
			}
			noSecrets(t, log.all(), err, testAuthToken, base64.StdEncoding.EncodeToString([]byte(testAccountSID+":"+testAuthToken)))
		})
	}
}

func TestSMSRecordedCallHidesTheAuthToken(t *testing.T) {
	tw := newTwilio(t)
	log := &callLog{}
	if err := newTestSMS(t, tw, Config{}, log).Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	c, _ := log.only(t)
	noSecrets(t, log.all(), nil, testAuthToken, base64.StdEncoding.EncodeToString([]byte(testAccountSID+":"+testAuthToken)))
	if got := c.RequestHeader.Get("Authorization"); got != "[REDACTED]" {
		t.Errorf("Authorization recorded as %q", got)
	}
	if !strings.Contains(string(c.RequestBody), "Body=") {
		t.Errorf("the form stays visible: %s", c.RequestBody)
	}
}
