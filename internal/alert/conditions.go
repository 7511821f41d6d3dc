package alert

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/notify"
	"github.com/bcsync/bcsync/internal/schedule"
	"github.com/bcsync/bcsync/internal/store"
)

// The conditions a rule can watch, as the CLI's --on and the API name them.
const (
	Failed      = "failed"      // the last run failed
	Rejected    = "rejected"    // the last run rejected a share of its records
	Blocked     = "blocked"     // the last run was stopped by its guard and waits for approval
	Slow        = "slow"        // a run took (or is taking) far longer than usual
	Stale       = "stale"       // no successful run for several intervals
	Credentials = "credentials" // the store's or the sync's credentials were refused
	Webhooks    = "webhooks"    // the store's webhooks are deactivated or missing
)

// Conditions lists every condition, in the order lists show them.
var Conditions = []string{Failed, Rejected, Blocked, Slow, Stale, Credentials, Webhooks}

// Thresholds are what a rule judges conditions by.
type Thresholds struct {
	// RejectedWarning and RejectedCritical are shares (0–1) of the records a run tried to write.
	RejectedWarning, RejectedCritical float64
	// SlowFactor: a run is slow when it takes more than this many times the median of the last runs.
	SlowFactor float64
	// StaleIntervals: a sync is stale after this many of its intervals without a successful run.
	StaleIntervals float64
	// Quiet folds flapping: a condition that comes back within Quiet of its recovery notice is told
	// again only if it still holds when Quiet has passed.
	Quiet time.Duration
}

// Defaults are the thresholds of a rule that names none.
var Defaults = Thresholds{RejectedWarning: 0.01, RejectedCritical: 0.10, SlowFactor: 3, StaleIntervals: 3, Quiet: 15 * time.Minute}

// Judging slow runs: the median of the last slowRuns finished runs, when there are at least
// slowMinRuns; a run must also be slowMargin longer than the median, so that a run of seconds taking a
// few seconds more is not news.
const (
	slowRuns    = 10
	slowMinRuns = 3
	slowMargin  = time.Minute
)

func thresholdsOf(r *store.AlertRule) Thresholds {
	return Thresholds{RejectedWarning: r.RejectedWarning, RejectedCritical: r.RejectedCritical, SlowFactor: r.SlowFactor,
		StaleIntervals: r.StaleIntervals, Quiet: r.Quiet}
}

// facts are what is known of a sync when its conditions are judged.
type facts struct {
	now       time.Time
	sync      *store.Sync
	shop      *store.Shop
	runs      []*store.Run // the newest runs, newest first; the first may be running
	succeeded *store.Run   // the last run that succeeded, fully or partly
	reasons   []store.ReasonCount
	publicURL string
	hooks     *hookFacts // nil: the store's webhooks were not read this time
}

// hookFacts are the store's webhooks as BigCommerce listed them.
type hookFacts struct {
	expected []string // scopes bcsync registers
	missing  []string // expected scopes with no hook of bcsync's
	inactive []string // scopes whose hook BigCommerce deactivated
}

// last is the latest finished run, or nil.
func (f *facts) last() *store.Run {
	for _, r := range f.runs {
		if r.Status != store.RunRunning {
			return r
		}
	}
	return nil
}

// running is the run going on, or nil.
func (f *facts) running() *store.Run {
	if len(f.runs) > 0 && f.runs[0].Status == store.RunRunning {
		return f.runs[0]
	}
	return nil
}

// observation is what is true of one condition now: its severity ("" when it does not hold) and the
// notification that says so (a recovery notice when it does not hold).
type observation struct {
	severity notify.Severity
	msg      notify.Message
}

// observe judges one condition. ok is false when the condition does not apply to the sync (webhooks of
// a sync that registers none, or whose webhooks were not read this time).
func observe(cond string, f *facts, th Thresholds) (observation, bool) {
	var o observation
	switch cond {
	case Failed:
		o = observeFailed(f)
	case Rejected:
		o = observeRejected(f, th)
	case Blocked:
		o = observeBlocked(f)
	case Slow:
		o = observeSlow(f, th)
	case Stale:
		o = observeStale(f, th)
	case Credentials:
		o = observeCredentials(f)
	case Webhooks:
		if f.hooks == nil || !usesWebhooks(f) {
			return o, false
		}
		o = observeWebhooks(f)
	default:
		return o, false
	}
	o.msg.Condition = cond
	o.msg.Severity = o.severity
	o.msg.Sync = notify.Sync{ID: f.sync.ID, Name: f.sync.Name, Kind: string(f.sync.Kind)}
	if f.shop != nil {
		o.msg.Store = f.shop.Name
	}
	return o, true
}

// usesWebhooks says whether the sync relies on the store's webhooks: a marketing sync, when bcsync
// has a public URL to receive them.
func usesWebhooks(f *facts) bool {
	return f.sync.Kind == store.KindMarketing && f.publicURL != ""
}

func (f *facts) runURL(r *store.Run) string {
	if f.publicURL == "" || r == nil {
		return ""
	}
	return strings.TrimSuffix(f.publicURL, "/") + RunPath(f.sync, r.ID)
}

// RunPath is where the UI shows a run of a sync.
func RunPath(y *store.Sync, runID int64) string {
	if y.Kind == store.KindMarketing {
		return fmt.Sprintf("/connections/%d/runs/%d", y.ID, runID)
	}
	return fmt.Sprintf("/warehouse/syncs/%d/runs/%d", y.ID, runID)
}

// runFigures describe a run: its id and trigger, how long it took, what it did with records.
func runFigures(r *store.Run, now time.Time) []notify.Figure {
	read, sent, rejected := counts(r)
	figs := []notify.Figure{{Label: "Run", Value: fmt.Sprintf("#%d (%s), %s", r.Number, r.TriggeredBy, r.Status)}}
	if !r.StartedAt.IsZero() {
		figs = append(figs, notify.Figure{Label: "Duration", Value: formatDuration(r.Duration(now))})
	}
	return append(figs, notify.Figure{Label: "Records", Value: fmt.Sprintf("%s read, %s sent, %s rejected", num(read), num(sent), num(rejected))})
}

// counts adds up a run's parts.
func counts(r *store.Run) (read, sent, rejected int64) {
	for _, c := range r.Streams {
		read += c.Read
		sent += c.Sent
		rejected += c.Rejected
	}
	return
}

func observeFailed(f *facts) observation {
	r := f.last()
	if r == nil {
		return observation{}
	}
	if r.Status == store.RunFailed {
		return observation{notify.Critical, notify.Message{
			Summary: fmt.Sprintf("Run #%d failed.", r.Number), Detail: r.Error, Figures: runFigures(r, f.now), URL: f.runURL(r)}}
	}
	return observation{"", notify.Message{Summary: fmt.Sprintf("Run #%d %s.", r.Number, r.Status), Figures: runFigures(r, f.now), URL: f.runURL(r)}}
}

// rejectedShare is the share of the records a run tried to write that were rejected.
func rejectedShare(r *store.Run) (rejected, tried int64, share float64) {
	_, sent, rejected := counts(r)
	tried = sent + rejected
	if tried > 0 {
		share = float64(rejected) / float64(tried)
	}
	return rejected, tried, share
}

func observeRejected(f *facts, th Thresholds) observation {
	r := f.last()
	if r == nil {
		return observation{}
	}
	rejected, tried, share := rejectedShare(r)
	what := fmt.Sprintf("%s of %s records (%s)", num(rejected), num(tried), percent(share))
	figs := append([]notify.Figure{{Label: "Rejected", Value: what}}, runFigures(r, f.now)...)
	var sev notify.Severity
	switch {
	case tried > 0 && share >= th.RejectedCritical:
		sev = notify.Critical
	case tried > 0 && share >= th.RejectedWarning:
		sev = notify.Warning
	}
	if sev == "" {
		return observation{"", notify.Message{Summary: fmt.Sprintf("Run #%d rejected %s, under %s.", r.Number, what, percent(th.RejectedWarning)),
			Figures: figs, URL: f.runURL(r)}}
	}
	limit := th.RejectedWarning
	if sev == notify.Critical {
		limit = th.RejectedCritical
	}
	var detail string
	if len(f.reasons) > 0 {
		parts := make([]string, len(f.reasons))
		for i, rc := range f.reasons {
			parts[i] = fmt.Sprintf("%s (%s)", rc.Reason, num(rc.Count))
		}
		detail = "Most common reasons: " + strings.Join(parts, ", ") + ". The run's rejected records say why each was refused."
	}
	return observation{sev, notify.Message{Summary: fmt.Sprintf("Run #%d rejected %s, at least %s.", r.Number, what, percent(limit)),
		Detail: detail, Figures: figs, URL: f.runURL(r)}}
}

func observeBlocked(f *facts) observation {
	r := f.last()
	if r == nil {
		return observation{}
	}
	if r.Status == store.RunBlocked {
		return observation{notify.Warning, notify.Message{Summary: fmt.Sprintf("Run #%d was stopped by its guard before writing anything: it waits for approval.", r.Number),
			Detail: r.Error, Figures: runFigures(r, f.now), URL: f.runURL(r)}}
	}
	return observation{"", notify.Message{Summary: fmt.Sprintf("Run #%d %s.", r.Number, r.Status), Figures: runFigures(r, f.now), URL: f.runURL(r)}}
}

// observeSlow judges the run going on once it is already slow, else the last finished run, against the
// median duration of the runs that succeeded before it.
func observeSlow(f *facts, th Thresholds) observation {
	candidate := f.last()
	if r := f.running(); r != nil {
		if median, ok := medianBefore(f.runs, r); ok && isSlow(r.Duration(f.now), median, th) {
			candidate = r
		}
	}
	if candidate == nil {
		return observation{}
	}
	median, ok := medianBefore(f.runs, candidate)
	if !ok {
		return observation{}
	}
	took := candidate.Duration(f.now)
	figs := append([]notify.Figure{{Label: "Usual duration", Value: formatDuration(median) + " (median of the runs before)"}}, runFigures(candidate, f.now)...)
	if !isSlow(took, median, th) {
		return observation{"", notify.Message{Summary: fmt.Sprintf("Run #%d took %s, as usual.", candidate.Number, formatDuration(took)), Figures: figs, URL: f.runURL(candidate)}}
	}
	verb := "took"
	if candidate.Status == store.RunRunning {
		verb = "has been running for"
	}
	return observation{notify.Warning, notify.Message{
		Summary: fmt.Sprintf("Run #%d %s %s, %.1f times the usual %s.", candidate.Number, verb, formatDuration(took), float64(took)/float64(median), formatDuration(median)),
		Figures: figs, URL: f.runURL(candidate)}}
}

func isSlow(took, median time.Duration, th Thresholds) bool {
	return float64(took) > th.SlowFactor*float64(median) && took-median >= slowMargin
}

// medianBefore is the median duration of the last slowRuns runs that finished (succeeded, fully or
// partly) before r; ok is false with fewer than slowMinRuns of them. Runs that read only the changes
// webhooks announced (trigger "changes", seconds each) and full reads are judged apart.
func medianBefore(runs []*store.Run, r *store.Run) (time.Duration, bool) {
	var ds []time.Duration
	for _, o := range runs {
		if o.ID >= r.ID || (o.Status != store.RunSucceeded && o.Status != store.RunPartial) {
			continue
		}
		if (o.TriggeredBy == marketing.TriggerChanges) != (r.TriggeredBy == marketing.TriggerChanges) {
			continue
		}
		ds = append(ds, o.FinishedAt.Sub(o.StartedAt))
		if len(ds) == slowRuns {
			break
		}
	}
	if len(ds) < slowMinRuns {
		return 0, false
	}
	slices.Sort(ds)
	if n := len(ds); n%2 == 0 {
		return (ds[n/2-1] + ds[n/2]) / 2, true
	}
	return ds[len(ds)/2], true
}

// interval is the time between a sync's scheduled runs: its interval, or the gap between its cron
// expression's next two times; 0 when it runs only when asked.
func interval(y *store.Sync, now time.Time) time.Duration {
	spec := schedule.Spec{Interval: y.Interval, Cron: y.Cron}
	if spec.Cron != "" {
		next := spec.Next(now)
		if next.IsZero() {
			return 0
		}
		return spec.Next(next).Sub(next)
	}
	return spec.Interval
}

// observeStale judges an enabled, scheduled sync by the end of its last successful run (or its
// creation). A first run still going on is not stale: a store's first backfill may take hours.
func observeStale(f *facts, th Thresholds) observation {
	every := interval(f.sync, f.now)
	if !f.sync.Enabled || every <= 0 {
		return observation{}
	}
	if f.succeeded == nil && f.last() == nil && f.running() != nil {
		return observation{}
	}
	ref, what := f.sync.CreatedAt, "since the sync was created"
	var figs []notify.Figure
	if f.succeeded != nil {
		ref, what = f.succeeded.FinishedAt, "since run #"+fmt.Sprint(f.succeeded.Number)
		figs = append(figs, notify.Figure{Label: "Last success", Value: fmt.Sprintf("run #%d, ended %s", f.succeeded.Number, f.succeeded.FinishedAt.UTC().Format("2006-01-02 15:04 UTC"))})
	}
	figs = append(figs, notify.Figure{Label: "Schedule", Value: schedule.Spec{Interval: f.sync.Interval, Cron: f.sync.Cron}.Describe()})
	if r := f.last(); r != nil {
		figs = append(figs, runFigures(r, f.now)...)
	}
	gap := f.now.Sub(ref)
	limit := time.Duration(th.StaleIntervals * float64(every))
	url := f.runURL(f.last())
	if gap <= limit {
		summary := "The sync is within its schedule."
		if f.succeeded != nil {
			summary = fmt.Sprintf("Run #%d succeeded: the sync is within its schedule again.", f.succeeded.Number)
		}
		return observation{"", notify.Message{Summary: summary, Figures: figs, URL: url}}
	}
	return observation{notify.Critical, notify.Message{
		Summary: fmt.Sprintf("No successful run for %s %s, more than %s intervals of %s.", formatDuration(gap), what, trimFloat(th.StaleIntervals), formatDuration(every)),
		Detail:  staleDetail(f), Figures: figs, URL: url}}
}

func staleDetail(f *facts) string {
	switch {
	case f.shop != nil && f.shop.Status == store.StatusNeedsAttention:
		return "The store needs attention: " + f.shop.StatusMessage
	case f.sync.Status == store.StatusNeedsAttention:
		return "The sync needs attention: " + f.sync.StatusMessage
	case f.last() != nil && f.last().Error != "":
		return "The last run ended with: " + f.last().Error
	}
	return ""
}

func observeCredentials(f *facts) observation {
	switch {
	case f.shop != nil && f.shop.Status == store.StatusNeedsAttention:
		return observation{notify.Critical, notify.Message{Summary: "BigCommerce refused the store's credentials: every sync of the store stopped.",
			Detail: f.shop.StatusMessage + "\nUpdate the store's API account (bcsync store add with the new token), then SYNC NOW.", URL: f.runURL(f.last())}}
	case f.sync.Status == store.StatusNeedsAttention:
		return observation{notify.Critical, notify.Message{Summary: "The sync's credentials were refused: it stopped.",
			Detail: f.sync.StatusMessage + "\nFix them, then SYNC NOW.", URL: f.runURL(f.last())}}
	}
	return observation{"", notify.Message{Summary: "The credentials are accepted again.", URL: f.runURL(f.last())}}
}

func observeWebhooks(f *facts) observation {
	h := f.hooks
	switch {
	case f.shop.WebhooksURL == "":
		if f.last() == nil {
			return observation{} // the first run registers them
		}
		return observation{notify.Warning, notify.Message{Summary: "The store's webhooks are not registered: changes reach bcsync only by polling.",
			Detail: "The webhooks stream of the next run registers them; a failed registration is in the run's errors.", URL: f.runURL(f.last())}}
	case len(h.inactive) > 0 || len(h.missing) > 0:
		var parts []string
		if len(h.inactive) > 0 {
			parts = append(parts, fmt.Sprintf("deactivated by BigCommerce: %s", strings.Join(h.inactive, ", ")))
		}
		if len(h.missing) > 0 {
			parts = append(parts, fmt.Sprintf("missing: %s", strings.Join(h.missing, ", ")))
		}
		return observation{notify.Warning, notify.Message{
			Summary: fmt.Sprintf("%d of the store's %d webhooks do not deliver: changes reach bcsync only by polling.", len(h.inactive)+len(h.missing), len(h.expected)),
			Detail: strings.Join(parts, "; ") + ".\nBigCommerce deactivates a hook whose deliveries keep failing: check that " + f.shop.WebhooksURL +
				" is reachable from the internet.",
			Figures: []notify.Figure{{Label: "Destination", Value: f.shop.WebhooksURL}}}}
	}
	return observation{"", notify.Message{Summary: fmt.Sprintf("The store's %d webhooks are active.", len(h.expected)),
		Figures: []notify.Figure{{Label: "Destination", Value: f.shop.WebhooksURL}}}}
}

// formatDuration writes a duration the way people read it: 4m 10s, 2h 5m, 850ms.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm %ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd %dh", int(d.Hours())/24, int(d.Hours())%24)
}

// num writes a count with thousands separators.
func num(v int64) string {
	s := fmt.Sprint(v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// percent writes a share with the precision that tells thresholds apart: 0.25%, 1%, 12.5%.
func percent(share float64) string {
	return trimFloat(100*share) + "%"
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
