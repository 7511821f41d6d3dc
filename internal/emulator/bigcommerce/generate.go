package bigcommerce

import (
	"strconv"

	"github.com/bcsync/bcsync/internal/money"
)

// Generated records are never stored: each is rebuilt from (seed, kind, id) whenever it is served, so a
// store of a million customers costs a few bytes per record (see table) and starts in a blink.

// stream names an independent random stream, so that a cheap attribute (a customer's name, and so its
// email) can be derived without generating the rest of the record.
type stream uint64

const (
	streamCustomerName stream = iota + 1
	streamCustomer
	streamCustomerDates
	streamSubscriber
	streamSubscriberDetail
	streamSubscriberDates
	streamOrder
	streamOrderItems
	streamOrderDates
	streamProduct
	streamProductDetail
	streamProductDates
	streamCart
)

// rng is SplitMix64: tiny, fast and good enough for test data.
type rng struct{ s uint64 }

func newRNG(seed uint64, s stream, id int) rng {
	r := rng{seed ^ uint64(s)*0x9e3779b97f4a7c15 ^ uint64(id)*0xc2b2ae3d27d4eb4f}
	r.next()
	return r
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n); n <= 0 gives 0.
func (r *rng) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.next() % uint64(n))
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// chance is true with probability percent/100.
func (r *rng) chance(percent int) bool { return r.intn(100) < percent }

func pick[T any](r *rng, xs []T) T { return xs[r.intn(len(xs))] }

// cents returns an exact amount between lo and hi whole units, with cents.
func (r *rng) cents(lo, hi int) money.Amount {
	return money.FromMinor(int64(r.between(lo*100, hi*100)), 2)
}

// name is a person's name as written and as it may appear in an email address.
type name struct{ text, ascii string }

var firstNames = []name{
	{"Zoë", "zoe"}, {"José", "jose"}, {"Łukasz", "lukasz"}, {"Søren", "soren"}, {"Çağla", "cagla"},
	{"Ngozi", "ngozi"}, {"Anna", "anna"}, {"Mária", "maria"}, {"Ольга", "olga"}, {"Björn", "bjorn"},
	{"Aoife", "aoife"}, {"François", "francois"}, {"Siobhán", "siobhan"}, {"Jürgen", "jurgen"}, {"Chloé", "chloe"},
	{"Mateo", "mateo"}, {"Yuki", "yuki"}, {"Priya", "priya"}, {"Олександр", "oleksandr"}, {"Αλέξανδρος", "alexandros"},
	{"Noah", "noah"}, {"Emma", "emma"}, {"Liam", "liam"}, {"Olivia", "olivia"}, {"Ava", "ava"},
	{"Mohammed", "mohammed"}, {"Fatima", "fatima"}, {"Wei", "wei"}, {"Hana", "hana"}, {"Ines", "ines"},
	{"Kwame", "kwame"}, {"Lea", "lea"}, {"Sven", "sven"}, {"Maja", "maja"}, {"Tomás", "tomas"},
	{"Ana", "ana"}, {"Dário", "dario"}, {"Elif", "elif"}, {"Saoirse", "saoirse"}, {"Ren", "ren"},
}

var lastNames = []name{
	{"Müller", "mueller"}, {"García", "garcia"}, {"Kowalski", "kowalski"}, {"Øberg", "oberg"}, {"Yılmaz", "yilmaz"},
	{"Okafor", "okafor"}, {"Schmidt", "schmidt"}, {"Nagy", "nagy"}, {"Иванова", "ivanova"}, {"Åström", "astrom"},
	{"O'Brien", "obrien"}, {"Lefèvre", "lefevre"}, {"Ní Bhriain", "nibhriain"}, {"Groß", "gross"}, {"Dubois", "dubois"},
	{"Fernández", "fernandez"}, {"Tanaka", "tanaka"}, {"Patel", "patel"}, {"Шевченко", "shevchenko"}, {"Παπαδόπουλος", "papadopoulos"},
	{"Smith", "smith"}, {"Johnson", "johnson"}, {"Williams", "williams"}, {"Brown", "brown"}, {"Jones", "jones"},
	{"Al-Sayed", "alsayed"}, {"Haddad", "haddad"}, {"Wang", "wang"}, {"Kim", "kim"}, {"Martins", "martins"},
	{"Mensah", "mensah"}, {"Fischer", "fischer"}, {"Lindqvist", "lindqvist"}, {"Nowak", "nowak"}, {"Costa", "costa"},
	{"Silva", "silva"}, {"Conceição", "conceicao"}, {"Demir", "demir"}, {"Murphy", "murphy"}, {"Sato", "sato"},
}

var emailDomains = []string{"example.com", "example.org", "example.net", "mail.example", "post.example"}

type place struct {
	city, state, stateCode, country, iso2, postal string
}

var places = []place{
	{"Berlin", "Berlin", "BE", "Germany", "DE", "10115"},
	{"München", "Bayern", "BY", "Germany", "DE", "80331"},
	{"Kraków", "Małopolskie", "MA", "Poland", "PL", "30-001"},
	{"São Paulo", "São Paulo", "SP", "Brazil", "BR", "01001-000"},
	{"Montréal", "Québec", "QC", "Canada", "CA", "H2Y 1C6"},
	{"Zürich", "Zürich", "ZH", "Switzerland", "CH", "8001"},
	{"London", "Greater London", "LND", "United Kingdom", "GB", "EC1A 1BB"},
	{"Austin", "Texas", "TX", "United States", "US", "78701"},
	{"Brooklyn", "New York", "NY", "United States", "US", "11201"},
	{"Tōkyō", "Tokyo", "13", "Japan", "JP", "100-0001"},
	{"Sydney", "New South Wales", "NSW", "Australia", "AU", "2000"},
	{"Dublin", "Dublin", "D", "Ireland", "IE", "D02 X285"},
	{"İstanbul", "İstanbul", "34", "Turkey", "TR", "34110"},
	{"Lagos", "Lagos", "LA", "Nigeria", "NG", "100001"},
	{"Malmö", "Skåne", "M", "Sweden", "SE", "211 20"},
}

var streets = []string{
	"Hauptstraße", "Rue de l'Église", "Calle Mayor", "ul. Długa", "Main Street", "Øster Allé",
	"Rua Augusta", "Bahnhofstrasse", "High Street", "Şakayık Sokak", "Queen's Road", "Avenida Paulista",
}

var companies = []string{
	"Müller & Söhne GmbH", "Ça Va Café", "Nordlys AS", "Acme Widgets Ltd", "Zaffre Studio", "Kōbō Works",
	"Blue Fern Co.", "Øresund Logistics", "Café Crème SARL", "Smith & Daughters",
}

var productAdjectives = []string{
	"Organic", "Hand-thrown", "Recycled", "Classic", "Limited Edition", "Artisan", "Merino", "Bamboo",
	"Crème", "Nordic", "Vintage", "Fairtrade",
}

var productNouns = []string{
	"Cotton T-Shirt", "Coffee Mug", "Tote Bag", "Wool Beanie", "Notebook", "Water Bottle", "Linen Apron",
	"Espresso Beans 1kg", "Scented Candle", "Ceramic Bowl", "Leather Wallet", "Yoga Mat", "Gift Card",
}

var (
	shippingMethods = []string{"Free Shipping", "Flat Rate", "UPS® Ground", "Royal Mail 1st Class", "DHL Express"}
	paymentMethods  = []string{"Credit Card", "PayPal", "Cash on Delivery", "Manual", "Bank Deposit", "Apple Pay"}
	noteTexts       = []string{"Prefers email contact.", "VIP — handle with care ♥", "Wholesale enquiry 2024", "Ruft gerne zurück."}
)

// emailFor joins the parts of a generated address. The id keeps generated addresses unique; the
// occasional capital letters check that bcsync compares emails without regard to case.
func emailFor(r *rng, local string, id int, tag string) string {
	domain := pick(r, emailDomains)
	b := make([]byte, 0, len(local)+len(tag)+8+len(domain))
	b = append(b, local...)
	if r.chance(10) {
		b[0] -= 'a' - 'A'
	}
	b = append(b, tag...)
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, '@')
	b = append(b, domain...)
	return string(b)
}
