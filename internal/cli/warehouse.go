package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/schedule"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

// Sources prints one line per warehouse source; URLs are shown with their secrets hidden.
func Sources(w io.Writer, srcs []resource.Source) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tENGINE\tURL\tSTATUS")
	for _, s := range srcs {
		status := s.Status
		if s.StatusMessage != "" {
			status += ": " + truncate(s.StatusMessage, 60)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", s.ID, s.Name, s.Engine, s.URL, status)
	}
	tw.Flush()
}

// Models prints one line per model.
func Models(w io.Writer, ms []resource.Model) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSOURCE\tPRIMARY KEY\tQUERY")
	for _, m := range ms {
		q := m.Query
		if q == "" {
			q = "table " + m.Table
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\n", m.ID, m.Name, m.SourceID, m.PrimaryKey, truncate(q, 60))
	}
	tw.Flush()
}

// Preview prints a model's columns with their types, then its first rows.
func Preview(w io.Writer, p resource.Preview) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COLUMN\tTYPE\tKIND\tNULLABLE")
	for _, c := range p.Columns {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.DatabaseType, c.Kind, c.Nullable)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	names := make([]string, len(p.Columns))
	for i, c := range p.Columns {
		names[i] = strings.ToUpper(c.Name)
	}
	fmt.Fprintln(tw, strings.Join(names, "\t"))
	for _, raw := range p.Rows {
		var cells []any
		json.Unmarshal(raw, &cells)
		out := make([]string, len(cells))
		for i, v := range cells {
			switch x := v.(type) {
			case nil:
				out[i] = "NULL"
			case string:
				out[i] = truncate(x, 40)
			default:
				b, _ := json.Marshal(x)
				out[i] = truncate(string(b), 40)
			}
		}
		fmt.Fprintln(tw, strings.Join(out, "\t"))
	}
	tw.Flush()
	if p.Checked {
		fmt.Fprintf(w, "\n%d rows; %d without a primary key, %d sharing theirs with another row (never sent)\n", *p.Total, *p.NullKeys, *p.DuplicateKeys)
		for _, e := range p.Examples {
			fmt.Fprintln(w, "  "+e)
		}
	}
}

// Plan prints a plan: its counts, whether the guard stops it, and its samples.
func Plan(w io.Writer, p *warehouse.Plan) {
	fmt.Fprintf(w, "Plan of sync %d: %d rows read\n", p.SyncID, p.Rows)
	fmt.Fprintf(w, "  adds       %d\n  changes    %d", p.Adds, p.Changes)
	if p.Retries > 0 {
		fmt.Fprintf(w, " (%d refused before, tried again)", p.Retries)
	}
	fmt.Fprintf(w, "\n  removes    %d", p.Removes)
	if p.Left > p.Removes {
		fmt.Fprintf(w, " (%d rows left the model; delete behaviour: %s)", p.Left, p.Delete)
	}
	fmt.Fprintf(w, "\n  unchanged  %d (no call)\n  invalid    %d (never sent)\n", p.Unchanged, p.Invalid)
	if p.Blocked {
		fmt.Fprintf(w, "BLOCKED: %s\n", p.Reason)
	}
	for _, s := range p.Samples {
		fmt.Fprintf(w, "\n%s %s", strings.ToUpper(s.Op), s.Key)
		if s.TargetID != "" {
			fmt.Fprintf(w, " (BigCommerce %s)", s.TargetID)
		}
		if s.Reason != "" {
			fmt.Fprintf(w, ": %s", s.Reason)
		}
		fmt.Fprintln(w)
		keys := make([]string, 0, len(s.After))
		for k := range s.After {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			before, had := s.Before[k]
			switch {
			case had && before != s.After[k]:
				fmt.Fprintf(w, "  %-28s %s → %s\n", k, before, s.After[k])
			default:
				fmt.Fprintf(w, "  %-28s %s\n", k, s.After[k])
			}
		}
	}
}

// TestRow prints what became of a row sent on its own, and its calls.
func TestRow(w io.Writer, t *resource.TestRow) {
	fmt.Fprintf(w, "row %s: %s (%s)", t.Key, t.Status, t.Op)
	if t.TargetID != "" {
		fmt.Fprintf(w, ", BigCommerce id %s", t.TargetID)
	}
	if t.Reason != "" {
		fmt.Fprintf(w, ": %s", t.Reason)
	}
	fmt.Fprintf(w, "\nrun %d made %d calls:\n", t.RunID, len(t.Calls))
	for _, c := range t.Calls {
		fmt.Fprintf(w, "  %s %s → %d (%d ms)\n", c.Method, c.URL, c.Status, c.DurationMS)
		if c.RequestBody != "" {
			fmt.Fprintf(w, "    sent:     %s\n", truncate(c.RequestBody, 200))
		}
		if c.ResponseBody != "" {
			fmt.Fprintf(w, "    answered: %s\n", truncate(c.ResponseBody, 200))
		}
	}
}

// WarehouseSyncs prints one line per warehouse sync.
func WarehouseSyncs(w io.Writer, ws []resource.WarehouseSync) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSTORE\tMODEL\tWRITES\tSCHEDULE\tNOW\tLAST RUN\tRESULT")
	for _, s := range ws {
		when, result := "never", "-"
		if r := s.LastRun; r != nil && r.FinishedAt != nil {
			when, result = r.FinishedAt.Local().Format(time.DateTime), r.Status
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%s (%s)\t%s\t%s\t%s\t%s\n", s.ID, s.Name, s.StoreID, s.ModelID, s.Object, s.Mode, s.Schedule,
			s.Activity, when, result)
	}
	tw.Flush()
}

// describeSchedule says a schedule (manual, a duration or cron:EXPR) in words.
func describeSchedule(s string) string {
	spec, err := schedule.Parse(s)
	if err != nil {
		return s
	}
	return spec.Describe()
}

// bothZones shows a time in UTC, the zone of cron schedules, and in the local zone.
func bothZones(t time.Time) string {
	out := t.UTC().Format("2006-01-02 15:04 UTC")
	if _, off := t.Local().Zone(); off != 0 {
		out += " (" + t.Local().Format("15:04 MST") + " local)"
	}
	return out
}

// WarehouseSync prints a warehouse sync, its mapping and its latest plan.
func WarehouseSync(w io.Writer, s resource.WarehouseSync) {
	fmt.Fprintf(w, "Warehouse sync %d: %s\n", s.ID, s.Name)
	fmt.Fprintf(w, "  Writes:      the %s of store %d (%s), mode %s, matched on %s = column %s\n", s.Object, s.StoreID, s.StoreName, s.Mode,
		s.Match.Field, s.Match.Column)
	fmt.Fprintf(w, "  Model:       %d\n", s.ModelID)
	fmt.Fprintf(w, "  Deletes:     %s\n", s.Delete)
	fmt.Fprintf(w, "  Schedule:    %s\n", describeSchedule(s.Schedule))
	if s.NextRunAt != nil {
		fmt.Fprintf(w, "  Next run:    %s\n", bothZones(*s.NextRunAt))
		if spec, err := schedule.Parse(s.Schedule); err == nil && spec.Cron != "" {
			for _, t := range spec.Upcoming(*s.NextRunAt, 2) {
				fmt.Fprintf(w, "               %s\n", bothZones(t))
			}
		}
	}
	fmt.Fprintf(w, "  Guard:       stop for approval above %.0f%% removed or a row count %.0f%% off the average\n", 100*s.GuardRemoveShare, 100*s.GuardCountShare)
	status := s.Status
	if s.StatusMessage != "" {
		status += ": " + s.StatusMessage
	}
	fmt.Fprintf(w, "  Status:      %s (%s)\n", status, s.Activity)
	var maps []struct {
		Field     string  `json:"field"`
		Column    string  `json:"column"`
		Constant  *string `json:"constant"`
		Template  string  `json:"template"`
		SkipNulls bool    `json:"skip_nulls"`
	}
	json.Unmarshal(s.Mappings, &maps)
	fmt.Fprintln(w, "  Mapping:")
	for _, m := range maps {
		from := "column " + m.Column
		switch {
		case m.Constant != nil:
			from = fmt.Sprintf("constant %q", *m.Constant)
		case m.Template != "":
			from = fmt.Sprintf("template %q", m.Template)
		}
		skip := ""
		if m.SkipNulls {
			skip = " (NULL leaves it as it is)"
		}
		fmt.Fprintf(w, "    %-28s ← %s%s\n", m.Field, from, skip)
	}
	if r := s.LastRun; r != nil && r.FinishedAt != nil {
		fmt.Fprintf(w, "  Last run:    %d, %s at %s\n", r.Number, r.Status, r.FinishedAt.Local().Format(time.DateTime))
	}
	if s.Plan != nil {
		if p, ok := s.Plan.Plan.(*warehouse.Plan); ok {
			fmt.Fprintf(w, "  Latest plan: %s, %s: %d adds, %d changes, %d removes, %d invalid\n", s.Plan.State,
				p.PlannedAt.Local().Format(time.DateTime), p.Adds, p.Changes, p.Removes, p.Invalid)
			if p.Blocked {
				fmt.Fprintf(w, "  Waits for approval: %s (bcsync warehouse sync approve %d, or discard)\n", p.Reason, s.ID)
			}
		}
	}
}

// Rejected prints rejected rows with their reason.
func Rejected(w io.Writer, rs []resource.Rejected) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tPART\tKEY\tREASON\tDETAIL")
	for _, r := range rs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.RunID, r.Stream, r.Key, r.Reason, truncate(r.Detail, 80))
	}
	tw.Flush()
}

// Fields prints the fields a warehouse sync can write, by group.
func Fields(w io.Writer, fields []mapping.Field) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	group := ""
	for _, f := range fields {
		if f.Group != group {
			tw.Flush()
			if group != "" {
				fmt.Fprintln(w)
			}
			group = f.Group
			fmt.Fprintln(w, group)
		}
		var notes []string
		if f.Required {
			notes = append(notes, "required to create")
		}
		if f.RequiredWith != "" {
			notes = append(notes, "required with any "+strings.TrimSuffix(f.RequiredWith, ".")+" field")
		}
		if f.CreateOnly {
			notes = append(notes, "on create only")
		}
		if f.MaxLen > 0 {
			notes = append(notes, fmt.Sprintf("at most %d characters", f.MaxLen))
		}
		if len(f.Enum) > 0 {
			notes = append(notes, "one of "+strings.Join(f.Enum, ", "))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", f.Key, f.Type, f.Label, strings.Join(notes, "; "))
	}
	tw.Flush()
}
