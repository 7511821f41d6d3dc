package cli

import (
	"fmt"
	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/schedule"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

// Connections prints one line per connection with what it does and its last run.
func Connections(w io.Writer, conns []resource.Connection) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTORE\tDATA SYNC\tHEALTH\tNOW\tLAST SYNC\tRESULT")
	for _, c := range conns {
		sync := "on"
		if !c.DataSync {
			sync = "off"
		}
		when, result := "never", "-"
		if r := c.LastRun; r != nil && r.FinishedAt != nil {
			when = r.FinishedAt.Local().Format(time.DateTime)
			result = r.Status
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, c.StoreURL, sync, strings.ReplaceAll(c.Health.State, "_", " "), c.Activity, when, result)
	}
	tw.Flush()
}

// Connection prints one connection's settings and health; secrets are never printed.
func Connection(w io.Writer, c *store.Connection, st resource.ConnectionState) {
	mappings, last := st.Mappings, st.LastRun
	ref := func(r store.Ref) string {
		if r.ID == 0 {
			return "none"
		}
		return fmt.Sprintf("%s (%d)", r.Name, r.ID)
	}
	onOff := map[bool]string{true: "on", false: "off"}
	settings := c.Settings
	fmt.Fprintf(w, "Connection %d: %s\n", c.ID, c.Name)
	fmt.Fprintf(w, "  Store:                     %s (%s, hash %s; store %d)\n", c.StoreName, c.StoreURL, c.StoreHash, c.StoreID)
	fmt.Fprintf(w, "  Dotdigital API user:       %s (%s)\n", c.Dotdigital.Username, orDash(c.Dotdigital.APIEndpoint))
	Health(w, "  Health:                    ", resource.HealthOf(c, st))
	fmt.Fprintf(w, "  Data sync:                 %s, every %s\n", onOff[settings.DataSync], schedule.Spec{Interval: settings.Interval})
	fmt.Fprintf(w, "  Subscribers sync to:       %s\n", ref(settings.SubscriberList))
	fmt.Fprintf(w, "  Customers sync to:         %s\n", ref(settings.CustomerList))
	fmt.Fprintf(w, "  New customers enrol in:    %s\n", ref(settings.NewCustomerProgram))
	fmt.Fprintf(w, "  New subscribers enrol in:  %s\n", ref(settings.NewSubscriberProgram))
	fmt.Fprintf(w, "  Abandoned carts enrol in:  %s\n", ref(settings.AbandonedCartProgram))
	fmt.Fprintf(w, "  Removed before install:    %d store subscribers unsubscribed in Dotdigital; written back to the store: %s\n",
		st.UnsubscribedInDotdigital, onOff[settings.WriteBackRemovals])
	if st.EnrolmentsWaiting > 0 {
		fmt.Fprintf(w, "  Enrolments waiting:        %d (Dotdigital takes about 20 enrolment calls an hour; the next syncs send them)\n", st.EnrolmentsWaiting)
	}
	if !c.NextSyncAt.IsZero() {
		fmt.Fprintf(w, "  Next sync:                 %s\n", Time(c.NextSyncAt))
	}
	if last != nil {
		fmt.Fprintf(w, "  Last sync:                 %s, %s in %s\n", Time(last.FinishedAt), last.Status, last.Duration(time.Now()).Round(time.Millisecond))
	}
	fmt.Fprintln(w, "  Field mapping:")
	for _, m := range mappings {
		fmt.Fprintf(w, "    %-28s → %s (%s)\n", m.Source, m.DataField, m.DataFieldType)
	}
}

// Stores prints one line per store with its syncs.
func Stores(w io.Writer, stores []resource.Store) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tURL\tSTATUS\tQUOTA SHARE\tSYNCS")
	for _, s := range stores {
		var syncs []string
		for _, y := range s.Syncs {
			syncs = append(syncs, fmt.Sprintf("%s %d (%s)", y.Kind, y.ID, y.Activity))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.0f%%\t%s\n", s.ID, s.Name, s.StoreURL, s.Status, 100*s.QuotaShare, orDash(strings.Join(syncs, ", ")))
	}
	tw.Flush()
}

// Store prints a store and its syncs; secrets are never printed.
func Store(w io.Writer, s resource.Store) {
	fmt.Fprintf(w, "Store %d: %s\n", s.ID, s.Name)
	fmt.Fprintf(w, "  Store:        %s (%s, hash %s)\n", s.StoreName, s.StoreURL, s.StoreHash)
	fmt.Fprintf(w, "  API path:     %s\n", s.APIPath)
	status := s.Status
	if s.StatusMessage != "" {
		status += ": " + s.StatusMessage
	}
	fmt.Fprintf(w, "  Status:       %s\n", status)
	fmt.Fprintf(w, "  Quota share:  %.0f%% of the store's API quota, for all its syncs together\n", 100*s.QuotaShare)
	fmt.Fprintf(w, "  Webhooks:     %s\n", map[bool]string{true: "registered", false: "not registered"}[s.Webhooks])
	if rt := s.RealTime; rt != nil {
		fmt.Fprintf(w, "  Real time:    %s\n", RealTime(*rt))
	}
	if len(s.Syncs) == 0 {
		fmt.Fprintln(w, "  Syncs:        none")
		return
	}
	fmt.Fprintln(w, "  Syncs:")
	tw := tabwriter.NewWriter(w, 4, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "    ID\tKIND\tNAME\tSCHEDULE\tNOW\tLAST RUN\tRESULT")
	for _, y := range s.Syncs {
		when, result := "never", "-"
		if r := y.LastRun; r != nil && r.FinishedAt != nil {
			when = r.FinishedAt.Local().Format(time.DateTime)
			result = r.Status
		}
		fmt.Fprintf(tw, "    %d\t%s\t%s\t%s\t%s\t%s\t%s\n", y.ID, y.Kind, y.Name, y.Schedule, y.Activity, when, result)
	}
	tw.Flush()
}

// Runs prints one line per run.
func Runs(w io.Writer, runs []*store.Run) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	// RUN counts the sync's runs; ID is what --run takes.
	fmt.Fprintln(tw, "RUN\tID\tTRIGGER\tSTATUS\tSTARTED\tDURATION\tREAD\tSENT\tUNCHANGED\tREJECTED\tERROR")
	for _, r := range runs {
		read, sent, unchanged, rejected := resource.Totals(r)
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", r.Number, r.ID, r.TriggeredBy, r.Status, r.StartedAt.Local().Format(time.DateTime),
			r.Duration(time.Now()).Round(time.Millisecond), read, sent, unchanged, rejected, truncate(r.Error, 60))
	}
	tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func truncate(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Health prints a connection's health after label: its state, since when it fails, its message, and the
// technical detail indented below, as the UI shows them.
func Health(w io.Writer, label string, h resource.Health) {
	state := strings.ReplaceAll(h.State, "_", " ")
	if h.Since != nil {
		runs := "run"
		if h.FailedRuns > 1 {
			runs = "runs"
		}
		state += fmt.Sprintf(" since %s, %d failed %s in a row", Time(*h.Since), h.FailedRuns, runs)
	}
	fmt.Fprintf(w, "%s%s\n", label, state)
	pad := strings.Repeat(" ", len(label))
	if h.Message != "" {
		fmt.Fprintf(w, "%s%s\n", pad, h.Message)
	}
	if h.Detail != "" {
		fmt.Fprintf(w, "%sDetails:\n", pad)
		for _, line := range strings.Split(h.Detail, "\n") {
			fmt.Fprintf(w, "%s  %s\n", pad, line)
		}
	}
}

// Time is a time as the CLI prints it: local, with its zone.
func Time(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05 MST") }

// Account prints what a connection's Dotdigital account offers to choose from: its lists and its
// programmes, with their ids (either may be given to bcsync settings).
func Account(w io.Writer, a *marketing.Account) {
	fmt.Fprintln(w, "  Lists of the account:")
	for _, l := range a.Lists {
		fmt.Fprintf(w, "    %-8d %s\n", l.ID, l.Name)
	}
	fmt.Fprintln(w, "  Programmes of the account:")
	for _, p := range a.Programs {
		status := ""
		if p.Status != "Active" {
			status = " (" + p.Status + ": enrols no one until active)"
		}
		fmt.Fprintf(w, "    %-8d %s%s\n", p.ID, p.Name, status)
	}
}

// RealTime says how a store's changes reach Dotdigital: "on, 3 changes waiting, ~2 s behind".
func RealTime(rt resource.RealTime) string {
	if !rt.On {
		return "off: changes arrive at the next sync"
	}
	noun := "changes"
	if rt.Waiting == 1 {
		noun = "change"
	}
	if rt.Waiting == 0 {
		return "on, 0 changes waiting"
	}
	return fmt.Sprintf("on, %d %s waiting, ~%.0f s behind", rt.Waiting, noun, rt.BehindS)
}
