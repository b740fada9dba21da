package auth_test

import (
	"encoding/hex"
	"net/http"
	"net/http/cookiejar"
	"os"
	"regexp"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
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

// newEnv starts the real server (cfg nil: plain http) with one English
// instance, not onboarded yet.
func newEnv(t *testing.T, cfg *config.Config) *webtest.Env {
	t.Helper()
	return webtest.NewEnv(t, cfg, instance.Options{Locale: "en"})
}

// browser is a browser-like client: a cookie jar, no redirects followed.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// secret derives what a browser sends for pass (PBKDF2 over the salt).
func secret(t *testing.T, e *webtest.Env, pass string) string {
	t.Helper()
	s, err := instance.ClientSecret(pass, e.Inst.Host(), iterations)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// current reads the instance as stored now.
func current(t *testing.T, e *webtest.Env) *instance.Instance {
	t.Helper()
	inst, err := e.Instances.Get(e.Inst.Domain)
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// onboard sets the passphrase through POST /settings/passphrase (JSON);
// c gets the owner's session and known-device cookies.
func onboard(t *testing.T, e *webtest.Env, c *http.Client) {
	t.Helper()
	body := `{"register_token":"` + hex.EncodeToString(e.Inst.RegisterToken) + `","passphrase":"` + secret(t, e, passphrase) + `","iterations":100000}`
	if res, b := e.Do(t, c, "POST", "/settings/passphrase", "", body, nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("onboarding: %d %s", res.StatusCode, b)
	}
}

// formHeaders are the headers of a form a page of the instance posts.
func formHeaders(e *webtest.Env) map[string]string {
	return map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": e.Inst.Origin()}
}

// jsonLogin is a JSON login request's headers.
var jsonLogin = map[string]string{"Accept": "application/json"}

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
