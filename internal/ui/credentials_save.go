package ui

import (
	"fmt"
	"net/http"

	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/resource"
)

// credentialsSave replaces the connection's store access token and/or Dotdigital password from the
// store tab's Credentials form: checked before saving, the connection keeps its state.
func (h *Handler) credentialsSave(w http.ResponseWriter, r *http.Request) {
	c := connectionOf(r)
	ch := marketing.CredentialsChange{BigCommerceAccessToken: r.PostFormValue("bigcommerce_access_token"),
		DotdigitalPassword: r.PostFormValue("dotdigital_password")}
	if err := resource.CheckLengths(resource.Text{Field: resource.FieldBigCommerceAccessToken, Value: ch.BigCommerceAccessToken},
		resource.Text{Field: resource.FieldDotdigitalPassword, Value: ch.DotdigitalPassword}); err != nil {
		h.showStore(w, r, http.StatusUnprocessableEntity, formOf(c.Settings), resource.ProblemOf(err))
		return
	}
	if _, err := h.svc.RotateCredentials(r.Context(), c.ID, ch); err != nil {
		p := resource.ProblemOf(err)
		if p.Status >= 500 {
			h.fail(w, r, err)
			return
		}
		h.showStore(w, r, p.Status, formOf(c.Settings), p)
		return
	}
	h.redirectWith(w, r, fmt.Sprintf("/connections/%d", c.ID), "ok", "The new credentials work and were saved; a sync was started.")
}
