package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// run runs the binary with env only (no world), returning standard output, standard error and the
// exit code.
func run(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// On a fresh machine, commands that read or change what exists say there is no state and where they
// looked, and create nothing; a sqlite: path into a directory that does not exist is an error.
func TestReadOnlyCommandsOnAFreshMachineCreateNothing(t *testing.T) {
	home := t.TempDir()
	env := []string{"HOME=" + home, "XDG_DATA_HOME=" + filepath.Join(home, "data")}
	want := filepath.Join(home, "data", "bcsync", "bcsync.db")
	for _, args := range [][]string{{"connection", "list"}, {"connection", "show", "1"}, {"store", "list"}, {"runs", "1"}, {"settings", "1"}, {"sync", "1", "--wait"}} {
		out, errOut, code := run(t, env, args...)
		if code != 1 || out != "" || !strings.Contains(errOut, "no bcsync state at "+want) {
			t.Errorf("bcsync %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
	}
	if entries, err := os.ReadDir(home); err != nil || len(entries) != 0 {
		t.Fatalf("the commands created %v (%v)", entries, err)
	}
	// Even a command that may create the state does not make a directory given by hand.
	_, errOut, code := run(t, env, "store", "add", "--database-url", "sqlite:"+filepath.Join(home, "missing", "bcsync.db"),
		"--bigcommerce-api-path", "https://api.bigcommerce.com/stores/abc123/", "--bigcommerce-access-token", "t")
	if code != 1 || !strings.Contains(errOut, "does not exist") {
		t.Errorf("a sqlite: path into a missing directory: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(home, "missing")); err == nil {
		t.Error("the missing directory was created")
	}
}

// A bad flag value or a missing argument is one line of error and where to look, with exit code 2.
func TestUsageErrorsAreOneLineAndAHintWithExitCode2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		hint string
	}{
		{[]string{"settings", "1", "--interval", "soon"}, "see bcsync settings --help"},
		{[]string{"connection", "show"}, "see bcsync connection show --help"},
		{[]string{"no-such-command"}, "see bcsync --help"},
		{[]string{"version", "--workers", "3"}, "see bcsync version --help"},
		{[]string{"emulate", "bigcommerce", "--public-url", "https://x.example"}, "see bcsync emulate bigcommerce --help"},
	} {
		out, errOut, code := run(t, []string{"HOME=" + t.TempDir()}, tc.args...)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != 2 || out != "" || len(lines) != 2 || !strings.HasPrefix(lines[0], "bcsync: ") || lines[1] != tc.hint {
			t.Errorf("bcsync %s: exit %d, stderr:\n%s", strings.Join(tc.args, " "), code, errOut)
		}
	}
	if out, _, code := run(t, nil, "--help"); code != 0 || !strings.Contains(out, "Exit codes: 0 done, 1 failed") {
		t.Errorf("--help does not document the exit codes (exit %d):\n%s", code, out)
	}
}

func TestServerFlagsAppearOnlyOnTheCommandsThatUseThem(t *testing.T) {
	for _, tc := range []struct {
		args        []string
		has, hasNot []string
	}{
		{[]string{"version", "--help"}, []string{"--log-level"}, []string{"--workers", "--schedule-every", "--public-url", "--quota-share", "--alert-check-every"}},
		{[]string{"emulate", "bigcommerce", "--help"}, []string{"--rate-limit"}, []string{"--workers", "--schedule-every", "--public-url", "--keep-runs"}},
		{[]string{"emulate", "dotdigital", "--help"}, []string{"--region"}, []string{"--workers", "--import-poll-min"}},
		{[]string{"admin", "create", "--help"}, []string{"--database-url", "--data-dir", "--secret-key"}, []string{"--workers", "--public-url"}},
		{[]string{"store", "list", "--help"}, []string{"--data-dir", "--quota-share", "--public-url"}, []string{"--workers", "--schedule-every"}},
		{[]string{"worker", "--help"}, []string{"--workers", "--schedule-every", "--slice", "--rescue-after", "--import-poll-min", "--alert-check-every"}, nil},
		{[]string{"serve", "--help"}, []string{"--workers", "--public-url", "--change-window", "--keep-runs", "--pagerduty-url"}, nil},
		{[]string{"demo", "--help"}, []string{"--workers", "--schedule-every"}, nil},
		{[]string{"sync", "--help"}, []string{"--workers", "--keep-runs", "--import-poll-min"}, nil},
		{[]string{"warehouse", "sync", "run", "--help"}, []string{"--workers", "--quota-share"}, nil},
		{[]string{"bench", "--help"}, []string{"--quota-share"}, []string{"--workers", "--public-url"}},
	} {
		out, errOut, code := run(t, nil, tc.args...)
		if code != 0 {
			t.Errorf("bcsync %s: exit %d: %s", strings.Join(tc.args, " "), code, errOut)
			continue
		}
		for _, f := range tc.has {
			if !strings.Contains(out, f+"=") && !strings.Contains(out, f+" ") && !strings.Contains(out, f+"\n") {
				t.Errorf("bcsync %s does not show %s:\n%s", strings.Join(tc.args, " "), f, out)
			}
		}
		for _, f := range tc.hasNot {
			if strings.Contains(out, f) {
				t.Errorf("bcsync %s shows %s, which it does not use:\n%s", strings.Join(tc.args, " "), f, out)
			}
		}
	}
	// The environment variables of flags a command does not have are not errors: one environment serves
	// every command (BCSYNC_WORKERS for the worker, the emulator started beside it).
	if out, errOut, code := run(t, []string{"BCSYNC_WORKERS=3", "BCSYNC_SCHEDULE_EVERY=1s"}, "version"); code != 0 || out == "" {
		t.Errorf("bcsync version with BCSYNC_WORKERS set: exit %d: %s", code, errOut)
	}
}
