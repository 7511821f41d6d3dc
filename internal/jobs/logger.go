package jobs

import (
	"context"
	"log/slog"
	"strings"
)

// riverLogger gives River the process's logger, quieter: River reports its routine (clients started,
// job counts, "no migrations to apply") at Info, which would fill every command's output, and an
// Error for work cut short by a stop. Those show only with --log-level debug.
func riverLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(&riverHandler{Handler: l.Handler()})
}

type riverHandler struct{ slog.Handler }

func (h *riverHandler) Enabled(ctx context.Context, level slog.Level) bool {
	if level < slog.LevelWarn {
		level = slog.LevelDebug
	}
	return h.Handler.Enabled(ctx, level)
}

func (h *riverHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn || stopped(r) {
		if !h.Handler.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r.Level = slog.LevelDebug
	}
	return h.Handler.Handle(ctx, r)
}

// stopped says the record reports work cancelled by a stop, not a fault.
func stopped(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "error" && strings.Contains(a.Value.String(), "context canceled") {
			found = true
			return false
		}
		return true
	})
	return found
}

func (h *riverHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &riverHandler{h.Handler.WithAttrs(attrs)}
}

func (h *riverHandler) WithGroup(name string) slog.Handler {
	return &riverHandler{h.Handler.WithGroup(name)}
}
