package apps_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cozypi/cozy/pkg/config"
	"github.com/cozypi/cozy/web/webtest"
)

// TestServeFlatDotless: an instance named localhost:PORT serves its apps
// in flat mode on localhost-<slug>:PORT, the host Instance.AppHost names
// (before: "No instance for host localhost-testapp:PORT", 404).
func TestServeFlatDotless(t *testing.T) {
	e := newEnv(t, config.SubdomainsFlat)
	if strings.Contains(strings.Split(e.Inst.Domain, ":")[0], ".") {
		t.Fatalf("the test instance %s is not dotless", e.Inst.Domain)
	}
	e.install(t, "testapp", testappSource(t))
	c := e.client()
	origin := e.Inst.AppOrigin("testapp")
	if !strings.HasPrefix(origin, "http://localhost-testapp:") {
		t.Fatalf("app origin %s", origin)
	}
	e.Run(t, []webtest.Scenario{
		{Name: "public route", Method: "GET", URL: origin + "/public", Client: c, ExpectedStatus: http.StatusOK},
		{Name: "private route sends to the session hand-off", Method: "GET", URL: origin + "/", Client: c, ExpectedStatus: http.StatusSeeOther,
			ExpectedHeaders: map[string]string{"Location": e.Inst.PageURL("/apps/testapp/session?redirect=%2F")}},
	})
}
