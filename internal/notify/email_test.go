package notify

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

const (
	smtpUser = "alerts@example.com"
	smtpPass = "s3cret:p@ss/word#1" // every character that must be percent-encoded in a URL
	// smtpPassInURL is smtpPass as written in --smtp-url.
	smtpPassInURL = "s3cret%3Ap%40ss%2Fword%231"
)

// testCert is a self-signed certificate for 127.0.0.1 and localhost, and a pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "bcsync test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// mailbox is a real SMTP server (go-smtp) that checks the login, and keeps what it receives.
type mailbox struct {
	addr  string
	mechs []string              // AUTH mechanisms offered; PLAIN by default
	rcpt  func(to string) error // a recipient's answer; nil accepts all
	mu    sync.Mutex
	mails []received
	auths []string // every AUTH attempt: mechanism and outcome
}

type received struct {
	from string
	to   []string
	data []byte
	tls  bool
	user string
}

type mailboxMode int

const (
	withSTARTTLS mailboxMode = iota // plain port that offers STARTTLS
	implicitTLS                     // TLS from the first byte
	noTLS                           // plain port without STARTTLS, which would even take a login in the clear
)

func newMailbox(t *testing.T, mode mailboxMode, cert tls.Certificate, tweak ...func(*mailbox)) *mailbox {
	t.Helper()
	mb := &mailbox{mechs: []string{sasl.Plain}}
	for _, f := range tweak {
		f(mb)
	}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &mailSession{mb: mb, conn: c}, nil }))
	s.Domain = "localhost"
	s.ErrorLog = log.New(io.Discard, "", 0)
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}}
	switch mode {
	case withSTARTTLS:
		s.TLSConfig = tlsConf
	case implicitTLS:
		l = tls.NewListener(l, tlsConf)
	case noTLS:
		s.AllowInsecureAuth = true
	}
	mb.addr = l.Addr().String()
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return mb
}

func (mb *mailbox) received() []received {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return append([]received(nil), mb.mails...)
}

type mailSession struct {
	mb   *mailbox
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (s *mailSession) AuthMechanisms() []string { return s.mb.mechs }

func (s *mailSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		ok := user == smtpUser && pass == smtpPass
		s.mb.mu.Lock()
		s.mb.auths = append(s.mb.auths, mech+" "+map[bool]string{true: "ok", false: "refused"}[ok])
		s.mb.mu.Unlock()
		if !ok {
			return smtp.ErrAuthFailed
		}
		s.user = user
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error {
			if identity != "" && identity != user {
				return smtp.ErrAuthFailed
			}
			return check(user, pass)
		}), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.mb.rcpt != nil {
		if err := s.mb.rcpt(to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.mb.mu.Lock()
	s.mb.mails = append(s.mb.mails, received{from: s.from, to: s.to, data: data, tls: isTLS, user: s.user})
	s.mb.mu.Unlock()
	return nil
}

func (s *mailSession) Reset()        { s.from, s.to = "", nil }
func (s *mailSession) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN.
type loginServer struct {
	step  int
	user  string
	check func(user, pass string) error
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		return []byte("Username:"), false, nil
	case 2:
		l.user = string(resp)
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(l.user, string(resp))
}

func newTestEmail(t *testing.T, smtpURL string, pool *x509.CertPool, log *callLog, to ...string) Channel {
	t.Helper()
	if len(to) == 0 {
		to = []string{"ops@example.com", "Zoë Ops <zoe@example.org>"}
	}
	o := Options{RootCAs: pool, Hostname: "bcsync.test", Timeout: 5 * time.Second, Now: func() time.Time { return testAt.Add(time.Second) }}
	if log != nil {
		o.Observer = log
	}
	ch, err := Config{Type: TypeEmail, SMTPURL: smtpURL, From: "bcsync alerts <alerts@example.com>", To: to}.Build(o)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func credentialsURL(scheme, addr string) string {
	return scheme + "://" + strings.Replace(smtpUser, "@", "%40", 1) + ":" + smtpPassInURL + "@" + addr
}

func TestEmailOverSTARTTLSIsAProperMessage(t *testing.T) {
	cert, pool := testCert(t)
	mb := newMailbox(t, withSTARTTLS, cert)
	log := &callLog{}
	m := sample()
	m.Store = "Café Zoë"
	m.Summary = `3 records were rejected: <script>alert("x")</script> & more`
	if err := newTestEmail(t, credentialsURL("smtp", mb.addr), pool, log).Send(scoped(), m); err != nil {
		t.Fatal(err)
	}
	mails := mb.received()
	if len(mails) != 1 {
		t.Fatalf("%d messages received", len(mails))
	}
	got := mails[0]
	if !got.tls || got.user != smtpUser || got.from != "alerts@example.com" || strings.Join(got.to, ",") != "ops@example.com,zoe@example.org" {
		t.Errorf("envelope: tls %v user %q from %q to %v", got.tls, got.user, got.from, got.to)
	}
	for i, b := range got.data {
		if b > 127 {
			t.Fatalf("byte %d of the message is not ASCII: the message must be 7-bit clean", i)
		}
	}
	for _, line := range strings.Split(string(got.data), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("a line of %d characters", len(line))
		}
	}

	msg, err := mail.ReadMessage(bytes.NewReader(got.data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	for _, k := range []string{"Message-Id", "Date", "From", "To", "Subject", "Mime-Version", "Content-Type"} {
		if h.Get(k) == "" {
			t.Errorf("no %s header", k)
		}
	}
	if id := h.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") {
		t.Errorf("Message-ID %q", id)
	}
	if d, err := h.Date(); err != nil || !d.Equal(testAt.Add(time.Second)) {
		t.Errorf("Date %q: %v", h.Get("Date"), err)
	}
	if from, err := mail.ParseAddress(h.Get("From")); err != nil || from.Address != "alerts@example.com" || from.Name != "bcsync alerts" {
		t.Errorf("From %q", h.Get("From"))
	}
	if to, err := h.AddressList("To"); err != nil || len(to) != 2 || to[1].Name != "Zoë Ops" {
		t.Errorf("To %q: %v", h.Get("To"), err)
	}
	if !strings.HasPrefix(h.Get("Subject"), "=?utf-8?q?") {
		t.Errorf("a non-ASCII subject must be RFC 2047 encoded: %q", h.Get("Subject"))
	}
	if subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject")); err != nil || subject != Title(m) {
		t.Errorf("Subject decodes to %q, want %q", subject, Title(m))
	}
	if h.Get("Mime-Version") != "1.0" || h.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("MIME-Version %q, Auto-Submitted %q", h.Get("Mime-Version"), h.Get("Auto-Submitted"))
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q", h.Get("Content-Type"))
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if cp["charset"] != "utf-8" {
			t.Errorf("%s has charset %q", ct, cp["charset"])
		}
		body, _ := io.ReadAll(p) // quoted-printable is decoded by the reader
		parts[ct] = string(body)
	}
	if len(parts) != 2 || parts["text/plain"] == "" || parts["text/html"] == "" {
		t.Fatalf("parts %v", parts)
	}
	if text := strings.ReplaceAll(parts["text/plain"], "\r\n", "\n"); text != Text(m) {
		t.Errorf("text part:\n%s\nwant:\n%s", text, Text(m))
	}
	html := parts["text/html"]
	for _, want := range []string{"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more", "Café Zoë", `<a href="https://bcsync.example.com/syncs/warehouse/12/runs/381">`, "3 of 1,200 (0.25%)"} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML part lacks %q:\n%s", want, html)
		}
	}
	if strings.Contains(html, "<script>") {
		t.Errorf("the HTML part is not escaped:\n%s", html)
	}

	c, scope := log.only(t)
	checkScope(t, scope)
	if c.API != "email" || c.Method != "SMTP" || c.URL != "smtp://"+mb.addr || c.Status != 250 || c.Err != "" || c.Duration <= 0 {
		t.Errorf("call %+v", c)
	}
	if !strings.Contains(string(c.RequestBody), "multipart/alternative") || c.RequestSize != int64(len(got.data)) {
		t.Errorf("the call keeps the message sent (%d bytes recorded of %d)", len(c.RequestBody), c.RequestSize)
	}
	noSecrets(t, log.all(), nil, smtpPass, smtpPassInURL)
}

func TestEmailOverImplicitTLSWithLogin(t *testing.T) {
	cert, pool := testCert(t)
	mb := newMailbox(t, implicitTLS, cert, func(mb *mailbox) { mb.mechs = []string{sasl.Login} })
	log := &callLog{}
	if err := newTestEmail(t, credentialsURL("smtps", mb.addr), pool, log).Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	if mails := mb.received(); len(mails) != 1 || !mails[0].tls || mails[0].user != smtpUser {
		t.Fatalf("received %+v", mails)
	}
	if mb.auths[0] != "LOGIN ok" {
		t.Errorf("auth %v", mb.auths)
	}
	c, _ := log.only(t)
	if c.URL != "smtps://"+mb.addr || c.Status != 250 {
		t.Errorf("call %s %d", c.URL, c.Status)
	}
	noSecrets(t, log.all(), nil, smtpPass, smtpPassInURL)
}

func TestEmailWrongPasswordIsPermanent(t *testing.T) {
	cert, pool := testCert(t)
	mb := newMailbox(t, withSTARTTLS, cert)
	log := &callLog{}
	wrong := "smtp://" + strings.Replace(smtpUser, "@", "%40", 1) + ":not-the-password@" + mb.addr
	err := newTestEmail(t, wrong, pool, log).Send(context.Background(), sample())
	se := sendError(t, err)
	if se.Retryable || se.Status != 535 || se.Channel != TypeEmail || !strings.Contains(err.Error(), "refused the user name or password (535 5.7.8 Authentication failed): check the credentials in --smtp-url") {
		t.Errorf("%v (%+v)", err, se)
	}
	if len(mb.received()) != 0 {
		t.Error("a message went out")
	}
	c, _ := log.only(t)
	if c.Status != 535 || c.Err == "" {
		t.Errorf("call status %d err %q", c.Status, c.Err)
	}
	noSecrets(t, log.all(), err, "not-the-password")
}

func TestEmailNeverFallsBackToPlainText(t *testing.T) {
	cert, pool := testCert(t)
	// This server offers no STARTTLS and would accept the login and the message in the clear.
	mb := newMailbox(t, noTLS, cert)
	log := &callLog{}
	err := newTestEmail(t, credentialsURL("smtp", mb.addr), pool, log).Send(context.Background(), sample())
	se := sendError(t, err)
	if se.Retryable || !strings.Contains(err.Error(), "does not offer STARTTLS, and bcsync sends mail only over TLS") {
		t.Errorf("%v", err)
	}
	if len(mb.auths) != 0 || len(mb.received()) != 0 {
		t.Errorf("credentials or a message crossed in plain text: auths %v, mails %d", mb.auths, len(mb.received()))
	}
	if c, _ := log.only(t); c.Status != 0 || c.Err == "" {
		t.Errorf("call %+v", c)
	}

	// The same server on loopback is allowed when the URL says so (a local relay).
	if err := newTestEmail(t, credentialsURL("smtp", mb.addr)+"?starttls=optional", pool, nil).Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	if mails := mb.received(); len(mails) != 1 || mails[0].tls {
		t.Errorf("received %+v", mails)
	}
}

// fakeSMTP is a scripted server: it offers STARTTLS and refuses it, and notes every command after.
func fakeSMTP(t *testing.T, starttlsReply string) (addr string, commands func() []string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var mu sync.Mutex
	var cmds []string
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				r := bufio.NewReader(conn)
				io.WriteString(conn, "220 fake ESMTP\r\n")
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					cmd := strings.ToUpper(strings.Fields(strings.TrimSpace(line) + " x")[0])
					mu.Lock()
					cmds = append(cmds, cmd)
					mu.Unlock()
					switch cmd {
					case "EHLO":
						io.WriteString(conn, "250-fake\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n")
					case "STARTTLS":
						io.WriteString(conn, starttlsReply+"\r\n")
					case "QUIT":
						io.WriteString(conn, "221 bye\r\n")
						return
					default:
						io.WriteString(conn, "250 ok\r\n")
					}
				}
			}()
		}
	}()
	return l.Addr().String(), func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), cmds...) }
}

func TestEmailWithoutLoginWhereOneIsRequired(t *testing.T) {
	cert, pool := testCert(t)
	mb := newMailbox(t, withSTARTTLS, cert)
	err := newTestEmail(t, "smtp://"+mb.addr, pool, nil).Send(context.Background(), sample())
	se := sendError(t, err)
	if se.Retryable || !strings.Contains(err.Error(), "requires a login (502 5.7.0 Please authenticate first): put user:password in --smtp-url") {
		t.Errorf("%v", err)
	}
}

func TestEmailRefusedSTARTTLSSendsNothing(t *testing.T) {
	for _, tc := range []struct {
		reply     string
		retryable bool
	}{
		{"454 4.7.0 TLS not available due to temporary reason", true},
		{"502 5.5.1 Command not implemented", false},
	} {
		addr, commands := fakeSMTP(t, tc.reply)
		err := newTestEmail(t, credentialsURL("smtp", addr), nil, nil).Send(context.Background(), sample())
		se := sendError(t, err)
		if se.Retryable != tc.retryable || !strings.Contains(err.Error(), "at STARTTLS") {
			t.Errorf("%s: %v (%+v)", tc.reply, err, se)
		}
		for _, c := range commands() {
			if c == "AUTH" || c == "MAIL" || c == "DATA" {
				t.Errorf("%s: the client went on in plain text: %v", tc.reply, commands())
			}
		}
	}
}

func TestEmailUntrustedCertificateIsPermanent(t *testing.T) {
	cert, _ := testCert(t)
	for _, mode := range []mailboxMode{withSTARTTLS, implicitTLS} {
		mb := newMailbox(t, mode, cert)
		scheme := map[mailboxMode]string{withSTARTTLS: "smtp", implicitTLS: "smtps"}[mode]
		err := newTestEmail(t, credentialsURL(scheme, mb.addr), nil, nil).Send(context.Background(), sample())
		se := sendError(t, err)
		if se.Retryable || !strings.Contains(err.Error(), "certificate was not trusted") {
			t.Errorf("%s: %v", scheme, err)
		}
		if len(mb.auths) != 0 || len(mb.received()) != 0 {
			t.Errorf("%s: something was sent to an untrusted server", scheme)
		}
	}
}

func TestEmailImplicitTLSToAPlainPort(t *testing.T) {
	cert, pool := testCert(t)
	mb := newMailbox(t, withSTARTTLS, cert)
	err := newTestEmail(t, credentialsURL("smtps", mb.addr), pool, nil).Send(context.Background(), sample())
	se := sendError(t, err)
	if se.Retryable || !strings.Contains(err.Error(), "did not answer in TLS") || !strings.Contains(err.Error(), "check the address and port") {
		t.Errorf("%v", err)
	}
}

func TestEmailRecipientAnswers(t *testing.T) {
	cert, pool := testCert(t)
	for _, tc := range []struct {
		err       *smtp.SMTPError
		retryable bool
		says      string
	}{
		{&smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 0}, Message: "Mailbox busy"}, true, "deferred the message at RCPT TO zoe@example.org (450 4.2.0 Mailbox busy); it may pass later"},
		{&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}, false, "refused the recipient at RCPT TO zoe@example.org (550 5.1.1 No such user): check --to"},
	} {
		mb := newMailbox(t, withSTARTTLS, cert, func(mb *mailbox) {
			mb.rcpt = func(to string) error {
				if to == "zoe@example.org" {
					return tc.err
				}
				return nil
			}
		})
		err := newTestEmail(t, credentialsURL("smtp", mb.addr), pool, nil).Send(context.Background(), sample())
		se := sendError(t, err)
		if se.Retryable != tc.retryable || se.Status != tc.err.Code || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%d: %v (%+v)", tc.err.Code, err, se)
		}
		if len(mb.received()) != 0 {
			t.Errorf("%d: the message went to some recipients only", tc.err.Code)
		}
	}
}

func TestEmailSilentServerTimesOut(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // held open, never greeted
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	ch, err := Config{Type: TypeEmail, SMTPURL: credentialsURL("smtp", l.Addr().String()), From: "alerts@example.com", To: []string{"ops@example.com"}}.
		Build(Options{Timeout: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = ch.Send(context.Background(), sample())
	se := sendError(t, err)
	if !se.Retryable || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not answer within 150ms") {
		t.Errorf("%v (%+v)", err, se)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("the timeout did not bound the session")
	}

	// Nobody listening: retryable too.
	l.Close()
	err = ch.Send(context.Background(), sample())
	if se := sendError(t, err); !se.Retryable || !strings.Contains(err.Error(), "could not be reached") {
		t.Errorf("%v", err)
	}
}
