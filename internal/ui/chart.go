package ui

import (
	"fmt"
	"math"
	"strings"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

// chart is an inline SVG of runs over time: a bar per run for the records it synced (sent to
// Dotdigital) — or, for a warehouse sync, the rows it added, changed, removed and rejected, stacked —
// and a line for its duration, each against its own axis.
type chart struct {
	Width, Height int
	Bars          []chartBar
	Line          string // SVG polyline points
	Points        []chartPoint
	MaxRecords    int64
	MaxDuration   string
	Empty         bool
	Description   string
	// From and To are when the oldest and newest runs started, under the axis's ends.
	From, To string
}

type chartBar struct {
	X, Y, W, H float64
	Label      string
	Failed     bool
	// Segments stack the bar's parts, bottom first (a chart of one series has one).
	Segments []chartSegment
	// Tick is the run's number under the axis ("" when the bars are too many to number each).
	Tick  string
	TickX float64
}

// chartSegment is one series' part of a bar.
type chartSegment struct {
	Y, H  float64
	Class string
}

type chartPoint struct{ X, Y float64 }

// chartSeries is what a chart stacks in each bar: one count of a run per series, drawn in its class.
type chartSeries struct {
	Classes []string
	Counts  func(*store.Run) []int64
	// Label says one bar's counts, for its tooltip: "Run 3, 20 Nov 10:00: 1,000 records synced in 2.5 s".
	Label func(r *store.Run, counts []int64, seconds float64) string
	// Noun says what is counted, in the chart's description: "records synced".
	Noun string
}

const (
	chartW, chartH = 720, 200
	chartPad       = 32
	// maxTicks is how many run numbers fit under the axis without touching.
	maxTicks = 24
)

// synced is the marketing chart's one series: the records each run sent.
var synced = chartSeries{
	Classes: []string{""},
	Counts: func(r *store.Run) []int64 {
		_, sent, _, _ := resource.Totals(r)
		return []int64{sent}
	},
	Label: func(r *store.Run, c []int64, seconds float64) string {
		return fmt.Sprintf("Run %d, %s: %s records synced in %.1f s", r.Number, r.StartedAt.Local().Format("2 Jan 15:04"), num(c[0]), seconds)
	},
	Noun: "records synced",
}

// byOutcome is a warehouse chart's series: the rows each run added, changed, removed and rejected.
var byOutcome = chartSeries{
	Classes: []string{"added", "changed", "removed", "rejected"},
	Counts: func(r *store.Run) []int64 {
		o := outcomesOf(r)
		return []int64{o.Added, o.Changed, o.Removed, o.Rejected}
	},
	Label: func(r *store.Run, c []int64, seconds float64) string {
		return fmt.Sprintf("Run %d, %s (%s): %s added, %s changed, %s removed, %s rejected in %.1f s", r.Number, r.StartedAt.Local().Format("2 Jan 15:04"),
			r.Status, num(c[0]), num(c[1]), num(c[2]), num(c[3]), seconds)
	},
	Noun: "rows written or rejected",
}

func newChart(runs []*store.Run) chart { return plot(runs, synced) }

// newOutcomeChart is a warehouse sync's chart: rows by outcome, stacked, and duration.
func newOutcomeChart(runs []*store.Run) chart { return plot(runs, byOutcome) }

func plot(runs []*store.Run, series chartSeries) chart {
	c := chart{Width: chartW, Height: chartH}
	finished := make([]*store.Run, 0, len(runs))
	for _, r := range runs {
		if !r.FinishedAt.IsZero() {
			finished = append(finished, r)
		}
	}
	if len(finished) == 0 {
		c.Empty = true
		return c
	}
	sum := func(counts []int64) int64 {
		var t int64
		for _, n := range counts {
			t += n
		}
		return t
	}
	var maxTotal int64 = 1
	maxDur := 0.001
	for _, r := range finished {
		maxTotal = max(maxTotal, sum(series.Counts(r)))
		maxDur = max(maxDur, r.FinishedAt.Sub(r.StartedAt).Seconds())
	}
	c.MaxRecords = maxTotal
	c.MaxDuration = fmt.Sprintf("%.1f s", maxDur)
	plotW, plotH := float64(chartW-2*chartPad), float64(chartH-2*chartPad)
	step := plotW / float64(len(finished))
	barW := math.Max(2, step*0.6)
	tickEvery := (len(finished) + maxTicks - 1) / maxTicks
	var pts []string
	for i, r := range finished {
		counts := series.Counts(r)
		dur := r.FinishedAt.Sub(r.StartedAt).Seconds()
		x := chartPad + step*float64(i) + (step-barW)/2
		h := plotH * float64(sum(counts)) / float64(maxTotal)
		bar := chartBar{X: x, Y: chartPad + plotH - h, W: barW, H: h, Failed: r.Status == store.RunFailed, Label: series.Label(r, counts, dur)}
		base := chartPad + plotH
		for k, n := range counts {
			sh := plotH * float64(n) / float64(maxTotal)
			base -= sh
			if n > 0 {
				bar.Segments = append(bar.Segments, chartSegment{Y: base, H: sh, Class: series.Classes[k]})
			}
		}
		c.Bars = append(c.Bars, bar)
		if (len(finished)-1-i)%tickEvery == 0 { // the newest run is always numbered
			c.Bars[i].Tick, c.Bars[i].TickX = fmt.Sprint(r.Number), x+barW/2
		}
		px, py := x+barW/2, chartPad+plotH-plotH*dur/maxDur
		c.Points = append(c.Points, chartPoint{px, py})
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", px, py))
	}
	c.Line = strings.Join(pts, " ")
	c.From = finished[0].StartedAt.Local().Format("2 Jan 15:04")
	c.To = finished[len(finished)-1].StartedAt.Local().Format("2 Jan 15:04")
	c.Description = fmt.Sprintf("%d runs, oldest on the left: up to %s %s per run, runs taking up to %s.", len(finished), num(maxTotal), series.Noun, c.MaxDuration)
	return c
}
