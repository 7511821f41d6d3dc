package source_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// csvServer serves CSV files over HTTPS with a test certificate: /customers.csv, and paths that
// fail the ways web servers do. It records the query strings it was asked for.
func csvServer(t testing.TB) (srv *httptest.Server, queries chan string) {
	t.Helper()
	queries = make(chan string, 10)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /customers.csv", func(w http.ResponseWriter, r *http.Request) {
		queries <- r.URL.RawQuery
		w.Header().Set("Content-Type", "text/csv")
		fmt.Fprint(w, "id;email\n1;a@example.com\n2;b@example.com\n")
	})
	mux.HandleFunc("GET /expired.csv", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Request has expired", http.StatusForbidden)
	})
	mux.HandleFunc("GET /login.csv", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<html><body>Sign in</body></html>")
	})
	mux.HandleFunc("GET /broken.csv", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "oops", http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /slow.csv", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "id\n1\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // the rest never comes
	})
	srv = httptest.NewUnstartedServer(mux)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake of the certificate test
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, queries
}

func TestCSVOverHTTPSStreamsTheFileAndKeepsBcsyncParametersToItself(t *testing.T) {
	srv, queries := csvServer(t)
	opts := source.Options{HTTPClient: srv.Client()}
	// A signed link keeps its own query; bcsync's parameter is taken out of it.
	src := open(t, srv.URL+"/customers.csv?X-Amz-Signature=abc&delimiter=%3B", opts)
	if src.Engine() != "csv" {
		t.Fatalf("engine %q", src.Engine())
	}
	cols, rows := readAll(t, src, source.Query{})
	wantColumns(t, cols, "id text (inferred integer) integer unknown", "email text text unknown")
	wantValues(t, rows[1], int64(2), "b@example.com")
	if q := <-queries; q != "X-Amz-Signature=abc" {
		t.Errorf("the server was asked for %q", q)
	}
	// Parameters may also stand in the fragment, which never reaches the server.
	readAll(t, open(t, srv.URL+"/customers.csv#delimiter=;", opts), source.Query{})
	if q := <-queries; q != "" {
		t.Errorf("the server was asked for %q", q)
	}
}

func TestCSVOverHTTPSNamesWhatIsWrong(t *testing.T) {
	srv, _ := csvServer(t)
	opts := source.Options{HTTPClient: srv.Client()}
	ctx := context.Background()
	for _, c := range []struct {
		name, url string
		opts      source.Options
		part      source.Part
		says      string
	}{
		{"no such file", srv.URL + "/missing.csv", opts, source.PartFile, "404"},
		{"the link expired", srv.URL + "/expired.csv", opts, source.PartAuth, "403"},
		{"a web page", srv.URL + "/login.csv", opts, source.PartFormat, "web page"},
		{"a server error", srv.URL + "/broken.csv", opts, source.PartFile, "500"},
		{"an untrusted certificate", srv.URL + "/customers.csv", source.Options{}, source.PartHost, "certificate"},
		{"nothing listens", "https://127.0.0.1:1/customers.csv", opts, source.PartHost, "refused the connection"},
		{"no such host", "https://files.nonexistent.invalid/customers.csv", opts, source.PartHost, "was not found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			msg := wantPart(t, open(t, c.url, c.opts).Test(ctx), c.part)
			if !contains(msg, c.says) {
				t.Errorf("%q does not say %q", msg, c.says)
			}
		})
	}
}

func TestCSVOverHTTPStopsAStalledDownloadAtTheTimeout(t *testing.T) {
	srv, _ := csvServer(t)
	src := open(t, srv.URL+"/slow.csv", source.Options{HTTPClient: srv.Client()})
	start := time.Now()
	msg := wantPart(t, queryErr(src, source.Query{Timeout: 300 * time.Millisecond}), source.PartTimeout)
	if !contains(msg, "300ms") {
		t.Errorf("%q does not name the timeout", msg)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the read went on for %s", took)
	}
}

func TestCSVOverPlainHTTPOnlyWhenAllowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "a\n1\n")
	}))
	t.Cleanup(srv.Close)
	_, err := source.Open(context.Background(), srv.URL+"/a.csv", source.Options{})
	if msg := wantPart(t, err, source.PartURL); !strings.Contains(msg, "https") {
		t.Errorf("%q", msg)
	}
	_, rows := readAll(t, open(t, srv.URL+"/a.csv", source.Options{AllowInsecureHTTP: true}), source.Query{})
	wantValues(t, rows[0], int64(1))
}
