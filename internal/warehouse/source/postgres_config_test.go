package source

import (
	"context"
	"testing"
)

func TestPostgresTakesNothingFromBcsyncsOwnEnvironment(t *testing.T) {
	t.Setenv("PGPASSWORD", "the-operators-password")
	t.Setenv("PGHOST", "/run/postgresql")
	t.Setenv("PGUSER", "postgres")
	src, err := Open(context.Background(), "postgres://etl@db.example.com/shop", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg := src.(*postgres).cfg; cfg.Password != "" || cfg.User != "etl" || cfg.Host != "db.example.com" {
		t.Errorf("password %q, user %q, host %q: taken from the environment", cfg.Password, cfg.User, cfg.Host)
	}
	for _, rawURL := range []string{"postgres:///shop", "postgres://db.example.com/shop", "postgres://etl@x/shop?host=/run/postgresql"} {
		if _, err := Open(context.Background(), rawURL, Options{}); PartOf(err) != PartURL {
			t.Errorf("%s: %v", rawURL, err)
		}
	}
}
