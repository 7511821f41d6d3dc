package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bcsync/bcsync/internal/app"
	"github.com/bcsync/bcsync/internal/app/apptest"
	"github.com/bcsync/bcsync/internal/bigcommerce"
	bcemu "github.com/bcsync/bcsync/internal/emulator/bigcommerce"
	ddemu "github.com/bcsync/bcsync/internal/emulator/dotdigital"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/web"
)

// fakeClock is one clock for bcsync and both emulators, moved by the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Dotdigital takes about 20 enrolment calls an hour. New subscribers beyond what the allowance takes
// wait in a queue, shown in the store tab and the API, and are enrolled in the next hour: each once.
func TestEnrolmentsBeyondTheHourlyAllowanceWaitAndAreMadeInTheNextHour(t *testing.T) {
	clk := &fakeClock{t: time.Now().Truncate(time.Second)}
	env := apptest.NewWithEmulators(t, apptest.Emulators{
		BigCommerce: func(c *bcemu.Config) { c.Now = clk.Now },
		Dotdigital:  func(c *ddemu.Config) { c.EnrolmentAllowance = 2; c.Now = clk.Now },
	}, func(_ *app.Config, so *app.ServiceOptions) { so.Engine.Now = clk.Now })
	ctx := context.Background()
	c := env.Connect()
	// The store dates the install by the real clock: the fake one moves up to it, so that the
	// subscribers made below are new however long the start took (seconds under -race on a busy machine).
	clk.Advance(time.Since(clk.Now()))
	st := c.Settings
	st.DataSync = true
	st.NewSubscriberProgram = store.Ref{ID: 1001, Name: "Welcome"}
	if err := env.Services.Store.UpdateSettings(ctx, c.ID, st); err != nil {
		t.Fatal(err)
	}
	run := func() {
		t.Helper()
		if _, err := env.Services.Engine.Run(ctx, c.ID, "manual", 0); err != nil {
			t.Fatal(err)
		}
		runs, err := env.Services.Store.Runs(ctx, c.ID, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 1 {
			t.Fatalf("%d runs recorded", len(runs))
		}
		if runs[0].Status != store.RunSucceeded {
			t.Fatalf("the run %s: %s", runs[0].Status, runs[0].Error)
		}
	}
	run() // the install: existing subscribers are not new

	clk.Advance(5 * time.Second)
	bc, err := bigcommerce.New(bigcommerce.Config{Credentials: bigcommerce.Credentials{APIPath: env.BC.APIPath(env.BCURL),
		ClientID: env.BC.ClientID(), AccessToken: env.BC.AccessToken()}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 60 // three calls of 25, 25 and 10; the allowance takes two
	for i := range n {
		if _, err := bc.CreateSubscriber(ctx, bigcommerce.SubscriberInput{Email: fmt.Sprintf("new.%02d@example.org", i),
			Consents: []string{"marketing_newsletter"}}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(5 * time.Second)
	run()
	requested := func() (contacts, times int) {
		for _, k := range env.DD.EnrolmentRequests(1001) {
			contacts++
			times += k
		}
		return
	}
	if contacts, times := requested(); contacts != 50 || times != 50 {
		t.Fatalf("within the allowance: %d contacts asked %d times, want 50 once each", contacts, times)
	}
	checkWaiting(t, env, c.ID, 10)

	// Later the same hour: still spent; nothing is lost or sent.
	clk.Advance(10 * time.Minute)
	run()
	if contacts, _ := requested(); contacts != 50 {
		t.Fatalf("the same hour: %d contacts asked", contacts)
	}
	checkWaiting(t, env, c.ID, 10)

	clk.Advance(time.Hour)
	run()
	contacts, times := requested()
	if contacts != n || times != n || len(env.DD.Enrolled(1001)) != n {
		t.Fatalf("the next hour: %d contacts asked %d times, %d enrolled; want %d once each", contacts, times, len(env.DD.Enrolled(1001)), n)
	}
	checkWaiting(t, env, c.ID, 0)
}

// checkWaiting reads "N enrolments waiting" from the JSON API and the store tab.
func checkWaiting(t *testing.T, env *apptest.Env, id int64, want int64) {
	t.Helper()
	h, err := web.New(web.Deps{Services: env.Services})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/connections/%d", srv.URL, id), nil)
	req.Header.Set("Authorization", "Bearer "+env.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var conn struct {
		EnrolmentsWaiting *int64 `json:"enrolments_waiting"`
	}
	err = json.NewDecoder(resp.Body).Decode(&conn)
	resp.Body.Close()
	if err != nil || conn.EnrolmentsWaiting == nil || *conn.EnrolmentsWaiting != want {
		t.Fatalf("API enrolments_waiting = %v, %v; want %d", conn.EnrolmentsWaiting, err, want)
	}
	jar, _ := cookiejar.New(nil)
	s := &site{t: t, env: env, url: srv.URL, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	s.signIn()
	status, page := s.get(fmt.Sprintf("/connections/%d", id))
	text := fmt.Sprintf("%d enrolments waiting", want)
	if status != http.StatusOK || (want > 0) != strings.Contains(page, text) || (want == 0 && strings.Contains(page, "enrolments waiting")) {
		t.Fatalf("store tab (%d) does not say %q right:\n%s", status, text, page)
	}
}
