package ui

import (
	"net/http"

	"github.com/bcsync/bcsync/internal/resource"
)

// connectForm is the connect page's form, kept when it is shown again with a problem. Secrets are
// never written back into the page.
type connectForm struct {
	Name               string
	APIPath            string
	ClientID           string
	BaseURL            string
	DotdigitalUsername string
	DotdigitalEndpoint string
	Problem            *resource.Problem
}

func (h *Handler) connectionNew(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "connection_new", page{Title: "Connect a store", Section: "connections", Data: connectForm{}})
}
