package bigcommerce

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// deliveryWorkers is how many callbacks are in flight at once.
const deliveryWorkers = 4

// deliverer posts webhook callbacks asynchronously and retries failed ones on the configured schedule;
// a hook whose callbacks keep failing is deactivated, as BigCommerce does after about 48 hours.
type deliverer struct {
	s      *Server
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	queue  []*delivery
	timers map[*time.Timer]struct{}
	wake   chan struct{}
	closed bool
}

type delivery struct {
	hookID  int
	body    []byte
	retries int
}

func newDeliverer(s *Server) *deliverer {
	ctx, cancel := context.WithCancel(context.Background())
	d := &deliverer{s: s, ctx: ctx, cancel: cancel, timers: map[*time.Timer]struct{}{}, wake: make(chan struct{}, 1)}
	for range deliveryWorkers {
		d.wg.Add(1)
		go d.work()
	}
	return d
}

// dataInt is the data of most events: {"type": "customer", "id": 5}.
func dataInt(kind string, id int) map[string]any { return map[string]any{"type": kind, "id": id} }

// emit queues a callback of event to every active hook whose scope covers it. Callers hold s.mu.
func (s *Server) emit(event string, data any) {
	var targets []int
	for id := 1; id <= s.nextHook; id++ {
		if h, ok := s.hooks[id]; ok && h.IsActive && h.matches(event) {
			targets = append(targets, id)
		}
	}
	if len(targets) == 0 {
		return
	}
	payload := map[string]any{
		"scope": event, "store_id": strconv.Itoa(s.storeID), "data": data,
		"created_at": s.now(), "producer": "stores/" + s.cfg.StoreHash,
	}
	// The hash is the "SHA-1 hash of the JSON-encoded payload data" (the webhooks reference), read the
	// narrow way: of data alone. A retried callback keeps it, and so does every change of one record, so
	// a client that deduplicates on the hash alone drops the second change (see docs/bigcommerce.md).
	encoded, _ := json.Marshal(data)
	sum := sha1.Sum(encoded)
	payload["hash"] = hex.EncodeToString(sum[:])
	body, _ := json.Marshal(payload)
	for _, id := range targets {
		s.hooksOut.enqueue(&delivery{hookID: id, body: body})
	}
}

func (d *deliverer) enqueue(dl *delivery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.queue = append(d.queue, dl)
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *deliverer) next() *delivery {
	for {
		d.mu.Lock()
		if len(d.queue) > 0 {
			dl := d.queue[0]
			d.queue = d.queue[1:]
			more := len(d.queue) > 0
			d.mu.Unlock()
			if more {
				select { // let another worker pick up the rest
				case d.wake <- struct{}{}:
				default:
				}
			}
			return dl
		}
		d.mu.Unlock()
		select {
		case <-d.wake:
		case <-d.ctx.Done():
			return nil
		}
	}
}

func (d *deliverer) work() {
	defer d.wg.Done()
	for {
		dl := d.next()
		if dl == nil {
			return
		}
		d.send(dl)
	}
}

func (d *deliverer) send(dl *delivery) {
	s := d.s
	s.mu.RLock()
	h, ok := s.hooks[dl.hookID]
	var dest string
	var headers map[string]string
	if ok && h.IsActive {
		dest, headers = h.Destination, h.Headers
	}
	s.mu.RUnlock()
	if dest == "" {
		return // the hook was deleted or deactivated meanwhile
	}
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, dest, bytes.NewReader(dl.body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	status := 0
	resp, err := s.cfg.WebhookClient.Do(req)
	if err == nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		status = resp.StatusCode
		if status >= 200 && status < 300 {
			return
		}
	}
	if d.ctx.Err() != nil {
		return
	}
	delays := s.cfg.WebhookRetryDelays
	if dl.retries >= len(delays) {
		s.mu.Lock()
		if h, ok := s.hooks[dl.hookID]; ok && h.IsActive {
			off := *h
			off.IsActive, off.UpdatedAt = false, s.now()
			s.hooks[h.ID] = &off
		}
		s.mu.Unlock()
		s.cfg.Logger.Warn("webhook deactivated after failed deliveries", slog.Int("hook_id", dl.hookID), slog.String("destination", dest))
		return
	}
	wait := delays[dl.retries]
	dl.retries++
	s.cfg.Logger.Debug("webhook delivery failed; will retry", slog.Int("hook_id", dl.hookID), slog.Int("status", status),
		slog.Any("error", err), slog.Duration("retry_in", wait))
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(wait, func() {
		d.mu.Lock()
		delete(d.timers, t)
		d.mu.Unlock()
		d.enqueue(dl)
	})
	d.timers[t] = struct{}{}
}

// close stops the workers and every pending retry, and waits for callbacks in flight to end.
func (d *deliverer) close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	for t := range d.timers {
		t.Stop()
	}
	clear(d.timers)
	d.queue = nil
	d.mu.Unlock()
	d.cancel()
	d.wg.Wait()
}
