package api

import (
	"net/http"

	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/resource"
	"github.com/bcsync/bcsync/internal/store"
)

func (h *Handler) describe(r *http.Request, c *store.Connection, mappings bool) (resource.Connection, error) {
	st, err := h.svc.Describe(r.Context(), c, mappings)
	if err != nil {
		return resource.Connection{}, err
	}
	return resource.NewConnection(c, st), nil
}

func (h *Handler) listConnections(w http.ResponseWriter, r *http.Request) error {
	conns, err := h.svc.Store.Connections(r.Context())
	if err != nil {
		return err
	}
	out := make([]resource.Connection, 0, len(conns))
	for _, c := range conns {
		rc, err := h.describe(r, c, false)
		if err != nil {
			return err
		}
		out = append(out, rc)
	}
	writeJSON(w, http.StatusOK, map[string]any{"connections": out})
	return nil
}

func (h *Handler) getConnection(w http.ResponseWriter, r *http.Request) error {
	c, err := h.connection(r)
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

// connectBody is POST /connections' body.
type connectBody struct {
	Name                   string `json:"name"`
	BigCommerceAPIPath     string `json:"bigcommerce_api_path"`
	BigCommerceClientID    string `json:"bigcommerce_client_id"`
	BigCommerceAccessToken string `json:"bigcommerce_access_token"`
	BigCommerceBaseURL     string `json:"bigcommerce_base_url"`
	DotdigitalUsername     string `json:"dotdigital_username"`
	DotdigitalPassword     string `json:"dotdigital_password"`
	DotdigitalEndpoint     string `json:"dotdigital_endpoint"`
}

// createConnection checks both sets of credentials, saves the connection and starts its first sync.
func (h *Handler) createConnection(w http.ResponseWriter, r *http.Request) error {
	var b connectBody
	if err := decode(r, &b); err != nil {
		return err
	}
	if err := resource.CheckLengths(
		resource.Text{Field: "name", Value: b.Name},
		resource.Text{Field: resource.FieldBigCommerceAPIPath, Value: b.BigCommerceAPIPath},
		resource.Text{Field: "bigcommerce_client_id", Value: b.BigCommerceClientID},
		resource.Text{Field: resource.FieldBigCommerceAccessToken, Value: b.BigCommerceAccessToken},
		resource.Text{Field: "bigcommerce_base_url", Value: b.BigCommerceBaseURL},
		resource.Text{Field: resource.FieldDotdigitalUsername, Value: b.DotdigitalUsername},
		resource.Text{Field: resource.FieldDotdigitalPassword, Value: b.DotdigitalPassword},
		resource.Text{Field: "dotdigital_endpoint", Value: b.DotdigitalEndpoint},
	); err != nil {
		return err
	}
	c, err := h.svc.Connect(r.Context(), marketing.ConnectInput{
		Name: b.Name,
		BigCommerce: store.BigCommerceCredentials{APIPath: b.BigCommerceAPIPath, ClientID: b.BigCommerceClientID,
			AccessToken: b.BigCommerceAccessToken, BaseURL: b.BigCommerceBaseURL},
		Dotdigital: store.DotdigitalCredentials{Username: b.DotdigitalUsername, Password: b.DotdigitalPassword, Endpoint: b.DotdigitalEndpoint},
	})
	if c == nil {
		return err
	}
	if err != nil {
		h.log.Warn("a connection was saved but its first sync was not queued", "connection_id", c.ID, "error", err)
	}
	rc, err := h.describe(r, c, true)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/connections/"+itoa(c.ID))
	writeJSON(w, http.StatusCreated, rc)
	return nil
}

// deleteConnection stops the connection's syncs and deletes its credentials and state; Dotdigital
// is left as it is.
func (h *Handler) deleteConnection(w http.ResponseWriter, r *http.Request) error {
	c, err := h.connection(r)
	if err != nil {
		return err
	}
	if _, err := h.svc.RemoveConnection(r.Context(), c.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
