package auth

import (
	"net/http"
	"net/url"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// createSessionCode answers POST /auth/session_code: a single-use code that
// opens a session where it is presented (upstream's session_code), so that
// a mobile app can show the owner's pages in a webview without asking the
// passphrase again.
//
// Upstream also accepts the access token of its certified flagship app.
// This server certifies no client, and trading any OAuth token for a full
// web session would raise that client to the owner's rights, so only the
// passphrase variant is accepted.
func (h *Handler) createSessionCode(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	var body struct {
		Passphrase string `json:"passphrase"`
	}
	if err := request.JSON(c, 4096, &body); err != nil || body.Passphrase == "" {
		if middleware.TokenFromRequest(c.Request) != "" {
			return httperr.Forbidden("session codes are made from the passphrase: this server certifies no flagship app")
		}
		if httperr.Status(err) == http.StatusRequestEntityTooLarge {
			return err
		}
		return httperr.BadRequest(`expected {"passphrase": "<hashed passphrase>"}`)
	}
	if err := h.CheckSecret(c, inst, body.Passphrase); err != nil {
		return err
	}
	c.JSON(http.StatusCreated, gin.H{"session_code": h.Codes.Issue(inst.ID, "", "")})
	return nil
}

// ExchangeSessionCode opens a session from the request's session_code
// parameter, if it holds a live one, and redirects to the same URL without
// it. done tells whether it answered the request. An invalid code is
// ignored: the page goes on as for anyone without a session.
func (h *Handler) ExchangeSessionCode(c *gin.Context, inst *instance.Instance) (done bool, err error) {
	code := c.Query("session_code")
	if code == "" {
		return false, nil
	}
	if _, ok := h.Codes.Consume(inst.ID, "", code); !ok {
		return false, nil
	}
	if err := h.openSession(c, inst, false); err != nil {
		return true, err
	}
	q := c.Request.URL.Query()
	q.Del("session_code")
	c.Redirect(http.StatusSeeOther, inst.PageURL((&url.URL{Path: c.Request.URL.Path, RawQuery: q.Encode()}).RequestURI()))
	return true, nil
}
