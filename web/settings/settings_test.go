package settings_test

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

const iterations = 100_000

type env struct {
	srv    *httptest.Server
	mgr    *instance.Manager
	inst   *instance.Instance
	s      *web.Server
	owner  *http.Client // logged in by onboarding
	secret string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	s, mgr := webtest.Server(t, nil)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	inst, err := mgr.Create(context.Background(), instance.Options{Domain: u.Host})
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	e := &env{srv: srv, mgr: mgr, inst: inst, s: s, owner: &http.Client{Jar: jar}}
	e.secret, _ = instance.ClientSecret("first passphrase", inst.Host(), iterations)
	r := e.do(t, e.owner, "POST", "/settings/passphrase", "", `{"register_token":"`+hex.EncodeToString(inst.RegisterToken)+`","passphrase":"`+e.secret+`","iterations":100000}`)
	if r.status != http.StatusNoContent {
		t.Fatalf("onboarding: %d %s", r.status, r.body)
	}
	return e
}

type result struct {
	status int
	body   string
}

func (e *env) do(t *testing.T, c *http.Client, method, path, tok, body string) result {
	t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, string(b)}
}

func TestAccess(t *testing.T) {
	e := newEnv(t)
	anon := e.srv.Client()
	settingsTok, _ := e.inst.Issue(token.CLI, "", "io.cozy.settings")
	readTok, _ := e.inst.Issue(token.CLI, "", "io.cozy.settings:GET")
	otherTok, _ := e.inst.Issue(token.CLI, "", "io.cozy.files")
	tests := []struct {
		method, path string
		client       *http.Client
		tok          string
		status       int
	}{
		{"GET", "/settings/instance", e.owner, "", 200},
		{"GET", "/settings/instance", anon, settingsTok, 200},
		{"GET", "/settings/instance", anon, otherTok, 403},
		{"GET", "/settings/instance", anon, "", 401},
		{"GET", "/settings/passphrase", anon, readTok, 200},
		{"GET", "/settings/passphrase", anon, "", 401},
		{"GET", "/settings/capabilities", anon, otherTok, 200},
		{"GET", "/settings/capabilities", anon, "", 401},
		{"GET", "/settings/sessions", anon, readTok, 200},
		{"GET", "/settings/sessions", anon, otherTok, 403},
		{"GET", "/settings/clients", e.owner, "", 200},
		{"GET", "/settings/clients", anon, "", 401},
		{"PUT", "/settings/instance", anon, readTok, 403},
		{"DELETE", "/settings/clients/nope", e.owner, "", 404},
		{"GET", "/public/prelogin", anon, "", 200},
	}
	for _, tt := range tests {
		if r := e.do(t, tt.client, tt.method, tt.path, tt.tok, ""); r.status != tt.status {
			t.Errorf("%s %s: %d %s", tt.method, tt.path, r.status, r.body)
		}
	}
}

func TestInstanceAndClients(t *testing.T) {
	e := newEnv(t)
	r := e.do(t, e.owner, "GET", "/settings/instance", "", "")
	if !strings.Contains(r.body, `"id":"io.cozy.settings.instance"`) || !strings.Contains(r.body, `"rev":"`) {
		t.Fatalf("instance: %s", r.body)
	}
	r = e.do(t, e.owner, "PUT", "/settings/instance", "", `{"data":{"attributes":{"public_name":"Alice","locale":"fr"}}}`)
	if r.status != 200 || !strings.Contains(r.body, `"public_name":"Alice"`) {
		t.Fatalf("put: %d %s", r.status, r.body)
	}
	if got, _ := e.mgr.Get(e.inst.Domain); got.PublicName != "Alice" || got.Locale != "fr" {
		t.Fatalf("not saved: %+v", got)
	}
	if r := e.do(t, e.owner, "PUT", "/settings/instance", "", `{"data":{"meta":{"rev":"1-stale"},"attributes":{"public_name":"X"}}}`); r.status != http.StatusConflict {
		t.Fatalf("stale rev: %d", r.status)
	}
	if r := e.do(t, e.owner, "PUT", "/settings/instance", "", `not json`); r.status != http.StatusBadRequest {
		t.Fatalf("bad body: %d", r.status)
	}
	cl, err := e.s.OAuth.Register(context.Background(), e.inst, oauth.Metadata{RedirectURIs: []string{"https://x.example/cb"}, ClientName: "c", SoftwareID: "s"}, false)
	if err != nil {
		t.Fatal(err)
	}
	r = e.do(t, e.owner, "GET", "/settings/clients", "", "")
	if !strings.Contains(r.body, cl.ID) || strings.Contains(r.body, cl.Secret) || strings.Contains(r.body, "registration_access_token") {
		t.Fatalf("clients list leaks or misses: %s", r.body)
	}
	if r := e.do(t, e.owner, "DELETE", "/settings/clients/"+cl.ID, "", ""); r.status != http.StatusNoContent {
		t.Fatalf("delete client: %d", r.status)
	}
}

func TestPassphraseChangeAndCheck(t *testing.T) {
	e := newEnv(t)
	tok, _ := e.inst.Issue(token.CLI, "", "io.cozy.settings")
	if r := e.do(t, e.owner, "POST", "/settings/passphrase/check", tok, `{"passphrase":"`+e.secret+`"}`); r.status != http.StatusNoContent {
		t.Fatalf("check: %d %s", r.status, r.body)
	}
	if r := e.do(t, e.owner, "POST", "/settings/passphrase/check", tok, `{"passphrase":"wrong"}`); r.status != http.StatusForbidden {
		t.Fatalf("check wrong: %d", r.status)
	}
	newSecret, _ := instance.ClientSecret("second passphrase", e.inst.Host(), iterations)
	if r := e.do(t, e.srv.Client(), "PUT", "/settings/passphrase", tok, `{"current_passphrase":"`+e.secret+`","new_passphrase":"`+newSecret+`"}`); r.status != http.StatusUnauthorized {
		t.Fatalf("change without session: %d", r.status)
	}
	if r := e.do(t, e.owner, "PUT", "/settings/passphrase", "", `{"current_passphrase":"bad","new_passphrase":"`+newSecret+`"}`); r.status != http.StatusForbidden {
		t.Fatalf("change with a wrong current: %d", r.status)
	}
	if r := e.do(t, e.owner, "PUT", "/settings/passphrase", "", `{"current_passphrase":"`+e.secret+`","new_passphrase":"`+newSecret+`","iterations":10}`); r.status != http.StatusBadRequest {
		t.Fatalf("too few iterations: %d", r.status)
	}
	if r := e.do(t, e.owner, "PUT", "/settings/passphrase", "", `{"current_passphrase":"`+e.secret+`","new_passphrase":"`+newSecret+`"}`); r.status != http.StatusNoContent {
		t.Fatalf("change: %d %s", r.status, r.body)
	}
	// The session was rotated and still works; the new passphrase checks.
	if r := e.do(t, e.owner, "GET", "/settings/instance", "", ""); r.status != 200 {
		t.Fatalf("rotated session: %d", r.status)
	}
	if r := e.do(t, e.owner, "POST", "/settings/passphrase/check", tok, `{"passphrase":"`+newSecret+`"}`); r.status != http.StatusNoContent {
		t.Fatalf("check new: %d", r.status)
	}
}
