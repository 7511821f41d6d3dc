package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/cli"
	"github.com/bcsync/bcsync/internal/jobs"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

type syncCmd struct {
	serviceFlags
	workFlags       // --wait runs the sync in this process when no serve or worker does
	ID        int64 `arg:"" help:"Connection id."`
	Wait      bool  `help:"Wait for the sync to end, showing its progress; without a running bcsync serve or worker, run it in this process."`
	JSON      bool  `help:"With --wait, print the run as one JSON object instead of progress bars."`
}

func (c *syncCmd) Run(ctx context.Context, cfg app.Config) error {
	a, err := app.OpenExisting(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	s, err := a.Services(app.ServiceOptions{Work: c.Wait})
	if err != nil {
		return err
	}
	defer s.Stop(context.WithoutCancel(ctx))
	afterID, err := lastRunID(ctx, s, c.ID)
	if err != nil {
		return err
	}
	err = s.SyncNow(ctx, c.ID)
	attach := errors.Is(err, jobs.ErrAlreadyQueued)
	switch {
	case attach && !c.Wait:
		fmt.Println("a sync of this connection is already queued or running; no second one was queued")
		return nil
	case attach && c.JSON:
		// Scripts learn on standard error that no second sync was queued; the JSON is that sync's run.
		fmt.Fprintln(os.Stderr, "a sync of this connection is already queued or running; no second one was queued")
	case attach:
		// Waiting for the sync already queued (the first sync after connection add) is what was asked:
		// its progress follows, without a word about a second one.
	case err != nil:
		return err
	case !c.Wait:
		fmt.Println("sync queued")
		return nil
	}
	run, err := waitForRun(ctx, s, c.ID, afterID, attach, c.JSON)
	if err != nil {
		return err
	}
	if c.JSON {
		if err := cli.WriteJSON(os.Stdout, resource.NewRun(run, time.Now())); err != nil {
			return err
		}
	} else {
		cli.Summary(os.Stdout, run)
	}
	if run.Status == store.RunFailed {
		return exitCode(1) // the summary said why
	}
	return nil
}

// waitForRun follows the run after afterID (or the sync's running run, when attach) until it ends,
// showing its progress unless asJSON. Without a bcsync serve or worker running, this process runs it.
func waitForRun(ctx context.Context, s *app.Services, syncID, afterID int64, attach, asJSON bool) (*store.Run, error) {
	working := false
	takeOver := func(ctx context.Context) error {
		if working {
			return nil
		}
		if alive, err := s.Store.WorkersAlive(ctx); err != nil || alive {
			return err
		}
		err := s.Start(ctx)
		if errors.Is(err, store.ErrWorkersElsewhere) {
			return nil // another process started meanwhile
		}
		working = err == nil
		return err
	}
	w := &cli.Waiter{Store: s.Store, Active: func(ctx context.Context) (bool, error) { return s.Queue.Active(ctx, syncID) }, Idle: takeOver}
	if !asJSON {
		w.Out, w.TTY, w.Screen = os.Stdout, isTerminal(os.Stdout), terminal
	}
	return w.Wait(ctx, syncID, afterID, attach)
}

// lastRunID is the id of a sync's newest run (0: none), to wait for the next one.
func lastRunID(ctx context.Context, s *app.Services, syncID int64) (int64, error) {
	before, err := s.Store.Runs(ctx, syncID, 1, 0)
	if err != nil || len(before) == 0 {
		return 0, err
	}
	return before[0].ID, nil
}

func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

type runsCmd struct {
	ID    int64 `arg:"" help:"Connection id."`
	Limit int   `help:"How many runs, newest first." default:"20"`
	JSON  bool  `help:"Print JSON."`
}

func (c *runsCmd) Run(ctx context.Context, cfg app.Config) error {
	return listRuns(ctx, cfg, c.ID, c.Limit, c.JSON, func(s *app.Services) error {
		_, err := s.Store.Connection(ctx, c.ID)
		return err
	})
}

// listRuns prints a sync's runs, newest first, after exists says the sync is there.
func listRuns(ctx context.Context, cfg app.Config, id int64, limit int, asJSON bool, exists func(*app.Services) error) error {
	return withExisting(ctx, cfg, false, func(s *app.Services) error {
		if err := exists(s); err != nil {
			return err
		}
		runs, err := s.Store.Runs(ctx, id, limit, 0)
		if err != nil {
			return err
		}
		if asJSON {
			out := make([]resource.Run, len(runs))
			for i, r := range runs {
				out[i] = resource.NewRun(r, time.Now())
			}
			return cli.WriteJSON(os.Stdout, out)
		}
		cli.Runs(os.Stdout, runs)
		return nil
	})
}
