package ui

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

// syncStatus is the Connected store section's live part: what runs now, or the last sync.
type syncStatus struct {
	Conn     *store.Connection
	Activity string
	Health   resource.Health
	Current  *store.Run
	Last     *store.Run
	// EnrolmentsWaiting counts programme enrolments queued or being sent (the hourly allowance).
	EnrolmentsWaiting int64
	// UnsubscribedInDotdigital counts subscribers kept out of the list: Dotdigital removed them before install.
	UnsubscribedInDotdigital int64
}

// settingsForm holds the store tab's choices, as saved or as just submitted.
type settingsForm struct {
	DataSync             bool
	IntervalMinutes      int64
	SubscriberList       int64
	CustomerList         int64
	NewCustomerProgram   int64
	NewSubscriberProgram int64
	AbandonedCartProgram int64
	WriteBackRemovals    bool
}

type storeView struct {
	Status   syncStatus
	Form     settingsForm
	Account  *marketing.Account
	Problem  *resource.Problem
	Warning  string // the account could not be read
	Interval []int64
	// ConsentFields are the data fields subscribers' consent evidence is written to.
	ConsentFields []string
}

// intervals offered, in minutes.
var intervals = []int64{1, 5, 10, 15, 30, 60, 120, 360, 720, 1440}

func formOf(s store.Settings) settingsForm {
	return settingsForm{DataSync: s.DataSync, IntervalMinutes: int64(s.Interval / time.Minute), SubscriberList: s.SubscriberList.ID,
		CustomerList: s.CustomerList.ID, NewCustomerProgram: s.NewCustomerProgram.ID, NewSubscriberProgram: s.NewSubscriberProgram.ID,
		AbandonedCartProgram: s.AbandonedCartProgram.ID, WriteBackRemovals: s.WriteBackRemovals}
}

func (h *Handler) syncStatus(r *http.Request, c *store.Connection) (syncStatus, error) {
	st, err := h.svc.Describe(r.Context(), c, false)
	if err != nil {
		return syncStatus{}, err
	}
	return syncStatus{Conn: c, Activity: resource.Activity(c, st), Health: resource.HealthOf(c, st), Current: st.Current, Last: st.LastRun,
		EnrolmentsWaiting: st.EnrolmentsWaiting, UnsubscribedInDotdigital: st.UnsubscribedInDotdigital}, nil
}

func (h *Handler) storeTab(w http.ResponseWriter, r *http.Request) {
	c := connectionOf(r)
	h.showStore(w, r, http.StatusOK, formOf(c.Settings), nil)
}

func (h *Handler) showStore(w http.ResponseWriter, r *http.Request, status int, f settingsForm, problem *resource.Problem) {
	c := connectionOf(r)
	ss, err := h.syncStatus(r, c)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := storeView{Status: ss, Form: f, Problem: problem, Interval: intervals, ConsentFields: marketing.ConsentFieldNames()}
	if f.IntervalMinutes > 0 && !containsInt(intervals, f.IntervalMinutes) {
		v.Interval = append([]int64{f.IntervalMinutes}, intervals...)
	}
	v.Account, err = h.svc.Engine.Account(r.Context(), c.ID, r.URL.Query().Has("refresh"))
	if err != nil {
		h.log.Warn("the Dotdigital account could not be read", slog.Int64("connection_id", c.ID), slog.Any("error", err))
		v.Warning = "Dotdigital could not be reached to list the account's lists and programmes: " + resource.ProblemOf(err).Message +
			" The current choices are shown; reload to try again."
		v.Account = &marketing.Account{}
	}
	// The current choices stay selectable even when the account no longer lists them.
	v.Account = withCurrent(v.Account, c.Settings)
	h.render(w, r, status, "store", page{Title: c.Name, Section: "connections", Conn: c, Tab: "store", Data: v})
}

func withCurrent(a *marketing.Account, s store.Settings) *marketing.Account {
	out := *a
	hasList := func(id int64) bool {
		for _, l := range out.Lists {
			if l.ID == id {
				return true
			}
		}
		return false
	}
	for _, ref := range []store.Ref{s.SubscriberList, s.CustomerList} {
		if ref.ID != 0 && !hasList(ref.ID) {
			out.Lists = append(append([]store.Ref(nil), out.Lists...), ref)
		}
	}
	hasProgram := func(id int64) bool {
		for _, p := range out.Programs {
			if p.ID == id {
				return true
			}
		}
		return false
	}
	for _, ref := range []store.Ref{s.NewCustomerProgram, s.NewSubscriberProgram, s.AbandonedCartProgram} {
		if ref.ID != 0 && !hasProgram(ref.ID) {
			out.Programs = append(append([]marketing.Program(nil), out.Programs...), marketing.Program{ID: ref.ID, Name: ref.Name, Status: "unknown"})
		}
	}
	return &out
}

func containsInt(xs []int64, x int64) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// storeLive is the Connected store section's live part alone.
func (h *Handler) storeLive(w http.ResponseWriter, r *http.Request) {
	ss, err := h.syncStatus(r, connectionOf(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.fragment(w, r, "sync-status", ss)
}
