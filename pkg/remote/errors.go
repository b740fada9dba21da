package remote

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors. Their messages are the ones upstream cozy-stack returns to
// clients where upstream has an equivalent, so the web layer can use
// err.Error() (of the sentinel) as the response message.
var (
	// ErrDoctypeNotFound means no request definition exists for the doctype.
	ErrDoctypeNotFound = errors.New("the doctype has no request defined")
	// ErrInvalidDefinition means a request file cannot be used.
	ErrInvalidDefinition = errors.New("the request is not valid")
	// ErrMissingVariable means the template uses a variable without a value.
	ErrMissingVariable = errors.New("a variable is used in the template, but no value was given")
	// ErrInvalidVariable means a value cannot be injected where it lands
	// (for example a header value with a line break).
	ErrInvalidVariable = errors.New("the variables are not valid")
	// ErrMethodMismatch means the caller used another verb than the definition.
	ErrMethodMismatch = errors.New("the verb does not match the request definition")
	// ErrRequestFailed means the remote website could not be reached.
	ErrRequestFailed = errors.New("can't connect to the remote host")
	// ErrBlockedDestination means the destination address or port is refused
	// by the SSRF policy.
	ErrBlockedDestination = errors.New("the remote destination is not allowed")
	// ErrInvalidContentType means the response content-type is not an image,
	// JSON or XML.
	ErrInvalidContentType = errors.New("the content-type for the response is not authorized")
	// ErrResponseTooLarge means the response body exceeds the size limit.
	ErrResponseTooLarge = errors.New("the response from the remote host is too large")
	// ErrTimeout means the remote call exceeded its time limit.
	ErrTimeout = errors.New("the remote host took too long to answer")
	// ErrAssetNotFound means no remote asset is configured under that name.
	ErrAssetNotFound = errors.New("wrong remote asset")
	// ErrLogFailed means the request record could not be written; the
	// response is then withheld.
	ErrLogFailed = errors.New("the remote request could not be logged")
)

// MissingVariableError reports which variable had no value. Its message is
// exactly upstream's (ErrMissingVariable) so it can be shown to clients;
// Name is for logs and tests.
type MissingVariableError struct {
	Name string
}

// Error returns upstream's message, without the variable name.
func (e *MissingVariableError) Error() string { return ErrMissingVariable.Error() }

// Is makes errors.Is(err, ErrMissingVariable) true.
func (e *MissingVariableError) Is(target error) bool { return target == ErrMissingVariable }

// BlockedError reports a destination refused by the SSRF policy.
type BlockedError struct {
	// Target is what was refused: an address, host:port or host name.
	Target string
	// Reason says which rule refused it.
	Reason string
}

// Error describes the refused destination and the rule.
func (e *BlockedError) Error() string {
	return fmt.Sprintf("remote: destination %s refused: %s", e.Target, e.Reason)
}

// Is makes errors.Is(err, ErrBlockedDestination) true.
func (e *BlockedError) Is(target error) bool { return target == ErrBlockedDestination }

// ContentTypeError reports a response whose content-type is refused.
type ContentTypeError struct {
	ContentType string
}

// Error names the refused content-type.
func (e *ContentTypeError) Error() string {
	return fmt.Sprintf("remote: response content-type %q refused", e.ContentType)
}

// Is makes errors.Is(err, ErrInvalidContentType) true.
func (e *ContentTypeError) Is(target error) bool { return target == ErrInvalidContentType }

// HTTPStatus maps an error returned by this package to the status code the
// web layer should answer with, following upstream where it has a mapping:
// 404 for unknown doctypes and assets, 400 for bad variables or definitions,
// 405 for a verb mismatch, 504 for timeouts and 502 for the rest of the
// remote-side failures. Unknown errors give 500.
func HTTPStatus(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrDoctypeNotFound), errors.Is(err, ErrAssetNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrMissingVariable), errors.Is(err, ErrInvalidVariable),
		errors.Is(err, ErrInvalidDefinition):
		return http.StatusBadRequest
	case errors.Is(err, ErrMethodMismatch):
		return http.StatusMethodNotAllowed
	case errors.Is(err, ErrTimeout):
		return http.StatusGatewayTimeout
	case errors.Is(err, ErrBlockedDestination), errors.Is(err, ErrInvalidContentType),
		errors.Is(err, ErrResponseTooLarge), errors.Is(err, ErrRequestFailed):
		return http.StatusBadGateway
	default:
		return http.StatusInternalServerError
	}
}

// PublicMessage returns the message to show a client for err: the sentinel's
// upstream-compatible text, never details that could include internal
// addresses. Unknown errors give a generic text, nil gives "".
func PublicMessage(err error) string {
	if err == nil {
		return ""
	}
	for _, s := range []error{
		ErrDoctypeNotFound, ErrAssetNotFound, ErrMissingVariable, ErrInvalidVariable,
		ErrInvalidDefinition, ErrMethodMismatch, ErrTimeout, ErrBlockedDestination,
		ErrInvalidContentType, ErrResponseTooLarge, ErrRequestFailed, ErrLogFailed,
	} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "internal error"
}

// PublicError is an error of this package as a client sees it: its text is
// PublicMessage's (the sentinel's upstream text, never an address or a
// peer's words) while errors.Is and errors.As still reach the whole error,
// so the web layer's status table applies. The proxy logs the whole error.
type PublicError struct{ Err error }

// Error returns the public message.
func (e *PublicError) Error() string { return PublicMessage(e.Err) }

// Unwrap returns the whole error.
func (e *PublicError) Unwrap() error { return e.Err }

// Public wraps err in a PublicError (nil stays nil).
func Public(err error) error {
	if err == nil {
		return nil
	}
	return &PublicError{Err: err}
}
