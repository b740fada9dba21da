package settings_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/cozypi/cozy/web/webtest"
)

// TestForeignOrigin (finding 6): the owner's cookie sent by a page of
// another origin, or by a browser form without Origin, cannot change the
// passphrase or other settings: 403, and nothing changes. The exact
// origin counts, scheme included; a program with a token and no Origin
// goes on.
func TestForeignOrigin(t *testing.T) {
	e := newEnv(t)
	newSecret := e.derive(t, "attacker's choice")
	body := `{"current_passphrase":"` + e.secret + `","new_passphrase":"` + newSecret + `"}`
	sibling := "http://" + e.Inst.AppHost("evil")
	unchanged := func(t *testing.T, _ *http.Response, _ string) {
		cur, err := e.Instances.Get(e.Inst.Domain)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Instances.CheckSecret(context.Background(), cur, e.secret); err != nil {
			t.Fatalf("the passphrase was changed: %v", err)
		}
	}
	var scenarios []webtest.Scenario
	for _, origin := range []string{"http://evil.example", sibling, "https://" + e.Inst.Domain, "null", ""} {
		h := map[string]string{}
		if origin != "" {
			h["Origin"] = origin
		}
		scenarios = append(scenarios,
			webtest.Scenario{Name: "passphrase from " + origin, Method: "PUT", URL: "/settings/passphrase", Client: e.owner, Headers: h,
				Body: body, ExpectedStatus: http.StatusForbidden, After: unchanged},
			webtest.Scenario{Name: "instance from " + origin, Method: "PUT", URL: "/settings/instance", Client: e.owner, Headers: h,
				Body: `{"data":{"attributes":{"public_name":"pwned"}}}`, ExpectedStatus: http.StatusForbidden, NotExpectedContent: []string{"pwned"}},
			webtest.Scenario{Name: "passphrase check from " + origin, Method: "POST", URL: "/settings/passphrase/check", Client: e.owner, Headers: h,
				Body: `{"passphrase":"x"}`, ExpectedStatus: http.StatusForbidden},
			webtest.Scenario{Name: "delete a client from " + origin, Method: "DELETE", URL: "/settings/clients/x", Client: e.owner, Headers: h,
				ExpectedStatus: http.StatusForbidden},
		)
	}
	scenarios = append(scenarios,
		webtest.Scenario{Name: "reading from another origin needs a token", Method: "GET", URL: "/settings/instance", Client: e.owner,
			Headers: map[string]string{"Origin": "http://evil.example"}, ExpectedStatus: http.StatusUnauthorized},
		webtest.Scenario{Name: "an app's token from its sub-domain", Method: "PUT", URL: "/settings/instance", Client: e.owner, Token: e.Token(t, "io.cozy.settings"),
			Headers: map[string]string{"Origin": sibling}, Body: `{"data":{"attributes":{"tz":"Europe/Paris"}}}`, ExpectedStatus: http.StatusOK},
		webtest.Scenario{Name: "a program's token without Origin", Method: "PUT", URL: "/settings/instance", Token: e.Token(t, "io.cozy.settings"),
			Body: `{"data":{"attributes":{"tz":"UTC"}}}`, ExpectedStatus: http.StatusOK},
		webtest.Scenario{Name: "the instance's own page", Method: "PUT", URL: "/settings/instance", Client: e.owner, Headers: e.own,
			Body: `{"data":{"attributes":{"public_name":"Alice"}}}`, ExpectedStatus: http.StatusOK},
		webtest.Scenario{Name: "passphrase from the instance's own page", Method: "PUT", URL: "/settings/passphrase", Client: e.owner, Headers: e.own,
			Body: body, ExpectedStatus: http.StatusNoContent},
	)
	e.Run(t, scenarios)
}
