package bigcommerce

import "net/http"

// getStore is GET /v2/store: the connection check.
func (s *Server) getStore(w http.ResponseWriter, r *http.Request) {
	type dateFormat struct {
		Display         string `json:"display"`
		Export          string `json:"export"`
		ExtendedDisplay string `json:"extended_display"`
	}
	type timezone struct {
		Name          string     `json:"name"`
		RawOffset     int        `json:"raw_offset"`
		DSTOffset     int        `json:"dst_offset"`
		DSTCorrection bool       `json:"dst_correction"`
		DateFormat    dateFormat `json:"date_format"`
	}
	host := s.cfg.StoreHash + ".example.com"
	writeJSON(w, http.StatusOK, map[string]any{
		"id":                        s.cfg.StoreHash,
		"domain":                    host,
		"secure_url":                "https://" + host,
		"control_panel_base_url":    "https://store-" + s.cfg.StoreHash + ".mybigcommerce.com",
		"status":                    "live",
		"name":                      "Müller & Søn Outfitters",
		"first_name":                "Ingrid",
		"last_name":                 "Müller",
		"address":                   "Hauptstraße 5, 10115 Berlin",
		"country":                   "Germany",
		"country_code":              "DE",
		"phone":                     "+49 30 1234567",
		"admin_email":               "owner@" + host,
		"order_email":               "orders@" + host,
		"timezone":                  timezone{"Europe/Berlin", 3600, 3600, true, dateFormat{"jS M Y", "M jS Y", "M jS Y @ g:i A"}},
		"language":                  "en",
		"currency":                  "USD",
		"currency_symbol":           "$",
		"decimal_separator":         ".",
		"thousands_separator":       ",",
		"decimal_places":            2,
		"currency_symbol_location":  "left",
		"weight_units":              "kg",
		"dimension_units":           "Centimeters",
		"plan_name":                 "Standard",
		"plan_level":                "Standard",
		"plan_is_trial":             false,
		"industry":                  "Apparel & Accessories",
		"is_price_entered_with_tax": false,
		"store_id":                  s.storeID,
		"default_channel_id":        1,
		"features":                  map[string]any{"stencil_enabled": true, "multi_storefront_enabled": false},
	})
}

func (s *Server) getTime(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]int64{"time": s.now()})
}
