package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
)

// EmailConfig is an SMTP server and the addresses a message goes from and to.
//
// SMTPURL is smtp://user:password@host:port (port 587 by default) or smtps://user:password@host:port
// (implicit TLS, port 465 by default); the user and password are optional (a relay that needs no
// login), and a password with @ : / # or % in it must be percent-encoded. smtp:// requires STARTTLS:
// bcsync never sends a password or a message in plain text to another machine. ?starttls=optional
// lets it go without TLS when the server offers none, and is taken only for a server on loopback (a
// local relay, tests).
type EmailConfig struct {
	SMTPURL string
	From    string   // an address, optionally with a name: bcsync <alerts@example.com>
	To      []string // one or more addresses
}

// smtpServer is a parsed SMTPURL.
type smtpServer struct {
	scheme      string // smtp or smtps
	host, port  string
	user, pass  string
	rawPass     string // as written in the URL, percent-encoded
	starttlsOpt bool   // ?starttls=optional
}

func (s smtpServer) addr() string { return net.JoinHostPort(s.host, s.port) }

// callURL names the server in recorded calls, without credentials.
func (s smtpServer) callURL() string { return s.scheme + "://" + s.addr() }

func parseSMTPURL(raw string) (smtpServer, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" || u.Opaque != "" {
		return smtpServer{}, errorf("the email --smtp-url must look like smtp://user:password@smtp.example.com:587 or smtps://user:password@smtp.example.com:465 (percent-encode @ : / # %% in the password)")
	}
	s := smtpServer{scheme: u.Scheme, host: u.Hostname(), port: u.Port()}
	if s.port == "" {
		s.port = "587"
		if s.scheme == "smtps" {
			s.port = "465"
		}
	}
	if n, err := strconv.Atoi(s.port); err != nil || n < 1 || n > 65535 {
		return smtpServer{}, errorf("the email --smtp-url has no valid port (%q)", s.port)
	}
	if u.Path != "" && u.Path != "/" {
		return smtpServer{}, errorf("the email --smtp-url must not have a path (%q): only smtp://user:password@host:port", u.Path)
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		if i := strings.Index(raw, "://"); i >= 0 {
			userinfo := raw[i+3:]
			if at := strings.LastIndex(userinfo, "@"); at >= 0 {
				userinfo = userinfo[:at]
			}
			if _, p, ok := strings.Cut(userinfo, ":"); ok {
				s.rawPass = p
			}
		}
		if s.user != "" && s.pass == "" {
			return smtpServer{}, errorf("the email --smtp-url names user %q but no password: smtp://user:password@host:port", s.user)
		}
	}
	for k, vs := range u.Query() {
		switch {
		case k == "starttls" && s.scheme == "smtp" && len(vs) == 1 && (vs[0] == "required" || vs[0] == "optional"):
			s.starttlsOpt = vs[0] == "optional"
		case k == "starttls" && s.scheme == "smtps":
			return smtpServer{}, errorf("the email --smtp-url takes ?starttls only with smtp://: smtps:// is TLS from the first byte")
		case k == "starttls":
			return smtpServer{}, errorf("the email --smtp-url's ?starttls must be required (the default) or optional")
		default:
			return smtpServer{}, errorf("the email --smtp-url has an unknown parameter %q: it takes only ?starttls=optional", k)
		}
	}
	if s.starttlsOpt && !loopbackHost(s.host) {
		return smtpServer{}, errorf("the email --smtp-url may say ?starttls=optional only for a server on loopback (localhost, 127.0.0.1, ::1): elsewhere the password and the message would cross the network in plain text")
	}
	return s, nil
}

func (c EmailConfig) problems() []error {
	var ps []error
	if strings.TrimSpace(c.SMTPURL) == "" {
		ps = append(ps, errorf("an email channel needs --smtp-url, the SMTP server: smtp://user:password@smtp.example.com:587 (STARTTLS) or smtps://…:465"))
	} else if _, err := parseSMTPURL(c.SMTPURL); err != nil {
		ps = append(ps, err)
	}
	if strings.TrimSpace(c.From) == "" {
		ps = append(ps, errorf("an email channel needs --from, the address alerts come from (bcsync <alerts@example.com>)"))
	} else if _, err := mail.ParseAddress(c.From); err != nil {
		ps = append(ps, errorf("the email --from %q is not an email address", c.From))
	}
	if len(c.To) == 0 {
		ps = append(ps, errorf("an email channel needs --to, one or more addresses to send alerts to"))
	}
	for _, to := range c.To {
		if _, err := mail.ParseAddress(to); err != nil {
			ps = append(ps, errorf("the email --to %q is not an email address", to))
		}
	}
	return ps
}

// secrets are the whole URL (it holds the password) and the password, decoded and as written.
func (c EmailConfig) secrets() []string {
	out := []string{}
	if s, err := parseSMTPURL(c.SMTPURL); err == nil && s.pass != "" {
		out = append(out, s.pass)
		if s.rawPass != "" && s.rawPass != s.pass {
			out = append(out, s.rawPass)
		}
	}
	if strings.TrimSpace(c.SMTPURL) != "" {
		out = append(out, strings.TrimSpace(c.SMTPURL))
	}
	return out
}

// Email sends a multipart message over SMTP. It is safe for concurrent use: each Send is a session of
// its own.
type Email struct {
	server   smtpServer
	from     *mail.Address
	to       []*mail.Address
	tls      *tls.Config
	helo     string
	timeout  time.Duration
	now      func() time.Time
	observer apicall.Observer
	redactor *apicall.Redactor
}

// NewEmail checks cfg and returns the channel.
func NewEmail(cfg EmailConfig, opts Options) (*Email, error) {
	if err := errorsOf(cfg.problems()); err != nil {
		return nil, err
	}
	server, _ := parseSMTPURL(cfg.SMTPURL)
	from, _ := mail.ParseAddress(cfg.From)
	e := &Email{
		server: server, from: from, tls: opts.tlsConfig(server.host), helo: opts.Hostname,
		timeout: opts.timeout(), now: opts.now, observer: opts.Observer, redactor: apicall.NewRedactor(cfg.secrets()...),
	}
	for _, t := range cfg.To {
		a, _ := mail.ParseAddress(t)
		e.to = append(e.to, a)
	}
	if e.helo == "" {
		e.helo, _ = os.Hostname()
	}
	if e.helo == "" || strings.ContainsAny(e.helo, " \r\n") {
		e.helo = "localhost"
	}
	return e, nil
}

// Send delivers the message in one SMTP session and reports it as one call (API "email", method
// "SMTP", status 250 or the server's reply code).
func (e *Email) Send(ctx context.Context, m Message) error {
	m, err := m.prepare(e.now())
	if err != nil {
		return invalidMessage(TypeEmail, err)
	}
	msg, err := e.Compose(m)
	if err != nil {
		return invalidMessage(TypeEmail, err)
	}
	call := &apicall.Call{
		API: "email", Method: "SMTP", URL: e.server.callURL(), Started: time.Now(),
		RequestHeader: e.redactor.Header(map[string][]string{
			"From": {e.from.String()}, "To": {strings.ReplaceAll(joinAddresses(e.to), "\r\n", "")}, "Subject": {Title(m)},
		}),
		RequestSize: int64(len(msg)),
	}
	head := msg
	if len(head) > apicall.MaxBody {
		head, call.Truncated = head[:apicall.MaxBody], true
	}
	call.RequestBody = e.redactor.Bytes(head)

	status, serr := e.deliver(ctx, msg)
	call.Duration = time.Since(call.Started)
	call.Status = status
	if serr != nil {
		call.Err = e.redactor.String(serr.Error())
	}
	if e.observer != nil {
		e.observer.ObserveCall(ctx, call)
	}
	if serr != nil {
		return serr
	}
	return nil
}

// deliver runs one SMTP session: connect (TLS at once for smtps), EHLO, STARTTLS (required unless
// the URL says optional), AUTH PLAIN or LOGIN, MAIL, RCPT for each recipient, DATA, QUIT. It returns
// the last reply code: 250 when the server took the message.
func (e *Email) deliver(parent context.Context, msg []byte) (int, *SendError) {
	ctx, cancel := context.WithTimeout(parent, e.timeout)
	defer cancel()
	s := e.server
	service := "the SMTP server " + s.addr()
	fail := func(step string, err error) (int, *SendError) {
		return e.smtpError(parent, ctx, service, step, err)
	}

	var conn net.Conn
	var err error
	dialer := &net.Dialer{}
	if s.scheme == "smtps" {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: e.tls}).DialContext(ctx, "tcp", s.addr())
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", s.addr())
	}
	if err != nil {
		return fail("connect", err)
	}
	if d, ok := ctx.Deadline(); ok {
		conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return fail("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(e.helo); err != nil {
		return fail("EHLO", err)
	}
	if s.scheme == "smtp" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(e.tls); err != nil {
				return fail("STARTTLS", err)
			}
		} else if !s.starttlsOpt {
			return 0, &SendError{Channel: TypeEmail, Reason: service + " does not offer STARTTLS, and bcsync sends mail only over TLS: use smtps:// if the server takes TLS on connection (usually port 465), or a server that offers STARTTLS"}
		}
	}
	if s.user != "" {
		ok, mechs := c.Extension("AUTH")
		var auth smtp.Auth
		switch offered := strings.Fields(strings.ToUpper(mechs)); {
		case ok && slices.Contains(offered, "PLAIN"):
			auth = smtp.PlainAuth("", s.user, s.pass, s.host)
		case ok && slices.Contains(offered, "LOGIN"):
			auth = &loginAuth{user: s.user, pass: s.pass, host: s.host}
		default:
			return 0, &SendError{Channel: TypeEmail, Reason: fmt.Sprintf("%s offers no login bcsync can use (it offers %q; bcsync speaks PLAIN and LOGIN): check the URL, or leave the user and password out for a relay that needs none", service, mechs)}
		}
		if err := c.Auth(auth); err != nil {
			return fail("AUTH", err)
		}
	}
	if err := c.Mail(e.from.Address); err != nil {
		return fail("MAIL FROM", err)
	}
	for _, to := range e.to {
		if err := c.Rcpt(to.Address); err != nil {
			return fail("RCPT TO "+to.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fail("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fail("DATA", err)
	}
	if err := w.Close(); err != nil {
		return fail("DATA", err)
	}
	c.Quit() // the message is taken; a failing QUIT changes nothing
	return 250, nil
}

// smtpError classifies a failed step: a 4xx reply, a dropped connection or a timeout may pass later;
// a 5xx reply, a refused login, an untrusted certificate will not.
func (e *Email) smtpError(parent, ctx context.Context, service, step string, err error) (int, *SendError) {
	var te *textproto.Error
	if errors.As(err, &te) {
		se := &SendError{Channel: TypeEmail, Status: te.Code, Code: strconv.Itoa(te.Code), Retryable: te.Code >= 400 && te.Code < 500, Err: err}
		reply := oneLine(fmt.Sprintf("%d %s", te.Code, te.Msg))
		switch {
		case e.server.user == "" && (te.Code == 530 || strings.HasPrefix(te.Msg, "5.7.0")):
			se.Reason = fmt.Sprintf("%s requires a login (%s): put user:password in --smtp-url", service, reply)
		case step == "AUTH" && !se.Retryable:
			se.Reason = fmt.Sprintf("%s refused the user name or password (%s): check the credentials in --smtp-url", service, reply)
		case se.Retryable:
			se.Reason = fmt.Sprintf("%s deferred the message at %s (%s); it may pass later", service, step, reply)
		case strings.HasPrefix(step, "RCPT"):
			se.Reason = fmt.Sprintf("%s refused the recipient at %s (%s): check --to", service, step, reply)
		case step == "MAIL FROM":
			se.Reason = fmt.Sprintf("%s refused the sender (%s): check --from, which the server may require to match the login", service, reply)
		default:
			se.Reason = fmt.Sprintf("%s refused the message at %s (%s)", service, step, reply)
		}
		se.Reason = e.redactor.String(se.Reason)
		return te.Code, se
	}
	timedOut := ctx.Err() != nil && parent.Err() == nil
	switch {
	case parent.Err() != nil || certificateError(err):
		return 0, transportError(TypeEmail, service, parent, e.timeout, err, e.redactor.String)
	case timedOut || isTimeout(err):
		return 0, transportError(TypeEmail, service, parent, e.timeout, context.DeadlineExceeded, e.redactor.String)
	case step == "connect":
		return 0, transportError(TypeEmail, service, parent, e.timeout, err, e.redactor.String)
	case isNetError(err):
		return 0, &SendError{Channel: TypeEmail, Retryable: true, Err: err,
			Reason: e.redactor.String(fmt.Sprintf("%s dropped the connection at %s (%v); it may pass later", service, step, err))}
	}
	// Neither a reply nor the network: net/smtp refused something itself (a login over an
	// unencrypted connection, a line it will not send). Trying again will not help.
	return 0, &SendError{Channel: TypeEmail, Err: err,
		Reason: e.redactor.String(fmt.Sprintf("bcsync could not complete %s with %s (%v)", step, service, err))}
}

func isNetError(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// loginAuth is the LOGIN mechanism (user name and password each in answer to a prompt), which some
// servers offer instead of PLAIN. Like smtp.PlainAuth it refuses an unencrypted connection except to
// loopback.
type loginAuth struct {
	user, pass, host string
}

func (a *loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !loopbackHost(server.Name) {
		return "", nil, errors.New("unencrypted connection")
	}
	if server.Name != a.host {
		return "", nil, errors.New("wrong host name")
	}
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch p := strings.ToLower(strings.TrimSpace(string(fromServer))); {
	case strings.HasPrefix(p, "user"):
		return []byte(a.user), nil
	case strings.HasPrefix(p, "pass"):
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("unexpected LOGIN prompt %q", fromServer)
}

// Compose is the whole message: headers, then multipart/alternative with the text (Text) and an HTML
// rendering, both UTF-8 in quoted-printable.
func (e *Email) Compose(m Message) ([]byte, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, part := range []struct {
		ctype   string
		content func(io.Writer) error
	}{
		{"text/plain; charset=utf-8", func(w io.Writer) error { _, err := io.WriteString(w, crlf(Text(m))); return err }},
		{"text/html; charset=utf-8", func(w io.Writer) error { return emailHTML.Execute(w, htmlView(m)) }},
	} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {part.ctype}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(pw)
		if err := part.content(qp); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}

	domain := "bcsync.invalid"
	if _, d, ok := strings.Cut(e.from.Address, "@"); ok && d != "" {
		domain = d
	}
	var id [16]byte
	rand.Read(id[:])
	var h bytes.Buffer
	header := func(k, v string) { h.WriteString(k + ": " + v + "\r\n") }
	header("From", e.from.String())
	header("To", joinAddresses(e.to))
	header("Subject", encodeHeader(Title(m)))
	header("Date", e.now().Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+domain+">")
	// Triggered and resolved notices of one condition share a reference, so mail clients thread them.
	header("References", "<alert."+shortHash(m.DedupKey)+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", `multipart/alternative; boundary="`+mw.Boundary()+`"`)
	header("Auto-Submitted", "auto-generated")
	header("X-Bcsync-State", string(m.State))
	h.WriteString("\r\n")
	h.Write(body.Bytes())
	return h.Bytes(), nil
}

// encodeHeader encodes a header value per RFC 2047 when it is not ASCII, folding between encoded
// words so lines stay short.
func encodeHeader(v string) string {
	v = oneLine(v)
	enc := mime.QEncoding.Encode("utf-8", v)
	if enc == v {
		return v
	}
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

func joinAddresses(as []*mail.Address) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ",\r\n ")
}

func crlf(s string) string {
	return strings.ReplaceAll(normalizeNewlines(s), "\n", "\r\n")
}

// htmlView is what the HTML template shows.
type htmlData struct {
	Title, Summary, Detail, URL, When string
	Color                             string
	Facts                             []Figure
}

func htmlView(m Message) htmlData {
	color := map[Severity]string{Critical: "#b3261e", Warning: "#b25e00", Info: "#1d5fa8"}[m.Severity]
	switch m.State {
	case Resolved:
		color = "#1e7b34"
	case Test:
		color = "#555555"
	}
	d := htmlData{Title: Title(m), Summary: oneLine(m.Summary), Detail: strings.TrimSpace(normalizeNewlines(m.Detail)), URL: m.URL, Color: color, Facts: facts(m)}
	if !m.At.IsZero() {
		d.When = when(m)
	}
	return d
}

var emailHTML = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#1f1f1f">
<h1 style="font-size:18px;margin:0 0 8px 0;color:{{.Color}}">{{.Title}}</h1>
{{if .Summary}}<p style="margin:0 0 12px 0">{{.Summary}}</p>{{end}}
{{if .Facts}}<table cellpadding="4" cellspacing="0" style="border-collapse:collapse;margin:0 0 12px 0">
{{range .Facts}}<tr><th align="left" style="font-weight:600;padding-right:16px">{{.Label}}</th><td>{{.Value}}</td></tr>
{{end}}</table>{{end}}
{{if .Detail}}<pre style="font-family:inherit;white-space:pre-wrap;margin:0 0 12px 0">{{.Detail}}</pre>{{end}}
{{if .URL}}<p><a href="{{.URL}}">Open the run in bcsync</a></p>{{end}}
{{if .When}}<p style="color:#666666;font-size:12px">{{.When}}</p>{{end}}
</body></html>
`))
