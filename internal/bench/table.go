package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// Table prints a report for people: one block per phase.
func Table(w io.Writer, r *Report) {
	o := r.Options
	fmt.Fprintf(w, "bcsync bench on %s: %d customers, %d subscribers, %d orders, %d products; rate limit %s (share %.0f%%), latency %s, time scale %gx\n\n",
		r.Machine, o.Customers, o.Subscribers, o.Orders, o.Products, orDash(o.RateLimit), o.QuotaShare*100, o.Latency, o.TimeScale)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tstatus\twall s\tBC calls\tBC floor\tDD calls\tDD floor\tcalls/floor\tquota floor s\tfailed\tpeak RSS MB\t")
	for _, p := range r.Phases {
		quota := "-"
		if p.RateLimitFloorS != nil {
			quota = fmt.Sprintf("%.1f", *p.RateLimitFloorS)
		}
		calls := p.Calls["bigcommerce"] + p.Calls["dotdigital"]
		floor := p.FloorCalls["bigcommerce"] + p.FloorCalls["dotdigital"]
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%d\t%d\t%d\t%d\t%.3f\t%s\t%d\t%d\t\n", p.Name, p.Status, p.WallS, p.Calls["bigcommerce"], p.FloorCalls["bigcommerce"],
			p.Calls["dotdigital"], p.FloorCalls["dotdigital"], float64(calls)/float64(max(floor, 1)), quota, p.FailedRequests, p.PeakRSSBytes>>20)
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, p := range r.Phases {
		streams := make([]string, 0, len(p.Records))
		for s := range p.Records {
			streams = append(streams, s)
		}
		slices.Sort(streams)
		var parts []string
		for _, s := range streams {
			c := p.Records[s]
			if c.Read+c.Sent+c.Rejected == 0 {
				continue
			}
			parts = append(parts, fmt.Sprintf("%s %d/%d", s, c.Read, c.Sent))
		}
		fmt.Fprintf(w, "%s (read/sent): %s\n", p.Name, strings.Join(parts, ", "))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WarehouseTable prints a warehouse report for people: the plans, then the runs.
func WarehouseTable(w io.Writer, r *WarehouseReport) {
	o := r.Options
	fmt.Fprintf(w, "bcsync bench warehouse on %s: runs of %d customers, %d changed; rate limit %s (share %.0f%%), latency %s, time scale %gx\n\n",
		r.Machine, o.Rows, o.Changes, orDash(o.RateLimit), o.QuotaShare*100, o.Latency, o.TimeScale)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "plan of\tcolumns\twall s\tadds\tcalls\tpeak RSS MB\t")
	for _, p := range r.Plans {
		fmt.Fprintf(tw, "%d rows\t%d\t%.1f\t%d\t%d\t%d\t\n", p.Rows, p.Columns, p.WallS, p.Adds, p.Calls, p.PeakRSSBytes>>20)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\tstatus\twall s\tcalls\tfloor\tquota floor s\twall/quota floor\tfailed\tpeak RSS MB\t")
	for _, p := range r.Runs {
		quota, ratio := "-", "-"
		if p.RateLimitFloorS != nil {
			quota = fmt.Sprintf("%.1f", *p.RateLimitFloorS)
			if *p.RateLimitFloorS > 0 {
				ratio = fmt.Sprintf("%.3f", p.WallS / *p.RateLimitFloorS)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%d\t%d\t%s\t%s\t%d\t%d\t\n", p.Name, p.Status, p.WallS, p.Calls["bigcommerce"], p.FloorCalls["bigcommerce"],
			quota, ratio, p.FailedRequests, p.PeakRSSBytes>>20)
	}
	tw.Flush()
}
