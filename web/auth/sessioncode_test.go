package auth_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

func TestSessionCode(t *testing.T) {
	e := newEnv(t, nil)
	onboard(t, e, browser(t))
	var code string
	e.Run(t, []webtest.Scenario{
		{Name: "no body", Method: "POST", URL: "/auth/session_code", ExpectedStatus: http.StatusBadRequest},
		{Name: "wrong passphrase", Method: "POST", URL: "/auth/session_code", Body: `{"passphrase":"` + secret(t, e, "not it") + `"}`, ExpectedStatus: http.StatusUnauthorized},
		{Name: "an access token is not enough", Method: "POST", URL: "/auth/session_code", Token: e.Token(t, "io.cozy.files"), ExpectedStatus: http.StatusForbidden},
		{Name: "too large", Method: "POST", URL: "/auth/session_code", Body: `{"passphrase":"` + strings.Repeat("x", 5000) + `"}`, ExpectedStatus: http.StatusRequestEntityTooLarge},
		{Name: "create", Method: "POST", URL: "/auth/session_code", Body: `{"passphrase":"` + secret(t, e, passphrase) + `"}`, ExpectedStatus: http.StatusCreated,
			After: func(t *testing.T, _ *http.Response, body string) {
				var out struct {
					Code string `json:"session_code"`
				}
				if json.Unmarshal([]byte(body), &out) != nil || out.Code == "" {
					t.Fatalf("no code: %s", body)
				}
				code = out.Code
			}},
	})

	// A webview opens a page with the code: it gets a session cookie and is
	// sent to the same page without the code.
	webview := browser(t)
	e.Run(t, []webtest.Scenario{
		{Name: "exchange", Client: webview, Method: "GET", URL: "/auth/authorize?client_id=x&session_code=" + code, ExpectedStatus: http.StatusSeeOther,
			ExpectedHeaders: map[string]string{"Location": e.Inst.PageURL("/auth/authorize?client_id=x")},
			After: func(t *testing.T, res *http.Response, _ string) {
				if sc := res.Header.Get("Set-Cookie"); !strings.Contains(sc, "cozysessid=") || !strings.Contains(sc, "HttpOnly") {
					t.Fatalf("no session cookie: %q", sc)
				}
			}},
		{Name: "the session opened by the code works", Client: webview, Method: "GET", URL: "/settings/sessions/current", ExpectedStatus: http.StatusOK},
		// The code is single-use: a second browser gets the login page.
		{Name: "used code", Client: browser(t), Method: "GET", URL: "/auth/login?session_code=" + code, ExpectedStatus: http.StatusOK,
			After: func(t *testing.T, res *http.Response, _ string) {
				if strings.Contains(strings.Join(res.Header.Values("Set-Cookie"), ";"), "cozysessid=") {
					t.Fatalf("a used code opened a session: %v", res.Header)
				}
			}},
	})
}
