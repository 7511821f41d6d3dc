package dotdigital

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/apicall"
	"github.com/bcsync/bcsync/internal/emulator"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
)

// The benchmark runs the emulator in a child process (this test binary, re-executed), so that the
// emulator's memory stays out of the client's figures.
const childEnv = "BCSYNC_DDEMU_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		runEmulatorChild()
		return
	}
	os.Exit(m.Run())
}

// runEmulatorChild serves an emulated account until its stdin closes (the parent ended), printing its
// endpoint on the first line of stdout.
func runEmulatorChild() {
	delay, _ := time.ParseDuration(os.Getenv("BCSYNC_DDEMU_IMPORT_DELAY"))
	srv, err := ddemu.New(ddemu.Config{ImportDelay: delay})
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { io.Copy(io.Discard, os.Stdin); cancel() }()
	err = srv.ListenAndServe(ctx, "127.0.0.1:0", "", func(ep ddemu.Endpoints) { fmt.Println("ENDPOINT", ep.R1) })
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func startEmulatorChild(b *testing.B, importDelay time.Duration) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "BCSYNC_DDEMU_IMPORT_DELAY="+importDelay.String())
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	endpoint, ok := strings.CutPrefix(strings.TrimSpace(line), "ENDPOINT ")
	if err != nil || !ok {
		b.Fatalf("emulator child: %q %v", line, err)
	}
	return endpoint
}

// peakMemory samples the heap until stop is called, returning its peak.
func peakMemory() (stop func() (heap uint64)) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// peakRSS is the process's peak resident set (VmHWM), in bytes; 0 where /proc is not there.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// benchOrder is an order as bcsync sends it to the Orders collection: about 1 KB of JSON.
type benchOrder struct {
	ID              string         `json:"id"`
	Email           string         `json:"email"`
	StoreName       string         `json:"storeName"`
	PurchaseDate    string         `json:"purchaseDate"`
	OrderStatus     string         `json:"orderStatus"`
	Currency        string         `json:"currency"`
	OrderSubtotal   float64        `json:"orderSubtotal"`
	DiscountAmount  float64        `json:"discountAmount"`
	DeliveryTotal   float64        `json:"deliveryTotal"`
	OrderTotal      float64        `json:"orderTotal"`
	DeliveryMethod  string         `json:"deliveryMethod"`
	Payment         string         `json:"payment"`
	CouponCode      string         `json:"couponCode"`
	BillingAddress  map[string]any `json:"billingAddress"`
	DeliveryAddress map[string]any `json:"deliveryAddress"`
	Products        []benchProduct `json:"products"`
}

type benchProduct struct {
	ProductID   string   `json:"product_id"`
	ParentID    string   `json:"parent_id"`
	Name        string   `json:"name"`
	SKU         string   `json:"sku"`
	Qty         int      `json:"qty"`
	Price       float64  `json:"price"`
	PriceIncTax float64  `json:"price_inc_tax"`
	Categories  []string `json:"categories"`
}

func benchOrderJSON(i, contacts int) (string, json.RawMessage) {
	email := fmt.Sprintf("customer.%06d@example.com", i%contacts)
	addr := map[string]any{"address_1": fmt.Sprintf("%d Market Street", i%999+1), "address_2": "Flat 2", "city": "Manchester",
		"region": "Greater Manchester", "country": "GB", "postcode": "M1 1AA"}
	o := benchOrder{ID: strconv.Itoa(100000 + i), Email: email, StoreName: "Demo store", PurchaseDate: "2026-03-14T10:21:05+00:00",
		OrderStatus: "Completed", Currency: "GBP", OrderSubtotal: 84.5, DiscountAmount: 5, DeliveryTotal: 4.95, OrderTotal: 84.45,
		DeliveryMethod: "Royal Mail Tracked 48", Payment: "Credit card", CouponCode: "SPRING5", BillingAddress: addr, DeliveryAddress: addr}
	for p := range 3 {
		o.Products = append(o.Products, benchProduct{ProductID: strconv.Itoa(500 + (i+p)%300), ParentID: strconv.Itoa(400 + p), Name: "Merino wool beanie, charcoal",
			SKU: fmt.Sprintf("BEANIE-%03d-CH", (i+p)%300), Qty: 1 + p, Price: 24.5, PriceIncTax: 29.4, Categories: []string{"Accessories", "Hats"}})
	}
	j, _ := json.Marshal(o)
	return email, j
}

// BenchmarkImport imports 100,000 contacts and then 200,000 Insight order records (~1 KB each) through
// the client into the emulator (running in a child process), with the client's default limits and poll
// policy. It reports records per second, the import and poll calls made against the floor (imports at
// the size limit, one poll each), and the client side's peak heap and resident memory.
//
//	go test -run '^$' -bench BenchmarkImport -benchtime 1x ./internal/dotdigital/
func BenchmarkImport(b *testing.B) {
	const contacts, records = 100_000, 200_000
	delay := 2 * time.Second
	if v := os.Getenv("BCSYNC_BENCH_IMPORT_DELAY"); v != "" {
		delay, _ = time.ParseDuration(v)
	}
	endpoint := startEmulatorChild(b, delay)
	stats := func() emulator.Snapshot {
		resp, err := http.Get(endpoint + "/_emulator/stats")
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var s emulator.Snapshot
		json.NewDecoder(resp.Body).Decode(&s)
		return s
	}
	var putBytes [2]atomic.Int64   // contacts, insight: bytes of accepted import bodies
	var lastAccept [2]atomic.Int64 // contacts, insight: when the last import was accepted (Unix ns)
	obs := apicall.ObserverFunc(func(_ context.Context, c *apicall.Call) {
		if c.Method == "PUT" && c.Status == 202 {
			i := 1
			if c.Path == "/contacts/v3/import" {
				i = 0
			}
			putBytes[i].Add(c.RequestSize)
			lastAccept[i].Store(c.Started.Add(c.Duration).UnixNano())
		}
	})
	client, err := New(Config{Credentials: Credentials{ddemu.DefaultUsername, ddemu.DefaultPassword}, Endpoint: endpoint, Observer: obs})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	book, _, err := client.EnsureAddressBook(ctx, "Store subscribers")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		http.DefaultClient.Do(must2Req(http.NewRequest("DELETE", endpoint+"/_emulator/stats", nil)))
		putBytes[0].Store(0)
		putBytes[1].Store(0)
		runtime.GC()
		stopMem := peakMemory()

		start := time.Now()
		var failed atomic.Int64
		imp := client.NewContactImporter(ctx, ContactImportOptions{OnDone: func(r ContactImportReport) {
			failed.Add(int64(len(r.Failures)))
			b.Logf("contact import of %d contacts: %d polls, %v", r.Contacts, r.Polls, r.Duration.Round(time.Millisecond))
			if r.Err != nil {
				b.Error(r.Err)
			}
		}})
		consent := []ConsentRecord{{Text: "Yes, send me the newsletter", DateTimeConsented: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC),
			URL: "https://shop.example.com/signup", IPAddress: "203.0.113.9", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)"}}
		for i := range contacts {
			err := imp.Add(ctx, Contact{Email: fmt.Sprintf("customer.%06d@example.com", i), Lists: []int{book.ID},
				EmailStatus: StatusSubscribed, OptInType: OptInSingle, EmailType: EmailHTML, ConsentRecords: consent,
				DataFields: map[string]any{"FIRSTNAME": "Customer", "LASTNAME": strconv.Itoa(i), "FULLNAME": "Customer " + strconv.Itoa(i), "POSTCODE": "M1 1AA"}})
			if err != nil {
				b.Fatal(err)
			}
		}
		if err := imp.Close(ctx); err != nil {
			b.Fatal(err)
		}
		contactTime := time.Since(start)
		contactSent := time.Unix(0, lastAccept[0].Load()).Sub(start)

		start = time.Now()
		ins := client.NewInsightImporter(ctx, InsightImportOptions{Collection: orders, OnDone: func(r InsightImportReport) {
			failed.Add(int64(len(r.Failures)))
			b.Logf("insight import of %d records: %d polls, %v", r.Records, r.Polls, r.Duration.Round(time.Millisecond))
			if r.Err != nil {
				b.Error(r.Err)
			}
		}})
		for i := range records {
			email, j := benchOrderJSON(i, contacts)
			if err := ins.Add(ctx, InsightRecord{Key: strconv.Itoa(100000 + i), ContactEmail: email, JSON: j}); err != nil {
				b.Fatal(err)
			}
		}
		if err := ins.Close(ctx); err != nil {
			b.Fatal(err)
		}
		insightTime := time.Since(start)
		insightSent := time.Unix(0, lastAccept[1].Load()).Sub(start)
		heap := stopMem()
		if failed.Load() != 0 {
			b.Fatalf("%d records failed", failed.Load())
		}

		s := stats()
		floor := func(bytes int64) float64 { return math.Ceil(float64(bytes) / float64(DefaultMaxImportBytes)) }
		b.ReportMetric(float64(contacts)/contactTime.Seconds(), "contacts/s")
		b.ReportMetric(float64(records)/insightTime.Seconds(), "insight_records/s")
		b.ReportMetric(float64(contacts+records)/(contactTime+insightTime).Seconds(), "records/s")
		// Until the last import was accepted: the client's own pace, without Dotdigital's processing time.
		b.ReportMetric(float64(contacts+records)/(contactSent+insightSent).Seconds(), "records_sent/s")
		b.ReportMetric(float64(s.Requests["PUT /contacts/v3/import"]), "contact_imports")
		b.ReportMetric(float64(s.Requests["GET /contacts/v3/import/{importId}"]), "contact_polls")
		b.ReportMetric(floor(putBytes[0].Load()), "contact_imports_floor")
		b.ReportMetric(float64(s.Requests["PUT /insightData/v3/import"]), "insight_imports")
		b.ReportMetric(float64(s.Requests["GET /insightData/v3/import/{importId}"]), "insight_polls")
		b.ReportMetric(floor(putBytes[1].Load()), "insight_imports_floor")
		b.ReportMetric(float64(putBytes[0].Load()+putBytes[1].Load())/1e6, "MB_sent")
		b.ReportMetric(float64(heap)/(1<<20), "peak_heap_MiB")
		b.ReportMetric(float64(peakRSS())/(1<<20), "peak_rss_MiB")
	}
}

func must2Req(r *http.Request, err error) *http.Request {
	if err != nil {
		panic(err)
	}
	return r
}
