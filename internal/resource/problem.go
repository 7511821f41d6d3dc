package resource

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bcsync/bcsync/internal/alert"
	"github.com/bcsync/bcsync/internal/auth"
	"github.com/bcsync/bcsync/internal/bigcommerce"
	"github.com/bcsync/bcsync/internal/dotdigital"
	"github.com/bcsync/bcsync/internal/endpoint"
	"github.com/bcsync/bcsync/internal/jobs"
	"github.com/bcsync/bcsync/internal/marketing"
	"github.com/bcsync/bcsync/internal/shop"
	"github.com/bcsync/bcsync/internal/store"
	"github.com/bcsync/bcsync/internal/warehouse"
	"github.com/bcsync/bcsync/internal/warehouse/mapping"
	"github.com/bcsync/bcsync/internal/warehouse/source"
)

// Problem is an error as a user sees it: the API answers it as JSON, the UI shows Message beside
// Field.
type Problem struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"error"`
	// Field names the input at fault, as the API's JSON and the UI's form name it.
	Field string `json:"field,omitempty"`
	// Problems lists each thing wrong with a warehouse sync's mapping, by mapping (index), when the
	// mapping was refused.
	Problems []mapping.Problem `json:"problems,omitempty"`
}

// Withheld says whether the problem of err leaves out details the operator needs (what an endpoint
// that is neither official nor on this machine answered): err is to be logged, as internal errors are.
func Withheld(err error) bool {
	var opaque *endpoint.OpaqueError
	return errors.As(err, &opaque)
}

func (p *Problem) Error() string { return p.Message }

// Fields of the connect form and API body.
const (
	FieldBigCommerceAPIPath     = "bigcommerce_api_path"
	FieldBigCommerceAccessToken = "bigcommerce_access_token"
	FieldDotdigitalUsername     = "dotdigital_username"
	FieldDotdigitalPassword     = "dotdigital_password"
)

// ProblemOf turns an error into what to tell the user. Errors it does not know are internal: their
// text is not shown (it is logged by the caller).
func ProblemOf(err error) *Problem {
	var p *Problem
	var storeCred *shop.CredentialError
	var cred *marketing.CredentialError
	var linked *marketing.LinkedError
	var accountLinked *marketing.AccountLinkedError
	var input *warehouse.InputError
	var inUse *store.InUseError
	var check *mapping.CheckError
	var src *source.Error
	var settings *marketing.SettingsError
	var mapping *marketing.MappingError
	var alertInput *alert.InputError
	var alertTest *alert.TestError
	var password *auth.PasswordError
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &storeCred):
		return credentialProblem(&marketing.CredentialError{API: "BigCommerce", Err: storeCred.Err})
	case errors.As(err, &cred):
		return credentialProblem(cred)
	case errors.As(err, &linked):
		return &Problem{http.StatusConflict, "store_connected", fmt.Sprintf("This store is connected to Dotdigital already (connection %d): a store syncs with one Dotdigital account. Remove that connection first to connect it to another account.", linked.ConnectionID), FieldBigCommerceAPIPath, nil}
	case errors.As(err, &accountLinked):
		return &Problem{http.StatusConflict, "account_syncs_another_store", capitalize(accountLinked.Error()) + ".", FieldDotdigitalUsername, nil}
	case errors.Is(err, marketing.ErrNoCredentials):
		return &Problem{http.StatusUnprocessableEntity, "no_credentials", "Give a new BigCommerce access token, a new Dotdigital password, or both.", FieldBigCommerceAccessToken, nil}
	case errors.Is(err, marketing.ErrSameList):
		return &Problem{http.StatusUnprocessableEntity, "same_list", "Subscribers and customers cannot sync to the same list: customers include people who did not opt in to marketing.", "customer_list", nil}
	case errors.As(err, &settings):
		return &Problem{http.StatusUnprocessableEntity, "invalid_setting", capitalize(settings.Reason) + ".", "", nil}
	case errors.As(err, &mapping):
		label := mapping.Source
		if f, ok := marketing.LookupSource(mapping.Source); ok {
			label = f.Label
		}
		return &Problem{http.StatusUnprocessableEntity, "invalid_mapping", fmt.Sprintf("%s cannot be mapped to %s: %s.", label, mapping.DataField, mapping.Reason), mapping.Source, nil}
	case errors.As(err, &input):
		return &Problem{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: capitalize(input.Reason) + ".", Field: input.Field}
	case errors.As(err, &check):
		return &Problem{Status: http.StatusUnprocessableEntity, Code: "invalid_mapping", Message: capitalize(check.Error()) + ".", Field: "mappings",
			Problems: check.Problems}
	case errors.As(err, &inUse):
		return &Problem{Status: http.StatusConflict, Code: "in_use", Message: capitalize(inUse.Error()) + "."}
	case errors.As(err, &src):
		return &Problem{Status: http.StatusBadGateway, Code: "source_" + strings.ReplaceAll(string(src.Part), "-", "_"), Message: capitalize(src.Msg) + "."}
	case errors.Is(err, warehouse.ErrNothingToApprove):
		return &Problem{http.StatusConflict, "nothing_to_approve", "No plan of this sync waits for approval.", "", nil}
	case errors.Is(err, warehouse.ErrRunGoingOn):
		return &Problem{http.StatusConflict, "run_going_on", "A run of this sync is going on: test a row when it ends.", "", nil}
	case errors.As(err, &alertInput):
		return &Problem{http.StatusUnprocessableEntity, "invalid_alert", capitalize(alertInput.Reason) + ".", alertInput.Field, nil}
	case errors.As(err, &alertTest):
		return &Problem{http.StatusBadGateway, "channel_test_failed", capitalize(alertTest.Error()), "", nil}
	case errors.Is(err, jobs.ErrAlreadyQueued):
		return &Problem{http.StatusConflict, "already_queued", "A run of this sync is already queued or running; no second one was queued.", "", nil}
	case errors.Is(err, marketing.ErrDataSyncOff):
		return &Problem{http.StatusConflict, "data_sync_off", "Data sync is off for this connection: turn it on to sync.", "data_sync", nil}
	case errors.Is(err, store.ErrNotFound):
		return &Problem{http.StatusNotFound, "not_found", "Not found.", "", nil}
	case errors.Is(err, store.ErrExists):
		return &Problem{http.StatusConflict, "exists", "It exists already.", "", nil}
	case errors.Is(err, auth.ErrBadCredentials):
		return &Problem{http.StatusUnauthorized, "bad_credentials", "The username or password is not right.", "password", nil}
	case errors.Is(err, auth.ErrThrottled):
		return &Problem{http.StatusTooManyRequests, "throttled", "Too many failed sign-ins from this address: wait a minute and try again.", "", nil}
	case errors.As(err, &password):
		return &Problem{http.StatusUnprocessableEntity, "invalid_password", capitalize(password.Reason) + ".", "new_password", nil}
	case errors.Is(err, auth.ErrTokenName):
		return &Problem{http.StatusUnprocessableEntity, "invalid", "Give the token a name, to tell it from others when you revoke one.", "name", nil}
	case errors.Is(err, auth.ErrNotSignedIn):
		return &Problem{http.StatusUnauthorized, "unauthorized", "Sign in, or send an API token as Authorization: Bearer <token>.", "", nil}
	case errors.Is(err, dotdigital.ErrUnauthorized), errors.Is(err, dotdigital.ErrWrongRegion):
		return &Problem{http.StatusBadGateway, "dotdigital_refused", "Dotdigital refused this connection's API user; check its credentials.", "", nil}
	case errors.Is(err, context.DeadlineExceeded):
		return &Problem{http.StatusGatewayTimeout, "timeout", "An API took too long to answer; try again.", "", nil}
	}
	return &Problem{http.StatusInternalServerError, "internal", "Something went wrong on our side; the log has the details.", "", nil}
}

func credentialProblem(e *marketing.CredentialError) *Problem {
	bad := func(code, field, msg string) *Problem {
		return &Problem{http.StatusUnprocessableEntity, code, msg, field, nil}
	}
	var opaque *endpoint.OpaqueError
	if errors.Is(e.Err, endpoint.ErrInsecure) {
		field := "dotdigital_endpoint"
		if e.API == "BigCommerce" {
			field = FieldBigCommerceAPIPath
		}
		return bad("insecure_endpoint", field, e.API+"'s endpoint must be https:// (plain http only on this machine, for emulators): credentials would cross the network in the clear. An operator can allow it with --allow-insecure-endpoints.")
	}
	if errors.As(e.Err, &opaque) {
		// Whatever went wrong at a host that is neither the API's own nor this machine, the answer is the
		// same: connecting must not tell a closed port from an open one (the log has the details).
		p := bad("dotdigital_unreachable", "dotdigital_endpoint", "No Dotdigital API answered at this endpoint as it should (the server's log says more). Endpoints other than Dotdigital's own are for emulators.")
		if e.API == "BigCommerce" {
			p = bad("bigcommerce_unreachable", FieldBigCommerceAPIPath, "No BigCommerce API answered at this address as it should (the server's log says more). Addresses other than api.bigcommerce.com are for emulators.")
		}
		return p
	}
	if e.API == "BigCommerce" {
		switch {
		case errors.Is(e.Err, bigcommerce.ErrUnauthorized):
			return bad("bigcommerce_token_refused", FieldBigCommerceAccessToken, "BigCommerce refused the access token. Check it, or create a new store-level API account.")
		case errors.Is(e.Err, bigcommerce.ErrStoreNotFound):
			return bad("bigcommerce_store_not_found", FieldBigCommerceAPIPath, "No BigCommerce store has this API path. Check the store hash at its end.")
		case errors.Is(e.Err, bigcommerce.ErrForbidden):
			return bad("bigcommerce_scope_missing", FieldBigCommerceAccessToken, "The BigCommerce API account lacks a scope bcsync needs: give it Information, Customers, Orders, Products, Carts and Marketing (read), and Customers (modify) to write unsubscribes back.")
		case strings.Contains(e.Err.Error(), "API path"):
			return bad("bigcommerce_api_path", FieldBigCommerceAPIPath, "The API path should look like https://api.bigcommerce.com/stores/abc123/ (copy it from the store's API account).")
		case strings.Contains(e.Err.Error(), "required"):
			return bad("bigcommerce_required", FieldBigCommerceAccessToken, "The BigCommerce API path and access token are required.")
		}
		return bad("bigcommerce_unreachable", FieldBigCommerceAPIPath, "Could not reach the BigCommerce store: "+e.Err.Error())
	}
	switch {
	case errors.Is(e.Err, dotdigital.ErrUnauthorized):
		return bad("dotdigital_login_refused", FieldDotdigitalPassword, "Dotdigital refused the API user or its password. Check both (the user looks like apiuser-…@apiconnector.com).")
	case errors.Is(e.Err, dotdigital.ErrWrongRegion):
		return bad("dotdigital_access_denied", FieldDotdigitalUsername, "Dotdigital denied access: this API user lacks the permission, or the account is in another region.")
	case strings.Contains(e.Err.Error(), "required"):
		return bad("dotdigital_required", FieldDotdigitalUsername, "The Dotdigital API user and its password are required.")
	}
	return bad("dotdigital_unreachable", FieldDotdigitalUsername, "Could not reach Dotdigital: "+e.Err.Error())
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
