package ui

import (
	"fmt"
	"math"
	"strings"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

// chart is an inline SVG of runs over time: a bar per run for the records it synced (sent to
// Dotdigital) and a line for its duration, each against its own axis.
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
	// Tick is the run's number under the axis ("" when the bars are too many to number each).
	Tick  string
	TickX float64
}

type chartPoint struct{ X, Y float64 }

const (
	chartW, chartH = 720, 200
	chartPad       = 32
	// maxTicks is how many run numbers fit under the axis without touching.
	maxTicks = 24
)

func newChart(runs []*store.Run) chart {
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
	var maxSent int64 = 1
	maxDur := 0.001
	for _, r := range finished {
		_, sent, _, _ := resource.Totals(r)
		maxSent = max(maxSent, sent)
		maxDur = max(maxDur, r.FinishedAt.Sub(r.StartedAt).Seconds())
	}
	c.MaxRecords = maxSent
	c.MaxDuration = fmt.Sprintf("%.1f s", maxDur)
	plotW, plotH := float64(chartW-2*chartPad), float64(chartH-2*chartPad)
	step := plotW / float64(len(finished))
	barW := math.Max(2, step*0.6)
	tickEvery := (len(finished) + maxTicks - 1) / maxTicks
	var pts []string
	for i, r := range finished {
		_, sent, _, _ := resource.Totals(r)
		dur := r.FinishedAt.Sub(r.StartedAt).Seconds()
		x := chartPad + step*float64(i) + (step-barW)/2
		h := plotH * float64(sent) / float64(maxSent)
		c.Bars = append(c.Bars, chartBar{X: x, Y: chartPad + plotH - h, W: barW, H: h, Failed: r.Status == store.RunFailed,
			Label: fmt.Sprintf("Run %d, %s: %s records synced in %.1f s", r.ID, r.StartedAt.Local().Format("2 Jan 15:04"), num(sent), dur)})
		if (len(finished)-1-i)%tickEvery == 0 { // the newest run is always numbered
			c.Bars[i].Tick, c.Bars[i].TickX = fmt.Sprint(r.ID), x+barW/2
		}
		px, py := x+barW/2, chartPad+plotH-plotH*dur/maxDur
		c.Points = append(c.Points, chartPoint{px, py})
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", px, py))
	}
	c.Line = strings.Join(pts, " ")
	c.From = finished[0].StartedAt.Local().Format("2 Jan 15:04")
	c.To = finished[len(finished)-1].StartedAt.Local().Format("2 Jan 15:04")
	c.Description = fmt.Sprintf("%d runs, oldest on the left: up to %s records synced per run, runs taking up to %s.", len(finished), num(maxSent), c.MaxDuration)
	return c
}
