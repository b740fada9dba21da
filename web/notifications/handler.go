package notifications

import (
	"context"
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
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/request"
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
	r.POST("/notifications", httperr.Handle(h.create))
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

// create serves POST /notifications: an app or konnector notifies the
// owner; the notification is stored and mailed. A mail that cannot be sent
// is logged, the notification is still created.
func (h *Handler) create(c *gin.Context) error {
	if err := h.Auth.RequireWhole(c, permission.POST, notification.Doctype); err != nil {
		return err
	}
	p, _ := h.Auth.Permission(c)
	from, ok := sender(p, middleware.Claims(c))
	if !ok {
		return httperr.Forbidden("only apps and konnectors can send notifications")
	}
	var b body
	if err := request.JSON(c, maxBody, &b); err != nil {
		return err
	}
	inst := middleware.GetInstance(c)
	n, sent, err := h.service().Create(c.Request.Context(), inst, from, b.Data.Attributes)
	if err != nil && n == nil {
		return err
	}
	if err != nil {
		h.Log.Warn("notifications: a notification could not be mailed", "domain", inst.Domain, "source", n.SourceID, "error", err)
	}
	h.Log.Debug("notifications: created", "domain", inst.Domain, "source", n.SourceID, "mailed", sent)
	attrs := *n
	attrs.ID, attrs.Rev = "", ""
	return jsonapi.Data(c, http.StatusCreated, jsonapi.Object{Type: notification.Doctype, ID: n.ID, Attributes: attrs}.WithRev(n.Rev))
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
