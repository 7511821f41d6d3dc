package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestRiversRoutineLogsShowOnlyAtDebug(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var buf bytes.Buffer
		l := riverLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level})))
		l.Info("River client started")
		l.Error("maintenance: Error starting transaction", "error", fmt.Errorf("begin: %w", context.Canceled))
		l.Error("producer: error fetching jobs", "error", errors.New("disk I/O error"))
		out := buf.String()
		if !strings.Contains(out, "disk I/O error") || !strings.Contains(out, "level=ERROR") {
			t.Errorf("level %s: a real error was hidden:\n%s", level, out)
		}
		routine := strings.Contains(out, "client started") || strings.Contains(out, "starting transaction")
		if routine != (level == slog.LevelDebug) {
			t.Errorf("level %s: routine records shown = %v:\n%s", level, routine, out)
		}
		if strings.Contains(out, "level=ERROR msg=\"maintenance") {
			t.Errorf("level %s: a stop was logged as an error:\n%s", level, out)
		}
	}
}
