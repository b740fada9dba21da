package apps_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestSessionCodes checks that the codes handing a session to an app's
// sub-domain are single-use and bound to their app, and that upstream's
// ?session_code= (from POST /auth/session_code) opens an app's page.
func TestSessionCodes(t *testing.T) {
	e := newEnv(t)
	e.install(t, "testapp", testappSource(t))
	e.install(t, "other", testappSource(t))
	c := e.client(t)
	e.login(t, c)

	// The instance hands its session over with a code in the redirect.
	res := do(t, c, "GET", e.url("", "/apps/testapp/session?redirect=%2F"), "")
	loc := res.header.Get("Location")
	if res.status != http.StatusSeeOther || !strings.Contains(loc, "/.cozy/session?code=") {
		t.Fatalf("hand-over: %d %q", res.status, loc)
	}
	// The code is for testapp only: presented to another app it is refused,
	// and burnt.
	foreign := strings.Replace(loc, "alice-testapp.", "alice-other.", 1)
	if r := do(t, e.client(t), "GET", foreign, ""); r.status != http.StatusBadRequest {
		t.Fatalf("code for testapp accepted by other: %d", r.status)
	}
	if r := do(t, e.client(t), "GET", loc, ""); r.status != http.StatusBadRequest {
		t.Fatalf("a burnt code accepted: %d", r.status)
	}
	// A fresh code works once.
	res = do(t, c, "GET", e.url("", "/apps/testapp/session?redirect=%2F"), "")
	loc = res.header.Get("Location")
	browser := e.client(t)
	if r := do(t, browser, "GET", loc, ""); r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Set-Cookie"), "cozysessid=") {
		t.Fatalf("hand-over code refused: %d %v", r.status, r.header)
	}
	if r := do(t, e.client(t), "GET", loc, ""); r.status != http.StatusBadRequest {
		t.Fatalf("a code used twice: %d", r.status)
	}
	if r := do(t, browser, "GET", e.url("testapp", "/"), ""); r.status != http.StatusOK {
		t.Fatalf("the app's page after the hand-over: %d", r.status)
	}

	// Upstream's flagship flow: a code from the server opens a new session
	// where the app's page is opened, and the code leaves the URL.
	code := e.s.Codes.Issue(e.inst.ID, "", "")
	webview := e.client(t)
	r := do(t, webview, "GET", e.url("testapp", "/?x=1&session_code="+code), "")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/?x=1" || !strings.Contains(r.header.Get("Set-Cookie"), "cozysessid=") {
		t.Fatalf("session_code on an app page: %d %v", r.status, r.header)
	}
	page := do(t, webview, "GET", e.url("testapp", "/?x=1"), "")
	if page.status != http.StatusOK {
		t.Fatalf("the app's page in the webview: %d", page.status)
	}
	// The index's CozyData carries the server's real capabilities.
	if !strings.Contains(string(page.body), "flat_subdomains&#34;:true") || !strings.Contains(string(page.body), "file_versioning&#34;:false") {
		t.Fatalf("capabilities not in the index: %s", page.body)
	}
	if r := do(t, e.client(t), "GET", e.url("testapp", "/?session_code="+code), ""); r.status != http.StatusBadRequest {
		t.Fatalf("a session_code used twice: %d", r.status)
	}
}
