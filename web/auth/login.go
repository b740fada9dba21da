package auth

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/auth/pages"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// root sends a registration link to onboarding, a logged-in owner to the
// logged-in page and anyone else to the login form.
func (h *Handler) root(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	if done, err := h.ExchangeSessionCode(c, inst); done || err != nil {
		return err
	}
	if tok := c.Query("registerToken"); tok != "" {
		return h.onboardingPage(c, inst, tok)
	}
	if inst.PassphraseHash == "" {
		pages.Render(c, http.StatusOK, "error", inst.Locale, pages.Data{Title: "Cozy", Error: "bad_register"})
		return nil
	}
	if h.Landing != nil {
		if _, err := h.Sessions.FromRequest(c.Request.Context(), inst, c.Request); err == nil {
			// Logged in: the home app, as upstream, or the installed
			// apps when there is none.
			u, ok, err := h.Landing.HomeURL(c.Request.Context(), inst)
			if err != nil {
				return err
			}
			if !ok {
				return h.Landing.Launcher(c, csrf(c, inst))
			}
			c.Header("Cache-Control", "no-store")
			c.Redirect(http.StatusSeeOther, u)
			return nil
		}
	}
	c.Redirect(http.StatusSeeOther, inst.PageURL("/auth/login"))
	return nil
}

// onboardingPage shows the form that sets the first passphrase.
func (h *Handler) onboardingPage(c *gin.Context, inst *instance.Instance, tok string) error {
	if !ValidRegisterToken(inst, tok) {
		pages.Render(c, http.StatusBadRequest, "error", inst.Locale, pages.Data{Title: "Cozy", Error: "bad_register"})
		return nil
	}
	pages.Render(c, http.StatusOK, "onboarding", inst.Locale, pages.Data{Title: "Cozy", Fields: map[string]string{
		"register_token": tok, "salt": inst.PassphraseSalt(), "iterations": strconv.Itoa(inst.KdfIterations),
	}})
	return nil
}

func (h *Handler) loginForm(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	if done, err := h.ExchangeSessionCode(c, inst); done || err != nil {
		return err
	}
	if _, err := h.Sessions.FromRequest(c.Request.Context(), inst, c.Request); err == nil {
		if c.Query("redirect") != "" {
			redirect, err := h.safeRedirect(inst, c.Query("redirect"), "")
			if err != nil {
				return err
			}
			c.Redirect(http.StatusSeeOther, redirect)
			return nil
		}
		pages.Render(c, http.StatusOK, "loggedin", inst.Locale, pages.Data{Title: "Cozy", Fields: map[string]string{
			"domain": inst.Domain, "csrf": csrf(c, inst)}})
		return nil
	}
	if _, err := h.safeRedirect(inst, c.Query("redirect"), "/"); err != nil {
		return err
	}
	h.renderLogin(c, inst, http.StatusOK, c.Query("redirect"), "")
	return nil
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

// readLogin reads a JSON or form login request.
func readLogin(c *gin.Context) (loginRequest, error) {
	var req loginRequest
	if isJSONBody(c) {
		return req, request.JSON(c, request.SmallBody, &req)
	}
	request.Limit(c, request.SmallBody)
	if err := c.ShouldBind(&req); err != nil {
		return req, request.Err(err)
	}
	return req, nil
}

// login checks the passphrase and opens a session. A JSON client gets
// {"redirect"} or a JSON:API error; the form gets a redirection or the
// login page again with the error told.
func (h *Handler) login(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	req, err := readLogin(c)
	if err == nil {
		err = h.tryLogin(c, inst, req)
	}
	if err == nil || wantsJSON(c) {
		return err
	}
	key := "wrong_passphrase"
	switch {
	case errors.Is(err, errBadCSRF):
		key = "bad_csrf"
	case errors.Is(err, session.ErrThrottled), httperr.Status(err) >= 500:
		key = "throttled"
	}
	if httperr.Status(err) >= 500 {
		_ = c.Error(err)
	}
	h.renderLogin(c, inst, httperr.Status(err), req.Redirect, key)
	return nil
}

// errBadCSRF is a form without its CSRF pair.
var errBadCSRF = httperr.Forbidden("invalid CSRF token")

func (h *Handler) tryLogin(c *gin.Context, inst *instance.Instance, req loginRequest) error {
	redirect, err := h.safeRedirect(inst, req.Redirect, "/auth/login")
	if err != nil {
		return err
	}
	defaultTarget := req.Redirect == ""
	// Forms need the CSRF pair; a JSON body cannot be sent cross-site
	// without a preflight, which /auth never allows.
	if !isJSONBody(c) && !checkCSRF(c, inst) {
		return errBadCSRF
	}
	if err := h.CheckSecret(c, inst, req.Passphrase); err != nil {
		return err
	}
	if err := h.openSession(c, inst, req.LongRun); err != nil {
		return err
	}
	if defaultTarget {
		// No target asked: the home app (default_redirection), as
		// upstream.
		if redirect, err = h.landing(c, inst); err != nil {
			return err
		}
	}
	if wantsJSON(c) {
		c.JSON(http.StatusOK, gin.H{"redirect": redirect})
		return nil
	}
	c.Redirect(http.StatusSeeOther, redirect)
	return nil
}

// openSession closes the request's previous session (rotation), opens a
// new one, sets its cookie and the known-device cookie, and records the
// login.
func (h *Handler) openSession(c *gin.Context, inst *instance.Instance, longRun bool) error {
	ctx := c.Request.Context()
	if old, err := h.Sessions.FromRequest(ctx, inst, c.Request); err == nil {
		_ = h.Sessions.Delete(ctx, inst, old.ID)
	}
	s, err := h.Sessions.Create(ctx, inst, longRun)
	if err != nil {
		return err
	}
	http.SetCookie(c.Writer, session.Cookie(inst, s, inst.Secure()))
	device := session.DeviceFromRequest(inst, c.Request)
	if device == "" {
		device = session.NewDevice()
	}
	http.SetCookie(c.Writer, session.DeviceCookie(inst, device, inst.Secure()))
	if err := h.Sessions.RecordLogin(ctx, inst, s.ID, c.ClientIP(), c.Request.UserAgent()); err != nil {
		h.Log.WarnContext(ctx, "login history", "domain", inst.Domain, "error", err)
	}
	return nil
}

// OpenSession is openSession for the settings routes (onboarding, a new
// passphrase).
func (h *Handler) OpenSession(c *gin.Context, inst *instance.Instance) error {
	return h.openSession(c, inst, false)
}

// currentSession is the request's session; the cookie must come from the
// instance's origin for a state-changing request (CheckOrigin).
func (h *Handler) currentSession(c *gin.Context, inst *instance.Instance) (*session.Session, error) {
	s, err := h.Sessions.FromRequest(c.Request.Context(), inst, c.Request)
	if err != nil {
		return nil, err
	}
	if err := CheckOrigin(c, inst); err != nil {
		return nil, err
	}
	return s, nil
}

func (h *Handler) logout(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	s, err := h.currentSession(c, inst)
	if err != nil {
		return err
	}
	if err := h.Sessions.Delete(c.Request.Context(), inst, s.ID); err != nil && !errors.Is(err, session.ErrNoSession) {
		return err
	}
	http.SetCookie(c.Writer, session.ClearCookie(inst.Secure()))
	c.Status(http.StatusNoContent)
	return nil
}

func (h *Handler) logoutOthers(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	s, err := h.currentSession(c, inst)
	if err != nil {
		return err
	}
	if err := h.Sessions.DeleteOthers(c.Request.Context(), inst, s.ID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// logoutForm is the logged-in page's logout button (with CSRF).
func (h *Handler) logoutForm(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	request.Limit(c, request.SmallBody)
	if !checkCSRF(c, inst) {
		pages.Render(c, http.StatusForbidden, "error", inst.Locale, pages.Data{Title: "Cozy", Error: "bad_csrf"})
		return nil
	}
	if s, err := h.Sessions.FromRequest(c.Request.Context(), inst, c.Request); err == nil {
		_ = h.Sessions.Delete(c.Request.Context(), inst, s.ID)
	}
	http.SetCookie(c.Writer, session.ClearCookie(inst.Secure()))
	c.Redirect(http.StatusSeeOther, inst.PageURL("/auth/login"))
	return nil
}

// ValidRegisterToken checks a hex registration token against the instance's.
func ValidRegisterToken(inst *instance.Instance, hexTok string) bool {
	if len(inst.RegisterToken) == 0 || len(hexTok) != 2*len(inst.RegisterToken) {
		return false
	}
	return constantTimeHexEqual(strings.ToLower(hexTok), inst.RegisterToken)
}
