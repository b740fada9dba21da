package permissions_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/web/webtest"
	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(m.Run())
}

// share is what POST /permissions answers.
type share struct {
	Data struct {
		ID         string `json:"id"`
		Attributes struct {
			Type       string            `json:"type"`
			ExpiresAt  *time.Time        `json:"expires_at"`
			Codes      map[string]string `json:"codes"`
			ShortCodes map[string]string `json:"shortcodes"`
			Rules      map[string]any    `json:"permissions"`
		} `json:"attributes"`
	} `json:"data"`
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

// createShare makes a share through the API and returns it.
func createShare(t *testing.T, e *webtest.Env, tok, query, body string) share {
	t.Helper()
	res, out := e.Do(t, nil, "POST", "/permissions"+query, tok, body, nil)
	if res.StatusCode != 200 {
		t.Fatalf("create share: %d %s", res.StatusCode, out)
	}
	return decode[share](t, out)
}

const shareBody = `{"data":{"type":"io.cozy.permissions","attributes":{"permissions":{"photos":{"type":"io.cozy.files","verbs":["GET"],"values":["dir1"]}}}}}`

func TestShareByLinkLifecycle(t *testing.T) {
	e := webtest.NewEnv(t, nil, instance.Options{})
	owner := e.Token(t, "io.cozy.files io.cozy.events:GET")
	other := e.Token(t, "io.cozy.contacts")
	created := createShare(t, e, owner, "?codes=bob,jane&ttl=1D", shareBody)
	a := created.Data.Attributes
	if a.Type != "share" || len(a.Codes) != 2 || len(a.ShortCodes) != 2 || a.ExpiresAt == nil {
		t.Fatalf("created: %+v", created)
	}
	id, bob, jane := created.Data.ID, a.Codes["bob"], a.Codes["jane"]
	if bob == jane {
		t.Fatal("two recipients got the same code")
	}
	e.Run(t, []webtest.Scenario{
		{Name: "self", Method: "GET", URL: "/permissions/self", Token: owner, ExpectedStatus: 200,
			ExpectedContent: []string{`"type":"cli"`}},
		// The recipient's code is a token: it sees its rules, not the codes.
		{Name: "share self", Method: "GET", URL: "/permissions/self", Token: bob, ExpectedStatus: 200,
			ExpectedContent: []string{`"type":"share"`, `"id":"` + id + `"`}, NotExpectedContent: []string{"codes", jane}},
		{Name: "share token creating a share", Method: "POST", URL: "/permissions?codes=x", Token: bob, Body: shareBody, ExpectedStatus: 403},
		{Name: "share token patching", Method: "PATCH", URL: "/permissions/" + id, Token: bob, Body: `{"data":{"attributes":{"codes":{}}}}`, ExpectedStatus: 403},
		// Only a subset of the token's own rules can be shared.
		{Name: "share beyond the token", Method: "POST", URL: "/permissions?codes=x", Token: owner,
			Body: `{"data":{"attributes":{"permissions":{"c":{"type":"io.cozy.contacts"}}}}}`, ExpectedStatus: 403},
		{Name: "share with more verbs", Method: "POST", URL: "/permissions?codes=x", Token: owner,
			Body: `{"data":{"attributes":{"permissions":{"c":{"type":"io.cozy.events","verbs":["PUT"]}}}}}`, ExpectedStatus: 403},
		{Name: "tinycode with a long ttl", Method: "POST", URL: "/permissions?codes=x&ttl=1D&tinycode=true", Token: owner, Body: shareBody, ExpectedStatus: 400},
		{Name: "bad ttl", Method: "POST", URL: "/permissions?codes=x&ttl=soon", Token: owner, Body: shareBody, ExpectedStatus: 400},
		{Name: "empty code name", Method: "POST", URL: "/permissions?codes=a,,b", Token: owner, Body: shareBody, ExpectedStatus: 400},
		{Name: "no attributes", Method: "POST", URL: "/permissions", Token: owner, Body: `{"data":{}}`, ExpectedStatus: 400},
		{Name: "not json", Method: "POST", URL: "/permissions", Token: owner, Body: `not json`, ExpectedStatus: 400},
		{Name: "lone surrogate", Method: "POST", URL: "/permissions", Token: owner, Body: `{"data":{"attributes":{"source_id":"\ud800"}}}`, ExpectedStatus: 400},
		{Name: "password", Method: "POST", URL: "/permissions", Token: owner, Body: `{"data":{"attributes":{"password":"x"}}}`, ExpectedStatus: 400},
		{Name: "no token", Method: "POST", URL: "/permissions", Body: shareBody, ExpectedStatus: 401,
			ExpectedHeaders: map[string]string{"Content-Type": "application/vnd.api+json"}},
		{Name: "get", Method: "GET", URL: "/permissions/" + id, Token: owner, ExpectedStatus: 200,
			ExpectedContent: []string{`"codes"`, `"rev"`, `"self":"/permissions/` + id + `"`}},
		{Name: "get unknown", Method: "GET", URL: "/permissions/nope", Token: owner, ExpectedStatus: 404},
		{Name: "get by a token not covering it", Method: "GET", URL: "/permissions/" + id, Token: other, ExpectedStatus: 403},
		// Patch: add a rule, drop jane's code.
		{Name: "patch", Method: "PATCH", URL: "/permissions/" + id, Token: owner,
			Body:           `{"data":{"attributes":{"codes":{"bob":"x"},"permissions":{"cal":{"type":"io.cozy.events","verbs":["GET"],"values":["ev1"]}}}}}`,
			ExpectedStatus: 200, ExpectedContent: []string{`"cal"`, `"photos"`, bob}, NotExpectedContent: []string{jane}},
		{Name: "revoked code", Method: "GET", URL: "/permissions/self", Token: jane, ExpectedStatus: 401},
		{Name: "patch beyond the token", Method: "PATCH", URL: "/permissions/" + id, Token: owner,
			Body: `{"data":{"attributes":{"permissions":{"x":{"type":"io.cozy.contacts"}}}}}`, ExpectedStatus: 403},
		{Name: "patch removing a rule", Method: "PATCH", URL: "/permissions/" + id, Token: owner,
			Body: `{"data":{"attributes":{"permissions":{"cal":{}}}}}`, ExpectedStatus: 200, NotExpectedContent: []string{`"cal"`}},
		{Name: "patch removing every rule", Method: "PATCH", URL: "/permissions/" + id, Token: owner,
			Body: `{"data":{"attributes":{"permissions":{"photos":{}}}}}`, ExpectedStatus: 400},
		// Which documents are shared by link.
		{Name: "exists", Method: "POST", URL: "/permissions/exists", Token: owner,
			Body:           `{"data":[{"type":"io.cozy.files","id":"dir1"},{"type":"io.cozy.files","id":"dir2"},{"type":"io.cozy.files","id":"dir1"}]}`,
			ExpectedStatus: 200, After: func(t *testing.T, _ *http.Response, body string) {
				if n := strings.Count(body, `"id"`); n != 1 || !strings.Contains(body, `"id":"dir1"`) {
					t.Fatalf("exists: %s", body)
				}
			}},
		{Name: "exists without the doctype", Method: "POST", URL: "/permissions/exists", Token: other,
			Body: `{"data":[{"type":"io.cozy.files","id":"dir1"}]}`, ExpectedStatus: 403},
		{Name: "exists without a token", Method: "POST", URL: "/permissions/exists", Body: `{"data":[]}`, ExpectedStatus: 401},
		// Expiry: a past expires_at ends the code.
		{Name: "expire", Method: "PATCH", URL: "/permissions/" + id, Token: owner,
			Body: `{"data":{"attributes":{"expires_at":"2001-01-01T00:00:00Z"}}}`, ExpectedStatus: 200},
		{Name: "expired code", Method: "GET", URL: "/permissions/self", Token: bob, ExpectedStatus: 400,
			ExpectedContent: []string{"Expired token"}},
		{Name: "unexpire", Method: "PATCH", URL: "/permissions/" + id, Token: owner,
			Body: `{"data":{"attributes":{"expires_at":""}}}`, ExpectedStatus: 200},
		{Name: "code alive again", Method: "GET", URL: "/permissions/self", Token: bob, ExpectedStatus: 200},
		{Name: "delete", Method: "DELETE", URL: "/permissions/" + id, Token: owner, ExpectedStatus: 204},
		{Name: "code of a deleted share", Method: "GET", URL: "/permissions/self", Token: bob, ExpectedStatus: 401},
		{Name: "delete again", Method: "DELETE", URL: "/permissions/" + id, Token: owner, ExpectedStatus: 404},
	})
}

func TestSharedByLinkPages(t *testing.T) {
	e := webtest.NewEnv(t, nil, instance.Options{})
	owner := e.Token(t, "io.cozy.files")
	for range 3 {
		createShare(t, e, owner, "?codes=a", shareBody)
	}
	seen := map[string]bool{}
	path := "/permissions/doctype/io.cozy.files/shared-by-link?page[limit]=2"
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("pagination does not end")
		}
		res, body := e.Do(t, nil, "GET", path, owner, "", nil)
		if res.StatusCode != 200 {
			t.Fatalf("list: %d %s", res.StatusCode, body)
		}
		page := decode[struct {
			Data  []struct{ ID string } `json:"data"`
			Meta  struct{ Count int }   `json:"meta"`
			Links struct{ Next string } `json:"links"`
		}](t, body)
		if page.Meta.Count != 3 {
			t.Fatalf("count: %s", body)
		}
		for _, d := range page.Data {
			seen[d.ID] = true
		}
		path = page.Links.Next
	}
	if len(seen) != 3 {
		t.Fatalf("listed %d shares, want 3", len(seen))
	}
	e.Run(t, []webtest.Scenario{
		{Name: "other doctype", Method: "GET", URL: "/permissions/doctype/io.cozy.events/shared-by-link",
			Token: e.Token(t, "io.cozy.events"), ExpectedStatus: 200, ExpectedContent: []string{`"data":[]`}},
		{Name: "list without the whole doctype", Method: "GET", URL: "/permissions/doctype/io.cozy.files/shared-by-link",
			Token: e.Token(t, "io.cozy.files:GET:dir1"), ExpectedStatus: 403},
		{Name: "bad doctype", Method: "GET", URL: "/permissions/doctype/Bad!/shared-by-link", Token: owner, ExpectedStatus: 400},
		{Name: "bad limit", Method: "GET", URL: "/permissions/doctype/io.cozy.files/shared-by-link?page[limit]=0", Token: owner, ExpectedStatus: 400},
	})
}
