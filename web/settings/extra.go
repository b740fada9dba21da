package settings

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
	"unicode"

	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// Default redirections after login and onboarding, as upstream's defaults.
const (
	defaultRedirection   = "drive/#/folder"
	onboardedRedirection = "home/"
)

func (h *Handler) context(c *gin.Context) {
	if !h.authenticated(c) {
		return
	}
	inst := middleware.GetInstance(c)
	resource(c, http.StatusOK, "io.cozy.settings.context", "", gin.H{
		"default_redirection": defaultRedirection, "onboarded_redirection": onboardedRedirection,
		"context": inst.ContextName})
}

// flags answers the computed feature flags: none are defined yet.
func (h *Handler) flags(c *gin.Context) {
	if !h.authenticated(c) {
		return
	}
	resource(c, http.StatusOK, "io.cozy.settings.flags", "", gin.H{})
}

// synchronized records the synchronization of the OAuth client whose token
// makes the request; no permission is needed, but only OAuth tokens.
func (h *Handler) synchronized(c *gin.Context) {
	p, err := h.Auth.Permission(c)
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	id, ok := strings.CutPrefix(p.SourceID, oauth.ClientsDoctype+"/")
	if p.Type != permission.TypeOAuth || !ok {
		httperr.JSONAPI(c, httperr.New(http.StatusForbidden, "only an OAuth client can say it synchronized"))
		return
	}
	err = h.OAuth.Synchronized(c, middleware.GetInstance(c), id)
	if errors.Is(err, oauth.ErrInvalidClient) {
		httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "no such OAuth client"))
		return
	}
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// currentSession describes the session of the request's cookie.
func (h *Handler) currentSession(c *gin.Context) {
	s, err := h.Sessions.FromRequest(c, middleware.GetInstance(c), c.Request)
	if errors.Is(err, session.ErrNoSession) {
		httperr.JSONAPI(c, httperr.New(http.StatusUnauthorized, "no session"))
		return
	}
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	c.Header("Content-Type", "application/vnd.api+json")
	c.JSON(http.StatusOK, gin.H{"data": gin.H{"type": session.Doctype, "id": s.ID, "attributes": gin.H{
		"created_at": s.CreatedAt, "expires_at": s.ExpiresAt, "long_run": s.LongRun, "last_seen": ""},
		"meta": gin.H{"rev": s.Rev}}})
}

// connectionCheck lets a client see that the instance answers.
func (h *Handler) connectionCheck(c *gin.Context) { c.Status(http.StatusNoContent) }

// avatar serves the owner's avatar. No image can be uploaded yet, so it is
// always a fallback: an SVG with the initials of the public name
// (fallback=initials, and the default), a generic silhouette
// (fallback=anonymous) or a 404 (fallback=404).
func (h *Handler) avatar(c *gin.Context) {
	var svg string
	switch c.Query("fallback") {
	case "404":
		httperr.JSONAPI(c, httperr.New(http.StatusNotFound, "no avatar"))
		return
	case "anonymous":
		svg = anonymousSVG
	default:
		svg = initialsSVG(initials(middleware.GetInstance(c).PublicName))
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, "image/svg+xml", []byte(svg))
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
