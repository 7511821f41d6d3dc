package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/resource"
)

// settingsSave applies the store tab's SAVE.
func (h *Handler) settingsSave(w http.ResponseWriter, r *http.Request) {
	c := connectionOf(r)
	id := func(name string) int64 {
		v, _ := strconv.ParseInt(r.PostFormValue(name), 10, 64)
		return v
	}
	f := settingsForm{DataSync: r.PostFormValue("data_sync") == "on", IntervalMinutes: id("interval"), SubscriberList: id("subscriber_list"),
		CustomerList: id("customer_list"), NewCustomerProgram: id("new_customer_program"), NewSubscriberProgram: id("new_subscriber_program"),
		AbandonedCartProgram: id("abandoned_cart_program"), WriteBackRemovals: r.PostFormValue("write_back_removals") == "on"}
	account, err := h.svc.Engine.Account(r.Context(), c.ID, false)
	if err != nil {
		h.showStore(w, r, http.StatusBadGateway, f, resource.ProblemOf(err))
		return
	}
	account = withCurrent(account, c.Settings)
	listName := func(id int64) (string, bool) {
		if id == 0 {
			return "none", true
		}
		for _, l := range account.Lists {
			if l.ID == id {
				return l.Name, true
			}
		}
		return "", false
	}
	ch := marketing.SettingsChange{DataSync: &f.DataSync, NewCustomerProgram: &f.NewCustomerProgram,
		NewSubscriberProgram: &f.NewSubscriberProgram, AbandonedCartProgram: &f.AbandonedCartProgram, WriteBackRemovals: &f.WriteBackRemovals}
	if f.IntervalMinutes > 0 {
		d := time.Duration(f.IntervalMinutes) * time.Minute
		ch.Interval = &d
	}
	sub, ok := listName(f.SubscriberList)
	if !ok || f.SubscriberList == 0 {
		h.showStore(w, r, http.StatusUnprocessableEntity, f, &resource.Problem{Status: http.StatusUnprocessableEntity, Code: "invalid_setting",
			Message: "Choose a list for subscribers.", Field: "subscriber_list"})
		return
	}
	cust, ok := listName(f.CustomerList)
	if !ok {
		h.showStore(w, r, http.StatusUnprocessableEntity, f, &resource.Problem{Status: http.StatusUnprocessableEntity, Code: "invalid_setting",
			Message: "The chosen customer list no longer exists in Dotdigital: choose another.", Field: "customer_list"})
		return
	}
	ch.SubscriberList, ch.CustomerList = &sub, &cust
	if _, err := h.svc.UpdateSettings(r.Context(), c.ID, ch); err != nil {
		p := resource.ProblemOf(err)
		if p.Status >= 500 {
			h.log.Error("saving settings failed", "error", err)
		}
		h.showStore(w, r, p.Status, f, p)
		return
	}
	h.redirectWith(w, r, fmt.Sprintf("/connections/%d", c.ID), "ok", "Settings saved.")
}
