package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bcsync/bcsync/internal/store"
)

// Connections prints one line per connection with its last run.
func Connections(w io.Writer, conns []*store.Connection, last map[int64]*store.Run) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTORE\tDATA SYNC\tSTATUS\tLAST SYNC\tRESULT")
	for _, c := range conns {
		sync := "on"
		if !c.Settings.DataSync {
			sync = "off"
		}
		when, result := "never", "-"
		if r := last[c.ID]; r != nil {
			when = r.FinishedAt.Local().Format(time.DateTime)
			result = string(r.Status)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, c.StoreURL, sync, c.Status, when, result)
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
		var read, sent, unchanged, rejected int64
		for _, c := range r.Streams {
			read, sent, unchanged, rejected = read+c.Read, sent+c.Sent, unchanged+c.Unchanged, rejected+c.Rejected
		}
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

// ConnectionJSON is a connection as `bcsync connection show --json` prints it; it holds no secret.
type ConnectionJSON struct {
	ID                   int64             `json:"id"`
	Name                 string            `json:"name"`
	StoreHash            string            `json:"store_hash"`
	StoreName            string            `json:"store_name"`
	StoreURL             string            `json:"store_url"`
	DotdigitalUsername   string            `json:"dotdigital_username"`
	DotdigitalEndpoint   string            `json:"dotdigital_endpoint"`
	Status               string            `json:"status"`
	StatusMessage        string            `json:"status_message,omitempty"`
	DataSync             bool              `json:"data_sync"`
	IntervalS            float64           `json:"interval_s"`
	SubscriberList       RefJSON           `json:"subscriber_list"`
	CustomerList         *RefJSON          `json:"customer_list"`
	NewCustomerProgram   *RefJSON          `json:"new_customer_program"`
	NewSubscriberProgram *RefJSON          `json:"new_subscriber_program"`
	AbandonedCartProgram *RefJSON          `json:"abandoned_cart_program"`
	FieldMapping         map[string]string `json:"field_mapping,omitempty"`
	NextSyncAt           *time.Time        `json:"next_sync_at"`
	LastRun              *RunJSON          `json:"last_run"`
}

// RefJSON names a list or programme.
type RefJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func refJSON(r store.Ref) *RefJSON {
	if r.ID == 0 {
		return nil
	}
	return &RefJSON{r.ID, r.Name}
}

// NewConnectionJSON converts a connection.
func NewConnectionJSON(c *store.Connection, mappings []store.FieldMapping, last *store.Run) ConnectionJSON {
	st := c.Settings
	out := ConnectionJSON{ID: c.ID, Name: c.Name, StoreHash: c.StoreHash, StoreName: c.StoreName, StoreURL: c.StoreURL,
		DotdigitalUsername: c.Dotdigital.Username, DotdigitalEndpoint: c.Dotdigital.APIEndpoint, Status: string(c.Status), StatusMessage: c.StatusMessage,
		DataSync: st.DataSync, IntervalS: st.Interval.Seconds(), SubscriberList: RefJSON{st.SubscriberList.ID, st.SubscriberList.Name},
		CustomerList: refJSON(st.CustomerList), NewCustomerProgram: refJSON(st.NewCustomerProgram),
		NewSubscriberProgram: refJSON(st.NewSubscriberProgram), AbandonedCartProgram: refJSON(st.AbandonedCartProgram)}
	if len(mappings) > 0 {
		out.FieldMapping = map[string]string{}
		for _, m := range mappings {
			out.FieldMapping[m.Source] = m.DataField
		}
	}
	if !c.NextSyncAt.IsZero() {
		n := c.NextSyncAt
		out.NextSyncAt = &n
	}
	if last != nil {
		r := NewRunJSON(last)
		out.LastRun = &r
	}
	return out
}
