package settings

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/passhash"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/auth"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// Bounds on what a client sends: the derived secret is short, and the
// iteration count must stay usable on a phone and not be trivially low.
const (
	maxSecret     = 256
	minIterations = 100_000
	maxIterations = 5_000_000
)

func (h *Handler) passphraseParams(c *gin.Context) error {
	if err := h.require(c, permission.GET); err != nil {
		return err
	}
	inst := middleware.GetInstance(c)
	return jsonapi.Data(c, http.StatusOK, settingsObject(c, "io.cozy.settings.passphrase", map[string]any{
		"salt": inst.PassphraseSalt(), "kdf": 0, "iterations": inst.KdfIterations}))
}

type onboardBody struct {
	RegisterToken string `json:"register_token" form:"register_token"`
	Passphrase    string `json:"passphrase" form:"passphrase"`
	Iterations    int    `json:"iterations" form:"iterations"`
	Hint          string `json:"hint" form:"hint"`
}

func validSecret(s string) bool { return s != "" && len(s) <= maxSecret }

// checkIterations defaults iterations to the instance's and bounds it.
func checkIterations(n *int, inst *instance.Instance) error {
	if *n == 0 {
		*n = inst.KdfIterations
	}
	if *n < minIterations || *n > maxIterations {
		return httperr.BadRequest(fmt.Sprintf("iterations must be between %d and %d", minIterations, maxIterations))
	}
	return nil
}

// errBadRegister is an invalid or already used registration token.
var errBadRegister = httperr.BadRequest("invalid or used registration token")

// onboard sets the first passphrase with the registration token, then
// opens a session: 204 for JSON, 303 to the logged-in page for the form.
func (h *Handler) onboard(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	var b onboardBody
	if c.ContentType() == "application/json" {
		if err := request.JSON(c, request.SmallBody, &b); err != nil {
			return err
		}
	} else {
		request.Limit(c, request.SmallBody)
		if err := c.ShouldBind(&b); err != nil {
			return request.Err(err)
		}
	}
	if !auth.ValidRegisterToken(inst, b.RegisterToken) {
		return errBadRegister
	}
	if !validSecret(b.Passphrase) {
		return httperr.BadRequest("passphrase is missing")
	}
	if err := checkIterations(&b.Iterations, inst); err != nil {
		return err
	}
	ctx := c.Request.Context()
	next, err := h.Instances.Update(ctx, inst.Domain, func(i *instance.Instance) error {
		// Checked again under the update: the token is single-use.
		if !auth.ValidRegisterToken(i, b.RegisterToken) {
			return errBadRegister
		}
		if err := h.Instances.SetSecret(ctx, i, b.Passphrase); err != nil {
			return err
		}
		i.KdfIterations = b.Iterations
		i.OnboardingFinished = true
		return nil
	})
	if err != nil {
		return err
	}
	if err := h.Login.OpenSession(c, next); err != nil {
		return err
	}
	if c.ContentType() == "application/json" {
		c.Status(http.StatusNoContent)
		return nil
	}
	c.Redirect(http.StatusSeeOther, next.PageURL("/auth/login"))
	return nil
}

type changeBody struct {
	Current    string `json:"current_passphrase"`
	New        string `json:"new_passphrase"`
	Iterations int    `json:"iterations"`
}

// changePassphrase needs the owner's session from the instance's origin
// and the current passphrase; it closes every other session and rotates
// the current one.
func (h *Handler) changePassphrase(c *gin.Context) error {
	inst := middleware.GetInstance(c)
	if _, err := h.Sessions.FromRequest(c.Request.Context(), inst, c.Request); err != nil {
		return fmt.Errorf("a session is needed to change the passphrase: %w", err)
	}
	if err := auth.CheckOrigin(c, inst); err != nil {
		return err
	}
	var b changeBody
	if err := request.JSON(c, request.SmallBody, &b); err != nil {
		return err
	}
	if !validSecret(b.New) || !validSecret(b.Current) {
		return httperr.BadRequest("current_passphrase and new_passphrase are needed")
	}
	if err := checkIterations(&b.Iterations, inst); err != nil {
		return err
	}
	if err := h.checkSecret(c, inst, b.Current); err != nil {
		return err
	}
	ctx := c.Request.Context()
	next, err := h.Instances.Update(ctx, inst.Domain, func(i *instance.Instance) error {
		if err := h.Instances.SetSecret(ctx, i, b.New); err != nil {
			return err
		}
		i.KdfIterations = b.Iterations
		return nil
	})
	if err != nil {
		return err
	}
	if err := h.Sessions.DeleteOthers(ctx, next, ""); err != nil {
		return err
	}
	if err := h.Login.OpenSession(c, next); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// checkSecret verifies a derived secret within the login limits: a wrong
// one is 403 here (the caller is already authenticated), a throttled
// attempt 429.
func (h *Handler) checkSecret(c *gin.Context, inst *instance.Instance, secret string) error {
	err := h.Login.CheckSecret(c, inst, secret)
	if errors.Is(err, passhash.ErrMismatch) {
		return httperr.Wrap(http.StatusForbidden, err)
	}
	return err
}

func (h *Handler) checkPassphrase(c *gin.Context) error {
	if err := h.require(c, permission.GET); err != nil {
		return err
	}
	var b struct {
		Passphrase string `json:"passphrase"`
	}
	if err := request.JSON(c, request.SmallBody, &b); err != nil {
		return err
	}
	if !validSecret(b.Passphrase) {
		return httperr.BadRequest("passphrase is needed")
	}
	if err := h.checkSecret(c, middleware.GetInstance(c), b.Passphrase); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
