package settings

import (
	"net/http"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// instanceAttrs are the settings of an instance shown and edited here.
type instanceAttrs struct {
	Locale             string `json:"locale"`
	TZ                 string `json:"tz,omitempty"`
	Email              string `json:"email,omitempty"`
	PublicName         string `json:"public_name,omitempty"`
	Context            string `json:"context,omitempty"`
	PasswordDefined    bool   `json:"password_defined"`
	OnboardingFinished bool   `json:"onboarding_finished"`
	AuthMode           string `json:"auth_mode"`
}

func attrsOf(inst *instance.Instance) instanceAttrs {
	return instanceAttrs{Locale: inst.Locale, TZ: inst.TZ, Email: inst.Email, PublicName: inst.PublicName,
		Context: inst.ContextName, PasswordDefined: inst.PassphraseHash != "", OnboardingFinished: inst.OnboardingFinished, AuthMode: "basic"}
}

func (h *Handler) getInstance(c *gin.Context) error {
	if err := h.require(c, permission.GET); err != nil {
		return err
	}
	inst := middleware.GetInstance(c)
	return jsonapi.Data(c, http.StatusOK, settingsObject(c, "io.cozy.settings.instance", attrsOf(inst)).WithRev(inst.Rev()))
}

type putInstanceBody struct {
	Data struct {
		Meta struct {
			Rev string `json:"rev"`
		} `json:"meta"`
		Attributes instanceChanges `json:"attributes"`
	} `json:"data"`
}

// instanceChanges are the settings a PUT may change; nil leaves one as is.
type instanceChanges struct {
	Locale     *string `json:"locale"`
	TZ         *string `json:"tz"`
	Email      *string `json:"email"`
	PublicName *string `json:"public_name"`
}

// maxSetting bounds each setting's length.
const maxSetting = 256

func (ch instanceChanges) apply(i *instance.Instance) error {
	for _, f := range []struct {
		v   *string
		dst *string
	}{{ch.Locale, &i.Locale}, {ch.TZ, &i.TZ}, {ch.Email, &i.Email}, {ch.PublicName, &i.PublicName}} {
		if f.v == nil {
			continue
		}
		if len(*f.v) > maxSetting {
			return httperr.New(http.StatusUnprocessableEntity, "a setting is too long")
		}
		*f.dst = *f.v
	}
	return nil
}

func (h *Handler) putInstance(c *gin.Context) error {
	if err := h.require(c, permission.PUT); err != nil {
		return err
	}
	inst := middleware.GetInstance(c)
	var body putInstanceBody
	if err := request.JSON(c, request.SmallBody, &body); err != nil {
		return err
	}
	if rev := body.Data.Meta.Rev; rev != "" && rev != inst.Rev() {
		return httperr.Conflict("the instance settings were changed since this revision")
	}
	next, err := h.Instances.Update(c.Request.Context(), inst.Domain, body.Data.Attributes.apply)
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, settingsObject(c, "io.cozy.settings.instance", attrsOf(next)).WithRev(next.Rev()))
}
