package api

import (
	"net/http"

	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/resource"
)

// credentialsBody is PUT /connections/{id}/credentials' body: new credentials, an absent one kept.
type credentialsBody struct {
	BigCommerceAccessToken string `json:"bigcommerce_access_token"`
	DotdigitalPassword     string `json:"dotdigital_password"`
}

// putCredentials replaces a connection's store access token and/or Dotdigital password, each checked
// before it is saved; the connection keeps its state, and "needs attention" clears.
func (h *Handler) putCredentials(w http.ResponseWriter, r *http.Request) error {
	c, err := h.connection(r)
	if err != nil {
		return err
	}
	var b credentialsBody
	if err := decode(r, &b); err != nil {
		return err
	}
	if err := resource.CheckLengths(resource.Text{Field: resource.FieldBigCommerceAccessToken, Value: b.BigCommerceAccessToken},
		resource.Text{Field: resource.FieldDotdigitalPassword, Value: b.DotdigitalPassword}); err != nil {
		return err
	}
	c, err = h.svc.RotateCredentials(r.Context(), c.ID, marketing.CredentialsChange{BigCommerceAccessToken: b.BigCommerceAccessToken,
		DotdigitalPassword: b.DotdigitalPassword})
	if err != nil {
		return err
	}
	rc, err := h.describe(r, c, true)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rc)
	return nil
}
