package middleware

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/httperr"
	"github.com/gin-gonic/gin"
)

const (
	keyPermission = "cozy.permission"
	keyClaims     = "cozy.claims"
)

// Resolver finds what a token's subject is allowed to do. Each kind of
// token is checked against something stored, so that uninstalling an app,
// deleting an OAuth client or revoking a share ends its tokens.
type Resolver interface {
	// App returns the permission of an installed web app; sessionOK tells
	// whether the request carries a valid session cookie of the instance.
	App(ctx context.Context, inst *instance.Instance, slug string, claims *token.Claims, r *http.Request) (*permission.Permission, error)
	// AppService returns the current permission of an installed app for
	// its services, which run without a browser session.
	AppService(ctx context.Context, inst *instance.Instance, slug string) (*permission.Permission, error)
	// Konnector returns the permission of an installed konnector.
	Konnector(ctx context.Context, inst *instance.Instance, slug string) (*permission.Permission, error)
	// OAuthClient checks that an OAuth client still exists.
	OAuthClient(ctx context.Context, inst *instance.Instance, clientID string) error
	// ShareCode returns the share-by-link permission holding code.
	ShareCode(ctx context.Context, inst *instance.Instance, code string) (*permission.Permission, error)
}

// ErrUnknownSubject is returned by a Resolver when a token names an app,
// konnector, client or share that does not exist (any more).
var ErrUnknownSubject = errors.New("token subject not found")

// Clock returns the current time; tests pass a fixed one.
type Clock func() time.Time

// Auth resolves credentials to permissions; one per server.
type Auth struct {
	Resolver Resolver
	Now      Clock
}

// TokenFromRequest finds the token of a request in the three places
// upstream accepts it: an "Authorization: Bearer" header, the password of
// an "Authorization: Basic" header (PouchDB sends it so), or the
// bearer_token query parameter.
func TokenFromRequest(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		switch strings.ToLower(scheme) {
		case "bearer":
			return strings.TrimSpace(rest)
		case "basic":
			raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
			if err != nil {
				return ""
			}
			_, password, _ := strings.Cut(string(raw), ":")
			return password
		}
		return ""
	}
	return r.URL.Query().Get("bearer_token")
}

// Permission returns the permission of the request, resolving it once.
func (a *Auth) Permission(c *gin.Context) (*permission.Permission, error) {
	if v, ok := c.Get(keyPermission); ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v.(*permission.Permission), nil
	}
	p, err := a.resolve(c)
	if err != nil {
		c.Set(keyPermission, err)
		return nil, err
	}
	c.Set(keyPermission, p)
	return p, nil
}

// Claims returns the claims of the request's token, once Permission has
// resolved it successfully.
func Claims(c *gin.Context) *token.Claims {
	v, _ := c.Get(keyClaims)
	cl, _ := v.(*token.Claims)
	return cl
}

func (a *Auth) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Auth) resolve(c *gin.Context) (*permission.Permission, error) {
	inst := GetInstance(c)
	if inst == nil {
		return nil, httperr.New(http.StatusNotFound, "no instance")
	}
	raw := TokenFromRequest(c.Request)
	if raw == "" {
		return nil, httperr.ErrNoToken
	}
	now := a.now()
	claims, err := inst.ParseToken(raw, now, token.App, token.CLI, token.Access, token.Konnector, token.Share)
	if err != nil {
		return nil, err
	}
	ctx := c.Request.Context()
	var p *permission.Permission
	switch claims.Audience {
	case token.CLI:
		rules, err := permission.ParseScope(claims.Scope)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", token.ErrInvalid, err)
		}
		p = &permission.Permission{Type: permission.TypeCLI, Rules: rules}
		if claims.Subject != "" {
			// A service run's token names its app: it holds what the
			// installed app holds now, so uninstalling or updating the app
			// takes effect at once, whatever the token's scope says.
			app, err := a.Resolver.AppService(ctx, inst, claims.Subject)
			if err != nil {
				return nil, subjectError(err, "app")
			}
			p = &permission.Permission{Type: permission.TypeCLI, SourceID: app.SourceID, Rules: app.Rules}
		}
	case token.Access:
		rules, err := permission.ParseScope(claims.Scope)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", token.ErrInvalid, err)
		}
		if err := a.Resolver.OAuthClient(ctx, inst, claims.Subject); err != nil {
			return nil, subjectError(err, "OAuth client")
		}
		p = &permission.Permission{Type: permission.TypeOAuth, SourceID: "io.cozy.oauth.clients/" + claims.Subject, Rules: rules}
	case token.App:
		p, err = a.Resolver.App(ctx, inst, claims.Subject, claims, c.Request)
		if err != nil {
			return nil, subjectError(err, "app")
		}
	case token.Konnector:
		p, err = a.Resolver.Konnector(ctx, inst, claims.Subject)
		if err != nil {
			return nil, subjectError(err, "konnector")
		}
	case token.Share:
		p, err = a.Resolver.ShareCode(ctx, inst, raw)
		if err != nil {
			return nil, subjectError(err, "share")
		}
	}
	if p.Expired(now) {
		return nil, token.ErrExpired
	}
	c.Set(keyClaims, claims)
	return p, nil
}

func subjectError(err error, what string) error {
	if errors.Is(err, ErrUnknownSubject) {
		return fmt.Errorf("%w: %s: %w", token.ErrInvalid, what, err)
	}
	return err
}

// RequireWhole checks verb on every document of doctype; the error is for
// the handler to return.
func (a *Auth) RequireWhole(c *gin.Context, v permission.Verb, doctype string) error {
	return a.decide(c, func(p *permission.Permission) error { return p.Allow(v, doctype) })
}

// RequireSome checks verb on some documents of doctype.
func (a *Auth) RequireSome(c *gin.Context, v permission.Verb, doctype string) error {
	return a.decide(c, func(p *permission.Permission) error { return p.AllowSome(v, doctype) })
}

// RequireDoc checks verb on one document.
func (a *Auth) RequireDoc(c *gin.Context, v permission.Verb, doctype string, doc permission.Doc) error {
	return a.decide(c, func(p *permission.Permission) error { return p.AllowDoc(v, doctype, doc) })
}

// RequireData applies the data API's rules (reserved doctypes) and then
// the permission, on the whole doctype (doc == nil) or on a document.
func (a *Auth) RequireData(c *gin.Context, v permission.Verb, doctype string, doc permission.Doc) error {
	return a.decide(c, func(p *permission.Permission) error {
		if doc == nil {
			return permission.CheckDataWhole(p, v, doctype)
		}
		return permission.CheckDataDoc(p, v, doctype, doc)
	})
}

// RequireDataSome applies the data API's rules and checks that some
// documents of doctype may be accessed with verb.
func (a *Auth) RequireDataSome(c *gin.Context, v permission.Verb, doctype string) error {
	return a.decide(c, func(p *permission.Permission) error { return permission.CheckDataSome(p, v, doctype) })
}

func (a *Auth) decide(c *gin.Context, decide func(*permission.Permission) error) error {
	p, err := a.Permission(c)
	if err != nil {
		return err
	}
	return decide(p)
}
