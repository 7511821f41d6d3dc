package metrics

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/jobs"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/store/storetest"
)

// scrape fetches /metrics as Prometheus does and returns its lines.
func scrape(t *testing.T, m *Metrics) map[string]bool {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	lines := map[string]bool{}
	for l := range strings.SplitSeq(rec.Body.String(), "\n") {
		lines[l] = true
	}
	return lines
}

func expectLines(t *testing.T, lines map[string]bool, want ...string) {
	t.Helper()
	for _, w := range want {
		if !lines[w] {
			t.Errorf("missing line %q", w)
		}
	}
}

func expectNoMetric(t *testing.T, lines map[string]bool, names ...string) {
	t.Helper()
	for l := range lines {
		for _, n := range names {
			if strings.HasPrefix(l, n+"{") || strings.HasPrefix(l, n+" ") {
				t.Errorf("unexpected %s", l)
			}
		}
	}
}

func TestAPICallsAreCountedByAPIAndStatusWithFailuresAsErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		w.WriteHeader(code)
	}))
	defer srv.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // nothing answers there: a transport error

	m := New(nil)
	bc := &http.Client{Transport: &apicall.Transport{API: "bigcommerce", Observer: m}}
	dd := &http.Client{Transport: &apicall.Transport{API: "dotdigital", Observer: m}}
	call := func(c *http.Client, url string) {
		resp, err := c.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close() // the call is observed when its body is closed
		}
	}
	call(bc, srv.URL+"/200")
	call(bc, srv.URL+"/200")
	call(bc, srv.URL+"/429")
	call(dd, srv.URL+"/500")
	call(dd, srv.URL+"/201")
	call(dd, down.URL+"/v2/account-info")

	lines := scrape(t, m)
	expectLines(t, lines,
		`bcsync_api_calls_total{api="bigcommerce",status="200"} 2`,
		`bcsync_api_calls_total{api="bigcommerce",status="429"} 1`,
		`bcsync_api_calls_total{api="dotdigital",status="201"} 1`,
		`bcsync_api_calls_total{api="dotdigital",status="500"} 1`,
		`bcsync_api_calls_total{api="dotdigital",status="error"} 1`,
		`bcsync_api_call_errors_total{api="bigcommerce",status="429"} 1`,
		`bcsync_api_call_errors_total{api="dotdigital",status="500"} 1`,
		`bcsync_api_call_errors_total{api="dotdigital",status="error"} 1`,
		`bcsync_api_call_duration_seconds_count{api="bigcommerce"} 3`,
		`bcsync_api_call_duration_seconds_count{api="dotdigital"} 3`,
	)
	for l := range lines {
		if strings.HasPrefix(l, "bcsync_api_call_errors_total") && (strings.Contains(l, `"200"`) || strings.Contains(l, `"201"`)) {
			t.Errorf("a success counted as an error: %s", l)
		}
	}
	// The process's own metrics are there too; without a store, none from the database.
	expectLines(t, lines, `# TYPE go_goroutines gauge`, `# TYPE process_cpu_seconds_total counter`)
	expectNoMetric(t, lines, "bcsync_runs_total", "bcsync_scrape_errors_total")
}

func TestAPICallLabelsStayBounded(t *testing.T) {
	m := New(nil)
	ctx := context.Background()
	m.ObserveCall(ctx, &apicall.Call{API: "bigcommerce", Status: 200, Err: "unexpected EOF", Duration: time.Second})
	m.ObserveCall(ctx, &apicall.Call{API: "https://secret.example.com", Status: 200})
	m.ObserveCall(ctx, &apicall.Call{API: "dotdigital", Status: 1000})
	expectLines(t, scrape(t, m),
		// A response whose body could not be read failed, under its status.
		`bcsync_api_call_errors_total{api="bigcommerce",status="200"} 1`,
		`bcsync_api_calls_total{api="other",status="200"} 1`,
		`bcsync_api_calls_total{api="dotdigital",status="other"} 1`,
		`bcsync_api_call_duration_seconds_sum{api="bigcommerce"} 1`,
	)
}

func newConnection(t *testing.T, s *store.Store) *store.Connection {
	return storetest.NewConnection(t, s)
}

func run(t *testing.T, s *store.Store, connID int64, status store.RunStatus, counts ...store.StreamCounts) *store.Run {
	t.Helper()
	ctx := context.Background()
	var streams []string
	for _, c := range counts {
		streams = append(streams, c.Stream)
	}
	r, err := s.StartRun(ctx, connID, "schedule", streams)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range counts {
		if err := s.SaveStreamCounts(ctx, r.ID, c); err != nil {
			t.Fatal(err)
		}
	}
	if status != store.RunRunning {
		if err := s.FinishRun(ctx, r.ID, status, ""); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func streamCounts(stream string, read, sent, unchanged, rejected int64) store.StreamCounts {
	return store.StreamCounts{Stream: stream, State: "done", Read: read, Sent: sent, Unchanged: unchanged, Rejected: rejected, Total: -1}
}

func TestScrapeReportsTheStateOfTheWholeInstallation(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := storetest.Open(t, engine)
			if err := jobs.Migrate(ctx, s, nil); err != nil {
				t.Fatal(err)
			}
			a, b := newConnection(t, s), newConnection(t, s)
			s.SetShopStatus(ctx, b.StoreID, store.StatusNeedsAttention, "token revoked")
			run(t, s, a.ID, store.RunSucceeded, streamCounts("customers", 10, 4, 6, 0), streamCounts("orders", 3, 3, 0, 0))
			run(t, s, b.ID, store.RunFailed, streamCounts("customers", 2, 0, 0, 2))
			running := run(t, s, a.ID, store.RunRunning, streamCounts("customers", 5, 5, 0, 0))
			s.AddWaiting(ctx, a.ID, []store.Waiting{{Collection: "Orders", Key: "1", Email: "guest@example.com", Body: []byte(`{}`)}})
			for _, state := range []string{"available", "available", "running", "completed"} {
				finalized := "NULL"
				if state == "completed" {
					finalized = "CURRENT_TIMESTAMP"
				}
				if _, err := s.DB().Exec(`INSERT INTO river_job (kind, queue, state, max_attempts, args, finalized_at)
					VALUES ('sync', 'sync', '` + state + `', 20, '{}', ` + finalized + `)`); err != nil {
					t.Fatal(err)
				}
			}

			m := New(s)
			lines := scrape(t, m)
			expectLines(t, lines,
				`bcsync_runs_total{status="succeeded"} 1`,
				`bcsync_runs_total{status="failed"} 1`,
				`bcsync_runs_total{status="partial"} 0`,
				`bcsync_runs_running 1`,
				// The running run's records count already: rates follow a long first sync.
				`bcsync_records_total{outcome="read",stream="customers"} 17`,
				`bcsync_records_total{outcome="sent",stream="customers"} 9`,
				`bcsync_records_total{outcome="unchanged",stream="customers"} 6`,
				`bcsync_records_total{outcome="rejected",stream="customers"} 2`,
				`bcsync_records_total{outcome="sent",stream="orders"} 3`,
				`bcsync_sync_duration_seconds_count 2`,
				`bcsync_sync_duration_seconds_bucket{le="+Inf"} 2`,
				`bcsync_queue_jobs{queue="sync",state="available"} 2`,
				`bcsync_queue_jobs{queue="sync",state="running"} 1`,
				`bcsync_queue_jobs{queue="sync",state="scheduled"} 0`,
				`bcsync_queue_jobs{queue="sync",state="retryable"} 0`,
				`bcsync_connections{status="ok"} 1`,
				`bcsync_connections{status="needs_attention"} 1`,
				`bcsync_waiting_records 1`,
				`bcsync_scrape_errors_total{family="runs"} 0`,
				`go_sql_max_open_connections{db_name="state"} `+strconv.Itoa(s.DB().Stats().MaxOpenConnections),
			)

			// The running run ends and another starts: the next scrape follows them.
			s.SaveStreamCounts(ctx, running.ID, streamCounts("customers", 8, 7, 1, 0))
			s.FinishRun(ctx, running.ID, store.RunPartial, "")
			run(t, s, b.ID, store.RunRunning)
			expectLines(t, scrape(t, m),
				`bcsync_runs_total{status="partial"} 1`,
				`bcsync_runs_running 1`,
				`bcsync_records_total{outcome="read",stream="customers"} 20`,
				`bcsync_sync_duration_seconds_count 3`,
			)

			// A removed connection takes its runs with it, but counters never go down.
			if err := s.DeleteShop(ctx, b.StoreID); err != nil {
				t.Fatal(err)
			}
			lines = scrape(t, m)
			expectLines(t, lines,
				`bcsync_runs_total{status="failed"} 1`,
				`bcsync_records_total{outcome="rejected",stream="customers"} 2`,
				`bcsync_runs_running 0`,
				`bcsync_connections{status="needs_attention"} 0`,
			)
			// Labels carry no store names, hosts or secrets.
			for l := range lines {
				for _, secret := range []string{"Secret Store Name", "abc123", "tok-secret", "pw-secret", "apiconnector", "example.com"} {
					if strings.Contains(l, secret) {
						t.Errorf("%q leaked into the metrics: %s", secret, l)
					}
				}
			}
		})
	}
}

func TestABrokenDatabaseStillServesTheProcessMetrics(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	m := New(s)
	m.ObserveCall(context.Background(), &apicall.Call{API: "bigcommerce", Status: 429})
	s.Close()

	lines := scrape(t, m)
	expectLines(t, lines,
		`bcsync_api_calls_total{api="bigcommerce",status="429"} 1`,
		`bcsync_scrape_errors_total{family="runs"} 1`,
		`bcsync_scrape_errors_total{family="queue"} 1`,
		`bcsync_scrape_errors_total{family="connections"} 1`,
		`bcsync_scrape_errors_total{family="waiting"} 1`,
		`# TYPE go_goroutines gauge`,
	)
	expectNoMetric(t, lines, "bcsync_runs_total", "bcsync_runs_running", "bcsync_records_total", "bcsync_queue_jobs", "bcsync_connections", "bcsync_waiting_records")
	expectLines(t, scrape(t, m), `bcsync_scrape_errors_total{family="runs"} 2`)
}

func TestAStoreWithoutTheQueueTablesServesTheRest(t *testing.T) {
	s := storetest.Open(t, store.SQLite) // River's tables not migrated
	newConnection(t, s)
	lines := scrape(t, New(s))
	expectLines(t, lines, `bcsync_connections{status="ok"} 1`, `bcsync_runs_running 0`,
		`bcsync_scrape_errors_total{family="queue"} 1`, `bcsync_scrape_errors_total{family="runs"} 0`)
	expectNoMetric(t, lines, "bcsync_queue_jobs")
}

// slowHistory is a store whose first count of all runs takes as long as the test says.
type slowHistory struct {
	*store.Store
	release chan struct{}
}

func (s slowHistory) RunHistory(ctx context.Context, recent int64, bounds []time.Duration) (*store.RunHistory, error) {
	<-s.release
	return s.Store.RunHistory(ctx, recent, bounds)
}

func TestALongFirstCountOfRunsDoesNotHoldScrapesBack(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	c := newConnection(t, s)
	run(t, s, c.ID, store.RunSucceeded)
	release := make(chan struct{})
	m := New(nil)
	dc := newDBCollector(slowHistory{s, release}, m.log)
	dc.wait = 10 * time.Millisecond
	m.reg.MustRegister(dc)

	lines := scrape(t, m)
	expectLines(t, lines, `bcsync_connections{status="ok"} 1`, `bcsync_scrape_errors_total{family="runs"} 0`)
	expectNoMetric(t, lines, "bcsync_runs_total", "bcsync_runs_running")

	close(release)
	deadline := time.Now().Add(5 * time.Second)
	for lines = scrape(t, m); !lines[`bcsync_runs_total{status="succeeded"} 1`] && time.Now().Before(deadline); lines = scrape(t, m) {
	}
	expectLines(t, lines, `bcsync_runs_total{status="succeeded"} 1`, `bcsync_runs_running 0`, `bcsync_scrape_errors_total{family="runs"} 0`)
}
