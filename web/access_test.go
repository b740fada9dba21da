package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/permission"
	"github.com/cozypi/cozy/pkg/permstore"
	"github.com/cozypi/cozy/pkg/session"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

// The credentials every route of the access matrix is called with.
const (
	none         = iota // no token at all
	expired             // a CLI token past its life
	otherInst           // a token signed by another instance
	appNoCookie         // an installed app's token without the session cookie
	appCookie           // the same token with the owner's session cookie
	oauthScope          // an OAuth token whose scope covers the route
	oauthNoScope        // an OAuth token for an unrelated doctype
	shareCode           // a share-by-link code on one file, read-only
	cli                 // a CLI token with the full scope
	nKinds
)

var kindNames = [nKinds]string{"none", "expired", "other-instance", "app-no-cookie", "app-cookie", "oauth-scope", "oauth-no-scope", "share-code", "cli"}

// fullScope is what the app, the scoped OAuth client and the CLI hold.
const fullScope = "io.cozy.files io.cozy.settings io.cozy.jobs io.cozy.triggers io.cozy.contacts " +
	"io.cozy.permissions io.cozy.oauth.clients io.cozy.apps io.cozy.konnectors io.cozy.realtime.test io.cozy.doctypes org.example.remote io.cozy.notifications"

// sharedFile is the id the share code may read.
const sharedFile = "shared-file-id"

// expect is the status of a route for each kind of credential.
type expect [nKinds]int

// tok: a route needing a token whose permission covers it; ok is the
// status of the allowed credentials (app with cookie, scoped OAuth, CLI).
func tok(ok int) expect {
	return expect{401, 400, 401, 401, ok, ok, 403, 403, ok}
}

// pub: a route answering the same to everyone.
func pub(status int) expect {
	var e expect
	for i := range e {
		e[i] = status
	}
	return e
}

// with overrides the status of some kinds: with(kind, status, ...).
func (e expect) with(pairs ...int) expect {
	for i := 0; i+1 < len(pairs); i += 2 {
		e[pairs[i]] = pairs[i+1]
	}
	return e
}

type route struct {
	method, pattern string // as registered
	path, body      string // the request made
	want            expect
}

// routes is the access matrix: every route of the public router, with a
// request and the status expected for each kind of credential. A route
// added to the router must join this table (the test fails otherwise).
var routes = []route{
	{"GET", "/", "/", "", pub(303).with(appCookie, 200)}, // logged in: the home app, or the installed apps (none here)
	// apps and konnectors (web/apps)
	{"GET", "/apps/", "/apps/", "", tok(200)},
	{"GET", "/apps/:slug", "/apps/nope", "", tok(404)},
	{"POST", "/apps/:slug", "/apps/nope?Source=ftp://x/y", "", tok(422)},
	{"PUT", "/apps/:slug", "/apps/nope", "", tok(404)},
	{"DELETE", "/apps/:slug", "/apps/nope", "", tok(404)},
	{"GET", "/apps/:slug/icon", "/apps/nope/icon", "", tok(404)},
	{"GET", "/apps/:slug/icon/:version", "/apps/nope/icon/1.0.0", "", tok(404)},
	{"GET", "/apps/:slug/download", "/apps/nope/download", "", tok(404)},
	{"GET", "/apps/:slug/download/:version", "/apps/nope/download/1.0.0", "", tok(404)},
	{"POST", "/apps/:slug/logs", "/apps/nope/logs", "[]", tok(404).with(oauthNoScope, 404, shareCode, 404)}, // any valid token,
	{"GET", "/konnectors/", "/konnectors/", "", tok(200)},
	{"GET", "/konnectors/:slug", "/konnectors/nope", "", tok(404)},
	{"POST", "/konnectors/:slug", "/konnectors/nope?Source=ftp://x/y", "", tok(422)},
	{"PUT", "/konnectors/:slug", "/konnectors/nope", "", tok(404)},
	{"DELETE", "/konnectors/:slug", "/konnectors/nope", "", tok(404)},
	{"GET", "/konnectors/:slug/icon", "/konnectors/nope/icon", "", tok(404)},
	{"GET", "/konnectors/:slug/icon/:version", "/konnectors/nope/icon/1.0.0", "", tok(404)},
	{"GET", "/konnectors/:slug/download", "/konnectors/nope/download", "", tok(404)},
	{"GET", "/konnectors/:slug/download/:version", "/konnectors/nope/download/1.0.0", "", tok(404)},
	{"POST", "/konnectors/:slug/logs", "/konnectors/nope/logs", "[]", tok(404).with(oauthNoScope, 404, shareCode, 404)}, // any valid token,
	{"POST", "/konnectors/:slug/trigger", "/konnectors/nope/trigger", "", tok(404).with(appCookie, 403)},                // POST on io.cozy.triggers for the konnector worker; apps need a worker-restricted rule
	{"GET", "/apps/:slug/open", "/apps/nope/open", "", tok(404)},
	// Intents are between web apps: only an app's token.
	{"POST", "/intents", "/intents", `{"data":{"attributes":{"action":"PICK","type":"io.cozy.files"}}}`, tok(201).with(oauthScope, 403, cli, 403)},
	{"GET", "/intents/:id", "/intents/nope", "", tok(404).with(oauthScope, 403, cli, 403)},
	{"GET", "/sharings/doctype/:doctype", "/sharings/doctype/io.cozy.files", "", tok(200)},
	{"GET", "/sharings/drives", "/sharings/drives", "", tok(200)},
	// The registries' contents are public: any token of the instance (no
	// registry is configured here: 502).
	{"GET", "/registry", "/registry", "", tok(502).with(oauthNoScope, 502)},
	{"GET", "/registry/maintenance", "/registry/maintenance", "", tok(502).with(oauthNoScope, 502)},
	{"GET", "/registry/:app", "/registry/drive", "", tok(502).with(oauthNoScope, 502)},
	{"GET", "/registry/:app/:version", "/registry/drive/1.0.0", "", tok(502).with(oauthNoScope, 502)},
	{"GET", "/registry/:app/:version/latest", "/registry/drive/stable/latest", "", tok(502).with(oauthNoScope, 502)},
	{"GET", "/registry/:app/icon", "/registry/drive/icon", "", tok(502).with(oauthNoScope, 502)},
	{"GET", "/registry/:app/partnership_icon", "/registry/drive/partnership_icon", "", tok(502).with(oauthNoScope, 502)},
	{"GET", "/registry/:app/screenshots/*filename", "/registry/drive/screenshots/a.png", "", tok(502).with(oauthNoScope, 502)},
	{"GET", "/apps/:slug/session", "/apps/nope/session", "", pub(404)}, // hands the session to the app's sub-domain,
	{"GET", "/assets/*filepath", "/assets/nope.js", "", pub(404)},      // the shared assets (cozy-bar...), public,
	{"HEAD", "/assets/*filepath", "/assets/nope.js", "", pub(404)},
	// auth: pages and OAuth2 endpoints authenticate by their own means.
	{"GET", "/auth/assets/*filepath", "/auth/assets/style.css", "", pub(200)},
	{"HEAD", "/auth/assets/*filepath", "/auth/assets/style.css", "", pub(200)},
	{"GET", "/auth/login", "/auth/login", "", pub(200)},
	{"POST", "/auth/login", "/auth/login", "passphrase=x", pub(403)},
	{"DELETE", "/auth/login", "/auth/login", "", pub(401).with(appCookie, 204)},
	{"DELETE", "/auth/login/others", "/auth/login/others", "", pub(401).with(appCookie, 204)},
	{"POST", "/auth/logout", "/auth/logout", "", pub(403)}, // no CSRF token
	{"GET", "/auth/authorize", "/auth/authorize?client_id=nope", "", pub(400)},
	{"POST", "/auth/authorize", "/auth/authorize", "", pub(400).with(appCookie, 403)}, // logged in: the CSRF token is checked
	{"POST", "/auth/access_token", "/auth/access_token", "", pub(400)},
	{"POST", "/auth/session_code", "/auth/session_code", "", pub(403).with(none, 400)}, // from the passphrase only: a token alone is refused
	{"POST", "/auth/register", "/auth/register", "{}", pub(400)},
	{"GET", "/auth/register/:client_id", "/auth/register/nope", "", pub(401)},
	{"PUT", "/auth/register/:client_id", "/auth/register/nope", "{}", pub(401)},
	{"DELETE", "/auth/register/:client_id", "/auth/register/nope", "", pub(401)},
	// data
	{"GET", "/data/*path", "/data/io.cozy.contacts/nope", "", tok(404)},
	{"HEAD", "/data/*path", "/data/io.cozy.contacts/nope", "", tok(404)},
	{"POST", "/data/*path", "/data/io.cozy.contacts/", `{"a":1}`, tok(201)},
	{"PUT", "/data/*path", "/data/io.cozy.contacts/c1", `{"a":1}`, tok(409).with(appCookie, 200)}, // created once, then a conflict
	{"PATCH", "/data/*path", "/data/io.cozy.contacts/c1", `{}`, pub(405)},
	{"DELETE", "/data/*path", "/data/io.cozy.contacts/nope?rev=1-a", "", tok(404)},
	{"OPTIONS", "/data/*path", "/data/io.cozy.contacts/", "", pub(405)}, // preflights (with Origin) are answered by CORS
	{"CONNECT", "/data/*path", "/data/io.cozy.contacts/", "", pub(405)},
	{"TRACE", "/data/*path", "/data/io.cozy.contacts/", "", pub(405)},
	{"GET", "/data/*path", "/data/io.cozy.contacts/c9/relationships/references", "", tok(200)},
	{"POST", "/data/*path", "/data/io.cozy.contacts/c9/relationships/references", `{"data":[{"type":"io.cozy.files","id":"nope"}]}`, tok(404)},
	{"DELETE", "/data/*path", "/data/io.cozy.contacts/c9/relationships/references", `{"data":[{"type":"io.cozy.files","id":"nope"}]}`, tok(404)},
	// files
	{"POST", "/files/", "/files/?Type=directory&Name=d", "", tok(409).with(appCookie, 201)},
	{"PATCH", "/files/", "/files/", `{"data":[{"type":"io.cozy.files","id":"nope","attributes":{}}]}`, tok(404)},
	{"GET", "/files/:id", "/files/nope", "", tok(404).with(shareCode, 404)},
	{"HEAD", "/files/:id", "/files/nope", "", tok(404).with(shareCode, 404)},
	{"POST", "/files/:id", "/files/nope?Type=directory&Name=d", "", tok(404)},
	{"PUT", "/files/:id", "/files/nope", "x", tok(404)},
	{"PATCH", "/files/:id", "/files/nope", "{}", tok(404)},
	{"DELETE", "/files/:id", "/files/nope", "", tok(404)},
	{"POST", "/files/:id/copy", "/files/nope/copy", "", tok(404).with(shareCode, 404)},
	{"POST", "/files/:id/relationships/not_synchronized_on", "/files/nope/relationships/not_synchronized_on", "{}", tok(404)},
	{"DELETE", "/files/:id/relationships/not_synchronized_on", "/files/nope/relationships/not_synchronized_on", "{}", tok(404)},
	{"POST", "/files/:id/relationships/referenced_by", "/files/nope/relationships/referenced_by", "{}", tok(404)},
	{"DELETE", "/files/:id/relationships/referenced_by", "/files/nope/relationships/referenced_by", "{}", tok(404)},
	{"GET", "/files/:id/size", "/files/nope/size", "", tok(404).with(shareCode, 404)},
	{"GET", "/files/:id/thumbnails/:secret/:format", "/files/nope/thumbnails/x/small", "", pub(400)}, // a signed secret, no token
	{"POST", "/files/_all_docs", "/files/_all_docs", "{}", tok(200)},
	{"GET", "/files/_changes", "/files/_changes", "", tok(200)},
	{"POST", "/files/_find", "/files/_find", `{"selector":{}}`, tok(400)},
	{"POST", "/files/archive", "/files/archive", "{}", tok(400).with(shareCode, 400)}, // the share code holds GET on some files
	{"GET", "/files/archive/:key/:name", "/files/archive/nope/a.zip", "", pub(404)},
	{"GET", "/files/download", "/files/download?Path=/nope", "", tok(404).with(shareCode, 404)},
	{"HEAD", "/files/download", "/files/download?Path=/nope", "", tok(404).with(shareCode, 404)},
	{"GET", "/files/download/:id", "/files/download/nope", "", tok(404).with(shareCode, 404)},
	{"HEAD", "/files/download/:id", "/files/download/nope", "", tok(404).with(shareCode, 404)},
	{"POST", "/files/downloads", "/files/downloads?Path=/nope", "", tok(404).with(shareCode, 404)},
	{"GET", "/files/downloads/:secret/:name", "/files/downloads/nope/a.txt", "", pub(400)},
	{"HEAD", "/files/downloads/:secret/:name", "/files/downloads/nope/a.txt", "", pub(400)},
	{"GET", "/files/fsck", "/files/fsck", "", tok(200).with(appCookie, 403, oauthScope, 403)}, // the owner's CLI only
	{"POST", "/files/fsck", "/files/fsck", "", tok(200).with(appCookie, 403, oauthScope, 403)},
	{"GET", "/files/metadata", "/files/metadata?Path=/nope", "", tok(404).with(shareCode, 404)},
	{"HEAD", "/files/metadata", "/files/metadata?Path=/nope", "", tok(404).with(shareCode, 404)},
	{"PATCH", "/files/metadata", "/files/metadata?Path=/nope", "{}", tok(404)},
	{"GET", "/files/trash", "/files/trash", "", tok(200)},
	{"DELETE", "/files/trash", "/files/trash", "", tok(204)},
	{"POST", "/files/trash/:id", "/files/trash/nope", "", tok(404)},
	{"DELETE", "/files/trash/:id", "/files/trash/nope", "", tok(404)},
	{"POST", "/files/upload/metadata", "/files/upload/metadata", "{}", tok(422)},
	// jobs
	{"GET", "/jobs/:id", "/jobs/nope", "", tok(404).with(oauthNoScope, 404, shareCode, 404)}, // looked up, then checked by worker
	{"PATCH", "/jobs/:id", "/jobs/nope", "{}", tok(404).with(oauthNoScope, 404, shareCode, 404)},
	{"GET", "/jobs/queue/:worker", "/jobs/queue/log", "", tok(200)},
	{"POST", "/jobs/queue/:worker", "/jobs/queue/nope", "{}", tok(400).with(appCookie, 403)}, // apps need a worker-restricted rule
	{"GET", "/jobs/triggers", "/jobs/triggers", "", tok(200)},
	{"POST", "/jobs/triggers", "/jobs/triggers", "{}", tok(400).with(appCookie, 403)},
	{"GET", "/jobs/triggers/:id", "/jobs/triggers/nope", "", tok(404).with(oauthNoScope, 404, shareCode, 404)},
	{"PATCH", "/jobs/triggers/:id", "/jobs/triggers/nope", "{}", tok(404).with(oauthNoScope, 404, shareCode, 404)},
	{"DELETE", "/jobs/triggers/:id", "/jobs/triggers/nope", "", tok(404).with(oauthNoScope, 404, shareCode, 404)},
	{"GET", "/jobs/triggers/:id/jobs", "/jobs/triggers/nope/jobs", "", tok(404).with(oauthNoScope, 404, shareCode, 404)},
	{"POST", "/jobs/triggers/:id/launch", "/jobs/triggers/nope/launch", "", tok(404).with(oauthNoScope, 404, shareCode, 404)},
	{"GET", "/jobs/triggers/:id/state", "/jobs/triggers/nope/state", "", tok(404).with(oauthNoScope, 404, shareCode, 404)},
	{"POST", "/jobs/webhooks/:id", "/jobs/webhooks/nope", "", pub(404)},
	{"POST", "/notifications", "/notifications", "{}", tok(422).with(appCookie, 404, oauthScope, 403, cli, 403)}, // the sender must be an installed app or konnector (the matrix app has only a permission); OAuth and plain CLI tokens cannot send
	// permissions
	{"GET", "/permissions/self", "/permissions/self", "", tok(200).with(oauthNoScope, 200, shareCode, 200)},
	{"POST", "/permissions", "/permissions?codes=a", `{"data":{"attributes":{"permissions":{"f":{"type":"io.cozy.files","verbs":["GET"]}}}}}`, tok(200)},
	{"GET", "/permissions/:id", "/permissions/nope", "", tok(404).with(oauthNoScope, 404, shareCode, 404)},
	{"PATCH", "/permissions/:id", "/permissions/nope", "{}", tok(404).with(oauthNoScope, 404, shareCode, 404)},
	{"DELETE", "/permissions/:id", "/permissions/nope", "", tok(404).with(oauthNoScope, 404, shareCode, 404)},
	{"POST", "/permissions/exists", "/permissions/exists", `{"data":[{"type":"io.cozy.files","id":"x"}]}`, tok(200)},
	{"GET", "/permissions/doctype/:doctype/shared-by-link", "/permissions/doctype/io.cozy.files/shared-by-link", "", tok(200)},
	// public, settings
	{"GET", "/public/prelogin", "/public/prelogin", "", pub(200)},
	{"GET", "/public/avatar", "/public/avatar", "", pub(200)},
	{"GET", "/connection_check", "/connection_check", "", pub(204)},
	{"GET", "/settings/capabilities", "/settings/capabilities", "", tok(200).with(oauthNoScope, 200, shareCode, 200)},
	{"GET", "/settings/disk-usage", "/settings/disk-usage", "", tok(200).with(oauthNoScope, 200, shareCode, 200)}, // any valid credentials, as apps show it
	{"GET", "/settings/clients", "/settings/clients", "", tok(200)},
	{"DELETE", "/settings/clients/:id", "/settings/clients/nope", "", tok(404)},
	{"GET", "/settings/instance", "/settings/instance", "", tok(200)},
	{"PUT", "/settings/instance", "/settings/instance", "{}", tok(200)},
	{"GET", "/settings/passphrase", "/settings/passphrase", "", tok(200)},
	{"POST", "/settings/passphrase", "/settings/passphrase", "{}", pub(400)},
	{"PUT", "/settings/passphrase", "/settings/passphrase", "{}", pub(401).with(appCookie, 400)}, // the owner's session only
	{"POST", "/settings/passphrase/check", "/settings/passphrase/check", "{}", tok(400)},
	{"GET", "/settings/sessions", "/settings/sessions", "", tok(200)},
	{"GET", "/settings/sessions/current", "/settings/sessions/current", "", pub(401).with(appCookie, 200)},  // the cookie's session
	{"GET", "/settings/context", "/settings/context", "", tok(200).with(oauthNoScope, 200, shareCode, 200)}, // any valid token
	{"GET", "/settings/flags", "/settings/flags", "", tok(200).with(oauthNoScope, 200, shareCode, 200)},
	{"POST", "/settings/synchronized", "/settings/synchronized", "", tok(403).with(oauthScope, 204, oauthNoScope, 204)}, // OAuth clients only
	// remote
	{"GET", "/remote/:doctype", "/remote/org.example.remote", "", tok(404)},
	{"POST", "/remote/:doctype", "/remote/org.example.remote", "{}", tok(404)},
	{"GET", "/remote/_all_doctypes", "/remote/_all_doctypes", "", tok(200)},
	{"GET", "/remote/assets/:name", "/remote/assets/nope", "", tok(404).with(oauthNoScope, 404, shareCode, 404)},
	// realtime
	{"GET", "/realtime/", "/realtime/", "", pub(426)}, // authenticated inside the websocket
	{"POST", "/realtime/:doctype/:id", "/realtime/io.cozy.realtime.test/x", "{}", tok(204)},
	// status
	{"GET", "/status", "/status", "", pub(200)},
	{"HEAD", "/status", "/status", "", pub(200)},
	{"GET", "/version", "/version", "", pub(200)},
	{"HEAD", "/version", "/version", "", pub(200)},
}

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// matrixEnv holds the server and one credential maker per kind.
type matrixEnv struct {
	srv  *httptest.Server
	s    *web.Server
	inst *instance.Instance
	toks [nKinds]string
}

func newMatrixEnv(t *testing.T) *matrixEnv {
	t.Helper()
	ctx := context.Background()
	s, mgr := webtest.Server(t, nil)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	inst, err := mgr.Create(ctx, instance.Options{Domain: u.Host, Passphrase: "a long enough passphrase", KdfIterations: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	other, err := mgr.Create(ctx, instance.Options{Domain: "other.example.org", Passphrase: "another long passphrase", KdfIterations: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	rules, err := permission.ParseScope(fullScope)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Perms.Put(ctx, inst, &permission.Permission{Type: permission.TypeApp, SourceID: permstore.AppID("matrix"), Rules: rules}))
	client, err := s.OAuth.Register(ctx, inst, oauth.Metadata{RedirectURIs: []string{"http://localhost/cb"}, ClientName: "matrix", SoftwareID: "matrix.example"}, false)
	must(err)
	shareRules, _ := permission.ParseScope("io.cozy.files:GET:" + sharedFile)
	share, err := s.Perms.CreateShare(ctx, inst, permstore.ShareRequest{Creator: &permission.Permission{Type: permission.TypeCLI, Rules: rules}, Rules: shareRules, Codes: []string{"friend"}})
	must(err)
	code := share.Codes["friend"]

	e := &matrixEnv{srv: srv, s: s, inst: inst}
	issue := func(aud token.Audience, sub, scope string) string {
		tk, err := inst.Issue(aud, sub, scope)
		must(err)
		return tk
	}
	old, err := inst.IssueClaims(token.Claims{Audience: token.CLI, Scope: fullScope, IssuedAt: time.Now().Add(-time.Hour).Unix()})
	must(err)
	foreign, err := other.Issue(token.CLI, "", fullScope)
	must(err)
	e.toks = [nKinds]string{
		none:         "",
		expired:      old,
		otherInst:    foreign,
		appNoCookie:  issue(token.App, "matrix", ""),
		appCookie:    issue(token.App, "matrix", ""),
		oauthScope:   issue(token.Access, client.ID, fullScope),
		oauthNoScope: issue(token.Access, client.ID, "io.cozy.notes.unrelated"),
		shareCode:    code,
		cli:          issue(token.CLI, "", fullScope),
	}
	return e
}

// call makes the request of r with the credential of kind.
func (e *matrixEnv) call(t *testing.T, r route, kind int) int {
	t.Helper()
	req, err := http.NewRequest(r.method, e.srv.URL+r.path, strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if tk := e.toks[kind]; tk != "" {
		req.Header.Set("Authorization", "Bearer "+tk)
	}
	if strings.HasPrefix(r.body, "{") {
		req.Header.Set("Content-Type", "application/json")
	} else if r.body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if kind == appCookie {
		// A fresh session per request: some routes end it.
		sess, err := e.s.Sessions.Create(req.Context(), e.inst, false)
		if err != nil {
			t.Fatal(err)
		}
		req.AddCookie(session.Cookie(e.inst, sess, false))
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func TestAccessMatrix(t *testing.T) {
	e := newMatrixEnv(t)
	registered := map[string]bool{}
	for _, ri := range e.s.Handler().(*gin.Engine).Routes() {
		registered[ri.Method+" "+ri.Path] = true
	}
	inTable := map[string]bool{}
	for _, r := range routes {
		key := r.method + " " + r.pattern
		inTable[key] = true
		if !registered[key] {
			t.Errorf("table row %q names no registered route: remove or fix it", key)
			continue
		}
		t.Run(key, func(t *testing.T) {
			for kind := range nKinds {
				if got := e.call(t, r, kind); got != r.want[kind] {
					t.Errorf("%s %s as %s: status %d, want %d", r.method, r.path, kindNames[kind], got, r.want[kind])
				}
			}
		})
	}
	for key := range registered {
		if !inTable[key] {
			t.Errorf("route %q is not in the access matrix: add one line to routes in access_test.go", key)
		}
	}
}
