package notify

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// SMSConfig is a Twilio account and the numbers a text goes from and to. An SMS channel texts one
// number, so that a retried delivery never texts twice the people it already reached: one channel
// per person.
type SMSConfig struct {
	AccountSID string // AC followed by 32 hexadecimal digits
	AuthToken  string
	From       string // a Twilio number (E.164), a messaging service (MG…) or an alphanumeric sender ID
	To         string // E.164, e.g. +14155550100
}

var (
	accountSIDRe = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	serviceSIDRe = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	e164Re       = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	senderIDRe   = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)
)

func (c SMSConfig) problems() []error {
	var ps []error
	switch sid := strings.TrimSpace(c.AccountSID); {
	case sid == "":
		ps = append(ps, errorf("an SMS channel needs --account-sid, the Twilio account SID (AC followed by 32 characters)"))
	case !accountSIDRe.MatchString(sid):
		ps = append(ps, errorf("the SMS --account-sid must be a Twilio account SID: AC followed by 32 hexadecimal digits"))
	}
	if strings.TrimSpace(c.AuthToken) == "" {
		ps = append(ps, errorf("an SMS channel needs --auth-token, the Twilio account's auth token"))
	}
	switch from := strings.TrimSpace(c.From); {
	case from == "":
		ps = append(ps, errorf("an SMS channel needs --from, the Twilio number to send from (+14155550100), a messaging service SID (MG…) or a sender ID"))
	case !e164Re.MatchString(from) && !serviceSIDRe.MatchString(from) && !(senderIDRe.MatchString(from) && strings.ContainsFunc(from, isLetter)):
		ps = append(ps, errorf("the SMS --from %q is neither a phone number in international form (+14155550100), a messaging service SID (MG…) nor a sender ID (up to 11 letters and digits)", from))
	}
	switch to := strings.TrimSpace(c.To); {
	case to == "":
		ps = append(ps, errorf("an SMS channel needs --to, the phone number to text in international form (+14155550100)"))
	case !e164Re.MatchString(to):
		ps = append(ps, errorf("the SMS --to %q is not a phone number in international form, like +14155550100", to))
	}
	return ps
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

func (c SMSConfig) secrets() []string { return []string{strings.TrimSpace(c.AuthToken)} }

// DefaultTwilioURL is Twilio's REST API base.
const DefaultTwilioURL = "https://api.twilio.com"

// SMSMax is the longest body Twilio takes.
const SMSMax = 1600

// SMS texts a message through Twilio's Messages API.
type SMS struct {
	cfg      SMSConfig
	endpoint string
	post     *poster
}

// NewSMS checks cfg and returns the channel.
func NewSMS(cfg SMSConfig, opts Options) (*SMS, error) {
	if err := errorsOf(cfg.problems()); err != nil {
		return nil, err
	}
	cfg = SMSConfig{AccountSID: strings.TrimSpace(cfg.AccountSID), AuthToken: strings.TrimSpace(cfg.AuthToken), From: strings.TrimSpace(cfg.From), To: strings.TrimSpace(cfg.To)}
	base := DefaultTwilioURL
	if opts.TwilioURL != "" {
		if err := checkEndpoint(opts.TwilioURL, "the Twilio URL", DefaultTwilioURL); err != nil {
			return nil, err
		}
		base = opts.TwilioURL
	}
	return &SMS{
		cfg:      cfg,
		endpoint: strings.TrimRight(base, "/") + "/2010-04-01/Accounts/" + url.PathEscape(cfg.AccountSID) + "/Messages.json",
		post:     newPoster(TypeSMS, "Twilio", "twilio", opts, cfg.secrets()),
	}, nil
}

// Form is the form Twilio receives for m: To, From (or MessagingServiceSid) and Body, which is
// Short(m).
func (s *SMS) Form(m Message) url.Values {
	f := url.Values{"To": {s.cfg.To}, "Body": {truncate(Short(m), SMSMax)}}
	if serviceSIDRe.MatchString(s.cfg.From) {
		f.Set("MessagingServiceSid", s.cfg.From)
	} else {
		f.Set("From", s.cfg.From)
	}
	return f
}

// Send creates the message. Twilio answers 201 with the message resource, or an error
// {"code":21211,"message":…,"more_info":…,"status":400}.
func (s *SMS) Send(ctx context.Context, m Message) error {
	m, err := m.prepare(s.post.now())
	if err != nil {
		return invalidMessage(TypeSMS, err)
	}
	header := http.Header{
		"Content-Type":  {"application/x-www-form-urlencoded"},
		"Accept":        {"application/json"},
		"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(s.cfg.AccountSID+":"+s.cfg.AuthToken))},
	}
	a, err := s.post.post(ctx, s.endpoint, header, []byte(s.Form(m).Encode()))
	if err != nil {
		return err
	}
	if a.status >= 200 && a.status < 300 {
		return nil
	}
	var e struct {
		Code     int    `json:"code"`
		Message  string `json:"message"`
		MoreInfo string `json:"more_info"`
	}
	json.Unmarshal(a.body, &e)
	code, detail := "", e.Message
	if e.Code != 0 {
		code = "error " + strconv.Itoa(e.Code)
	}
	if detail == "" {
		detail = snippet(a.body, 200)
	}
	se := s.post.refused(a, code, truncate(detail, 300), twilioHint(a.status, e.Code, e.MoreInfo))
	if e.Code != 0 {
		se.Code = strconv.Itoa(e.Code)
	}
	return se
}

// twilioHint says what to do about Twilio's most common errors.
func twilioHint(status, code int, moreInfo string) string {
	switch code {
	case 20003, 20005:
		return "check the account SID and auth token"
	case 21211, 21614, 21401, 21265:
		return "check the number in --to"
	case 21606, 21659, 21212, 21660, 21603:
		return "check --from: it must be a number, messaging service or sender ID of this Twilio account"
	case 21610:
		return "the recipient has replied STOP to this sender; they must reply START to receive texts again"
	case 21408, 21612:
		return "this Twilio account may not text that country or carrier: check the geographic permissions"
	case 20429:
		return "Twilio is limiting the rate of this account"
	}
	switch {
	case status == http.StatusUnauthorized:
		return "check the account SID and auth token"
	case status == http.StatusTooManyRequests:
		return "Twilio is limiting the rate of this account"
	case status >= 500:
		return "Twilio is failing; it may pass later"
	case moreInfo != "":
		return fmt.Sprintf("see %s", moreInfo)
	}
	return ""
}
