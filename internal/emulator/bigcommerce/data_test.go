package bigcommerce

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// readPages reads every page of a v3 list into out (a slice of records).
func readV3[T any](h *harness, path string) []T {
	h.t.Helper()
	var all []T
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for page := 1; ; page++ {
		var resp struct {
			Data []T      `json:"data"`
			Meta listMeta `json:"meta"`
		}
		if status := h.json("GET", fmt.Sprintf("%s%spage=%d&limit=250", path, sep, page), nil, &resp); status != 200 {
			h.t.Fatalf("%s page %d: %d", path, page, status)
		}
		all = append(all, resp.Data...)
		if page >= resp.Meta.Pagination.TotalPages {
			return all
		}
	}
}

func readOrders(h *harness, query string) []order {
	h.t.Helper()
	var all []order
	for page := 1; ; page++ {
		var batch []order
		status := h.json("GET", fmt.Sprintf("v2/orders?%spage=%d&limit=250", query, page), nil, &batch)
		if status == 204 {
			return all
		}
		if status != 200 {
			h.t.Fatalf("orders page %d: %d", page, status)
		}
		all = append(all, batch...)
	}
}

// The generated store looks like a real one, with every case bcsync must handle.
func TestGeneratedStoreIsRealistic(t *testing.T) {
	h := start(t, Config{Seed: 3, Customers: 400, Subscribers: 500, Orders: 2000, Products: 120, Now: fixedNow})
	customers := readV3[customer](h, "v3/customers?include=addresses,attributes,formfields,storecredit")
	subscribers := readV3[subscriber](h, "v3/customers/subscribers")
	products := readV3[product](h, "v3/catalog/products?include=variants,images")
	orders := readOrders(h, "include=consignments.line_items&consignment_structure=object&")

	emails := map[string]int{}
	unicodeNames, sameSecond := 0, 0
	var last string
	for _, c := range customers {
		key := strings.ToLower(c.Email)
		if _, dup := emails[key]; dup {
			t.Fatalf("email %s used twice", c.Email)
		}
		emails[key] = c.ID
		if utf8.RuneCountInString(c.FirstName+c.LastName) != len(c.FirstName+c.LastName) {
			unicodeNames++
		}
		if c.DateModified == last {
			sameSecond++
		}
		last = c.DateModified
	}
	subEmails := map[string]bool{}
	shared, only := 0, 0
	for _, s := range subscribers {
		key := strings.ToLower(s.Email)
		if subEmails[key] {
			t.Fatalf("subscriber email %s used twice", s.Email)
		}
		subEmails[key] = true
		if _, ok := emails[key]; ok {
			shared++
		} else {
			only++
		}
	}
	guests, guestSubscribers, big := 0, 0, 0
	statuses := map[int]bool{}
	for _, o := range orders {
		statuses[o.StatusID] = true
		if o.CustomerID == 0 {
			guests++
			if subEmails[strings.ToLower(o.BillingAddress.Email)] {
				guestSubscribers++
			}
		}
		if c, ok := o.Consignments.(map[string]any); ok {
			for _, sh := range c["shipping"].([]any) {
				if _, warned := sh.(map[string]any)["__warning__"]; warned {
					big++
				}
			}
		}
	}
	hidden := 0
	for _, p := range products {
		if !p.IsVisible {
			hidden++
		}
	}
	for name, n := range map[string]int{
		"customers with non-ASCII names": unicodeNames, "customers sharing a second of date_modified": sameSecond,
		"subscribers who are customers": shared, "subscribers who are not": only, "guest orders": guests,
		"guest orders by subscribers": guestSubscribers, "guest orders by others": guests - guestSubscribers,
		"orders over 50 items": big, "hidden products": hidden,
	} {
		if n == 0 {
			t.Errorf("no %s", name)
		}
	}
	if len(statuses) != 15 {
		t.Errorf("statuses %v", statuses)
	}
	oldest, _ := time.Parse(time.RFC3339, customers[0].DateCreated)
	if age := fixedNow().Sub(oldest); age < 300*24*time.Hour || age > 2*366*24*time.Hour {
		t.Errorf("the oldest customer is %v old", age)
	}
}

// A million records cost the index, not a million structs.
func BenchmarkNew(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				s, err := New(Config{Customers: n, Subscribers: n, Orders: n, Products: n / 10})
				if err != nil {
					b.Fatal(err)
				}
				s.Close()
			}
		})
	}
}
