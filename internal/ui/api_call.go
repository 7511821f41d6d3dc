package ui

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// apiCall shows one recorded call: its request and response with headers and bodies (redacted when
// recorded).
func (h *Handler) apiCall(w http.ResponseWriter, r *http.Request) {
	c := frameOf(r)
	id, err := strconv.ParseInt(r.PathValue("call"), 10, 64)
	if err != nil {
		h.notFound(w, r)
		return
	}
	call, err := h.svc.Store.APICall(r.Context(), c.ID, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "api_call", c.page("API call "+strconv.FormatInt(id, 10), "debugger", call))
}

// prettyBody indents a JSON body for reading; anything else is shown as it is.
func prettyBody(body string) string {
	trimmed := strings.TrimSpace(body)
	if trimmed == "" || (trimmed[0] != '{' && trimmed[0] != '[') {
		return body
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(trimmed), "", "  "); err != nil {
		return body
	}
	return buf.String()
}
