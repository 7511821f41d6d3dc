package cli

import (
	"fmt"
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
	fmt.Fprintln(tw, "ID\tNAME\tSTORE\tDATA SYNC\tSTATUS\tNOW\tLAST SYNC\tRESULT")
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
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, c.StoreURL, sync, c.Status, c.Activity, when, result)
	}
	tw.Flush()
}

// Connection prints one connection's settings; secrets are never printed.
func Connection(w io.Writer, c *store.Connection, mappings []store.FieldMapping, last *store.Run) {
	ref := func(r store.Ref) string {
		if r.ID == 0 {
			return "none"
		}
		return fmt.Sprintf("%s (%d)", r.Name, r.ID)
	}
	onOff := map[bool]string{true: "on", false: "off"}
	st := c.Settings
	fmt.Fprintf(w, "Connection %d: %s\n", c.ID, c.Name)
	fmt.Fprintf(w, "  Store:                  %s (%s, hash %s; store %d)\n", c.StoreName, c.StoreURL, c.StoreHash, c.StoreID)
	fmt.Fprintf(w, "  Dotdigital API user:    %s (%s)\n", c.Dotdigital.Username, orDash(c.Dotdigital.APIEndpoint))
	fmt.Fprintf(w, "  Status:                 %s %s\n", c.Status, c.StatusMessage)
	fmt.Fprintf(w, "  Data sync:              %s, every %s\n", onOff[st.DataSync], st.Interval)
	fmt.Fprintf(w, "  Subscribers sync to:    %s\n", ref(st.SubscriberList))
	fmt.Fprintf(w, "  Customers sync to:      %s\n", ref(st.CustomerList))
	fmt.Fprintf(w, "  New customers enrol in: %s\n", ref(st.NewCustomerProgram))
	fmt.Fprintf(w, "  New subscribers enrol:  %s\n", ref(st.NewSubscriberProgram))
	fmt.Fprintf(w, "  Abandoned carts enrol:  %s\n", ref(st.AbandonedCartProgram))
	if !c.NextSyncAt.IsZero() {
		fmt.Fprintf(w, "  Next sync:              %s\n", c.NextSyncAt.Local().Format(time.DateTime))
	}
	if last != nil {
		fmt.Fprintf(w, "  Last sync:              %s, %s in %s\n", last.FinishedAt.Local().Format(time.DateTime), last.Status, last.Duration(time.Now()).Round(time.Millisecond))
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
	fmt.Fprintln(tw, "RUN\tTRIGGER\tSTATUS\tSTARTED\tDURATION\tREAD\tSENT\tUNCHANGED\tREJECTED\tERROR")
	for _, r := range runs {
		read, sent, unchanged, rejected := resource.Totals(r)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", r.ID, r.TriggeredBy, r.Status, r.StartedAt.Local().Format(time.DateTime),
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
