package apps

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cozypi/cozy/pkg/apps"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/gin-gonic/gin"
)

// boolParam reads a boolean query parameter with a default.
func boolParam(c *gin.Context, name string, def bool) (bool, error) {
	s, ok := c.GetQuery(name)
	if !ok || s == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, httperr.BadRequest(name + " must be true or false")
	}
	return b, nil
}

func (h *Handler) install(c *gin.Context, k apps.Kind) error { return h.run(c, k, false) }
func (h *Handler) update(c *gin.Context, k apps.Kind) error  { return h.run(c, k, true) }

// run starts an install or update: 202 with the document, or with
// Accept: text/event-stream, a stream of its states until it ends.
func (h *Handler) run(c *gin.Context, k apps.Kind, update bool) error {
	verb, start := permission.POST, h.Apps.Install
	if update {
		verb, start = permission.PUT, h.Apps.Update
	}
	if err := h.Auth.RequireWhole(c, verb, k.Doctype()); err != nil {
		return err
	}
	acked, err := boolParam(c, "PermissionsAcked", true)
	if err != nil {
		return err
	}
	inst := middleware.GetInstance(c)
	op, err := start(c.Request.Context(), inst, apps.Request{Kind: k, Slug: c.Param("slug"), Source: c.Query("Source"), PermissionsAcked: acked})
	if errors.Is(err, apps.ErrClosed) {
		return httperr.Wrap(http.StatusServiceUnavailable, err) // no table entry for apps.ErrClosed yet
	}
	if err != nil {
		return err
	}
	first, err := resource(inst, op.App)
	if err != nil {
		return err
	}
	if !strings.Contains(c.GetHeader("Accept"), "text/event-stream") {
		return jsonapi.Data(c, http.StatusAccepted, first)
	}
	return h.stream(c, inst, op, first)
}

// stream sends the operation's first state, then its last one or its
// error, as server-sent events. A client leaving does not stop the
// operation, which the manager owns.
func (h *Handler) stream(c *gin.Context, inst *instance.Instance, op *apps.Op, first jsonapi.Object) error {
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-cache")
	c.Status(http.StatusOK)
	if err := event(c, "state", jsonapi.Document{Data: first}); err != nil {
		return err
	}
	select {
	case <-op.Done():
	case <-c.Request.Context().Done():
		return nil
	}
	a, err := op.Wait()
	if err != nil {
		return event(c, "error", httperr.Message(err))
	}
	last, err := resource(inst, a)
	if err != nil {
		return err
	}
	return event(c, "state", jsonapi.Document{Data: last})
}

// event writes one server-sent event.
func event(c *gin.Context, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("apps: encode event: %w", err)
	}
	if _, err := fmt.Fprintf(c.Writer, "event: %s\ndata: %s\n\n", name, b); err != nil {
		return err
	}
	c.Writer.Flush()
	return nil
}
