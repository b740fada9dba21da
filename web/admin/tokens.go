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
func (h *Handler) createToken(c *gin.Context) error {
	q := c.Request.URL.Query()
	inst, err := h.Instances.Get(q.Get("Domain"))
	if err != nil {
		return err
	}
	claims := token.Claims{Audience: token.Audience(q.Get("Audience")), Subject: q.Get("Subject"), Scope: q.Get("Scope")}
	if err := h.checkClaims(c.Request.Context(), inst, claims); err != nil {
		return err
	}
	if v := q.Get("Expire"); v != "" && v != "0s" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return httperr.BadRequest("Expire must be a positive duration such as 1h")
		}
		claims.ExpiresAt = time.Now().Add(d).Unix()
	}
	raw, err := inst.IssueClaims(claims)
	if err != nil {
		return err
	}
	c.String(http.StatusOK, raw)
	return nil
}

// checkClaims refuses a token that could not be used: a bad scope, an
// OAuth token of an unknown client, an app token without its slug.
func (h *Handler) checkClaims(ctx context.Context, inst *instance.Instance, claims token.Claims) error {
	switch claims.Audience {
	case token.CLI, token.Access, token.Refresh:
		if _, err := permission.ParseScope(claims.Scope); err != nil {
			return err
		}
		if claims.Audience == token.CLI {
			return nil
		}
		if claims.Subject == "" {
			return httperr.BadRequest("an OAuth token needs the client id as Subject")
		}
		if err := h.Resolver.OAuthClient(ctx, inst, claims.Subject); err != nil {
			return httperr.Wrap(http.StatusNotFound, fmt.Errorf("OAuth client %q: %w", claims.Subject, err))
		}
	case token.App, token.Konnector:
		if claims.Subject == "" {
			return httperr.BadRequest("missing Subject (the slug)")
		}
	case token.Share, token.Registration:
	default:
		return httperr.BadRequest("unknown Audience " + string(claims.Audience))
	}
	return nil
}

// createClient registers an OAuth client: POST /instances/oauth_client?Domain=&RedirectURI=&ClientName=&SoftwareID=
func (h *Handler) createClient(c *gin.Context) error {
	q := c.Request.URL.Query()
	inst, err := h.Instances.Get(q.Get("Domain"))
	if err != nil {
		return err
	}
	if h.Clients == nil {
		return httperr.New(http.StatusNotImplemented, "OAuth clients are not available")
	}
	client, err := h.Clients.RegisterClient(c.Request.Context(), inst, q.Get("RedirectURI"), q.Get("ClientName"), q.Get("SoftwareID"), q.Get("AllowLoginScope") == "true")
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, client)
	return nil
}
