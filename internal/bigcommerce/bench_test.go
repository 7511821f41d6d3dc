package bigcommerce

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/emulator"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
)

// The benchmark runs the emulator in a child process (this test binary, re-executed), so that the
// memory it measures is the reader's alone.
const benchEnv = "BCSYNC_BENCH_EMULATOR"

func TestMain(m *testing.M) {
	if spec := os.Getenv(benchEnv); spec != "" {
		serveBenchEmulator(spec)
		return
	}
	os.Exit(m.Run())
}

// serveBenchEmulator serves an emulator sized by spec ("customers=N,orders=M") until stdin closes.
func serveBenchEmulator(spec string) {
	cfg := bcemu.Config{Seed: 1}
	for part := range strings.SplitSeq(spec, ",") {
		k, v, _ := strings.Cut(part, "=")
		n, _ := strconv.Atoi(v)
		switch k {
		case "customers":
			cfg.Customers = n
		case "orders":
			cfg.Orders, cfg.Customers, cfg.Subscribers, cfg.Products = n, n/5, n/10, 1000
		}
	}
	emu, err := bcemu.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go http.Serve(l, emu.Handler())
	fmt.Printf("%s %s\n", emu.APIPath("http://"+l.Addr().String()), emu.AccessToken())
	bufio.NewReader(os.Stdin).ReadString('\n') // until the parent goes away
}

// startBenchEmulator re-executes the test binary as an emulator and returns its API path and token.
func startBenchEmulator(b *testing.B, spec string) (apiPath, token string) {
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), benchEnv+"="+spec)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("the emulator did not start: %v", err)
	}
	apiPath, token, _ = strings.Cut(strings.TrimSpace(line), " ")
	return apiPath, token
}

// peakMemory samples the heap in use (live and not yet collected) and the live heap as of the last
// garbage collection, and keeps their peaks; it also reads the process's peak resident set (VmHWM),
// reset at the start where Linux allows it.
type peakMemory struct {
	stop       chan struct{}
	done       sync.WaitGroup
	heap, live uint64
}

func watchMemory() *peakMemory {
	runtime.GC()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM; ignored where not allowed
	p := &peakMemory{stop: make(chan struct{})}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			runtime.ReadMemStats(&ms)
			metrics.Read(sample)
			p.heap = max(p.heap, ms.HeapInuse)
			p.live = max(p.live, sample[0].Value.Uint64())
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

func (p *peakMemory) end() (heapMB, liveMB, rssMB float64) {
	close(p.stop)
	p.done.Wait()
	rss := 0.0
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.SplitSeq(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
				rss = kb / 1024
			}
		}
	}
	return float64(p.heap) / (1 << 20), float64(p.live) / (1 << 20), rss
}

// BenchmarkRead reads whole stores from an emulator over loopback HTTP:
//
//	go test ./internal/bigcommerce -run '^$' -bench BenchmarkRead -benchtime 1x
func BenchmarkRead(b *testing.B) {
	for _, kind := range []string{"customers", "orders"} {
		for _, n := range []int{10_000, 100_000} {
			b.Run(fmt.Sprintf("%s=%d", kind, n), func(b *testing.B) { benchRead(b, kind, n) })
		}
	}
}

func benchRead(b *testing.B, kind string, n int) {
	apiPath, token := startBenchEmulator(b, fmt.Sprintf("%s=%d", kind, n))
	c, err := New(Config{Credentials: Credentials{APIPath: apiPath, AccessToken: token}})
	if err != nil {
		b.Fatal(err)
	}
	statsURL := strings.SplitN(apiPath, "/stores/", 2)[0] + "/_emulator/stats"
	ctx := context.Background()
	var records, calls, lineItems int
	var heapMB, liveMB, rssMB float64
	var elapsed time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		req, _ := http.NewRequest(http.MethodDelete, statsURL, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		mem := watchMemory()
		b.StartTimer()
		start := time.Now()
		records, lineItems = 0, 0
		switch kind {
		case "customers":
			for page, err := range c.Customers(ctx, CustomerQuery{}) {
				if err != nil {
					b.Fatal(err)
				}
				records += len(page)
			}
		case "orders":
			for page, err := range c.Orders(ctx, OrderQuery{}) {
				if err != nil {
					b.Fatal(err)
				}
				records += len(page)
				for _, o := range page {
					lineItems += len(o.LineItems)
				}
			}
		}
		elapsed = time.Since(start)
		b.StopTimer()
		heapMB, liveMB, rssMB = mem.end()
		resp, err := http.Get(statsURL)
		if err != nil {
			b.Fatal(err)
		}
		var snap emulator.Snapshot
		json.NewDecoder(resp.Body).Decode(&snap)
		resp.Body.Close()
		calls = int(snap.Total)
		b.StartTimer()
	}
	if records != n {
		b.Fatalf("read %d %s, want %d", records, kind, n)
	}
	b.ReportMetric(float64(records)/elapsed.Seconds(), "records/s")
	b.ReportMetric(float64(calls), "calls")
	b.ReportMetric(float64((n+MaxPageSize-1)/MaxPageSize), "floor-calls")
	b.ReportMetric(heapMB, "peak-heap-MB")
	b.ReportMetric(liveMB, "peak-live-MB")
	b.ReportMetric(rssMB, "peak-RSS-MB")
	if kind == "orders" {
		b.ReportMetric(float64(lineItems), "line-items")
	}
}
