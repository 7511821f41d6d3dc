package ui

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

func (h *Handler) connectionCreate(w http.ResponseWriter, r *http.Request) {
	f := connectForm{
		Name: strings.TrimSpace(r.PostFormValue("name")), APIPath: strings.TrimSpace(r.PostFormValue(resource.FieldBigCommerceAPIPath)),
		ClientID: strings.TrimSpace(r.PostFormValue("bigcommerce_client_id")), BaseURL: strings.TrimSpace(r.PostFormValue("bigcommerce_base_url")),
		DotdigitalUsername: strings.TrimSpace(r.PostFormValue(resource.FieldDotdigitalUsername)),
		DotdigitalEndpoint: strings.TrimSpace(r.PostFormValue("dotdigital_endpoint")),
	}
	c, err := h.svc.Connect(r.Context(), marketing.ConnectInput{
		Name: f.Name,
		BigCommerce: store.BigCommerceCredentials{APIPath: f.APIPath, ClientID: f.ClientID, BaseURL: f.BaseURL,
			AccessToken: strings.TrimSpace(r.PostFormValue(resource.FieldBigCommerceAccessToken))},
		Dotdigital: store.DotdigitalCredentials{Username: f.DotdigitalUsername, Password: r.PostFormValue(resource.FieldDotdigitalPassword),
			Endpoint: f.DotdigitalEndpoint},
	})
	if err != nil && c == nil {
		f.Problem = resource.ProblemOf(err)
		if f.Problem.Status >= 500 {
			h.log.Error("connecting a store failed", slog.Any("error", err))
		}
		h.render(w, r, f.Problem.Status, "connection_new", page{Title: "Connect a store", Section: "connections", Data: f})
		return
	}
	if err != nil { // saved, but the first sync could not be queued
		h.redirectWith(w, r, fmt.Sprintf("/connections/%d", c.ID), "error", err.Error())
		return
	}
	h.redirectWith(w, r, fmt.Sprintf("/connections/%d", c.ID), "ok",
		fmt.Sprintf("Connected %s. Subscribers sync to %q; the first sync has started.", c.StoreName, c.Settings.SubscriberList.Name))
}
