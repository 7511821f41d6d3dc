package source

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"syscall"
	"time"
)

// Part names what a failure is about, so that the UI can point at the thing to fix.
type Part string

const (
	PartURL        Part = "url"        // the URL is malformed or names no engine
	PartHost       Part = "host"       // host not found, connection refused or no answer, TLS
	PartAuth       Part = "auth"       // the user or the password was refused
	PartDatabase   Part = "database"   // the database does not exist
	PartPermission Part = "permission" // the user may not read this database or table
	PartFile       Part = "file"       // the file is missing or unreadable; an HTTP error status
	PartFormat     Part = "format"     // not a CSV file or not a SQLite database; a bad CSV header
	PartQuery      Part = "query"      // the SQL or the table name is wrong: syntax, unknown table or column
	PartReadOnly   Part = "read-only"  // the model tried to write
	PartTimeout    Part = "timeout"    // the query ran longer than its timeout
)

// Error is a failure of a source, with the part that failed and a sentence for the person who set the
// source up. Its text never contains the URL's password.
type Error struct {
	Engine string // "postgres", "mysql", "sqlite" or "csv"; empty when the URL named no engine
	Part   Part
	Msg    string // e.g. `PostgreSQL at db.example.com:5432 refused the password for user "etl"`
	Err    error  // the underlying error, for errors.As; nil when there is none
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// PartOf returns the Part of the *Error in err's chain, or "" when there is none.
func PartOf(err error) Part {
	var e *Error
	if errors.As(err, &e) {
		return e.Part
	}
	return ""
}

// failer builds the errors of one source: it knows the engine, how to name the server in a sentence,
// and the secrets to keep out of every message.
type failer struct {
	engine  string
	secrets []string
}

// fail returns an *Error whose message is msg with every secret hidden. An *url.Error around err is
// dropped: it quotes the whole URL, query string (a signed link's token) included.
func (f failer) fail(part Part, err error, format string, args ...any) *Error {
	var ue *url.Error
	if errors.As(err, &ue) && ue == err {
		err = ue.Err
	}
	return &Error{Engine: f.engine, Part: part, Msg: redactText(fmt.Sprintf(format, args...), f.secrets), Err: err}
}

// network classifies a failure to reach server (a sentence's subject, e.g. "PostgreSQL at
// db.example.com:5432"): host not found, connection refused, no answer, TLS. It returns nil when err is
// none of these.
func (f failer) network(server, host string, err error) *Error {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		if dns.IsNotFound {
			return f.fail(PartHost, err, "%s: the host name %q was not found (DNS): check the host", server, host)
		}
		return f.fail(PartHost, err, "%s: the host name %q could not be looked up (DNS: %s)", server, host, dns.Err)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return f.fail(PartHost, err, "%s refused the connection: is the server running, and listening on that port?", server)
	}
	if errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return f.fail(PartHost, err, "%s cannot be reached from here (no route to host)", server)
	}
	var cert *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	if errors.As(err, &cert) || errors.As(err, &unknownAuthority) || errors.As(err, &hostname) {
		return f.fail(PartHost, err, "%s: its TLS certificate was not accepted (%s)", server, rootCause(err))
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
		return f.fail(PartHost, err, "%s did not answer in time: check the host, the port and any firewall", server)
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return f.fail(PartHost, err, "%s could not be reached: %s", server, rootCause(err))
	}
	return nil
}

// timeout is the error of a query stopped by its timeout.
func (f failer) timeout(server string, d time.Duration, err error) *Error {
	return f.fail(PartTimeout, err, "%s stopped the query: it ran longer than its timeout of %s", server, d)
}

// canceled reports whether err comes from the caller's own context being cancelled or running out,
// which is not the source's failure and is returned as the context's error.
func canceled(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// rootCause is the innermost error's text: what a person needs, without the layers of "dial tcp …".
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}
