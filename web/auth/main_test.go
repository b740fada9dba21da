package auth_test

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// iterations is the client-side PBKDF2 count used in tests (the minimum
// accepted), to keep them fast.
const iterations = 100_000

const passphrase = "correct horse battery staple"

type env struct {
	srv  *httptest.Server
	mgr  *instance.Manager
	inst *instance.Instance
	s    *web.Server
}

// newEnv starts the real server with one instance named after its address.
func newEnv(t *testing.T) *env {
	t.Helper()
	s, mgr := webtest.Server(t, nil)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	inst, err := mgr.Create(context.Background(), instance.Options{Domain: u.Host, Locale: "en"})
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, mgr: mgr, inst: inst, s: s}
}

// client is a browser-like client: cookie jar, no automatic redirects.
func (e *env) client(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *env) secret(t *testing.T, pass string) string {
	t.Helper()
	s, err := instance.ClientSecret(pass, e.inst.Host(), iterations)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *env) current(t *testing.T) *instance.Instance {
	t.Helper()
	inst, err := e.mgr.Get(e.inst.Domain)
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// onboard sets the passphrase through POST /settings/passphrase (JSON).
func (e *env) onboard(t *testing.T, c *http.Client) {
	t.Helper()
	body := `{"register_token":"` + hex.EncodeToString(e.inst.RegisterToken) + `","passphrase":"` + e.secret(t, passphrase) + `","iterations":100000}`
	res := do(t, c, "POST", e.srv.URL+"/settings/passphrase", "application/json", body)
	if res.status != http.StatusNoContent {
		t.Fatalf("onboarding: %d %s", res.status, res.body)
	}
}

type result struct {
	status int
	body   string
	header http.Header
}

func do(t *testing.T, c *http.Client, method, u, ctype, body string, hdr ...string) result {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, string(b), resp.Header}
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrfOf extracts the CSRF token of a page.
func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf token in page: %s", page)
	}
	return m[1]
}

func instanceSecret(host string, iter int) (string, error) {
	return instance.ClientSecret("a long enough passphrase", host, iter)
}
