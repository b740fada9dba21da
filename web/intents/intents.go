// Package intents serves /intents (intents.md): an app starts an intent
// (POST /intents) and gets the services that handle it; a service reads
// the intent it was opened for (GET /intents/:id). See package
// pkg/intent for the resolution and its limits.
package intents

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/cozypi/cozy/pkg/intent"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// Handler serves /intents.
type Handler struct {
	Intents *intent.Intents
	Auth    *middleware.Auth
	Log     *slog.Logger
}

// Register adds the routes.
func (h *Handler) Register(r gin.IRouter) {
	r.POST("/intents", httperr.Handle(h.start))
	r.GET("/intents/:id", httperr.Handle(h.get))
}

type startBody struct {
	Data struct {
		Type       string `json:"type"`
		Attributes struct {
			Action      string   `json:"action"`
			Type        string   `json:"type"`
			Permissions []string `json:"permissions"`
		} `json:"attributes"`
	} `json:"data"`
}

// appSlug returns the web app whose token makes the request: intents are
// between web apps, so no other token is accepted (no permission is
// needed, as upstream).
func (h *Handler) appSlug(c *gin.Context) (string, *permission.Permission, error) {
	p, err := h.Auth.Permission(c)
	if err != nil {
		return "", nil, err
	}
	cl := middleware.Claims(c)
	if p.Type != permission.TypeApp || cl == nil || cl.Subject == "" {
		return "", nil, httperr.Forbidden("only a web app can use intents")
	}
	return cl.Subject, p, nil
}

func (h *Handler) start(c *gin.Context) error {
	slug, p, err := h.appSlug(c)
	if err != nil {
		return err
	}
	var b startBody
	if err := request.JSON(c, request.SmallBody, &b); err != nil {
		return err
	}
	if b.Data.Type != "" && b.Data.Type != intent.Doctype {
		return httperr.BadRequest("the type of the data is " + intent.Doctype)
	}
	a := b.Data.Attributes
	in, err := h.Intents.Start(c.Request.Context(), middleware.GetInstance(c), slug, p.ID,
		intent.Intent{Action: a.Action, Type: a.Type, Permissions: a.Permissions})
	if err != nil {
		return intentError(err)
	}
	return jsonapi.Data(c, http.StatusCreated, object(in))
}

// get is GET /intents/:id: only a service of the intent may read it.
func (h *Handler) get(c *gin.Context) error {
	slug, _, err := h.appSlug(c)
	if err != nil {
		return err
	}
	in, err := h.Intents.Get(c.Request.Context(), middleware.GetInstance(c), c.Param("id"))
	if err != nil {
		return intentError(err)
	}
	if !in.HandledBy(slug) {
		return httperr.Forbidden("only a service of the intent can read it")
	}
	return jsonapi.Data(c, http.StatusOK, object(in))
}

func intentError(err error) error {
	switch {
	case errors.Is(err, intent.ErrInvalid):
		return &httperr.Error{Status: http.StatusBadRequest, Detail: err.Error(), Err: err}
	case errors.Is(err, intent.ErrNotFound):
		return &httperr.Error{Status: http.StatusNotFound, Detail: "intent not found", Err: err}
	}
	return err
}

func object(in *intent.Intent) jsonapi.Object {
	attrs := map[string]any{"action": in.Action, "type": in.Type, "client": in.Client,
		"services": in.Services, "availableApps": in.AvailableApps}
	if len(in.Permissions) > 0 {
		attrs["permissions"] = in.Permissions
	}
	links := map[string]any{"self": "/intents/" + in.ID}
	if in.PermissionID != "" {
		links["permissions"] = "/permissions/" + in.PermissionID
	}
	return jsonapi.Object{Type: intent.Doctype, ID: in.ID, Attributes: attrs, Links: links}.WithRev(in.Rev)
}
