package admin

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

// ClientRegistrar creates OAuth clients from the admin API.
type ClientRegistrar interface {
	// RegisterClient creates a client and returns its JSON representation
	// (as the dynamic registration endpoint answers).
	RegisterClient(ctx context.Context, inst *instance.Instance, redirectURI, clientName, softwareID string, allowLoginScope bool) (any, error)
}

// createToken issues a token: POST /instances/token?Domain=&Audience=&Subject=&Scope=&Expire=
func (h *Handler) createToken(c *gin.Context) {
	q := c.Request.URL.Query()
	inst, err := h.Instances.Get(q.Get("Domain"))
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	claims := token.Claims{Audience: token.Audience(q.Get("Audience")), Subject: q.Get("Subject"), Scope: q.Get("Scope")}
	switch claims.Audience {
	case token.CLI, token.Access, token.Refresh:
		if _, err := permission.ParseScope(claims.Scope); err != nil {
			httperr.JSONAPI(c, httperr.Wrap(http.StatusBadRequest, err))
			return
		}
		if claims.Audience != token.CLI {
			if claims.Subject == "" {
				httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "an OAuth token needs the client id as Subject"))
				return
			}
			if err := h.Resolver.OAuthClient(c.Request.Context(), inst, claims.Subject); err != nil {
				httperr.JSONAPI(c, httperr.Wrap(http.StatusNotFound, fmt.Errorf("OAuth client %q: %w", claims.Subject, err)))
				return
			}
		}
	case token.App, token.Konnector:
		if claims.Subject == "" {
			httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "missing Subject (the slug)"))
			return
		}
	case token.Share, token.Registration:
	default:
		httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "unknown Audience "+string(claims.Audience)))
		return
	}
	if v := q.Get("Expire"); v != "" && v != "0s" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			httperr.JSONAPI(c, httperr.New(http.StatusBadRequest, "Expire must be a positive duration such as 1h"))
			return
		}
		claims.ExpiresAt = time.Now().Add(d).Unix()
	}
	raw, err := inst.IssueClaims(claims)
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	c.String(http.StatusOK, raw)
}

// createClient registers an OAuth client: POST /instances/oauth_client?Domain=&RedirectURI=&ClientName=&SoftwareID=
func (h *Handler) createClient(c *gin.Context) {
	q := c.Request.URL.Query()
	inst, err := h.Instances.Get(q.Get("Domain"))
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	if h.Clients == nil {
		httperr.JSONAPI(c, httperr.New(http.StatusNotImplemented, "OAuth clients are not available"))
		return
	}
	client, err := h.Clients.RegisterClient(c.Request.Context(), inst, q.Get("RedirectURI"), q.Get("ClientName"), q.Get("SoftwareID"), q.Get("AllowLoginScope") == "true")
	if err != nil {
		httperr.JSONAPI(c, err)
		return
	}
	c.JSON(http.StatusOK, client)
}
