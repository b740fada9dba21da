package oauth

import "errors"

func isInvalidClient(err error) bool { return errors.Is(err, ErrInvalidClient) }

// Code returns the RFC 6749 error code of err ("invalid_grant"...), or
// "server_error" for anything else.
func Code(err error) string {
	for _, e := range []error{ErrInvalidClient, ErrInvalidRedirectURI, ErrInvalidClientMeta, ErrInvalidGrant,
		ErrInvalidRequest, ErrUnsupportedGrantType, ErrInvalidScope, ErrInvalidToken} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return "server_error"
}
