package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/auth"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages are the templates that render a whole page (templates/<name>.html, each defining "content").
var pages = []string{"login", "connections", "connection_new", "store", "mapping", "remove", "runs", "run", "rejected",
	"debugger", "api_call", "tokens", "error", "stores", "store_detail", "store_remove", "alerts", "alert_notification", "password",
	"sources", "source_remove", "models", "model_new", "model", "model_remove", "warehouse_syncs", "warehouse_sync_form", "warehouse_sync",
	"warehouse_plan", "warehouse_test_row", "warehouse_runs", "warehouse_run", "warehouse_rejected", "warehouse_sync_remove"}

type views struct {
	pages     map[string]*template.Template
	fragments *template.Template
}

func parseViews() (*views, error) {
	v := &views{pages: map[string]*template.Template{}}
	for _, name := range pages {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials*.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("ui: template %s: %w", name, err)
		}
		v.pages[name] = t
	}
	t, err := template.New("fragments").Funcs(funcs).ParseFS(templateFS, "templates/partials*.html")
	if err != nil {
		return nil, fmt.Errorf("ui: partials: %w", err)
	}
	v.fragments = t
	return v, nil
}

// page is what every page's template gets.
type page struct {
	Title   string
	Admin   *store.Admin
	CSRF    string
	Flash   *flash
	Section string // connections, stores, warehouse-syncs, models, sources, alerts, tokens, password: the main navigation's current entry
	Conn    *store.Connection
	// WSync is the warehouse sync of a page framed by its tabs.
	WSync *store.WarehouseSync
	Tab   string // store, mapping, runs, rejected, debugger; a warehouse sync's: sync, plan, settings
	// Base is where the pages of the page's sync are (/connections/1, /warehouse/syncs/2), for the pages
	// both kinds of sync share.
	Base  string
	Asset string // static assets' version, for cache busting
	Data  any
}

// render writes a whole page with status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	if s := sessionOf(r); s != nil {
		p.Admin, p.CSRF = s.admin, auth.CSRFToken(s.token)
	}
	if p.Flash == nil {
		p.Flash = h.takeFlash(w, r)
	}
	p.Asset = assetVersion
	var buf bytes.Buffer
	if err := h.views.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		h.log.Error("a page could not be rendered", slog.String("page", name), slog.Any("error", err))
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fragment writes one partial template (the live parts JavaScript swaps in).
func (h *Handler) fragment(w http.ResponseWriter, r *http.Request, name string, data any) {
	var buf bytes.Buffer
	if err := h.views.fragments.ExecuteTemplate(&buf, name, data); err != nil {
		h.log.Error("a fragment could not be rendered", slog.String("fragment", name), slog.Any("error", err))
		http.Error(w, "The fragment could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// assetVersion changes when a static file changes, so browsers may cache them for long.
var assetVersion = func() string {
	h := sha256.New()
	fs.WalkDir(staticFS, "static", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := staticFS.ReadFile(path)
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}()

func staticHandler() http.Handler {
	files := http.FileServerFS(staticFS)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") == assetVersion {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		files.ServeHTTP(w, r)
	})
}

var funcs = template.FuncMap{
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.Local().Format("2 Jan 2006 15:04:05 MST")
	},
	"iso": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"ago": ago,
	"duration": func(d time.Duration) string {
		switch {
		case d < time.Millisecond:
			return "under 1 ms" // not "0 ms": it took some time
		case d < 10*time.Millisecond:
			return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
		case d < time.Second:
			return fmt.Sprintf("%d ms", d.Milliseconds())
		case d < time.Minute:
			return fmt.Sprintf("%.1f s", d.Seconds())
		}
		return d.Round(time.Second).String()
	},
	"seconds": func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) },
	"num":     num,
	"runDuration": func(r *store.Run) time.Duration {
		return r.Duration(time.Now())
	},
	"totals": func(r *store.Run) map[string]int64 {
		read, sent, unchanged, rejected := resource.Totals(r)
		waiting, skipped := resource.Held(r)
		return map[string]int64{"read": read, "sent": sent, "unchanged": unchanged, "rejected": rejected, "waiting": waiting, "skipped": skipped, "still_rejected": resource.StillRejected(r)}
	},
	"pace":        func(c store.StreamCounts) resource.Pace { return resource.PaceOf(c, time.Now()) },
	"streamLabel": streamLabel,
	"add":         func(a, b int64) int64 { return a + b },
	"mod":         func(a, b int64) int64 { return a % b },
	"div":         func(a, b int64) int64 { return a / b },
	"due":         func(t time.Time) bool { return !t.After(time.Now().Add(5 * time.Second)) },
	"notSent": func(r *store.Run) []string {
		var out []string
		for _, c := range r.Streams {
			for _, why := range resource.NotSent(c) {
				out = append(out, streamLabel(c.Stream)+": "+why)
			}
		}
		return out
	},
	"apis":     func() []apicall.API { return apicall.APIs },
	"apiTitle": apicall.Title,
	"minutes":  func(d time.Duration) int64 { return int64(d / time.Minute) },
	"eq64":     func(a, b int64) bool { return a == b },
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
	"statusClass": func(status int) string {
		switch {
		case status == 0:
			return "bad"
		case status >= 500, status == 429:
			return "warn"
		case status >= 400:
			return "bad"
		}
		return "good"
	},
	"pathOf": func(raw string) string {
		if i := strings.Index(raw, "://"); i >= 0 {
			if j := strings.Index(raw[i+3:], "/"); j >= 0 {
				raw = raw[i+3+j:]
			}
		}
		// Shown as people read it: date_modified:min=2024-05-14T09:34:00Z, not %3A.
		if s, err := url.PathUnescape(raw); err == nil {
			return s
		}
		return raw
	},
	"percent": func(share float64) string { return fmt.Sprintf("%.0f%%", 100*share) },
	"hostOf": func(raw string) string {
		if i := strings.Index(raw, "://"); i >= 0 {
			rest := raw[i+3:]
			if j := strings.Index(rest, "/"); j >= 0 {
				return rest[:j]
			}
			return rest
		}
		return ""
	},
	"headerLines": func(h http.Header) string {
		var b strings.Builder
		h.Write(&b)
		return b.String()
	},
	"pretty": prettyBody,
	// list3 groups (name, label, value) triples, for a run of similar selects.
	"list3": func(v ...any) []selectSpec {
		var out []selectSpec
		for i := 0; i+2 < len(v); i += 3 {
			out = append(out, selectSpec{Name: v[i].(string), Label: v[i+1].(string), Value: v[i+2].(int64)})
		}
		return out
	},
}

type selectSpec struct {
	Name, Label string
	Value       int64
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := time.Since(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch {
	case d < 5*time.Second:
		return "just now"
	case d < time.Minute:
		s = fmt.Sprintf("%d seconds", int(d.Seconds()))
	case d < 2*time.Minute:
		s = "1 minute"
	case d < time.Hour:
		s = fmt.Sprintf("%d minutes", int(d.Minutes()))
	case d < 2*time.Hour:
		s = "1 hour"
	case d < 48*time.Hour:
		s = fmt.Sprintf("%d hours", int(d.Hours()))
	default:
		s = fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

// num writes an integer with thousands separators.
func num(v int64) string {
	s := fmt.Sprint(v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// streamLabel names a run's stream (or a warehouse run's part) for people.
func streamLabel(name string) string { return resource.StreamLabel(name) }
