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
	"github.com/bcsync/bcsync/internal/schedule"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
)

type warehouseCmd struct {
	serviceFlags
	Source warehouseSourceCmd `cmd:"" help:"Add, list, test or remove warehouse sources (PostgreSQL, MySQL/MariaDB, SQLite, CSV)."`
	Model  warehouseModelCmd  `cmd:"" help:"Add, preview, list or remove models: a query (or a table) of a source and its primary key."`
	Sync   warehouseSyncCmd   `cmd:"" help:"Add, plan, run, approve, list or remove syncs of a model into a store's customers or orders."`
	Fields warehouseFieldsCmd `cmd:"" help:"List the fields a sync can write: native ones by group, and a store's attributes and form fields."`
}

type warehouseFieldsCmd struct {
	Object string `help:"customers or orders." enum:"customers,orders" required:""`
	Store  int64  `help:"A store id: list its customer attributes and form fields too."`
	JSON   bool   `help:"Print JSON."`
}

func (c *warehouseFieldsCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		fields, err := s.Warehouse.Fields(ctx, c.Object, c.Store)
		if err != nil {
			return err
		}
		if c.JSON {
			return cli.WriteJSON(os.Stdout, fields)
		}
		cli.Fields(os.Stdout, fields)
		return nil
	})
}

type warehouseSourceCmd struct {
	Add    sourceAddCmd    `cmd:"" help:"Add a source; prints its id on the last line. Its URL is sealed at rest."`
	List   sourceListCmd   `cmd:"" help:"List sources."`
	Test   sourceTestCmd   `cmd:"" help:"Connect to a source and say what is wrong, if anything (host, auth, database, permission, file)."`
	Remove sourceRemoveCmd `cmd:"" help:"Remove a source no model uses."`
}

type sourceAddCmd struct {
	Name string `help:"A name for the source." required:""`
	URL  string `help:"postgres://user:pass@host:5432/db, mysql://user:pass@host:3306/db, sqlite:PATH, a .csv path or an https:// URL of a CSV file." required:"" name:"url"`
	JSON bool   `help:"Print the source as JSON."`
}

func (c *sourceAddCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		src, err := s.Warehouse.AddSource(ctx, c.Name, c.URL)
		if err != nil {
			return err
		}
		if c.JSON {
			return cli.WriteJSON(os.Stdout, resource.NewSource(src))
		}
		fmt.Printf("added source %q (%s, %s); test it with bcsync warehouse source test %d\n", src.Name, src.Engine, src.DisplayURL, src.ID)
		fmt.Println(src.ID)
		return nil
	})
}

type sourceListCmd struct {
	JSON bool `help:"Print JSON."`
}

func (c *sourceListCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		srcs, err := s.Store.Sources(ctx)
		if err != nil {
			return err
		}
		out := make([]resource.Source, len(srcs))
		for i, src := range srcs {
			out[i] = resource.NewSource(src)
		}
		if c.JSON {
			return cli.WriteJSON(os.Stdout, out)
		}
		cli.Sources(os.Stdout, out)
		return nil
	})
}

type sourceTestCmd struct {
	ID   int64 `arg:"" help:"Source id."`
	JSON bool  `help:"Print the outcome as JSON."`
}

func (c *sourceTestCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		res, err := s.Warehouse.TestSource(ctx, c.ID)
		if err != nil {
			return err
		}
		if c.JSON {
			if err := cli.WriteJSON(os.Stdout, res); err != nil {
				return err
			}
		} else if res.OK {
			fmt.Println("the source answers: bcsync can read it")
		}
		if !res.OK {
			return fmt.Errorf("the source's %s: %s", res.Part, res.Message)
		}
		return nil
	})
}

type sourceRemoveCmd struct {
	ID int64 `arg:"" help:"Source id."`
}

func (c *sourceRemoveCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		if err := s.Warehouse.RemoveSource(ctx, c.ID); err != nil {
			return err
		}
		fmt.Printf("source %d removed\n", c.ID)
		return nil
	})
}

type warehouseModelCmd struct {
	Add     modelAddCmd     `cmd:"" help:"Add a model; prints its id on the last line. Its query is run once to read its columns."`
	Preview modelPreviewCmd `cmd:"" help:"Show a model's first rows and its columns' types."`
	List    modelListCmd    `cmd:"" help:"List models."`
	Remove  modelRemoveCmd  `cmd:"" help:"Remove a model no sync uses."`
}

type modelAddCmd struct {
	Name       string `help:"A name for the model." required:""`
	Source     int64  `help:"Source id." required:""`
	Query      string `help:"A read-only SQL query." xor:"what" required:""`
	Table      string `help:"A table (schema.table), read whole; for a CSV source, any name." xor:"what" required:""`
	PrimaryKey string `help:"The column that identifies a row from one run to the next." required:""`
	JSON       bool   `help:"Print the model as JSON."`
}

func (c *modelAddCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		m, err := s.Warehouse.AddModel(ctx, warehouse.ModelInput{Name: c.Name, SourceID: c.Source, Query: c.Query, Table: c.Table, PrimaryKey: c.PrimaryKey})
		if err != nil {
			return err
		}
		if c.JSON {
			return cli.WriteJSON(os.Stdout, resource.NewModel(m))
		}
		fmt.Printf("added model %q of source %d, keyed by %s\n", m.Name, m.SourceID, m.PrimaryKey)
		fmt.Println(m.ID)
		return nil
	})
}

type modelPreviewCmd struct {
	ID    int64 `arg:"" help:"Model id."`
	Rows  int   `help:"How many rows to show." default:"10"`
	Check bool  `help:"Also read the whole model and count the rows whose primary key is NULL or on more than one row."`
	JSON  bool  `help:"Print JSON."`
}

func (c *modelPreviewCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		p, err := s.Warehouse.PreviewModel(ctx, c.ID, c.Rows, c.Check)
		if err != nil {
			return err
		}
		out := resource.NewPreview(p)
		if c.JSON {
			return cli.WriteJSON(os.Stdout, out)
		}
		cli.Preview(os.Stdout, out)
		return nil
	})
}

type modelListCmd struct {
	JSON bool `help:"Print JSON."`
}

func (c *modelListCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		ms, err := s.Store.Models(ctx)
		if err != nil {
			return err
		}
		out := make([]resource.Model, len(ms))
		for i, m := range ms {
			out[i] = resource.NewModel(m)
		}
		if c.JSON {
			return cli.WriteJSON(os.Stdout, out)
		}
		cli.Models(os.Stdout, out)
		return nil
	})
}

type modelRemoveCmd struct {
	ID int64 `arg:"" help:"Model id."`
}

func (c *modelRemoveCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		if err := s.Warehouse.RemoveModel(ctx, c.ID); err != nil {
			return err
		}
		fmt.Printf("model %d removed\n", c.ID)
		return nil
	})
}

type warehouseSyncCmd struct {
	Add      syncAddCmd      `cmd:"" help:"Add a sync of a model into a store's customers or orders; prints its id on the last line."`
	Plan     syncPlanCmd     `cmd:"" help:"Plan a run without writing anything: adds, changes, removes and invalid rows, and whether the guard would stop it."`
	Run      syncRunCmd      `cmd:"" help:"Run a sync now."`
	Approve  syncApproveCmd  `cmd:"" help:"Approve the plan the guard stopped, and run exactly it."`
	Discard  syncDiscardCmd  `cmd:"" help:"Discard the plan the guard stopped; the sync runs again on its schedule."`
	Test     syncTestCmd     `cmd:"" help:"Send one row of the model now, and show its calls."`
	Runs     syncRunsCmd     `cmd:"" help:"List a sync's runs."`
	Rejected syncRejectedCmd `cmd:"" help:"List a sync's rejected rows, with the error."`
	List     syncListCmd     `cmd:"" help:"List warehouse syncs."`
	Show     syncShowCmd     `cmd:"" help:"Show a warehouse sync, its mapping and its latest plan."`
	Remove   syncRemoveCmd   `cmd:"" help:"Remove a sync: it stops at once; nothing is changed in the store."`
}

type syncAddCmd struct {
	Name             string   `help:"A name for the sync." required:""`
	Store            int64    `help:"Store id (bcsync store list)." required:""`
	Model            int64    `help:"Model id." required:""`
	Object           string   `help:"What to write." enum:"customers,orders" required:""`
	Mode             string   `help:"customers: insert, update or upsert; orders: insert or update." enum:"insert,update,upsert" required:""`
	Match            string   `help:"The model's column that matches the record: COLUMN=id or COLUMN=email (customers). Needed in update and upsert modes." placeholder:"COLUMN=FIELD"`
	Map              []string `help:"A column to a field, e.g. --map points=store_credit or --map 'tier=attribute:Loyalty tier' (repeatable)." placeholder:"COLUMN=FIELD" sep:"none"`
	Constant         []string `name:"map-constant" help:"A constant to a field, e.g. --map-constant external_source=M-MIG (repeatable)." placeholder:"FIELD=VALUE" sep:"none"`
	Template         []string `name:"map-template" help:"A template of columns to a field, e.g. --map-template 'notes=Tier {tier}' (repeatable)." placeholder:"FIELD=TEMPLATE" sep:"none"`
	SkipNulls        []string `help:"A NULL leaves this field as it is instead of clearing it (repeatable)." placeholder:"FIELD" sep:"none"`
	CreateAttributes bool     `help:"Create the customer attributes the mapping names that the store lacks (number, date or text, after their columns)."`
	Delete           string   `help:"When a row leaves the model: nothing, clear (the mapped fields) or delete (orders: archive)." enum:"nothing,clear,delete" default:"nothing"`
	Schedule         string   `help:"manual, a duration such as 1h (from the end of the last run), or cron:EXPR in UTC." default:"manual"`
	GuardRemoveShare float64  `help:"Stop for approval a run that would remove or clear more than this share of the synced rows." default:"0.1"`
	GuardCountShare  float64  `help:"Stop for approval a run whose row count moved more than this share from the average of the last 5 runs." default:"0.25"`
	JSON             bool     `help:"Print the sync as JSON."`
}

func (c *syncAddCmd) Run(ctx context.Context, cfg app.Config) error {
	match, mappings, err := mapping.Flags{Match: c.Match, Map: c.Map, Constant: c.Constant, Template: c.Template, SkipNulls: c.SkipNulls}.Parse()
	if err != nil {
		return err
	}
	spec, err := schedule.Parse(c.Schedule)
	if err != nil {
		return err
	}
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		w, err := s.Warehouse.AddSync(ctx, warehouse.SyncInput{Name: c.Name, StoreID: c.Store, ModelID: c.Model,
			Spec:   mapping.Spec{Object: mapping.Object(c.Object), Mode: mapping.Mode(c.Mode), Match: match, Mappings: mappings},
			Delete: c.Delete, Schedule: spec, GuardRemoveShare: c.GuardRemoveShare, GuardCountShare: c.GuardCountShare,
			CreateAttributes: c.CreateAttributes})
		if err != nil {
			return err
		}
		if c.JSON {
			return showWarehouseSync(ctx, s, w.ID, true)
		}
		fmt.Printf("added sync %q: model %d into the %s of store %d (%s), %s\n", w.Name, w.ModelID, w.Object, w.StoreID, w.Mode,
			schedule.Spec{Interval: w.Interval, Cron: w.Cron}.Describe())
		fmt.Println(w.ID)
		return nil
	})
}

type syncPlanCmd struct {
	ID   int64 `arg:"" help:"Sync id."`
	JSON bool  `help:"Print the plan as JSON."`
}

func (c *syncPlanCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		p, err := s.Warehouse.PlanSync(ctx, c.ID)
		if err != nil {
			return err
		}
		if c.JSON {
			return cli.WriteJSON(os.Stdout, p)
		}
		cli.Plan(os.Stdout, p)
		return nil
	})
}

type syncRunCmd struct {
	workFlags       // --wait runs it in this process when no serve or worker does
	ID        int64 `arg:"" help:"Sync id."`
	Full      bool  `help:"Send every row again, whatever was sent before (removes nothing)."`
	Wait      bool  `help:"Wait for the run to end, showing its progress; without a running bcsync serve or worker, run it in this process."`
	JSON      bool  `help:"With --wait, print the run as one JSON object."`
}

func (c *syncRunCmd) Run(ctx context.Context, cfg app.Config) error {
	return runWarehouse(ctx, cfg, c.ID, c.Wait, c.JSON, func(s *app.Services) error { return s.RunWarehouse(ctx, c.ID, c.Full) })
}

// runWarehouse queues a run with queue and, with wait, follows it to its end.
func runWarehouse(ctx context.Context, cfg app.Config, id int64, wait, asJSON bool, queue func(*app.Services) error) error {
	a, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	s, err := a.Services(app.ServiceOptions{Work: wait})
	if err != nil {
		return err
	}
	defer s.Stop(context.WithoutCancel(ctx))
	afterID, err := lastRunID(ctx, s, id)
	if err != nil {
		return err
	}
	err = queue(s)
	attach := errors.Is(err, jobs.ErrAlreadyQueued)
	switch {
	case attach && !wait:
		fmt.Println("a run of this sync is already queued or running; no second one was queued")
		return nil
	case err != nil && !attach:
		return err
	case !wait:
		fmt.Println("run queued")
		return nil
	}
	run, err := waitForRun(ctx, s, id, afterID, attach, asJSON)
	if err != nil {
		return err
	}
	if asJSON {
		if err := cli.WriteJSON(os.Stdout, resource.NewRun(run, time.Now())); err != nil {
			return err
		}
	} else {
		cli.Summary(os.Stdout, run)
	}
	switch run.Status {
	case store.RunFailed:
		return fmt.Errorf("the run failed: %s", run.Error)
	case store.RunBlocked:
		return fmt.Errorf("the run is %s: see bcsync warehouse sync show %d, then approve or discard", run.Error, id)
	}
	return nil
}

type syncApproveCmd struct {
	workFlags       // --wait runs it in this process when no serve or worker does
	ID        int64 `arg:"" help:"Sync id."`
	Wait      bool  `help:"Wait for the approved run to end."`
	JSON      bool  `help:"With --wait, print the run as one JSON object."`
}

func (c *syncApproveCmd) Run(ctx context.Context, cfg app.Config) error {
	return runWarehouse(ctx, cfg, c.ID, c.Wait, c.JSON, func(s *app.Services) error { return s.ApproveWarehouse(ctx, c.ID) })
}

type syncDiscardCmd struct {
	ID int64 `arg:"" help:"Sync id."`
}

func (c *syncDiscardCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		if err := s.Warehouse.Discard(ctx, c.ID); err != nil {
			return err
		}
		fmt.Printf("the plan of sync %d is discarded; the sync runs again on its schedule\n", c.ID)
		return nil
	})
}

type syncTestCmd struct {
	ID   int64  `arg:"" help:"Sync id."`
	Key  string `help:"The primary key of the row to send." required:""`
	JSON bool   `help:"Print the outcome as JSON."`
}

func (c *syncTestCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		res, err := s.TestWarehouseRow(ctx, c.ID, c.Key)
		if err != nil {
			return err
		}
		if c.JSON {
			return cli.WriteJSON(os.Stdout, res)
		}
		cli.TestRow(os.Stdout, res)
		return nil
	})
}

type syncRunsCmd struct {
	ID    int64 `arg:"" help:"Sync id."`
	Limit int   `help:"How many runs, newest first." default:"20"`
	JSON  bool  `help:"Print JSON."`
}

func (c *syncRunsCmd) Run(ctx context.Context, cfg app.Config) error {
	return listRuns(ctx, cfg, c.ID, c.Limit, c.JSON, func(s *app.Services) error {
		_, err := s.Store.WarehouseSync(ctx, c.ID)
		return err
	})
}

type syncRejectedCmd struct {
	ID    int64  `arg:"" help:"Sync id."`
	Key   string `help:"Only the rows of this primary key."`
	RunID int64  `name:"run" help:"Only the rows of this run (its ID in bcsync runs, not its number)."`
	Query string `name:"q" help:"Only the rows whose primary key is this, or whose email contains it."`
	Limit int    `help:"How many rows, newest first." default:"100"`
	JSON  bool   `help:"Print JSON." xor:"format"`
	CSV   bool   `name:"csv" help:"Print every matching row as CSV, with the request sent and the store's response (the limit does not apply)." xor:"format"`
}

func (c *syncRejectedCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		if _, err := s.Store.WarehouseSync(ctx, c.ID); err != nil {
			return err
		}
		f := store.RejectedFilter{RunID: c.RunID, Key: c.Key, Query: c.Query}
		if c.CSV {
			return resource.WriteRejectedCSV(os.Stdout, func(before int64, limit int) ([]store.Rejected, error) {
				f.BeforeID, f.Limit = before, limit
				return s.Store.RejectedRecords(ctx, c.ID, f)
			})
		}
		f.Limit = c.Limit
		recs, err := s.Store.RejectedRecords(ctx, c.ID, f)
		if err != nil {
			return err
		}
		out := make([]resource.Rejected, len(recs))
		for i, r := range recs {
			out[i] = resource.NewRejected(r)
		}
		if c.JSON {
			return cli.WriteJSON(os.Stdout, out)
		}
		cli.Rejected(os.Stdout, out)
		return nil
	})
}

type syncListCmd struct {
	JSON bool `help:"Print JSON."`
}

func (c *syncListCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		ws, err := s.Store.WarehouseSyncs(ctx)
		if err != nil {
			return err
		}
		out := make([]resource.WarehouseSync, len(ws))
		for i, w := range ws {
			if out[i], err = s.DescribeWarehouseSync(ctx, w); err != nil {
				return err
			}
		}
		if c.JSON {
			return cli.WriteJSON(os.Stdout, out)
		}
		cli.WarehouseSyncs(os.Stdout, out)
		return nil
	})
}

type syncShowCmd struct {
	ID   int64 `arg:"" help:"Sync id."`
	JSON bool  `help:"Print JSON."`
}

func (c *syncShowCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error { return showWarehouseSync(ctx, s, c.ID, c.JSON) })
}

func showWarehouseSync(ctx context.Context, s *app.Services, id int64, asJSON bool) error {
	w, err := s.Store.WarehouseSync(ctx, id)
	if err != nil {
		return err
	}
	out, err := s.DescribeWarehouseSync(ctx, w)
	if err != nil {
		return err
	}
	if asJSON {
		return cli.WriteJSON(os.Stdout, out)
	}
	cli.WarehouseSync(os.Stdout, out)
	return nil
}

type syncRemoveCmd struct {
	ID int64 `arg:"" help:"Sync id."`
}

func (c *syncRemoveCmd) Run(ctx context.Context, cfg app.Config) error {
	return withServices(ctx, cfg, false, func(s *app.Services) error {
		if err := s.RemoveWarehouseSync(ctx, c.ID); err != nil {
			return err
		}
		fmt.Printf("sync %d removed; nothing was changed in the store\n", c.ID)
		return nil
	})
}
