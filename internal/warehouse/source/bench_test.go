package source_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/warehouse/source"
	"github.com/bcsync/bcsync/internal/warehouse/source/sourcetest"
)

// BenchmarkReadPostgres reads a table of 1,000,000 rows × 20 columns of every common type through
// Query, as a sync reads a model, and reports rows per second and the heap's peak while reading.
//
//	go test -run '^$' -bench BenchmarkReadPostgres -benchtime 1x ./internal/warehouse/source/
func BenchmarkReadPostgres(b *testing.B) {
	rawURL, exec := sourcetest.Postgres(b)
	const rows = 1_000_000
	exec(`CREATE TABLE wide AS SELECT
		g AS id, g::int4 AS c_int, (g * 7)::int8 AS c_big, (g % 1000)::int2 AS c_small,
		(g * 1.25)::numeric(12,2) AS c_price, (g * 0.01)::numeric AS c_amount, (g / 3.0)::float8 AS c_ratio,
		(g % 2 = 0) AS c_flag, date '2020-01-01' + (g % 1000) AS c_date,
		timestamp '2020-01-01' + g * interval '1 second' AS c_ts, timestamptz '2020-01-01 00:00+00' + g * interval '1 minute' AS c_tstz,
		'customer-' || g || '@example.com' AS c_email, md5(g::text) AS c_hash, 'First' || (g % 100) AS c_first,
		'Last' || (g % 500) AS c_last, ('{"tier": ' || (g % 5) || '}')::jsonb AS c_json, (g % 50)::text AS c_code,
		lpad((g % 99999)::text, 5, '0') AS c_zip, CASE WHEN g % 10 = 0 THEN NULL ELSE 'note ' || g END AS c_note,
		md5(g::text)::uuid AS c_uuid
		FROM generate_series(1, $1::int) g`, rows)
	exec(`ANALYZE wide`)
	src := open(b, rawURL, source.Options{})
	ctx := context.Background()

	runtime.GC()
	var m runtime.MemStats
	var peak uint64
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		rs, err := src.Query(ctx, source.Query{Table: "wide"})
		if err != nil {
			b.Fatal(err)
		}
		if cols := rs.Columns(); len(cols) != 20 {
			b.Fatalf("%d columns", len(cols))
		}
		n := 0
		for rs.Next() {
			if n%100_000 == 0 {
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
			n++
		}
		if err := rs.Err(); err != nil {
			b.Fatal(err)
		}
		rs.Close()
		if n != rows {
			b.Fatalf("%d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows*b.N)/time.Since(start).Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
