package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/resource"
)

// A store that cannot be reached fails the run within seconds, said once as a sentence with the
// technical detail apart; the connection is failing (since when, how many runs), not healthy, and the
// next run waits longer after each failure.
func TestAnUnreachableStoreFailsFastAndTheConnectionIsFailing(t *testing.T) {
	w := newWorld(t, small)
	id := w.connect()
	ids := strconv.FormatInt(id, 10)
	w.sync(id)
	if h := w.show(id).Health; h.State != "healthy" || h.Message != "" {
		t.Fatalf("health after a good run: %+v", h)
	}
	host := strings.TrimPrefix(w.bcSrv.URL, "http://")
	w.bcSrv.Close() // the store's host now refuses connections

	started := time.Now()
	out, err := w.try("sync", ids, "--wait")
	took := time.Since(started)
	if err == nil {
		t.Fatalf("a sync of an unreachable store succeeded:\n%s", out)
	}
	if took > 30*time.Second {
		t.Errorf("the run took %s to fail", took)
	}
	sentence := "bcsync cannot reach the store at " + host + ": the connection was refused."
	if n := strings.Count(out, sentence); n != 1 {
		t.Errorf("the sentence %q is said %d times:\n%s", sentence, n, out)
	}
	if !strings.Contains(out, "details:\n  subscribers: ") || !strings.Contains(out, "connection refused") {
		t.Errorf("no technical detail under the sentence:\n%s", out)
	}
	if strings.Count(out, "connection refused") != 1 {
		t.Errorf("the technical error is printed more than once:\n%s", out)
	}

	c := w.show(id)
	if c.Health.State != "failing" || c.Health.FailedRuns != 1 || c.Health.Since == nil || c.Health.Message != sentence || c.Activity != "failing" {
		t.Fatalf("health after a failed run: %+v (activity %s)", c.Health, c.Activity)
	}
	w.try("sync", ids, "--wait")
	shown := w.bcsync("connection", "show", ids)
	if !strings.Contains(shown, "failing since ") || !strings.Contains(shown, "2 failed runs in a row") || !strings.Contains(shown, sentence) {
		t.Errorf("connection show:\n%s", shown)
	}
	var list []resource.Connection
	if err := json.Unmarshal([]byte(w.bcsync("connection", "list", "--json")), &list); err != nil || len(list) != 1 || list[0].Health.State != "failing" {
		t.Errorf("connection list --json: %+v %v", list, err)
	}
}

// A connection whose store cannot be reached is shown as failing, on the store tab and in the list of
// connections, with a sentence a merchant reads, the technical detail behind a disclosure, and when
// bcsync tries again.
func TestBrowserShowsAFailingConnectionWithAReadableMessage(t *testing.T) {
	w := newWorld(t, small)
	id := w.connect()
	w.sync(id)
	host := strings.TrimPrefix(w.bcSrv.URL, "http://")
	w.bcSrv.Close()
	b := newBrowser(t, w)
	b.signIn()
	tab := "/connections/" + strconv.FormatInt(id, 10)
	b.visit(tab)
	b.submit("button[form='sync-now']")
	sentence := "bcsync cannot reach the store at " + host + ": the connection was refused."
	b.waitFor("the connection to be shown failing", `(() => {
		const s = document.querySelector('.sync-status[data-active="false"]');
		return !!s && s.querySelector('.now .badge.failed') && s.querySelector('.now .badge.failed').textContent === 'failing';
	})()`, 60*time.Second)
	b.see(sentence, "1 failed run in a row", "bcsync tries again at")
	if b.eval(`document.querySelector('.sync-status .now details.detail').open`) {
		t.Error("the technical detail is shown without being asked for")
	}
	if !b.eval(`document.querySelector('.sync-status .now details.detail pre').textContent.includes('connection refused')`) {
		t.Error("the technical detail is not behind the disclosure")
	}
	if b.eval(`document.body.textContent.includes('up to date') || document.body.textContent.includes('healthy')`) {
		t.Error("a failing connection is called up to date or healthy")
	}
	b.shot("store-failing")
	b.visit("/connections")
	b.see("failing", sentence)
	b.shot("connections-failing")
}
