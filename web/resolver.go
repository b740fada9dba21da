package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/middleware"
)

// resolver checks token subjects against what the instance holds. Apps,
// konnectors, OAuth clients and share codes are stored documents; until an
// instance has any, every such token is refused.
type resolver struct{}

func (r *resolver) App(ctx context.Context, inst *instance.Instance, slug string, claims *token.Claims, req *http.Request) (*permission.Permission, error) {
	return nil, fmt.Errorf("%w: app %q is not installed", middleware.ErrUnknownSubject, slug)
}

func (r *resolver) Konnector(ctx context.Context, inst *instance.Instance, slug string) (*permission.Permission, error) {
	return nil, fmt.Errorf("%w: konnector %q is not installed", middleware.ErrUnknownSubject, slug)
}

func (r *resolver) OAuthClient(ctx context.Context, inst *instance.Instance, clientID string) error {
	return fmt.Errorf("%w: OAuth client %q", middleware.ErrUnknownSubject, clientID)
}

func (r *resolver) ShareCode(ctx context.Context, inst *instance.Instance, code string) (*permission.Permission, error) {
	return nil, fmt.Errorf("%w: share code", middleware.ErrUnknownSubject)
}
