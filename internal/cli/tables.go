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
	fmt.Fprintf(w, "  Store:                  %s (%s, hash %s)\n", c.StoreName, c.StoreURL, c.StoreHash)
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
