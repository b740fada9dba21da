package settings

import (
	"encoding/xml"
	"net/http"
	"strings"
	"unicode"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// Default redirections after login and onboarding: where login lands
// (apps.DefaultRedirection, the home app) and upstream's onboarding one.
const (
	defaultRedirection   = apps.DefaultRedirection
	onboardedRedirection = "home/"
)

func (h *Handler) context(c *gin.Context) error {
	if err := h.requireAny(c); err != nil {
		return err
	}
	inst := middleware.GetInstance(c)
	return jsonapi.Data(c, http.StatusOK, settingsObject(c, "io.cozy.settings.context", map[string]any{
		"default_redirection": defaultRedirection, "onboarded_redirection": onboardedRedirection,
		"context": inst.ContextName}))
}

// flags answers the computed feature flags: none are defined yet.
func (h *Handler) flags(c *gin.Context) error {
	if err := h.requireAny(c); err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, settingsObject(c, "io.cozy.settings.flags", map[string]any{}))
}

// synchronized records the synchronization of the OAuth client whose token
// makes the request; no permission is needed, but only OAuth tokens.
func (h *Handler) synchronized(c *gin.Context) error {
	p, err := h.Auth.Permission(c)
	if err != nil {
		return err
	}
	id, ok := strings.CutPrefix(p.SourceID, oauth.ClientsDoctype+"/")
	if p.Type != permission.TypeOAuth || !ok {
		return httperr.Forbidden("only an OAuth client can say it synchronized")
	}
	if err := h.OAuth.Synchronized(c.Request.Context(), middleware.GetInstance(c), id); err != nil {
		return clientError(err)
	}
	c.Status(http.StatusNoContent)
	return nil
}

// currentSession describes the session of the request's cookie.
func (h *Handler) currentSession(c *gin.Context) error {
	s, err := h.Sessions.FromRequest(c.Request.Context(), middleware.GetInstance(c), c.Request)
	if err != nil {
		return err
	}
	o := sessionObject(s)
	o.Attributes.(map[string]any)["last_seen"] = ""
	return jsonapi.Data(c, http.StatusOK, o)
}

// connectionCheck lets a client see that the instance answers.
func (h *Handler) connectionCheck(c *gin.Context) { c.Status(http.StatusNoContent) }

// avatar serves the owner's avatar. No image can be uploaded yet, so it is
// always a fallback: an SVG with the initials of the public name
// (fallback=initials, and the default), a generic silhouette
// (fallback=anonymous) or a 404 (fallback=404).
func (h *Handler) avatar(c *gin.Context) error {
	var svg string
	switch c.Query("fallback") {
	case "404":
		return httperr.NotFound("no avatar")
	case "anonymous":
		svg = anonymousSVG
	default:
		svg = initialsSVG(initials(middleware.GetInstance(c).PublicName))
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, "image/svg+xml", []byte(svg))
	return nil
}

const anonymousSVG = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">` +
	`<circle cx="32" cy="32" r="32" fill="#b2bec3"/><circle cx="32" cy="25" r="11" fill="#fff"/>` +
	`<path d="M12 54c3-11 11-16 20-16s17 5 20 16" fill="#fff"/></svg>`

// initials takes the first letter of up to two words of name.
func initials(name string) string {
	var out []rune
	for _, word := range strings.Fields(name) {
		for _, r := range word {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				out = append(out, unicode.ToUpper(r))
				break
			}
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

func initialsSVG(text string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(text))
	return `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">` +
		`<circle cx="32" cy="32" r="32" fill="#297ef2"/><text x="32" y="41" font-family="sans-serif" ` +
		`font-size="26" text-anchor="middle" fill="#fff">` + b.String() + `</text></svg>`
}
