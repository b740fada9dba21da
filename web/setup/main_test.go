package setup_test

import (
	"context"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/box/boxtest"
	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/stack"
	"github.com/cozypi/cozy/web"
	"github.com/cozypi/cozy/web/admin"
	"github.com/cozypi/cozy/web/webtest"
)

// boxEnv is the real server of a fresh box: box.enabled, its setup open,
// reached as cozy.local:PORT (the client dials loopback for any name).
type boxEnv struct {
	*webtest.Env
	Stack *stack.Stack
	Certs *boxtest.Certificates // nil: a box without certificates manager
	Host  string                // cozy.local:PORT
	Port  string
}

func newBoxEnv(t *testing.T, withCerts bool, https string) *boxEnv {
	t.Helper()
	cfg := &config.Config{FsURL: t.TempDir(), Subdomains: config.SubdomainsFlat,
		Box: config.Box{Enabled: true, SetupCode: true, Name: "cozy", HTTPS: https}}
	mgr := webtest.Instances(t, cfg.FsURL)
	var opts []stack.Option
	e := &boxEnv{}
	if withCerts {
		e.Certs = &boxtest.Certificates{}
		opts = append(opts, stack.WithCertificates(e.Certs))
	}
	st, err := stack.New(cfg, mgr, webtest.Log, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := web.New(st, &admin.Guard{Dev: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	_, e.Port, _ = net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	e.Host = "cozy.local:" + e.Port
	e.Stack = st
	jar, _ := cookiejar.New(nil)
	e.Env = &webtest.Env{Server: s, Instances: mgr, HTTP: srv, Client: loopbackClient(srv, jar)}
	return e
}

// loopbackClient sends every request to srv, whatever its host name (as
// the box's mDNS name resolves to it on a LAN), and follows no redirect.
func loopbackClient(srv *httptest.Server, jar http.CookieJar) *http.Client {
	addr := srv.Listener.Addr().String()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	return &http.Client{Transport: tr, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// url is an absolute URL on the box's name.
func (e *boxEnv) url(path string) string { return "http://" + e.Host + path }
