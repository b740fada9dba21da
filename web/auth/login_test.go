package auth_test

import (
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
)

func TestOnboardingLoginLogout(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	if r := do(t, c, "GET", e.srv.URL+"/public/prelogin", "", ""); r.status != http.StatusPreconditionFailed {
		t.Fatalf("prelogin before onboarding: %d", r.status)
	}
	page := do(t, c, "GET", e.srv.URL+"/?registerToken="+hex.EncodeToString(e.inst.RegisterToken), "", "")
	if page.status != 200 || !strings.Contains(page.body, `action="/settings/passphrase"`) || !strings.Contains(page.body, `data-salt="me@127.0.0.1"`) {
		t.Fatalf("onboarding page: %d %s", page.status, page.body)
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("csp %q", csp)
	}
	if r := do(t, c, "GET", e.srv.URL+"/?registerToken=00", "", ""); r.status != http.StatusBadRequest {
		t.Fatalf("bad register token: %d", r.status)
	}
	e.onboard(t, c)
	inst := e.current(t)
	if !inst.OnboardingFinished || inst.KdfIterations != iterations || len(inst.RegisterToken) != 0 || !strings.HasPrefix(inst.PassphraseHash, "$argon2id$") {
		t.Fatalf("instance after onboarding: %+v", inst)
	}
	// The register token is single-use.
	body := `{"register_token":"` + hex.EncodeToString(e.inst.RegisterToken) + `","passphrase":"x","iterations":100000}`
	if r := do(t, c, "POST", e.srv.URL+"/settings/passphrase", "application/json", body); r.status != http.StatusBadRequest {
		t.Fatalf("second onboarding: %d", r.status)
	}
	u, _ := url.Parse(e.srv.URL)
	var sess *http.Cookie
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "cozysessid" {
			sess = ck
		}
	}
	if sess == nil {
		t.Fatal("no session cookie after onboarding")
	}
	if r := do(t, c, "GET", e.srv.URL+"/public/prelogin", "", ""); r.status != 200 || !strings.Contains(r.body, `"KdfIterations":100000`) {
		t.Fatalf("prelogin: %d %s", r.status, r.body)
	}
	// Logged in: the login page says so.
	if r := do(t, c, "GET", e.srv.URL+"/auth/login", "", ""); r.status != 200 || !strings.Contains(r.body, `id="logout"`) {
		t.Fatalf("logged-in page: %d %s", r.status, r.body)
	}
	if r := do(t, c, "GET", e.srv.URL+"/settings/sessions", "", ""); r.status != 200 || !strings.Contains(r.body, `"count":1`) {
		t.Fatalf("sessions: %d %s", r.status, r.body)
	}
	if r := do(t, c, "DELETE", e.srv.URL+"/auth/login", "", ""); r.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.status, r.body)
	}
	if r := do(t, c, "DELETE", e.srv.URL+"/auth/login", "", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("logout twice: %d", r.status)
	}
	// The old cookie no longer opens anything.
	old := e.client(t)
	old.Jar.SetCookies(u, []*http.Cookie{sess})
	if r := do(t, old, "GET", e.srv.URL+"/settings/instance", "", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("old cookie: %d", r.status)
	}

	// Form login: CSRF is required, a wrong passphrase is told, the right one opens a session.
	form := do(t, c, "GET", e.srv.URL+"/auth/login", "", "")
	tok := csrfOf(t, form.body)
	post := func(secret, csrf string) result {
		v := url.Values{"passphrase": {secret}, "csrf_token": {csrf}, "redirect": {""}}
		return do(t, c, "POST", e.srv.URL+"/auth/login", "application/x-www-form-urlencoded", v.Encode())
	}
	if r := post(e.secret(t, passphrase), "forged"); r.status != http.StatusForbidden {
		t.Fatalf("no csrf: %d", r.status)
	}
	tok = csrfOf(t, do(t, c, "GET", e.srv.URL+"/auth/login", "", "").body)
	r := post(e.secret(t, "wrong"), tok)
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Wrong passphrase") {
		t.Fatalf("wrong passphrase: %d %s", r.status, r.body)
	}
	tok = csrfOf(t, r.body)
	r = post(e.secret(t, passphrase), tok)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/auth/login" {
		t.Fatalf("login: %d %v", r.status, r.header)
	}
	setCookie := r.header.Get("Set-Cookie")
	for _, want := range []string{"cozysessid=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(setCookie, want) {
			t.Errorf("cookie %q lacks %s", setCookie, want)
		}
	}
	if strings.Contains(setCookie, "Secure") {
		t.Errorf("Secure cookie over plain HTTP: %q", setCookie)
	}
	// JSON variant.
	j := e.client(t)
	if r := do(t, j, "POST", e.srv.URL+"/auth/login", "application/json", `{"passphrase":"`+e.secret(t, passphrase)+`"}`, "Accept", "application/json"); r.status != 200 || !strings.Contains(r.body, "redirect") {
		t.Fatalf("json login: %d %s", r.status, r.body)
	}
	// Log the JSON client's session out from the form client.
	if r := do(t, c, "DELETE", e.srv.URL+"/auth/login/others", "", ""); r.status != http.StatusNoContent {
		t.Fatalf("logout others: %d", r.status)
	}
	if r := do(t, j, "GET", e.srv.URL+"/settings/instance", "", ""); r.status != http.StatusUnauthorized {
		t.Fatalf("other session survived: %d", r.status)
	}
	if r := do(t, c, "GET", e.srv.URL+"/settings/instance", "", ""); r.status != 200 || !strings.Contains(r.body, `"password_defined":true`) {
		t.Fatalf("own session: %d %s", r.status, r.body)
	}
}

func TestRedirectValidation(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	e.onboard(t, c)
	host := strings.TrimPrefix(e.srv.URL, "http://")
	tests := []struct {
		redirect string
		status   int
		location string
	}{
		{"https://evil.example/x", http.StatusBadRequest, ""},
		{"//evil.example/x", http.StatusBadRequest, ""},
		{"javascript:alert(1)", http.StatusBadRequest, ""},
		{"/settings/instance#frag", http.StatusSeeOther, "/settings/instance"},
		{"http://" + host + "/foo?bar#baz", http.StatusSeeOther, "http://" + host + "/foo?bar#"},
	}
	for _, tt := range tests {
		r := do(t, c, "GET", e.srv.URL+"/auth/login?redirect="+url.QueryEscape(tt.redirect), "", "")
		if r.status != tt.status || r.header.Get("Location") != tt.location {
			t.Errorf("%q: %d %q", tt.redirect, r.status, r.header.Get("Location"))
		}
	}
}

// TestBruteForce sends 50 wrong passphrases from one address: after the
// per-address limit every attempt gets 429 without reaching the hasher, and
// the right passphrase is refused too until the window ends.
func TestBruteForce(t *testing.T) {
	e := newEnv(t)
	e.onboard(t, e.client(t))
	c := e.client(t)
	codes := map[int]int{}
	first429 := -1
	for i := 0; i < 50; i++ {
		r := do(t, c, "POST", e.srv.URL+"/auth/login", "application/json", `{"passphrase":"wrong-`+string(rune('a'+i%26))+`"}`, "Accept", "application/json")
		codes[r.status]++
		if r.status == http.StatusTooManyRequests && first429 < 0 {
			first429 = i
			if r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "too many") {
				t.Errorf("429 without Retry-After or message: %v %s", r.header, r.body)
			}
		}
	}
	if first429 != 10 || codes[http.StatusUnauthorized] != 10 || codes[http.StatusTooManyRequests] != 40 {
		t.Fatalf("statuses %v, first 429 at %d", codes, first429)
	}
	if r := do(t, c, "POST", e.srv.URL+"/auth/login", "application/json", `{"passphrase":"`+e.secret(t, passphrase)+`"}`, "Accept", "application/json"); r.status != http.StatusTooManyRequests {
		t.Fatalf("right passphrase during throttling: %d", r.status)
	}
	// The HTML form tells it too, in the instance's language.
	if _, err := e.mgr.Update(t.Context(), e.inst.Domain, func(i *instance.Instance) error { i.Locale = "fr"; return nil }); err != nil {
		t.Fatal(err)
	}
	tok := csrfOf(t, do(t, c, "GET", e.srv.URL+"/auth/login", "", "").body)
	r := do(t, c, "POST", e.srv.URL+"/auth/login", "application/x-www-form-urlencoded", url.Values{"passphrase": {"x"}, "csrf_token": {tok}}.Encode())
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Trop de tentatives") || !strings.Contains(r.body, `lang="fr"`) {
		t.Fatalf("form while throttled: %d %s", r.status, r.body)
	}
}
