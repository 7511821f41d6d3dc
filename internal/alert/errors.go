package alert

import (
	"errors"
	"regexp"
	"strings"
)

// InputError is a channel or rule that cannot be saved as given: Reason says why in one or more
// sentences, Field names the input at fault as the API's JSON and the UI's forms name it.
type InputError struct {
	Field  string
	Reason string
}

func (e *InputError) Error() string { return e.Reason }

var flagRe = regexp.MustCompile(`--([a-z][a-z-]*)`)

// configError turns notify's configuration problems (sentences naming CLI flags) into an InputError
// whose field is the first flag named, as a form field: --routing-key is routing_key.
func configError(err error) *InputError {
	reasons := strings.Split(err.Error(), "\n")
	field := "type"
	if m := flagRe.FindStringSubmatch(reasons[0]); m != nil {
		field = strings.ReplaceAll(m[1], "-", "_")
	}
	return &InputError{Field: field, Reason: strings.Join(reasons, "; ")}
}

// TestError is a test notification that did not get through; Err is notify's *SendError.
type TestError struct{ Err error }

func (e *TestError) Error() string {
	return "the test notification was not delivered: " + e.Err.Error()
}

func (e *TestError) Unwrap() error { return e.Err }

// IsInput reports whether err is a refused input.
func IsInput(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}
