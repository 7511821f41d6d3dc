package dotdigital

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// DataSizes says how much pre-existing data a new account holds. The zero value is an empty account
// (which still has Dotdigital's default data fields and the reserved "Test" address book).
type DataSizes struct {
	Lists        int // address books besides "Test"; the first are "Newsletter", "Customers" and "VIP customers"
	DataFields   int // data fields besides the defaults (FIRSTNAME, LASTNAME, FULLNAME, GENDER, POSTCODE)
	Contacts     int // contacts, each in one or two of the lists
	Unsubscribed int // how many of the contacts unsubscribed (in the last 30 days)
	Suppressed   int // how many are suppressed (Suppressed, HardBounced or IspComplained; last 30 days)
	Programs     int // programs: Active and Draft (and one Deactivated); see seedPrograms
}

// DefaultData is what `bcsync emulate dotdigital` starts with.
var DefaultData = DataSizes{Lists: 5, DataFields: 4, Contacts: 200, Unsubscribed: 20, Suppressed: 10, Programs: 5}

var defaultFields = []dataField{
	{Name: "FIRSTNAME", Type: "String", Visibility: "Private"},
	{Name: "LASTNAME", Type: "String", Visibility: "Private"},
	{Name: "FULLNAME", Type: "String", Visibility: "Private"},
	{Name: "GENDER", Type: "String", Visibility: "Private"},
	{Name: "POSTCODE", Type: "String", Visibility: "Private"},
}

var extraFields = []dataField{
	{Name: "BIRTHDAY", Type: "Date", Visibility: "Private"},
	{Name: "LOYALTY_POINTS", Type: "Numeric", Visibility: "Private", DefaultValue: 0.0},
	{Name: "VIP", Type: "Boolean", Visibility: "Private", DefaultValue: false},
	{Name: "CITY", Type: "String", Visibility: "Public"},
}

var namedLists = []string{"Newsletter", "Customers", "VIP customers"}

var seedPrograms = []struct{ name, status string }{
	{"Welcome new subscribers", "Active"},
	{"New customer welcome", "Active"},
	{"Abandoned cart", "Active"},
	{"Win-back", "Draft"},
	{"Birthday", "Deactivated"},
}

var (
	firstNames = []string{"Ann", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hugo", "Isla", "Jack", "Kai", "Lena", "Milo", "Nina", "Omar", "Priya"}
	lastNames  = []string{"Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Patel", "Khan", "Murphy", "Walsh", "Garcia", "Novak"}
)

// seed fills a new account. The same seed and sizes give the same account (dates are relative to now).
func seed(st *state, seedValue uint64, d DataSizes, now time.Time) {
	rng := rand.New(rand.NewPCG(seedValue, seedValue^0x5eed))
	for _, f := range defaultFields {
		st.addField(f)
	}
	st.addBook("Test", "Private", false)
	for i := range d.DataFields {
		f := dataField{Name: fmt.Sprintf("FIELD_%d", i+1), Type: "String", Visibility: "Private"}
		if i < len(extraFields) {
			f = extraFields[i]
		}
		st.addField(f)
	}
	var books []int32
	for i := range d.Lists {
		name := fmt.Sprintf("List %03d", i+1)
		if i < len(namedLists) {
			name = namedLists[i]
		}
		books = append(books, st.addBook(name, "Private", true).id)
	}
	for i := range d.Programs {
		name, status := fmt.Sprintf("Program %d", i+1), "Active"
		if i < len(seedPrograms) {
			name, status = seedPrograms[i].name, seedPrograms[i].status
		} else if i%2 == 1 {
			status = "Draft"
		}
		id := int32(1001 + i)
		st.programs[id] = &program{id: id, name: name, status: status, created: now.AddDate(0, -i-1, 0), enrolled: map[int32]time.Time{}}
		st.programOrder = append(st.programOrder, id)
	}
	order := rng.Perm(max(d.Contacts, 0))
	removedStatuses := []string{statusSuppressed, statusHardBounced, statusIspComplained}
	for i := range d.Contacts {
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		email := fmt.Sprintf("%s.%s.%d@example.com", strings.ToLower(first), strings.ToLower(last), i+1)
		created := now.Add(-time.Duration(30+rng.IntN(300)) * 24 * time.Hour)
		c := st.addContact(email, created)
		c.setField("FIRSTNAME", first)
		c.setField("LASTNAME", last)
		c.setField("FULLNAME", first+" "+last)
		if len(books) > 0 {
			st.join(c, books[rng.IntN(len(books))])
			if rng.IntN(3) == 0 {
				st.join(c, books[rng.IntN(len(books))])
			}
		}
		at := now.Add(-time.Duration(1+rng.IntN(30*24*60)) * time.Minute)
		switch k := order[i]; {
		case k < d.Unsubscribed:
			c.remove(statusUnsubscribed, at)
		case k < d.Unsubscribed+d.Suppressed:
			c.remove(removedStatuses[k%len(removedStatuses)], at)
		}
	}
}

func (st *state) addField(f dataField) *dataField {
	p := &f
	st.fields = append(st.fields, p)
	st.fieldByName[strings.ToUpper(f.Name)] = p
	return p
}

func (st *state) addBook(name, visibility string, writable bool) *book {
	b := &book{id: st.nextBookID, name: name, visibility: visibility, writable: writable}
	if name == "Test" && !writable {
		b.id = 1 // Dotdigital's own "Test" book predates the account's lists
	} else {
		st.nextBookID++
	}
	st.books[b.id] = b
	st.bookOrder = append(st.bookOrder, b.id)
	return b
}

// join puts a contact in a list (again subscribed to it, unless it unsubscribed from that list).
func (st *state) join(c *contact, bookID int32) {
	if c.member(bookID) != nil {
		return
	}
	c.lists = append(c.lists, membership{book: bookID})
	if b := st.books[bookID]; b != nil {
		b.members++
	}
}

// leave takes a contact out of a list. It is not an unsubscribe.
func (st *state) leave(c *contact, bookID int32) bool {
	for i := range c.lists {
		if c.lists[i].book == bookID {
			c.lists = append(c.lists[:i], c.lists[i+1:]...)
			if b := st.books[bookID]; b != nil {
				b.members--
			}
			return true
		}
	}
	return false
}
