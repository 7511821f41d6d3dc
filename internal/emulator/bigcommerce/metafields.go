package bigcommerce

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// metafield is a customer metafield (metafield_Full / Metafield). The emulator has one API account,
// so every metafield is its own.
type metafield struct {
	ID            int    `json:"id"`
	Key           string `json:"key"`
	Value         string `json:"value"`
	Namespace     string `json:"namespace"`
	PermissionSet string `json:"permission_set"`
	ResourceType  string `json:"resource_type"`
	ResourceID    int    `json:"resource_id"`
	Description   string `json:"description"`
	DateCreated   string `json:"date_created"`
	DateModified  string `json:"date_modified"`
	OwnerClientID string `json:"owner_client_id"`
}

// metafieldIn is a metafield in a POST or PUT body; pointers tell which fields were sent.
type metafieldIn struct {
	ID            *int    `json:"id"`
	ResourceID    *int    `json:"resource_id"`
	Key           *string `json:"key"`
	Value         *string `json:"value"`
	Namespace     *string `json:"namespace"`
	PermissionSet *string `json:"permission_set"`
	Description   *string `json:"description"`
}

const (
	// maxMetafieldsPerCustomer: "The maximum number of metafields allowed on each order, product,
	// category, variant, or brand is 250 per client ID" (the catalog's description; customers assumed
	// alike).
	maxMetafieldsPerCustomer = 250
	// maxMetafieldBatch bounds the batch endpoints. The description states no limit; the emulator keeps
	// the one of the other customer batch endpoints, 10, and answers 413 above.
	maxMetafieldBatch = 10
)

var permissionSets = []string{"app_only", "read", "write", "read_and_sf_access", "write_and_sf_access"}

type metafieldKey struct {
	customer       int
	namespace, key string
}

// checkMetafield tells what is wrong with a metafield body, by field. create requires namespace, key,
// value and permission_set.
func checkMetafield(in metafieldIn, create bool) map[string]string {
	errs := map[string]string{}
	text := func(field string, v *string, minLen, maxLen int) {
		switch {
		case v == nil && create && minLen > 0:
			errs[field] = "error.path.missing"
		case v != nil && (utf8.RuneCountInString(*v) < minLen || utf8.RuneCountInString(*v) > maxLen):
			errs[field] = fmt.Sprintf("%s must be %d to %d characters", field, minLen, maxLen)
		}
	}
	text("namespace", in.Namespace, 1, 64)
	text("key", in.Key, 1, 64)
	text("value", in.Value, 1, 65535)
	text("description", in.Description, 0, 255)
	switch {
	case in.PermissionSet == nil && create:
		errs["permission_set"] = "error.path.missing"
	case in.PermissionSet != nil && !slices.Contains(permissionSets, *in.PermissionSet):
		errs["permission_set"] = "permission_set must be one of " + strings.Join(permissionSets, ", ")
	}
	return errs
}

// firstError joins the messages of a field map into one line, for the batch endpoints' per-item errors.
func firstError(errs map[string]string) string {
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + errs[k]
	}
	return strings.Join(parts, "; ")
}

// createMetafield adds a metafield to customer, or tells why not: status 404 (no such customer), 409
// (the namespace and key are taken on this customer) or 422 (invalid, or too many).
func (s *Server) createMetafield(customer int, in metafieldIn) (*metafield, int, map[string]string) {
	if !s.customers.isListed(customer) {
		return nil, http.StatusNotFound, map[string]string{"resource_id": fmt.Sprintf("Customer %d does not exist.", customer)}
	}
	if errs := checkMetafield(in, true); len(errs) > 0 {
		return nil, http.StatusUnprocessableEntity, errs
	}
	k := metafieldKey{customer, *in.Namespace, *in.Key}
	if _, taken := s.mfKeys[k]; taken {
		return nil, http.StatusConflict, map[string]string{"key": fmt.Sprintf("Customer %d already has a metafield %q in namespace %q.", customer, *in.Key, *in.Namespace)}
	}
	if s.mfCount[customer] >= maxMetafieldsPerCustomer {
		return nil, http.StatusUnprocessableEntity, map[string]string{"resource_id": fmt.Sprintf("Customer %d has the most metafields allowed (%d).", customer, maxMetafieldsPerCustomer)}
	}
	s.nextMetafield++
	now := v3Time(s.now())
	m := &metafield{ID: s.nextMetafield, Key: *in.Key, Value: *in.Value, Namespace: *in.Namespace, PermissionSet: *in.PermissionSet,
		ResourceType: "customer", ResourceID: customer, DateCreated: now, DateModified: now, OwnerClientID: s.cfg.ClientID}
	if in.Description != nil {
		m.Description = *in.Description
	}
	s.metafields[m.ID] = m
	s.mfKeys[k] = m.ID
	s.mfCount[customer]++
	return m, http.StatusOK, nil
}

// updateMetafield changes metafield m partially, or tells why not (422 invalid, 409 namespace and key
// taken on the customer).
func (s *Server) updateMetafield(m *metafield, in metafieldIn) (int, map[string]string) {
	if errs := checkMetafield(in, false); len(errs) > 0 {
		return http.StatusUnprocessableEntity, errs
	}
	next := *m
	for _, f := range []struct {
		dst *string
		v   *string
	}{{&next.Key, in.Key}, {&next.Value, in.Value}, {&next.Namespace, in.Namespace}, {&next.PermissionSet, in.PermissionSet}, {&next.Description, in.Description}} {
		if f.v != nil {
			*f.dst = *f.v
		}
	}
	old, k := metafieldKey{m.ResourceID, m.Namespace, m.Key}, metafieldKey{m.ResourceID, next.Namespace, next.Key}
	if id, taken := s.mfKeys[k]; taken && id != m.ID {
		return http.StatusConflict, map[string]string{"key": fmt.Sprintf("Customer %d already has a metafield %q in namespace %q.", m.ResourceID, next.Key, next.Namespace)}
	}
	next.DateModified = v3Time(s.now())
	delete(s.mfKeys, old)
	s.mfKeys[k] = m.ID
	*m = next
	return http.StatusOK, nil
}

func (s *Server) deleteMetafield(m *metafield) {
	delete(s.mfKeys, metafieldKey{m.ResourceID, m.Namespace, m.Key})
	delete(s.metafields, m.ID)
	s.mfCount[m.ResourceID]--
}

// dropCustomerMetafields deletes the metafields of a deleted customer.
func (s *Server) dropCustomerMetafields(customer int) {
	if s.mfCount[customer] == 0 {
		return
	}
	for _, m := range s.metafields {
		if m.ResourceID == customer {
			s.deleteMetafield(m)
		}
	}
	delete(s.mfCount, customer)
}

// listMetafieldsOf serves the metafields that keep allows, filtered by key, key:in, namespace and
// namespace:in, in id order (direction=desc reverses it), a page at a time.
func (s *Server) listMetafieldsOf(w http.ResponseWriter, r *http.Request, keep func(*metafield) bool) {
	page, limit, ok := s.paging(w, r)
	if !ok {
		return
	}
	values := r.URL.Query()
	keys, namespaces := stringList(values, "key:in"), stringList(values, "namespace:in")
	if k := values.Get("key"); k != "" {
		keys = append(keys, k)
	}
	if n := values.Get("namespace"); n != "" {
		namespaces = append(namespaces, n)
	}
	var match []metafield
	for _, m := range s.metafields {
		if keep(m) && (len(keys) == 0 || slices.Contains(keys, m.Key)) && (len(namespaces) == 0 || slices.Contains(namespaces, m.Namespace)) {
			match = append(match, *m)
		}
	}
	slices.SortFunc(match, func(a, b metafield) int { return a.ID - b.ID })
	if values.Get("direction") == "desc" {
		slices.Reverse(match)
	}
	from := min((page-1)*limit, len(match))
	out := struct {
		Data []metafield `json:"data"`
		Meta listMeta    `json:"meta"`
	}{Data: append([]metafield{}, match[from:min(from+limit, len(match))]...)}
	out.Meta.Pagination = newPagination(r, len(match), len(out.Data), page, limit)
	writeJSON(w, http.StatusOK, out)
}

// metafieldsAnswer is the answer of every metafield write: the metafields written, the errors, and a
// meta with the counts (the per-customer endpoints answer a one-item list, as the description says).
type metafieldsAnswer struct {
	Data   any          `json:"data"`
	Errors []batchError `json:"errors"`
	Meta   struct {
		Total   int `json:"total"`
		Success int `json:"success"`
		Failed  int `json:"failed"`
	} `json:"meta"`
}

type batchError struct {
	Status int               `json:"status"`
	Title  string            `json:"title"`
	Type   string            `json:"type"`
	Errors map[string]string `json:"errors"`
}

// customerPart serves /v3/customers/{customerId}/metafields and …/metafields/{metafieldId}.
func (s *Server) customerPart(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(r.PathValue("part"), "/")
	switch {
	case len(parts) == 1 && parts[0] == "metafields" && r.Method == http.MethodGet:
		s.listCustomerMetafields(w, r)
	case len(parts) == 1 && parts[0] == "metafields" && r.Method == http.MethodPost:
		s.createCustomerMetafield(w, r)
	case len(parts) == 2 && parts[0] == "metafields":
		r.SetPathValue("metafieldId", parts[1])
		switch r.Method {
		case http.MethodGet:
			s.getCustomerMetafield(w, r)
		case http.MethodPut:
			s.updateCustomerMetafield(w, r)
		case http.MethodDelete:
			s.deleteCustomerMetafield(w, r)
		default:
			s.writeError(w, r, http.StatusMethodNotAllowed, "The method is not allowed.", nil)
		}
	case len(parts) == 1 && parts[0] == "metafields":
		s.writeError(w, r, http.StatusMethodNotAllowed, "The method is not allowed.", nil)
	default:
		s.writeError(w, r, http.StatusNotFound, "The requested resource was not found.", nil)
	}
}

func (s *Server) customerPath(w http.ResponseWriter, r *http.Request) (int, bool) {
	id, err := strconv.Atoi(r.PathValue("customerId"))
	if err != nil || !s.customers.isListed(id) {
		s.writeError(w, r, http.StatusNotFound, "The customer was not found.", nil)
		return 0, false
	}
	return id, true
}

// metafieldPath finds the metafield of the path, which must belong to the path's customer.
func (s *Server) metafieldPath(w http.ResponseWriter, r *http.Request) (*metafield, bool) {
	customer, ok := s.customerPath(w, r)
	if !ok {
		return nil, false
	}
	id, _ := strconv.Atoi(r.PathValue("metafieldId"))
	m, ok := s.metafields[id]
	if !ok || m.ResourceID != customer {
		s.writeError(w, r, http.StatusNotFound, "The resource at that URL is not found.", nil)
		return nil, false
	}
	return m, true
}

func (s *Server) listCustomerMetafields(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	customer, ok := s.customerPath(w, r)
	if !ok {
		return
	}
	s.listMetafieldsOf(w, r, func(m *metafield) bool { return m.ResourceID == customer })
}

func (s *Server) createCustomerMetafield(w http.ResponseWriter, r *http.Request) {
	var in metafieldIn
	if !s.decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	customer, ok := s.customerPath(w, r)
	if !ok {
		return
	}
	m, status, errs := s.createMetafield(customer, in)
	if status != http.StatusOK {
		s.writeError(w, r, status, "The metafield was not created.", errs)
		return
	}
	var out metafieldsAnswer
	out.Data, out.Errors = []metafield{*m}, []batchError{}
	out.Meta.Total, out.Meta.Success = 1, 1
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getCustomerMetafield(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.metafieldPath(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Data metafield `json:"data"`
		Meta struct{}  `json:"meta"`
	}{Data: *m})
}

// updateCustomerMetafield is PUT /v3/customers/{customerId}/metafields/{metafieldId}. The description
// requires the id in the body too; one that differs from the path's is refused (422).
func (s *Server) updateCustomerMetafield(w http.ResponseWriter, r *http.Request) {
	var in metafieldIn
	if !s.decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.metafieldPath(w, r)
	if !ok {
		return
	}
	if in.ID != nil && *in.ID != m.ID {
		s.writeError(w, r, http.StatusUnprocessableEntity, "The metafield was not updated.", map[string]string{"id": "The id of the body is not the metafield of the path."})
		return
	}
	if status, errs := s.updateMetafield(m, in); status != http.StatusOK {
		s.writeError(w, r, status, "The metafield was not updated.", errs)
		return
	}
	var out metafieldsAnswer
	out.Data, out.Errors = []metafield{*m}, []batchError{}
	out.Meta.Total, out.Meta.Success = 1, 1
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) deleteCustomerMetafield(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.metafieldPath(w, r)
	if !ok {
		return
	}
	s.deleteMetafield(m)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listAllCustomerMetafields(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.listMetafieldsOf(w, r, func(*metafield) bool { return true })
}

// batchMetafields runs one batch write: each item is applied or refused on its own. All applied: 200;
// some refused: 422 with the applied ones in data and the refused ones in errors, keyed by their index
// in the request (the description's "partial success"). A body that is not a JSON array is 400; more
// than 10 items 413.
func (s *Server) batchMetafields(w http.ResponseWriter, r *http.Request, apply func(i int, raw json.RawMessage) (any, string)) {
	var batch []json.RawMessage
	if !s.decodeBody(w, r, &batch) {
		return
	}
	if len(batch) == 0 {
		s.writeError(w, r, http.StatusBadRequest, "Input is invalid: at least one item is required.", nil)
		return
	}
	if len(batch) > maxMetafieldBatch {
		s.writeError(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("The maximum number of items allowed in the array is %d.", maxMetafieldBatch), nil)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out metafieldsAnswer
	var done []any
	failed := map[string]string{}
	for i, raw := range batch {
		v, msg := apply(i, raw)
		if msg != "" {
			failed[strconv.Itoa(i)] = msg
			continue
		}
		done = append(done, v)
	}
	out.Data, out.Errors = append([]any{}, done...), []batchError{}
	out.Meta.Total, out.Meta.Success, out.Meta.Failed = len(batch), len(done), len(failed)
	status := http.StatusOK
	if len(failed) > 0 {
		status = http.StatusUnprocessableEntity
		out.Errors = []batchError{{Status: status, Title: "Bulk operation has failed", Type: statusCodesType, Errors: failed}}
	}
	writeJSON(w, status, out)
}

func (s *Server) createCustomerMetafields(w http.ResponseWriter, r *http.Request) {
	s.batchMetafields(w, r, func(i int, raw json.RawMessage) (any, string) {
		var in metafieldIn
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, "The item is not a metafield: " + err.Error()
		}
		if in.ResourceID == nil {
			return nil, "resource_id: error.path.missing"
		}
		m, status, errs := s.createMetafield(*in.ResourceID, in)
		if status != http.StatusOK {
			return nil, firstError(errs)
		}
		return *m, ""
	})
}

func (s *Server) updateCustomerMetafields(w http.ResponseWriter, r *http.Request) {
	s.batchMetafields(w, r, func(i int, raw json.RawMessage) (any, string) {
		var in metafieldIn
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, "The item is not a metafield: " + err.Error()
		}
		if in.ID == nil {
			return nil, "id: error.path.missing"
		}
		m, ok := s.metafields[*in.ID]
		if !ok {
			return nil, "Metafield does not exist"
		}
		if status, errs := s.updateMetafield(m, in); status != http.StatusOK {
			return nil, firstError(errs)
		}
		return *m, ""
	})
}

// deleteCustomerMetafields is DELETE /v3/customers/metafields with a body of metafield ids. The
// description documents no body and calls the operation "Delete all customer metafields"; the
// emulator takes ids as the catalog's batch delete does and refuses a DELETE without them (400)
// rather than guess that a real store deletes everything.
func (s *Server) deleteCustomerMetafields(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength == 0 {
		s.writeError(w, r, http.StatusBadRequest, "Input is invalid: a list of metafield ids is required.", nil)
		return
	}
	s.batchMetafields(w, r, func(i int, raw json.RawMessage) (any, string) {
		var id int
		if err := json.Unmarshal(raw, &id); err != nil {
			return nil, "Not a metafield id."
		}
		m, ok := s.metafields[id]
		if !ok {
			return nil, "Metafield does not exist"
		}
		s.deleteMetafield(m)
		return id, ""
	})
}
