package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// demoLog keeps what the demo writes to standard error while the test reads it.
type demoLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *demoLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *demoLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// demoRun is what the test reads of `bcsync runs --json`.
type demoRun struct {
	Status string `json:"status"`
}

func (r demoRun) succeeded() bool { return r.Status == "succeeded" }

// A newcomer's first minute: `bcsync demo` prints where the UI is and how to sign in, the UI answers,
// the first sync succeeds, and Ctrl-C stops it all with exit status 0.
func TestDemoFromTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	started := time.Now()
	cmd := exec.Command(bin, "demo", "--listen", "127.0.0.1:0", "--data-dir", dir, "--change-every", "1s")
	cmd.Env = append(os.Environ(), "BCSYNC_LOG_LEVEL=info")
	stdout, stderr := &demoLog{}, &demoLog{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("bcsync demo printed:\n%s\nand logged:\n%s", stdout, stderr)
		}
	})

	// The banner: the UI's real address (not the port 0 asked for) and how to sign in.
	var url string
	for url == "" {
		for line := range strings.SplitSeq(stdout.String(), "\n") {
			if f := strings.Fields(line); len(f) == 2 && f[0] == "open" {
				url = f[1]
			}
		}
		if url != "" {
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("bcsync demo ended without printing the UI's URL: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Since(started) > 30*time.Second {
			t.Fatal("bcsync demo printed no URL within 30s")
		}
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") || strings.HasSuffix(url, ":0") {
		t.Fatalf("URL %q", url)
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz = %d", resp.StatusCode)
	}
	t.Logf("the UI answered %s after the start", time.Since(started).Round(time.Millisecond))

	// The banner says how to point the CLI at the demo's state, and that works.
	cli := regexp.MustCompile(`(?m)^  CLI\s+bcsync (--data-dir \S+) connection list`).FindStringSubmatch(stdout.String())
	if cli == nil || cli[1] != "--data-dir "+dir {
		t.Fatalf("the banner does not say how to use the CLI on the demo's state:\n%s", stdout)
	}
	if out, err := exec.Command(bin, "--data-dir", dir, "connection", "list").CombinedOutput(); err != nil || !strings.Contains(string(out), "Outfitters") {
		t.Errorf("bcsync --data-dir %s connection list: %v\n%s", dir, err, out)
	}
	signInAsPrinted(t, url, stdout.String())

	// The first sync, seen as a user would (runs only reads the state: the demo keeps the workers).
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out, err := exec.Command(bin, "runs", "1", "--json", "--data-dir", dir).Output()
		var runs []demoRun
		if err == nil && json.Unmarshal(out, &runs) == nil && slices.ContainsFunc(runs, demoRun.succeeded) {
			break
		}
		if len(runs) > 0 && runs[len(runs)-1].Status == "failed" {
			t.Fatalf("the first sync failed: %s", out)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sync succeeded within 2 minutes: %s %v", out, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("the first sync succeeded %s after the start", time.Since(started).Round(time.Millisecond))

	for !strings.Contains(stderr.String(), "first sync finished") {
		if time.Now().After(deadline) {
			t.Fatal("the demo did not log the end of the first sync")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Ctrl-C: exit status 0 within seconds.
	if err := cmd.Process.Signal(interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Fatalf("bcsync demo after Ctrl-C: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("bcsync demo did not stop within 10s of Ctrl-C")
	}
}

// signInAsPrinted signs in to the UI with the account the banner shows and sees the emulated store
// in the list of connections.
func signInAsPrinted(t *testing.T, url, banner string) {
	t.Helper()
	m := regexp.MustCompile(`sign in\s+(\S+) / (\S+)\n`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("the banner says nothing of signing in:\n%s", banner)
	}
	if page := signIn(t, url, m[1], m[2]); !strings.Contains(page, "Outfitters") {
		t.Fatalf("the connections page does not show the demo's store:\n%s", page)
	}
}
