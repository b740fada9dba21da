package remote

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestHTTPStatusAndPublicMessage(t *testing.T) {
	tests := []struct {
		err    error
		status int
		msg    string
	}{
		{nil, http.StatusOK, ""},
		{fmt.Errorf("x: %w", ErrDoctypeNotFound), 404, "the doctype has no request defined"},
		{ErrAssetNotFound, 404, "wrong remote asset"},
		{&MissingVariableError{Name: "q"}, 400, "a variable is used in the template, but no value was given"},
		{fmt.Errorf("h: %w", ErrInvalidVariable), 400, "the variables are not valid"},
		{ErrInvalidDefinition, 400, "the request is not valid"},
		{ErrMethodMismatch, 405, ErrMethodMismatch.Error()},
		{fmt.Errorf("%w: slow", ErrTimeout), 504, ErrTimeout.Error()},
		{&BlockedError{Target: "10.0.0.1", Reason: "private-use (RFC 1918)"}, 502, ErrBlockedDestination.Error()},
		{&ContentTypeError{ContentType: "text/html"}, 502, "the content-type for the response is not authorized"},
		{ErrResponseTooLarge, 502, ErrResponseTooLarge.Error()},
		{ErrRequestFailed, 502, "can't connect to the remote host"},
		{ErrLogFailed, 500, ErrLogFailed.Error()},
		{errors.New("other"), 500, "internal error"},
	}
	for _, tt := range tests {
		if got := HTTPStatus(tt.err); got != tt.status {
			t.Errorf("HTTPStatus(%v) = %d, want %d", tt.err, got, tt.status)
		}
		if got := PublicMessage(tt.err); got != tt.msg {
			t.Errorf("PublicMessage(%v) = %q, want %q", tt.err, got, tt.msg)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	be := &BlockedError{Target: "127.0.0.1", Reason: "loopback (RFC 1122)"}
	if be.Error() != "remote: destination 127.0.0.1 refused: loopback (RFC 1122)" {
		t.Errorf("BlockedError = %q", be.Error())
	}
	ce := &ContentTypeError{ContentType: "text/html"}
	if ce.Error() != `remote: response content-type "text/html" refused` {
		t.Errorf("ContentTypeError = %q", ce.Error())
	}
}
