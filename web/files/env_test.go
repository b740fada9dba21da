package files_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/middleware"
	"github.com/cozypi/cozy/web/webtest"
)

// env is webtest's server with the set-up of the files tests: an
// instance with a disk quota, a CLI token on io.cozy.files, and one known
// OAuth client ("desktop") for the sync tests.
type env struct {
	*webtest.Env
	t     testing.TB
	url   string
	token string
}

// newEnv starts the server; quota 0 means none.
func newEnv(t testing.TB, quota int64) *env {
	t.Helper()
	w := webtest.NewEnv(t, nil, instance.Options{DiskQuota: quota})
	w.Server.Auth.Resolver = oauthOnly{}
	// The manager closes the VFS (its thumbnail worker stops) before
	// the store and the data directory go.
	if _, err := w.Instances.VFS(context.Background(), w.Inst); err != nil {
		t.Fatal(err)
	}
	return &env{Env: w, t: t, url: w.URL(), token: w.Token(t, "io.cozy.files")}
}

// do sends a request with the env's token through webtest and returns the
// status, headers and body. A body without Content-Type is sent as
// application/octet-stream, so that uploads are typed by their name.
func (e *env) do(method, path string, body io.Reader, hdr map[string]string) (int, http.Header, []byte) {
	e.t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = io.ReadAll(body); err != nil {
			e.t.Fatal(err)
		}
	}
	h := map[string]string{}
	if len(b) > 0 {
		h["Content-Type"] = "application/octet-stream"
	}
	for k, v := range hdr {
		h[k] = v
	}
	res, out := e.Do(e.t, nil, method, path, e.token, string(b), h)
	return res.StatusCode, res.Header, []byte(out)
}

// oauthOnly knows one OAuth client, "desktop", and nothing else.
type oauthOnly struct{}

func (oauthOnly) App(context.Context, *instance.Instance, string, *token.Claims, *http.Request) (*permission.Permission, error) {
	return nil, middleware.ErrUnknownSubject
}

func (oauthOnly) AppService(context.Context, *instance.Instance, string) (*permission.Permission, error) {
	return nil, middleware.ErrUnknownSubject
}

func (oauthOnly) Konnector(context.Context, *instance.Instance, string) (*permission.Permission, error) {
	return nil, middleware.ErrUnknownSubject
}

func (oauthOnly) OAuthClient(_ context.Context, _ *instance.Instance, id string) error {
	if id != "desktop" {
		return middleware.ErrUnknownSubject
	}
	return nil
}

func (oauthOnly) ShareCode(context.Context, *instance.Instance, string) (*permission.Permission, error) {
	return nil, middleware.ErrUnknownSubject
}
