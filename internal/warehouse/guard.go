package warehouse

import (
	"context"
	"fmt"
	"math"

	"github.com/bcsync/bcsync/internal/store"
)

// guard blocks a plan that looks like an accident, before anything is written: it would remove or
// clear more than a share of the rows synced before, the model returned no rows while the last run
// read some, or the model's row count moved more than a share from the average of the last runs.
// Peers only alert on these; bcsync waits for a person to approve.
func (e *Engine) guard(ctx context.Context, w *store.WarehouseSync, cfg *config, p *Plan) error {
	noun := cfg.object
	if p.Removes > 0 && p.Synced > 0 {
		share := float64(p.Removes) / float64(p.Synced)
		if share > cfg.removeShare {
			verb := map[string]string{deleteClear: "clear the mapped fields of", deleteDelete: "delete"}[cfg.delete]
			if cfg.delete == deleteDelete && cfg.object == objectOrders {
				verb = "archive"
			}
			p.Blocked = true
			p.Reason = fmt.Sprintf("would %s %s of %s %s (%s) — the limit is %s", verb, count(p.Removes), count(p.Synced), noun,
				percent(share), percent(cfg.removeShare))
			return nil
		}
	}
	last, err := e.lastRowCounts(ctx, w.ID)
	if err != nil {
		return err
	}
	if len(last) == 0 {
		return nil // a first run: nothing to compare with, and nothing to remove
	}
	if p.Rows == 0 && last[0] > 0 {
		p.Blocked = true
		p.Reason = fmt.Sprintf("the model returned no rows, and the last run read %s", count(last[0]))
		return nil
	}
	var sum float64
	for _, n := range last {
		sum += float64(n)
	}
	avg := sum / float64(len(last))
	if avg == 0 {
		return nil
	}
	moved := (float64(p.Rows) - avg) / avg
	if math.Abs(moved) > cfg.countShare {
		dir := "more"
		if moved < 0 {
			dir = "fewer"
		}
		p.Blocked = true
		p.Reason = fmt.Sprintf("the model returned %s rows, %s %s than the average of the last %d runs (%s) — the limit is %s",
			count(p.Rows), percent(math.Abs(moved)), dir, len(last), count(int64(math.Round(avg))), percent(cfg.countShare))
	}
	return nil
}

// lastRowCounts are the model's row counts of the sync's last runs that went through, newest first.
func (e *Engine) lastRowCounts(ctx context.Context, syncID int64) ([]int64, error) {
	runs, err := e.store.Runs(ctx, syncID, 4*guardRuns, 0)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, r := range runs {
		if r.Status != store.RunSucceeded && r.Status != store.RunPartial {
			continue
		}
		for _, c := range r.Streams {
			if c.Stream == partPlan {
				out = append(out, c.Read)
			}
		}
		if len(out) == guardRuns {
			break
		}
	}
	return out, nil
}

// count writes a number with thousands separators: 20,000.
func count(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + count(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// percent writes a share as a whole percentage: 17%.
func percent(share float64) string { return fmt.Sprintf("%.0f%%", 100*share) }
