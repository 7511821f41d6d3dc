package ui

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/shop"
	"github.com/bcsync/bcsync/internal/store"
)

// storeCreate adds a store after checking its credentials (or updates the one known at that API path).
func (h *Handler) storeCreate(w http.ResponseWriter, r *http.Request) {
	f := storeForm{Name: strings.TrimSpace(r.PostFormValue("name")), APIPath: strings.TrimSpace(r.PostFormValue(resource.FieldBigCommerceAPIPath)),
		ClientID: strings.TrimSpace(r.PostFormValue("bigcommerce_client_id")), BaseURL: strings.TrimSpace(r.PostFormValue("bigcommerce_base_url"))}
	err := resource.CheckLengths(
		resource.Text{Field: "name", Value: f.Name},
		resource.Text{Field: resource.FieldBigCommerceAPIPath, Value: f.APIPath},
		resource.Text{Field: "bigcommerce_client_id", Value: f.ClientID},
		resource.Text{Field: resource.FieldBigCommerceAccessToken, Value: r.PostFormValue(resource.FieldBigCommerceAccessToken)},
		resource.Text{Field: "bigcommerce_base_url", Value: f.BaseURL},
	)
	var sh *store.Shop
	var created bool
	if err == nil {
		sh, created, err = h.svc.AddStore(r.Context(), shop.Input{Name: f.Name, BigCommerce: store.BigCommerceCredentials{APIPath: f.APIPath,
			ClientID: f.ClientID, BaseURL: f.BaseURL, AccessToken: strings.TrimSpace(r.PostFormValue(resource.FieldBigCommerceAccessToken))}})
	}
	if err != nil {
		f.Problem = resource.ProblemOf(err)
		f.Name, f.APIPath, f.ClientID, f.BaseURL = clip("name", f.Name), clip(resource.FieldBigCommerceAPIPath, f.APIPath), clip("bigcommerce_client_id", f.ClientID), clip("bigcommerce_base_url", f.BaseURL)
		if f.Problem.Status >= 500 {
			h.log.Error("adding a store failed", slog.Any("error", err))
		} else if resource.Withheld(err) {
			h.log.Warn("adding a store was refused", slog.Any("error", err))
		}
		rows, lerr := h.storeRows(r)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		h.render(w, r, f.Problem.Status, "stores", page{Title: "Stores", Section: "stores", Data: storesView{Stores: rows, Form: f}})
		return
	}
	msg := fmt.Sprintf("Added %s.", sh.StoreName)
	if !created {
		msg = fmt.Sprintf("%s was added before: its credentials are updated.", sh.StoreName)
	}
	h.redirectWith(w, r, fmt.Sprintf("/stores/%d", sh.ID), "ok", msg)
}
