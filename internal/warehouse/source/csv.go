package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// csvSource reads a CSV file, local or over HTTPS. A CSV file has no server and no SQL: the query is
// the file itself, read once from top to bottom, by the rules in the package documentation.
type csvSource struct {
	failer
	path      string   // a local file, or
	link      *url.URL // a file over HTTP(S), without bcsync's own parameters
	delimiter rune     // 0: detected from the header line
	encoding  string   // "": detected from the bytes
	client    *http.Client
	ownClient bool // made here, so Close may close its idle connections
}

// isCSV accepts csv:PATH, http(s) URLs, and paths (or file: URLs) ending in .csv; not the URL of
// another scheme (ftp://, s3://) that happens to end in .csv.
func isCSV(raw string) bool {
	if prefixed("csv:", "https://", "http://")(raw) {
		return true
	}
	path, _, _ := strings.Cut(raw, "?")
	if strings.Contains(path, "://") && !prefixed("file://")(path) {
		return false
	}
	return strings.HasSuffix(strings.ToLower(path), ".csv")
}

func openCSV(_ context.Context, rawURL string, opts Options) (Source, error) {
	s := &csvSource{failer: failer{engine: "csv", secrets: Secrets(rawURL)}}
	var params string
	switch {
	case prefixed("https://", "http://")(rawURL):
		u, err := url.Parse(rawURL)
		if err != nil || u.Host == "" {
			return nil, s.badURL(rawURL, "it cannot be parsed")
		}
		if strings.EqualFold(u.Scheme, "http") && !opts.AllowInsecureHTTP {
			return nil, s.badURL(rawURL, "plain http is not allowed: data and credentials must travel over https")
		}
		// bcsync's own parameters are taken out of the query, which goes to the server, and may also
		// stand in the fragment, which never does (useful beside a signed link that must not change).
		var fromQuery string
		u.RawQuery, fromQuery = splitParams(u.RawQuery)
		params = strings.Trim(fromQuery+"&"+u.Fragment, "&")
		u.Fragment, u.RawFragment = "", ""
		s.link = u
		s.client = opts.HTTPClient
		if s.client == nil {
			s.client, s.ownClient = defaultHTTPClient(opts.connectTimeout()), true
		}
	default:
		path := rawURL
		isFileURL := false
		for _, p := range []string{"csv:", "file://", "file:"} {
			if rest, ok := strings.CutPrefix(path, p); ok {
				path, isFileURL = rest, p != "csv:"
				break
			}
		}
		path, params, _ = strings.Cut(path, "?")
		if isFileURL {
			dec, err := url.PathUnescape(path)
			if err != nil {
				return nil, s.badURL(rawURL, "bad %-escape in the path")
			}
			path = dec
		}
		if path == "" {
			return nil, s.badURL(rawURL, "no file")
		}
		s.path = path
	}
	if err := s.setParams(rawURL, params); err != nil {
		return nil, err
	}
	return s, nil
}

// csvParams are the query parameters bcsync reads itself.
var csvParams = []string{"delimiter", "encoding"}

// splitParams separates bcsync's parameters from the others, which are kept exactly as written.
func splitParams(rawQuery string) (rest, ours string) {
	var keep, take []string
	for _, kv := range strings.Split(rawQuery, "&") {
		if kv == "" {
			continue
		}
		k, _, _ := strings.Cut(kv, "=")
		if isCSVParam(k) {
			take = append(take, kv)
		} else {
			keep = append(keep, kv)
		}
	}
	return strings.Join(keep, "&"), strings.Join(take, "&")
}

func isCSVParam(k string) bool {
	for _, p := range csvParams {
		if strings.EqualFold(k, p) {
			return true
		}
	}
	return false
}

// setParams reads delimiter and encoding. The query is split by hand: "delimiter=;" is what people
// type, and net/url refuses a semicolon in a query.
func (s *csvSource) setParams(rawURL, params string) error {
	for _, kv := range strings.Split(params, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if dec, err := url.QueryUnescape(v); err == nil {
			v = dec
		}
		switch strings.ToLower(k) {
		case "delimiter":
			d, ok := parseDelimiter(v)
			if !ok {
				return s.badURL(rawURL, fmt.Sprintf("delimiter %q: use one character, or comma, semicolon, tab or pipe", v))
			}
			s.delimiter = d
		case "encoding":
			if _, ok := encodings[strings.ToLower(v)]; !ok {
				return s.badURL(rawURL, fmt.Sprintf("encoding %q: use utf-8, utf-16, utf-16le, utf-16be, windows-1252 or latin1", v))
			}
			s.encoding = strings.ToLower(v)
		default:
			return s.badURL(rawURL, fmt.Sprintf("unknown parameter %q: the ones known are delimiter and encoding", k))
		}
	}
	return nil
}

func defaultHTTPClient(connect time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = connect
	t.ResponseHeaderTimeout = 30 * time.Second
	// No Client.Timeout: it would cut a long download; Query.Timeout bounds the whole read instead.
	return &http.Client{Transport: t}
}

func (s *csvSource) Engine() string { return "csv" }

func (s *csvSource) Close() error {
	if s.ownClient {
		s.client.CloseIdleConnections()
	}
	return nil
}

// where names the file in sentences.
func (s *csvSource) where() string {
	if s.link != nil {
		return "the CSV file at " + Redact(s.link.String())
	}
	return "the CSV file " + s.path
}

// testTimeout bounds Test when ctx does not: a server that sends headers and then stalls would
// otherwise keep it waiting for the first 64 KiB for ever.
const testTimeout = 30 * time.Second

// Test opens the file and reads its header: encoding, delimiter and column names are checked, no row.
func (s *csvSource) Test(ctx context.Context) error {
	qctx, cancel := context.WithTimeout(ctx, testTimeout)
	defer cancel()
	r, err := s.open(ctx, qctx, testTimeout)
	if err != nil {
		return err
	}
	return r.Close()
}

func (s *csvSource) Query(ctx context.Context, q Query) (Rows, error) {
	if strings.TrimSpace(q.SQL) != "" {
		return nil, s.fail(PartQuery, nil, "a CSV source is read whole, as the file it is: it takes no SQL query; leave the query empty")
	}
	qctx, cancel := deadline(ctx, q.Timeout, 0)
	r, err := s.open(ctx, qctx, q.Timeout)
	if err != nil {
		cancel()
		return nil, err
	}
	r.cancel = cancel
	if err := r.infer(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// open starts reading the file: its bytes, their encoding, the delimiter and the header row.
func (s *csvSource) open(ctx, qctx context.Context, timeout time.Duration) (*csvRows, error) {
	body, err := s.body(ctx, qctx, timeout)
	if err != nil {
		return nil, err
	}
	r := &csvRows{s: s, ctx: ctx, qctx: qctx, timeout: timeout, body: body, cancel: func() {}}
	if err := r.begin(); err != nil {
		body.Close()
		return nil, err
	}
	return r, nil
}

// body opens the file's bytes: the local file, or the HTTP response's body, streamed.
func (s *csvSource) body(ctx, qctx context.Context, timeout time.Duration) (io.ReadCloser, error) {
	if s.link == nil {
		f, err := os.Open(s.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, s.fail(PartFile, err, "there is no CSV file at %s", s.path)
		case errors.Is(err, fs.ErrPermission):
			return nil, s.fail(PartFile, err, "%s cannot be read: permission denied", s.where())
		case err != nil:
			return nil, s.fail(PartFile, err, "%s cannot be read: %s", s.where(), rootCause(err))
		}
		if info, err := f.Stat(); err == nil && info.IsDir() {
			f.Close()
			return nil, s.fail(PartFile, nil, "%s is a directory, not a CSV file", s.path)
		}
		return f, nil
	}
	req, err := http.NewRequestWithContext(qctx, http.MethodGet, s.link.String(), nil)
	if err != nil {
		return nil, s.fail(PartURL, nil, "%s cannot be requested", s.where())
	}
	req.Header.Set("Accept", "text/csv, text/plain;q=0.9, */*;q=0.5")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, s.readError(ctx, qctx, timeout, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		resp.Body.Close()
		return nil, s.fail(PartAuth, nil, "the server refused access to %s (HTTP %s): the link or its credentials are wrong or expired", s.where(), resp.Status)
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		resp.Body.Close()
		return nil, s.fail(PartFile, nil, "there is no file at %s (HTTP %s)", Redact(s.link.String()), resp.Status)
	case resp.StatusCode != http.StatusOK:
		resp.Body.Close()
		return nil, s.fail(PartFile, nil, "%s could not be fetched: the server answered HTTP %s", s.where(), resp.Status)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" {
		resp.Body.Close()
		return nil, s.fail(PartFormat, nil, "%s is a web page (text/html), not a CSV file: use the link that downloads the file", s.where())
	}
	return ctxBody{ReadCloser: resp.Body, ctx: qctx}, nil
}

// ctxBody reports the end of a response body whose request's context has ended as that context's
// error: cancelled mid-body, net/http sometimes answers io.EOF, and the part read so far would pass
// for the whole file.
type ctxBody struct {
	io.ReadCloser
	ctx context.Context
}

func (b ctxBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && b.ctx.Err() != nil {
		err = b.ctx.Err()
	}
	return n, err
}

// readError classifies a failure to fetch or read the file.
func (s *csvSource) readError(ctx, qctx context.Context, timeout time.Duration, err error) error {
	if canceled(ctx, err) {
		return ctx.Err()
	}
	if timeout > 0 && qctx.Err() != nil {
		return s.fail(PartTimeout, err, "reading %s took longer than its timeout of %s", s.where(), timeout)
	}
	if s.link != nil {
		if n := s.network("the server of "+s.where(), s.link.Hostname(), err); n != nil {
			return n
		}
	}
	return s.fail(PartFile, err, "%s could not be read: %s", s.where(), rootCause(err))
}
