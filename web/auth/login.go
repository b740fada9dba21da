package auth

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/auth/pages"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// maxSecret bounds the derived secret a client may send (base64 of 32 bytes
// is 44; hex 64): nothing long reaches the hasher.
const maxSecret = 256

// root sends a registration link to onboarding, a logged-in owner to the
// logged-in page and anyone else to the login form.
func (h *Handler) root(c *gin.Context) {
	inst := middleware.GetInstance(c)
	if h.ExchangeSessionCode(c, inst) {
		return
	}
	if tok := c.Query("registerToken"); tok != "" {
		h.onboardingPage(c, inst, tok)
		return
	}
	if inst.PassphraseHash == "" {
		pages.Render(c, http.StatusOK, "error", inst.Locale, pages.Data{Title: "Cozy", Error: "bad_register"})
		return
	}
	c.Redirect(http.StatusSeeOther, "/auth/login")
}

// onboardingPage shows the form that sets the first passphrase.
func (h *Handler) onboardingPage(c *gin.Context, inst *instance.Instance, tok string) {
	if !ValidRegisterToken(inst, tok) {
		pages.Render(c, http.StatusBadRequest, "error", inst.Locale, pages.Data{Title: "Cozy", Error: "bad_register"})
		return
	}
	pages.Render(c, http.StatusOK, "onboarding", inst.Locale, pages.Data{Title: "Cozy", Fields: map[string]string{
		"register_token": tok, "salt": inst.PassphraseSalt(), "iterations": strconv.Itoa(inst.KdfIterations),
	}})
}

func (h *Handler) loginForm(c *gin.Context) {
	inst := middleware.GetInstance(c)
	if h.ExchangeSessionCode(c, inst) {
		return
	}
	redirect, ok := h.safeRedirect(c, inst, c.Query("redirect"), "")
	if !ok {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "the redirect parameter is not an address of this cozy"))
		return
	}
	if _, err := h.Sessions.FromRequest(c, inst, c.Request); err == nil {
		if redirect != "" {
			c.Redirect(http.StatusSeeOther, redirect)
			return
		}
		pages.Render(c, http.StatusOK, "loggedin", inst.Locale, pages.Data{Title: "Cozy", Fields: map[string]string{
			"domain": inst.Domain, "csrf": csrf(c, inst)}})
		return
	}
	h.renderLogin(c, inst, http.StatusOK, redirect, "")
}

func (h *Handler) renderLogin(c *gin.Context, inst *instance.Instance, status int, redirect, errKey string) {
	pages.Render(c, status, "login", inst.Locale, pages.Data{Title: "Cozy", Error: errKey, Fields: map[string]string{
		"domain": inst.Domain, "salt": inst.PassphraseSalt(), "iterations": strconv.Itoa(inst.KdfIterations),
		"redirect": redirect, "csrf": csrf(c, inst)}})
}

type loginRequest struct {
	Passphrase string `json:"passphrase" form:"passphrase"`
	Redirect   string `json:"redirect" form:"redirect"`
	LongRun    bool   `json:"long-run" form:"long-run"`
}

// loginError answers a failed login as the client expects it.
func (h *Handler) loginError(c *gin.Context, inst *instance.Instance, status int, redirect, key, detail string) {
	if wantsJSON(c) {
		c.AbortWithStatusJSON(status, gin.H{"error": detail})
		return
	}
	h.renderLogin(c, inst, status, redirect, key)
}

func (h *Handler) login(c *gin.Context) {
	inst := middleware.GetInstance(c)
	var req loginRequest
	var err error
	if isJSONBody(c) {
		err = c.ShouldBindJSON(&req)
	} else {
		err = c.ShouldBind(&req)
	}
	if err != nil {
		h.loginError(c, inst, http.StatusBadRequest, "", "wrong_passphrase", "malformed request")
		return
	}
	redirect, ok := h.safeRedirect(c, inst, req.Redirect, "/auth/login")
	if !ok {
		h.loginError(c, inst, http.StatusBadRequest, "", "wrong_passphrase", "the redirect parameter is not an address of this cozy")
		return
	}
	// Forms need the CSRF pair; a JSON body cannot be sent cross-site
	// without a preflight, which /auth never allows.
	if !isJSONBody(c) && !checkCSRF(c, inst) {
		h.loginError(c, inst, http.StatusForbidden, req.Redirect, "bad_csrf", "invalid CSRF token")
		return
	}
	if err := h.CheckSecret(c, inst, req.Passphrase); err != nil {
		var te *ThrottledError
		switch {
		case errors.As(err, &te):
			c.Header("Retry-After", strconv.Itoa(te.seconds()))
			h.loginError(c, inst, http.StatusTooManyRequests, req.Redirect, "throttled", te.Error())
		case errors.Is(err, passhash.ErrMismatch):
			h.loginError(c, inst, http.StatusUnauthorized, req.Redirect, "wrong_passphrase", "wrong passphrase")
		default:
			h.Log.ErrorContext(c, "checking a passphrase", "domain", inst.Domain, "error", err)
			h.loginError(c, inst, http.StatusServiceUnavailable, req.Redirect, "throttled", "try again later")
		}
		return
	}
	if err := h.openSession(c, inst, req.LongRun); err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	if wantsJSON(c) {
		c.JSON(http.StatusOK, gin.H{"redirect": redirect})
		return
	}
	c.Redirect(http.StatusSeeOther, redirect)
}

// openSession closes the request's previous session (rotation), opens a
// new one, sets its cookie and records the login.
func (h *Handler) openSession(c *gin.Context, inst *instance.Instance, longRun bool) error {
	if old, err := h.Sessions.FromRequest(c, inst, c.Request); err == nil {
		_ = h.Sessions.Delete(c, inst, old.ID)
	}
	s, err := h.Sessions.Create(c, inst, longRun)
	if err != nil {
		return err
	}
	http.SetCookie(c.Writer, session.Cookie(inst, s, secure(c)))
	if err := h.Sessions.RecordLogin(c, inst, s.ID, clientAddr(c), c.Request.UserAgent()); err != nil {
		h.Log.WarnContext(c, "login history", "domain", inst.Domain, "error", err)
	}
	return nil
}

// OpenSession is openSession for the settings routes (onboarding).
func (h *Handler) OpenSession(c *gin.Context, inst *instance.Instance) error {
	return h.openSession(c, inst, false)
}

func (h *Handler) logout(c *gin.Context) {
	inst := middleware.GetInstance(c)
	s, err := h.Sessions.FromRequest(c, inst, c.Request)
	if err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusUnauthorized, "no session"))
		return
	}
	if err := h.Sessions.Delete(c, inst, s.ID); err != nil && !errors.Is(err, session.ErrNoSession) {
		httperr.JSONAPI(c, err)
		return
	}
	http.SetCookie(c.Writer, session.ClearCookie(secure(c)))
	c.Status(http.StatusNoContent)
}

func (h *Handler) logoutOthers(c *gin.Context) {
	inst := middleware.GetInstance(c)
	s, err := h.Sessions.FromRequest(c, inst, c.Request)
	if err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusUnauthorized, "no session"))
		return
	}
	if err := h.Sessions.DeleteOthers(c, inst, s.ID); err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// logoutForm is the logged-in page's logout button (with CSRF).
func (h *Handler) logoutForm(c *gin.Context) {
	inst := middleware.GetInstance(c)
	if !checkCSRF(c, inst) {
		pages.Render(c, http.StatusForbidden, "error", inst.Locale, pages.Data{Title: "Cozy", Error: "bad_csrf"})
		return
	}
	if s, err := h.Sessions.FromRequest(c, inst, c.Request); err == nil {
		_ = h.Sessions.Delete(c, inst, s.ID)
	}
	http.SetCookie(c.Writer, session.ClearCookie(secure(c)))
	c.Redirect(http.StatusSeeOther, "/auth/login")
}

// ValidRegisterToken checks a hex registration token against the instance's.
func ValidRegisterToken(inst *instance.Instance, hexTok string) bool {
	if len(inst.RegisterToken) == 0 || len(hexTok) != 2*len(inst.RegisterToken) {
		return false
	}
	return constantTimeHexEqual(strings.ToLower(hexTok), inst.RegisterToken)
}
