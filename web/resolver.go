package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/middleware"
)

// resolver checks token subjects against what the instance stores: app
// and konnector permission documents, OAuth clients, share permissions.
// App tokens are only good together with a valid session cookie of the
// instance, as upstream rules.
type resolver struct {
	perms    *permstore.Store
	sessions *session.Manager
	clients  *oauth.Service
}

func (r *resolver) App(ctx context.Context, inst *instance.Instance, slug string, claims *token.Claims, req *http.Request) (*permission.Permission, error) {
	if _, err := r.sessions.FromRequest(ctx, inst, req); err != nil {
		if errors.Is(err, session.ErrNoSession) {
			return nil, fmt.Errorf("%w: app token without a valid session: %w", token.ErrInvalid, err)
		}
		return nil, err
	}
	// A browser names the page that sent the request: an app's token is
	// only good from the app's own sub-domain.
	if o := req.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || !strings.EqualFold(u.Host, inst.AppHost(slug)) {
			return nil, fmt.Errorf("%w: the token of app %q is used from another origin", token.ErrInvalid, slug)
		}
	}
	p, err := r.perms.ForApp(ctx, inst, slug)
	if errors.Is(err, permstore.ErrNotFound) {
		return nil, fmt.Errorf("%w: app %q is not installed", middleware.ErrUnknownSubject, slug)
	}
	return p, err
}

func (r *resolver) AppService(ctx context.Context, inst *instance.Instance, slug string) (*permission.Permission, error) {
	p, err := r.perms.ForApp(ctx, inst, slug)
	if errors.Is(err, permstore.ErrNotFound) {
		return nil, fmt.Errorf("%w: app %q is not installed", middleware.ErrUnknownSubject, slug)
	}
	return p, err
}

func (r *resolver) Konnector(ctx context.Context, inst *instance.Instance, slug string) (*permission.Permission, error) {
	p, err := r.perms.ForKonnector(ctx, inst, slug)
	if errors.Is(err, permstore.ErrNotFound) {
		return nil, fmt.Errorf("%w: konnector %q is not installed", middleware.ErrUnknownSubject, slug)
	}
	return p, err
}

func (r *resolver) OAuthClient(ctx context.Context, inst *instance.Instance, clientID string) error {
	ok, err := r.clients.Exists(ctx, inst, clientID)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: OAuth client %q", middleware.ErrUnknownSubject, clientID)
	}
	return nil
}

// ShareCode returns the share a code was issued for: the code names its
// share, which must still list it; an expired share's code is
// token.ErrExpired and never opens another share.
func (r *resolver) ShareCode(ctx context.Context, inst *instance.Instance, code string) (*permission.Permission, error) {
	p, err := r.perms.ByCode(ctx, inst, code)
	if errors.Is(err, permstore.ErrNotFound) {
		return nil, fmt.Errorf("%w: share code: %w", middleware.ErrUnknownSubject, err)
	}
	return p, err
}

// clientRegistrar lets the admin API register OAuth clients.
type clientRegistrar struct{ clients *oauth.Service }

// RegisterClient implements admin.ClientRegistrar.
func (c clientRegistrar) RegisterClient(ctx context.Context, inst *instance.Instance, redirectURI, clientName, softwareID string, allowLoginScope bool) (any, error) {
	cl, err := c.clients.RegisterByOwner(ctx, inst, oauth.Metadata{RedirectURIs: []string{redirectURI}, ClientName: clientName, SoftwareID: softwareID}, allowLoginScope)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", instance.ErrInvalid, err)
	}
	return cl, nil
}
