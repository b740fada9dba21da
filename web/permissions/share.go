package permissions

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/cozypi/cozy/web/jsonapi"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/request"
	"github.com/gin-gonic/gin"
)

// attributes is what clients send in data.attributes.
type attributes struct {
	SourceID    string                     `json:"source_id"`
	Password    *string                    `json:"password"`
	ExpiresAt   *string                    `json:"expires_at"`
	Codes       map[string]string          `json:"codes"`
	Permissions map[string]json.RawMessage `json:"permissions"`
}

// readAttributes decodes a JSON:API body {"data": {"attributes": ...}}.
func readAttributes(c *gin.Context) (*attributes, error) {
	var doc struct {
		Data *struct {
			Attributes *attributes `json:"attributes"`
		} `json:"data"`
	}
	if err := request.JSON(c, maxBody, &doc); err != nil {
		return nil, err
	}
	if doc.Data == nil || doc.Data.Attributes == nil {
		return nil, httperr.BadRequest("missing data.attributes")
	}
	a := doc.Data.Attributes
	if a.Password != nil && *a.Password != "" {
		return nil, httperr.BadRequest("password-protected links are not supported")
	}
	return a, nil
}

// parseRules turns data.attributes.permissions into rules; a key with an
// empty object ({}) is returned in removed (PATCH removes that rule).
func parseRules(raw map[string]json.RawMessage) (add permission.Set, removed []string, err error) {
	for title, msg := range raw {
		if strings.TrimSpace(string(msg)) == "{}" {
			removed = append(removed, title)
			continue
		}
		var one permission.Set
		wrapped, _ := json.Marshal(map[string]json.RawMessage{title: msg})
		if err := json.Unmarshal(wrapped, &one); err != nil {
			return nil, nil, httperr.Wrap(http.StatusBadRequest, err)
		}
		add = append(add, one...)
	}
	return add, removed, nil
}

// create serves POST /permissions?codes=&ttl=&tinycode=: a share-by-link
// permission with a code per name.
func (h *Handler) create(c *gin.Context) error {
	cur, err := h.Auth.Permission(c)
	if err != nil {
		return err
	}
	req, err := readShare(c)
	if err != nil {
		return err
	}
	req.Creator = cur
	p, err := h.Perms.CreateShare(c.Request.Context(), middleware.GetInstance(c), req)
	if err != nil {
		return err
	}
	return jsonapi.Data(c, http.StatusOK, object(p, true))
}

// readShare reads the share asked for: rules and source from the body,
// code names, ttl and tinycode from the query.
func readShare(c *gin.Context) (permstore.ShareRequest, error) {
	var req permstore.ShareRequest
	a, err := readAttributes(c)
	if err != nil {
		return req, err
	}
	rules, removed, err := parseRules(a.Permissions)
	if err != nil {
		return req, err
	}
	if len(removed) > 0 {
		return req, httperr.BadRequest("a share needs complete rules")
	}
	req.Rules, req.SourceID, req.Tiny = rules, a.SourceID, c.Query("tinycode") == "true"
	if raw := c.Query("ttl"); raw != "" {
		if req.TTL, err = permstore.ParseTTL(raw); err != nil {
			return req, httperr.Wrap(http.StatusBadRequest, err)
		}
	}
	if a.ExpiresAt != nil && *a.ExpiresAt != "" {
		exp, err := time.Parse(time.RFC3339, *a.ExpiresAt)
		if err != nil {
			return req, httperr.BadRequest("expires_at is not an RFC 3339 date")
		}
		req.ExpiresAt = &exp
	}
	if list := c.Query("codes"); list != "" {
		req.Codes = strings.Split(list, ",")
	}
	return req, nil
}
