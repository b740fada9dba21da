package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/cozypi/cozy/pkg/remote"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// maxSecretBody caps the JSON body of a secret update.
const maxSecretBody = 64 << 10

// registerSecrets adds the remote doctype secret routes. Values are sent in
// the body, never in the URL, so that no access log holds them; they are
// never returned.
func (h *Handler) registerSecrets(r gin.IRouter) {
	r.GET("/instances/:domain/remote_secrets/:doctype", h.listSecrets)
	r.PUT("/instances/:domain/remote_secrets/:doctype/:name", h.setSecret)
	r.DELETE("/instances/:domain/remote_secrets/:doctype/:name", h.deleteSecret)
}

// secretStore returns the secret store of the instance named in the path.
func (h *Handler) secretStore(c *gin.Context) (remote.StoreSecrets, bool) {
	inst, err := h.Instances.Get(c.Param("domain"))
	if err != nil {
		httperr.JSONAPI(c, err)
		return remote.StoreSecrets{}, false
	}
	st, err := h.Instances.Store(inst)
	if err != nil {
		httperr.JSONAPI(c, fmt.Errorf("open store of %s: %w", inst.Domain, err))
		return remote.StoreSecrets{}, false
	}
	return remote.StoreSecrets{Store: st}, true
}

// secretError maps the secret store's errors.
func secretError(c *gin.Context, err error) {
	switch {
	case errors.Is(err, remote.ErrInvalidSecret):
		err = httperr.Wrap(http.StatusBadRequest, err)
	case errors.Is(err, remote.ErrSecretNotFound):
		err = httperr.Wrap(http.StatusNotFound, err)
	}
	httperr.JSONAPI(c, err)
}

// listSecrets answers the names of a remote doctype's secrets, without
// their values: GET /instances/:domain/remote_secrets/:doctype.
func (h *Handler) listSecrets(c *gin.Context) {
	sec, ok := h.secretStore(c)
	if !ok {
		return
	}
	keys, err := sec.Keys(c.Request.Context(), c.Param("doctype"))
	if err != nil {
		secretError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"doctype": c.Param("doctype"), "names": keys})
}

// setSecret stores a secret: PUT
// /instances/:domain/remote_secrets/:doctype/:name with {"value": "..."};
// the definition reads it as {{secret_<name>}}.
func (h *Handler) setSecret(c *gin.Context) {
	var body struct {
		Value string `json:"value"`
	}
	data, err := io.ReadAll(io.LimitReader(c.Request.Body, maxSecretBody+1))
	if err != nil || len(data) > maxSecretBody || json.Unmarshal(data, &body) != nil {
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, `the body must be a JSON object {"value": "<secret>"}`))
		return
	}
	sec, ok := h.secretStore(c)
	if !ok {
		return
	}
	if err := sec.Set(c.Request.Context(), c.Param("doctype"), c.Param("name"), body.Value); err != nil {
		secretError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// deleteSecret removes a secret: DELETE
// /instances/:domain/remote_secrets/:doctype/:name.
func (h *Handler) deleteSecret(c *gin.Context) {
	sec, ok := h.secretStore(c)
	if !ok {
		return
	}
	if err := sec.Delete(c.Request.Context(), c.Param("doctype"), c.Param("name")); err != nil {
		secretError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
