package permissions_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

type env struct {
	srv  *httptest.Server
	inst *instance.Instance
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
	return &env{srv: srv, inst: inst}
}

func (e *env) cli(t *testing.T, scope string) string {
	t.Helper()
	tok, err := e.inst.Issue(token.CLI, "", scope)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// call sends a request with a bearer token and decodes the JSON answer.
func (e *env) call(t *testing.T, method, path, tok, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	req.Header.Set("Content-Type", "application/vnd.api+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
		}
	}
	return res.StatusCode, out
}

func attrs(doc map[string]any) map[string]any {
	data, _ := doc["data"].(map[string]any)
	a, _ := data["attributes"].(map[string]any)
	return a
}

func expect(t *testing.T, what string, got, want int, body map[string]any) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: status %d, want %d: %v", what, got, want, body)
	}
}

const shareBody = `{"data":{"type":"io.cozy.permissions","attributes":{"permissions":{"photos":{"type":"io.cozy.files","verbs":["GET"],"values":["dir1"]}}}}}`

func TestShareByLinkLifecycle(t *testing.T) {
	e := newEnv(t)
	owner := e.cli(t, "io.cozy.files io.cozy.events:GET")

	st, self := e.call(t, "GET", "/permissions/self", owner, "")
	expect(t, "self", st, 200, self)
	if attrs(self)["type"] != "cli" {
		t.Fatalf("self: %v", self)
	}

	st, created := e.call(t, "POST", "/permissions?codes=bob,jane&ttl=1D", owner, shareBody)
	expect(t, "create", st, 200, created)
	a := attrs(created)
	codes, _ := a["codes"].(map[string]any)
	short, _ := a["shortcodes"].(map[string]any)
	if a["type"] != "share" || len(codes) != 2 || len(short) != 2 || a["expires_at"] == nil {
		t.Fatalf("created: %v", created)
	}
	id := created["data"].(map[string]any)["id"].(string)
	bob, jane := codes["bob"].(string), codes["jane"].(string)

	// The recipient's code is a token: it sees its rules, not the codes.
	st, bobSelf := e.call(t, "GET", "/permissions/self", bob, "")
	expect(t, "share self", st, 200, bobSelf)
	if attrs(bobSelf)["type"] != "share" || attrs(bobSelf)["codes"] != nil {
		t.Fatalf("share self: %v", bobSelf)
	}
	st, body := e.call(t, "POST", "/permissions?codes=x", bob, shareBody)
	expect(t, "share token creating a share", st, 403, body)
	st, body = e.call(t, "PATCH", "/permissions/"+id, bob, `{"data":{"attributes":{"codes":{}}}}`)
	expect(t, "share token patching", st, 403, body)

	// Only a subset of the token's own rules can be shared.
	st, body = e.call(t, "POST", "/permissions?codes=x", owner,
		`{"data":{"attributes":{"permissions":{"c":{"type":"io.cozy.contacts"}}}}}`)
	expect(t, "share beyond the token", st, 403, body)
	st, body = e.call(t, "POST", "/permissions?codes=x", owner,
		`{"data":{"attributes":{"permissions":{"c":{"type":"io.cozy.events","verbs":["PUT"]}}}}}`)
	expect(t, "share with more verbs", st, 403, body)
	st, body = e.call(t, "POST", "/permissions?codes=x&ttl=1D&tinycode=true", owner, shareBody)
	expect(t, "tinycode with a long ttl", st, 400, body)
	st, body = e.call(t, "POST", "/permissions?codes=x&ttl=soon", owner, shareBody)
	expect(t, "bad ttl", st, 400, body)
	st, body = e.call(t, "POST", "/permissions", owner, `{"data":{}}`)
	expect(t, "no attributes", st, 400, body)
	st, body = e.call(t, "POST", "/permissions", owner, `not json`)
	expect(t, "not json", st, 400, body)
	st, body = e.call(t, "POST", "/permissions", "", shareBody)
	expect(t, "no token", st, 401, body)

	st, got := e.call(t, "GET", "/permissions/"+id, owner, "")
	expect(t, "get", st, 200, got)
	st, body = e.call(t, "GET", "/permissions/nope", owner, "")
	expect(t, "get unknown", st, 404, body)
	other := e.cli(t, "io.cozy.contacts")
	st, body = e.call(t, "GET", "/permissions/"+id, other, "")
	expect(t, "get by a token not covering it", st, 403, body)

	// Patch: add a rule, drop jane's code.
	st, patched := e.call(t, "PATCH", "/permissions/"+id, owner,
		`{"data":{"attributes":{"codes":{"bob":"x"},"permissions":{"cal":{"type":"io.cozy.events","verbs":["GET"],"values":["ev1"]}}}}}`)
	expect(t, "patch", st, 200, patched)
	pa := attrs(patched)
	if len(pa["codes"].(map[string]any)) != 1 || len(pa["permissions"].(map[string]any)) != 2 {
		t.Fatalf("patched: %v", patched)
	}
	st, body = e.call(t, "GET", "/permissions/self", jane, "")
	expect(t, "revoked code", st, 401, body)
	st, body = e.call(t, "PATCH", "/permissions/"+id, owner, `{"data":{"attributes":{"permissions":{"x":{"type":"io.cozy.contacts"}}}}}`)
	expect(t, "patch beyond the token", st, 403, body)
	st, body = e.call(t, "PATCH", "/permissions/"+id, owner, `{"data":{"attributes":{"permissions":{"cal":{}}}}}`)
	expect(t, "patch removing a rule", st, 200, body)
	if len(attrs(body)["permissions"].(map[string]any)) != 1 {
		t.Fatalf("rule not removed: %v", body)
	}

	// Which documents are shared by link.
	st, ex := e.call(t, "POST", "/permissions/exists", owner,
		`{"data":[{"type":"io.cozy.files","id":"dir1"},{"type":"io.cozy.files","id":"dir2"},{"type":"io.cozy.files","id":"dir1"}]}`)
	expect(t, "exists", st, 200, ex)
	list := ex["data"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != "dir1" {
		t.Fatalf("exists: %v", ex)
	}
	st, body = e.call(t, "POST", "/permissions/exists", other, `{"data":[{"type":"io.cozy.files","id":"dir1"}]}`)
	expect(t, "exists without the doctype", st, 403, body)

	// Expiry: a past expires_at ends the code.
	st, body = e.call(t, "PATCH", "/permissions/"+id, owner, `{"data":{"attributes":{"expires_at":"2001-01-01T00:00:00Z"}}}`)
	expect(t, "expire", st, 200, body)
	st, body = e.call(t, "GET", "/permissions/self", bob, "")
	expect(t, "expired code", st, 400, body)
	st, body = e.call(t, "PATCH", "/permissions/"+id, owner, `{"data":{"attributes":{"expires_at":""}}}`)
	expect(t, "unexpire", st, 200, body)
	st, body = e.call(t, "GET", "/permissions/self", bob, "")
	expect(t, "code alive again", st, 200, body)

	st, body = e.call(t, "DELETE", "/permissions/"+id, owner, "")
	expect(t, "delete", st, 204, body)
	st, body = e.call(t, "GET", "/permissions/self", bob, "")
	expect(t, "code of a deleted share", st, 401, body)
	st, body = e.call(t, "DELETE", "/permissions/"+id, owner, "")
	expect(t, "delete again", st, 404, body)
}

func TestSharedByLinkPages(t *testing.T) {
	e := newEnv(t)
	owner := e.cli(t, "io.cozy.files")
	for range 3 {
		st, body := e.call(t, "POST", "/permissions?codes=a", owner, shareBody)
		expect(t, "create", st, 200, body)
	}
	seen := map[string]bool{}
	path := "/permissions/doctype/io.cozy.files/shared-by-link?page[limit]=2"
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("pagination does not end")
		}
		st, body := e.call(t, "GET", path, owner, "")
		expect(t, "list", st, 200, body)
		for _, d := range body["data"].([]any) {
			seen[d.(map[string]any)["id"].(string)] = true
		}
		path = ""
		if links, ok := body["links"].(map[string]any); ok {
			path = links["next"].(string)
		}
	}
	if len(seen) != 3 {
		t.Fatalf("listed %d shares, want 3", len(seen))
	}
	st, body := e.call(t, "GET", "/permissions/doctype/io.cozy.events/shared-by-link", e.cli(t, "io.cozy.events"), "")
	expect(t, "other doctype", st, 200, body)
	if len(body["data"].([]any)) != 0 {
		t.Fatalf("events listed: %v", body)
	}
	st, body = e.call(t, "GET", "/permissions/doctype/io.cozy.files/shared-by-link", e.cli(t, "io.cozy.files:GET:dir1"), "")
	expect(t, "list without the whole doctype", st, 403, body)
	st, body = e.call(t, "GET", "/permissions/doctype/Bad!/shared-by-link", owner, "")
	expect(t, "bad doctype", st, 400, body)
}
