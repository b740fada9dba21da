package notifications

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/mail"
	"github.com/cozypi/cozy/pkg/notification"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

const maxBody = 256 << 10

// Handler serves /notifications.
type Handler struct {
	Instances *instance.Manager
	Auth      *middleware.Auth
	Mail      config.Mail
	Log       *slog.Logger
}

// Register adds the routes.
func (h *Handler) Register(r *gin.RouterGroup) {
	r.POST("/notifications", h.create)
}

// service builds the notification service over the handler's instances,
// mailing directly through the configured SMTP server.
func (h *Handler) service() *notification.Service {
	return &notification.Service{Stores: h.Instances, Mail: func(ctx context.Context, inst *instance.Instance, msg mail.Message) error {
		msg.Owner = mail.Address{Name: inst.PublicName, Email: inst.Email}
		msg.Domain = inst.Domain
		return mail.Send(ctx, h.Mail, msg)
	}}
}

type body struct {
	Data struct {
		Attributes notification.Notification `json:"attributes"`
	} `json:"data"`
}

func (h *Handler) create(c *gin.Context) {
	if !h.Auth.AllowWhole(c, permission.POST, notification.Doctype) {
		return
	}
	p, _ := h.Auth.Permission(c)
	from, ok := sender(p, middleware.Claims(c))
	if !ok {
		httperr.JSONAPI(c, httperr.New(http.StatusForbidden, "only apps and konnectors can send notifications"))
		return
	}
	var b body
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	if err := dec.Decode(&b); err != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "the body must be a JSON:API document {\"data\":{\"attributes\":{...}}} under 256 KiB"))
		return
	}
	inst := middleware.GetInstance(c)
	n, sent, err := h.service().Create(c.Request.Context(), inst, from, b.Data.Attributes)
	switch {
	case errors.Is(err, notification.ErrInvalid):
		httperr.JSONAPI(c, httperr.Wrap(http.StatusUnprocessableEntity, err))
		return
	case errors.Is(err, notification.ErrUnknownApp):
		httperr.JSONAPI(c, httperr.Wrap(http.StatusNotFound, err))
		return
	case err != nil && n == nil:
		httperr.JSONAPI(c, err)
		return
	case err != nil:
		h.Log.Warn("notifications: a notification could not be mailed", "domain", inst.Domain, "source", n.SourceID, "error", err)
	}
	h.Log.Debug("notifications: created", "domain", inst.Domain, "source", n.SourceID, "mailed", sent)
	attrs := *n
	attrs.ID, attrs.Rev = "", ""
	c.JSON(http.StatusCreated, gin.H{"data": gin.H{
		"type": notification.Doctype, "id": n.ID, "meta": gin.H{"rev": n.Rev}, "attributes": attrs,
	}})
}

// sender finds the app or konnector behind a permission: its source for
// app and konnector tokens, the subject of a CLI token (the token of an
// app's service).
func sender(p *permission.Permission, claims *token.Claims) (notification.Sender, bool) {
	switch p.Type {
	case permission.TypeApp, permission.TypeKonnector:
		for prefix, originator := range map[string]string{"io.cozy.apps/": "app", "io.cozy.konnectors/": "konnector"} {
			if slug, ok := strings.CutPrefix(p.SourceID, prefix); ok && slug != "" {
				return notification.Sender{Originator: originator, Slug: slug}, true
			}
		}
	case permission.TypeCLI:
		if claims != nil && claims.Subject != "" {
			return notification.Sender{Originator: "app", Slug: claims.Subject}, true
		}
	}
	return notification.Sender{}, false
}
