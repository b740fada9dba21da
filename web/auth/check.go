package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// maxSecret bounds the derived secret a client may send (base64 of 32 bytes
// is 44; hex 64): nothing long reaches the hasher.
const maxSecret = 256

// CheckSecret verifies a derived passphrase secret against the instance,
// within the Limiter's limits. The request is from a known device when it
// carries the instance's device cookie or a valid session and comes from
// the instance's own origin (or names none); the client address is
// c.ClientIP (X-Forwarded-For only from trusted proxies). It returns nil,
// an error wrapping passhash.ErrMismatch (401), a 429 error wrapping
// session.ErrThrottled (Retry-After is set), or an internal error.
func (h *Handler) CheckSecret(c *gin.Context, inst *instance.Instance, secret string) error {
	attempt := session.Attempt{Instance: inst.ID, Addr: c.ClientIP(), Device: h.knownDevice(c, inst)}
	pending, err := h.Limiter.Begin(attempt)
	var te *session.ThrottledError
	if errors.As(err, &te) {
		c.Header("Retry-After", strconv.Itoa(te.Seconds()))
		h.Log.InfoContext(c.Request.Context(), "passphrase attempt throttled", "domain", inst.Domain, "key", attempt.Key())
		return httperr.Wrap(http.StatusTooManyRequests, err)
	}
	if err != nil {
		return err
	}
	if secret == "" || len(secret) > maxSecret {
		err = passhash.ErrMismatch
	} else {
		err = h.Instances.CheckSecret(c.Request.Context(), inst, secret)
	}
	pending.Done(err == nil)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, passhash.ErrMismatch):
		h.Log.InfoContext(c.Request.Context(), "wrong passphrase", "domain", inst.Domain, "key", pending.Key())
		return fmt.Errorf("wrong passphrase: %w", err)
	}
	return fmt.Errorf("checking the passphrase of %s: %w", inst.Domain, err)
}

// knownDevice is the id of the request's known device, or "": the device
// cookie, else the session's id. A request sent by another origin (an app
// on a sibling sub-domain can make the browser send the cookies) does not
// count as the device.
func (h *Handler) knownDevice(c *gin.Context, inst *instance.Instance) string {
	if o := c.GetHeader("Origin"); o != "" && o != inst.Origin() {
		return ""
	}
	if id := session.DeviceFromRequest(inst, c.Request); id != "" {
		return id
	}
	if s, err := h.Sessions.FromRequest(c.Request.Context(), inst, c.Request); err == nil {
		return "session:" + s.ID
	}
	return ""
}
