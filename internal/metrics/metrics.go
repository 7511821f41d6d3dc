// Package metrics exposes bcsync's Prometheus metrics: the API calls this process made (counted as they
// happen, through the apicall.Observer hook) and the notifications it delivered, and the state of the
// whole installation (runs, records, the job queue, connections, waiting orders, active alerts), read
// from the state database at scrape time so that every process, including one that runs no syncs,
// reports the same figures.
package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/version"
)

const namespace = "bcsync"

// apiCallBuckets are upper bounds, in seconds, for one HTTP exchange: from a quick read to an upload
// of a large import.
var apiCallBuckets = []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// Metrics are the metrics of one process, on their own registry.
type Metrics struct {
	reg      *prometheus.Registry
	log      *slog.Logger
	calls    *prometheus.CounterVec
	errors   *prometheus.CounterVec
	duration *prometheus.HistogramVec
	alerts   alertCounters
}

// Option adjusts New.
type Option func(*Metrics)

// WithLogger logs the database queries that fail at scrape time (they are also counted in
// bcsync_scrape_errors_total).
func WithLogger(l *slog.Logger) Option {
	return func(m *Metrics) {
		if l != nil {
			m.log = l
		}
	}
}

// New builds the metrics of one process on its own registry (not the global one). With a nil store only
// the in-process metrics are served.
func New(s *store.Store, opts ...Option) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		log: slog.New(slog.DiscardHandler),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "api_calls_total",
			Help: "HTTP exchanges with BigCommerce and Dotdigital made by this process (each retry counts), by API and HTTP status (\"error\": no response).",
		}, []string{"api", "status"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "api_call_errors_total",
			Help: "API calls of this process that failed: HTTP status 400 or more, no response, or a response body that could not be read.",
		}, []string{"api", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "api_call_duration_seconds",
			Help:    "Duration of the API calls of this process, until the response body was read.",
			Buckets: apiCallBuckets,
		}, []string{"api"}),
		alerts: newAlertCounters(),
	}
	for _, o := range opts {
		o(m)
	}
	for _, api := range apicall.APIs {
		m.duration.WithLabelValues(api.Name) // present from the start, at zero
	}
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "build_info",
		Help:        "Always 1; the labels name the running build.",
		ConstLabels: prometheus.Labels{"version": version.Version, "goversion": runtime.Version()},
	})
	buildInfo.Set(1)
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo, m.calls, m.errors, m.duration, m.alerts.sent, m.alerts.failed,
	)
	if s != nil {
		db := newDBCollector(s, m.log)
		db.more = append(db.more, newAlertsCollector(s, db))
		m.reg.MustRegister(collectors.NewDBStatsCollector(s.DB(), "state"), db)
	}
	return m
}

// Handler serves the Prometheus text format. A metric that cannot be read (the state database does not
// answer) is left out and counted; the others are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      errorLog{m.log},
		Registry:      m.reg, // promhttp_metric_handler_errors_total
	})
}

// ObserveCall implements apicall.Observer: it counts every BigCommerce and Dotdigital call.
func (m *Metrics) ObserveCall(_ context.Context, c *apicall.Call) {
	api := apiLabel(c.API)
	status := statusLabel(c.Status)
	m.calls.WithLabelValues(api, status).Inc()
	if c.Status == 0 || c.Status >= 400 || c.Err != "" {
		m.errors.WithLabelValues(api, status).Inc()
	}
	m.duration.WithLabelValues(api).Observe(c.Duration.Seconds())
}

// apiLabel keeps the api label to the APIs bcsync knows.
func apiLabel(api string) string {
	if apicall.Known(api) {
		return api
	}
	return "other"
}

// statusLabel is the HTTP status code, or "error" when no response arrived.
func statusLabel(status int) string {
	switch {
	case status == 0:
		return "error"
	case status >= 100 && status <= 599:
		return strconv.Itoa(status)
	default:
		return "other"
	}
}

// errorLog adapts slog to promhttp's logger.
type errorLog struct{ l *slog.Logger }

func (e errorLog) Println(v ...any) {
	e.l.Warn("metrics: serving", slog.String("error", fmt.Sprint(v...)))
}
