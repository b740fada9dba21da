package auth_test

import (
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/auth"
	"github.com/cozypi/cozy/web/webtest"
)

func TestOnboardingLoginLogout(t *testing.T) {
	e := newEnv(t, nil)
	c := browser(t)
	e.Run(t, []webtest.Scenario{
		{Name: "prelogin before onboarding", Method: "GET", URL: "/public/prelogin", ExpectedStatus: http.StatusPreconditionFailed},
		{Name: "onboarding page", Method: "GET", URL: "/?registerToken=" + hex.EncodeToString(e.Inst.RegisterToken), ExpectedStatus: 200,
			ExpectedContent: []string{`action="/settings/passphrase"`, `data-salt="` + e.Inst.PassphraseSalt() + `"`}},
		{Name: "bad register token", Method: "GET", URL: "/?registerToken=00", ExpectedStatus: http.StatusBadRequest},
		{Name: "registration link", Method: "GET", URL: strings.TrimPrefix(auth.RegistrationURL(e.Inst), e.Inst.Origin()), ExpectedStatus: 200,
			ExpectedContent: []string{`action="/settings/passphrase"`}},
	})
	onboard(t, e, c)
	inst := current(t, e)
	if !inst.OnboardingFinished || inst.KdfIterations != iterations || len(inst.RegisterToken) != 0 || !strings.HasPrefix(inst.PassphraseHash, "$argon2id$") {
		t.Fatalf("instance after onboarding: %+v", inst)
	}
	u, _ := url.Parse(e.URL())
	var sess *http.Cookie
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "cozysessid" {
			sess = ck
		}
	}
	if sess == nil {
		t.Fatal("no session cookie after onboarding")
	}
	own := map[string]string{"Origin": e.Inst.Origin()}
	e.Run(t, []webtest.Scenario{
		{Name: "the register token is single-use", Method: "POST", URL: "/settings/passphrase",
			Body: `{"register_token":"` + hex.EncodeToString(e.Inst.RegisterToken) + `","passphrase":"x","iterations":100000}`, ExpectedStatus: http.StatusBadRequest},
		{Name: "prelogin", Method: "GET", URL: "/public/prelogin", ExpectedStatus: 200, ExpectedContent: []string{`"KdfIterations":100000`}},
		{Name: "logged-in page", Client: c, Method: "GET", URL: "/auth/login", ExpectedStatus: 200, ExpectedContent: []string{`id="logout"`}},
		{Name: "sessions", Client: c, Method: "GET", URL: "/settings/sessions", ExpectedStatus: 200, ExpectedContent: []string{`"count":1`}},
		{Name: "logout from another origin", Client: c, Method: "DELETE", URL: "/auth/login", Headers: map[string]string{"Origin": "http://evil.example"}, ExpectedStatus: http.StatusForbidden},
		{Name: "logout", Client: c, Method: "DELETE", URL: "/auth/login", Headers: own, ExpectedStatus: http.StatusNoContent},
		{Name: "logout twice", Client: c, Method: "DELETE", URL: "/auth/login", Headers: own, ExpectedStatus: http.StatusUnauthorized},
	})
	// The old cookie no longer opens anything.
	old := browser(t)
	old.Jar.SetCookies(u, []*http.Cookie{sess})
	if res, _ := e.Do(t, old, "GET", "/settings/instance", "", "", nil); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("old cookie: %d", res.StatusCode)
	}

	// Form login: CSRF is required, a wrong passphrase is told, the right one opens a session.
	post := func(secret, csrf string) (*http.Response, string) {
		v := url.Values{"passphrase": {secret}, "csrf_token": {csrf}, "redirect": {""}}
		return e.Do(t, c, "POST", "/auth/login", "", v.Encode(), formHeaders(e))
	}
	e.Do(t, c, "GET", "/auth/login", "", "", nil) // the CSRF cookie
	if res, _ := post(secret(t, e, passphrase), "forged"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("no csrf: %d", res.StatusCode)
	}
	_, page := e.Do(t, c, "GET", "/auth/login", "", "", nil)
	res, page := post(secret(t, e, "wrong"), csrfOf(t, page))
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "Wrong passphrase") {
		t.Fatalf("wrong passphrase: %d %s", res.StatusCode, page)
	}
	res, _ = post(secret(t, e, passphrase), csrfOf(t, page))
	// No redirect asked and no home app: the instance's root, which lists
	// the installed apps (see TestLandingAfterLogin).
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != e.Inst.PageURL("/") {
		t.Fatalf("login: %d %v", res.StatusCode, res.Header)
	}
	setCookie := strings.Join(res.Header.Values("Set-Cookie"), "\n")
	for _, want := range []string{"cozysessid=", "HttpOnly", "SameSite=Lax", "Path=/", "cozydevice="} {
		if !strings.Contains(setCookie, want) {
			t.Errorf("cookies %q lack %s", setCookie, want)
		}
	}
	if strings.Contains(setCookie, "Secure") {
		t.Errorf("Secure cookie for an http instance: %q", setCookie)
	}
	// JSON variant, then log its session out from the form client.
	j := browser(t)
	e.Run(t, []webtest.Scenario{
		{Name: "json login", Client: j, Method: "POST", URL: "/auth/login", Body: `{"passphrase":"` + secret(t, e, passphrase) + `"}`,
			Headers: jsonLogin, ExpectedStatus: 200, ExpectedContent: []string{`"redirect":"` + e.Inst.PageURL("/") + `"`}},
		{Name: "logout others without Origin", Client: c, Method: "DELETE", URL: "/auth/login/others", ExpectedStatus: http.StatusForbidden},
		{Name: "logout others", Client: c, Method: "DELETE", URL: "/auth/login/others", Headers: own, ExpectedStatus: http.StatusNoContent},
		{Name: "other session closed", Client: j, Method: "GET", URL: "/settings/instance", ExpectedStatus: http.StatusUnauthorized},
		{Name: "own session kept", Client: c, Method: "GET", URL: "/settings/instance", ExpectedStatus: 200, ExpectedContent: []string{`"password_defined":true`}},
	})
}

func TestRedirectValidation(t *testing.T) {
	e := newEnv(t, &config.Config{Subdomains: config.SubdomainsNested})
	c := browser(t)
	onboard(t, e, c)
	app := "http://" + e.Inst.AppHost("drive")
	var scenarios []webtest.Scenario
	for _, tt := range []struct {
		redirect string
		status   int
		location string
	}{
		{"https://evil.example/x", http.StatusBadRequest, ""},
		{"//evil.example/x", http.StatusBadRequest, ""},
		{"javascript:alert(1)", http.StatusBadRequest, ""},
		{"https://" + e.Inst.Domain + "/x", http.StatusBadRequest, ""}, // not the instance's scheme
		{"/settings/instance#frag", http.StatusSeeOther, e.Inst.PageURL("/settings/instance")},
		{e.Inst.PageURL("/foo?bar#baz"), http.StatusSeeOther, e.Inst.PageURL("/foo?bar#")},
		{app + "/#/folder", http.StatusSeeOther, app + "/#"},
	} {
		scenarios = append(scenarios, webtest.Scenario{Name: tt.redirect, Client: c, Method: "GET",
			URL: "/auth/login?redirect=" + url.QueryEscape(tt.redirect), ExpectedStatus: tt.status,
			ExpectedHeaders: map[string]string{"Location": tt.location}})
	}
	e.Run(t, scenarios)
}

// TestBruteForceOneAddress sends wrong passphrases from one address: the
// first ones are told wrong, then the address must wait (429 with
// Retry-After) without reaching the hasher, even with the right one.
func TestBruteForceOneAddress(t *testing.T) {
	e := newEnv(t, nil)
	onboard(t, e, browser(t))
	wrong, right := `{"passphrase":"`+secret(t, e, "wrong")+`"}`, `{"passphrase":"`+secret(t, e, passphrase)+`"}`
	var scenarios []webtest.Scenario
	for i := 0; i < 6; i++ { // session.AddrFree, then the failure that starts the backoff
		scenarios = append(scenarios, webtest.Scenario{Name: "wrong", Method: "POST", URL: "/auth/login", Body: wrong, Headers: jsonLogin, ExpectedStatus: http.StatusUnauthorized})
	}
	scenarios = append(scenarios,
		webtest.Scenario{Name: "slowed", Method: "POST", URL: "/auth/login", Body: wrong, Headers: jsonLogin, ExpectedStatus: http.StatusTooManyRequests,
			ExpectedContent: []string{"too many"}, ExpectedHeaders: map[string]string{"Retry-After": "30"}},
		webtest.Scenario{Name: "right passphrase, slowed too", Method: "POST", URL: "/auth/login", Body: right, Headers: jsonLogin, ExpectedStatus: http.StatusTooManyRequests},
	)
	e.Run(t, scenarios)
	// The HTML form tells it too, in the instance's language.
	if _, err := e.Instances.Update(t.Context(), e.Inst.Domain, func(i *instance.Instance) error { i.Locale = "fr"; return nil }); err != nil {
		t.Fatal(err)
	}
	c := browser(t)
	_, page := e.Do(t, c, "GET", "/auth/login", "", "", nil)
	res, body := e.Do(t, c, "POST", "/auth/login", "", url.Values{"passphrase": {"x"}, "csrf_token": {csrfOf(t, page)}}.Encode(), formHeaders(e))
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Trop de tentatives") || !strings.Contains(body, `lang="fr"`) {
		t.Fatalf("form while throttled: %d %s", res.StatusCode, body)
	}
}
