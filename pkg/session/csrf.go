package session

import (
	"crypto/hmac"

	"github.com/cozypi/cozy/pkg/ident"
	"github.com/cozypi/cozy/pkg/instance"
)

// CSRFCookieName is the cookie holding the random half of a form's CSRF pair.
const CSRFCookieName = "_csrf"

// NewCSRF returns a fresh random value for the CSRF cookie.
func NewCSRF() string { return ident.Hex(16) }

// CSRFToken is the form field matching a CSRF cookie value: an HMAC of it
// with the instance's session secret, so that another site can neither
// read nor forge it.
func CSRFToken(inst *instance.Instance, cookie string) string {
	return sign(inst.SessionSecret, "csrf|"+cookie)
}

// CheckCSRF reports whether token matches the cookie value.
func CheckCSRF(inst *instance.Instance, cookie, token string) bool {
	if cookie == "" || token == "" {
		return false
	}
	return hmac.Equal([]byte(token), []byte(CSRFToken(inst, cookie)))
}
