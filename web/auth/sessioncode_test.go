package auth_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/token"
)

func TestSessionCode(t *testing.T) {
	e := newEnv(t)
	e.onboard(t, e.client(t))
	anon := e.client(t)
	cli, _ := e.current(t).Issue(token.CLI, "", "io.cozy.files")

	refusals := []struct {
		name, body string
		hdr        []string
		status     int
	}{
		{"no body", "", nil, http.StatusBadRequest},
		{"wrong passphrase", `{"passphrase":"` + e.secret(t, "not it") + `"}`, nil, http.StatusUnauthorized},
		{"an access token is not enough", "", []string{"Authorization", "Bearer " + cli}, http.StatusForbidden},
	}
	for _, r := range refusals {
		if res := do(t, anon, "POST", e.srv.URL+"/auth/session_code", "application/json", r.body, r.hdr...); res.status != r.status {
			t.Errorf("%s: %d %s", r.name, res.status, res.body)
		}
	}

	res := do(t, anon, "POST", e.srv.URL+"/auth/session_code", "application/json", `{"passphrase":"`+e.secret(t, passphrase)+`"}`)
	var out struct {
		Code string `json:"session_code"`
	}
	if res.status != http.StatusCreated || json.Unmarshal([]byte(res.body), &out) != nil || out.Code == "" {
		t.Fatalf("create: %d %s", res.status, res.body)
	}

	// A webview opens a page with the code: it gets a session cookie and is
	// sent to the same page without the code.
	webview := e.client(t)
	res = do(t, webview, "GET", e.srv.URL+"/auth/authorize?client_id=x&session_code="+out.Code, "", "")
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/auth/authorize?client_id=x" {
		t.Fatalf("exchange: %d %v", res.status, res.header)
	}
	if sc := res.header.Get("Set-Cookie"); !strings.Contains(sc, "cozysessid=") || !strings.Contains(sc, "HttpOnly") {
		t.Fatalf("no session cookie: %q", sc)
	}
	if r := do(t, webview, "GET", e.srv.URL+"/settings/sessions/current", "", ""); r.status != http.StatusOK {
		t.Fatalf("the session opened by the code does not work: %d %s", r.status, r.body)
	}

	// The code is single-use: a second browser gets the login page.
	other := e.client(t)
	res = do(t, other, "GET", e.srv.URL+"/auth/login?session_code="+out.Code, "", "")
	if res.status != http.StatusOK || res.header.Get("Set-Cookie") != "" && strings.Contains(res.header.Get("Set-Cookie"), "cozysessid=") {
		t.Fatalf("a used code opened a session: %d %v", res.status, res.header)
	}
}
