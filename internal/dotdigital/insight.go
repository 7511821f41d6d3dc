package dotdigital

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Scope is an Insight collection's scope.
type Scope string

const (
	ScopeAccount Scope = "account" // account-wide data, e.g. the product catalog
	ScopeContact Scope = "contact" // data owned by contacts, e.g. orders
)

// Collection names an Insight collection: its name, scope and type (orders, catalog, cartInsight,
// consentInsight, custom, …). Scope and type matter when the collection has to be created.
type Collection struct {
	Name  string
	Scope Scope
	Type  string
}

// MaxDeleteKeys is the most keys one delete call takes; DeleteInsightRecords splits larger sets.
const MaxDeleteKeys = 5000

var collectionNamePattern = regexp.MustCompile(`^[-A-Za-z_][-A-Za-z0-9_]{1,255}$`)

func (coll Collection) validate() error {
	if len(coll.Name) > 255 || !collectionNamePattern.MatchString(coll.Name) {
		return fmt.Errorf("%w: Insight collection name %q: letters, digits, '_' and '-', 2 to 255 characters, not starting with a digit", ErrInvalid, coll.Name)
	}
	if coll.Scope != ScopeAccount && coll.Scope != ScopeContact {
		return fmt.Errorf("%w: Insight collection scope %q: account or contact", ErrInvalid, coll.Scope)
	}
	if coll.Type == "" {
		return fmt.Errorf("%w: Insight collection %q needs a type", ErrInvalid, coll.Name)
	}
	return nil
}

// InsightRecord is one Insight record: a key unique in its collection, the owning contact's email for a
// contact-scoped collection, and the record's data as a JSON object.
type InsightRecord struct {
	Key          string
	ContactEmail string
	JSON         json.RawMessage
}

func (r *InsightRecord) validate(scope Scope) error {
	if strings.TrimSpace(r.Key) == "" {
		return &RecordError{Key: r.Key, Reason: "an Insight record needs a key"}
	}
	if t := bytes.TrimSpace(r.JSON); len(t) == 0 || t[0] != '{' {
		return &RecordError{Key: r.Key, Reason: "an Insight record's json must be a JSON object"}
	}
	if scope == ScopeContact && strings.TrimSpace(r.ContactEmail) == "" {
		return &RecordError{Key: r.Key, Reason: "a contact-scoped Insight record needs its contact's email"}
	}
	return nil
}

// UpsertInsightRecord creates or replaces one record (PUT /insightData/v3/account/{collection}/{key} or
// …/contacts/email/{email}/{collection}/{key}), creating the collection first if Dotdigital says it does
// not exist. It reports whether the record was created. A contact Dotdigital does not have is ErrNotFound.
func (c *Client) UpsertInsightRecord(ctx context.Context, coll Collection, rec InsightRecord) (bool, error) {
	if err := coll.validate(); err != nil {
		return false, err
	}
	if err := rec.validate(coll.Scope); err != nil {
		return false, err
	}
	path := pathf("/insightData/v3/account/%s/%s", coll.Name, rec.Key)
	if coll.Scope == ScopeContact {
		path = pathf("/insightData/v3/contacts/email/%s/%s/%s", strings.TrimSpace(rec.ContactEmail), coll.Name, rec.Key)
	}
	status, err := c.do(ctx, call{method: "PUT", path: path, body: rec.JSON})
	var apiErr *APIError
	if errors.As(err, &apiErr) && strings.EqualFold(apiErr.Code, "insightData:collectionNotFound") {
		if _, err := c.CreateInsightCollection(ctx, coll); err != nil {
			return false, err
		}
		status, err = c.do(ctx, call{method: "PUT", path: path, body: rec.JSON})
	}
	if err != nil {
		return false, err
	}
	return status == 201, nil
}

// DeleteInsightRecord deletes one record. A record that does not exist is not an error.
func (c *Client) DeleteInsightRecord(ctx context.Context, coll Collection, contactEmail, key string) error {
	path := pathf("/insightData/v3/account/%s/%s", coll.Name, key)
	if coll.Scope == ScopeContact {
		path = pathf("/insightData/v3/contacts/email/%s/%s/%s", contactEmail, coll.Name, key)
	}
	_, err := c.do(ctx, call{method: "DELETE", path: path})
	var apiErr *APIError
	if errors.As(err, &apiErr) && strings.EqualFold(apiErr.Code, "insightData:recordNotFound") {
		return nil
	}
	return err
}

// DeleteResult counts what DeleteInsightRecords did.
type DeleteResult struct {
	Deleted  int
	NotFound []string // keys the collection did not hold
}

// DeleteInsightRecords deletes records of an account-scoped collection by key, in calls of at most
// MaxDeleteKeys keys. Keys the collection does not hold, or a collection that does not exist, are
// reported in NotFound: either way the records are gone.
func (c *Client) DeleteInsightRecords(ctx context.Context, collection string, keys []string) (DeleteResult, error) {
	var res DeleteResult
	for start := 0; start < len(keys); start += MaxDeleteKeys {
		chunk := keys[start:min(len(keys), start+MaxDeleteKeys)]
		var out struct {
			Summary struct {
				TotalDeleted int `json:"totalDeleted"`
			} `json:"summary"`
			NotFound []string `json:"notFound"`
		}
		_, err := c.do(ctx, call{method: "DELETE", path: pathf("/insightData/v3/accounts/%s/deleteRecords", collection),
			body: map[string][]string{"keys": chunk}, out: &out})
		var apiErr *APIError
		if errors.As(err, &apiErr) && strings.EqualFold(apiErr.Code, "insightData:collectionNotFound") {
			res.NotFound = append(res.NotFound, chunk...)
			continue
		}
		if err != nil {
			return res, err
		}
		res.Deleted += out.Summary.TotalDeleted
		res.NotFound = append(res.NotFound, out.NotFound...)
	}
	return res, nil
}

// CollectionSummary describes an Insight collection.
type CollectionSummary struct {
	Name        string `json:"collectionName"`
	Type        string `json:"collectionType"`
	Scope       Scope  `json:"collectionScope"`
	RecordCount int64  `json:"recordCount"`
}

// InsightCollections lists the account's Insight collections.
func (c *Client) InsightCollections(ctx context.Context) ([]CollectionSummary, error) {
	var out []CollectionSummary
	_, err := c.do(ctx, call{method: "GET", path: "/insightData/v3/collections", out: &out})
	return out, err
}

// CreateInsightCollection creates a collection; it reports false when it existed already. An account
// holds at most 1000 collections (ErrCollectionLimit).
func (c *Client) CreateInsightCollection(ctx context.Context, coll Collection) (bool, error) {
	if err := coll.validate(); err != nil {
		return false, err
	}
	q := url.Values{"collectionScope": {string(coll.Scope)}, "collectionType": {coll.Type}}
	status, err := c.do(ctx, call{method: "POST", path: pathf("/insightData/v3/collections/%s", coll.Name), query: q})
	return status == 201, err
}
