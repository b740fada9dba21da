package settings

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/auth"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// Bounds on what a client sends: the derived secret is short, and the
// iteration count must stay usable on a phone and not be trivially low.
const (
	maxSecret     = 256
	minIterations = 100_000
	maxIterations = 5_000_000
)

func (h *Handler) passphraseParams(c *gin.Context) {
	if !h.allow(c, permission.GET) {
		return
	}
	inst := middleware.GetInstance(c)
	resource(c, http.StatusOK, "io.cozy.settings.passphrase", "", gin.H{
		"salt": inst.PassphraseSalt(), "kdf": 0, "iterations": inst.KdfIterations})
}

type onboardBody struct {
	RegisterToken string `json:"register_token" form:"register_token"`
	Passphrase    string `json:"passphrase" form:"passphrase"`
	Iterations    int    `json:"iterations" form:"iterations"`
	Hint          string `json:"hint" form:"hint"`
}

func validSecret(s string) bool { return s != "" && len(s) <= maxSecret }

// onboard sets the first passphrase with the registration token, then
// opens a session: 204 for JSON, 303 to the logged-in page for the form.
func (h *Handler) onboard(c *gin.Context) {
	inst := middleware.GetInstance(c)
	var b onboardBody
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10)
	if err := c.ShouldBind(&b); err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "malformed body"))
		return
	}
	if !auth.ValidRegisterToken(inst, b.RegisterToken) {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "invalid or used registration token"))
		return
	}
	if !validSecret(b.Passphrase) {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "passphrase is missing"))
		return
	}
	if b.Iterations == 0 {
		b.Iterations = inst.KdfIterations
	}
	if b.Iterations < minIterations || b.Iterations > maxIterations {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "iterations must be between "+strconv.Itoa(minIterations)+" and "+strconv.Itoa(maxIterations)))
		return
	}
	next, err := h.Instances.Update(c, inst.Domain, func(i *instance.Instance) error {
		// Checked again under the update: the token is single-use.
		if !auth.ValidRegisterToken(i, b.RegisterToken) {
			return httperr.New(http.StatusBadRequest, "invalid or used registration token")
		}
		if err := h.Instances.SetSecret(c, i, b.Passphrase); err != nil {
			return err
		}
		i.KdfIterations = b.Iterations
		i.OnboardingFinished = true
		return nil
	})
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	if err := h.Login.OpenSession(c, next); err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	if c.ContentType() == "application/json" {
		c.Status(http.StatusNoContent)
		return
	}
	c.Redirect(http.StatusSeeOther, "/auth/login")
}

type changeBody struct {
	Current    string `json:"current_passphrase"`
	New        string `json:"new_passphrase"`
	Iterations int    `json:"iterations"`
}

// changePassphrase needs the owner's session and the current passphrase;
// it closes every other session and rotates the current one.
func (h *Handler) changePassphrase(c *gin.Context) {
	inst := middleware.GetInstance(c)
	if _, err := h.Sessions.FromRequest(c, inst, c.Request); err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusUnauthorized, "a session is needed to change the passphrase"))
		return
	}
	var b changeBody
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10)
	if err := c.ShouldBindJSON(&b); err != nil || !validSecret(b.New) || !validSecret(b.Current) {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "current_passphrase and new_passphrase are needed"))
		return
	}
	if b.Iterations == 0 {
		b.Iterations = inst.KdfIterations
	}
	if b.Iterations < minIterations || b.Iterations > maxIterations {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "iterations out of bounds"))
		return
	}
	if !h.checkSecret(c, inst, b.Current) {
		return
	}
	next, err := h.Instances.Update(c, inst.Domain, func(i *instance.Instance) error {
		if err := h.Instances.SetSecret(c, i, b.New); err != nil {
			return err
		}
		i.KdfIterations = b.Iterations
		return nil
	})
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	if err := h.Sessions.DeleteOthers(c, next, ""); err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	if err := h.Login.OpenSession(c, next); err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// checkSecret verifies a derived secret with throttling; on failure it
// answers (403, or 429) and returns false.
func (h *Handler) checkSecret(c *gin.Context, inst *instance.Instance, secret string) bool {
	err := h.Login.CheckSecret(c, inst, secret)
	switch {
	case err == nil:
		return true
	case errors.Is(err, auth.ErrThrottled):
		httperr.JSONAPI(c, httperr.Wrap(http.StatusTooManyRequests, err))
	case errors.Is(err, passhash.ErrMismatch):
		httperr.JSONAPI(c, httperr.New(http.StatusForbidden, "wrong passphrase"))
	default:
		httperr.JSONAPI(c, err)
	}
	return false
}

func (h *Handler) checkPassphrase(c *gin.Context) {
	if !h.allow(c, permission.GET) {
		return
	}
	var b struct {
		Passphrase string `json:"passphrase"`
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10)
	if err := c.ShouldBindJSON(&b); err != nil || !validSecret(b.Passphrase) {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "passphrase is needed"))
		return
	}
	if h.checkSecret(c, middleware.GetInstance(c), b.Passphrase) {
		c.Status(http.StatusNoContent)
	}
}
