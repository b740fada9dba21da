package settings

import (
	"errors"
	"net/http"

	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/auth"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// require lets the owner's session through, or a token whose permission
// covers io.cozy.settings with verb.
func (h *Handler) require(c *gin.Context, v permission.Verb) error {
	if ok, err := h.owner(c); ok || err != nil {
		return err
	}
	return h.Auth.RequireWhole(c, v, Doctype)
}

// requireAny lets the owner's session or any valid token through.
func (h *Handler) requireAny(c *gin.Context) error {
	if ok, err := h.owner(c); ok || err != nil {
		return err
	}
	_, err := h.Auth.Permission(c)
	return err
}

// owner tells whether the request stands for the owner's browser: a valid
// session cookie sent from the instance's own origin. CORS reflects
// origins with credentials, and an app on a sibling sub-domain is
// same-site (SameSite=Lax does not stop its requests), so a cookie sent
// from elsewhere never stands for the owner: reading then needs a token,
// and changing something without one is refused (403, auth.CheckOrigin).
// A request holding a token is decided by its token unless it comes from
// the instance's origin.
func (h *Handler) owner(c *gin.Context) (bool, error) {
	inst := middleware.GetInstance(c)
	if _, err := h.Sessions.FromRequest(c.Request.Context(), inst, c.Request); err != nil {
		return false, nil
	}
	origin := c.GetHeader("Origin")
	if origin == inst.Origin() {
		return true, nil
	}
	if middleware.TokenFromRequest(c.Request) != "" {
		return false, nil
	}
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead:
		return origin == "", nil
	}
	return false, auth.CheckOrigin(c, inst)
}

// clientError answers an unknown OAuth client with 404 (the error table
// says 400, RFC 6749's invalid_client, for the protocol endpoints).
func clientError(err error) error {
	if errors.Is(err, oauth.ErrInvalidClient) {
		return httperr.Wrap(http.StatusNotFound, err)
	}
	return err
}
