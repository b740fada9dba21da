package settings

import (
	"net/http"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
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

func (h *Handler) getInstance(c *gin.Context) {
	if !h.allow(c, permission.GET) {
		return
	}
	inst := middleware.GetInstance(c)
	resource(c, http.StatusOK, "io.cozy.settings.instance", inst.Rev(), attrsOf(inst))
}

type putInstanceBody struct {
	Data struct {
		Meta struct {
			Rev string `json:"rev"`
		} `json:"meta"`
		Attributes struct {
			Locale     *string `json:"locale"`
			TZ         *string `json:"tz"`
			Email      *string `json:"email"`
			PublicName *string `json:"public_name"`
		} `json:"attributes"`
	} `json:"data"`
}

func (h *Handler) putInstance(c *gin.Context) {
	if !h.allow(c, permission.PUT) {
		return
	}
	inst := middleware.GetInstance(c)
	var body putInstanceBody
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10)
	if err := c.ShouldBindJSON(&body); err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "malformed JSON:API body"))
		return
	}
	if rev := body.Data.Meta.Rev; rev != "" && rev != inst.Rev() {
		httperr.JSONAPI(c, httperr.New(http.StatusConflict, "the instance settings were changed since this revision"))
		return
	}
	a := body.Data.Attributes
	for _, s := range []*string{a.Locale, a.TZ, a.Email, a.PublicName} {
		if s != nil && len(*s) > 256 {
			httperr.JSONAPI(c, httperr.New(http.StatusUnprocessableEntity, "a setting is too long"))
			return
		}
	}
	next, err := h.Instances.Update(c, inst.Domain, func(i *instance.Instance) error {
		if a.Locale != nil {
			i.Locale = *a.Locale
		}
		if a.TZ != nil {
			i.TZ = *a.TZ
		}
		if a.Email != nil {
			i.Email = *a.Email
		}
		if a.PublicName != nil {
			i.PublicName = *a.PublicName
		}
		return nil
	})
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	resource(c, http.StatusOK, "io.cozy.settings.instance", next.Rev(), attrsOf(next))
}
