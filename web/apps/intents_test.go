package apps_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/webtest"
)

// TestIntents: an app starts an intent (POST /intents) and gets the
// installed apps whose manifest handles it; the service reads it (GET
// /intents/:id). Before: 404 on both routes. Here in web/apps, where the
// test apps are installed.
func TestIntents(t *testing.T) {
	e := newEnv(t, config.SubdomainsNested)
	e.install(t, "testapp", testappSource(t)) // PICK io.cozy.contacts at /pick, contacts GET/POST/PUT
	e.install(t, "client", testappSourceAs(t, "client"))
	browser := e.client()
	e.login(t, browser)
	clientTok := e.Issue(t, token.App, "client", "")
	serviceTok := e.Issue(t, token.App, "testapp", "")
	start := func(body string) webtest.Scenario {
		return webtest.Scenario{Method: "POST", URL: "/intents", Client: browser, Token: clientTok, Body: body,
			Headers: map[string]string{"Content-Type": "application/vnd.api+json"}}
	}
	var id string
	s := start(`{"data":{"type":"io.cozy.intents","attributes":{"action":"PICK","type":"io.cozy.contacts","permissions":["GET"]}}}`)
	s.Name, s.ExpectedStatus = "start", http.StatusCreated
	s.ExpectedContent = []string{`"client":"` + e.Inst.AppOrigin("client") + `"`, `"availableApps":[]`, `"slug":"testapp"`}
	s.After = func(t *testing.T, _ *http.Response, body string) {
		var doc struct {
			Data struct {
				ID         string `json:"id"`
				Attributes struct {
					Services []struct{ Slug, Href string }
				}
			}
		}
		json.Unmarshal([]byte(body), &doc)
		id = doc.Data.ID
		sv := doc.Data.Attributes.Services
		if id == "" || len(sv) != 1 || sv[0].Href != e.Inst.AppOrigin("testapp")+"/pick?intent="+id {
			t.Fatalf("services: %s", body)
		}
	}
	e.Run(t, []webtest.Scenario{s})

	noService := start(`{"data":{"attributes":{"action":"PICK","type":"io.cozy.contacts","permissions":["DELETE"]}}}`)
	noService.Name, noService.ExpectedStatus, noService.ExpectedContent = "a service cannot give what it lacks", 201, []string{`"services":[]`}
	otherAction := start(`{"data":{"attributes":{"action":"EDIT","type":"io.cozy.contacts"}}}`)
	otherAction.Name, otherAction.ExpectedStatus, otherAction.ExpectedContent = "another action", 201, []string{`"services":[]`}
	bad := start(`{"data":{"attributes":{"action":"PICK"}}}`)
	bad.Name, bad.ExpectedStatus = "no type", 400
	e.Run(t, []webtest.Scenario{noService, otherAction, bad,
		{Name: "a CLI token cannot start one", Method: "POST", URL: "/intents", Token: e.cli, Body: `{"data":{"attributes":{"action":"PICK","type":"io.cozy.contacts"}}}`, ExpectedStatus: 403},
		{Name: "the service reads it", Method: "GET", URL: "/intents/" + id, Client: browser, Token: serviceTok, ExpectedStatus: 200,
			ExpectedContent: []string{`"action":"PICK"`, `"permissions":["GET"]`, `"self":"/intents/` + id + `"`}},
		{Name: "the client cannot read it", Method: "GET", URL: "/intents/" + id, Client: browser, Token: clientTok, ExpectedStatus: 403},
		{Name: "unknown intent", Method: "GET", URL: "/intents/nope", Client: browser, Token: serviceTok, ExpectedStatus: 404},
	})
}

// testappSourceAs is the test app under another slug and without intents.
func testappSourceAs(t *testing.T, slug string) string {
	t.Helper()
	m := readFile(t, "testdata/testapp/manifest.webapp")
	m = strings.Replace(m, `"slug": "testapp"`, `"slug": "`+slug+`"`, 1)
	m = strings.Replace(m, `"intents": [{"action": "PICK", "type": ["io.cozy.contacts"], "href": "/pick"}]`, `"intents": []`, 1)
	return "file://" + copyApp(t, map[string]string{"manifest.webapp": m})
}
