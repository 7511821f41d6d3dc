package bigcommerce

// Inventory counts what the store lists, for benchmarks that compare the calls a sync made with the
// fewest the data needs.
type Inventory struct {
	Customers, Subscribers, Orders, Products int
	VisibleProducts                          int
	// LongOrders have more line items than a consignment inlines: reading them costs their /products.
	LongOrders int
}

// Inventory counts the listed records.
func (s *Server) Inventory() Inventory {
	s.mu.RLock()
	defer s.mu.RUnlock()
	inv := Inventory{Customers: s.customers.listed, Subscribers: s.subscribers.listed, Orders: s.orders.listed, Products: s.products.listed}
	for id := 1; id <= len(s.products.state); id++ {
		if s.products.isListed(id) && s.productVisible(id) {
			inv.VisibleProducts++
		}
	}
	for id := 1; id <= len(s.orders.state); id++ {
		if s.orders.isListed(id) && s.longOrder(id) {
			inv.LongOrders++
		}
	}
	return inv
}

// LongOrder says whether an order has more line items than a consignment inlines.
func (s *Server) LongOrder(id int) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.longOrder(id)
}

func (s *Server) longOrder(id int) bool {
	if o, ok := s.orderOver[id]; ok {
		return len(o.items) > consignmentLineItems
	}
	return bigOrder(id)
}
