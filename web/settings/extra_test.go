package settings_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/cozypi/cozy/pkg/instance"
	"github.com/cozypi/cozy/pkg/oauth"
	"github.com/cozypi/cozy/pkg/token"
	"github.com/cozypi/cozy/web/webtest"
)

func TestExtraRoutes(t *testing.T) {
	e := newEnv(t)
	cli := e.Token(t, "io.cozy.files")
	ctx := context.Background()
	client, err := e.Server.OAuth.Register(ctx, e.Inst, oauth.Metadata{RedirectURIs: []string{"http://localhost/cb"}, ClientName: "phone", SoftwareID: "phone.example"}, false)
	if err != nil {
		t.Fatal(err)
	}
	access := e.Issue(t, token.Access, client.ID, "io.cozy.files")
	e.Run(t, []webtest.Scenario{
		{Name: "context with a token", Method: "GET", URL: "/settings/context", Token: cli, ExpectedStatus: 200, ExpectedContent: []string{`"default_redirection":"home/"`}},
		{Name: "context with the session", Method: "GET", URL: "/settings/context", Client: e.owner, ExpectedStatus: 200, ExpectedContent: []string{"io.cozy.settings.context"}},
		{Name: "context anonymous", Method: "GET", URL: "/settings/context", ExpectedStatus: 401},
		{Name: "flags", Method: "GET", URL: "/settings/flags", Token: cli, ExpectedStatus: 200, ExpectedContent: []string{"io.cozy.settings.flags"}},
		{Name: "flags anonymous", Method: "GET", URL: "/settings/flags", ExpectedStatus: 401},
		{Name: "synchronized by an OAuth client", Method: "POST", URL: "/settings/synchronized", Token: access, ExpectedStatus: 204,
			After: func(t *testing.T, _ *http.Response, _ string) {
				if got, err := e.Server.OAuth.Get(ctx, e.Inst, client.ID); err != nil || got.SynchronizedAt.IsZero() {
					t.Fatalf("synchronized_at not recorded: %v %v", got, err)
				}
			}},
		{Name: "synchronized by a CLI token", Method: "POST", URL: "/settings/synchronized", Token: cli, ExpectedStatus: 403},
		{Name: "synchronized anonymous", Method: "POST", URL: "/settings/synchronized", ExpectedStatus: 401},
		{Name: "current session", Method: "GET", URL: "/settings/sessions/current", Client: e.owner, ExpectedStatus: 200, ExpectedContent: []string{`"type":"io.cozy.sessions"`, `"last_seen":""`}},
		{Name: "current session without cookie", Method: "GET", URL: "/settings/sessions/current", Token: cli, ExpectedStatus: 401},
		{Name: "avatar initials", Method: "GET", URL: "/public/avatar", ExpectedStatus: 200, ExpectedContent: []string{"<svg"}},
		{Name: "avatar anonymous", Method: "GET", URL: "/public/avatar?fallback=anonymous", ExpectedStatus: 200, ExpectedContent: []string{"<circle"}},
		{Name: "avatar 404", Method: "GET", URL: "/public/avatar?fallback=404", ExpectedStatus: 404},
		{Name: "connection check", Method: "GET", URL: "/connection_check", ExpectedStatus: 204},
	})
}

func TestInitials(t *testing.T) {
	e := newEnv(t)
	if _, err := e.Instances.Update(context.Background(), e.Inst.Domain, func(i *instance.Instance) error { i.PublicName = "alice <b>Martin"; return nil }); err != nil {
		t.Fatal(err)
	}
	e.Run(t, []webtest.Scenario{{Name: "initials", Method: "GET", URL: "/public/avatar", ExpectedStatus: 200, ExpectedContent: []string{">AB<"}}})
}
