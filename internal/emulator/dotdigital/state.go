package dotdigital

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// state is the whole emulated account, guarded by one mutex. It is kept compact because benchmarks put
// hundreds of thousands of contacts and Insight records into it: contacts are small structs, and Insight
// records keep their JSON as raw bytes.
type state struct {
	mu sync.Mutex

	accountID int // see accountID

	contacts      map[int32]*contact
	byEmail       map[string]*contact // lower-cased email
	contactOrder  []int32             // ids in creation (= ascending) order, for v3 paging
	nextContactID int32

	books      map[int32]*book
	bookOrder  []int32
	nextBookID int32

	fields      []*dataField
	fieldByName map[string]*dataField // upper-cased name

	programs     map[int32]*program
	programOrder []int32
	enrolments   map[string]*enrolment
	enrolCalls   []time.Time // enrolment calls in the last hour, for the allowance

	collections map[string]*collection // lower-cased name
	collOrder   []string

	imports       map[string]*importJob
	activeImports [2]int // by importKind

	rng     *rand.Rand // ids
	failRng *rand.Rand // which imports fail (Config.ImportFailures)
}

func newState() *state {
	return &state{
		contacts:      map[int32]*contact{},
		byEmail:       map[string]*contact{},
		nextContactID: 1000001,
		books:         map[int32]*book{},
		nextBookID:    101,
		fieldByName:   map[string]*dataField{},
		programs:      map[int32]*program{},
		enrolments:    map[string]*enrolment{},
		collections:   map[string]*collection{},
		imports:       map[string]*importJob{},
		rng:           rand.New(rand.NewPCG(7, 11)),
	}
}

// newID returns a version-4 GUID, as Dotdigital uses for imports and enrolments.
func (st *state) newID() string {
	a, b := st.rng.Uint64(), st.rng.Uint64()
	a = a&^(0xf<<12) | 0x4<<12 // version 4
	b = b&^(0x3<<62) | 0x2<<62 // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

// Contact email statuses, as the v2 API names them (ApiContactStatuses).
const (
	statusSubscribed        = "Subscribed"
	statusUnsubscribed      = "Unsubscribed"
	statusSuppressed        = "Suppressed"
	statusHardBounced       = "HardBounced"
	statusIspComplained     = "IspComplained"
	statusPendingOptIn      = "PendingOptIn"
	statusDomainSuppression = "DomainSuppression"
)

// removable reports whether a status takes the contact off the mailing lists (unsubscribed or suppressed).
func removable(status string) bool { return status != statusSubscribed && status != statusPendingOptIn }

// resubscribable reports whether a resubscribe call can bring a contact with this status back.
func resubscribable(status string) bool {
	return status == statusUnsubscribed || status == statusSuppressed
}

type contact struct {
	id        int32
	email     string
	status    string // v2 ApiContactStatuses
	optInType string // Unknown, Single, Double, VerifiedDouble
	emailType string // PlainText, Html
	created   int64  // unix nanoseconds
	updated   int64
	removedAt int64 // when it became unsubscribed or suppressed
	lists     []membership
	fields    []fieldValue
	consent   []consentRecord // the latest five, as ConsentInsight shows
}

type membership struct {
	book         int32
	unsubscribed int64 // unix nanoseconds of a list-level unsubscribe, 0 when subscribed to the list
}

type fieldValue struct {
	name  string // the data field's canonical (upper-case) name
	value any    // string, float64, bool or nil
}

type consentRecord struct {
	Text              string `json:"text"`
	DateTimeConsented string `json:"dateTimeConsented"`
	URL               string `json:"url,omitempty"`
	IPAddress         string `json:"ipAddress,omitempty"`
	UserAgent         string `json:"userAgent,omitempty"`
	DateTimeCreated   string `json:"dateTimeCreated"`
}

func (c *contact) member(book int32) *membership {
	for i := range c.lists {
		if c.lists[i].book == book {
			return &c.lists[i]
		}
	}
	return nil
}

func (c *contact) field(name string) (any, bool) {
	for _, f := range c.fields {
		if f.name == name {
			return f.value, true
		}
	}
	return nil, false
}

func (c *contact) setField(name string, v any) {
	for i := range c.fields {
		if c.fields[i].name == name {
			c.fields[i].value = v
			return
		}
	}
	c.fields = append(c.fields, fieldValue{name, v})
}

// remove takes the contact off mailing (unsubscribed or suppressed), with the date and reason the
// suppression calls report. A contact already removed keeps its first status and date.
func (c *contact) remove(status string, at time.Time) {
	if removable(c.status) {
		return
	}
	c.status = status
	c.removedAt = at.UnixNano()
	c.updated = at.UnixNano()
}

func (st *state) contactByEmail(email string) *contact {
	return st.byEmail[strings.ToLower(strings.TrimSpace(email))]
}

func (st *state) addContact(email string, now time.Time) *contact {
	c := &contact{
		id: st.nextContactID, email: strings.TrimSpace(email), status: statusSubscribed,
		optInType: "Unknown", emailType: "Html", created: now.UnixNano(), updated: now.UnixNano(),
	}
	st.nextContactID++
	st.contacts[c.id] = c
	st.contactOrder = append(st.contactOrder, c.id)
	st.byEmail[strings.ToLower(c.email)] = c
	return c
}

type book struct {
	id         int32
	name       string
	visibility string
	writable   bool // the reserved "Test" book is not
	members    int  // kept in step with contact memberships
}

type dataField struct {
	Name         string `json:"name"`
	Type         string `json:"type"`
	Visibility   string `json:"visibility"`
	DefaultValue any    `json:"defaultValue"`
}

type program struct {
	id      int32
	name    string
	status  string // Draft, Active, Deactivated, ReadOnly
	created time.Time
	// enrolled holds every contact ever enrolled, for the inspection endpoint and AlreadyInProgram.
	enrolled map[int32]time.Time
}

type enrolment struct {
	id        string
	programID int32
	contacts  []int32
	books     []int32
	created   time.Time
	readyAt   time.Time
	finished  bool
	faults    []enrolmentFault
}

type enrolmentFault struct {
	contactID int32
	email     string
	reason    string
}

// Insight collection scopes.
const (
	scopeAccount = "account"
	scopeContact = "contact"
)

type collection struct {
	name    string
	scope   string
	typ     string
	created time.Time
	records map[string]*insightRecord
	// schema holds the JSON type of every field path seen so far ("products[].price" → 'n'): Insight
	// infers a collection's schema from its data, so a field's type must stay the same.
	schema map[string]byte
}

type insightRecord struct {
	json    []byte
	owner   int32 // contact id, for contact scope
	created int64
	updated int64
}

// importKind tells contact imports from Insight imports: each has its own active-import limit.
type importKind int

const (
	kindContacts importKind = iota
	kindInsight
)

func (k importKind) String() string {
	if k == kindInsight {
		return "insight"
	}
	return "contacts"
}

type importJob struct {
	id       string
	kind     importKind
	accepted time.Time
	readyAt  time.Time
	// status is the status the poll answers. result is the final status body, marshalled once.
	status string
	result []byte
	done   bool
	fail   bool // ends failed (Config.ImportFailures)
	// bytes, records and collection describe the import's body, for inspection.
	bytes      int64
	records    int
	collection string
}
