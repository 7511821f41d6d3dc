package source_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/warehouse/source"
	"github.com/bcsync/bcsync/internal/warehouse/source/sourcetest"
)

func TestRedactHidesPasswordsAndSecretParameters(t *testing.T) {
	for rawURL, want := range map[string]string{
		"postgres://etl:pw123@db:5432/shop?sslmode=require":                                  "postgres://etl:xxxxx@db:5432/shop?sslmode=require",
		"mysql://etl:p%40ss@db/shop":                                                         "mysql://etl:xxxxx@db/shop",
		"postgres://etl:pa/ss@db/shop":                                                       "postgres://etl:xxxxx@db/shop", // not a valid URL, still hidden
		"https://files.example.com/x.csv?X-Amz-Signature=abc&X-Amz-Credential=d&delimiter=;": "https://files.example.com/x.csv?X-Amz-Signature=xxxxx&X-Amz-Credential=xxxxx&delimiter=;",
		"https://u:pw@files.example.com/x.csv?token=abc":                                     "https://u:xxxxx@files.example.com/x.csv?token=xxxxx",
		"postgres://etl@db/shop":                                                             "postgres://etl@db/shop",
		"/data/x.csv":                                                                        "/data/x.csv",
		"sqlite:/data/x.db":                                                                  "sqlite:/data/x.db",
	} {
		if got := source.Redact(rawURL); got != want {
			t.Errorf("Redact(%q) = %q, want %q", rawURL, got, want)
		}
	}
}

func TestSecretsListsThePasswordAsWrittenAndDecoded(t *testing.T) {
	for rawURL, want := range map[string][]string{
		"mysql://etl:p%40ss@db/shop":                      {"p%40ss", "p@ss"},
		"postgres://etl:pa/ss@db/shop":                    {"pa/ss"},
		"https://files.example.com/x.csv?sig=abc%3D&id=7": {"abc%3D", "abc="},
		"postgres://etl@db/shop":                          nil,
	} {
		if got := source.Secrets(rawURL); !slices.Equal(got, want) {
			t.Errorf("Secrets(%q) = %q, want %q", rawURL, got, want)
		}
	}
}

// password is in every URL below, percent-encoded where the URL needs it.
const password = "Sup3r/S3cret@pw"

func TestPasswordsNeverAppearInErrors(t *testing.T) {
	enc := strings.ReplaceAll(url.QueryEscape(password), "+", "%20")
	check := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("no error")
		}
		for e := err; e != nil; e = errors.Unwrap(e) {
			for _, text := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
				for _, secret := range []string{password, enc, "S3cret"} {
					if strings.Contains(text, secret) {
						t.Errorf("%T says %q", e, text)
					}
				}
			}
		}
	}
	ctx := context.Background()
	opts := source.Options{ConnectTimeout: 3 * time.Second}
	testURL := func(rawURL string) error {
		src, err := source.Open(ctx, rawURL, opts)
		if err != nil {
			return err
		}
		defer src.Close()
		return src.Test(ctx)
	}
	for name, rawURL := range map[string]string{
		"PostgreSQL refuses the connection":  "postgres://etl:" + enc + "@127.0.0.1:1/shop",
		"PostgreSQL's host is unknown":       "postgres://etl:" + enc + "@db.nonexistent.invalid/shop",
		"PostgreSQL URL is malformed":        "postgres://etl:" + password + "@db/shop",
		"PostgreSQL URL has a bad port":      "postgres://etl:" + enc + "@db:x/shop",
		"MySQL refuses the connection":       "mysql://etl:" + enc + "@127.0.0.1:1/shop",
		"MySQL URL is malformed":             "mysql://etl:" + password + "@db/shop",
		"CSV link cannot be reached":         "https://etl:" + enc + "@127.0.0.1:1/x.csv?token=" + enc,
		"CSV link is malformed":              "https://etl:" + password + "@files.example.com/x.csv",
		"an engine bcsync does not know":     "oracle://etl:" + enc + "@db/shop",
		"an engine bcsync cannot even parse": "oracle://etl:" + password + "@db/shop",
	} {
		t.Run(name, func(t *testing.T) {
			check(t, testURL(rawURL))
			if r := source.Redact(rawURL); strings.Contains(r, "S3cret") {
				t.Errorf("Redact: %q", r)
			}
		})
	}
	t.Run("PostgreSQL refuses the user", func(t *testing.T) {
		base, _ := sourcetest.Postgres(t)
		u, _ := url.Parse(base)
		u.User = url.UserPassword("nobody_here", password)
		check(t, testURL(u.String()))
	})
	t.Run("MariaDB refuses the password", func(t *testing.T) {
		base, _ := sourcetest.MySQL(t)
		u, _ := url.Parse(base)
		u.User = url.UserPassword("nobody_here", password)
		check(t, testURL(u.String()))
	})
	t.Run("the CSV server refuses the link", func(t *testing.T) {
		srv, _ := csvServer(t)
		u, _ := url.Parse(srv.URL + "/expired.csv?X-Amz-Signature=" + enc)
		u.User = url.UserPassword("etl", password)
		src := open(t, u.String(), source.Options{HTTPClient: srv.Client()})
		check(t, src.Test(ctx))
		check(t, queryErr(src, source.Query{}))
	})
}
