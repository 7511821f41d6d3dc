package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bcsync/bcsync/internal/resource"
)

// AlertChannels prints one line per channel; secrets are never printed.
func AlertChannels(w io.Writer, cs []resource.AlertChannel) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTYPE\tTARGET\tADDED")
	for _, c := range cs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", c.ID, c.Name, c.Type, orDash(c.Target), c.CreatedAt.Local().Format(time.DateTime))
	}
	tw.Flush()
}

// AlertRules prints one line per rule with its thresholds.
func AlertRules(w io.Writer, rules []resource.AlertRule, channels map[int64]string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCHANNEL\tSYNC\tON\tREJECTED\tSLOW\tSTALE\tQUIET")
	for _, r := range rules {
		sync := "all"
		if r.SyncID != nil {
			sync = fmt.Sprint(*r.SyncID)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s / %s\t%s×\t%s intervals\t%s\n", r.ID, orDash(channels[r.ChannelID]), sync, strings.Join(r.On, ","),
			percent(r.RejectedWarning), percent(r.RejectedCritical), trim(r.SlowFactor), trim(r.StaleIntervals),
			quiet(time.Duration(r.QuietS*float64(time.Second))))
	}
	tw.Flush()
}

// Notifications prints the history, one line per notification.
func Notifications(w io.Writer, ns []resource.Notification) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tCHANNEL\tSYNC\tSTATE\tCONDITION\tSEVERITY\tSTATUS\tATTEMPTS\tMESSAGE")
	for _, n := range ns {
		sync := "-"
		if n.Sync != nil {
			sync = fmt.Sprint(n.Sync.ID)
		}
		msg := n.Message
		if n.Error != "" {
			msg = n.Error
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", n.ID, n.CreatedAt.Local().Format(time.DateTime), n.Channel.Name, sync, n.State,
			orDash(n.Condition), orDash(n.Severity), n.Status, n.Attempts, truncate(msg, 100))
	}
	tw.Flush()
}

// quiet writes a quiet period as people read it: 15m, 1h30m, none.
func quiet(d time.Duration) string {
	if d <= 0 {
		return "none"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func percent(share float64) string { return trim(100*share) + "%" }

func trim(v float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}
