package auth

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
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
func (h *Handler) createSessionCode(c *gin.Context) {
	inst := middleware.GetInstance(c)
	var body struct {
		Passphrase string `json:"passphrase"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 4096)).Decode(&body); err != nil || body.Passphrase == "" {
		if middleware.TokenFromRequest(c.Request) != "" {
			httperr.JSONAPI(c, httperr.New(http.StatusForbidden,
				"session codes are made from the passphrase: this server certifies no flagship app"))
			return
		}
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, `expected {"passphrase": "<hashed passphrase>"}`))
		return
	}
	if err := h.CheckSecret(c, inst, body.Passphrase); err != nil {
		var te *ThrottledError
		switch {
		case errors.As(err, &te):
			c.Header("Retry-After", strconv.Itoa(te.seconds()))
			httperr.JSONAPI(c, httperr.New(http.StatusTooManyRequests, err.Error()))
		case errors.Is(err, passhash.ErrMismatch):
			httperr.JSONAPI(c, httperr.New(http.StatusUnauthorized, "wrong passphrase"))
		default:
			httperr.JSONAPI(c, err)
		}
		return
	}
	c.JSON(http.StatusCreated, gin.H{"session_code": h.Codes.Issue(inst.ID, "", "")})
}

// ExchangeSessionCode opens a session from the request's session_code
// parameter, if it holds a live one, and redirects to the same URL without
// it. It reports whether it answered the request. An invalid code is
// ignored: the page goes on as for anyone without a session.
func (h *Handler) ExchangeSessionCode(c *gin.Context, inst *instance.Instance) bool {
	code := c.Query("session_code")
	if code == "" {
		return false
	}
	if _, ok := h.Codes.Consume(inst.ID, "", code); !ok {
		return false
	}
	if err := h.openSession(c, inst, false); err != nil {
		httperr.JSONAPI(c, err)
		return true
	}
	u := *c.Request.URL
	q := u.Query()
	q.Del("session_code")
	u.RawQuery = q.Encode()
	c.Redirect(http.StatusSeeOther, (&url.URL{Path: u.Path, RawQuery: u.RawQuery}).String())
	return true
}
