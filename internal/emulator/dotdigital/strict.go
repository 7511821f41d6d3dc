package dotdigital

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Request bodies are read strictly, as the official descriptions define them (hand-coded here: the
// descriptions stay outside the repository): a property a request type does not have, a value of the
// wrong JSON type and anything after the body are refused with a 400 in the path's dialect, naming the
// property. The v2 bodies (additionalProperties: false in V2S) and C3's email channel and consent
// records forbid other properties; elsewhere the emulator is stricter than the descriptions, on purpose:
// a misspelt property the API would ignore is a bug to find here. Enums, required fields and array
// sizes are checked by each handler.

// decodeStrict decodes b into v, refusing unknown properties and trailing data.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("there is data after the JSON value")
	}
	return nil
}

// bodyProblem says what is wrong with a body in the API's terms: the item (a property) and why.
func bodyProblem(err error) v3Detail {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		item := typeErr.Field
		if item == "" {
			item = "body"
		}
		return v3Detail{Item: item, Description: fmt.Sprintf("'%s' must be a JSON %s, not %s", item, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)}
	case errors.As(err, &syntaxErr):
		return v3Detail{Item: "body", Description: fmt.Sprintf("not valid JSON at byte %d", syntaxErr.Offset)}
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return v3Detail{Item: name, Description: fmt.Sprintf("'%s' is not a property of this request", name)}
	}
	return v3Detail{Item: "body", Description: strings.TrimPrefix(msg, "json: ")}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map", "ptr", "interface":
		return "object"
	}
	return "number"
}

// refuseBody answers a body the API would refuse: 400 with the v3 error body of the path's service
// (contacts:badJson, insightData:badJson, as C3 and I3 name it) or a v2 message.
func refuseBody(w http.ResponseWriter, r *http.Request, problem v3Detail) {
	switch {
	case strings.HasPrefix(r.URL.Path, "/contacts/v3"):
		writeV3Error(w, http.StatusBadRequest, "contacts:badJson", "The request JSON is badly formed", problem)
	case isV3(r):
		writeV3Error(w, http.StatusBadRequest, "insightData:badJson", "The request JSON is badly formed", problem)
	default:
		writeV2Error(w, http.StatusBadRequest, "The request body is invalid: "+problem.Description+". ERROR_MALFORMED_REQUEST")
	}
}
