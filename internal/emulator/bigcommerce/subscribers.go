package bigcommerce

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// subscriber is a v3 newsletter subscriber (subscriber_Full).
type subscriber struct {
	ID           int      `json:"id"`
	Email        string   `json:"email"`
	FirstName    string   `json:"first_name"`
	LastName     string   `json:"last_name"`
	Source       string   `json:"source"`
	OrderID      *int     `json:"order_id"`
	ChannelID    int      `json:"channel_id"`
	Consents     []string `json:"consents"`
	DateModified string   `json:"date_modified"`
	DateCreated  string   `json:"date_created"`
}

var consentKinds = []string{"marketing_newsletter", "abandoned_cart"}

type person struct {
	first, last name
	email       string
	customerID  int // the customer sharing this email, 0 if none
}

// genSubscriberPerson decides who generated subscriber id is: six in ten of those whose id is also a
// customer's are that customer (same name and email); the rest are people who only signed up for
// the newsletter.
func (s *Server) genSubscriberPerson(id int) person {
	r := newRNG(s.cfg.Seed, streamSubscriber, id)
	if id <= s.cfg.Customers && r.chance(60) {
		first, last, email := s.genCustomerPerson(id)
		return person{first, last, email, id}
	}
	first, last := pick(&r, firstNames), pick(&r, lastNames)
	return person{first, last, emailFor(&r, first.ascii+"."+last.ascii, id, "+news"), 0}
}

func (s *Server) genSubscriber(id int) *subscriber {
	p := s.genSubscriberPerson(id)
	r := newRNG(s.cfg.Seed, streamSubscriberDetail, id)
	sub := &subscriber{ID: id, Email: p.email, FirstName: p.first.text, LastName: p.last.text, ChannelID: 1, Source: "storefront"}
	switch n := r.intn(10); {
	case n < 6:
		sub.Consents = []string{"marketing_newsletter"}
	case n < 8:
		sub.Consents = []string{"marketing_newsletter", "abandoned_cart"}
	case n < 9:
		sub.Consents = []string{"abandoned_cart"}
	default:
		sub.Consents = []string{} // unsubscribed
	}
	if s.cfg.Orders > 0 && r.chance(25) {
		o := r.between(1, s.cfg.Orders)
		sub.OrderID, sub.Source = &o, "order"
	} else if r.chance(10) {
		sub.Source = "custom"
	}
	return sub
}

func (s *Server) subscriberRecord(id int) *subscriber {
	if sub, ok := s.subOver[id]; ok {
		return sub
	}
	return s.genSubscriber(id)
}

func (s *Server) renderSubscriber(sub *subscriber) subscriber {
	out := *sub
	out.DateCreated = v3Time(s.subscribers.created[sub.ID-1])
	out.DateModified = v3Time(s.subscribers.mod[sub.ID-1])
	if out.Consents == nil {
		out.Consents = []string{}
	}
	return out
}

// subscriberQuery reads the filters shared by GET and DELETE on the collection. It reports whether any
// filter was given.
func (s *Server) subscriberQuery(w http.ResponseWriter, r *http.Request, q *query) (filtered, ok bool) {
	values := r.URL.Query()
	// A bare date_modified or date_created is an exact match, not a lower bound (bigcommerce/api#105).
	var exactMod, exactCreated int64
	if !s.timeFilters(w, r, q, map[string]*int64{
		"date_modified:min": &q.modMin, "date_modified:max": &q.modMax,
		"date_created:min": &q.createdMin, "date_created:max": &q.createdMax,
		"date_modified": &exactMod, "date_created": &exactCreated,
	}, false) {
		return false, false
	}
	if exactMod != 0 {
		q.modMin, q.modMax = exactMod, exactMod
	}
	if exactCreated != 0 {
		q.createdMin, q.createdMax = exactCreated, exactCreated
	}
	ids, err := intList(values, "id:in")
	if err != nil {
		s.invalidParam(w, r, "id:in", err.Error())
		return false, false
	}
	if v := values.Get("id"); v != "" {
		id, err := strconv.Atoi(v)
		if err != nil {
			s.invalidParam(w, r, "id", "id must be an integer")
			return false, false
		}
		ids = append(ids, id)
	}
	q.ids = ids
	if e := values.Get("email"); e != "" {
		q.ids = []int{}
		if id, ok := s.subEmails.find(e); ok && (ids == nil || slices.Contains(ids, id)) {
			q.ids = []int{id}
		}
	}
	var orderID int
	if v := values.Get("order_id"); v != "" {
		if orderID, err = strconv.Atoi(v); err != nil {
			s.invalidParam(w, r, "order_id", "order_id must be an integer")
			return false, false
		}
	}
	first, last, source := values.Get("first_name"), values.Get("last_name"), values.Get("source")
	if first != "" || last != "" || source != "" || orderID != 0 {
		q.keep = func(id int) bool {
			sub := s.subscriberRecord(id)
			return (first == "" || strings.EqualFold(sub.FirstName, first)) &&
				(last == "" || strings.EqualFold(sub.LastName, last)) &&
				(source == "" || sub.Source == source) &&
				(orderID == 0 || sub.OrderID != nil && *sub.OrderID == orderID)
		}
	}
	filtered = q.ids != nil || q.keep != nil || q.modMin != 0 || q.modMax != 0 || q.createdMin != 0 || q.createdMax != 0
	return filtered, true
}

func (s *Server) listSubscribers(w http.ResponseWriter, r *http.Request) {
	page, limit, ok := s.paging(w, r)
	if !ok {
		return
	}
	q := query{offset: (page - 1) * limit, limit: limit}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, ok := s.subscriberQuery(w, r, &q); !ok {
		return
	}
	ids, total := s.subscribers.run(q)
	out := struct {
		Data []subscriber `json:"data"`
		Meta listMeta     `json:"meta"`
	}{Data: make([]subscriber, 0, len(ids))}
	for _, id := range ids {
		out.Data = append(out.Data, s.renderSubscriber(s.subscriberRecord(id)))
	}
	out.Meta.Pagination = newPagination(r, total, len(out.Data), page, limit)
	writeJSON(w, http.StatusOK, out)
}

type subscriberIn struct {
	Email     *string   `json:"email"`
	FirstName *string   `json:"first_name"`
	LastName  *string   `json:"last_name"`
	Source    *string   `json:"source"`
	OrderID   *int      `json:"order_id"`
	ChannelID *int      `json:"channel_id"`
	Consents  *[]string `json:"consents"`
}

// checkSubscriber answers 422 for invalid data and 409 for an email taken by another subscriber.
func (s *Server) checkSubscriber(w http.ResponseWriter, r *http.Request, in subscriberIn, self int) bool {
	errs := map[string]string{}
	if in.Email == nil && self == 0 {
		errs["email"] = "error.path.missing"
	} else if in.Email != nil && (len(strings.TrimSpace(*in.Email)) < 3 || !strings.Contains(*in.Email, "@")) {
		errs["email"] = "email must be a valid email address"
	}
	if in.Consents != nil {
		for i, c := range *in.Consents {
			if !slices.Contains(consentKinds, c) {
				errs[fmt.Sprintf("consents.%d", i)] = "consent must be marketing_newsletter or abandoned_cart"
			}
		}
	}
	if len(errs) > 0 {
		s.writeError(w, r, http.StatusUnprocessableEntity, "Input is invalid", errs)
		return false
	}
	if in.Email != nil {
		if id, ok := s.subEmails.find(*in.Email); ok && id != self {
			s.writeError(w, r, http.StatusConflict, "A subscriber with this email already exists",
				map[string]string{"email": fmt.Sprintf("%s is already subscribed (subscriber %d)", *in.Email, id)})
			return false
		}
	}
	return true
}

func applySubscriber(sub *subscriber, in subscriberIn) {
	if in.Email != nil {
		sub.Email = strings.TrimSpace(*in.Email)
	}
	if in.FirstName != nil {
		sub.FirstName = *in.FirstName
	}
	if in.LastName != nil {
		sub.LastName = *in.LastName
	}
	if in.Source != nil {
		sub.Source = *in.Source
	}
	if in.OrderID != nil {
		o := *in.OrderID
		sub.OrderID = &o
	}
	if in.ChannelID != nil {
		sub.ChannelID = *in.ChannelID
	}
	if in.Consents != nil {
		sub.Consents = slices.Clone(*in.Consents)
	}
}

type subscriberResponse struct {
	Data subscriber `json:"data"`
	Meta struct{}   `json:"meta"`
}

func (s *Server) createSubscriber(w http.ResponseWriter, r *http.Request) {
	var in subscriberIn
	if !s.decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checkSubscriber(w, r, in, 0) {
		return
	}
	now := s.now()
	id := s.subscribers.add(now, now)
	sub := &subscriber{ID: id, Source: "custom", ChannelID: 1, Consents: []string{}}
	applySubscriber(sub, in)
	s.subOver[id] = sub
	s.subEmails.add(sub.Email, id)
	s.emit("store/subscriber/created", dataInt("subscriber", id))
	writeJSON(w, http.StatusOK, subscriberResponse{Data: s.renderSubscriber(sub)})
}

func (s *Server) getSubscriber(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := pathID(r)
	if !ok || !s.subscribers.exists(id) {
		s.writeError(w, r, http.StatusNotFound, "Subscriber not found", nil)
		return
	}
	writeJSON(w, http.StatusOK, subscriberResponse{Data: s.renderSubscriber(s.subscriberRecord(id))})
}

func (s *Server) updateSubscriber(w http.ResponseWriter, r *http.Request) {
	var in subscriberIn
	if !s.decodeBody(w, r, &in) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := pathID(r)
	if !ok || !s.subscribers.exists(id) {
		s.writeError(w, r, http.StatusNotFound, "Subscriber not found", nil)
		return
	}
	if !s.checkSubscriber(w, r, in, id) {
		return
	}
	old := s.subscriberRecord(id)
	sub := *old
	applySubscriber(&sub, in)
	s.subEmails.remove(old.Email, id)
	s.subEmails.add(sub.Email, id)
	s.subOver[id] = &sub
	s.subscribers.touch(id, s.now())
	s.emit("store/subscriber/updated", dataInt("subscriber", id))
	writeJSON(w, http.StatusOK, subscriberResponse{Data: s.renderSubscriber(&sub)})
}

func (s *Server) removeSubscriber(id int) {
	s.subEmails.remove(s.subscriberRecord(id).Email, id)
	s.subscribers.remove(id)
	delete(s.subOver, id)
	s.emit("store/subscriber/deleted", dataInt("subscriber", id))
}

func (s *Server) deleteSubscriber(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := pathID(r)
	if !ok || !s.subscribers.exists(id) {
		s.writeError(w, r, http.StatusNotFound, "Subscriber not found", nil)
		return
	}
	s.removeSubscriber(id)
	w.WriteHeader(http.StatusNoContent)
}

// deleteSubscribers deletes by filter and, as in production, deletes every subscriber when no filter
// is given. bcsync's client can never send that request; the emulator keeps the trap real.
func (s *Server) deleteSubscribers(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := query{limit: len(s.subscribers.state)}
	if _, ok := s.subscriberQuery(w, r, &q); !ok {
		return
	}
	ids, _ := s.subscribers.run(q)
	for _, id := range ids {
		s.removeSubscriber(id)
	}
	w.WriteHeader(http.StatusNoContent)
}
