// Package mapping says what a warehouse sync writes into a BigCommerce store, and turns a model's rows
// into the client's inputs. It does no I/O: the engine gives it the model's columns, the store's own
// fields and each row's values.
//
//   - Objects and modes: customers are written in insert, update or upsert mode and matched on their id
//     or email; orders in insert or update mode, matched on their id (Object, Mode, Match).
//   - The catalogue (Catalogue, Lookup): every BigCommerce field bcsync writes, with its type, whether a
//     record needs it to be created, whether it can be cleared, its length limits; and the store's own
//     fields: customer attributes (attribute:<name>, typed by the attribute), signup form fields
//     (form_field:<name>, text) and metafields (metafield:<namespace>.<key>, text).
//   - Mappings: a field's value comes from a model column, a constant or a template (Mapping). Check
//     refuses a configuration with any problem, listing them all (*CheckError); Compile binds it to the
//     model's columns; Compiled.Apply maps a row to Values or says why it cannot be written (*RowError).
//   - Values build the client's inputs (CustomerCreate, CustomerUpdate, AttributeValues,
//     AttributeValueDeletes, Metafields, OrderCreate, OrderUpdate) and render for plans (Display,
//     Fingerprint). Compiled.ClearCustomer and ClearOrder are what the "clear" delete behaviour sends.
//
// # Types
//
// A column may be written to a field when its kind is one the field's type takes. The rule is strict
// where a value could silently change (a decimal into an integer field would be rounded, text into a
// number parsed by guess): the fix is a cast in the model's SQL, which the message says.
//
//	field type        column kinds taken                        per row
//	text              every kind                                numbers in their shortest exact form,
//	                                                            dates 2006-01-02, timestamps RFC 3339
//	                                                            (UTC), booleans true/false, JSON as
//	                                                            written; binary data must be UTF-8
//	email             text                                      trimmed; must be an address
//	integer           integer                                   range (ids: 0 to 2³¹-1)
//	decimal, money    integer, decimal, float                   exact; a float by its shortest text;
//	                                                            money never negative
//	boolean           boolean, integer                          integers 0 and 1 only (MySQL's BOOLEAN)
//	date              date, timestamp                           a timestamp's UTC date
//	datetime          date, timestamp                           a date at midnight UTC
//	status            integer (an id), text (a name)            one of the store's statuses
//	products          json, text                                parsed as product lines
//
// A column of kind unknown (the driver could not say) is accepted for every field; its values are
// converted row by row, text being parsed for the field's type. A value that did not fit its column's
// kind (source.Unparsed, a CSV cell) is taken as its text by the fields that take text (text, email,
// status, products), and refused elsewhere ("12,5" in column points is not a number).
//
// Constants are text converted to the field's type when the mapping is saved (checked by Check): a
// number "12.50", a boolean true/false/yes/no/1/0, a date 2006-01-02, a date and time in ISO 8601, a
// status by name or id, product lines as JSON. Templates give text: they feed only fields that take
// text (text, email, status, products); a number or a date is computed in the model's SQL.
//
// # NULL
//
// A NULL (a JSON column's null included; for a metafield, an empty text too) clears the field on
// update and leaves it out on create, unless the mapping skips NULLs: then the field is left as it is.
// A template is NULL when any of its columns is. A NULL that cannot do what it means invalidates the
// row: a field a record cannot be created without (on create), a field that cannot be cleared (on
// update: skip NULLs to leave it). Clearable fields: a customer's company, phone, notes and customer
// group (0), attributes (their values deleted), form fields ("") and metafields (deleted); an order's
// staff notes and customer message (""). Names, emails, amounts, flags, statuses, ids, dates, product
// lines and addresses are not: clearing them would change a record rather than unset it.
//
// # The command line
//
// See ParseMatch, ParseMap, ParseConstant, ParseTemplate, SkipNulls and Flags:
//
//	bcsync warehouse sync add … --match email_address=email \
//	    --map fname=first_name --map lname=last_name --map 'tier=attribute:Loyalty tier' \
//	    --map-constant customer_group_id=2 \
//	    --map-template 'notes=Tier {tier} since {joined}' --skip-nulls notes
package mapping
