package remote_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/cozypi/cozy/pkg/remote"
	"github.com/cozypi/cozy/web/httperr"
)

// TestPublicErrorsThroughTable: the one status table answers the remote
// proxy's errors with the statuses and upstream messages its former local
// renderer gave (remote.HTTPStatus, remote.PublicMessage), details left out.
func TestPublicErrorsThroughTable(t *testing.T) {
	peer := &url.Error{Op: "Get", URL: "http://10.0.0.1/secret", Err: errors.New("connection refused")}
	errs := []error{
		fmt.Errorf("%w: org.example.nope", remote.ErrDoctypeNotFound),
		fmt.Errorf("%w: nope", remote.ErrAssetNotFound),
		&remote.MissingVariableError{Name: "q"},
		fmt.Errorf("%w: control character in a header value", remote.ErrInvalidVariable),
		fmt.Errorf("%w: yaml: line 3", remote.ErrInvalidDefinition),
		fmt.Errorf("%w: POST used, GET defined", remote.ErrMethodMismatch),
		fmt.Errorf("%w: %w", remote.ErrTimeout, peer),
		&remote.BlockedError{Target: "127.0.0.1:80", Reason: "loopback"},
		&remote.ContentTypeError{ContentType: "text/html"},
		fmt.Errorf("%w: more than 10 bytes", remote.ErrResponseTooLarge),
		fmt.Errorf("%w: %w", remote.ErrRequestFailed, peer),
	}
	for _, err := range errs {
		pub := remote.Public(err)
		if got, want := httperr.Status(pub), remote.HTTPStatus(err); got != want {
			t.Errorf("%v: status %d, want %d", err, got, want)
		}
		if got, want := httperr.Message(pub), remote.PublicMessage(err); got != want {
			t.Errorf("%v: message %q, want %q", err, got, want)
		}
	}
	// The request record failing is a 500 whose text the table hides.
	if got := httperr.Status(remote.Public(remote.ErrLogFailed)); got != http.StatusInternalServerError {
		t.Errorf("log failed: %d", got)
	}
	if remote.Public(nil) != nil {
		t.Error("Public(nil) is not nil")
	}
}
