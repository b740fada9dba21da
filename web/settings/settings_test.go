package settings_test

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/http/cookiejar"
	"os"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

const iterations = 100_000

// env is the real server with an onboarded instance whose owner is
// logged in.
type env struct {
	*webtest.Env
	owner  *http.Client // logged in by onboarding
	secret string
	own    map[string]string // the Origin header of the instance's pages
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{Env: webtest.NewEnv(t, nil, instance.Options{})}
	jar, _ := cookiejar.New(nil)
	e.owner = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	e.secret = e.derive(t, "first passphrase")
	e.own = map[string]string{"Origin": e.Inst.Origin()}
	body := `{"register_token":"` + hex.EncodeToString(e.Inst.RegisterToken) + `","passphrase":"` + e.secret + `","iterations":100000}`
	if res, b := e.Do(t, e.owner, "POST", "/settings/passphrase", "", body, nil); res.StatusCode != http.StatusNoContent {
		t.Fatalf("onboarding: %d %s", res.StatusCode, b)
	}
	return e
}

func (e *env) derive(t *testing.T, pass string) string {
	t.Helper()
	s, err := instance.ClientSecret(pass, e.Inst.Host(), iterations)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAccess(t *testing.T) {
	e := newEnv(t)
	settingsTok, readTok, otherTok := e.Token(t, "io.cozy.settings"), e.Token(t, "io.cozy.settings:GET"), e.Token(t, "io.cozy.files")
	e.Run(t, []webtest.Scenario{
		{Name: "instance, session", Method: "GET", URL: "/settings/instance", Client: e.owner, ExpectedStatus: 200},
		{Name: "instance, token", Method: "GET", URL: "/settings/instance", Token: settingsTok, ExpectedStatus: 200},
		{Name: "instance, other token", Method: "GET", URL: "/settings/instance", Token: otherTok, ExpectedStatus: 403},
		{Name: "instance, anonymous", Method: "GET", URL: "/settings/instance", ExpectedStatus: 401},
		{Name: "passphrase params", Method: "GET", URL: "/settings/passphrase", Token: readTok, ExpectedStatus: 200, ExpectedContent: []string{`"iterations":100000`}},
		{Name: "passphrase params, anonymous", Method: "GET", URL: "/settings/passphrase", ExpectedStatus: 401},
		{Name: "capabilities, any token", Method: "GET", URL: "/settings/capabilities", Token: otherTok, ExpectedStatus: 200},
		{Name: "capabilities, anonymous", Method: "GET", URL: "/settings/capabilities", ExpectedStatus: 401},
		{Name: "sessions", Method: "GET", URL: "/settings/sessions", Token: readTok, ExpectedStatus: 200, ExpectedContent: []string{`"type":"io.cozy.sessions"`, `"count":1`}},
		{Name: "sessions, other token", Method: "GET", URL: "/settings/sessions", Token: otherTok, ExpectedStatus: 403},
		{Name: "clients, session", Method: "GET", URL: "/settings/clients", Client: e.owner, ExpectedStatus: 200},
		{Name: "clients, anonymous", Method: "GET", URL: "/settings/clients", ExpectedStatus: 401},
		{Name: "put instance, read-only token", Method: "PUT", URL: "/settings/instance", Token: readTok, Body: `{}`, ExpectedStatus: 403},
		{Name: "delete unknown client", Method: "DELETE", URL: "/settings/clients/nope", Client: e.owner, Headers: e.own, ExpectedStatus: 404},
		{Name: "prelogin", Method: "GET", URL: "/public/prelogin", ExpectedStatus: 200},
	})
}

func TestInstanceAndClients(t *testing.T) {
	e := newEnv(t)
	cl, err := e.Server.OAuth.Register(context.Background(), e.Inst, oauth.Metadata{RedirectURIs: []string{"https://x.example/cb"}, ClientName: "c", SoftwareID: "s"}, false)
	if err != nil {
		t.Fatal(err)
	}
	e.Run(t, []webtest.Scenario{
		{Name: "get", Method: "GET", URL: "/settings/instance", Client: e.owner, ExpectedStatus: 200,
			ExpectedContent: []string{`"id":"io.cozy.settings.instance"`, `"rev":"`}, ExpectedHeaders: map[string]string{"Content-Type": "application/vnd.api+json"}},
		{Name: "put", Method: "PUT", URL: "/settings/instance", Client: e.owner, Headers: e.own,
			Body: `{"data":{"attributes":{"public_name":"Alice","locale":"fr"}}}`, ExpectedStatus: 200, ExpectedContent: []string{`"public_name":"Alice"`},
			After: func(t *testing.T, _ *http.Response, _ string) {
				if got, _ := e.Instances.Get(e.Inst.Domain); got.PublicName != "Alice" || got.Locale != "fr" {
					t.Fatalf("not saved: %+v", got)
				}
			}},
		{Name: "stale rev", Method: "PUT", URL: "/settings/instance", Client: e.owner, Headers: e.own,
			Body: `{"data":{"meta":{"rev":"1-stale"},"attributes":{"public_name":"X"}}}`, ExpectedStatus: http.StatusConflict},
		{Name: "too long", Method: "PUT", URL: "/settings/instance", Client: e.owner, Headers: e.own,
			Body: `{"data":{"attributes":{"public_name":"` + string(make([]byte, 300)) + `"}}}`, ExpectedStatus: http.StatusBadRequest},
		{Name: "not JSON", Method: "PUT", URL: "/settings/instance", Client: e.owner, Headers: e.own, Body: `not json`, ExpectedStatus: http.StatusBadRequest},
		{Name: "clients list hides secrets", Method: "GET", URL: "/settings/clients", Client: e.owner, ExpectedStatus: 200,
			ExpectedContent: []string{cl.ID}, NotExpectedContent: []string{cl.Secret, "registration_access_token"}},
		{Name: "delete client", Method: "DELETE", URL: "/settings/clients/" + cl.ID, Client: e.owner, Headers: e.own, ExpectedStatus: http.StatusNoContent},
	})
}

func TestPassphraseChangeAndCheck(t *testing.T) {
	e := newEnv(t)
	tok := e.Token(t, "io.cozy.settings")
	newSecret := e.derive(t, "second passphrase")
	change := func(current, next, extra string) string {
		return `{"current_passphrase":"` + current + `","new_passphrase":"` + next + `"` + extra + `}`
	}
	e.Run(t, []webtest.Scenario{
		{Name: "check", Method: "POST", URL: "/settings/passphrase/check", Token: tok, Body: `{"passphrase":"` + e.secret + `"}`, ExpectedStatus: http.StatusNoContent},
		{Name: "check wrong", Method: "POST", URL: "/settings/passphrase/check", Token: tok, Body: `{"passphrase":"wrong"}`, ExpectedStatus: http.StatusForbidden},
		{Name: "change without session", Method: "PUT", URL: "/settings/passphrase", Token: tok, Body: change(e.secret, newSecret, ""), ExpectedStatus: http.StatusUnauthorized},
		{Name: "change with a wrong current", Method: "PUT", URL: "/settings/passphrase", Client: e.owner, Headers: e.own, Body: change("bad", newSecret, ""), ExpectedStatus: http.StatusForbidden},
		{Name: "too few iterations", Method: "PUT", URL: "/settings/passphrase", Client: e.owner, Headers: e.own, Body: change(e.secret, newSecret, `,"iterations":10`), ExpectedStatus: http.StatusBadRequest},
		{Name: "change", Method: "PUT", URL: "/settings/passphrase", Client: e.owner, Headers: e.own, Body: change(e.secret, newSecret, ""), ExpectedStatus: http.StatusNoContent},
		// The session was rotated and still works; the new passphrase checks.
		{Name: "rotated session", Method: "GET", URL: "/settings/instance", Client: e.owner, ExpectedStatus: 200},
		{Name: "check new", Method: "POST", URL: "/settings/passphrase/check", Token: tok, Body: `{"passphrase":"` + newSecret + `"}`, ExpectedStatus: http.StatusNoContent},
	})
}
