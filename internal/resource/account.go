package resource

import "github.com/bcsync/bcsync/internal/marketing"

// Account is what a connection's Dotdigital account offers its settings.
type Account struct {
	Lists      []Ref       `json:"lists"`
	Programs   []Program   `json:"programs"`
	DataFields []DataField `json:"data_fields"`
}

// Program is a Dotdigital programme; only Active ones enrol anyone.
type Program struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// DataField is a Dotdigital contact data field.
type DataField struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// NewAccount converts an account's offer.
func NewAccount(a *marketing.Account) Account {
	out := Account{Lists: []Ref{}, Programs: []Program{}, DataFields: []DataField{}}
	for _, l := range a.Lists {
		out.Lists = append(out.Lists, Ref{l.ID, l.Name})
	}
	for _, p := range a.Programs {
		out.Programs = append(out.Programs, Program{p.ID, p.Name, p.Status})
	}
	for _, f := range a.DataFields {
		out.DataFields = append(out.DataFields, DataField{f.Name, string(f.Type)})
	}
	return out
}
