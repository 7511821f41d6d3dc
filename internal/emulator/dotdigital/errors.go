package dotdigital

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// The two error dialects of Dotdigital: v2 answers {"message": "<text> ERROR_CODE"}, v3 answers
// {"errorCode": "service:code", "description": "…", "details": [{"item", "description"}]}.

type v3Detail struct {
	Item        string `json:"item"`
	Description string `json:"description"`
}

type v3ErrorBody struct {
	ErrorCode   string     `json:"errorCode"`
	Description string     `json:"description"`
	Details     []v3Detail `json:"details,omitempty"`
}

func writeV2Error(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"message": message})
}

func writeV3Error(w http.ResponseWriter, status int, code, description string, details ...v3Detail) {
	writeJSON(w, status, v3ErrorBody{ErrorCode: code, Description: description, Details: details})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeRawJSON(w, status, b)
}

// compactJSON marshals a body the emulator keeps (an import's final status).
func compactJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func writeRawJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

// readBody reads a request body, answering the request itself (413, or 400 in the path's dialect) and
// returning false when the body cannot be read.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.tooLarge(w, r)
			return nil, false
		}
		badJSON(w, r)
		return nil, false
	}
	return b, true
}

// decodeBody reads and decodes a JSON body into v strictly (see decodeStrict), answering 400 in the
// path's dialect, naming the property, when it is not valid JSON of the request's shape.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	b, ok := s.readBody(w, r)
	if !ok {
		return false
	}
	if err := decodeStrict(b, v); err != nil {
		refuseBody(w, r, bodyProblem(err))
		return false
	}
	return true
}

func badJSON(w http.ResponseWriter, r *http.Request) {
	switch {
	case len(r.URL.Path) > 9 && r.URL.Path[:9] == "/contacts" && isV3(r):
		writeV3Error(w, http.StatusBadRequest, "contacts:badJson", "The request JSON is badly formed")
	case isV3(r):
		writeV3Error(w, http.StatusBadRequest, "insightData:badJson", "The request JSON is badly formed")
	default:
		writeV2Error(w, http.StatusBadRequest, "The request body is not valid JSON. ERROR_MALFORMED_REQUEST")
	}
}
