package admin

import (
	"fmt"
	"net/http"

	"github.com/cozypi/cozy/pkg/remote"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// registerSecrets adds the remote doctype secret routes. Values are sent in
// the body, never in the URL, so that no access log holds them; they are
// never returned.
func (h *Handler) registerSecrets(r gin.IRouter) {
	r.GET("/instances/:domain/remote_secrets/:doctype", httperr.Handle(h.listSecrets))
	r.PUT("/instances/:domain/remote_secrets/:doctype/:name", httperr.Handle(h.setSecret))
	r.DELETE("/instances/:domain/remote_secrets/:doctype/:name", httperr.Handle(h.deleteSecret))
}

// secretStore returns the secret store of the instance named in the path.
func (h *Handler) secretStore(c *gin.Context) (remote.StoreSecrets, error) {
	inst, err := h.Instances.Get(c.Param("domain"))
	if err != nil {
		return remote.StoreSecrets{}, err
	}
	st, err := h.Instances.Store(inst)
	if err != nil {
		return remote.StoreSecrets{}, fmt.Errorf("open store of %s: %w", inst.Domain, err)
	}
	return remote.StoreSecrets{Store: st}, nil
}

// listSecrets answers the names of a remote doctype's secrets, without
// their values: GET /instances/:domain/remote_secrets/:doctype.
func (h *Handler) listSecrets(c *gin.Context) error {
	sec, err := h.secretStore(c)
	if err != nil {
		return err
	}
	keys, err := sec.Keys(c.Request.Context(), c.Param("doctype"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"doctype": c.Param("doctype"), "names": keys})
	return nil
}

// setSecret stores a secret: PUT
// /instances/:domain/remote_secrets/:doctype/:name with {"value": "..."};
// the definition reads it as {{secret_<name>}}.
func (h *Handler) setSecret(c *gin.Context) error {
	var body struct {
		Value string `json:"value"`
	}
	if err := request.JSON(c, request.SmallBody, &body); err != nil {
		return err
	}
	sec, err := h.secretStore(c)
	if err != nil {
		return err
	}
	if err := sec.Set(c.Request.Context(), c.Param("doctype"), c.Param("name"), body.Value); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// deleteSecret removes a secret: DELETE
// /instances/:domain/remote_secrets/:doctype/:name.
func (h *Handler) deleteSecret(c *gin.Context) error {
	sec, err := h.secretStore(c)
	if err != nil {
		return err
	}
	if err := sec.Delete(c.Request.Context(), c.Param("doctype"), c.Param("name")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
