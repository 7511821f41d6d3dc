package warehouse

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// InputError is input refused, with the field (flag, form field) at fault.
type InputError struct {
	Field  string
	Reason string
}

func (e *InputError) Error() string { return e.Reason }

// AddSource saves a source after checking its URL; it does not connect (TestSource does). The URL is
// sealed at rest; it is shown with its secrets hidden.
func (e *Engine) AddSource(ctx context.Context, name, rawURL string) (*store.Source, error) {
	name, rawURL = strings.TrimSpace(name), strings.TrimSpace(rawURL)
	if name == "" {
		return nil, &InputError{"name", "give the source a name"}
	}
	src, err := source.Open(ctx, rawURL, e.sourceOptions())
	if err != nil {
		return nil, &InputError{"url", err.Error()}
	}
	engine := src.Engine()
	src.Close()
	s := &store.Source{Name: name, Engine: engine, URL: rawURL, DisplayURL: source.Redact(rawURL)}
	if err := e.store.CreateSource(ctx, s); err != nil {
		return nil, err
	}
	return s, nil
}

// SourceTest is the outcome of a connection test.
type SourceTest struct {
	OK bool
	// Part names what failed (host, auth, database, permission, file, format, …); Message says it.
	Part    string
	Message string
}

// TestSource connects to a source and records the outcome as its status.
func (e *Engine) TestSource(ctx context.Context, id int64) (SourceTest, error) {
	s, err := e.store.Source(ctx, id)
	if err != nil {
		return SourceTest{}, err
	}
	res, err := e.testURL(ctx, s.URL)
	if err != nil {
		return SourceTest{}, err
	}
	status := store.SourceOK
	if !res.OK {
		status = store.SourceFailing
	}
	if err := e.store.SetSourceStatus(ctx, id, status, res.Message); err != nil {
		return SourceTest{}, err
	}
	return res, nil
}

// testURL connects to a source's URL and reads from it; the error is the caller's context's alone.
func (e *Engine) testURL(ctx context.Context, rawURL string) (SourceTest, error) {
	src, err := source.Open(ctx, rawURL, e.sourceOptions())
	if err == nil {
		err = src.Test(ctx)
		src.Close()
	}
	if err != nil {
		if ctx.Err() != nil {
			return SourceTest{}, ctx.Err()
		}
		return SourceTest{Part: string(source.PartOf(err)), Message: err.Error()}, nil
	}
	return SourceTest{OK: true}, nil
}

// AddTestedSource tests a source's URL before it saves it, and saves it only when bcsync can read it
// (tested, status ok): a person setting a source up learns what is wrong — the host, the password,
// the database — before anything is kept. A failed test is returned with no source. A URL bcsync
// cannot read at all is an *InputError, as for AddSource.
func (e *Engine) AddTestedSource(ctx context.Context, name, rawURL string) (*store.Source, SourceTest, error) {
	name, rawURL = strings.TrimSpace(name), strings.TrimSpace(rawURL)
	if name == "" {
		return nil, SourceTest{}, &InputError{"name", "give the source a name"}
	}
	src, err := source.Open(ctx, rawURL, e.sourceOptions())
	if err != nil {
		return nil, SourceTest{}, &InputError{"url", err.Error()}
	}
	engine := src.Engine()
	err = src.Test(ctx)
	src.Close()
	if err != nil {
		if ctx.Err() != nil {
			return nil, SourceTest{}, ctx.Err()
		}
		return nil, SourceTest{Part: string(source.PartOf(err)), Message: err.Error()}, nil
	}
	s := &store.Source{Name: name, Engine: engine, URL: rawURL, DisplayURL: source.Redact(rawURL), Status: store.SourceOK,
		TestedAt: e.opts.Now()}
	if err := e.store.CreateSource(ctx, s); err != nil {
		return nil, SourceTest{}, err
	}
	return s, SourceTest{OK: true}, nil
}

// RemoveSource removes a source no model uses (a *store.InUseError names the ones that do).
func (e *Engine) RemoveSource(ctx context.Context, id int64) error {
	return e.store.DeleteSource(ctx, id)
}

// open opens a model's source.
func (e *Engine) open(ctx context.Context, sourceID int64) (source.Source, error) {
	s, err := e.store.Source(ctx, sourceID)
	if err != nil {
		return nil, err
	}
	src, err := source.Open(ctx, s.URL, e.sourceOptions())
	if err != nil {
		return nil, fmt.Errorf("source %d: %w", sourceID, err)
	}
	return src, nil
}

// IsSourceError reports whether err is the warehouse's (a refused login, an unknown table, a timeout):
// something to fix in the source or the model, not in bcsync.
func IsSourceError(err error) bool {
	var se *source.Error
	return errors.As(err, &se)
}
