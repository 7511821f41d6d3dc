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
	ID   int64 `arg:"" help:"Connection id."`
	Wait bool  `help:"Wait for the sync to end, showing its progress; without a running bcsync serve or worker, run it in this process."`
	JSON bool  `help:"With --wait, print the run as one JSON object instead of progress bars."`
}

func (c *syncCmd) Run(ctx context.Context, cfg app.Config) error {
	a, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	s, err := a.Services(app.ServiceOptions{Work: c.Wait})
	if err != nil {
		return err
	}
	defer s.Stop(context.WithoutCancel(ctx))
	before, err := a.Store.Runs(ctx, c.ID, 1, 0)
	if err != nil {
		return err
	}
	var afterID int64
	if len(before) > 0 {
		afterID = before[0].ID
	}
	err = s.SyncNow(ctx, c.ID)
	attach := errors.Is(err, jobs.ErrAlreadyQueued)
	switch {
	case attach:
		msg := os.Stdout
		if c.JSON {
			msg = os.Stderr // stdout is for the JSON
		}
		fmt.Fprintln(msg, "a sync of this connection is already queued or running; no second one was queued")
		if !c.Wait {
			return nil
		}
	case err != nil:
		return err
	case !c.Wait:
		fmt.Println("sync queued")
		return nil
	}
	// Without a bcsync serve or worker running, this process runs the sync itself.
	working := false
	takeOver := func(ctx context.Context) error {
		if working {
			return nil
		}
		if alive, err := a.Store.WorkersAlive(ctx); err != nil || alive {
			return err
		}
		err := s.Start(ctx)
		if errors.Is(err, store.ErrWorkersElsewhere) {
			return nil // another process started meanwhile
		}
		working = err == nil
		return err
	}
	w := &cli.Waiter{Store: a.Store, Active: func(ctx context.Context) (bool, error) { return s.Queue.Active(ctx, c.ID) }, Idle: takeOver}
	if !c.JSON {
		w.Out, w.TTY = os.Stdout, isTerminal(os.Stdout)
	}
	run, err := w.Wait(ctx, c.ID, afterID, attach)
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
		return fmt.Errorf("the sync failed: %s", run.Error)
	}
	return nil
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
	a, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if _, err := a.Store.Connection(ctx, c.ID); err != nil {
		return err
	}
	runs, err := a.Store.Runs(ctx, c.ID, c.Limit, 0)
	if err != nil {
		return err
	}
	if c.JSON {
		out := make([]resource.Run, len(runs))
		for i, r := range runs {
			out[i] = resource.NewRun(r, time.Now())
		}
		return cli.WriteJSON(os.Stdout, out)
	}
	cli.Runs(os.Stdout, runs)
	return nil
}
