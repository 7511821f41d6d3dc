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
	if err := resource.CheckLengths(
		resource.Text{Field: "name", Value: f.Name},
		resource.Text{Field: resource.FieldBigCommerceAPIPath, Value: f.APIPath},
		resource.Text{Field: "bigcommerce_client_id", Value: f.ClientID},
		resource.Text{Field: resource.FieldBigCommerceAccessToken, Value: r.PostFormValue(resource.FieldBigCommerceAccessToken)},
		resource.Text{Field: "bigcommerce_base_url", Value: f.BaseURL},
		resource.Text{Field: resource.FieldDotdigitalUsername, Value: f.DotdigitalUsername},
		resource.Text{Field: resource.FieldDotdigitalPassword, Value: r.PostFormValue(resource.FieldDotdigitalPassword)},
		resource.Text{Field: "dotdigital_endpoint", Value: f.DotdigitalEndpoint},
	); err != nil {
		f.Problem = resource.ProblemOf(err)
		f.Name, f.APIPath, f.ClientID, f.BaseURL = clip("name", f.Name), clip(resource.FieldBigCommerceAPIPath, f.APIPath), clip("bigcommerce_client_id", f.ClientID), clip("bigcommerce_base_url", f.BaseURL)
		f.DotdigitalUsername, f.DotdigitalEndpoint = clip(resource.FieldDotdigitalUsername, f.DotdigitalUsername), clip("dotdigital_endpoint", f.DotdigitalEndpoint)
		h.render(w, r, f.Problem.Status, "connection_new", page{Title: "Connect a store", Section: "connections", Data: f})
		return
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
		} else if resource.Withheld(err) {
			h.log.Warn("connecting a store was refused", slog.Any("error", err))
		}
		h.render(w, r, f.Problem.Status, "connection_new", page{Title: "Connect a store", Section: "connections", Data: f})
		return
	}
	if err != nil { // saved, but the first sync could not be queued
		h.redirectWith(w, r, fmt.Sprintf("/connections/%d", c.ID), "error", err.Error())
		return
	}
	msg := fmt.Sprintf("Connected %s. Subscribers sync to %q; the first sync has started.", c.StoreName, c.Settings.SubscriberList.Name)
	if x, err := h.svc.Engine.Estimate(r.Context(), c); err != nil {
		h.log.Warn("the first sync could not be estimated", slog.Int64("connection_id", c.ID), slog.Any("error", err))
	} else {
		msg += " " + x.String()
	}
	h.redirectWith(w, r, fmt.Sprintf("/connections/%d", c.ID), "ok", msg)
}
