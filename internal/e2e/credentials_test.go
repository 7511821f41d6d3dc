package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/bcsync/bcsync/internal/resource"
)

// A revoked store token puts the connection in "needs attention"; a wrong new token is refused and
// nothing is saved; the right one is checked, saved, clears "needs attention", and the connection
// syncs on from where it was (nothing is sent again).
func TestCredentialsAreRotatedFromTheCommandLineWithoutLosingState(t *testing.T) {
	w := newWorld(t, small)
	id := w.connect()
	ids := strconv.FormatInt(id, 10)
	w.sync(id)
	w.bc.RotateAccessToken("the-new-token")
	if out, err := w.try("sync", ids, "--wait"); err == nil {
		t.Fatalf("a sync with a revoked token succeeded:\n%s", out)
	}
	c := w.show(id)
	if c.Health.State != "needs_attention" || !strings.HasPrefix(c.Health.Message, "BigCommerce refused the access token") {
		t.Fatalf("health with a revoked token: %+v", c.Health)
	}

	out, err := w.try("connection", "credentials", ids, "--bigcommerce-access-token", "not-the-token")
	if err == nil || !strings.Contains(out, "BigCommerce refused the access token.") || strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Fatalf("a wrong token: %v\n%s", err, out)
	}
	if c := w.show(id); c.Health.State != "needs_attention" {
		t.Fatalf("a refused token changed the health: %+v", c.Health)
	}
	if out := w.bcsync("connection", "credentials", ids, "--bigcommerce-access-token", "the-new-token"); !strings.Contains(out, "work and were saved") {
		t.Fatalf("the new token: %s", out)
	}
	if c := w.show(id); c.Health.State == "needs_attention" || c.Status != "ok" {
		t.Fatalf("health after the new token: %+v (status %s)", c.Health, c.Status)
	}
	run := w.sync(id)
	if run.Status != "succeeded" || run.Streams["subscribers"].Sent != 0 || run.Streams["orders"].Sent != 0 {
		t.Fatalf("the sync after the new token: %s, %+v", run.Status, run.Streams)
	}
	if out, err := w.try("connection", "credentials", ids); err == nil || !strings.Contains(out, "Give a new BigCommerce access token, a new Dotdigital password, or both.") {
		t.Fatalf("no credentials given: %v\n%s", err, out)
	}
}

// The API replaces the Dotdigital password after checking it, and refuses a wrong one naming the field.
func TestCredentialsAreRotatedThroughTheAPI(t *testing.T) {
	w := newWorld(t, small)
	id := w.connect()
	w.sync(id)
	addr := freeAddr(t)
	w.env = append(w.env, "BCSYNC_ADMIN_PASSWORD="+adminPassword)
	serve := w.start("serve", "--listen", addr, "--schedule-every", "100ms")
	defer w.stop(serve)
	var token string
	w.eventually("the admin serve creates", func() bool {
		out, err := w.try("admin", "token", "--name", "e2e")
		token = strings.TrimSpace(out)
		return err == nil
	})
	put := func(body map[string]string) (int, []byte) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("PUT", "http://"+addr+"/api/v1/connections/"+strconv.FormatInt(id, 10)+"/credentials", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		var resp *http.Response
		w.eventually("bcsync serve to answer", func() bool {
			var err error
			resp, err = http.DefaultClient.Do(req)
			if err != nil {
				req.Body = io.NopCloser(bytes.NewReader(b))
			}
			return err == nil
		})
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}
	w.dd.SetPassword("a-new-password")
	status, body := put(map[string]string{"dotdigital_password": "not-it"})
	var p resource.Problem
	if json.Unmarshal(body, &p); status != http.StatusUnprocessableEntity || p.Field != "dotdigital_password" {
		t.Fatalf("a wrong password: %d %s", status, body)
	}
	status, body = put(map[string]string{"dotdigital_password": "a-new-password"})
	var c resource.Connection
	if json.Unmarshal(body, &c); status != http.StatusOK || c.ID != id || c.Status != "ok" {
		t.Fatalf("the new password: %d %s", status, body)
	}
	if strings.Contains(string(body), "a-new-password") {
		t.Fatal("the answer shows the password")
	}
	run := w.syncAgain(strconv.FormatInt(id, 10))
	if run.Status != "succeeded" {
		t.Fatalf("the sync with the new password: %s %s", run.Status, run.Error)
	}
}
